/*
 * The sandbox of the Linux-process base. After start-up the image may
 * make only the host calls the base itself needs, each narrowed by its
 * arguments where it matters (the console, and the disk and tap fds
 * keel-run handed over); anything else (a raw syscall instruction
 * in the application, say) traps into faults.c, which names the call
 * and stops the image with status 159 (128 + SIGSYS).
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "host.h"

#include <keel/seccomp.h>

/* if nr == n: allow when arg0 (64-bit) is one of up to three fds */
#define ALLOW_FD3(n, a, b, c)                                                   \
	JEQ(n, 0, 8), LOAD(ARG_HI(0)), JEQ(0, 0, 5), LOAD(ARG_LO(0)),         \
		JEQ(a, 2, 0), JEQ(b, 1, 0), JEQ(c, 0, 1), ALLOW, TRAP

#define DISK_FD 0xfffffffeU /* placeholders: no fd has these numbers */
#define NET_FD 0xfffffffdU

static struct keel_sock_filter filter[] = {
	SECCOMP_HEAD,
	ALLOW_NR(HOST_clock_gettime),
	ALLOW_NR(HOST_ppoll),
	ALLOW_NR(HOST_exit_group),
	ALLOW_NR(HOST_exit),
	ALLOW_NR(HOST_getrandom),
	ALLOW_NR(HOST_mprotect),
	ALLOW_NR(HOST_rt_sigreturn),
	ALLOW_FD3(HOST_write, 1, 2, NET_FD),
	LOAD(NR),
	ALLOW_FD3(HOST_read, 0, NET_FD, NET_FD),
	LOAD(NR),
	/* pread64, pwrite64, fdatasync on the disk's fd only (patched in) */
	JEQ(HOST_pread64, 2, 0),
	JEQ(HOST_pwrite64, 1, 0),
	JEQ(HOST_fdatasync, 0, 6),
	LOAD(ARG_HI(0)),
	JEQ(0, 0, 2),
	LOAD(ARG_LO(0)),
	JEQ(DISK_FD, 1, 0),
	TRAP,
	ALLOW,
	/* arch_prctl(ARCH_SET_FS, ...) only */
	JEQ(HOST_arch_prctl, 0, 3),
	LOAD(ARG_LO(0)),
	JEQ(0x1002, 0, 1),
	ALLOW,
	LOAD(NR),
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

void linux_seccomp_install(void)
{
	struct keel_sock_fprog prog = { sizeof filter / sizeof filter[0], filter };
	unsigned i;
	long r;

	for (i = 0; i < prog.len; i++) {
		if (filter[i].k == DISK_FD && linux_disk_fd >= 0)
			filter[i].k = (uint32_t)linux_disk_fd;
		if (filter[i].k == NET_FD && linux_net_fd >= 0)
			filter[i].k = (uint32_t)linux_net_fd;
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
