/*
 * Clocks and sleeps. argv[1] is the host's realtime (seconds since the
 * epoch, as `date +%s.%N` prints it), taken just before the run.
 */
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MS 1000000LL
#define SEC 1000000000LL

static long long ns(clockid_t id)
{
	struct timespec ts;

	CHECK(clock_gettime(id, &ts) == 0);
	CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < SEC);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

/* How long stmt takes on the monotonic clock. */
#define TIMED(stmt)                                                                                \
	({                                                                                         \
		long long t0_ = ns(CLOCK_MONOTONIC);                                               \
		stmt;                                                                              \
		ns(CLOCK_MONOTONIC) - t0_;                                                         \
	})

int main(int argc, char **argv)
{
	struct timespec req = { 0, 50 * MS }, rem = { 7, 7 }, res;
	struct timeval tv;
	long long t, prev, d, host, cpu0, wall0, cpu1, wall1;
	time_t tt, tt2;
	int i;

	CHECK(argc == 2);
	host = (long long)(strtod(argv[1], NULL) * SEC);

	/* Monotonic starts near 0 at boot and never goes back. */
	prev = ns(CLOCK_MONOTONIC);
	CHECK(prev < 5 * SEC);
	for (i = 0; i < 100000; i++) {
		t = ns(CLOCK_MONOTONIC);
		CHECK(t >= prev);
		prev = t;
	}
	CHECK(ns(CLOCK_BOOTTIME) >= prev);
	CHECK(ns(CLOCK_MONOTONIC_RAW) >= prev);

	/* Realtime is the host's, within a few seconds. */
	t = ns(CLOCK_REALTIME);
	CHECK(t > host - 5 * SEC && t < host + 5 * SEC);

	/* gettimeofday, time and clock_gettime agree, through libc and raw. */
	CHECK(gettimeofday(&tv, NULL) == 0);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	d = tv.tv_sec * SEC + tv.tv_usec * 1000LL - t / 1000 * 1000;
	CHECK(d >= 0 && d < SEC);
	CHECK(syscall(SYS_gettimeofday, &tv, NULL) == 0);
	d = tv.tv_sec * SEC + tv.tv_usec * 1000LL - t / 1000 * 1000;
	CHECK(d >= 0 && d < SEC);
	tt = time(NULL);
	CHECK(tt >= t / SEC && tt <= t / SEC + 1);
	tt2 = 0;
	CHECK(syscall(SYS_time, &tt2) >= t / SEC);
	CHECK(tt2 >= t / SEC && tt2 <= t / SEC + 1);

	/* Resolution: positive and at least as fine as a millisecond. */
	CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0);
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= MS);
	CHECK(clock_getres(CLOCK_REALTIME, &res) == 0);
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= MS);
	CHECK(clock_getres(CLOCK_MONOTONIC, NULL) == 0);
	CHECK_ERR(clock_getres((clockid_t)1234, &res), EINVAL);
	CHECK_ERR(clock_gettime((clockid_t)1234, &res), EINVAL);

	/* Sleeps last at least as asked and not absurdly longer. */
	d = TIMED(CHECK(nanosleep(&req, &rem) == 0));
	CHECK(d >= 50 * MS && d < SEC);
	d = TIMED(CHECK(usleep(50000) == 0));
	CHECK(d >= 50 * MS && d < SEC);
	d = TIMED(CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0));
	CHECK(d >= 50 * MS && d < SEC);
	t = ns(CLOCK_MONOTONIC) + 50 * MS;
	req.tv_sec = t / SEC;
	req.tv_nsec = t % SEC;
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL) == 0);
	CHECK(ns(CLOCK_MONOTONIC) >= t);
	t = ns(CLOCK_REALTIME) + 50 * MS;
	req.tv_sec = t / SEC;
	req.tv_nsec = t % SEC;
	CHECK(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &req, NULL) == 0);
	CHECK(ns(CLOCK_REALTIME) >= t - MS); /* NTP may slew realtime */
	req.tv_sec = 0;
	req.tv_nsec = SEC; /* out of range */
	CHECK_ERR(nanosleep(&req, NULL), EINVAL);
	req.tv_nsec = -1;
	CHECK_ERR(nanosleep(&req, NULL), EINVAL);
	d = TIMED(CHECK(sleep(0) == 0));
	CHECK(d < 100 * MS);

	/* CPU time: never more than the time since boot, and a sleep
	 * costs (almost) none of it. */
	cpu0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	wall0 = ns(CLOCK_MONOTONIC);
	CHECK(cpu0 >= 0 && cpu0 <= wall0);
	CHECK(ns(CLOCK_THREAD_CPUTIME_ID) >= cpu0);
	req.tv_sec = 0;
	req.tv_nsec = 100 * MS;
	CHECK(nanosleep(&req, NULL) == 0);
	cpu1 = ns(CLOCK_PROCESS_CPUTIME_ID);
	wall1 = ns(CLOCK_MONOTONIC);
	CHECK(cpu1 >= cpu0 && cpu1 <= wall1);
	CHECK(wall1 - wall0 >= 100 * MS);
	CHECK(cpu1 - cpu0 < (wall1 - wall0) / 2);
	/* ... while a busy loop does cost it. */
	while (ns(CLOCK_MONOTONIC) < wall1 + 20 * MS)
		;
	CHECK(ns(CLOCK_PROCESS_CPUTIME_ID) - cpu1 >= 15 * MS);
	CHECK(clock() >= 0);
	return done();
}
