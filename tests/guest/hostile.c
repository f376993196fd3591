/*
 * A hostile guest for keel's KVM monitor (--target=kvm only): it goes
 * around keel's own base and fills the hypercall block at KVM_HCALL
 * itself, with addresses, lengths and rings the monitor must refuse.
 *
 *   hostile console   bad console buffers: -EFAULT, nothing printed
 *   hostile entropy   bad entropy buffers: -EFAULT, nothing written
 *   hostile read      bad read buffers: -EFAULT, no input consumed
 *   hostile queue     bad KVM_PORT_QUEUE rings: -EINVAL / -ENODEV (--disk)
 *   hostile desc      bad virtio-blk requests: IOERR, the device goes on
 *                     serving good ones (--disk, a 1 MiB file)
 *   hostile setfs     a non-canonical fs base
 *   hostile port-out | port-in | port-opened | port-blocked | hlt | mmio |
 *           fault-port | triple | spin
 *                     the monitor stops the guest (or --timeout does)
 *
 * The runner (cases.sh) checks what the monitor printed, its status and
 * the disk file; the image checks what came back to it.
 */
#include <stdint.h>
#include <unistd.h>

#include <keel/platform.h>

#include "../../include/keel/kvm.h"
#include "check.h"

#define EFAULT_ (-(int64_t)EFAULT)
#define EINVAL_ (-(int64_t)EINVAL)
#define ENODEV_ (-(int64_t)ENODEV)
#define UNTOUCHED 0x5a5a5a5a5a5a5a5aLL

static volatile struct kvm_hcall *const hc = (struct kvm_hcall *)KVM_HCALL;
static const volatile struct kvm_boot_info *const boot = (struct kvm_boot_info *)KVM_BOOT;
static uint64_t mem; /* guest memory is [0, mem) */

static int64_t hcall(unsigned port, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	hc->a[0] = a0;
	hc->a[1] = a1;
	hc->a[2] = a2;
	hc->a[3] = a3;
	hc->a[4] = a4;
	hc->a[5] = a5;
	hc->ret = UNTOUCHED;
	__asm__ __volatile__("outl %%eax, %%dx" : : "a"(0), "d"(port) : "memory");
	return hc->ret;
}

static int64_t hc3(unsigned port, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return hcall(port, a0, a1, a2, 0, 0, 0);
}

/* Buffers no monitor may accept: [addr, addr+len) is not inside guest
 * memory, or addr+len wraps around. base is a good address. */
struct bad {
	uint64_t addr, len;
	const char *what;
};

static unsigned bad_ranges(uint64_t base, struct bad *b)
{
	unsigned n = 0;

	b[n++] = (struct bad){ mem, 1, "one byte at the end of memory" };
	b[n++] = (struct bad){ mem - 8, 16, "straddling the end of memory" };
	b[n++] = (struct bad){ mem + 4096, 16, "past the end of memory" };
	b[n++] = (struct bad){ 1ULL << 40, 16, "at 1 TiB" };
	b[n++] = (struct bad){ 1ULL << 63, 16, "at 2^63" };
	b[n++] = (struct bad){ base, 1ULL << 63, "length 2^63" };
	b[n++] = (struct bad){ base, UINT64_MAX, "length 2^64-1" };
	b[n++] = (struct bad){ base, mem, "length of all memory from inside it" };
	b[n++] = (struct bad){ UINT64_MAX - 7, 16, "address+length wraps to 8" };
	b[n++] = (struct bad){ base, UINT64_MAX - base + 1 + 5, "address+length wraps to 5" };
	b[n++] = (struct bad){ UINT64_MAX, 1, "the last byte of the address space" };
	return n;
}

static void check_bad_ranges(unsigned port, int with_stream, uint64_t base)
{
	struct bad b[16];
	unsigned i, n = bad_ranges(base, b);
	int64_t r;

	for (i = 0; i < n; i++) {
		r = with_stream ? hc3(port, 1, b[i].addr, b[i].len)
				: hc3(port, b[i].addr, b[i].len, 0);
		if (r != EFAULT_) {
			fprintf(stderr,
				"port %#x, buffer %s (%#llx+%#llx): returned %lld, not -EFAULT\n",
				port, b[i].what, (unsigned long long)b[i].addr,
				(unsigned long long)b[i].len, (long long)r);
		}
		CHECK_EQ(r, EFAULT_);
	}
}

/* ---- console, entropy, read ---------------------------------------- */

static int t_console(void)
{
	static const char good[] = "a good console write\n", err[] = "to stream 2\n";

	check_bad_ranges(KVM_PORT_CONSOLE, 1, (uintptr_t)good);
	/* stream 2 too */
	CHECK_EQ(hc3(KVM_PORT_CONSOLE, 2, mem - 4, 8), EFAULT_);
	CHECK_EQ(hc3(KVM_PORT_CONSOLE, 2, (uintptr_t)err, 1ULL << 63), EFAULT_);
	/* Nothing at the very end of memory is nothing to print. */
	CHECK_EQ(hc3(KVM_PORT_CONSOLE, 1, mem, 0), 0);
	/* The guest goes on, and good writes still work (the runner checks
	 * that only these reached stdout and stderr). */
	CHECK_EQ(hc3(KVM_PORT_CONSOLE, 1, (uintptr_t)good, sizeof good - 1), sizeof good - 1);
	CHECK_EQ(hc3(KVM_PORT_CONSOLE, 2, (uintptr_t)err, sizeof err - 1), sizeof err - 1);
	return done();
}

static int t_entropy(void)
{
	static uint8_t buf[64];
	volatile uint8_t *top = (uint8_t *)(uintptr_t)(mem - 8);
	uint8_t before[8];
	unsigned i, zero = 0;

	for (i = 0; i < 8; i++)
		before[i] = top[i];
	memset(buf, 0, sizeof buf);
	check_bad_ranges(KVM_PORT_ENTROPY, 0, (uintptr_t)buf);
	/* Refused means not even the part inside memory was written. */
	for (i = 0; i < 8; i++)
		CHECK_EQ(top[i], before[i]);
	for (i = 0; i < sizeof buf; i++)
		CHECK_EQ(buf[i], 0);
	CHECK_EQ(hc3(KVM_PORT_ENTROPY, (uintptr_t)buf, 0, 0), 0);
	CHECK_EQ(hc3(KVM_PORT_ENTROPY, (uintptr_t)buf, sizeof buf, 0), sizeof buf);
	for (i = 0; i < sizeof buf; i++)
		zero += buf[i] == 0;
	CHECK(zero < 16);
	return done();
}

static int t_read(void)
{
	char buf[64];
	size_t got = 0;
	ssize_t r;

	check_bad_ranges(KVM_PORT_READ, 0, (uintptr_t)buf);
	/* No input was consumed by the refused reads: all of it is here. */
	while ((r = read(0, buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)r;
	CHECK_EQ(r, 0);
	buf[got] = 0;
	CHECK_STR(buf, "abc");
	return done();
}

/* ---- the block device's ring ---------------------------------------- */

#define NUM 8
#define F_NEXT 1
#define F_WRITE 2
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct desc table[NUM] __attribute__((aligned(16)));
static struct {
	uint16_t flags, idx, ring[NUM], used_event;
} avail __attribute__((aligned(4)));
static struct {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[NUM];
	uint16_t avail_event;
} used __attribute__((aligned(4)));

static struct hdr hdr;
static uint8_t status;
static uint8_t data[8][4096] __attribute__((aligned(4096)));
static uint8_t first[4096]; /* sectors 0-7 as they were at the start */
static uint64_t sectors;

static int64_t queue(uint64_t dev, uint64_t q, uint64_t num, uint64_t d, uint64_t a, uint64_t u)
{
	return hcall(KVM_PORT_QUEUE, dev, q, num, d, a, u);
}

static int64_t queue_good(void)
{
	return queue(0, 0, NUM, (uintptr_t)table, (uintptr_t)&avail, (uintptr_t)&used);
}

static void set(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	table[i] = (struct desc){ addr, len, flags, next };
}

/* Makes head available, notifies, and returns the used length the
 * monitor gave back for it (-1: it was not returned exactly once). */
static long submit(uint16_t head)
{
	uint16_t u = used.idx;

	avail.ring[avail.idx % NUM] = head;
	__asm__ __volatile__("" ::: "memory");
	avail.idx++;
	hc3(KVM_PORT_NOTIFY, 0, 0, 0);
	if ((uint16_t)(used.idx - u) != 1 || used.ring[u % NUM].id != head)
		return -1;
	return (long)used.ring[u % NUM].len;
}

/* A request in slots 0-2: header, data, status. */
static long chain3(uint64_t haddr, uint32_t hlen, uint16_t hflags, uint64_t daddr, uint32_t dlen,
		   uint16_t dflags, uint64_t saddr, uint32_t slen, uint16_t sflags)
{
	status = 0xff;
	set(0, haddr, hlen, hflags | F_NEXT, 1);
	set(1, daddr, dlen, dflags | F_NEXT, 2);
	set(2, saddr, slen, sflags, 0);
	return submit(0);
}

static long request(uint32_t type, uint64_t sector, uint64_t daddr, uint32_t dlen, int dwrite)
{
	hdr = (struct hdr){ type, 0, sector };
	return chain3((uintptr_t)&hdr, sizeof hdr, 0, daddr, dlen, dwrite ? F_WRITE : 0,
		      (uintptr_t)&status, 1, F_WRITE);
}

/* The device still serves good requests: sectors 0-7 read back as they
 * were at the start (no refused write reached the file). Slots 5-7 and
 * a header and status of its own: the bad request in 0-2 stays. */
static void still_good(void)
{
	static struct hdr h;
	static uint8_t st;

	h = (struct hdr){ T_IN, 0, 0 };
	st = 0xff;
	memset(data[7], 0, 4096);
	set(5, (uintptr_t)&h, sizeof h, F_NEXT, 6);
	set(6, (uintptr_t)data[7], 4096, F_NEXT | F_WRITE, 7);
	set(7, (uintptr_t)&st, 1, F_WRITE, 0);
	CHECK_EQ(submit(5), 4096 + 1);
	CHECK_EQ(st, 0);
	CHECK(memcmp(data[7], first, 4096) == 0);
}

/* Refused with VIRTIO_BLK_S_IOERR, and the device goes on. */
#define REFUSED(call)                                                                              \
	do {                                                                                       \
		CHECK_EQ(call, 1);                                                                 \
		CHECK_EQ(status, 1);                                                               \
		still_good();                                                                      \
	} while (0)

/* Handed back unserved (used length 0), the status byte untouched. */
#define UNSERVED(call)                                                                             \
	do {                                                                                       \
		CHECK_EQ(call, 0);                                                                 \
		CHECK_EQ(status, 0xff);                                                            \
		still_good();                                                                      \
	} while (0)

static int t_queue(void)
{
	uint64_t d = (uintptr_t)table, a = (uintptr_t)&avail, u = (uintptr_t)&used;

	/* No such device or queue. */
	CHECK_EQ(queue(1, 0, NUM, d, a, u), ENODEV_);
	CHECK_EQ(queue(0, 1, NUM, d, a, u), ENODEV_);
	CHECK_EQ(queue(UINT64_MAX, 0, NUM, d, a, u), ENODEV_);
	CHECK_EQ(queue(1ULL << 32, 0, NUM, d, a, u), ENODEV_);
	/* Sizes: zero, not a power of two, too big, too big once truncated. */
	CHECK_EQ(queue(0, 0, 0, d, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, 3, d, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, 6, d, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, 65536, d, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, 1ULL << 31, d, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, (1ULL << 32) + NUM, d, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, UINT64_MAX, d, a, u), EINVAL_);
	/* Misaligned rings. */
	CHECK_EQ(queue(0, 0, NUM, d + 8, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, d + 1, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, d, a + 1, u), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, d, a, u + 2), EINVAL_);
	/* Rings outside memory, straddling its end, or wrapping around. */
	CHECK_EQ(queue(0, 0, NUM, mem, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, mem - 16 * NUM + 16, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, 1ULL << 63, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, (UINT64_MAX & ~15ULL) - 16, a, u), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, d, mem - 4, u), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, d, mem + 4096, u), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, d, UINT64_MAX & ~1ULL, u), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, d, a, mem - 8 * NUM), EINVAL_);
	CHECK_EQ(queue(0, 0, NUM, d, a, UINT64_MAX & ~3ULL), EINVAL_);
	/* The largest ring: its descriptor table alone is past the end. */
	CHECK_EQ(queue(0, 0, 32768, mem - 16 * 16384, a, u), EINVAL_);
	/* A notification with no queue set up is nothing to do. */
	CHECK_EQ(hc3(KVM_PORT_NOTIFY, 0, 0, 0), 0);
	CHECK_EQ(hc3(KVM_PORT_NOTIFY, 7, 7, 0), 0);
	CHECK_EQ(hc3(KVM_PORT_NOTIFY, UINT64_MAX, UINT64_MAX, 0), 0);

	/* A good queue works, and a bad set-up afterwards leaves it be. */
	CHECK_EQ(queue_good(), 0);
	memset(data[0], 0, 512);
	CHECK_EQ(request(T_IN, 0, (uintptr_t)data[0], 512, 1), 513);
	CHECK_EQ(status, 0);
	CHECK_EQ(queue(0, 0, NUM, mem, a, u), EINVAL_);
	CHECK_EQ(request(T_IN, 0, (uintptr_t)data[0], 512, 1), 513);
	CHECK_EQ(status, 0);
	return done();
}

static int t_desc(void)
{
	uint64_t buf = (uintptr_t)data[0], h = (uintptr_t)&hdr, st = (uintptr_t)&status;
	unsigned i;

	/* Never touched through keel's own driver: the ring is ours. */
	sectors = boot->devs[0].sectors;
	CHECK_EQ(boot->devs[0].type, KVM_DEV_BLK);
	CHECK_EQ(sectors, 2048);
	CHECK_EQ(queue_good(), 0);
	CHECK_EQ(request(T_IN, 0, (uintptr_t)first, 4096, 1), 4097);
	CHECK_EQ(status, 0);
	memset(data, 'X', sizeof data); /* what a refused write would leave in the file */

	/* Data outside memory, huge, straddling its end or wrapping. */
	REFUSED(request(T_OUT, 0, mem, 512, 0));
	REFUSED(request(T_OUT, 0, mem - 512, 1024, 0));
	REFUSED(request(T_OUT, 0, 1ULL << 63, 512, 0));
	REFUSED(request(T_OUT, 0, UINT64_MAX - 511, 1024, 0));
	REFUSED(request(T_OUT, 0, buf, 0xfffffe00, 0));
	REFUSED(request(T_OUT, 0, buf, (uint32_t)mem, 0));
	REFUSED(request(T_IN, 0, mem, 512, 1));
	REFUSED(request(T_IN, 0, buf, 0xfffffe00, 1));
	REFUSED(request(T_IN, 0, UINT64_MAX - 511, 1024, 1));
	/* Data in the wrong direction for the request. */
	REFUSED(request(T_IN, 0, buf, 512, 0));
	REFUSED(request(T_OUT, 0, buf, 512, 1));
	/* Sectors past the end, and lengths that are not whole sectors. */
	REFUSED(request(T_OUT, sectors, buf, 512, 0));
	REFUSED(request(T_OUT, sectors - 1, buf, 1024, 0));
	REFUSED(request(T_OUT, UINT64_MAX, buf, 512, 0));
	REFUSED(request(T_OUT, 1ULL << 55, buf, 512, 0)); /* sector * 512 wraps to 0 */
	REFUSED(request(T_IN, (UINT64_MAX >> 9) + 1, buf, 512, 1));
	REFUSED(request(T_OUT, 0, buf, 100, 0));
	REFUSED(request(T_OUT, 0, buf, 513, 0));

	/* The header outside memory, too short, or device-writable. */
	hdr = (struct hdr){ T_OUT, 0, 0 };
	REFUSED(chain3(mem - 8, sizeof hdr, 0, buf, 512, 0, st, 1, F_WRITE));
	REFUSED(chain3(UINT64_MAX - 7, sizeof hdr, 0, buf, 512, 0, st, 1, F_WRITE));
	REFUSED(chain3(h, 8, 0, buf, 512, 0, st, 1, F_WRITE));
	REFUSED(chain3(h, sizeof hdr, F_WRITE, buf, 512, 0, st, 1, F_WRITE));

	/* An unknown request type: unsupported (2), not done. */
	hdr = (struct hdr){ 0xdeadbeef, 0, 0 };
	CHECK_EQ(chain3(h, sizeof hdr, 0, buf, 512, 0, st, 1, F_WRITE), 1);
	CHECK_EQ(status, 2);
	still_good();

	/* A write whose status byte is unusable is handed back unserved,
	 * and its data never reaches the file: the status byte outside
	 * memory, at the end of the address space, of length 0, or not
	 * device-writable. */
	hdr = (struct hdr){ T_OUT, 0, 0 };
	UNSERVED(chain3(h, sizeof hdr, 0, buf, 4096, 0, mem, 1, F_WRITE));
	UNSERVED(chain3(h, sizeof hdr, 0, buf, 4096, 0, UINT64_MAX, 1, F_WRITE));
	UNSERVED(chain3(h, sizeof hdr, 0, buf, 4096, 0, st, 0, F_WRITE));
	UNSERVED(chain3(h, sizeof hdr, 0, buf, 4096, 0, st, 1, 0));
	/* A lone descriptor: no data, no status. */
	status = 0xff;
	set(0, h, sizeof hdr, 0, 0);
	UNSERVED(submit(0));

	/* Chains that never end: a loop of three, the whole ring in a
	 * circle (a chain longer than the ring), a descriptor pointing at
	 * itself; and next indexes past the ring. */
	UNSERVED(chain3(h, sizeof hdr, 0, buf, 512, 0, st, 1, F_WRITE | F_NEXT));
	for (i = 0; i < NUM; i++)
		set(i, i == 0 ? h : buf, i == 0 ? sizeof hdr : 512, F_NEXT,
		    (uint16_t)((i + 1) % NUM));
	status = 0xff;
	UNSERVED(submit(3));
	set(4, buf, 512, F_NEXT, 4);
	UNSERVED(submit(4));
	set(2, st, 1, F_WRITE, 0);
	set(1, buf, 512, F_NEXT, NUM);
	UNSERVED(submit(0));
	set(1, buf, 512, F_NEXT, 0xffff);
	UNSERVED(submit(0));

	/* Heads past the ring. */
	UNSERVED(submit(NUM));
	UNSERVED(submit(0xffff));

	/* The avail index far ahead of what was written: the monitor
	 * serves that many (stale) entries, each refused, and stops. */
	{
		uint16_t u0 = used.idx;

		REFUSED(request(T_OUT, 0, mem, 512, 0)); /* slots 0-2: a refused write */
		for (i = 0; i < NUM; i++)
			avail.ring[i] = 0;
		u0 = used.idx;
		status = 0xff;
		avail.idx += 1000;
		hc3(KVM_PORT_NOTIFY, 0, 0, 0);
		CHECK_EQ((uint16_t)(used.idx - u0), 1000);
		CHECK_EQ(status, 1);
		still_good();
	}

	/* Good requests still work: the whole ring as one chain (header,
	 * six data buffers, status), a flush, and a write the runner
	 * finds in the file at sector 100. */
	hdr = (struct hdr){ T_IN, 0, 0 };
	set(0, h, sizeof hdr, F_NEXT, 1);
	for (i = 1; i < 7; i++) {
		memset(data[i], 0, 4096);
		set(i, (uintptr_t)data[i], 512, F_NEXT | F_WRITE, (uint16_t)(i + 1));
	}
	set(7, st, 1, F_WRITE, 0);
	status = 0xff;
	CHECK_EQ(submit(0), 6 * 512 + 1);
	CHECK_EQ(status, 0);
	for (i = 1; i < 7; i++)
		CHECK(memcmp(data[i], first + (i - 1) * 512, 512) == 0);
	memset(data[2], 'Z', 512);
	CHECK_EQ(request(T_OUT, 100, (uintptr_t)data[2], 512, 0), 1);
	CHECK_EQ(status, 0);
	hdr = (struct hdr){ T_FLUSH, 0, 0 };
	status = 0xff;
	set(0, h, sizeof hdr, F_NEXT, 1);
	set(1, st, 1, F_WRITE, 0);
	CHECK_EQ(submit(0), 1);
	CHECK_EQ(status, 0);
	return done();
}

/* ---- the fs base ------------------------------------------------------ */

static int t_setfs(void)
{
	uint64_t tp;
	int64_t r;

	__asm__ __volatile__("mov %%fs:0, %0" : "=r"(tp));
	r = hc3(KVM_PORT_SETFS, 0x8000000000000000ULL, 0, 0);
	/* Whatever the answer, put the thread pointer back before libc
	 * needs it. */
	hc3(KVM_PORT_SETFS, tp, 0, 0);
	printf("non-canonical fs base: %lld\n", (long long)r);
	CHECK(r == 0 || r == EINVAL_);
	r = hc3(KVM_PORT_SETFS, 0xffff800000000000ULL, 0, 0);
	hc3(KVM_PORT_SETFS, tp, 0, 0);
	CHECK(r == 0 || r == EINVAL_);
	errno = 0; /* libc's thread pointer works again */
	CHECK_EQ(errno, 0);
	return done();
}

/* ---- the monitor stops the guest ------------------------------------- */

static void say(const char *s)
{
	printf("%s\n", s);
	fflush(stdout);
}

static int t_stop(const char *mode)
{
	if (strcmp(mode, "port-out") == 0) {
		say("writing to port 0x5a5");
		__asm__ __volatile__("outl %%eax, %%dx" : : "a"(0), "d"(0x5a5) : "memory");
	} else if (strcmp(mode, "port-in") == 0) {
		uint32_t v;

		say("reading from port 0x500");
		__asm__ __volatile__("inl %%dx, %%eax"
				     : "=a"(v)
				     : "d"(KVM_PORT_CONSOLE)
				     : "memory");
		printf("read %#x\n", v);
	} else if (strcmp(mode, "port-opened") == 0) {
		/* The TSS is guest memory, writable from ring 3: open every
		 * port in its I/O bitmap, then use one keel does not offer. */
		say("opening every port, writing to port 0x3f8");
		memset((void *)(KVM_TSS + 104), 0, 0x600 / 8);
		__asm__ __volatile__("outb %%al, %%dx" : : "a"(0), "d"(0x3f8) : "memory");
	} else if (strcmp(mode, "triple") == 0) {
		/* Every exception gate gone: #UD, then #NP, then #DF cannot be
		 * delivered, and the CPU shuts down. */
		say("clearing the IDT, then ud2");
		memset((void *)KVM_IDT, 0, 32 * 16);
		__asm__ __volatile__("ud2" ::: "memory");
	} else if (strcmp(mode, "port-blocked") == 0) {
		say("writing to port 0x80");
		__asm__ __volatile__("outb %%al, $0x80" : : "a"(0) : "memory");
	} else if (strcmp(mode, "hlt") == 0) {
		say("halting");
		__asm__ __volatile__("hlt" ::: "memory");
	} else if (strcmp(mode, "mmio") == 0) {
		/* Ring 3 may edit its page tables: map the unmapped page 0
		 * to guest physical memory that does not exist. */
		volatile uint64_t *pt0 = (uint64_t *)KVM_PT0;
		uintptr_t addr = 8;
		uint64_t v;

		say("reading past the end of guest memory");
		pt0[0] = ((mem + (2 << 20)) & ~4095ULL) | 7;
		__asm__("" : "+r"(addr)); /* not a constant the compiler may judge */
		v = *(volatile uint64_t *)addr;
		printf("read %#llx\n", (unsigned long long)v);
	} else if (strcmp(mode, "fault-port") == 0) {
		/* A fake exception report whose "frame" is outside memory. */
		say("reporting a fake exception");
		__asm__ __volatile__("mov %0, %%rsp\n\t"
				     "mov $200, %%al\n\t"
				     "mov %1, %%dx\n\t"
				     "out %%al, %%dx\n\t"
				     "1: jmp 1b"
				     :
				     : "r"(UINT64_MAX - 7), "i"(KVM_PORT_FAULT)
				     : "memory", "rax", "rdx");
	} else if (strcmp(mode, "spin") == 0) {
		say("spinning");
		for (;;)
			__asm__ __volatile__("" ::: "memory");
	} else {
		fprintf(stderr, "hostile: unknown mode %s\n", mode);
		return 2;
	}
	say("the monitor let the guest go on");
	return 1;
}

int main(int argc, char **argv)
{
	CHECK(argc >= 2);
	if (strcmp(keel_platform->name, "kvm") != 0)
		SKIP_TEST("the hostile guest speaks keel's KVM monitor ABI only");
	CHECK_EQ(boot->magic, KVM_BOOT_MAGIC);
	mem = boot->mem_size;
	CHECK(mem >= (16 << 20) && mem % 4096 == 0);
	if (strcmp(argv[1], "console") == 0)
		return t_console();
	if (strcmp(argv[1], "entropy") == 0)
		return t_entropy();
	if (strcmp(argv[1], "read") == 0)
		return t_read();
	if (strcmp(argv[1], "queue") == 0)
		return t_queue();
	if (strcmp(argv[1], "desc") == 0)
		return t_desc();
	if (strcmp(argv[1], "setfs") == 0)
		return t_setfs();
	return t_stop(argv[1]);
}
