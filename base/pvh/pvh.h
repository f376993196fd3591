/*
 * The PVH base: what entry.S (32-bit entry, long mode, drop to ring 3)
 * leaves behind for pvh.c, and the machine it assumes (QEMU microvm,
 * Firecracker, Cloud Hypervisor: a 16550 serial port at 0x3f8, an exit
 * port at 0xf4, kvmclock or a PIT to calibrate the TSC).
 */
#ifndef KEEL_BASE_PVH_H
#define KEEL_BASE_PVH_H

#define PVH_SERIAL 0x3f8
#define PVH_EXIT_PORT 0xf4 /* QEMU isa-debug-exit: status s exits QEMU with 2s+1 */
#define PVH_STATUS_SERIAL 0x2f8 /* optional: "keel-exit:N\n" for keel-run */

/* GDT selectors (the same layout as keel's KVM monitor). */
#define PVH_SEL_KCODE 0x08
#define PVH_SEL_KDATA 0x10
#define PVH_SEL_UDATA 0x1b
#define PVH_SEL_UCODE 0x23
#define PVH_SEL_TSS 0x28
#define PVH_SEL_FS 0x3b

#define PVH_VEC_TIMER 0x40

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Filled by entry.S at ring 0 (cpuid is slow at ring 3). */
extern uint32_t pvh_start_info;   /* physical address from %ebx */
extern uint32_t pvh_cpuid1_ecx;   /* leaf 1 ecx */
extern uint32_t pvh_cpuid7_ebx;   /* leaf 7 ebx */
extern uint32_t pvh_hv_max;       /* hypervisor leaf 0x40000000 eax, or 0 */
extern uint32_t pvh_hv_sig[3];    /* its signature */
extern uint32_t pvh_hv_features;  /* 0x40000001 eax (KVM features) */
extern uint32_t pvh_tsc_khz_leaf; /* 0x40000010 eax, or 0 */
extern uint32_t pvh_kvmclock;     /* 1 when kvmclock was registered */
extern uint32_t pvh_have_timer;   /* the 1 ms APIC timer runs: 1 x2APIC, 2 xAPIC */
extern uint64_t pvh_gdt[];

/* kvmclock structures registered by entry.S (pvclock ABI). */
struct pvclock_time {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};

struct pvclock_wall {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
};

extern volatile struct pvclock_time pvh_pvclock;
extern volatile struct pvclock_wall pvh_wallclock;

void pvh_main(void) __attribute__((noreturn));
void pvh_fault(uint64_t vector, uint64_t rip, uint64_t cr2) __attribute__((noreturn));
#endif

#endif
