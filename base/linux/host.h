/*
 * Raw Linux system calls for the Linux-process base. This directory is
 * the only place in an image with a syscall instruction; after start-up
 * the seccomp filter (seccomp.c) lets through only the calls below that
 * the base still needs.
 */
#ifndef KEEL_BASE_LINUX_HOST_H
#define KEEL_BASE_LINUX_HOST_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

static inline long host_syscall6(long n, long a1, long a2, long a3, long a4,
				 long a5, long a6)
{
	unsigned long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10),
			       "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return (long)ret;
}

#define host_syscall(n, ...) host_syscall_(n, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define host_syscall_(n, a, b, c, d, e, f, ...)                                \
	host_syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e),  \
		      (long)(f))

/* Host numbers, so this file needs no host headers. */
#define HOST_read 0
#define HOST_write 1
#define HOST_open 2
#define HOST_close 3
#define HOST_fstat 5
#define HOST_mmap 9
#define HOST_mprotect 10
#define HOST_rt_sigaction 13
#define HOST_rt_sigreturn 15
#define HOST_ioctl 16
#define HOST_pread64 17
#define HOST_pwrite64 18
#define HOST_fdatasync 75
#define HOST_socket 41
#define HOST_connect 42
#define HOST_sendmsg 46
#define HOST_recvmsg 47
#define HOST_shutdown 48
#define HOST_bind 49
#define HOST_listen 50
#define HOST_getsockname 51
#define HOST_getpeername 52
#define HOST_setsockopt 54
#define HOST_getsockopt 55
#define HOST_accept4 288
#define HOST_close_range 436
#define HOST_sigaltstack 131
#define HOST_prctl 157
#define HOST_arch_prctl 158
#define HOST_exit 60
#define HOST_clock_gettime 228
#define HOST_exit_group 231
#define HOST_ppoll 271
#define HOST_getrandom 318
#define HOST_seccomp 317
#define HOST_eventfd2 290

void linux_clock_init(void);
/* vdso.c: the host's user-space clock_gettime, when the auxiliary
 * vector offers one (AT_SYSINFO_EHDR); -1 from linux_vdso_clock without. */
struct timespec;
void linux_vdso_init(const void *ehdr);
int linux_vdso_clock(int id, struct timespec *ts);
/* The disk keel-run handed over (fd, or -1), set before the sandbox. */
void linux_disk_init(int fd, int read_only);
extern int linux_disk_fd;
/* The tap keel-run handed over (fd, or -1) and the guest's MAC. */
void linux_net_init(int fd, const unsigned char mac[6]);
extern int linux_net_fd;
/* Signals from outside (faults.c): the eventfd their handler writes
 * (wait_until ppolls it; -1 if the host gave none), the platform's
 * host_signal/host_signals, and whether one came and waits. */
extern int linux_sig_fd;
int linux_host_signal(int sig, int how);
uint64_t linux_host_signals(void);
int linux_host_signal_came(void);
/* --net=host (hostnet.c): the host's sockets as keel's. init closes
 * every inherited fd but 0-2 and the disk's (the sandbox then lets the
 * socket calls through on fds from 3 up) and installs the stack. */
extern int linux_net_host;
void linux_hostnet_init(void);
/* wait_until's part: fills pfd with the host sockets some thread waits
 * on (at most max) and returns how many; then, after the ppoll, notes
 * which fired and returns whether any did. */
int linux_hostnet_watch(struct pollfd *pfd, int max);
int linux_hostnet_fired(const struct pollfd *pfd, int n);
#define LINUX_HOSTNET_MAX 1024 /* host sockets at once */

/* The socket options --net=host passes to the host (level, name): the
 * stack refuses the others with ENOPROTOOPT, and the sandbox lets no
 * other setsockopt through. */
#define LINUX_HOSTNET_SOCKOPTS(X)                                              \
	X(SOL_SOCKET, SO_REUSEADDR) X(SOL_SOCKET, SO_REUSEPORT)                 \
	X(SOL_SOCKET, SO_KEEPALIVE) X(SOL_SOCKET, SO_LINGER)                    \
	X(SOL_SOCKET, SO_SNDBUF) X(SOL_SOCKET, SO_RCVBUF)                       \
	X(SOL_SOCKET, SO_BROADCAST) X(SOL_SOCKET, SO_OOBINLINE)                 \
	X(SOL_SOCKET, SO_RCVLOWAT) X(SOL_SOCKET, SO_DONTROUTE)                  \
	X(SOL_SOCKET, SO_TIMESTAMP) X(SOL_SOCKET, SO_TIMESTAMPNS)               \
	X(IPPROTO_IP, IP_TOS) X(IPPROTO_IP, IP_TTL) X(IPPROTO_IP, IP_PKTINFO)   \
	X(IPPROTO_IP, IP_RECVTOS) X(IPPROTO_IP, IP_RECVTTL)                     \
	X(IPPROTO_IP, IP_MTU_DISCOVER) X(IPPROTO_IP, IP_RECVERR)                \
	X(IPPROTO_IPV6, IPV6_V6ONLY) X(IPPROTO_IPV6, IPV6_UNICAST_HOPS)         \
	X(IPPROTO_IPV6, IPV6_TCLASS) X(IPPROTO_IPV6, IPV6_RECVPKTINFO)          \
	X(IPPROTO_IPV6, IPV6_MTU_DISCOVER) X(IPPROTO_IPV6, IPV6_RECVERR)        \
	X(IPPROTO_TCP, TCP_NODELAY) X(IPPROTO_TCP, TCP_MAXSEG)                  \
	X(IPPROTO_TCP, TCP_CORK) X(IPPROTO_TCP, TCP_KEEPIDLE)                   \
	X(IPPROTO_TCP, TCP_KEEPINTVL) X(IPPROTO_TCP, TCP_KEEPCNT)               \
	X(IPPROTO_TCP, TCP_SYNCNT) X(IPPROTO_TCP, TCP_LINGER2)                  \
	X(IPPROTO_TCP, TCP_DEFER_ACCEPT) X(IPPROTO_TCP, TCP_WINDOW_CLAMP)       \
	X(IPPROTO_TCP, TCP_QUICKACK) X(IPPROTO_TCP, TCP_USER_TIMEOUT)           \
	X(IPPROTO_TCP, TCP_FASTOPEN) X(IPPROTO_TCP, TCP_NOTSENT_LOWAT)          \
	X(IPPROTO_UDP, UDP_CORK)

void linux_seccomp_install(void);
void linux_faults_install(void);
void linux_write_all(int fd, const void *buf, size_t len);

#endif
