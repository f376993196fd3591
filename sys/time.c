/*
 * Clocks and sleeps on the platform's two clocks and its one wait call.
 * CPU-time clocks count time since boot minus time spent idle in
 * wait_until: with one program on the machine that is its CPU time.
 */
#include <time.h>
#include <sys/time.h>

#include "kernel.h"
#include "sched.h"
#include "signal.h"

uint64_t keel_boot_time;
static uint64_t idle_ns;

uint64_t time_now(void)
{
	return keel_platform->clock_monotonic();
}

/* The single place keel idles (the scheduler calls it when no thread
 * can run): the machine waits, and the wait counts as idle time. */
unsigned time_idle(uint64_t deadline, unsigned mask)
{
	uint64_t t0 = time_now();
	unsigned ev = keel_platform->wait_until(deadline, mask);

	idle_ns += time_now() - t0;
	return ev;
}

/* Every blocking call waits here: the calling thread blocks, others run. */
unsigned time_wait(uint64_t deadline, unsigned mask)
{
	return sched_block(deadline, mask);
}

void time_sleep_until(uint64_t deadline)
{
	while (time_now() < deadline)
		time_wait(deadline, 0);
}

static int clock_read(clockid_t id, uint64_t *ns)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI:
		*ns = keel_platform->clock_realtime();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = time_now();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = time_now() - keel_boot_time - idle_ns;
		return 0;
	default:
		return -EINVAL;
	}
}

static void to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
}

static int from_timespec(const struct timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return -EINVAL;
	if ((uint64_t)ts->tv_sec > UINT64_MAX / 1000000000 - 1)
		*ns = UINT64_MAX;
	else
		*ns = (uint64_t)ts->tv_sec * 1000000000 + (uint64_t)ts->tv_nsec;
	return 0;
}

SYSCALL_DEFINE2(clock_gettime, clockid_t, id, struct timespec *, ts)
{
	uint64_t ns;
	int r = clock_read(id, &ns);

	if (r)
		return r;
	to_timespec(ns, ts);
	return 0;
}

SYSCALL_DEFINE2(clock_getres, clockid_t, id, struct timespec *, ts)
{
	uint64_t ns;
	int r = clock_read(id, &ns);

	if (r)
		return r;
	if (ts) {
		ts->tv_sec = 0;
		ts->tv_nsec = 1;
	}
	return 0;
}

SYSCALL_DEFINE2(gettimeofday, struct timeval *, tv, void *, tz)
{
	uint64_t ns = keel_platform->clock_realtime();

	if (tv) {
		tv->tv_sec = (time_t)(ns / 1000000000);
		tv->tv_usec = (long)(ns % 1000000000 / 1000);
	}
	return 0;
}

SYSCALL_DEFINE1(time, time_t *, t)
{
	time_t now = (time_t)(keel_platform->clock_realtime() / 1000000000);

	if (t)
		*t = now;
	return now;
}

static long sleep_for(clockid_t id, int flags, const struct timespec *req,
		      struct timespec *rem)
{
	uint64_t want, now, deadline;
	int r = from_timespec(req, &want);

	if (r)
		return r;
	if (id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID)
		return -EOPNOTSUPP;
	if ((r = clock_read(id, &now)))
		return r;
	if (flags & TIMER_ABSTIME)
		want = want > now ? want - now : 0;
	deadline = time_now();
	deadline = want > UINT64_MAX - deadline ? UINT64_MAX : deadline + want;
	/* A signal the thread takes ends the sleep: -EINTR and, for a
	 * relative sleep, the time left (Linux never restarts sleeps once a
	 * handler ran). */
	while ((now = time_now()) < deadline) {
		if (signal_pending()) {
			if (rem && !(flags & TIMER_ABSTIME))
				to_timespec(deadline - now, rem);
			return -EINTR;
		}
		time_wait(deadline, 0);
	}
	if (rem && !(flags & TIMER_ABSTIME))
		rem->tv_sec = rem->tv_nsec = 0;
	return 0;
}

SYSCALL_DEFINE2(nanosleep, const struct timespec *, req, struct timespec *, rem)
{
	return sleep_for(CLOCK_MONOTONIC, 0, req, rem);
}

SYSCALL_DEFINE4(clock_nanosleep, clockid_t, id, int, flags,
		const struct timespec *, req, struct timespec *, rem)
{
	return sleep_for(id, flags, req, rem);
}
