/*
 * seccomp allow-list for keel-run's KVM monitor, entered once the VM
 * is built: a monitor compromised by a hostile guest can run the vCPU,
 * write the console and wait, move frames between the tap and the
 * rings (its network thread), and nothing else.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <keel/seccomp.h>

#include "sandbox.h"

static void refused(int sig, siginfo_t *si, void *ctx)
{
	char line[160];
	int n = snprintf(line, sizeof line,
			 "keel-run: the monitor's sandbox refused host system call %d; stopping\n",
			 si->si_syscall);

	if (write(2, line, (size_t)n) < 0)
		_exit(159);
	_exit(159);
}

int sandbox_enter(int vcpu_fd, int report_fd, int disk_fd, int tap_fd, int kick_fd, int wake_fd,
		  int sig_fd)
{
	struct keel_sock_filter f[] = {
		SECCOMP_HEAD,
		ALLOW_NR(__NR_ppoll),
		ALLOW_NR(__NR_clock_gettime),
		ALLOW_NR(__NR_getrandom),
		ALLOW_NR(__NR_exit_group),
		ALLOW_NR(__NR_exit),
		ALLOW_NR(__NR_rt_sigreturn),
		ALLOW_NR(__NR_getpid), /* glibc's raise() on abort */
		ALLOW_NR(__NR_gettid),
		ALLOW_NR(__NR_tgkill),
		ALLOW_NR(__NR_rt_sigprocmask),
		/* write or writev (musl's stdio) to 1, 2, the status pipe to
		 * the parent, the tap, the eventfds (network thread, signals) */
		JEQ(__NR_write, 1, 0),
		JEQ(__NR_writev, 0, 10),
		LOAD(ARG_LO(0)),
		JEQ(1, 6, 0),
		JEQ(2, 5, 0),
		JEQ((unsigned)report_fd, 4, 0),
		JEQ((unsigned)tap_fd, 3, 0),
		JEQ((unsigned)kick_fd, 2, 0),
		JEQ((unsigned)wake_fd, 1, 0),
		JEQ((unsigned)sig_fd, 0, 1),
		ALLOW,
		TRAP,
		/* the disk: reads, writes and flushes of its fd only */
		JEQ(__NR_pread64, 4, 0),
		JEQ(__NR_pwrite64, 3, 0),
		JEQ(__NR_preadv, 2, 0),
		JEQ(__NR_pwritev, 1, 0),
		JEQ(__NR_fdatasync, 0, 4),
		LOAD(ARG_LO(0)),
		JEQ((unsigned)disk_fd, 0, 1),
		ALLOW,
		TRAP,
		/* read(0, the tap or the eventfds), readv(the tap) */
		JEQ(__NR_readv, 1, 0),
		JEQ(__NR_read, 0, 8),
		LOAD(ARG_LO(0)),
		JEQ(0, 5, 0),
		JEQ((unsigned)tap_fd, 4, 0),
		JEQ((unsigned)kick_fd, 3, 0),
		JEQ((unsigned)wake_fd, 2, 0),
		JEQ((unsigned)sig_fd, 1, 0),
		TRAP,
		ALLOW,
		/* rt_sigaction for the signals from outside (KVM_PORT_SIGNAL) */
		ALLOW_SIGACTION_FROM_OUTSIDE(__NR_rt_sigaction),
		/* prctl(PR_SET_PDEATHSIG, 0) once the guest ended (kvm_run) */
		JEQ(__NR_prctl, 0, 6),
		LOAD(ARG_LO(0)),
		JEQ(PR_SET_PDEATHSIG, 0, 2),
		LOAD(ARG_LO(1)),
		JEQ(0, 1, 0),
		TRAP,
		ALLOW,
		/* ioctl: KVM_RUN and register access on the vCPU; TIOCGWINSZ on 0-2 */
		JEQ(__NR_ioctl, 0, 13),
		LOAD(ARG_LO(0)),
		JEQ((unsigned)vcpu_fd, 0, 6),
		LOAD(ARG_LO(1)),
		JEQ(KVM_RUN, 3, 0),
		JEQ(KVM_GET_REGS, 2, 0),
		JEQ(KVM_GET_SREGS, 1, 0),
		JEQ(KVM_SET_SREGS, 0, 6),
		ALLOW,
		JGE(3, 3, 0),
		LOAD(ARG_LO(1)),
		JEQ(TIOCGWINSZ, 0, 1),
		ALLOW,
		TRAP,
		TRAP,
	};
	struct keel_sock_fprog prog = { sizeof f / sizeof f[0], f };
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = refused;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* TSYNC: the network thread, started before, is held to it too. */
	if (syscall(__NR_seccomp, KEEL_SECCOMP_SET_MODE_FILTER, 1, &prog))
		return -errno;
	return 0;
}
