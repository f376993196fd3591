/*
 * keel's syscall seam for musl (arch keel, x86_64 ABI).
 *
 * There is no syscall instruction in a keel libc: every __syscallN()
 * becomes a plain call into keel's dispatch table (sys/dispatch.c).
 * The other files of arch/keel are x86_64's, copied at build time.
 */
#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

long keel_syscall(long, long, long, long, long, long, long);

static __inline long __syscall0(long n)
{
	return keel_syscall(n, 0, 0, 0, 0, 0, 0);
}

static __inline long __syscall1(long n, long a1)
{
	return keel_syscall(n, a1, 0, 0, 0, 0, 0);
}

static __inline long __syscall2(long n, long a1, long a2)
{
	return keel_syscall(n, a1, a2, 0, 0, 0, 0);
}

static __inline long __syscall3(long n, long a1, long a2, long a3)
{
	return keel_syscall(n, a1, a2, a3, 0, 0, 0);
}

static __inline long __syscall4(long n, long a1, long a2, long a3, long a4)
{
	return keel_syscall(n, a1, a2, a3, a4, 0, 0);
}

static __inline long __syscall5(long n, long a1, long a2, long a3, long a4,
				long a5)
{
	return keel_syscall(n, a1, a2, a3, a4, a5, 0);
}

static __inline long __syscall6(long n, long a1, long a2, long a3, long a4,
				long a5, long a6)
{
	return keel_syscall(n, a1, a2, a3, a4, a5, a6);
}

/* No vDSO: clocks are keel's own calls. */

#define IPC_64 0
