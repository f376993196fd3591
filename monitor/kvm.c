/*
 * keel-run's KVM monitor: builds a VM on /dev/kvm whose memory is
 * exactly the --mem budget, loads the image at its link address, and
 * starts it in 64-bit mode at CPL3 (ring 0 is emulated instruction by
 * instruction on nested KVM; ring 3 runs natively). The guest talks to
 * the monitor through the ports of include/keel/kvm.h, which the TSS
 * I/O bitmap opens to ring 3.
 * Every guest address and length goes through guest_ptr() before use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <elf.h>

#include <keel/kvm.h>

#include "child.h"
#include "kvm.h"
#include "sandbox.h"
#include "vm.h"

#define PTE_P 0x1
#define PTE_RW 0x2
#define PTE_US 0x4
#define PTE_PS 0x80
#define PTE_USER (PTE_P | PTE_RW | PTE_US)

static volatile sig_atomic_t timed_out;
static struct kvm_run *volatile run_for_signal;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	char line[300];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	if (write(2, "keel-run: ", 10) < 0 || write(2, line, (size_t)n) < 0)
		_exit(2);
	_exit(2);
}

int kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static void build_page_tables(struct vm *vm)
{
	uint64_t *pml4 = (uint64_t *)(vm->mem + KVM_PML4);
	uint64_t *pdpt = (uint64_t *)(vm->mem + KVM_PDPT);
	uint64_t *pt0 = (uint64_t *)(vm->mem + KVM_PT0);
	uint64_t *tail = (uint64_t *)(vm->mem + KVM_PTTAIL);
	uint64_t chunks = vm->mem_size >> 21, rest = vm->mem_size & ((1 << 21) - 1);
	uint64_t gb = (vm->mem_size + (1ULL << 30) - 1) >> 30, i;

	pml4[0] = KVM_PDPT | PTE_USER;
	for (i = 0; i < gb; i++)
		pdpt[i] = (KVM_PD + i * 4096) | PTE_USER;
	for (i = 0; i < chunks; i++) {
		uint64_t *pde = (uint64_t *)(vm->mem + KVM_PD) + i;
		*pde = i == 0 ? (KVM_PT0 | PTE_USER) : ((i << 21) | PTE_USER | PTE_PS);
	}
	/* Page 0 stays unmapped: a NULL dereference faults. */
	for (i = 1; i < 512; i++)
		pt0[i] = (i << 12) | PTE_USER;
	if (rest) {
		uint64_t *pde = (uint64_t *)(vm->mem + KVM_PD) + chunks;
		*pde = KVM_PTTAIL | PTE_USER;
		for (i = 0; i < rest >> 12; i++)
			tail[i] = ((chunks << 21) + (i << 12)) | PTE_USER;
	}
}

/* GDT, TSS, IDT and the CPL0 exception stubs: each stub reports its
 * vector on KVM_PORT_FAULT and halts. */
static void build_descriptors(struct vm *vm)
{
	uint64_t *gdt = (uint64_t *)(vm->mem + KVM_GDT);
	uint8_t *tss = vm->mem + KVM_TSS;
	uint8_t *idt = vm->mem + KVM_IDT;
	uint64_t base = KVM_TSS;
	int v;

	gdt[0] = 0;
	gdt[1] = 0x00209a0000000000ULL; /* kernel code, 64-bit */
	gdt[2] = 0x0000920000000000ULL; /* kernel data */
	gdt[3] = 0x0000f20000000000ULL; /* user data, DPL3 */
	gdt[4] = 0x0020fa0000000000ULL; /* user code, 64-bit, DPL3 */
	gdt[5] = KVM_TSS_LIMIT | (base & 0xffffff) << 16 | 0x89ULL << 40 | ((base >> 24) & 0xff) << 56;
	gdt[6] = base >> 32;
	gdt[7] = 0x00cff2000000ffffULL; /* KVM_SEL_FS: data, DPL3, base set by the guest */
	memset(tss, 0, 104);
	*(uint64_t *)(tss + 4) = KVM_STACK0; /* rsp0 */
	*(uint16_t *)(tss + 102) = 104;      /* I/O bitmap offset */
	memset(tss + 104, 0xff, KVM_TSS_LIMIT + 1 - 104);
	memset(tss + 104 + 0x500 / 8, 0, 0x100 / 8); /* keel's ports */
	for (v = 0; v < 32; v++) {
		uint64_t stub = KVM_STUBS + (uint64_t)v * 16;
		uint8_t *g = idt + v * 16, *s = vm->mem + stub;
		static const uint8_t code[] = {
			0xb0, 0x00,             /* mov $vector, %al */
			0x66, 0xba, 0xfe, 0x05, /* mov $KVM_PORT_FAULT, %dx */
			0xee,                   /* out %al, %dx */
			0xf4,                   /* hlt */
			0xeb, 0xfd,             /* jmp .-1 */
		};
		memcpy(s, code, sizeof code);
		s[1] = (uint8_t)v;
		memset(g, 0, 16);
		g[0] = stub & 0xff;
		g[1] = (stub >> 8) & 0xff;
		g[2] = KVM_SEL_KCODE;
		g[5] = 0x8e; /* present, DPL0, 64-bit interrupt gate */
		g[6] = (stub >> 16) & 0xff;
		g[7] = (stub >> 24) & 0xff;
	}
}

/* A raw syscall instruction lands here (LSTAR) and is reported like a
 * fault; ring 0 or not (nested hypervisors differ), the port is open. */
static void build_syscall_stub(struct vm *vm)
{
	static const uint8_t code[] = {
		0xb0, KVM_VEC_SYSCALL,  /* mov $0xff, %al */
		0x66, 0xba, 0xfe, 0x05, /* mov $KVM_PORT_FAULT, %dx */
		0xee,                   /* out %al, %dx */
		0xeb, 0xfe,             /* jmp . */
	};
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[3];
	} m = { .h.nmsrs = 3 };

	memcpy(vm->mem + KVM_SYSCALL_STUB, code, sizeof code);
	m.e[0].index = 0xc0000081; /* STAR */
	m.e[0].data = (uint64_t)0x10 << 48 | (uint64_t)KVM_SEL_KCODE << 32;
	m.e[1].index = 0xc0000082; /* LSTAR */
	m.e[1].data = KVM_SYSCALL_STUB;
	m.e[2].index = 0xc0000084; /* SFMASK */
	m.e[2].data = 0x700;
	if (ioctl(vm->vcpu, KVM_SET_MSRS, &m) != 3)
		fail("KVM_SET_MSRS: cannot set up the syscall trap");
}

static void load_image(struct vm *vm, const unsigned char *elf, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)elf;
	const Elf64_Phdr *ph = (const void *)(elf + eh->e_phoff);
	int i;

	for (i = 0; i < eh->e_phnum; i++) {
		uint8_t *dst;

		if (ph[i].p_type != PT_LOAD)
			continue;
		dst = guest_ptr(vm, ph[i].p_vaddr, ph[i].p_memsz);
		if (ph[i].p_vaddr < KVM_IMAGE || !dst)
			fail("image segment %d at %#lx+%#lx does not fit in --mem=%luK above 1 MiB",
			     i, (unsigned long)ph[i].p_vaddr, (unsigned long)ph[i].p_memsz,
			     (unsigned long)(vm->mem_size >> 10));
		memcpy(dst, elf + ph[i].p_offset, ph[i].p_filesz);
	}
}

/* argv and envp for the guest, pointers first, in [KVM_ARGS, KVM_ARGS_END). */
static void build_args(struct vm *vm, const struct options *o, struct kvm_boot_info *bi)
{
	uint64_t n = (uint64_t)o->argc + 1 + (uint64_t)o->nenv + 1;
	uint64_t *ptrs = (uint64_t *)(vm->mem + KVM_ARGS);
	uint64_t str = KVM_ARGS + n * 8;
	int i;

	for (i = 0; i < o->argc + o->nenv; i++) {
		const char *s = i < o->argc ? o->argv[i] : o->env[i - o->argc];
		size_t l = strlen(s) + 1;

		if (str + l > KVM_ARGS_END)
			fail("arguments and environment are too long for the kvm target (%lu KiB at most)",
			     (KVM_ARGS_END - KVM_ARGS) >> 10);
		memcpy(vm->mem + str, s, l);
		*ptrs++ = str;
		if (i == o->argc - 1)
			*ptrs++ = 0;
		str += l;
	}
	*ptrs = 0;
	bi->argc = (uint64_t)o->argc;
	bi->argv = KVM_ARGS;
	bi->envp = KVM_ARGS + ((uint64_t)o->argc + 1) * 8;
}

/* The guest sees every CPUID leaf KVM supports (long mode among them,
 * or KVM refuses EFER.LME). FSGSBASE too where the host CPU has it and
 * the host kernel lets programs use it (AT_HWCAP2), even if KVM leaves
 * it out (nested KVM does): the guest's code runs at CPL3, and wrfsbase
 * makes its thread switches ~8 us -> ~0.3 us cheaper than reloading %fs
 * from the GDT. Whether KVM then takes CR4.FSGSBASE is set_cpu_state's
 * test. */
static int cpuid_setup(struct vm *vm)
{
	struct kvm_cpuid2 *c;
	int n = 100, fsgsbase = 0;
	unsigned i;

	c = calloc(1, sizeof *c + n * sizeof c->entries[0]);
	if (!c)
		fail("out of memory");
	c->nent = n;
	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0)
		fail("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	for (i = 0; i < c->nent; i++) {
		if (c->entries[i].function == 7 && c->entries[i].index == 0) {
			if (getauxval(AT_HWCAP2) & 2) /* HWCAP2_FSGSBASE */
				c->entries[i].ebx |= 1;
			if (getenv("KEEL_RUN_NO_FSGSBASE")) /* the tests of the GDT way */
				c->entries[i].ebx &= ~1u;
			fsgsbase = c->entries[i].ebx & 1;
		}
	}
	if (ioctl(vm->vcpu, KVM_SET_CPUID2, c) < 0)
		fail("KVM_SET_CPUID2: %s", strerror(errno));
	free(c);
	return fsgsbase;
}

/* Returns whether the guest has FSGSBASE (CR4 took the bit). */
static int set_cpu_state(struct vm *vm, uint64_t entry, int fsgsbase)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	struct kvm_fpu fpu;
	int ok;
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = KVM_SEL_UCODE,
		.type = 11, .present = 1, .dpl = 3, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = KVM_SEL_UDATA,
		.type = 3, .present = 1, .dpl = 3, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_segment tr = {
		.base = KVM_TSS, .limit = KVM_TSS_LIMIT, .selector = KVM_SEL_TSS,
		.type = 11, .present = 1, .dpl = 0, .s = 0,
	};

	if (ioctl(vm->vcpu, KVM_GET_SREGS, &s) < 0)
		fail("KVM_GET_SREGS: %s", strerror(errno));
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.tr = tr;
	s.gdt.base = KVM_GDT;
	s.gdt.limit = 8 * 8 - 1;
	s.idt.base = KVM_IDT;
	s.idt.limit = 32 * 16 - 1;
	s.cr0 = 0x80050033; /* PG WP NE ET MP PE */
	s.cr3 = KVM_PML4;
	s.cr4 = 0x20 | 0x200 | 0x400 | (fsgsbase ? 0x10000 : 0); /* PAE OSFXSR OSXMMEXCPT */
	s.efer = 0x501; /* LME LMA SCE: syscall goes to KVM_SYSCALL_STUB */
	ok = ioctl(vm->vcpu, KVM_SET_SREGS, &s) == 0;
	if (!ok && fsgsbase) {
		fsgsbase = 0; /* KVM refuses CR4.FSGSBASE: %fs from the GDT */
		s.cr4 &= ~0x10000ULL;
		ok = ioctl(vm->vcpu, KVM_SET_SREGS, &s) == 0;
	}
	if (!ok)
		fail("KVM_SET_SREGS: %s", strerror(errno));

	memset(&r, 0, sizeof r);
	r.rip = entry;
	r.rsp = KVM_STACK3;
	r.rflags = 0x2; /* interrupts off; ports are opened by the I/O bitmap */
	if (ioctl(vm->vcpu, KVM_SET_REGS, &r) < 0)
		fail("KVM_SET_REGS: %s", strerror(errno));

	memset(&fpu, 0, sizeof fpu);
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	if (ioctl(vm->vcpu, KVM_SET_FPU, &fpu) < 0)
		fail("KVM_SET_FPU: %s", strerror(errno));
	return fsgsbase;
}

/*
 * Signals from outside (SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1,
 * SIGUSR2) follow what the guest asks (KVM_PORT_SIGNAL): the host's
 * default, ignored, or caught: the bit is set in the hypercall block
 * (the guest takes it when a call returns or it idles) and an eventfd
 * ends a wait. keel-run's parent process passes them on to this one.
 */
static volatile uint64_t *guest_signals;
static int sig_fd = -1;
static void caught(int sig)
{
	uint64_t one = 1;

	__atomic_fetch_or(guest_signals, 1ULL << (sig - 1), __ATOMIC_SEQ_CST);
	if (write(sig_fd, &one, 8) < 0)
		(void)0; /* the counter is full: a wake-up is pending anyway */
}

static int64_t hc_signal(struct vm *vm, struct kvm_hcall *h)
{
	struct sigaction sa;

	if (h->a[0] > 64 || !signal_from_outside((int)h->a[0]) || h->a[1] > 2 || sig_fd < 0)
		return -EINVAL;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h->a[1] == 2 ? caught : h->a[1] == 1 ? SIG_IGN : SIG_DFL;
	sa.sa_flags = SA_RESTART;
	return sigaction((int)h->a[0], &sa, NULL) < 0 ? -errno : 0;
}

static void on_alarm(int sig)
{
	timed_out = 1;
	if (run_for_signal)
		run_for_signal->immediate_exit = 1;
}

static void put(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t r;

	while (len) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		p += r;
		len -= (size_t)r;
	}
}

static const char *const exception_names[32] = {
	[0] = "divide error (#DE)", [1] = "debug (#DB)", [3] = "breakpoint (#BP)",
	[4] = "overflow (#OF)", [5] = "bound range (#BR)", [6] = "invalid opcode (#UD)",
	[7] = "device not available (#NM)", [8] = "double fault (#DF)",
	[10] = "invalid TSS (#TS)", [11] = "segment not present (#NP)",
	[12] = "stack fault (#SS)", [13] = "general protection fault (#GP)",
	[14] = "page fault (#PF)", [16] = "x87 floating-point error (#MF)",
	[17] = "alignment check (#AC)", [18] = "machine check (#MC)",
	[19] = "SIMD floating-point error (#XM)",
};

/* A CPL0 stub reported an exception: explain it and pick the status a
 * Linux process would have died with. */
static int guest_fault(struct vm *vm, unsigned vec)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	const uint64_t *frame = NULL;
	const uint8_t *insn;
	uint64_t rip = 0;
	int has_err = vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21;
	const char *name = vec < 32 && exception_names[vec] ? exception_names[vec] : "exception";

	if (ioctl(vm->vcpu, KVM_GET_REGS, &r) || ioctl(vm->vcpu, KVM_GET_SREGS, &s)) {
		fprintf(stderr, "keel: fatal %s (registers unreadable)\n", name);
		return 128 + SIGSEGV;
	}
	if (vec == KVM_VEC_SYSCALL) {
		fprintf(stderr, "keel: the application executed a raw syscall instruction at pc %#llx: "
			"a keel image reaches the host only through keel\n",
			(unsigned long long)r.rcx - 2);
		return 159;
	}
	if ((frame = guest_ptr(vm, r.rsp, 6 * 8)))
		rip = frame[has_err ? 1 : 0];
	insn = guest_ptr(vm, rip, 2);
	if (vec == 6 && insn && insn[0] == 0x0f && insn[1] == 0x05) {
		fprintf(stderr, "keel: the application executed a raw syscall instruction at pc %#lx: "
			"a keel image reaches the host only through keel\n", (unsigned long)rip);
		return 159;
	}
	if (vec == 14)
		fprintf(stderr, "keel: memory fault at address %#llx (pc %#lx): %s\n",
			(unsigned long long)s.cr2, (unsigned long)rip, name);
	else
		fprintf(stderr, "keel: fatal %s at pc %#lx\n", name, (unsigned long)rip);
	switch (vec) {
	case 0: case 16: case 19: return 128 + SIGFPE;
	case 6: return 128 + SIGILL;
	case 3: case 1: return 128 + SIGTRAP;
	default: return 128 + SIGSEGV;
	}
}

static int64_t hc_console(struct vm *vm, struct kvm_hcall *h)
{
	void *buf = guest_ptr(vm, h->a[1], h->a[2]);

	if (!buf)
		return -EFAULT;
	put(h->a[0] == 2 ? 2 : 1, buf, h->a[2]);
	return (int64_t)h->a[2];
}

static int64_t hc_read(struct vm *vm, struct kvm_hcall *h)
{
	void *buf = guest_ptr(vm, h->a[0], h->a[1]);
	struct pollfd p = { 0, POLLIN, 0 };
	struct timespec zero = { 0, 0 };
	ssize_t r;

	if (!buf)
		return -EFAULT;
	r = ppoll(&p, 1, &zero, NULL);
	if (r == 0 || (r < 0 && errno == EINTR))
		return -EAGAIN;
	r = read(0, buf, h->a[1]);
	return r < 0 ? (errno == EINTR ? -EAGAIN : -errno) : r;
}

static int64_t hc_wait(struct vm *vm, struct kvm_hcall *h, double deadline)
{
	struct pollfd p[3] = { { -1, POLLIN, 0 }, { -1, POLLIN, 0 }, { -1, POLLIN, 0 } };
	struct timespec ts, *tsp = NULL;
	uint64_t left_ns = h->a[1] > h->a[0] ? h->a[1] - h->a[0] : 0, v;
	struct vm_net *n = vm->net;
	int64_t ev = 0;

	if (h->a[2] & 0x10) { /* KEEL_EV_SIGNAL */
		if (*guest_signals)
			return 0x10;
		p[2].fd = sig_fd;
	}

	if ((h->a[2] & 2) && n) { /* KEEL_EV_NET: the I/O thread wakes us */
		__atomic_store_n(&n->vcpu_waiting, 1, __ATOMIC_SEQ_CST);
		if (net_rx_pending(vm, n)) {
			__atomic_store_n(&n->vcpu_waiting, 0, __ATOMIC_RELAXED);
			return 2;
		}
		p[1].fd = n->wake_fd;
	}
	if (h->a[2] & 1) /* KEEL_EV_CONSOLE */
		p[0].fd = 0;

	if (h->a[1] != UINT64_MAX) {
		ts.tv_sec = (time_t)(left_ns / 1000000000);
		ts.tv_nsec = (long)(left_ns % 1000000000);
		tsp = &ts;
	}
	if (deadline > 0) {
		double left = deadline - now();
		if (left < 0)
			left = 0;
		if (!tsp || left < ts.tv_sec + ts.tv_nsec / 1e9) {
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			tsp = &ts;
		}
	}
	if (ppoll(p, 3, tsp, NULL) > 0 && p[0].revents)
		ev |= 1;
	if (p[2].fd >= 0) {
		if (p[2].revents && read(sig_fd, &v, 8) < 0)
			(void)0; /* drained already */
		if (*guest_signals)
			ev |= 0x10;
	}
	if (p[1].fd >= 0) {
		__atomic_store_n(&n->vcpu_waiting, 0, __ATOMIC_RELAXED);
		if (p[1].revents && read(n->wake_fd, &v, 8) < 0)
			(void)0; /* drained already */
		if (net_rx_pending(vm, n))
			ev |= 2;
	}
	return ev;
}

static int64_t hc_queue(struct vm *vm, struct kvm_hcall *h)
{
	if (vm->blk && h->a[0] == (uint64_t)vm->blk_dev && h->a[1] == 0)
		return vm_queue_setup(vm, &vm->blk->q, h->a);
	if (vm->net && h->a[0] == (uint64_t)vm->net_dev && h->a[1] <= 1) {
		struct vm_net *n = vm->net;
		int64_t r;

		if (__atomic_load_n(&n->running, __ATOMIC_RELAXED))
			return -EBUSY; /* the I/O thread owns the rings now */
		r = vm_queue_setup(vm, h->a[1] ? &n->tx : &n->rx, h->a);
		if (r == 0 && n->rx.num && n->tx.num)
			net_run(n);
		return r;
	}
	return -ENODEV;
}

static int64_t hc_winsize(struct vm *vm, struct kvm_hcall *h)
{
	struct winsize w;

	if (h->a[0] > 2 || ioctl((int)h->a[0], TIOCGWINSZ, &w) < 0)
		return -ENOTTY;
	return (int64_t)w.ws_row << 16 | w.ws_col;
}

static int64_t hc_entropy(struct vm *vm, struct kvm_hcall *h)
{
	uint8_t *buf = guest_ptr(vm, h->a[0], h->a[1]);
	size_t done = 0;
	ssize_t r;

	if (!buf)
		return -EFAULT;
	while (done < h->a[1]) {
		r = getrandom(buf + done, h->a[1] - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		done += (size_t)r;
	}
	return (int64_t)done;
}

static int64_t hc_setfs(struct vm *vm, struct kvm_hcall *h)
{
	struct kvm_sregs s;

	if (ioctl(vm->vcpu, KVM_GET_SREGS, &s) < 0)
		return -EIO;
	s.fs.base = h->a[0];
	return ioctl(vm->vcpu, KVM_SET_SREGS, &s) < 0 ? -EINVAL : 0;
}

static void print_stats(struct vm *vm, int status)
{
	if (vm->net)
		fprintf(stderr, "keel-run: kvm: net: %llu frames sent as %llu host packets, %llu received, "
			"%llu dropped; %llu notifications, the I/O thread slept %llu times\n",
			(unsigned long long)vm->net->tx_frames, (unsigned long long)vm->net->tx_writes,
			(unsigned long long)vm->net->rx_frames, (unsigned long long)vm->net->rx_dropped,
			(unsigned long long)vm->net->kicks, (unsigned long long)vm->net->io_sleeps);
	if (vm->blk)
		fprintf(stderr, "keel-run: kvm: disk: %llu requests in %llu notifications, %llu KiB\n",
			(unsigned long long)vm->blk->requests, (unsigned long long)vm->blk->batches,
			(unsigned long long)(vm->blk->bytes >> 10));
	fprintf(stderr,
		"keel-run: kvm: monitor setup %.3f ms, guest run %.3f ms, %llu VM exits "
		"(console %llu, wait %llu, read %llu, entropy %llu, other %llu)\n",
		(vm->t_setup - vm->t0) * 1e3, (vm->t_end - vm->t_setup) * 1e3,
		(unsigned long long)vm->exits, (unsigned long long)vm->exits_by_port[0],
		(unsigned long long)vm->exits_by_port[2], (unsigned long long)vm->exits_by_port[3],
		(unsigned long long)vm->exits_by_port[5],
		(unsigned long long)(vm->exits - vm->exits_by_port[0] - vm->exits_by_port[2] -
				     vm->exits_by_port[3] - vm->exits_by_port[5]));
}

static int run_loop(struct vm *vm, const struct options *o)
{
	struct kvm_hcall *h = (struct kvm_hcall *)(vm->mem + KVM_HCALL);
	double deadline = o->timeout > 0 ? vm->t_setup + o->timeout : 0;
	struct kvm_run *run = vm->run;

	for (;;) {
		if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (timed_out)
					return -1;
				run->immediate_exit = 0;
				continue;
			}
			fail("KVM_RUN: %s", strerror(errno));
		}
		vm->exits++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			unsigned port = run->io.port;

			if (run->io.direction != KVM_EXIT_IO_OUT) {
				fprintf(stderr, "keel-run: the guest read from port %#x, which keel does not offer; stopping it\n", port);
				return 2;
			}
			if (port >= KVM_PORT_CONSOLE && port <= KVM_PORT_SIGNAL)
				vm->exits_by_port[port - KVM_PORT_CONSOLE]++;
			switch (port) {
			case KVM_PORT_CONSOLE: h->ret = hc_console(vm, h); break;
			case KVM_PORT_EXIT: return (int)(h->a[0] & 0xff);
			case KVM_PORT_WAIT:
				h->ret = hc_wait(vm, h, deadline);
				if (timed_out || (deadline > 0 && now() >= deadline))
					return -1;
				break;
			case KVM_PORT_READ: h->ret = hc_read(vm, h); break;
			case KVM_PORT_WINSIZE: h->ret = hc_winsize(vm, h); break;
			case KVM_PORT_ENTROPY: h->ret = hc_entropy(vm, h); break;
			case KVM_PORT_SETFS: h->ret = hc_setfs(vm, h); break;
			case KVM_PORT_QUEUE:
				h->ret = hc_queue(vm, h);
				break;
			case KVM_PORT_SIGNAL: h->ret = hc_signal(vm, h); break;
			case KVM_PORT_NOTIFY:
				if (vm->blk && h->a[0] == (uint64_t)vm->blk_dev && h->a[1] == 0)
					blk_notify(vm, vm->blk);
				if (vm->net && h->a[0] == (uint64_t)vm->net_dev)
					net_kick(vm->net);
				h->ret = 0;
				break;
			case KVM_PORT_FAULT:
				return guest_fault(vm, *((uint8_t *)run + run->io.data_offset));
			default:
				fprintf(stderr, "keel-run: the guest wrote to port %#x, which keel does not offer; stopping it\n", port);
				return 2;
			}
			break;
		}
		case KVM_EXIT_SHUTDOWN:
			fprintf(stderr, "keel: the guest crashed (triple fault)\n");
			return 128 + SIGSEGV;
		case KVM_EXIT_HLT:
			fprintf(stderr, "keel-run: the guest halted with nothing to wake it; stopping it\n");
			return 2;
		case KVM_EXIT_MMIO:
			fprintf(stderr, "keel: memory fault at address %#llx: outside the guest's memory\n",
				(unsigned long long)run->mmio.phys_addr);
			return 128 + SIGSEGV;
		case KVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr, "keel-run: KVM internal error (suberror %u) running the guest\n",
				run->internal.suberror);
			return 2;
		case KVM_EXIT_FAIL_ENTRY:
			fprintf(stderr, "keel-run: KVM could not enter the guest (reason %#llx)\n",
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return 2;
		default:
			fprintf(stderr, "keel-run: unexpected VM exit %u; stopping the guest\n", run->exit_reason);
			return 2;
		}
	}
}

/*
 * Tearing a VM down takes milliseconds on nested KVM, and it happens
 * when the process that created the VM exits. So the VM lives in a
 * child: the parent exits with the guest's status as soon as the child
 * reports it, and the child's teardown overlaps whatever runs next.
 */
static int report_fd = -1;

static void detach_teardown(void)
{
	int p[2], ws;
	unsigned char st;
	ssize_t r;
	pid_t pid, parent = getpid();

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		return; /* no child: run the VM here */
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		/* keel-run killed before the guest ended takes the VM with it
		 * (until the report, see kvm_run): SIGKILL, which a guest
		 * catching signals from outside cannot keep off. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		return;
	}
	close(p[1]);
	child_pass_signals(pid); /* keel-run's own process: on to the VM's */
	do
		r = read(p[0], &st, 1);
	while (r < 0 && errno == EINTR);
	if (r == 1)
		_exit(st);
	/* The monitor ended without a report: pass on how it ended. */
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(ws)) {
		/* one from outside, at the guest's default: as if keel-run
		 * itself had died of it, without a word */
		if (!signal_from_outside(WTERMSIG(ws)))
			fprintf(stderr, "keel-run: the monitor died of signal %d (%s)\n",
				WTERMSIG(ws), strsignal(WTERMSIG(ws)));
		_exit(128 + WTERMSIG(ws));
	}
	_exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 1);
}

int kvm_run(const struct options *o, const unsigned char *elf, size_t len,
	    const struct image_info *info)
{
	struct vm vm = { .kvm = -1 };
	struct kvm_userspace_memory_region region;
	struct kvm_boot_info *bi;
	struct sigaction sa;
	long tsc_khz;
	int mmap_size, fsgsbase, status;

	vm.t0 = now();
	detach_teardown();
	vm.mem_size = o->mem & ~4095ULL;
	if (vm.mem_size > KVM_MAX_MEM)
		fail("--mem is larger than the kvm target allows (64G)");
	if (info->hi > vm.mem_size ||
	    vm.mem_size - info->hi < (1 << 20) + ((o->initrd_len + 4095) & ~4095ULL))
		fail("--mem=%lluK is too small for %s on kvm: it needs at least %lluK",
		     (unsigned long long)(o->mem >> 10), o->image,
		     (unsigned long long)((info->hi + (1 << 20) + 1023) >> 10));

	vm.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm.kvm < 0)
		fail("cannot open /dev/kvm: %s (use --target=linux)", strerror(errno));
	if (ioctl(vm.kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		fail("/dev/kvm speaks an unknown API version");
	vm.vmfd = ioctl(vm.kvm, KVM_CREATE_VM, 0);
	if (vm.vmfd < 0)
		fail("KVM_CREATE_VM: %s", strerror(errno));
	vm.mem = mmap(NULL, vm.mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm.mem == MAP_FAILED)
		fail("cannot allocate %llu KiB of guest memory: %s",
		     (unsigned long long)(vm.mem_size >> 10), strerror(errno));
	if (o->initrd_fd >= 0) {
		/* The archive at the top of guest memory, mapped from the
		 * sealed memfd: no copy, pages come in as the guest reads. */
		uint64_t size = (o->initrd_len + 4095) & ~4095ULL;

		if (mmap(vm.mem + vm.mem_size - size, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED, o->initrd_fd, 0) == MAP_FAILED)
			fail("cannot map the initrd into guest memory: %s", strerror(errno));
		vm.initrd_addr = vm.mem_size - size;
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = vm.mem_size,
		.userspace_addr = (uintptr_t)vm.mem,
	};
	if (ioctl(vm.vmfd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		fail("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	vm.vcpu = ioctl(vm.vmfd, KVM_CREATE_VCPU, 0);
	if (vm.vcpu < 0)
		fail("KVM_CREATE_VCPU: %s", strerror(errno));
	mmap_size = ioctl(vm.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size <= 0)
		fail("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	vm.run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm.vcpu, 0);
	if (vm.run == MAP_FAILED)
		fail("mmap of the vCPU state: %s", strerror(errno));

	fsgsbase = cpuid_setup(&vm);
	tsc_khz = ioctl(vm.vcpu, KVM_GET_TSC_KHZ, 0);
	if (tsc_khz <= 0)
		fail("KVM cannot tell the guest's TSC frequency: %s", strerror(errno));

	build_page_tables(&vm);
	build_descriptors(&vm);
	build_syscall_stub(&vm);
	load_image(&vm, elf, len);
	bi = (struct kvm_boot_info *)(vm.mem + KVM_BOOT);
	guest_signals = &((struct kvm_hcall *)(vm.mem + KVM_HCALL))->host_signals;
	sig_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	bi->magic = KVM_BOOT_MAGIC;
	bi->mem_size = vm.mem_size;
	bi->tsc_khz = (uint64_t)tsc_khz;
	bi->stats = (uint64_t)o->stats;
	bi->ttys = (uint64_t)(isatty(0) | isatty(1) << 1 | isatty(2) << 2);
	if (o->initrd_fd >= 0) {
		bi->initrd_addr = vm.initrd_addr;
		bi->initrd_len = o->initrd_len;
		close(o->initrd_fd);
	}
	{
		int ndev = 0;

		if (o->disk) {
			static struct vm_blk blk;
			int r = blk_open(&blk, o->disk);

			if (r)
				fail("--disk=%s: %s", o->disk,
				     r == -EINVAL ? "not a regular file or block device" : strerror(-r));
			vm.blk = &blk;
			vm.blk_dev = ndev;
			bi->devs[ndev].type = KVM_DEV_BLK;
			bi->devs[ndev].flags = blk.read_only ? KVM_DEV_READ_ONLY : 0;
			bi->devs[ndev].sectors = blk.sectors;
			ndev++;
		}
		if (o->tap) {
			static struct vm_net net;
			char err[200];
			int r;

			net.fd = tap_open(o->tap, 1, err, sizeof err);
			if (net.fd < 0)
				fail("--net=tap:%s: %s", o->tap, err);
			vm.net = &net;
			if ((r = net_start(&vm, &net)))
				fail("--net=tap:%s: cannot start the network thread: %s", o->tap, strerror(-r));
			vm.net_dev = ndev;
			bi->devs[ndev].type = KVM_DEV_NET;
			bi->devs[ndev].mtu = 1500;
			memcpy(bi->devs[ndev].mac, o->mac, 6);
			snprintf(bi->net_ip, sizeof bi->net_ip, "%s", o->ip ? o->ip : "");
			snprintf(bi->net_gw, sizeof bi->net_gw, "%s", o->gw ? o->gw : "");
			snprintf(bi->net_dns, sizeof bi->net_dns, "%s", o->dns ? o->dns : "");
			ndev++;
		}
	}
	build_args(&vm, o, bi);
	bi->flags = set_cpu_state(&vm, info->kvm_entry, fsgsbase) ? KVM_BOOT_FSGSBASE : 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	run_for_signal = vm.run;
	if (o->timeout > 0) {
		struct itimerval it = { { 0, 0 }, { (time_t)o->timeout,
			(suseconds_t)((o->timeout - (double)(time_t)o->timeout) * 1e6) } };
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			it.it_value.tv_usec = 1;
		setitimer(ITIMER_REAL, &it, NULL);
	}
	if (getenv("KEEL_RUN_NO_SANDBOX") == NULL) {
		int r = sandbox_enter(vm.vcpu, report_fd, vm.blk ? vm.blk->fd : -1,
				      vm.net ? vm.net->fd : -1, vm.net ? vm.net->kick_fd : -1,
				      vm.net ? vm.net->wake_fd : -1, sig_fd);
		if (r)
			fail("cannot enter the monitor's seccomp sandbox: %s", strerror(-r));
	}
	if (getenv("KEEL_RUN_SANDBOX_SELFTEST")) {
		/* For the tests: a call outside the allow-list must be refused. */
		if (open("/etc/hostname", O_RDONLY) >= 0)
			fail("sandbox self-test: open() was allowed");
	}
	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		bi->realtime_ns = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	}
	vm.t_setup = now();
	status = run_loop(&vm, o);
	vm.t_end = now();
	if (status < 0) {
		fprintf(stderr, "keel-run: %s: timed out after %g s; stopped\n", o->image, o->timeout);
		status = 124;
	}
	if (o->stats)
		print_stats(&vm, status);
	if (report_fd >= 0) {
		unsigned char st = (unsigned char)status;
		sigset_t outside;

		/* Once reported, the parent's exit must not end our teardown:
		 * no death signal (SIGKILL cannot be blocked), and no signal
		 * from outside either. */
		prctl(PR_SET_PDEATHSIG, 0);
		signals_from_outside(&outside);
		sigprocmask(SIG_BLOCK, &outside, NULL);
		if (write(report_fd, &st, 1) != 1)
			_exit(status);
	}
	return status;
}
