/*
 * The sandbox of the Linux-process base. After start-up the image may
 * make only the host calls the base itself needs, each narrowed by its
 * arguments where it matters (the console, and the disk and tap fds
 * keel-run handed over); anything else (a raw syscall instruction
 * in the application, say) traps into faults.c, which names the call
 * and stops the image with status 159 (128 + SIGSYS).
 *
 * With --net=host (hostnet.c) a second list comes first: socket() for
 * AF_INET/AF_INET6 stream and datagram sockets only, the socket calls
 * and close on fds from 3 up, setsockopt for the options in host.h
 * only, ioctl(FIONREAD) on fds from 3 up. seccomp cannot tell a socket
 * fd from another, so the base closes every inherited fd but 0-2 and
 * the disk's before the sandbox (linux_hostnet_init): from 3 up there
 * are then only the disk (a file: socket calls fail with ENOTSOCK) and
 * the sockets socket() made. Without --net=host none of this is in.
 */
#include <netinet/in.h>
#include <signal.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "host.h"

#include <keel/seccomp.h>

/* if nr == n: allow when arg0 (64-bit) is one of up to three fds */
#define ALLOW_FD3(n, a, b, c)                                                   \
	JEQ(n, 0, 8), LOAD(ARG_HI(0)), JEQ(0, 0, 5), LOAD(ARG_LO(0)),         \
		JEQ(a, 2, 0), JEQ(b, 1, 0), JEQ(c, 0, 1), ALLOW, TRAP

/* if nr == n: allow when arg0 (64-bit) is one of four fds */
#define ALLOW_FD4(n, a, b, c, d)                                                \
	JEQ(n, 0, 9), LOAD(ARG_HI(0)), JEQ(0, 0, 6), LOAD(ARG_LO(0)),         \
		JEQ(a, 3, 0), JEQ(b, 2, 0), JEQ(c, 1, 0), JEQ(d, 0, 1), ALLOW, TRAP

#define DISK_FD 0xfffffffeU /* placeholders: no fd has these numbers */
#define NET_FD 0xfffffffdU
#define SIG_FD 0xfffffffcU

static const struct keel_sock_filter head[] = { SECCOMP_HEAD };

/*
 * Attaching a filter makes the kernel emulate it for every system call
 * number (its action cache), so what counts is how far an unlisted
 * number walks: the calls are split at SPLIT into two short chains,
 * which makes attaching about four times cheaper than one long chain
 * (~30 us instead of ~130 us here: a quarter of hello's start-up).
 */
#define SPLIT 56 /* every call below is either < SPLIT or >= SPLIT */
_Static_assert(HOST_getsockopt < SPLIT && HOST_exit >= SPLIT, "SPLIT between the chains");

/* if nr == n: allow when arg0 (64-bit) is the disk's fd (patched in) */
#define ALLOW_DISK(n) JEQ(n, 0, 6), LOAD(ARG_HI(0)), JEQ(0, 0, 3), LOAD(ARG_LO(0)), \
	JEQ(DISK_FD, 0, 1), ALLOW, TRAP

/* nr >= SPLIT, with --net=host: accept4 on fds >= 3 */
static const struct keel_sock_filter hostnet_high[] = {
	JEQ(HOST_accept4, 0, 6),
	LOAD(ARG_HI(0)),
	JEQ(0, 0, 3),
	LOAD(ARG_LO(0)),
	JGE(3, 0, 1),
	ALLOW,
	TRAP,
};

/* nr >= SPLIT: ends in TRAP */
static const struct keel_sock_filter base_high[] = {
	ALLOW_NR(HOST_exit),
	ALLOW_NR(HOST_clock_gettime),
	ALLOW_NR(HOST_exit_group),
	ALLOW_NR(HOST_ppoll),
	ALLOW_NR(HOST_getrandom),
	ALLOW_DISK(HOST_fdatasync),
	/* arch_prctl(ARCH_SET_FS, ...) only */
	JEQ(HOST_arch_prctl, 0, 3),
	LOAD(ARG_LO(0)),
	JEQ(0x1002, 0, 1),
	ALLOW,
	TRAP,
};

/* if nr is one of the socket calls: allow when arg0 (64-bit) >= 3 */
#define FD_CALLS 10
#define SOCKOPT_COUNT(l, n) +1
#define SOCKOPTS (0 LINUX_HOSTNET_SOCKOPTS(SOCKOPT_COUNT))
/* if arg1 == level and arg2 == name: allow */
#define SOCKOPT_ALLOW(l, n) LOAD(ARG_LO(1)), JEQ(l, 0, 3), LOAD(ARG_LO(2)), JEQ(n, 0, 1), ALLOW,

_Static_assert(5 + 5 * SOCKOPTS <= 255, "setsockopt list too long for one BPF jump");

/* nr < SPLIT, with --net=host: falls through with nr loaded */
static const struct keel_sock_filter hostnet_low[] = {
	/* socket(AF_INET|AF_INET6, SOCK_STREAM|SOCK_DGRAM [|flags], 0|TCP|UDP) */
	JEQ(HOST_socket, 0, 13),
	LOAD(ARG_LO(0)),
	JEQ(AF_INET, 1, 0),
	JEQ(AF_INET6, 0, 9),
	LOAD(ARG_LO(1)),
	AND(~(unsigned)(SOCK_NONBLOCK | SOCK_CLOEXEC)),
	JEQ(SOCK_STREAM, 1, 0),
	JEQ(SOCK_DGRAM, 0, 5),
	LOAD(ARG_LO(2)),
	JEQ(0, 2, 0),
	JEQ(IPPROTO_TCP, 1, 0),
	JEQ(IPPROTO_UDP, 0, 1),
	ALLOW,
	TRAP,
	/* the socket calls keel makes, and close, on fds >= 3 */
	JEQ(HOST_bind, FD_CALLS - 1, 0),
	JEQ(HOST_listen, FD_CALLS - 2, 0),
	JEQ(HOST_connect, FD_CALLS - 3, 0),
	JEQ(HOST_sendmsg, FD_CALLS - 4, 0),
	JEQ(HOST_recvmsg, FD_CALLS - 5, 0),
	JEQ(HOST_shutdown, FD_CALLS - 6, 0),
	JEQ(HOST_getsockopt, FD_CALLS - 7, 0),
	JEQ(HOST_getsockname, FD_CALLS - 8, 0),
	JEQ(HOST_getpeername, FD_CALLS - 9, 0),
	JEQ(HOST_close, 0, 6),
	LOAD(ARG_HI(0)),
	JEQ(0, 0, 3),
	LOAD(ARG_LO(0)),
	JGE(3, 0, 1),
	ALLOW,
	TRAP,
	/* setsockopt(fd >= 3, level, name) for the options in host.h */
	JEQ(HOST_setsockopt, 0, 5 + 5 * SOCKOPTS),
	LOAD(ARG_HI(0)),
	JEQ(0, 0, 2 + 5 * SOCKOPTS),
	LOAD(ARG_LO(0)),
	JGE(3, 0, 5 * SOCKOPTS),
	LINUX_HOSTNET_SOCKOPTS(SOCKOPT_ALLOW)
	TRAP,
	/* ioctl(fd >= 3, FIONREAD); other ioctls go on below */
	JEQ(HOST_ioctl, 0, 7),
	LOAD(ARG_HI(0)),
	JEQ(0, 0, 5),
	LOAD(ARG_LO(0)),
	JGE(3, 0, 3),
	LOAD(ARG_LO(1)),
	JEQ(FIONREAD, 0, 1),
	ALLOW,
	LOAD(NR),
};

/* nr < SPLIT: ends in TRAP */
static const struct keel_sock_filter base_low[] = {
	ALLOW_NR(HOST_mprotect),
	ALLOW_NR(HOST_rt_sigreturn),
	ALLOW_FD4(HOST_write, 1, 2, NET_FD, SIG_FD),
	LOAD(NR),
	ALLOW_FD3(HOST_read, 0, NET_FD, SIG_FD),
	LOAD(NR),
	/* rt_sigaction for the signals from outside (faults.c) */
	ALLOW_SIGACTION_FROM_OUTSIDE(HOST_rt_sigaction),
	/* pread64, pwrite64 on the disk's fd only (patched in) */
	ALLOW_DISK(HOST_pread64),
	ALLOW_DISK(HOST_pwrite64),
	/* ioctl(0..2, TIOCGWINSZ) only */
	JEQ(HOST_ioctl, 0, 7),
	LOAD(ARG_HI(0)),
	JEQ(0, 0, 5),
	LOAD(ARG_LO(0)),
	JGE(3, 3, 0),
	LOAD(ARG_LO(1)),
	JEQ(TIOCGWINSZ, 0, 1),
	ALLOW,
	TRAP,
};

#define LEN(a) (sizeof a / sizeof a[0])

void linux_seccomp_install(void)
{
	static struct keel_sock_filter filter[LEN(head) + 1 + LEN(hostnet_high) +
					      LEN(base_high) + LEN(hostnet_low) + LEN(base_low)];
	struct keel_sock_fprog prog = { 0, filter };
	unsigned i, high;
	long r;

	memcpy(filter, head, sizeof head);
	prog.len = LEN(head) + 1; /* the split, filled in below */
	high = prog.len;
	if (linux_net_host) {
		memcpy(filter + prog.len, hostnet_high, sizeof hostnet_high);
		prog.len += LEN(hostnet_high);
	}
	memcpy(filter + prog.len, base_high, sizeof base_high);
	prog.len += LEN(base_high);
	filter[high - 1] = (struct keel_sock_filter)JGE(SPLIT, 0, prog.len - high);
	if (linux_net_host) {
		memcpy(filter + prog.len, hostnet_low, sizeof hostnet_low);
		prog.len += LEN(hostnet_low);
	}
	memcpy(filter + prog.len, base_low, sizeof base_low);
	prog.len += LEN(base_low);
	for (i = 0; i < prog.len; i++) {
		if (filter[i].k == DISK_FD && linux_disk_fd >= 0)
			filter[i].k = (uint32_t)linux_disk_fd;
		if (filter[i].k == NET_FD && linux_net_fd >= 0)
			filter[i].k = (uint32_t)linux_net_fd;
		if (filter[i].k == SIG_FD && linux_sig_fd >= 0)
			filter[i].k = (uint32_t)linux_sig_fd;
	}

	r = host_syscall(HOST_prctl, KEEL_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (r == 0)
		r = host_syscall(HOST_seccomp, KEEL_SECCOMP_SET_MODE_FILTER, 0, &prog);
	if (r < 0) {
		static const char msg[] =
			"keel: cannot install the seccomp sandbox; refusing to run unsandboxed\n";
		linux_write_all(2, msg, sizeof msg - 1);
		host_syscall(HOST_exit_group, 2);
	}
}
