# keel: cancellable syscall entry. Checks the cancel flag, then calls
# keel_syscall with the arguments shifted down by one. The call returns
# between __cp_begin and __cp_end, so a signal handler run as the call
# returns (sys/signal.c) sees a pc in that range, as on Linux when a
# signal interrupts a blocked cancellation point: musl's cancellation
# handler then moves the pc to __cp_cancel, keel makes the interrupted
# call return -EINTR, and __syscall_cp_c cancels the thread.
# In:  rdi=&self->cancel rsi=nr rdx,rcx,r8,r9,8(rsp),16(rsp)=args
# Out: keel_syscall(nr, a, b, c, d, e, f)
	.text
	.global __cp_begin
	.hidden __cp_begin
	.global __cp_end
	.hidden __cp_end
	.global __cp_cancel
	.hidden __cp_cancel
	.hidden __cancel
	.global __syscall_cp_asm
	.hidden __syscall_cp_asm
	.type   __syscall_cp_asm,@function
__syscall_cp_asm:
__cp_begin:
	mov (%rdi),%eax
	test %eax,%eax
	jnz __cp_cancel
	mov %rsi,%rdi
	mov %rdx,%rsi
	mov %rcx,%rdx
	mov %r8,%rcx
	mov %r9,%r8
	mov 8(%rsp),%r9
	pushq 16(%rsp)		# f, keel_syscall's seventh argument (the
				# address is taken before the push moves rsp),
				# which also aligns the stack for the call
	call keel_syscall
	add $8,%rsp
__cp_end:
	ret
__cp_cancel:
	jmp __cancel
	.size __syscall_cp_asm,.-__syscall_cp_asm
