/*
 * Threads for musl's pthreads: clone (threads only; fork is not a
 * thing a unikernel does), exit of one thread, futexes, thread ids.
 * Above: musl's __clone (libc/src/thread/keel/clone.c) and its futex
 * calls. Below: the scheduler (sched.c).
 */
#include <sched.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>

#include "kernel.h"
#include "sched.h"

/* The kernel's futex ABI (linux/futex.h). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

long keel_clone(int (*fn)(void *), void *stack, int flags, void *arg,
		pid_t *ptid, void *tls, pid_t *ctid)
{
	struct thread *t;
	int tid;

	if ((flags & (CLONE_VM | CLONE_THREAD)) != (CLONE_VM | CLONE_THREAD)) {
		static int said;
		if (!said++)
			keel_log("clone without CLONE_VM|CLONE_THREAD (a new process) is not supported");
		return -ENOSYS;
	}
	tid = sched_spawn(fn, arg, stack, (flags & CLONE_SETTLS) ? tls : sched_current->tls, &t);
	if (tid < 0)
		return tid;
	signal_thread_init(t, sched_current);
	if (flags & CLONE_PARENT_SETTID)
		*ptid = tid;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_tid = (int *)ctid;
	if (flags & CLONE_CHILD_SETTID)
		*ctid = tid;
	return tid;
}

SYSCALL_DEFINE6(clone, unsigned long, flags, void *, stack, int *, ptid, int *, ctid,
		unsigned long, tls, long, unused)
{
	/* Reached only by a direct syscall(SYS_clone): the child would
	 * return into the caller's frame on a new stack, which keel's
	 * threads do not do; musl's pthread_create uses keel_clone. */
	return keel_enosys(SYS_clone);
}

static int futex_wake(const int *uaddr, int n, uint32_t bitset)
{
	struct thread *t;
	int woken = 0;

	for (t = sched_first(); t && woken < n; t = t->next) {
		if (t->state == T_BLOCKED && t->futex == uaddr && (t->bitset & bitset)) {
			t->futex = NULL;
			sched_wake(t);
			woken++;
		}
	}
	return woken;
}

/* A signal ends the wait: an untimed one is restarted after a handler
 * with SA_RESTART, a timed one returns -EINTR (as on Linux). */
static long futex_wait(const int *uaddr, int val, uint64_t deadline, uint32_t bitset)
{
	struct thread *self = sched_current;
	long intr = deadline == UINT64_MAX ? -ERESTARTSYS : -EINTR;

	if (__atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val)
		return -EAGAIN;
	if (signal_pending())
		return intr;
	self->futex = uaddr;
	self->bitset = bitset;
	sched_block(deadline, 0);
	if (!self->futex)
		return 0; /* futex_wake took it off */
	self->futex = NULL;
	return signal_pending() ? intr : -ETIMEDOUT;
}

static int requeue(const int *from, const int *to, int wake, int move)
{
	struct thread *t;
	int n = futex_wake(from, wake, ~0u);

	for (t = sched_first(); t && move > 0; t = t->next) {
		if (t->state == T_BLOCKED && t->futex == from) {
			t->futex = to;
			move--;
			n++;
		}
	}
	return n;
}

static int deadline_of(const struct timespec *ts, int absolute, int realtime, uint64_t *out)
{
	uint64_t ns, now;

	if (!ts) {
		*out = UINT64_MAX;
		return 0;
	}
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return -EINVAL;
	ns = (uint64_t)ts->tv_sec * 1000000000 + (uint64_t)ts->tv_nsec;
	now = time_now();
	if (!absolute) {
		*out = now + ns;
		return 0;
	}
	if (realtime) { /* an absolute realtime as a monotonic deadline */
		uint64_t rt = keel_platform->clock_realtime();
		*out = ns > rt ? now + (ns - rt) : now;
		return 0;
	}
	*out = ns;
	return 0;
}

SYSCALL_DEFINE6(futex, int *, uaddr, int, op, int, val, const struct timespec *, ts,
		int *, uaddr2, int, val3)
{
	int cmd = op & FUTEX_CMD_MASK, realtime = !!(op & FUTEX_CLOCK_REALTIME);
	uint64_t deadline;
	int r;

	switch (cmd) {
	case FUTEX_WAIT:
		if ((r = deadline_of(ts, 0, 0, &deadline)))
			return r;
		return futex_wait(uaddr, val, deadline, ~0u);
	case FUTEX_WAIT_BITSET:
		if (!val3)
			return -EINVAL;
		if ((r = deadline_of(ts, 1, realtime, &deadline)))
			return r;
		return futex_wait(uaddr, val, deadline, (uint32_t)val3);
	case FUTEX_WAKE:
		return futex_wake(uaddr, val, ~0u);
	case FUTEX_WAKE_BITSET:
		return val3 ? futex_wake(uaddr, val, (uint32_t)val3) : -EINVAL;
	case FUTEX_REQUEUE:
		return requeue(uaddr, uaddr2, val, (int)(long)ts);
	case FUTEX_CMP_REQUEUE:
		if (__atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val3)
			return -EAGAIN;
		return requeue(uaddr, uaddr2, val, (int)(long)ts);
	default:
		return -ENOSYS;
	}
}

SYSCALL_DEFINE0(gettid)
{
	return sched_current->tid;
}

SYSCALL_DEFINE1(set_tid_address, int *, tidptr)
{
	sched_current->clear_tid = tidptr;
	return sched_current->tid;
}

SYSCALL_DEFINE0(sched_yield)
{
	sched_yield_now();
	return 0;
}

/* One thread ends; the last one ends the machine, as on Linux. */
SYSCALL_DEFINE1(exit, int, status)
{
	int *ct = sched_current->clear_tid;

	if (sched_live_threads() > 1 && ct) {
		__atomic_store_n(ct, 0, __ATOMIC_SEQ_CST);
		futex_wake(ct, 1, ~0u);
	}
	if (sched_exit_thread() == 0)
		proc_exit(status);
	return 0;
}
