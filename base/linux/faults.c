/*
 * Host signals of the Linux-process base.
 *
 * Fatal ones, turned into one clear line: a host call the sandbox
 * refused (SIGSYS from seccomp.c), a memory fault (with stack overflows
 * named as such), an illegal instruction. The image then ends with
 * 128 + the signal number, as a shell shows it.
 *
 * Signals from outside (host_signal, platform.h): for the ones the
 * application catches a handler notes the signal and writes an eventfd
 * that wait_until ppolls, so none is lost between a look and the wait;
 * keel takes them (host_signals) when it idles or a call returns.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#include "../../sys/kernel.h"
#include "host.h"

#include <keel/platform.h>

#define K_SA_SIGINFO 0x4
#define K_SA_ONSTACK 0x08000000
#define K_SA_RESTORER 0x04000000
#define K_SA_RESTART 0x10000000

struct ksigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static char altstack[16384] __attribute__((aligned(16)));

void linux_restore_rt(void);
__asm__(".text\n"
	"linux_restore_rt:\n"
	"	mov $15, %eax\n"
	"	syscall\n");

static void fatal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	unsigned long pc = (unsigned long)uc->uc_mcontext.gregs[REG_RIP];
	char line[200];
	int n;

	switch (sig) {
	case SIGSYS:
		n = ksnprintf(line, sizeof line,
			      "keel: the sandbox refused host system call %d (%s) at pc %p: "
			      "a keel image reaches the host only through keel\n",
			      si->si_syscall, syscall_name(si->si_syscall),
			      (void *)(pc - 2) /* the syscall instruction itself */);
		break;
	case SIGSEGV:
	case SIGBUS:
		n = ksnprintf(line, sizeof line,
			      "keel: memory fault at address %p (pc %p)%s\n",
			      si->si_addr, (void *)pc,
			      sig == SIGSEGV && si->si_code == SEGV_ACCERR
				      ? ": stack overflow or access to protected memory"
				      : "");
		break;
	default:
		n = ksnprintf(line, sizeof line, "keel: fatal signal %d at pc %p\n",
			      sig, (void *)pc);
	}
	if (n > (int)sizeof line - 1)
		n = sizeof line - 1;
	linux_write_all(2, line, (size_t)n);
	for (;;)
		host_syscall(HOST_exit_group, 128 + sig);
}

int linux_sig_fd = -1;
static volatile uint64_t host_pending;

static void from_outside(int sig, siginfo_t *si, void *ctx)
{
	uint64_t one = 1;

	__atomic_fetch_or(&host_pending, 1ULL << (sig - 1), __ATOMIC_SEQ_CST);
	host_syscall(HOST_write, linux_sig_fd, &one, 8);
}

int linux_host_signal(int sig, int how)
{
	struct ksigaction sa = { from_outside, K_SA_SIGINFO | K_SA_RESTART | K_SA_RESTORER,
				 linux_restore_rt, 0 };

	if (how != KEEL_HOSTSIG_CATCH)
		sa.handler = (void (*)(int, siginfo_t *, void *))(uintptr_t)
			(how == KEEL_HOSTSIG_IGNORE ? 1 : 0); /* SIG_IGN, SIG_DFL */
	else if (linux_sig_fd < 0)
		return -ENOSYS;
	return (int)host_syscall(HOST_rt_sigaction, sig, &sa, 0, 8);
}

uint64_t linux_host_signals(void)
{
	uint64_t v;

	if (!host_pending)
		return 0;
	host_syscall(HOST_read, linux_sig_fd, &v, 8); /* the wake-up, taken */
	return __atomic_exchange_n(&host_pending, 0, __ATOMIC_SEQ_CST);
}

int linux_host_signal_came(void)
{
	return host_pending != 0;
}

void linux_faults_install(void)
{
	static const int sigs[] = { SIGSYS, SIGSEGV, SIGBUS, SIGILL, SIGFPE };
	struct ksigaction sa = { fatal, K_SA_SIGINFO | K_SA_ONSTACK | K_SA_RESTORER,
				 linux_restore_rt, ~0ULL };
	stack_t ss = { altstack, 0, sizeof altstack };
	unsigned i;
	long r;

	host_syscall(HOST_sigaltstack, &ss, 0);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		host_syscall(HOST_rt_sigaction, sigs[i], &sa, 0, 8);
	r = host_syscall(HOST_eventfd2, 0, 04000 | 02000000); /* EFD_NONBLOCK | EFD_CLOEXEC */
	linux_sig_fd = r >= 0 ? (int)r : -1;
}
