/*
 * PVH entry: the boot ABI of QEMU (microvm, pc), Firecracker, Cloud
 * Hypervisor and Xen. We arrive in 32-bit protected mode, paging off,
 * %ebx = physical address of the hvm_start_info. Everything here runs
 * at ring 0, which nested KVM emulates instruction by instruction and
 * without SSE: so this file probes CPUID once, registers kvmclock,
 * builds the smallest page tables and descriptor tables that work, and
 * drops to ring 3 (pvh_main in pvh.c) as soon as it can. Ring 0 is
 * re-entered only through the syscall gate and exception stubs below.
 */
#include "pvh.h"

#define PTE 0x7 /* present, writable, user: ring 3 runs everything */
#define PTE_2M 0x87
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define TSS_IOMAP 104
#define TSS_LIMIT (TSS_IOMAP + 0x400 / 8) /* bitmap for ports 0-0x3ff + one 0xff */
#define R0_MAGIC 0x6b65 /* "ke": rax = R0_MAGIC << 16 | service */
#define LAPIC 0xfee00000

	.section .note.Xen, "aR", @note
	.p2align 2
	.long 4, 4, 18 /* name "Xen", 4-byte desc, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long pvh_start32

	.code32
	.section .text.pvh, "axR"
	.globl pvh_start32
	.type pvh_start32, @function
pvh_start32:
	cli
	cld
	mov %ebx, pvh_start_info
	mov $pvh_stack0_top, %esp

	/* CPUID, once: leaf 1, leaf 7, the hypervisor leaves. */
	mov $1, %eax
	cpuid
	mov %ecx, pvh_cpuid1_ecx
	mov %edx, pvh_cpuid1_edx
	xor %eax, %eax
	cpuid
	cmp $7, %eax
	jb 1f
	mov $7, %eax
	xor %ecx, %ecx
	cpuid
	mov %ebx, pvh_cpuid7_ebx
1:	testl $0x80000000, pvh_cpuid1_ecx
	jz 2f
	mov $0x40000000, %eax
	cpuid
	mov %eax, pvh_hv_max
	mov %ebx, pvh_hv_sig
	mov %ecx, pvh_hv_sig+4
	mov %edx, pvh_hv_sig+8
	cmpl $0x40000001, pvh_hv_max
	jb 2f
	cmp $0x4b4d564b, %ebx /* "KVMK" */
	jne 2f
	mov $0x40000001, %eax
	cpuid
	mov %eax, pvh_hv_features
	cmpl $0x40000010, pvh_hv_max
	jb 3f
	mov $0x40000010, %eax
	cpuid
	mov %eax, pvh_tsc_khz_leaf
3:	testl $0x8, pvh_hv_features /* KVM_FEATURE_CLOCKSOURCE2 */
	jz 2f
	mov $MSR_KVM_SYSTEM_TIME_NEW, %ecx
	mov $pvh_pvclock, %eax
	or $1, %eax
	xor %edx, %edx
	wrmsr
	mov $MSR_KVM_WALL_CLOCK_NEW, %ecx
	mov $pvh_wallclock, %eax
	xor %edx, %edx
	wrmsr
	movl $1, pvh_kvmclock
2:
	/* Page tables: the first GiB, 2 MiB pages, page 0 left unmapped so a
	 * NULL dereference faults. pvh.c maps the rest from ring 3. */
	movl $(pvh_pdpt + PTE), pvh_pml4
	movl $(pvh_pd0 + PTE), pvh_pdpt
	movl $(pvh_pt0 + PTE), pvh_pd0
	mov $1, %ecx
4:	mov %ecx, %eax
	shl $21, %eax
	or $PTE_2M, %eax
	mov %eax, pvh_pd0(,%ecx,8)
	mov %ecx, %eax
	shl $12, %eax
	or $PTE, %eax
	mov %eax, pvh_pt0(,%ecx,8)
	inc %ecx
	cmp $512, %ecx
	jb 4b

	/* Long mode. */
	mov %cr4, %eax
	or $0x620, %eax /* PAE OSFXSR OSXMMEXCPT */
	mov %eax, %cr4
	mov $pvh_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $0x101, %eax /* LME SCE */
	wrmsr
	mov %cr0, %eax
	and $~0x4, %eax /* no EM */
	or $0x80010022, %eax /* PG WP NE MP */
	mov %eax, %cr0
	lgdt pvh_gdt_desc
	ljmp $PVH_SEL_KCODE, $pvh_start64

	.code64
pvh_start64:
	mov $PVH_SEL_KDATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs

	/* TSS: ring-0 stack, and an I/O bitmap that opens to ring 3 only the
	 * ports keel uses (PIT, CMOS, the exit port, the serial ports). */
	lea pvh_tss(%rip), %rdi
	lea pvh_stack0_top(%rip), %rax
	mov %rax, 4(%rdi)
	movw $TSS_IOMAP, 102(%rdi)
	lea TSS_IOMAP(%rdi), %rdi
	mov $0xff, %al
	mov $(TSS_LIMIT - TSS_IOMAP + 1), %ecx
	rep stosb
	lea pvh_tss + TSS_IOMAP(%rip), %rdi
	movb $0xf0, 0x40 / 8(%rdi)   /* 0x40-0x43 PIT */
	movb $0xfc, 0x70 / 8(%rdi)   /* 0x70-0x71 CMOS */
	movb $0x0f, 0xf0 / 8(%rdi)   /* 0xf4-0xf7 exit */
	movb $0x00, 0x2f8 / 8(%rdi)  /* 0x2f8-0x2ff status serial */
	movb $0x00, 0x3f8 / 8(%rdi)  /* 0x3f8-0x3ff serial */
	lea pvh_tss(%rip), %rax
	mov %rax, %rdx
	shl $16, %rdx
	mov $0xffffff0000, %rcx
	and %rcx, %rdx
	mov %rax, %rcx
	shr $24, %rcx
	and $0xff, %rcx
	shl $56, %rcx
	or %rcx, %rdx
	mov $0x890000000000 + TSS_LIMIT, %rcx
	or %rcx, %rdx
	mov %rdx, pvh_gdt + PVH_SEL_TSS(%rip)
	shr $32, %rax
	mov %rax, pvh_gdt + PVH_SEL_TSS + 8(%rip)
	mov $PVH_SEL_TSS, %ax
	ltr %ax

	/* The local APIC timer, one-shot, counting nanoseconds (KVM's and
	 * QEMU's APIC timers tick at 1 GHz; divide by 1), when x2APIC
	 * exists: ring 3 then halts through the gate until the next
	 * deadline instead of spinning. (TSC-deadline writes fault on some
	 * nested hypervisors.) */
	testl $(1 << 21), pvh_cpuid1_ecx(%rip)
	jz 5f
	mov $0x1b, %ecx /* IA32_APIC_BASE: enable, x2APIC mode */
	rdmsr
	or $0xc00, %eax
	wrmsr
	mov $0x80f, %ecx /* spurious vector 0xff, APIC on */
	mov $0x1ff, %eax
	xor %edx, %edx
	wrmsr
	mov $0x83e, %ecx /* divide by 1 */
	mov $0xb, %eax
	wrmsr
	mov $0x832, %ecx /* LVT timer: periodic, vector 0x40 */
	mov $(0x20000 | PVH_VEC_TIMER), %eax
	wrmsr
	mov $0x838, %ecx /* every 1 ms */
	mov $1000000, %eax
	wrmsr
	movl $1, pvh_have_timer(%rip)
	jmp 6f
	/* No x2APIC (QEMU's software emulation): the same timer through the
	 * xAPIC's registers at 0xfee00000, mapped uncached (GiB 3's table
	 * is pvh_pds' third page). */
5:	testl $(1 << 9), pvh_cpuid1_edx(%rip)
	jz 6f
	lea pvh_pds + 2 * 4096(%rip), %rax
	or $PTE, %rax
	mov %rax, pvh_pdpt + 3 * 8(%rip)
	mov $(LAPIC | 0x9f), %eax /* 2 MiB, user, writable, PCD PWT */
	mov %rax, pvh_pds + 2 * 4096 + ((LAPIC >> 21) & 511) * 8(%rip)
	mov $0x1b, %ecx /* IA32_APIC_BASE: enable */
	rdmsr
	or $0x800, %eax
	wrmsr
	mov $LAPIC, %eax
	movl $0x1ff, 0xf0(%rax)  /* spurious vector 0xff, APIC on */
	movl $0xb, 0x3e0(%rax)   /* divide by 1 */
	movl $(0x20000 | PVH_VEC_TIMER), 0x320(%rax) /* periodic */
	movl $1000000, 0x380(%rax) /* every 1 ms */
	movl $2, pvh_have_timer(%rip)
6:
	/* IDT: the 32 exception vectors, each to its 16-byte stub. */
	lea pvh_idt(%rip), %rdi
	lea pvh_exc_stubs(%rip), %rsi
	xor %ecx, %ecx
5:	mov %rsi, %rax
	mov %ax, (%rdi)
	movw $PVH_SEL_KCODE, 2(%rdi)
	movw $0x8e00, 4(%rdi) /* present, DPL0, interrupt gate */
	shr $16, %rax
	mov %ax, 6(%rdi)
	shr $16, %rax
	mov %eax, 8(%rdi)
	movl $0, 12(%rdi)
	add $16, %rdi
	add $16, %rsi
	inc %ecx
	cmp $32, %ecx
	jb 5b
	lea pvh_idt + PVH_VEC_TIMER * 16(%rip), %rdi
	lea pvh_timer_irq(%rip), %rax
	call set_gate
	lea pvh_idt + 0xff * 16(%rip), %rdi
	lea pvh_spurious_irq(%rip), %rax
	call set_gate
	lidt pvh_idt_desc(%rip)

	/* The syscall gate: ring 3 reaches ring 0 services through it. */
	mov $MSR_STAR, %ecx
	xor %eax, %eax
	mov $((0x10 << 16) | PVH_SEL_KCODE), %edx
	wrmsr
	mov $MSR_LSTAR, %ecx
	lea pvh_ring0_entry(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
	mov $MSR_SFMASK, %ecx
	mov $0x700, %eax /* TF IF DF */
	xor %edx, %edx
	wrmsr

	/* Off to ring 3 for good. */
	push $PVH_SEL_UDATA
	lea pvh_stack3_top - 8(%rip), %rax /* as if called: rsp = 8 mod 16 */
	push %rax
	push $0x2
	push $PVH_SEL_UCODE
	lea pvh_main(%rip), %rax
	push %rax
	iretq

/* IDT gate at %rdi for handler %rax (ring 0, interrupt gate). */
set_gate:
	mov %ax, (%rdi)
	movw $PVH_SEL_KCODE, 2(%rdi)
	movw $0x8e00, 4(%rdi)
	shr $16, %rax
	mov %ax, 6(%rdi)
	shr $16, %rax
	mov %eax, 8(%rdi)
	movl $0, 12(%rdi)
	ret

/* The timer only has to end a hlt: acknowledge it and return. */
pvh_timer_irq:
	push %rax
	push %rcx
	push %rdx
	cmpl $2, pvh_have_timer(%rip)
	je 1f
	mov $0x80b, %ecx /* x2APIC EOI */
	xor %eax, %eax
	xor %edx, %edx
	wrmsr
	jmp 2f
1:	mov $LAPIC, %eax /* xAPIC EOI */
	movl $0, 0xb0(%rax)
2:	pop %rdx
	pop %rcx
	pop %rax
	iretq
pvh_spurious_irq:
	iretq

/*
 * syscall from ring 3 is never keel's: it is an application's raw
 * syscall instruction, reported like a fault (vector 0xff). (On some
 * nested hypervisors syscall does not even reach ring 0, so keel's own
 * ring-0 services use the #UD gate below instead.)
 */
	.globl pvh_ring0_entry
pvh_ring0_entry:
	mov $0xff, %edi
	lea -2(%rcx), %rsi
	xor %edx, %edx
	lea pvh_fault_stack_top - 64(%rip), %rsp
	jmp pvh_to_fault

/* Exception stubs, 16 bytes apart: [vector][error][rip][cs][rflags]... */
	.p2align 4
pvh_exc_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.p2align 4
	.if (\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	push $\v
	.else
	push $0
	push $\v
	.endif
	jmp pvh_exc_common
	.endr

/* Report from ring 3, on a clean stack: pvh_fault(vector, rip, cr2).
 * (Vector 6 reaches here only through base/x86/gate.S, for #UDs that
 * are not keel's service calls.) */
pvh_exc_common:
	mov (%rsp), %rdi
	mov 16(%rsp), %rsi
	mov %cr2, %rdx
pvh_to_fault: /* rdi, rsi, rdx: pvh_fault's arguments */
	push $PVH_SEL_UDATA
	lea pvh_fault_stack_top - 8(%rip), %rax
	push %rax
	push $0x2
	push $PVH_SEL_UCODE
	lea pvh_fault(%rip), %rax
	push %rax
	iretq

	.data
	.p2align 3
	.globl pvh_gdt
pvh_gdt:
	.quad 0
	.quad 0x00209a0000000000 /* 0x08 ring-0 code, 64-bit */
	.quad 0x0000920000000000 /* 0x10 ring-0 data */
	.quad 0x0000f20000000000 /* 0x18 ring-3 data */
	.quad 0x0020fa0000000000 /* 0x20 ring-3 code, 64-bit */
	.quad 0, 0               /* 0x28 TSS, filled at boot */
	.quad 0x00cff2000000ffff /* 0x38 fs: ring 3 writes the base */
pvh_gdt_end:
	.p2align 3
pvh_gdt_desc:
	.word pvh_gdt_end - pvh_gdt - 1
	.quad pvh_gdt
	.p2align 3
pvh_idt_desc:
	.word 256 * 16 - 1
	.quad pvh_idt

	.globl pvh_start_info, pvh_cpuid1_ecx, pvh_cpuid7_ebx, pvh_hv_max
	.globl pvh_hv_sig, pvh_hv_features, pvh_tsc_khz_leaf, pvh_kvmclock, pvh_have_timer
	.p2align 2
pvh_start_info: .long 0
pvh_cpuid1_ecx: .long 0
pvh_cpuid1_edx: .long 0
pvh_cpuid7_ebx: .long 0
pvh_hv_max: .long 0
pvh_hv_sig: .long 0, 0, 0
pvh_hv_features: .long 0
pvh_tsc_khz_leaf: .long 0
pvh_kvmclock: .long 0
pvh_have_timer: .long 0

	.globl pvh_pvclock, pvh_wallclock, pvh_pml4, pvh_pdpt, pvh_pds, pvh_idt
	.bss
	.p2align 12
pvh_pml4: .skip 4096
pvh_pdpt: .skip 4096
pvh_pd0: .skip 4096
pvh_pt0: .skip 4096
pvh_pds: .skip 3 * 4096 /* GiB 1-3, filled by pvh.c */
pvh_idt: .skip 256 * 16
	.p2align 6
pvh_tss: .skip TSS_LIMIT + 1
	.p2align 6
pvh_pvclock: .skip 32
pvh_wallclock: .skip 16
	.p2align 4
pvh_stack0: .skip 8192
pvh_stack0_top:
pvh_stack3: .skip 16384
pvh_stack3_top:
pvh_fault_stack: .skip 8192
pvh_fault_stack_top:
	.section .note.GNU-stack, "", @progbits
