/*
 * Timers that send signals (sys/itimer.c): alarm and pause, alarm ending
 * a sleep early with the time left, a periodic setitimer counted in its
 * handler (while the program sleeps and while it only makes system
 * calls), POSIX timers with SIGEV_SIGNAL (siginfo, overruns while the
 * signal is blocked), SIGEV_NONE, absolute CLOCK_REALTIME times and
 * musl's SIGEV_THREAD, and the error paths.
 * argv[1]: "all" (prints ok: N checks), or "alarm-dies" (an unhandled
 * SIGALRM ends the machine).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile int ticks, rt_hits, rt_code, rt_value, rt_overrun, rt_timerid;

static void on_alarm(int sig)
{
	ticks++;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	rt_hits++;
	rt_code = si->si_code;
	rt_value = si->si_value.sival_int;
	rt_overrun = si->si_overrun;
	rt_timerid = si->si_timerid;
}

static void set_itimer(long value_ms, long interval_ms)
{
	struct itimerval v = { { interval_ms / 1000, interval_ms % 1000 * 1000 },
			       { value_ms / 1000, value_ms % 1000 * 1000 } };

	CHECK_EQ(setitimer(ITIMER_REAL, &v, NULL), 0);
}

static void alarms(void)
{
	struct timespec long_sleep = { 10, 0 }, rem;
	double t0;

	handle(SIGALRM, on_alarm, 0);

	/* alarm reports what was left of the previous one. */
	CHECK_EQ(alarm(5), 0);
	CHECK_EQ(alarm(0), 5);
	CHECK_EQ(alarm(0), 0);

	/* pause until the alarm. */
	t0 = now();
	CHECK_EQ(alarm(1), 0);
	CHECK_ERR(pause(), EINTR);
	CHECK_EQ(ticks, 1);
	CHECK(now() - t0 >= 0.95 && now() - t0 < 3);

	/* A sleep the timer ends early: EINTR and the time left. */
	t0 = now();
	set_itimer(100, 0);
	CHECK_ERR(nanosleep(&long_sleep, &rem), EINTR);
	CHECK_EQ(ticks, 2);
	CHECK(now() - t0 >= 0.09 && now() - t0 < 3);
	CHECK(rem.tv_sec >= 7 && rem.tv_sec <= 9);
	set_itimer(100, 0);
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &long_sleep, &rem), EINTR);
	CHECK_EQ(ticks, 3);
	/* sleep() gives back the seconds left. */
	set_itimer(100, 0);
	{
		unsigned left = sleep(10);

		CHECK(left >= 9 && left <= 10);
	}
	CHECK_EQ(ticks, 4);
}

static void periodic(void)
{
	struct itimerval v;
	struct timespec gap = { 0, 60000000 };
	double t0 = now();
	int seen;

	handle(SIGALRM, on_alarm, 0);
	ticks = 0;
	set_itimer(20, 20);
	CHECK_EQ(getitimer(ITIMER_REAL, &v), 0);
	CHECK_EQ(v.it_interval.tv_sec, 0);
	CHECK_EQ(v.it_interval.tv_usec, 20000);
	CHECK(v.it_value.tv_usec > 0 && v.it_value.tv_usec <= 20000);
	while (ticks < 5)
		pause();
	CHECK(now() - t0 >= 0.09);
	/* A program that only makes system calls (never blocks) gets its
	 * ticks as the calls return. */
	seen = ticks;
	t0 = now();
	while (ticks < seen + 3 && now() - t0 < 5)
		getppid();
	CHECK(ticks >= seen + 3);
	/* Disarmed: no more. */
	set_itimer(0, 0);
	CHECK_EQ(getitimer(ITIMER_REAL, &v), 0);
	CHECK(v.it_value.tv_sec == 0 && v.it_value.tv_usec == 0);
	seen = ticks;
	nanosleep(&gap, NULL);
	CHECK_EQ(ticks, seen);
}

static void posix_timers(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 1 };
	struct itimerspec its = { { 0, 0 }, { 0, 30000000 } }, cur;
	struct timespec gap = { 0, 120000000 };
	sigset_t set;
	timer_t t, t2;
	double t0;

	handle(SIGRTMIN + 1, on_rt, SA_SIGINFO);
	ev.sigev_value.sival_int = 1234;
	CHECK_EQ(timer_create(CLOCK_MONOTONIC, &ev, &t), 0);
	CHECK_EQ(timer_gettime(t, &cur), 0);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0); /* not armed */
	t0 = now();
	CHECK_EQ(timer_settime(t, 0, &its, NULL), 0);
	CHECK_EQ(timer_gettime(t, &cur), 0);
	CHECK(cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 30000000);
	while (!rt_hits)
		pause();
	CHECK(now() - t0 >= 0.029);
	CHECK_EQ(rt_code, SI_TIMER);
	CHECK_EQ(rt_value, 1234);
	CHECK_EQ(rt_overrun, 0);

	/* Periodic, with the signal blocked for four periods: one signal,
	 * the others counted as overruns. */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	rt_hits = 0;
	its.it_interval.tv_nsec = 25000000;
	its.it_value.tv_nsec = 25000000;
	CHECK_EQ(timer_settime(t, 0, &its, NULL), 0);
	nanosleep(&gap, NULL); /* ~4.8 periods */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK_EQ(rt_hits, 1);
	CHECK(rt_overrun >= 2 && rt_overrun <= 4);
	CHECK_EQ(timer_getoverrun(t), rt_overrun);
	CHECK_EQ(timer_settime(t, 0, &(struct itimerspec){ 0 }, &cur), 0); /* disarmed */
	CHECK_EQ(cur.it_interval.tv_nsec, 25000000);

	/* SIGEV_NONE: it runs down, nothing is sent. */
	ev.sigev_notify = SIGEV_NONE;
	CHECK_EQ(timer_create(CLOCK_MONOTONIC, &ev, &t2), 0);
	its = (struct itimerspec){ { 0, 0 }, { 0, 20000000 } };
	CHECK_EQ(timer_settime(t2, 0, &its, NULL), 0);
	nanosleep(&(struct timespec){ 0, 40000000 }, NULL);
	CHECK_EQ(timer_gettime(t2, &cur), 0);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
	CHECK_EQ(timer_delete(t2), 0);

	/* An absolute CLOCK_REALTIME time. */
	{
		struct timespec rt;
		timer_t t3;

		ev.sigev_notify = SIGEV_SIGNAL;
		ev.sigev_value.sival_int = 5678;
		CHECK_EQ(timer_create(CLOCK_REALTIME, &ev, &t3), 0);
		clock_gettime(CLOCK_REALTIME, &rt);
		rt.tv_nsec += 50000000;
		if (rt.tv_nsec >= 1000000000) {
			rt.tv_sec++;
			rt.tv_nsec -= 1000000000;
		}
		rt_hits = 0;
		t0 = now();
		its = (struct itimerspec){ { 0, 0 }, rt };
		CHECK_EQ(timer_settime(t3, TIMER_ABSTIME, &its, NULL), 0);
		while (!rt_hits)
			pause();
		CHECK(now() - t0 >= 0.04 && now() - t0 < 3);
		CHECK_EQ(rt_value, 5678);
		CHECK_EQ(timer_delete(t3), 0);
	}

	/* Errors. */
	CHECK_EQ(timer_delete(t), 0);
	CHECK_ERR(timer_settime(t, 0, &its, NULL), EINVAL);
	CHECK_ERR(timer_gettime(t, &cur), EINVAL);
	CHECK_EQ(timer_delete(t), -EINVAL); /* musl 1.2.3 passes the raw result */
	CHECK_ERR(timer_create(CLOCK_PROCESS_CPUTIME_ID, NULL, &t), EINVAL);
	ev.sigev_signo = 99;
	CHECK_ERR(timer_create(CLOCK_MONOTONIC, &ev, &t), EINVAL);
	CHECK_ERR(setitimer(ITIMER_VIRTUAL, &(struct itimerval){ 0 }, NULL), ENOSYS);
	CHECK_ERR(setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 1000000 } }, NULL),
		  EINVAL);
	CHECK_ERR(setitimer(42, &(struct itimerval){ 0 }, NULL), EINVAL);
}

static sem_t fired;
static volatile int notify_tid;

static void notified(union sigval v)
{
	CHECK_EQ(v.sival_int, 99);
	notify_tid = gettid();
	sem_post(&fired);
}

/* musl's SIGEV_THREAD: a thread of its own in sigwaitinfo. */
static void thread_timers(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD,
			       .sigev_notify_function = notified,
			       .sigev_value.sival_int = 99 };
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } };
	struct timespec limit;
	timer_t t;
	int i;

	CHECK_EQ(sem_init(&fired, 0, 0), 0);
	CHECK_EQ(timer_create(CLOCK_MONOTONIC, &ev, &t), 0);
	CHECK_EQ(timer_settime(t, 0, &its, NULL), 0);
	for (i = 0; i < 3; i++) {
		clock_gettime(CLOCK_REALTIME, &limit);
		limit.tv_sec += 5;
		CHECK_EQ(sem_timedwait(&fired, &limit), 0);
	}
	CHECK(notify_tid != 0 && notify_tid != gettid());
	CHECK_EQ(timer_delete(t), 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "alarm-dies")) {
		printf("waiting\n");
		fflush(stdout);
		alarm(1);
		pause();
		printf("survived\n");
		return 3;
	}
	alarms();
	periodic();
	posix_timers();
	thread_timers();
	return done();
}
