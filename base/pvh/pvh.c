/*
 * The PVH base at ring 3: reads the hvm_start_info (command line,
 * memory map), maps memory above the first GiB, calibrates the clock,
 * and implements struct keel_platform on the standard devices every
 * PVH machine offers: a 16550 serial console (whole buffers with
 * `rep outsb`, one exit per write), kvmclock or a PIT-calibrated TSC,
 * RDRAND, and QEMU's isa-debug-exit port to end the machine.
 */
#include <errno.h>
#include <string.h>

#include <keel/platform.h>

#include "../virtio/mmio.h"
#include "../x86/x86.h"
#include "pvh.h"

#define START_MAGIC 0x336ec578
#define E820_RAM 1
#define GiB (1ULL << 30)

struct start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* hvm_start_info's modules: the first is the initrd (QEMU's -initrd). */
struct modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

extern char __executable_start[], _end[];
extern uint64_t pvh_pml4[], pvh_pdpt[], pvh_pds[];
extern char pvh_idt[];

/* virtio-mmio devices announced on the command line. */
#define MAX_MMIO 8
static uint64_t mmio_base[MAX_MMIO];
static unsigned n_mmio;
static int map_mmio(uint64_t addr);

static struct vblk blk;
static int blk_state; /* 0 not yet, 1 ready, -errno none or failed */
static struct vnet net;
static int net_state;
static uint64_t tsc0, ns_mult; /* TSC fallback: ns = (tsc - tsc0) * ns_mult >> 32 */
static uint64_t realtime0;

#define MAX_ARGS 256
static char *argv[MAX_ARGS + 1], *envp[MAX_ARGS + 1];
static char cmdline[4096];

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static long console_write(int stream, const void *buf, size_t len)
{
	const char *p = buf;
	size_t n = len;

	/* One `rep outsb` is one VM exit for up to a page of bytes. */
	__asm__ __volatile__("rep outsb" : "+S"(p), "+c"(n) : "d"(PVH_SERIAL) : "memory");
	return (long)len;
}

/* Data ready on a 16550 (an absent one reads 0xff). */
static int uart_ready(uint16_t base)
{
	uint8_t lsr = inb(base + 5);

	return lsr != 0xff && (lsr & 1);
}

/* End of input: keel-run says on the status port how many bytes its
 * stdin held ("eof:N"); the console is at its end once N were read. */
static uint64_t con_read, con_eof_at = UINT64_MAX;
static char st_line[32];
static unsigned st_len;

static void status_port_poll(void)
{
	while (uart_ready(PVH_STATUS_SERIAL)) {
		char c = (char)inb(PVH_STATUS_SERIAL);

		if (c != '\n') {
			if (st_len < sizeof st_line - 1)
				st_line[st_len++] = c;
			continue;
		}
		st_line[st_len] = 0;
		if (strncmp(st_line, "eof:", 4) == 0) {
			const char *q = st_line + 4;
			uint64_t v = 0;

			while (*q >= '0' && *q <= '9')
				v = v * 10 + (uint64_t)(*q++ - '0');
			con_eof_at = v;
		}
		st_len = 0;
	}
}

static uint64_t clock_monotonic(void);

static long console_read(void *buf, size_t len)
{
	char *p = buf;
	size_t n = 0;

	/* The UART holds one byte; the VMM hands over the next while we
	 * look again, so a read gets what arrived together, not one byte.
	 * (Its FIFO mode would pace output at the line's baud rate.) */
	for (uint64_t last = 0; n < len;) {
		if (uart_ready(PVH_SERIAL)) {
			p[n++] = (char)inb(PVH_SERIAL);
			last = clock_monotonic();
		} else if (!n || clock_monotonic() - last > 10000000) {
			break; /* 10 ms without a byte: the rest has not been sent */
		}
	}
	con_read += n;
	if (n)
		return (long)n;
	status_port_poll();
	return con_read >= con_eof_at ? 0 : -EAGAIN;
}

/* From keel-run's command line: which streams are a terminal, and its
 * size when the machine started (a serial line carries no resizes). */
static unsigned ttys, tty_rows, tty_cols;

static int console_winsize(int stream, struct keel_winsize *ws)
{
	if (stream < 0 || stream > 2 || !(ttys & (1u << stream)))
		return -ENOTTY;
	ws->rows = (unsigned short)tty_rows;
	ws->cols = (unsigned short)tty_cols;
	return 0;
}

static uint64_t pvclock_ns(void)
{
	uint32_t v;
	uint64_t t, d;

	do {
		v = pvh_pvclock.version;
		__asm__ __volatile__("" ::: "memory");
		d = rdtsc() - pvh_pvclock.tsc_timestamp;
		if (pvh_pvclock.tsc_shift >= 0)
			d <<= pvh_pvclock.tsc_shift;
		else
			d >>= -pvh_pvclock.tsc_shift;
		t = pvh_pvclock.system_time +
		    (uint64_t)(((unsigned __int128)d * pvh_pvclock.tsc_to_system_mul) >> 32);
		__asm__ __volatile__("" ::: "memory");
	} while ((v & 1) || v != pvh_pvclock.version);
	return t;
}

static uint64_t boot_ns;

static uint64_t clock_monotonic(void)
{
	if (pvh_kvmclock)
		return pvclock_ns() - boot_ns;
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc0) * ns_mult) >> 32);
}

static uint64_t clock_realtime(void)
{
	return realtime0 + clock_monotonic();
}

/*
 * Halts through the ring-0 gate until the next interrupt: the APIC
 * timer ticks every millisecond (its interrupt stays masked while ring
 * 3 runs), so a sleep ends within a millisecond of its deadline and
 * serial input is seen within one. Without an APIC the wait spins.
 */
static unsigned wait_until(uint64_t deadline, unsigned mask)
{
	uint64_t start = clock_monotonic();

	for (;;) {
		if ((mask & KEEL_EV_CONSOLE) &&
		    (uart_ready(PVH_SERIAL) || uart_ready(PVH_STATUS_SERIAL) ||
		     con_read >= con_eof_at))
			return KEEL_EV_CONSOLE;
		if ((mask & KEEL_EV_BLOCK) && blk_state == 1 && virtq_pending(&blk.q))
			return KEEL_EV_BLOCK;
		if ((mask & KEEL_EV_NET) && net_state == 1 && vnet_pending(&net))
			return KEEL_EV_NET;
		if (clock_monotonic() >= deadline)
			return 0;
		/* Block requests in flight are usually done within microseconds
		 * by the VMM: look for 200 us before sleeping for a tick. */
		if ((mask & KEEL_EV_BLOCK) && blk_state == 1 && blk.q.num_free < blk.q.num &&
		    clock_monotonic() - start < 200000) {
			__asm__ __volatile__("pause");
			continue;
		}
		if (pvh_have_timer)
			x86_svc(X86_SVC_HALT);
		else
			__asm__ __volatile__("pause");
	}
}

/* The exit port's code loses the high bit of the status (QEMU exits
 * with 2s+1), so the status is also written in full to a second serial
 * port, where keel-run's QEMU target reads it. */
static __attribute__((noreturn)) void pvh_exit(int status)
{
	char line[24] = "keel-exit:";
	int n = 10;
	unsigned v = (unsigned)status & 0xff;
	const char *p = line;
	size_t len;

	if (v >= 100)
		line[n++] = (char)('0' + v / 100);
	if (v >= 10)
		line[n++] = (char)('0' + v / 10 % 10);
	line[n++] = (char)('0' + v % 10);
	line[n++] = '\n';
	len = (size_t)n;
	__asm__ __volatile__("rep outsb" : "+S"(p), "+c"(len) : "d"(PVH_STATUS_SERIAL) : "memory");
	for (;;)
		__asm__ __volatile__("outl %0, %1" : : "a"((uint32_t)status), "Nd"(PVH_EXIT_PORT));
}

/* As on keel's KVM monitor: the fs base below 4 GiB comes from a GDT
 * entry ring 3 may write; above, through the ring-0 gate. */
static int set_tls(void *tp)
{
	uintptr_t b = (uintptr_t)tp;

	if (b < (1ULL << 32)) {
		volatile uint64_t *d = &pvh_gdt[PVH_SEL_FS >> 3];

		*d = 0x00cff2000000ffffULL | (b & 0xffffff) << 16 | (uint64_t)(b >> 24) << 56;
		__asm__ __volatile__("mov %0, %%fs" : : "r"((uint16_t)PVH_SEL_FS) : "memory");
		return 0;
	}
	x86_set_fs(b);
	return 0;
}

static int mem_protect(void *addr, size_t len, int prot)
{
	return x86_protect(pvh_pml4, (uintptr_t)addr, len, prot);
}

/* Without RDRAND: a virtio-rng device, if the VMM offers one. */
static struct vmmio rng_dev;
static struct virtq rng_q;
static int rng_state;

static void rng_wait(void)
{
	__asm__ __volatile__("pause");
}

static long entropy_virtio(unsigned char *p, size_t len)
{
	size_t done = 0;
	unsigned i;

	if (!rng_state) {
		rng_state = -ENOSYS;
		for (i = 0; i < n_mmio; i++) {
			if (map_mmio(mmio_base[i]) || vmmio_probe(&rng_dev, mmio_base[i]) ||
			    rng_dev.device_id != VIRTIO_ID_RNG)
				continue;
			rng_state = vmmio_rng_start(&rng_dev, &rng_q) ? -EIO : 1;
			break;
		}
	}
	if (rng_state < 0)
		return rng_state;
	while (done < len) {
		int r = vmmio_rng_read(&rng_dev, &rng_q, p + done, len - done, rng_wait);
		if (r <= 0)
			return -EIO;
		done += (size_t)r;
	}
	return (long)len;
}

static long entropy(void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	if (!(pvh_cpuid1_ecx & (1u << 30)))
		return entropy_virtio(p, len);
	for (i = 0; i < len; i += 8) {
		uint64_t v;
		unsigned char ok;
		int tries = 10;

		do
			__asm__ __volatile__("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
		while (!ok && --tries);
		if (!ok)
			return -EIO;
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
	return (long)len;
}

static struct vmmio blk_dev;

/* Maps the 2 MiB page holding a device's registers, uncached, from
 * ring 3 (the entry was not present, so no TLB holds it). */
static int map_mmio(uint64_t addr)
{
	uint64_t gib = addr >> 30, *pd;

	if (gib < 1 || gib > 3)
		return -1;
	pd = pvh_pds + (gib - 1) * 512;
	if (!(pvh_pdpt[gib] & 1))
		pvh_pdpt[gib] = (uintptr_t)pd | 0x7;
	pd[(addr >> 21) & 511] = (addr & ~((1ULL << 21) - 1)) | 0x87 | 0x18; /* PCD PWT */
	return 0;
}

static int blk_ready(unsigned dev)
{
	unsigned i;

	if (dev != 0)
		return -ENODEV;
	if (blk_state)
		return blk_state < 0 ? blk_state : 0;
	blk_state = -ENODEV;
	for (i = 0; i < n_mmio; i++) {
		if (map_mmio(mmio_base[i]) || vmmio_probe(&blk_dev, mmio_base[i]) ||
		    blk_dev.device_id != VIRTIO_ID_BLK)
			continue;
		blk_state = vmmio_blk_start(&blk_dev, &blk) ? -EIO : 1;
		break;
	}
	return blk_state < 0 ? blk_state : 0;
}

static int block_info(unsigned dev, struct keel_block_info *info)
{
	int r = blk_ready(dev);

	if (r)
		return r;
	vblk_info(&blk, info);
	return 0;
}

static long block_submit(unsigned dev, struct keel_block_req **reqs, unsigned n)
{
	int r = blk_ready(dev);

	return r ? r : vblk_submit(&blk, reqs, n);
}

static long block_complete(unsigned dev, struct keel_block_req **reqs, unsigned n)
{
	int r = blk_ready(dev);

	return r ? r : vblk_complete(&blk, reqs, n);
}

/* Network device 0: the first virtio-net device on the command line. */
static struct vmmio net_dev;

static int net_ready(unsigned dev)
{
	unsigned i;

	if (dev != 0)
		return -ENODEV;
	if (net_state)
		return net_state < 0 ? net_state : 0;
	net_state = -ENODEV;
	for (i = 0; i < n_mmio; i++) {
		if (map_mmio(mmio_base[i]) || vmmio_probe(&net_dev, mmio_base[i]) ||
		    net_dev.device_id != VIRTIO_ID_NET)
			continue;
		net_state = vmmio_net_start(&net_dev, &net) ? -EIO : 1;
		break;
	}
	return net_state < 0 ? net_state : 0;
}

static int net_info(unsigned dev, struct keel_net_info *info)
{
	int r = net_ready(dev);

	if (r)
		return r;
	vnet_info(&net, info);
	return 0;
}

static long net_send(unsigned dev, const struct keel_frame *f, unsigned n)
{
	int r = net_ready(dev);

	return r ? r : vnet_send(&net, f, n);
}

static long net_recv(unsigned dev, struct keel_frame *f, unsigned n)
{
	int r = net_ready(dev);

	return r ? r : vnet_recv(&net, f, n);
}


static const struct keel_platform pvh_platform = {
	.name = "pvh",
	.console_write = console_write,
	.console_read = console_read,
	.console_winsize = console_winsize,
	.clock_monotonic = clock_monotonic,
	.clock_realtime = clock_realtime,
	.wait_until = wait_until,
	.exit = pvh_exit,
	.set_tls = set_tls,
	.mem_protect = mem_protect,
	.entropy = entropy,
	.net_info = net_info,
	.net_send = net_send,
	.net_recv = net_recv,
	.block_info = block_info,
	.block_submit = block_submit,
	.block_complete = block_complete,
};

static void say(const char *s)
{
	console_write(2, s, strlen(s));
}

static void die(const char *s)
{
	say("keel: ");
	say(s);
	say("\n");
	pvh_exit(2);
}

/* PIT channel 0 counts 1193182 Hz: time the TSC against ~10 ms of it. */
static void calibrate_tsc_with_pit(void)
{
	uint64_t t0, t1;
	unsigned start, now, elapsed = 0;

	outb(0x43, 0x34);
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	outb(0x43, 0x00);
	start = inb(0x40);
	start |= (unsigned)inb(0x40) << 8;
	t0 = rdtsc();
	while (elapsed < 11932) {
		outb(0x43, 0x00);
		now = inb(0x40);
		now |= (unsigned)inb(0x40) << 8;
		elapsed = (start - now) & 0xffff;
	}
	t1 = rdtsc();
	/* khz = ticks / (elapsed / 1193182 s) / 1000 */
	{
		uint64_t khz = (t1 - t0) * 1193182ULL / elapsed / 1000;
		ns_mult = (1000000ULL << 32) / (khz ? khz : 1);
	}
}

static unsigned bcd(unsigned v)
{
	return (v & 0xf) + (v >> 4) * 10;
}

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static uint64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	unsigned era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - 719468;
}

static uint64_t cmos_realtime(void)
{
	unsigned s, mi, h, d, mo, y, b;

	while (cmos(0x0a) & 0x80)
		;
	s = cmos(0), mi = cmos(2), h = cmos(4), d = cmos(7), mo = cmos(8), y = cmos(9);
	b = cmos(0x0b);
	if (!(b & 4))
		s = bcd(s), mi = bcd(mi), h = bcd(h & 0x7f) | (h & 0x80), d = bcd(d), mo = bcd(mo), y = bcd(y);
	return ((days_from_civil(2000 + y, mo, d) * 86400) + (h & 0x7f) * 3600 + mi * 60 + s) *
	       1000000000ULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "a,b%2Cc" -> list of percent-decoded strings, decoded in place. */
static int split_list(char *s, char **out, int max)
{
	int n = 0;
	char *w;

	while (n < max) {
		out[n++] = w = s;
		while (*s && *s != ',') {
			if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
				*w++ = (char)(hexval(s[1]) << 4 | hexval(s[2]));
				s += 3;
			} else {
				*w++ = *s++;
			}
		}
		if (!*s) {
			*w = 0;
			break;
		}
		*w = 0;
		s++;
	}
	out[n] = 0;
	return n;
}

/* The command line keel-run writes: keel.argv=A,B keel.env=K=V,.. keel.stats=1,
 * keel.net=device keel.ip=A.B.C.D/N keel.gw=A.B.C.D keel.dns=A.B.C.D.
 * Other words (a VMM's own, such as virtio_mmio.device=) are left alone. */
static unsigned long dec(const char **s)
{
	unsigned long v = 0;

	while (**s >= '0' && **s <= '9')
		v = v * 10 + (unsigned long)(*(*s)++ - '0');
	return v;
}

static void parse_cmdline(struct keel_boot *b, const char *src)
{
	static char noname[] = "app";
	char *p = cmdline;
	size_t n = strlen(src);

	if (n >= sizeof cmdline)
		die("command line too long");
	memcpy(cmdline, src, n + 1);
	b->argc = 0;
	argv[0] = noname;
	argv[1] = 0;
	envp[0] = 0;
	while (*p) {
		char *word = p;

		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
		if (strncmp(word, "keel.argv=", 10) == 0)
			b->argc = split_list(word + 10, argv, MAX_ARGS);
		else if (strncmp(word, "keel.env=", 9) == 0)
			split_list(word + 9, envp, MAX_ARGS);
		else if (strcmp(word, "keel.stats=1") == 0)
			b->stats = 1;
		else if (strcmp(word, "keel.net=device") == 0)
			b->net_mode = KEEL_NET_DEVICE;
		else if (strncmp(word, "keel.ip=", 8) == 0)
			b->net_ip = word + 8;
		else if (strncmp(word, "keel.gw=", 8) == 0)
			b->net_gw = word + 8;
		else if (strncmp(word, "keel.dns=", 9) == 0)
			b->net_dns = word + 9;
		else if (strncmp(word, "keel.mem=", 9) == 0) {
			const char *q = word + 9;
			b->budget = dec(&q);
		} else if (strncmp(word, "keel.ttys=", 10) == 0) {
			const char *q = word + 10;
			ttys = (unsigned)dec(&q);
		} else if (strncmp(word, "keel.winsize=", 13) == 0) {
			const char *q = word + 13;
			tty_rows = (unsigned)dec(&q);
			if (*q == 'x')
				q++;
			tty_cols = (unsigned)dec(&q);
		}
		else if (strncmp(word, "virtio_mmio.device=", 19) == 0 && n_mmio < MAX_MMIO &&
			 vmmio_parse(word + 19, &mmio_base[n_mmio]) == 0)
			n_mmio++;
	}
	if (b->argc == 0)
		b->argc = 1;
}

void pvh_main(void)
{
	static struct keel_boot b;
	const struct start_info *si = (const void *)(uintptr_t)pvh_start_info;
	const struct memmap_entry *mm;
	uintptr_t image_end = ((uintptr_t)_end + 4095) & ~4095UL;
	uint64_t ram_end = 0, total = 0, initrd = 0, initrd_len = 0;
	uint32_t i;

	if (!si || si->magic != START_MAGIC)
		die("not started through PVH (bad hvm_start_info)");
	/* First, before anything reuses the memory the list may lie in
	 * (qboot keeps it on its stack); only the first GiB is mapped. */
	if (si->nr_modules && si->modlist_paddr) {
		const struct modlist_entry *mod = (const void *)(uintptr_t)si->modlist_paddr;

		if (si->modlist_paddr > GiB - sizeof *mod)
			die("the PVH module list lies above the first GiB");
		initrd = mod->paddr;
		initrd_len = mod->size;
	}
	if (si->version < 1 || !si->memmap_paddr)
		die("the VMM gave no memory map (hvm_start_info version 0)");
	mm = (const void *)(uintptr_t)si->memmap_paddr;
	for (i = 0; i < si->memmap_entries; i++) {
		if (mm[i].type != E820_RAM)
			continue;
		total += mm[i].size;
		if (mm[i].addr <= image_end && mm[i].addr + mm[i].size > image_end)
			ram_end = mm[i].addr + mm[i].size;
	}
	if (ram_end <= image_end + (1 << 20))
		die("not enough memory above the image");
	if (ram_end > 4 * GiB)
		ram_end = 4 * GiB; /* the page tables map the first 4 GiB */
	/* Map GiB 1-3 from ring 3: not-present entries are never cached. */
	for (i = 1; i < (ram_end + GiB - 1) / GiB; i++) {
		uint64_t *pd = pvh_pds + (i - 1) * 512;
		unsigned j;

		for (j = 0; j < 512; j++)
			pd[j] = ((uint64_t)i * GiB + ((uint64_t)j << 21)) | 0x87;
		pvh_pdpt[i] = (uintptr_t)pd | 0x7;
	}

	tsc0 = rdtsc();
	if (pvh_kvmclock) {
		boot_ns = pvclock_ns();
		realtime0 = (uint64_t)pvh_wallclock.sec * 1000000000ULL + pvh_wallclock.nsec + boot_ns;
	} else {
		if (pvh_tsc_khz_leaf)
			ns_mult = (1000000ULL << 32) / pvh_tsc_khz_leaf;
		else
			calibrate_tsc_with_pit();
		realtime0 = cmos_realtime();
		tsc0 = rdtsc();
	}
	outb(PVH_SERIAL + 1, 0); /* no serial interrupts */
	x86_gate_install(pvh_idt);

	b.platform = &pvh_platform;
	b.budget = total;
	parse_cmdline(&b, si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "");
	b.argv = argv;
	b.envp = envp;
	b.mem_base = image_end;
	b.mem_len = ram_end - image_end;
	if (b.budget < total)
		b.budget = total;
	b.image_bytes = image_end - (uintptr_t)__executable_start;
	/* Whatever the budget holds outside [image, ram_end) is the base's:
	 * firmware, boot tables, memory the VMM reserved. */
	b.base_bytes = b.budget - (ram_end - (uintptr_t)__executable_start);
	if (initrd_len) {
		/* In RAM above the image (QEMU puts it at the top): keel_start
		 * takes its pages out of the region. */
		if (initrd < image_end || initrd > ram_end || initrd_len > ram_end - initrd)
			die("the initrd (the first PVH module) lies outside usable memory");
		b.initrd = (const void *)(uintptr_t)initrd;
		b.initrd_len = initrd_len;
	}
	keel_start(&b);
}

void pvh_fault(uint64_t vector, uint64_t rip, uint64_t cr2)
{
	static const char *const names[32] = {
		[0] = "divide error (#DE)", [6] = "invalid opcode (#UD)",
		[13] = "general protection fault (#GP)", [14] = "page fault (#PF)",
		[8] = "double fault (#DF)", [12] = "stack fault (#SS)",
		[19] = "SIMD floating-point error (#XM)", [16] = "x87 error (#MF)",
	};
	char line[160];
	int status = 128 + 11;

	extern int ksnprintf(char *, size_t, const char *, ...);
	if (vector == 0xff) {
		ksnprintf(line, sizeof line,
			  "keel: the application executed a raw syscall instruction at pc %p: "
			  "a keel image reaches the host only through keel\n", (void *)rip);
		status = 159;
	} else if (vector == 14) {
		ksnprintf(line, sizeof line, "keel: memory fault at address %p (pc %p): page fault (#PF)\n",
			  (void *)cr2, (void *)rip);
	} else {
		ksnprintf(line, sizeof line, "keel: fatal %s at pc %p\n",
			  vector < 32 && names[vector] ? names[vector] : "exception", (void *)rip);
		if (vector == 0 || vector == 16 || vector == 19)
			status = 128 + 8;
		else if (vector == 6)
			status = 128 + 4;
	}
	say(line);
	pvh_exit(status);
}
