/*
 * keel's gate into ring 0 on x86 virtual machines, shared by the KVM
 * and PVH bases. On the nested hypervisors we run on, neither `int n`
 * nor `syscall` reaches ring 0 from ring 3, but exceptions do; so a
 * service call is `ud2; .byte 0x6b, SVC`, and this #UD handler (IDT
 * vector 6) serves it and returns past the four bytes:
 *   svc 0  fs base = rdi (wrmsr; for thread pointers above 4 GiB)
 *   svc 1  halt until the next interrupt
 *   svc 2  flush the TLB (reload cr3) after ring 3 edited page tables
 * Any other #UD goes on to the base's own handler, x86_ud_fallback.
 * Integer-only: ring 0 is emulated without SSE on nested KVM.
 */
	.text
	.globl x86_ud_gate
	.type x86_ud_gate, @function
x86_ud_gate:
	push %rax
	mov 8(%rsp), %rax /* rip of the #UD */
	cmpw $0x0b0f, (%rax)
	jne 9f
	cmpb $0x6b, 2(%rax)
	jne 9f
	cmpb $2, 3(%rax)
	ja 9f
	addq $4, 8(%rsp)
	cmpb $1, 3(%rax)
	je 1f
	cmpb $2, 3(%rax)
	je 2f
	push %rcx
	push %rdx
	mov $0xc0000100, %ecx /* MSR_FS_BASE */
	mov %rdi, %rax
	mov %rdi, %rdx
	shr $32, %rdx
	wrmsr
	pop %rdx
	pop %rcx
	pop %rax
	iretq
1:	sti
	hlt
	cli
	pop %rax
	iretq
2:	mov %cr3, %rax
	mov %rax, %cr3
	pop %rax
	iretq
9:	pop %rax
	jmp *x86_ud_fallback(%rip)

	.data
	.globl x86_ud_fallback
	.p2align 3
x86_ud_fallback:
	.quad 0

	.section .note.GNU-stack, "", @progbits
