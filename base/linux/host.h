/*
 * Raw Linux system calls for the Linux-process base. This directory is
 * the only place in an image with a syscall instruction; after start-up
 * the seccomp filter (seccomp.c) lets through only the calls below that
 * the base still needs.
 */
#ifndef KEEL_BASE_LINUX_HOST_H
#define KEEL_BASE_LINUX_HOST_H

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
#define HOST_sigaltstack 131
#define HOST_prctl 157
#define HOST_arch_prctl 158
#define HOST_exit 60
#define HOST_clock_gettime 228
#define HOST_exit_group 231
#define HOST_ppoll 271
#define HOST_getrandom 318
#define HOST_seccomp 317

void linux_clock_init(void);
/* The disk keel-run handed over (fd, or -1), set before the sandbox. */
void linux_disk_init(int fd, int read_only);
extern int linux_disk_fd;
/* The tap keel-run handed over (fd, or -1) and the guest's MAC. */
void linux_net_init(int fd, const unsigned char mac[6]);
extern int linux_net_fd;
void linux_seccomp_install(void);
void linux_faults_install(void);
void linux_write_all(int fd, const void *buf, size_t len);

#endif
