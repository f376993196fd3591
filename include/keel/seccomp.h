/*
 * The kernel's seccomp/BPF ABI (linux/filter.h, linux/seccomp.h), spelled
 * out so that image code (no kernel headers) and keel-run share it, and
 * the few macros both allow-lists are written with: base/linux/seccomp.c
 * (the image's sandbox) and monitor/sandbox.c (the KVM monitor's).
 */
#ifndef KEEL_SECCOMP_H
#define KEEL_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

struct keel_sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct keel_sock_fprog {
	unsigned short len;
	struct keel_sock_filter *filter;
};

struct keel_seccomp_data {
	int nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};

#define KEEL_SECCOMP_SET_MODE_FILTER 1
#define KEEL_SECCOMP_RET_KILL_PROCESS 0x80000000U
#define KEEL_SECCOMP_RET_TRAP 0x00030000U
#define KEEL_SECCOMP_RET_ALLOW 0x7fff0000U
#define KEEL_AUDIT_ARCH_X86_64 0xc000003eU
#define KEEL_PR_SET_NO_NEW_PRIVS 38

#define BPF_STMT_(code, k) { (uint16_t)(code), 0, 0, (k) }
#define BPF_JUMP_(code, k, jt, jf) { (uint16_t)(code), (jt), (jf), (k) }
#define BPF_LD_W_ABS 0x20 /* BPF_LD | BPF_W | BPF_ABS */
#define BPF_JEQ_K 0x15    /* BPF_JMP | BPF_JEQ | BPF_K */
#define BPF_JGE_K 0x35    /* BPF_JMP | BPF_JGE | BPF_K */
#define BPF_RET_K 0x06    /* BPF_RET | BPF_K */
#define BPF_AND_K 0x54    /* BPF_ALU | BPF_AND | BPF_K */

#define NR offsetof(struct keel_seccomp_data, nr)
#define ARCH offsetof(struct keel_seccomp_data, arch)
#define ARG_LO(i) offsetof(struct keel_seccomp_data, args[i])
#define ARG_HI(i) (offsetof(struct keel_seccomp_data, args[i]) + 4)

#define LOAD(off) BPF_STMT_(BPF_LD_W_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP_(BPF_JEQ_K, (k), (t), (f))
#define JGE(k, t, f) BPF_JUMP_(BPF_JGE_K, (k), (t), (f))
#define RET(v) BPF_STMT_(BPF_RET_K, (v))
#define AND(k) BPF_STMT_(BPF_AND_K, (k))
#define ALLOW RET(KEEL_SECCOMP_RET_ALLOW)
#define TRAP RET(KEEL_SECCOMP_RET_TRAP)
#define KILL RET(KEEL_SECCOMP_RET_KILL_PROCESS)

/* if nr == n: allow */
#define ALLOW_NR(n) JEQ(n, 0, 1), ALLOW

/* if nr is rt_sigaction's (n): allow for the signals from outside the
 * machine only (SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2;
 * sys/signal.c), trap for any other. Needs <signal.h>. */
#define ALLOW_SIGACTION_FROM_OUTSIDE(n)                                        \
	JEQ(n, 0, 9), LOAD(ARG_LO(0)), JEQ(SIGHUP, 6, 0), JEQ(SIGINT, 5, 0),  \
		JEQ(SIGQUIT, 4, 0), JEQ(SIGTERM, 3, 0), JEQ(SIGUSR1, 2, 0),    \
		JEQ(SIGUSR2, 1, 0), TRAP, ALLOW

/* The common head: x86-64 only (else kill), never an x32 number. */
#define SECCOMP_HEAD                                                           \
	LOAD(ARCH), JEQ(KEEL_AUDIT_ARCH_X86_64, 1, 0), KILL, LOAD(NR),           \
		JGE(0x40000000, 0, 1), TRAP

#endif
