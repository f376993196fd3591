/*
 * The ABI between keel-run's KVM monitor (monitor/kvm.c) and the guest
 * side (base/kvm/). Versioned by KEEL_ABI_VERSION (abi.h).
 *
 * The monitor starts the image directly in 64-bit mode at CPL3,
 * guest physical == guest virtual, at the entry named in the
 * keel ABI note. The guest calls the monitor with an `out` to one of
 * the ports below after filling the hypercall block at KVM_HCALL; every
 * address and length in it is checked by the monitor before use.
 */
#ifndef KEEL_KVM_H
#define KEEL_KVM_H

#include <stdint.h>

/* Guest physical memory layout below the image (linked at 1 MiB). */
#define KVM_GDT 0x1000UL      /* GDT */
#define KVM_TSS 0x1080UL      /* TSS and its I/O bitmap (ports 0-0x5ff) */
#define KVM_TSS_LIMIT (104 + 0x600 / 8)
#define KVM_IDT 0x1200UL      /* 32 gates */
#define KVM_STUBS 0x1400UL    /* 32 exception stubs of 16 bytes */
#define KVM_SYSCALL_STUB 0x1600UL /* LSTAR: reports a raw syscall instruction */
#define KVM_VEC_SYSCALL 0xff  /* "vector" the syscall stub reports */
#define KVM_PML4 0x2000UL
#define KVM_PDPT 0x3000UL
#define KVM_PT0 0x4000UL      /* 4 KiB pages of the first 2 MiB */
#define KVM_PTTAIL 0x5000UL   /* 4 KiB pages of a last partial 2 MiB */
#define KVM_HCALL 0x6000UL    /* struct kvm_hcall */
#define KVM_BOOT 0x7000UL     /* struct kvm_boot_info */
#define KVM_PD 0x10000UL      /* one page directory per GiB, up to 64 */
#define KVM_ARGS 0x50000UL    /* argv/envp pointers and strings */
#define KVM_ARGS_END 0x90000UL
#define KVM_STACK0 0xa0000UL  /* top of the CPL0 exception stack */
#define KVM_STACK3 0x100000UL /* top of the CPL3 boot stack */
#define KVM_IMAGE 0x100000UL
#define KVM_LOW_BYTES 0x100000UL /* all of the above: counted as kernel */
#define KVM_MAX_MEM (64ULL << 30)

/* Selectors of the GDT the monitor builds. */
#define KVM_SEL_KCODE 0x08
#define KVM_SEL_KDATA 0x10
#define KVM_SEL_UDATA 0x1b
#define KVM_SEL_UCODE 0x23
#define KVM_SEL_TSS 0x28
#define KVM_SEL_FS 0x3b /* a data segment ring 3 rewrites to set the fs base */

/* Hypercall ports: `out %eax, $port` after filling struct kvm_hcall.
 * The TSS I/O bitmap opens exactly 0x500-0x5ff to CPL3 (IOPL stays 0:
 * some nested hypervisors clear it on entry). */
enum kvm_port {
	KVM_PORT_CONSOLE = 0x500, /* a0 stream, a1 buf, a2 len -> ret len */
	KVM_PORT_EXIT = 0x501,    /* a0 status; never returns */
	KVM_PORT_WAIT = 0x502,    /* a0 now, a1 deadline, a2 mask -> ret events */
	KVM_PORT_READ = 0x503,    /* a0 buf, a1 len -> ret n, 0, -EAGAIN */
	KVM_PORT_WINSIZE = 0x504, /* a0 stream -> ret rows<<16|cols, -ENOTTY */
	KVM_PORT_ENTROPY = 0x505, /* a0 buf, a1 len -> ret len */
	KVM_PORT_SETFS = 0x506,   /* a0 fs base (when wrfsbase is unusable) */
	KVM_PORT_QUEUE = 0x507,   /* a0 dev, a1 queue, a2 num, a3 desc, a4 avail, a5 used */
	KVM_PORT_NOTIFY = 0x508,  /* a0 dev, a1 queue: process what is available */
	KVM_PORT_SIGNAL = 0x509,  /* a0 sig, a1 how (KEEL_HOSTSIG_*) -> ret 0, -EINVAL */
	KVM_PORT_FAULT = 0x5fe,   /* from the CPL0 exception stubs: al = vector */
};

struct kvm_hcall {
	uint64_t a[6];
	int64_t ret;
	/* Bit sig-1: a signal the guest catches (KVM_PORT_SIGNAL) came
	 * from outside; the monitor sets it, the guest takes it. */
	uint64_t host_signals;
};

#define KVM_BOOT_MAGIC 0x6b65656c6b766d31ULL /* "keelkvm1" */
#define KVM_BOOT_FSGSBASE 0x1 /* CR4.FSGSBASE is on: wrfsbase works */

/* Devices the monitor offers, by virtio device id. Their queues are
 * virtio split rings; KVM_PORT_QUEUE replaces virtio-mmio's register
 * handshake and KVM_PORT_NOTIFY its queue-notify register. A notified
 * block queue is processed completely before the `out` returns. */
#define KVM_DEV_NET 1
#define KVM_DEV_BLK 2
#define KVM_MAX_DEVS 4
#define KVM_DEV_READ_ONLY 0x1

struct kvm_dev {
	uint32_t type;
	uint32_t flags;
	uint64_t sectors; /* block: capacity in 512-byte sectors */
	uint8_t mac[6];   /* net */
	uint16_t mtu;
	uint32_t pad;
};

struct kvm_boot_info {
	uint64_t magic;
	uint64_t flags;
	uint64_t mem_size;    /* guest memory: [0, mem_size) */
	uint64_t tsc_khz;     /* TSC frequency of the vCPU */
	uint64_t realtime_ns; /* host realtime just before the first entry */
	uint64_t argc;
	uint64_t argv;  /* guest address of argv[] (NULL-terminated) */
	uint64_t envp;  /* guest address of envp[] (NULL-terminated) */
	uint64_t stats; /* --stats */
	uint64_t ttys;  /* bit n: the monitor's fd n (0-2) is a terminal */
	struct kvm_dev devs[KVM_MAX_DEVS];
	/* --initrd: a cpio newc archive at the top of guest memory, page
	 * aligned; 0, 0 when there is none. The guest checks both. */
	uint64_t initrd_addr;
	uint64_t initrd_len;
	/* keel-run's --ip, --gw, --dns for the net device ("" when not
	 * given: DHCP, no gateway, no DNS server); NUL-terminated. */
	char net_ip[20], net_gw[16], net_dns[16];
};

#endif
