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
 *   hostile net       bad virtio-net rings, descriptors and frames: refused
 *                     or handed back, the device goes on working both ways
 *                     (--net=tap:IF, tests/net/hostile-net.sh)
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

/* ---- the network device's rings ---------------------------------------- */
/*
 * hostile net (--net=tap:IF, the tap at 10.77.0.1/24): virtio-net
 * rings (queue 0 receive, 1 transmit) that the monitor's I/O thread
 * serves while the guest runs (monitor/net.c). Completions come when
 * that thread gets to them, so the guest looks at the used index until
 * a deadline. Transmit chains always come back with used length 0:
 * whether one reached the host only the runner can tell. Every chain
 * the monitor must refuse carries MARK, which must not show on the
 * tap (tests/net/hostile-net.sh captures it), and the monitor's count
 * of frames sent (--stats) must be the "tx: N frames for the host" the
 * guest prints.
 */
#define NQ 256		/* entries in each ring */
#define VHDR 12		/* virtio_net_hdr with num_buffers */
#define MAX_FRAME 65550 /* the largest frame the monitor passes on, without VHDR */
#define SLOT 9216	/* a transmit buffer */
#define GROUP 64	/* frames offered together (the monitor's batch) */
#define PIECES 4	/* descriptors per frame in a group: 4 * slot + 0..3 */
#define RXGOOD 64	/* good receive buffers: descriptors 0..63 */
#define RXBUF 1600	/* their size ... */
#define RXSLOT 2048	/* ... and a canary up to here */
#define CANARY 0xc5
#define PATTERN 0xa5
#define MARK "kEeL-rEfUsEd"
#define WAIT_NS 5000000000ULL
#define EBUSY_ (-(int64_t)EBUSY)

struct nring {
	struct desc d[NQ];
	struct {
		uint16_t flags, idx, ring[NQ], used_event;
	} a;
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[NQ];
		uint16_t avail_event;
	} u;
};

/* A ring as the guest drives it: next avail index, used entries taken. */
struct nq {
	struct nring *r;
	unsigned q;
	uint16_t next, seen;
};

static struct nring rxr __attribute__((aligned(4096))), txr __attribute__((aligned(4096)));
static struct nq RX = { &rxr, 0, 0, 0 }, TX = { &txr, 1, 0, 0 };
static int netdev = -1;
static uint8_t mac[6], hostmac[6];
static const uint8_t host_ip[4] = { 10, 77, 0, 1 }, guest_ip[4] = { 10, 77, 0, 2 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static unsigned to_host;   /* transmit chains the monitor must pass on */
static unsigned rx_frames; /* frames received in the good buffers */
static const char *step;   /* what the guest was doing, for a failed check */
static uint8_t txbuf[GROUP][SLOT] __attribute__((aligned(64)));
static uint8_t rxbuf[RXGOOD][RXSLOT] __attribute__((aligned(64)));
static uint8_t rxbad[4][4096] __attribute__((aligned(64))); /* must stay PATTERN */
static uint8_t badbuf[70000] __attribute__((aligned(64)));  /* MARK, over and over */
static uint64_t seed = 0x6b65656c6e657431ULL;

static void said_step(void)
{
	if (step)
		fprintf(stderr, "hostile net: failed while %s\n", step);
}

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static uint64_t clock_ns(void)
{
	return keel_platform->clock_monotonic();
}

static int64_t nqueue(uint64_t dev, uint64_t q, uint64_t num, uint64_t d, uint64_t a, uint64_t u)
{
	return hcall(KVM_PORT_QUEUE, dev, q, num, d, a, u);
}

static int64_t nqueue_good(const struct nq *v)
{
	return nqueue(netdev, v->q, NQ, (uintptr_t)v->r->d, (uintptr_t)&v->r->a,
		      (uintptr_t)&v->r->u);
}

static void nset(struct nq *v, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	v->r->d[i] = (struct desc){ addr, len, flags, next };
}

/* Makes heads available after what was offered before. */
static void offer(struct nq *v, const uint16_t *heads, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		v->r->a.ring[(uint16_t)(v->next + i) % NQ] = heads[i];
	v->next = (uint16_t)(v->next + n);
	__atomic_store_n(&v->r->a.idx, v->next, __ATOMIC_RELEASE);
}

/* ... and notifies (always: the guest does not rely on the monitor's
 * event index). */
static void publish(struct nq *v, const uint16_t *heads, unsigned n)
{
	offer(v, heads, n);
	hc3(KVM_PORT_NOTIFY, (uint64_t)netdev, v->q, 0);
}

static uint16_t used_idx(const struct nq *v)
{
	return __atomic_load_n(&v->r->u.idx, __ATOMIC_ACQUIRE);
}

/* Waits until n more used entries are there and takes them (ids and
 * lengths into id/len when given); 0 if they did not come in time. */
static int collect(struct nq *v, unsigned n, uint32_t *id, uint32_t *len)
{
	uint64_t end = clock_ns() + WAIT_NS;
	unsigned i;

	while ((uint16_t)(used_idx(v) - v->seen) < n) {
		if (clock_ns() > end)
			return 0;
		__builtin_ia32_pause();
	}
	for (i = 0; id && i < n; i++) {
		id[i] = v->r->u.ring[(uint16_t)(v->seen + i) % NQ].id;
		len[i] = v->r->u.ring[(uint16_t)(v->seen + i) % NQ].len;
	}
	v->seen = (uint16_t)(v->seen + n);
	v->r->a.used_event = v->seen;
	return 1;
}

/* Whether n bytes at p all hold v (else says which does not). */
static int holds(const uint8_t *p, size_t n, uint8_t v, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v) {
			fprintf(stderr, "%s: byte %zu is %#x, not %#x\n", what, i, p[i], v);
			return 0;
		}
	return 1;
}

/* The refused receive buffers hold what the guest put there. */
static void rx_untouched(void)
{
	CHECK(holds((const uint8_t *)rxbad, sizeof rxbad, PATTERN, "a refused receive buffer"));
}

/* Offers the chain at head alone: it comes back, once, with used
 * length 0 (nothing received / nothing to report for a transmit).
 * sent: a transmit chain the monitor must pass on to the host. */
static void one(struct nq *v, uint16_t head, int sent, const char *what)
{
	uint32_t id, len;

	step = what;
	publish(v, &head, 1);
	CHECK(collect(v, 1, &id, &len));
	CHECK_EQ(id, head);
	CHECK_EQ(len, 0);
	if (v == &RX)
		rx_untouched();
	to_host += sent && v == &TX;
}

/* Offers frames in txbuf[0..n) together, frame i in up to PIECES
 * descriptors from 4i; each comes back exactly once with length 0, and
 * each is one for the host. */
static void offer_group(const size_t *len, const unsigned *pieces, unsigned n)
{
	uint16_t heads[GROUP] = { 0 };
	uint32_t id[GROUP], ulen[GROUP];
	unsigned i, seen[GROUP] = { 0 };

	for (i = 0; i < n; i++) {
		size_t total = VHDR + len[i], at = 0, cut[PIECES + 1];
		unsigned k, p = pieces[i];

		/* random cut points, zero-length pieces allowed */
		cut[0] = 0;
		cut[p] = total;
		for (k = 1; k < p; k++)
			cut[k] = cut[k - 1] +
				 (below(3) ? below((unsigned)(total - cut[k - 1] + 1)) : 0);
		for (k = 0; k < p; k++) {
			nset(&TX, PIECES * i + k, (uintptr_t)txbuf[i] + at,
			     (uint32_t)(cut[k + 1] - cut[k]), k + 1 < p ? F_NEXT : 0,
			     (uint16_t)(PIECES * i + k + 1));
			at = cut[k + 1];
		}
		heads[i] = (uint16_t)(PIECES * i);
	}
	publish(&TX, heads, n);
	CHECK(collect(&TX, n, id, ulen));
	for (i = 0; i < n; i++) {
		CHECK(id[i] % PIECES == 0 && id[i] / PIECES < n);
		CHECK_EQ(seen[id[i] / PIECES]++, 0);
		CHECK_EQ(ulen[i], 0);
	}
	to_host += n;
}

/* ---- frames ---- */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void eth(uint8_t *f, const uint8_t *dst, unsigned type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, type);
}

static void ip_csum(uint8_t *f)
{
	uint32_t sum = 0;
	unsigned i;

	f[24] = f[25] = 0;
	for (i = 14; i < 34; i += 2)
		sum += (uint32_t)f[i] << 8 | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(f + 24, ~sum & 0xffff);
}

/* Ethernet + IPv4 + TCP headers (thl bytes of TCP) of one flow to the
 * host's discard port: the host answers with resets, if anything. */
static void tcp_template(uint8_t *t, unsigned thl, unsigned sport)
{
	memset(t, 0, 34 + thl);
	eth(t, hostmac, 0x0800);
	t[14] = 0x45;
	t[20] = 0x40; /* DF */
	t[22] = 64;
	t[23] = 6;
	memcpy(t + 26, guest_ip, 4);
	memcpy(t + 30, host_ip, 4);
	put16(t + 34, sport);
	put16(t + 36, 9);
	put32(t + 42, 0x01020304);
	t[46] = (uint8_t)(thl / 4 << 4);
	t[47] = 0x10;
	put16(t + 48, 0xffff);
	memset(t + 54, 1, thl - 20); /* options: NOPs */
}

/* A TCP/IPv4 frame in txbuf[slot] from a template: pay payload bytes,
 * consistent lengths and IP checksum. Returns its length without VHDR. */
static size_t tcp_frame(unsigned slot, const uint8_t *t, unsigned thl, uint32_t seq, unsigned flags,
			size_t pay)
{
	uint8_t *b = txbuf[slot], *f = b + VHDR;
	size_t len = 34 + thl + pay;

	memset(b, 0, VHDR);
	memcpy(f, t, 34 + thl);
	put16(f + 16, (unsigned)(len - 14));
	put32(f + 38, seq);
	f[47] = (uint8_t)flags;
	memset(f + 34 + thl, 'a' + (int)(seq % 26), pay);
	ip_csum(f);
	return len;
}

/* who-has 10.77.0.1, tell 10.77.0.2, from txbuf[0] (head 0). */
static void arp_request(void)
{
	uint8_t *b = txbuf[0], *f = b + VHDR;

	memset(b, 0, VHDR + 42);
	eth(f, bcast, 0x0806);
	put16(f + 14, 1);
	put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1);
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, guest_ip, 4);
	memcpy(f + 38, host_ip, 4);
	nset(&TX, 0, (uintptr_t)b, VHDR + 42, 0, 0);
	one(&TX, 0, 1, "sending an ARP request");
}

/* Takes what arrived in the good receive buffers and posts them again;
 * 1 if an ARP reply from 10.77.0.1 to us was among them. */
static int rx_drain(void)
{
	uint16_t heads[NQ];
	uint32_t id[NQ], len[NQ];
	unsigned n = (uint16_t)(used_idx(&RX) - RX.seen), i;
	int got = 0;

	if (n == 0)
		return 0;
	CHECK(n <= (uint16_t)(RX.next - RX.seen)); /* never more than was posted */
	CHECK(collect(&RX, n, id, len));
	for (i = 0; i < n; i++) {
		uint8_t *b, *f;

		CHECK(id[i] < RXGOOD);
		CHECK(len[i] > VHDR && len[i] <= RXBUF);
		b = rxbuf[id[i]];
		f = b + VHDR;
		CHECK(b[10] == 1 && b[11] == 0); /* num_buffers */
		CHECK(holds(b + RXBUF, RXSLOT - RXBUF, CANARY, "after a receive buffer"));
		if (len[i] >= VHDR + 42 && f[12] == 8 && f[13] == 6 && f[20] == 0 && f[21] == 2 &&
		    !memcmp(f, mac, 6) && !memcmp(f + 28, host_ip, 4) && !memcmp(f + 32, mac, 6) &&
		    !memcmp(f + 38, guest_ip, 4)) {
			memcpy(hostmac, f + 22, 6);
			got = 1;
		}
		heads[i] = (uint16_t)id[i];
		rx_frames++;
	}
	publish(&RX, heads, n);
	return got;
}

/* Asks for 10.77.0.1's address (again every second) until the answer
 * arrives, sleeping in KVM_PORT_WAIT for received frames meanwhile. */
static void arp_exchange(const char *what)
{
	uint64_t end = clock_ns() + 10000000000ULL, again = 0, t;
	unsigned asked = 0;

	while (!rx_drain()) {
		t = clock_ns();
		step = what;
		CHECK(t < end);
		if (t >= again) {
			arp_request();
			asked++;
			again = t + 1000000000;
		}
		step = what;
		hcall(KVM_PORT_WAIT, t, again < end ? again : end, KEEL_EV_NET, 0, 0, 0);
	}
	printf("arp %s: 10.77.0.1 answered (%u requests)\n", what, asked);
}

/* ---- the checks ---- */

/* Queue set-up: refused rings, nothing served before both are there,
 * -EBUSY once they are. */
static void net_rings(void)
{
	uint64_t d = (uintptr_t)rxr.d, a = (uintptr_t)&rxr.a, u = (uintptr_t)&rxr.u;
	uint64_t qs[2] = { 0, 1 }, q;
	uint32_t id, len;
	unsigned i;

	step = "setting up the rings";
	/* Not running: a notification is nothing. */
	CHECK_EQ(hc3(KVM_PORT_NOTIFY, netdev, 0, 0), 0);
	CHECK_EQ(hc3(KVM_PORT_NOTIFY, netdev, 1, 0), 0);
	CHECK_EQ(hc3(KVM_PORT_NOTIFY, netdev, 1ULL << 40, 0), 0);
	/* No such queue or device. */
	CHECK_EQ(nqueue(netdev, 2, NQ, d, a, u), ENODEV_);
	CHECK_EQ(nqueue(netdev, UINT64_MAX, NQ, d, a, u), ENODEV_);
	CHECK_EQ(nqueue(netdev + 1, 0, NQ, d, a, u), ENODEV_);
	CHECK_EQ(nqueue(UINT64_MAX, 1, NQ, d, a, u), ENODEV_);
	CHECK_EQ(nqueue((uint64_t)netdev | 1ULL << 32, 0, NQ, d, a, u), ENODEV_);
	/* Bad rings on either queue: sizes, alignment, outside memory. */
	for (i = 0; i < 2; i++) {
		q = qs[i];
		CHECK_EQ(nqueue(netdev, q, 0, d, a, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, 3, d, a, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, 65536, d, a, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, (1ULL << 32) + NQ, d, a, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, UINT64_MAX, d, a, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, d + 8, a, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, d, a + 1, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, d, a, u + 2), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, mem, a, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, mem - 16 * NQ + 16, a, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, 1ULL << 63, a, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, (UINT64_MAX & ~15ULL) - 16, a, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, d, mem - 4, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, d, UINT64_MAX & ~1ULL, u), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, d, a, mem - 8 * NQ), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, NQ, d, a, UINT64_MAX & ~3ULL), EINVAL_);
		CHECK_EQ(nqueue(netdev, q, 32768, mem - 16 * 16384, a, u), EINVAL_);
	}
	/* The receive ring alone (twice: it may be set up again before the
	 * device runs) is not served: a posted entry stays where it is. */
	CHECK_EQ(nqueue_good(&RX), 0);
	CHECK_EQ(nqueue_good(&RX), 0);
	step = "posting a receive entry before the device runs";
	publish(&RX, (uint16_t[]){ NQ }, 1);
	sleep_ms(50);
	CHECK_EQ(used_idx(&RX), 0);
	/* A refused transmit ring does not start it either. */
	CHECK_EQ(nqueue(netdev, 1, NQ, (uintptr_t)txr.d, (uintptr_t)&txr.a, mem), EINVAL_);
	CHECK_EQ(nqueue(netdev, 1, 5, (uintptr_t)txr.d, (uintptr_t)&txr.a, (uintptr_t)&txr.u),
		 EINVAL_);
	sleep_ms(20);
	CHECK_EQ(used_idx(&RX), 0);
	/* Both rings: the device runs, and takes the waiting entry (a head
	 * past the ring: handed back empty). */
	step = "starting the device";
	CHECK_EQ(nqueue_good(&TX), 0);
	CHECK(collect(&RX, 1, &id, &len));
	CHECK_EQ(id, NQ);
	CHECK_EQ(len, 0);
	/* Running: the rings are the I/O thread's, no set-up goes through. */
	step = "setting up rings of a running device";
	CHECK_EQ(nqueue_good(&RX), EBUSY_);
	CHECK_EQ(nqueue_good(&TX), EBUSY_);
	CHECK_EQ(nqueue(netdev, 0, 0, d, a, u), EBUSY_);
	CHECK_EQ(nqueue(netdev, 1, NQ, mem, a, u), EBUSY_);
	CHECK_EQ(nqueue(netdev, 0, NQ, (uintptr_t)txr.d, (uintptr_t)&txr.a, (uintptr_t)&txr.u),
		 EBUSY_);
	CHECK_EQ(nqueue(netdev, 2, NQ, d, a, u), ENODEV_);
	CHECK_EQ(hc3(KVM_PORT_NOTIFY, netdev, 7, 0), 0);
	CHECK_EQ(hc3(KVM_PORT_NOTIFY, UINT64_MAX, UINT64_MAX, 0), 0);
}

/* Receive buffers the monitor cannot use: handed back empty, never
 * written. Offered while no good buffer is posted (the monitor takes
 * receive buffers in order, and keeps a good one until a frame comes). */
static void net_rx_garbage(void)
{
	uint64_t g = (uintptr_t)rxbad[0];
	unsigned i;

	memset(rxbad, PATTERN, sizeof rxbad);
	nset(&RX, 100, g, 2048, 0, 0);
	one(&RX, 100, 0, "rx: a device-readable buffer");
	nset(&RX, 100, g, VHDR + 59, F_WRITE, 0);
	one(&RX, 100, 0, "rx: a buffer of 12+59 bytes");
	nset(&RX, 100, g, 0, F_WRITE, 0);
	one(&RX, 100, 0, "rx: a buffer of 0 bytes");
	nset(&RX, 100, g, 30, F_WRITE | F_NEXT, 101);
	nset(&RX, 101, g + 100, VHDR + 60 - 30 - 1, F_WRITE, 0);
	one(&RX, 100, 0, "rx: two pieces of 12+59 bytes");
	nset(&RX, 100, g, 8, F_WRITE | F_NEXT, 101);
	nset(&RX, 101, g + 100, 2000, F_WRITE, 0);
	one(&RX, 100, 0, "rx: a first piece shorter than the header");
	nset(&RX, 100, g, 2000, F_WRITE | F_NEXT, 101);
	nset(&RX, 101, (uintptr_t)rxbad[1], 2000, 0, 0);
	one(&RX, 100, 0, "rx: a device-readable second piece");
	/* outside memory, straddling its end, wrapping, too long */
	nset(&RX, 100, mem, 2048, F_WRITE, 0);
	one(&RX, 100, 0, "rx: a buffer at the end of memory");
	nset(&RX, 100, mem - 100, 2048, F_WRITE, 0);
	one(&RX, 100, 0, "rx: a buffer straddling the end of memory");
	nset(&RX, 100, 1ULL << 63, 2048, F_WRITE, 0);
	one(&RX, 100, 0, "rx: a buffer at 2^63");
	nset(&RX, 100, UINT64_MAX - 99, 2048, F_WRITE, 0);
	one(&RX, 100, 0, "rx: a buffer wrapping around");
	nset(&RX, 100, g, 0xffffffff, F_WRITE, 0);
	one(&RX, 100, 0, "rx: a buffer of 4 GiB");
	nset(&RX, 100, g, 2000, F_WRITE | F_NEXT, 101);
	nset(&RX, 101, mem - 8, 100, F_WRITE, 0);
	one(&RX, 100, 0, "rx: a second piece past the end of memory");
	/* chains: too long, looping, next past the ring */
	for (i = 0; i < 17; i++)
		nset(&RX, 100 + i, g + 100 * i, 100, F_WRITE | (i < 16 ? F_NEXT : 0),
		     (uint16_t)(101 + i));
	one(&RX, 100, 0, "rx: a chain of 17");
	nset(&RX, 100, g, 2000, F_WRITE | F_NEXT, 100);
	one(&RX, 100, 0, "rx: a descriptor that is its own next");
	nset(&RX, 100, g, 100, F_WRITE | F_NEXT, 101);
	nset(&RX, 101, g + 100, 100, F_WRITE | F_NEXT, 100);
	one(&RX, 100, 0, "rx: a loop of two");
	nset(&RX, 100, g, 100, F_WRITE | F_NEXT, NQ);
	one(&RX, 100, 0, "rx: next past the ring");
	one(&RX, NQ, 0, "rx: a head past the ring");
	one(&RX, 0xffff, 0, "rx: head 0xffff");
	/* the avail index 1000 ahead of what was written: that many stale
	 * entries (every slot a bad head), each handed back */
	step = "rx: the avail index 1000 ahead";
	for (i = 0; i < NQ; i++)
		rxr.a.ring[i] = NQ + 1;
	RX.next = (uint16_t)(RX.next + 1000);
	__atomic_store_n(&rxr.a.idx, RX.next, __ATOMIC_RELEASE);
	hc3(KVM_PORT_NOTIFY, netdev, 0, 0);
	CHECK(collect(&RX, 1000, NULL, NULL));
	sleep_ms(10);
	CHECK_EQ(used_idx(&RX), RX.next);
	rx_untouched();
}

/* Transmit chains the monitor must refuse (each carries MARK), and
 * ones at the limits it must pass on. */
static void net_tx_garbage(void)
{
	uint64_t g = (uintptr_t)badbuf, t1 = (uintptr_t)txbuf[1];
	unsigned i;

	for (i = 0; i < sizeof badbuf; i++)
		badbuf[i] = (uint8_t)MARK[i % (sizeof MARK - 1)];
	eth(badbuf + VHDR, hostmac, 0x88b5);
	/* outside memory, straddling its end, wrapping, too long */
	nset(&TX, 10, mem, 64, 0, 0);
	one(&TX, 10, 0, "tx: a frame at the end of memory");
	nset(&TX, 10, mem - 32, 64, 0, 0);
	one(&TX, 10, 0, "tx: a frame straddling the end of memory");
	nset(&TX, 10, 1ULL << 63, 64, 0, 0);
	one(&TX, 10, 0, "tx: a frame at 2^63");
	nset(&TX, 10, UINT64_MAX - 7, 64, 0, 0);
	one(&TX, 10, 0, "tx: a frame wrapping around");
	nset(&TX, 10, g, 0xffffffff, 0, 0);
	one(&TX, 10, 0, "tx: a frame of 4 GiB");
	nset(&TX, 10, g, (uint32_t)mem, 0, 0);
	one(&TX, 10, 0, "tx: a frame as long as memory");
	nset(&TX, 10, g, 100, F_NEXT, 11);
	nset(&TX, 11, mem - 8, 100, 0, 0);
	one(&TX, 10, 0, "tx: a second piece past the end of memory");
	/* device-writable pieces */
	nset(&TX, 10, g, 100, F_WRITE, 0);
	one(&TX, 10, 0, "tx: a device-writable frame");
	nset(&TX, 10, g, 50, F_NEXT, 11);
	nset(&TX, 11, g + 50, 50, F_WRITE, 0);
	one(&TX, 10, 0, "tx: a device-writable second piece");
	/* chains: too long, looping, next past the ring */
	for (i = 0; i < 17; i++)
		nset(&TX, 10 + i, g + 8 * i, 8, i < 16 ? F_NEXT : 0, (uint16_t)(11 + i));
	one(&TX, 10, 0, "tx: a chain of 17");
	nset(&TX, 10, g, 100, F_NEXT, 10);
	one(&TX, 10, 0, "tx: a descriptor that is its own next");
	nset(&TX, 10, g, 50, F_NEXT, 11);
	nset(&TX, 11, g + 50, 50, F_NEXT, 10);
	one(&TX, 10, 0, "tx: a loop of two");
	for (i = 0; i < NQ; i++)
		nset(&TX, i, g + 8 * (i % 64), 8, F_NEXT, (uint16_t)((i + 1) % NQ));
	one(&TX, 10, 0, "tx: the whole ring in a circle");
	nset(&TX, 10, g, 100, F_NEXT, NQ);
	one(&TX, 10, 0, "tx: next past the ring");
	nset(&TX, 10, g, 100, F_NEXT, 0xffff);
	one(&TX, 10, 0, "tx: next 0xffff");
	/* too short, too long */
	nset(&TX, 10, g, VHDR + 13, 0, 0);
	one(&TX, 10, 0, "tx: a frame of 13 bytes");
	nset(&TX, 10, g, 20, F_NEXT, 11);
	nset(&TX, 11, g + 20, VHDR + 13 - 20, 0, 0);
	one(&TX, 10, 0, "tx: a frame of 13 bytes in two pieces");
	nset(&TX, 10, g, VHDR, 0, 0);
	one(&TX, 10, 0, "tx: a header alone");
	nset(&TX, 10, g, 0, 0, 0);
	one(&TX, 10, 0, "tx: nothing at all");
	nset(&TX, 10, g, VHDR + MAX_FRAME + 1, 0, 0);
	one(&TX, 10, 0, "tx: a frame of 65551 bytes");
	for (i = 0; i < 16; i++)
		nset(&TX, 10 + i, g, 4200, i < 15 ? F_NEXT : 0, (uint16_t)(11 + i));
	one(&TX, 10, 0, "tx: 16 pieces of 4200 bytes");
	/* heads past the ring */
	one(&TX, NQ, 0, "tx: a head past the ring");
	one(&TX, 0xffff, 0, "tx: head 0xffff");

	/* At the limits, passed on (no MARK): 14 bytes, 16 pieces, pieces
	 * of 0 bytes (one at the very end of memory), the header split. */
	memset(txbuf[1], 0, 256);
	eth(txbuf[1] + VHDR, hostmac, 0x88b5);
	nset(&TX, 10, t1, VHDR + 14, 0, 0);
	one(&TX, 10, 1, "tx: a frame of 14 bytes");
	for (i = 0; i < 16; i++)
		nset(&TX, 10 + i, t1 + 8 * i, 8, i < 15 ? F_NEXT : 0, (uint16_t)(11 + i));
	one(&TX, 10, 1, "tx: a chain of 16");
	nset(&TX, 10, t1, 0, F_NEXT, 11);
	nset(&TX, 11, t1, 5, F_NEXT, 12);
	nset(&TX, 12, mem, 0, F_NEXT, 13);
	nset(&TX, 13, t1 + 5, 60, 0, 0);
	one(&TX, 10, 1, "tx: pieces of 0 bytes, the header split");
	memset(txbuf[4], 0, VHDR + MAX_FRAME);
	eth(txbuf[4] + VHDR, hostmac, 0x88b5);
	nset(&TX, 10, (uintptr_t)txbuf[4], VHDR + MAX_FRAME, 0, 0);
	one(&TX, 10, 1, "tx: a frame of 65550 bytes");

	/* The avail index 65000 ahead (and so past 65535 later): every
	 * stale entry a head past the ring, each handed back. */
	step = "tx: the avail index 65000 ahead";
	for (i = 0; i < NQ; i++)
		txr.a.ring[i] = 0xfffe;
	TX.next = (uint16_t)(TX.next + 65000);
	__atomic_store_n(&txr.a.idx, TX.next, __ATOMIC_RELEASE);
	hc3(KVM_PORT_NOTIFY, netdev, 1, 0);
	CHECK(collect(&TX, 65000, NULL, NULL));
	sleep_ms(10);
	CHECK_EQ(used_idx(&TX), TX.next);
	for (i = VHDR + 14; i < sizeof badbuf && badbuf[i] == (uint8_t)MARK[i % (sizeof MARK - 1)];
	     i++)
		;
	CHECK_EQ(i, sizeof badbuf); /* a device-writable frame is not written either */
}

/* The guest may write anything anywhere in its rings, also while the
 * I/O thread reads them: a used index the guest moved is where the
 * next entry goes (inside the ring); and a descriptor flipping between
 * two good buffers, 100 bytes and 9000, while the monitor takes it is
 * sent (the monitor may read any mix of the two states: each is a good
 * buffer). The chains are offered without a notification while the I/O
 * thread still polls after the last one (with one if it went to sleep),
 * so that it takes them while the guest runs. */
static void net_tx_race(void)
{
	volatile struct desc *d = &txr.d[20];
	uint16_t head = 20;
	uint32_t id, len;
	unsigned i, flips = 0, raced = 0, kicked;

	step = "tx: a used index the guest moved";
	memset(txbuf[2], 0, 100);
	eth(txbuf[2] + VHDR, hostmac, 0x88b5);
	nset(&TX, 20, (uintptr_t)txbuf[2], 100, 0, 0);
	txr.u.idx = 0x1234;
	TX.seen = 0x1234;
	txr.u.ring[0x1234 % NQ].id = 0xdead;
	one(&TX, 20, 1, "tx: a used index the guest moved");
	CHECK_EQ(used_idx(&TX), 0x1235);

	step = "tx: a descriptor changing under the monitor";
	memset(txbuf[2], 'A', 100);
	eth(txbuf[2] + VHDR, hostmac, 0x88b5);
	memset(txbuf[3], 'B', 9000);
	eth(txbuf[3] + VHDR, hostmac, 0x88b5);
	for (i = 0; i < 500; i++) {
		uint64_t t0 = clock_ns(), t;
		unsigned n = 0;

		nset(&TX, 20, (uintptr_t)txbuf[2], 100, 0, 0);
		offer(&TX, &head, 1);
		kicked = 0;
		while (used_idx(&TX) == TX.seen && (t = clock_ns()) < t0 + WAIT_NS) {
			if (n++ % 2) {
				d->addr = (uintptr_t)txbuf[3];
				d->len = 9000;
			} else {
				d->len = 100;
				d->addr = (uintptr_t)txbuf[2];
			}
			if (!kicked && t > t0 + 200000) { /* it sleeps: wake it */
				hc3(KVM_PORT_NOTIFY, (uint64_t)netdev, 1, 0);
				kicked = 1;
			}
		}
		flips += n;
		raced += !kicked && n > 0;
		CHECK(collect(&TX, 1, &id, &len));
		CHECK_EQ(id, 20);
		CHECK_EQ(len, 0);
		to_host++;
	}
	printf("race: %u of 500 chains taken while the guest changed them (%u changes)\n", raced,
	       flips);
}

/* Deterministic trains the merging code must take apart at its limits. */
static void net_trains_fixed(void)
{
	static const struct {
		unsigned n, thl, pay, last, psh_at;
	} tr[] = {
		{ 64, 20, 1460, 1460, 0 }, /* more than one offload frame holds */
		{ 10, 20, 8000, 8000, 0 }, /* more than 64 KiB */
		{ 64, 20, 1, 1, 0 },	   /* one byte each */
		{ 20, 60, 1000, 1000, 0 }, /* the longest TCP header */
		{ 40, 32, 1448, 300, 20 }, /* PSH in the middle, a short last */
		{ 8, 20, 8187, 8186, 0 },  /* exactly 65535 bytes of IP */
		{ 9, 20, 8187, 8187, 0 },  /* one byte more */
	};
	uint8_t t[94];
	size_t len[GROUP];
	unsigned pieces[GROUP], k, i;

	for (k = 0; k < sizeof tr / sizeof tr[0]; k++) {
		uint32_t seq = (uint32_t)rnd();

		step = "tx: a fixed train";
		tcp_template(t, tr[k].thl, 20000 + k);
		for (i = 0; i < tr[k].n; i++) {
			unsigned pay = i + 1 == tr[k].n ? tr[k].last : tr[k].pay;

			len[i] = tcp_frame(i, t, tr[k].thl, seq,
					   tr[k].psh_at && i == tr[k].psh_at ? 0x18 : 0x10, pay);
			pieces[i] = 1;
			seq += pay;
		}
		offer_group(len, pieces, tr[k].n);
	}
}

/* Trains of TCP/IPv4 segments most of which continue their flow, and
 * some not: IP total lengths, data offsets, sequence numbers, flags,
 * payload sizes, addresses and the pieces they come in all wrong now
 * and then. */
static void net_trains_random(void)
{
	static const unsigned segs[] = { 1, 7, 100, 536, 1448, 1460, 4000, 8000, 9000 };
	static const unsigned thls[] = { 20, 20, 32, 60 };
	static const uint8_t odd_flags[] = { 0x02, 0x01, 0x04, 0x12, 0x11, 0x14, 0x18, 0x20,
					     0x00, 0xff, 0x08, 0x50, 0x90, 0x19, 0x1c };
	uint8_t t[94];
	size_t len[GROUP];
	unsigned pieces[GROUP], round, i, j;

	for (round = 0; round < 16; round++) {
		unsigned n = round % 2 ? 40 : GROUP, thl = thls[below(4)], seg = segs[below(9)];
		uint32_t seq = (uint32_t)rnd();

		step = "tx: a crafted train";
		tcp_template(t, thl, 30000 + round);
		for (i = 0; i < n; i++) {
			unsigned pay = seg, flags = 0x10, m = below(8) < 5 ? 99 : below(10);
			uint32_t s = seq;
			uint8_t *f = txbuf[i] + VHDR;

			if (m == 2)
				s = (uint32_t)rnd();
			if (m == 3)
				flags = odd_flags[below(sizeof odd_flags)];
			if (m == 9)
				flags = 0x18;
			if (m == 4)
				pay = below(seg + 1);
			if (m == 5)
				pay = seg + 1 + below(200);
			if (pay > SLOT - VHDR - 94)
				pay = SLOT - VHDR - 94;
			len[i] = tcp_frame(i, t, thl, s, flags, pay);
			pieces[i] = m == 6 ? 2 + below(3) : 1;
			if (m == 0)
				put16(f + 16, below(4) ? (unsigned)(len[i] - 14 + below(3) - 1)
						       : below(65536));
			if (m == 1)
				f[46] = (uint8_t)((below(2)   ? 0
						   : below(2) ? 15
							      : below(16))
							  << 4 |
						  below(16));
			if (m == 7) {
				if (below(3) == 0)
					f[14] = 0x46;
				else if (below(2))
					f[20] |= 0x20; /* more fragments */
				else
					f[23] = 17;
			}
			if (m == 8)
				f[below(2) ? 35 : below(2) ? 45 : 49] ^= 1; /* port, ack, window */
			if (below(8) == 0)
				for (j = 0; j < VHDR; j++) /* the guest's header: ignored */
					txbuf[i][j] = (uint8_t)rnd();
			if (m != 2)
				seq += pay;
		}
		offer_group(len, pieces, n);
	}
}

/* Random frames behind an Ethernet and IPv4 header start, some with
 * TCP's protocol number and a consistent IP length. */
static void net_random_frames(void)
{
	size_t len[GROUP];
	unsigned pieces[GROUP], group, i, j;

	for (group = 0; group < 5; group++) {
		step = "tx: random frames";
		for (i = 0; i < GROUP; i++) {
			uint8_t *b = txbuf[i], *f = b + VHDR;

			len[i] = 14 + (below(4) ? below(1587) : below(SLOT - VHDR - 14 + 1));
			for (j = 0; j < VHDR + len[i]; j++)
				b[j] = (uint8_t)rnd();
			eth(f, below(2) ? hostmac : bcast, 0x0800);
			if (len[i] > 14)
				f[14] = 0x45;
			if (len[i] > 23 && below(2))
				f[23] = 6;
			if (len[i] > 21 && below(2)) {
				put16(f + 16, (unsigned)(len[i] - 14));
				f[20] = 0x40;
				f[21] = 0;
			}
			pieces[i] = 1 + below(PIECES);
		}
		offer_group(len, pieces, GROUP);
	}
}

static int t_net(void)
{
	unsigned i;

	atexit(said_step);
	for (i = 0; i < KVM_MAX_DEVS; i++)
		if (boot->devs[i].type == KVM_DEV_NET && netdev < 0)
			netdev = (int)i;
	CHECK(netdev >= 0);
	for (i = 0; i < 6; i++)
		mac[i] = boot->devs[netdev].mac[i];
	net_rings();
	net_rx_garbage();

	/* The device works before the hostile part: good receive buffers
	 * (a canary after each), and an ARP exchange with the host. */
	for (i = 0; i < RXGOOD; i++) {
		memset(rxbuf[i], CANARY, RXSLOT);
		nset(&RX, i, (uintptr_t)rxbuf[i], RXBUF, F_WRITE, 0);
	}
	{
		uint16_t heads[RXGOOD];

		for (i = 0; i < RXGOOD; i++)
			heads[i] = (uint16_t)i;
		publish(&RX, heads, RXGOOD);
	}
	arp_exchange("before");

	net_tx_garbage();
	net_tx_race();
	net_trains_fixed();
	net_trains_random();
	net_random_frames();

	/* And after it: still both ways. */
	arp_exchange("after");
	step = "checking what the monitor left";
	sleep_ms(20);
	CHECK_EQ(used_idx(&TX), TX.seen); /* every chain back once, no more */
	rx_untouched();
	for (i = 0; i < RXGOOD; i++)
		CHECK(holds(rxbuf[i] + RXBUF, RXSLOT - RXBUF, CANARY, "after a receive buffer"));
	printf("tx: %u frames for the host\n", to_host);
	printf("rx: %u frames received\n", rx_frames);
	step = NULL;
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
	if (strcmp(argv[1], "net") == 0)
		return t_net();
	return t_stop(argv[1]);
}
