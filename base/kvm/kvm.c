/*
 * The guest side of keel's own KVM monitor (monitor/kvm.c): the entry
 * the monitor jumps to (already in 64-bit mode at CPL3; ports opened by the TSS I/O bitmap) and
 * struct keel_platform on hypercall ports. Clocks are the TSC, read
 * natively, scaled by the frequency the monitor measured; every other
 * call is one `out` (one VM exit) carrying a whole buffer.
 */
#include <errno.h>
#include <string.h>

#include <keel/kvm.h>
#include <keel/platform.h>

#include "../virtio/blk.h"
#include "../virtio/net.h"
#include "../x86/x86.h"

static volatile struct kvm_hcall *const hc = (struct kvm_hcall *)KVM_HCALL;
static const struct kvm_boot_info *const boot = (struct kvm_boot_info *)KVM_BOOT;

static struct vblk blk;
static int blk_state; /* 0 not yet, 1 ready, -errno failed */
static struct vnet net;
static int net_state;
static int blk_index, net_index; /* their places in boot->devs */
static int find_dev(uint32_t type, unsigned n);
static uint64_t tsc0, ns_mult; /* ns = (tsc - tsc0) * ns_mult >> 32 */
static uint64_t realtime0;
static int have_fsgsbase;

extern char __executable_start[], _end[];
void kvm_entry(void) __attribute__((noreturn, used));

__asm__(".text\n"
	".global kvm_start\n"
	".type kvm_start,@function\n"
	"kvm_start:\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	call kvm_entry\n"
	"	ud2\n");

static inline int64_t hcall(enum kvm_port port)
{
	__asm__ __volatile__("outl %%eax, %%dx" : : "a"(0), "d"(port) : "memory");
	return hc->ret;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static long console_write(int stream, const void *buf, size_t len)
{
	hc->a[0] = (uint64_t)stream;
	hc->a[1] = (uintptr_t)buf;
	hc->a[2] = len;
	return hcall(KVM_PORT_CONSOLE);
}

static long console_read(void *buf, size_t len)
{
	hc->a[0] = (uintptr_t)buf;
	hc->a[1] = len;
	return hcall(KVM_PORT_READ);
}

static int console_winsize(int stream, struct keel_winsize *ws)
{
	int64_t r;

	if (stream < 0 || stream > 2 || !(boot->ttys & (1u << stream)))
		return -ENOTTY; /* known at boot: no exit needed */
	hc->a[0] = (uint64_t)stream;
	r = hcall(KVM_PORT_WINSIZE);
	if (r < 0)
		return (int)r;
	ws->rows = (unsigned short)(r >> 16);
	ws->cols = (unsigned short)r;
	return 0;
}

static uint64_t clock_monotonic(void)
{
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc0) * ns_mult) >> 32);
}

static uint64_t clock_realtime(void)
{
	return realtime0 + clock_monotonic();
}

static unsigned wait_until(uint64_t deadline, unsigned mask)
{
	if ((mask & KEEL_EV_SIGNAL) && hc->host_signals)
		return KEEL_EV_SIGNAL;
	/* Block requests complete during their notification. */
	if ((mask & KEEL_EV_BLOCK) && blk_state == 1 && virtq_pending(&blk.q))
		return KEEL_EV_BLOCK;
	if ((mask & KEEL_EV_NET) && net_state == 1 && vnet_pending(&net))
		return KEEL_EV_NET;
	hc->a[0] = clock_monotonic();
	hc->a[1] = deadline;
	hc->a[2] = mask;
	return (unsigned)hcall(KVM_PORT_WAIT);
}

static __attribute__((noreturn)) void kvm_exit(int status)
{
	for (;;) {
		hc->a[0] = (uint64_t)status;
		hcall(KVM_PORT_EXIT);
	}
}

/*
 * Ring 3 cannot write MSR_FS_BASE, and wrfsbase is often not offered
 * to nested guests. But loading %fs in 64-bit mode takes the low 32
 * bits of the base from the GDT, which the guest can write: a thread
 * pointer below 4 GiB costs no exit at all.
 */
static int set_tls(void *tp)
{
	uintptr_t b = (uintptr_t)tp;

	if (have_fsgsbase) {
		__asm__ __volatile__("wrfsbase %0" : : "r"(tp) : "memory");
		return 0;
	}
	if (b < (1ULL << 32)) {
		volatile uint64_t *d = (uint64_t *)KVM_GDT + (KVM_SEL_FS >> 3);

		*d = 0x00cff2000000ffffULL | (b & 0xffffff) << 16 | (uint64_t)(b >> 24) << 56;
		__asm__ __volatile__("mov %0, %%fs" : : "r"((uint16_t)KVM_SEL_FS) : "memory");
		return 0;
	}
	x86_set_fs(b);
	return 0;
}

static int mem_protect(void *addr, size_t len, int prot)
{
	return x86_protect((uint64_t *)KVM_PML4, (uintptr_t)addr, len, prot);
}

/* Signals from outside: the monitor catches the ones asked for and
 * sets their bits in the hypercall block (and ends a wait). */
static int host_signal(int sig, int how)
{
	hc->a[0] = (uint64_t)sig;
	hc->a[1] = (uint64_t)how;
	return (int)hcall(KVM_PORT_SIGNAL);
}

static uint64_t host_signals(void)
{
	return hc->host_signals ? __atomic_exchange_n(&hc->host_signals, 0, __ATOMIC_SEQ_CST) : 0;
}

static long entropy(void *buf, size_t len)
{
	hc->a[0] = (uintptr_t)buf;
	hc->a[1] = len;
	return hcall(KVM_PORT_ENTROPY);
}

/* Network device 0: virtio-net rings that the monitor's network thread
 * serves while the guest runs; a notification (an exit) only when that
 * thread went to sleep. */
#define TX_SPIN_NS 500000
static void net_kick(struct vnet *n, unsigned queue)
{
	hc->a[0] = (uint64_t)net_index;
	hc->a[1] = queue;
	hcall(KVM_PORT_NOTIFY);
}

static int queue_setup(int dev, unsigned queue, struct virtq *q)
{
	q->event_idx = 1;
	hc->a[0] = (uint64_t)dev;
	hc->a[1] = queue;
	hc->a[2] = q->num;
	hc->a[3] = (uintptr_t)q->desc;
	hc->a[4] = (uintptr_t)q->avail;
	hc->a[5] = (uintptr_t)q->used;
	return (int)hcall(KVM_PORT_QUEUE);
}

static int net_ready(unsigned dev)
{
	int r;

	if (dev != 0 || (net_index = find_dev(KVM_DEV_NET, 0)) < 0)
		return -ENODEV;
	if (net_state == 0) {
		net.notify = net_kick;
		memcpy(net.mac, boot->devs[net_index].mac, 6);
		r = vnet_init(&net, 128);
		if (!r)
			r = queue_setup(net_index, 0, &net.rx);
		if (!r)
			r = queue_setup(net_index, 1, &net.tx);
		if (!r)
			vnet_start(&net);
		net_state = r ? r : 1;
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
	uint64_t end = 0;
	long r = net_ready(dev);

	if (r)
		return r;
	/* A full ring empties within microseconds (the monitor's network
	 * thread polls it while busy): wait for room here, without an
	 * exit, rather than have the caller idle for a millisecond. */
	while ((r = vnet_send(&net, f, n)) == 0) {
		uint64_t t = clock_monotonic();

		if (!end)
			end = t + TX_SPIN_NS;
		else if (t >= end)
			break;
		__builtin_ia32_pause();
	}
	return r;
}

static long net_recv(unsigned dev, struct keel_frame *f, unsigned n)
{
	int r = net_ready(dev);

	return r ? r : vnet_recv(&net, f, n);
}

/* Block device 0: a virtio-blk ring the monitor processes on notify. */

static void blk_kick(struct vblk *b)
{
	hc->a[0] = (uint64_t)blk_index;
	hc->a[1] = 0;
	hcall(KVM_PORT_NOTIFY);
}

/* The index in the boot info of the n-th device of a type, or -1. */
static int find_dev(uint32_t type, unsigned n)
{
	int i;

	for (i = 0; i < KVM_MAX_DEVS; i++)
		if (boot->devs[i].type == type && n-- == 0)
			return i;
	return -1;
}

static int blk_ready(unsigned dev)
{
	const struct kvm_dev *d;

	if ((blk_index = find_dev(KVM_DEV_BLK, dev)) < 0 || dev != 0)
		return -ENODEV;
	d = &boot->devs[blk_index];
	if (blk_state == 0) {
		blk_state = vblk_init(&blk, 128);
		if (blk_state == 0) {
			blk.sectors = d->sectors;
			blk.read_only = !!(d->flags & KVM_DEV_READ_ONLY);
			blk.notify = blk_kick;
			blk_state = queue_setup(blk_index, 0, &blk.q);
		}
		blk_state = blk_state ? blk_state : 1;
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

static const struct keel_platform kvm_platform = {
	.name = "kvm",
	.console_write = console_write,
	.console_read = console_read,
	.console_winsize = console_winsize,
	.clock_monotonic = clock_monotonic,
	.clock_realtime = clock_realtime,
	.wait_until = wait_until,
	.exit = kvm_exit,
	.set_tls = set_tls,
	.mem_protect = mem_protect,
	.entropy = entropy,
	.net_info = net_info,
	.net_send = net_send,
	.net_recv = net_recv,
	.block_info = block_info,
	.block_submit = block_submit,
	.block_complete = block_complete,
	.host_signal = host_signal,
	.host_signals = host_signals,
};

/* Before keel_start there is no keel_log: one line, then exit 2. */
static __attribute__((noreturn)) void boot_fail(const char *msg)
{
	console_write(2, msg, strlen(msg));
	kvm_exit(2);
}

void kvm_entry(void)
{
	static struct keel_boot b;
	uintptr_t image_end = ((uintptr_t)_end + 4095) & ~4095UL;

	tsc0 = rdtsc();
	if (boot->magic != KVM_BOOT_MAGIC || !boot->tsc_khz)
		kvm_exit(2); /* not started by a keel monitor of this ABI */
	ns_mult = (1000000ULL << 32) / boot->tsc_khz;
	realtime0 = boot->realtime_ns;
	have_fsgsbase = !!(boot->flags & KVM_BOOT_FSGSBASE);
	x86_gate_install((void *)KVM_IDT);

	b.platform = &kvm_platform;
	b.mem_base = image_end;
	b.mem_len = boot->mem_size > image_end ? boot->mem_size - image_end : 0;
	b.budget = boot->mem_size;
	b.image_bytes = image_end - (uintptr_t)__executable_start;
	b.base_bytes = KVM_LOW_BYTES;
	b.argc = (int)boot->argc;
	b.argv = (char **)boot->argv;
	b.envp = (char **)boot->envp;
	b.stats = (int)boot->stats;
	if (boot->initrd_len) {
		/* Inside guest memory, above the image: keel_start takes
		 * its pages out of the region. */
		uint64_t a = boot->initrd_addr, n = boot->initrd_len;

		if (a < image_end || a > boot->mem_size || n > boot->mem_size - a)
			boot_fail("keel: the monitor put the initrd outside guest memory\n");
		b.initrd = (const void *)a;
		b.initrd_len = n;
	}
	if (find_dev(KVM_DEV_NET, 0) >= 0) {
		b.net_mode = KEEL_NET_DEVICE;
		b.net_ip = boot->net_ip[0] ? boot->net_ip : NULL;
		b.net_gw = boot->net_gw[0] ? boot->net_gw : NULL;
		b.net_dns = boot->net_dns[0] ? boot->net_dns : NULL;
	}
	keel_start(&b);
}
