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

/* The kernel's seccomp/BPF ABI (linux/filter.h, linux/seccomp.h). */
struct sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};

struct seccomp_data {
	int nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};

#define BPF_LD 0x00
#define BPF_W 0x00
#define BPF_ABS 0x20
#define BPF_JMP 0x05
#define BPF_JEQ 0x10
#define BPF_JGE 0x30
#define BPF_K 0x00
#define BPF_RET 0x06
#define BPF_STMT(code, k) { (uint16_t)(code), 0, 0, (k) }
#define BPF_JUMP(code, k, jt, jf) { (uint16_t)(code), (jt), (jf), (k) }

#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#define SECCOMP_RET_TRAP 0x00030000U
#define SECCOMP_RET_ALLOW 0x7fff0000U
#define AUDIT_ARCH_X86_64 0xc000003eU

#define NR offsetof(struct seccomp_data, nr)
#define ARCH offsetof(struct seccomp_data, arch)
#define ARG_LO(i) offsetof(struct seccomp_data, args[i])
#define ARG_HI(i) (offsetof(struct seccomp_data, args[i]) + 4)

#define LOAD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define ALLOW RET(SECCOMP_RET_ALLOW)
#define TRAP RET(SECCOMP_RET_TRAP)

/* if nr == n: allow */
#define ALLOW_NR(n) JEQ(n, 0, 1), ALLOW

/* if nr == n: allow when arg0 (64-bit) is one of up to three fds */
#define ALLOW_FD3(n, a, b, c)                                                   \
	JEQ(n, 0, 8), LOAD(ARG_HI(0)), JEQ(0, 0, 5), LOAD(ARG_LO(0)),         \
		JEQ(a, 2, 0), JEQ(b, 1, 0), JEQ(c, 0, 1), ALLOW, TRAP

#define DISK_FD 0xfffffffeU /* placeholders: no fd has these numbers */
#define NET_FD 0xfffffffdU

static struct sock_filter filter[] = {
	LOAD(ARCH),
	JEQ(AUDIT_ARCH_X86_64, 1, 0),
	RET(SECCOMP_RET_KILL_PROCESS),
	LOAD(NR),
	/* x32 numbers have bit 30 set; never ours. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	TRAP,
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
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 3, 3, 0),
	LOAD(ARG_LO(1)),
	JEQ(TIOCGWINSZ, 0, 1),
	ALLOW,
	TRAP,
};

void linux_seccomp_install(void)
{
	struct sock_fprog prog = { sizeof filter / sizeof filter[0], filter };
	unsigned i;
	long r;

	for (i = 0; i < prog.len; i++) {
		if (filter[i].k == DISK_FD && linux_disk_fd >= 0)
			filter[i].k = (uint32_t)linux_disk_fd;
		if (filter[i].k == NET_FD && linux_net_fd >= 0)
			filter[i].k = (uint32_t)linux_net_fd;
	}

	r = host_syscall(HOST_prctl, 38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0);
	if (r == 0)
		r = host_syscall(HOST_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	if (r < 0) {
		static const char msg[] =
			"keel: cannot install the seccomp sandbox; refusing to run unsandboxed\n";
		linux_write_all(2, msg, sizeof msg - 1);
		host_syscall(HOST_exit_group, 2);
	}
}
