/*
 * Resource limits and what the machine reports about itself: getrlimit,
 * setrlimit, prlimit64, sysinfo, getpriority/setpriority, and the CPU
 * affinity of a one-vCPU machine. The limits start at what the machine
 * has: RLIMIT_NOFILE is the fd table (FD_MAX), RLIMIT_AS and RLIMIT_DATA
 * the memory budget, RLIMIT_STACK the main stack, RLIMIT_CORE 0 (no core
 * files are ever written); the others are unlimited. Lowered limits are
 * enforced for new fds (fd.c) and for the application's memory (mem.c);
 * the others are kept and reported only. Above: musl. Below: mm.c (the
 * budget), the scheduler (threads).
 */
#include <sched.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>

#include "fd.h"
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"

static struct rlimit limits[RLIM_NLIMITS];
static int limits_ready;
static int nice_value;

static void limits_init(void)
{
	int i;

	if (limits_ready)
		return;
	for (i = 0; i < RLIM_NLIMITS; i++)
		limits[i].rlim_cur = limits[i].rlim_max = RLIM_INFINITY;
	limits[RLIMIT_NOFILE].rlim_cur = limits[RLIMIT_NOFILE].rlim_max = FD_MAX;
	limits[RLIMIT_AS].rlim_cur = limits[RLIMIT_AS].rlim_max = mm_stats()->budget;
	limits[RLIMIT_DATA].rlim_cur = limits[RLIMIT_DATA].rlim_max = mm_stats()->budget;
	limits[RLIMIT_STACK].rlim_cur = limits[RLIMIT_STACK].rlim_max =
		KEEL_MAIN_STACK_PAGES * PAGE_SIZE;
	limits[RLIMIT_CORE].rlim_cur = 0;
	limits_ready = 1;
}

int limits_memory_allows(size_t bytes)
{
	const struct mm_stats *st = mm_stats();
	size_t total = 0;
	int t;

	limits_init();
	if (st->used[MM_HEAP] + bytes > limits[RLIMIT_DATA].rlim_cur)
		return 0;
	for (t = 1; t < MM_NTAGS; t++)
		total += st->used[t];
	return total + bytes <= limits[RLIMIT_AS].rlim_cur;
}

/* The process (pid 1, or 0 for the caller) and its threads. */
static int is_us(int pid)
{
	return pid == 0 || pid == 1 || signal_find_thread(pid);
}

static long set_limit(int res, const struct rlimit *want)
{
	if (want->rlim_cur > want->rlim_max)
		return -EINVAL;
	/* keel runs as root, but the fd table has FD_MAX entries (Linux's
	 * nr_open refuses the same way) */
	if (res == RLIMIT_NOFILE && want->rlim_max > FD_MAX)
		return -EPERM;
	limits[res] = *want;
	if (res == RLIMIT_NOFILE)
		fd_nofile = (int)want->rlim_cur;
	return 0;
}

SYSCALL_DEFINE4(prlimit64, int, pid, int, res, const struct rlimit *, want, struct rlimit *, old)
{
	struct rlimit w;

	limits_init();
	if ((unsigned)res >= RLIM_NLIMITS)
		return -EINVAL;
	if (pid < 0 || !is_us(pid))
		return -ESRCH;
	if (want)
		w = *want;
	if (old)
		*old = limits[res];
	return want ? set_limit(res, &w) : 0;
}

SYSCALL_DEFINE2(getrlimit, int, res, struct rlimit *, old)
{
	limits_init();
	if ((unsigned)res >= RLIM_NLIMITS)
		return -EINVAL;
	*old = limits[res];
	return 0;
}

SYSCALL_DEFINE2(setrlimit, int, res, const struct rlimit *, want)
{
	limits_init();
	if ((unsigned)res >= RLIM_NLIMITS)
		return -EINVAL;
	return set_limit(res, want);
}

SYSCALL_DEFINE1(sysinfo, struct sysinfo *, si)
{
	const struct mm_stats *st = mm_stats();
	uint64_t up = time_now() - keel_boot_time;

	memset(si, 0, sizeof *si);
	si->uptime = (long)(up / 1000000000);
	si->totalram = st->budget;
	si->freeram = mm_free_pages() * PAGE_SIZE;
	si->procs = (unsigned short)sched_live_threads();
	si->mem_unit = 1;
	return 0;
}

/* Priorities are kept, not used: the scheduler has one class and turns. */
static int prio_target_ok(int which, int who)
{
	switch (which) {
	case PRIO_PROCESS:
		return is_us(who);
	case PRIO_PGRP:
		return who == 0 || who == 1;
	case PRIO_USER:
		return who == 0; /* uid 0, the only user */
	default:
		return -1;
	}
}

SYSCALL_DEFINE2(getpriority, int, which, int, who)
{
	int ok = prio_target_ok(which, who);

	if (ok < 0)
		return -EINVAL;
	return ok ? 20 - nice_value : -ESRCH; /* the kernel's 1..40 */
}

SYSCALL_DEFINE3(setpriority, int, which, int, who, int, prio)
{
	int ok = prio_target_ok(which, who);

	if (ok < 0)
		return -EINVAL;
	if (!ok)
		return -ESRCH;
	nice_value = prio < -20 ? -20 : prio > 19 ? 19 : prio;
	return 0;
}

/* One vCPU: CPU 0, and the kernel's mask is one long. */
SYSCALL_DEFINE3(sched_getaffinity, int, pid, size_t, len, unsigned long *, mask)
{
	if (len < sizeof(unsigned long) || len % sizeof(unsigned long))
		return -EINVAL;
	if (pid < 0 || !is_us(pid))
		return -ESRCH;
	*mask = 1;
	return sizeof(unsigned long);
}

SYSCALL_DEFINE3(sched_setaffinity, int, pid, size_t, len, const unsigned long *, mask)
{
	if (pid < 0 || !is_us(pid))
		return -ESRCH;
	if (len < sizeof(unsigned long) || !(*mask & 1))
		return -EINVAL; /* no CPU of the machine in the set */
	return 0;
}
