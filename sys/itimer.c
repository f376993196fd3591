/*
 * Timers that send signals: alarm, setitimer/getitimer (ITIMER_REAL)
 * and the POSIX timers (timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete) with SIGEV_SIGNAL, SIGEV_NONE and
 * SIGEV_THREAD_ID (musl builds SIGEV_THREAD on it with a thread in
 * sigwaitinfo). Each timer is a kernel timer (timer.h) whose callback
 * sends its signal; a periodic one re-arms itself, and expiries while
 * its signal is still pending count as overruns. Absolute CLOCK_REALTIME
 * times become monotonic deadlines when set. Signals from timers are
 * taken as a system call returns (signal.h), like every signal.
 * Above: musl. Below: timer.c, signal.c.
 */
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "timer.h"

#define NS 1000000000ULL
#define TIMER_MAX 256
#define DELAYTIMER_MAX 0x7fffffff

/* The kernel's struct sigevent, as musl passes it. */
struct ksigevent {
	union sigval value;
	int signo;
	int notify;
	int tid;
};

struct sigtimer {
	struct ktimer kt;  /* first: the callback finds the timer from it */
	uint64_t interval; /* ns; 0: once */
	int counted;	   /* armed, and counted in signal_timers_armed */
	int id;		   /* POSIX timer id, or -1 for ITIMER_REAL */
	int realtime;	   /* CLOCK_REALTIME: absolute times are realtime */
	int notify, signo, tid;
	union sigval value;
	int overrun;	  /* expiries while the signal was pending */
	int last_overrun; /* of the last signal taken (timer_getoverrun) */
};

static void fire(struct ktimer *k);
static struct sigtimer real_timer = {
	.kt = { .fn = fire }, .id = -1, .notify = SIGEV_SIGNAL, .signo = SIGALRM
};
static struct sigtimer *timers[TIMER_MAX];

static void disarm(struct sigtimer *t)
{
	ktimer_del(&t->kt);
	if (t->counted) {
		t->counted = 0;
		signal_timers_armed(-1);
	}
}

static void arm(struct sigtimer *t, uint64_t deadline)
{
	if (!t->counted) {
		t->counted = 1;
		signal_timers_armed(1);
	}
	ktimer_add(&t->kt, deadline);
}

static void fire(struct ktimer *k)
{
	struct sigtimer *t = (struct sigtimer *)k;
	struct sig_info si = { .code = SI_TIMER, .timerid = t->id, .value = t->value };
	struct thread *th = NULL;
	uint64_t now = time_now();

	if (t->interval) {
		/* The next period after now; the ones already past count as
		 * overruns, as Linux's hrtimer_forward. */
		uint64_t missed = now > k->deadline ? (now - k->deadline) / t->interval : 0;

		if (t->overrun <
		    DELAYTIMER_MAX - (int)(missed > DELAYTIMER_MAX ? DELAYTIMER_MAX : missed))
			t->overrun += (int)missed;
		ktimer_add(k, k->deadline + (missed + 1) * t->interval);
	} else {
		disarm(t);
	}
	if (t->notify == SIGEV_NONE)
		return;
	if (t->id < 0)
		si = (struct sig_info){ .code = SI_KERNEL }; /* as Linux's itimer */
	if (t->notify == SIGEV_THREAD_ID)
		th = signal_find_thread(t->tid);
	if (signal_timer_pending(th, t->signo, t->id)) {
		if (t->overrun < DELAYTIMER_MAX)
			t->overrun++;
		return;
	}
	if (th)
		signal_send_thread(th, t->signo, &si);
	else
		signal_send_process(t->signo, &si);
}

int itimer_taken(int id)
{
	struct sigtimer *t = (unsigned)id < TIMER_MAX ? timers[id] : NULL;

	if (!t)
		return 0;
	t->last_overrun = t->overrun;
	t->overrun = 0;
	return t->last_overrun;
}

void itimer_run_due(void)
{
	uint64_t now = time_now();

	if (ktimer_next() <= now)
		ktimer_run(now);
}

static uint64_t remaining(const struct sigtimer *t)
{
	uint64_t now = time_now();

	if (!t->kt.armed)
		return 0;
	return t->kt.deadline > now ? t->kt.deadline - now : 1; /* due: not 0, which means off */
}

/* ---- ITIMER_REAL: setitimer, getitimer, alarm ---- */

static void get_real(struct itimerval *v)
{
	uint64_t left = remaining(&real_timer);

	/* Rounded up to a microsecond: a running timer never shows 0. */
	left = (left + 999) / 1000;
	v->it_value.tv_sec = (time_t)(left / 1000000);
	v->it_value.tv_usec = (suseconds_t)(left % 1000000);
	v->it_interval.tv_sec = (time_t)(real_timer.interval / NS);
	v->it_interval.tv_usec = (suseconds_t)(real_timer.interval % NS / 1000);
}

static int timeval_ns(const struct timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	if ((uint64_t)tv->tv_sec >= UINT64_MAX / NS - 1)
		*ns = UINT64_MAX / 2;
	else
		*ns = (uint64_t)tv->tv_sec * NS + (uint64_t)tv->tv_usec * 1000;
	return 0;
}

static void set_real(uint64_t value, uint64_t interval)
{
	disarm(&real_timer);
	real_timer.interval = interval;
	if (value)
		arm(&real_timer, time_now() + value);
}

static int which_ok(int which)
{
	static int said;

	if (which == ITIMER_REAL)
		return 0;
	if (which != ITIMER_VIRTUAL && which != ITIMER_PROF)
		return -EINVAL;
	if (!said++)
		keel_log("setitimer: ITIMER_VIRTUAL and ITIMER_PROF (CPU-time timers) are not "
			 "supported");
	return -ENOSYS;
}

SYSCALL_DEFINE2(getitimer, int, which, struct itimerval *, v)
{
	int r = which_ok(which);

	if (r)
		return r;
	get_real(v);
	return 0;
}

SYSCALL_DEFINE3(setitimer, int, which, const struct itimerval *, v, struct itimerval *, old)
{
	uint64_t value = 0, interval = 0;
	int r = which_ok(which);

	if (r)
		return r;
	if (v && ((r = timeval_ns(&v->it_value, &value)) ||
		  (r = timeval_ns(&v->it_interval, &interval))))
		return r;
	if (old)
		get_real(old);
	set_real(value, interval); /* NULL: disarm, as Linux */
	return 0;
}

SYSCALL_DEFINE1(alarm, unsigned, seconds)
{
	struct itimerval old;
	unsigned left;

	get_real(&old);
	set_real((uint64_t)seconds * NS, 0);
	/* Linux's rounding: to the nearest second, and never 0 if it ran. */
	left = (unsigned)old.it_value.tv_sec;
	if ((!left && old.it_value.tv_usec) || old.it_value.tv_usec >= 500000)
		left++;
	return left;
}

/* ---- POSIX timers ---- */

static struct sigtimer *timer_get(int id)
{
	return (unsigned)id < TIMER_MAX ? timers[id] : NULL;
}

static int clock_ok(clockid_t clock)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
		return 0;
	default:
		return -EINVAL; /* CPU-time and alarm clocks too */
	}
}

SYSCALL_DEFINE3(timer_create, clockid_t, clock, const struct ksigevent *, ev, int *, out)
{
	struct sigtimer *t;
	struct ksigevent e = { .notify = SIGEV_SIGNAL, .signo = SIGALRM };
	int id, r;

	if ((r = clock_ok(clock)))
		return r;
	if (ev)
		e = *ev;
	switch (e.notify) {
	case SIGEV_NONE:
		break;
	case SIGEV_THREAD_ID:
		if (!signal_find_thread(e.tid))
			return -EINVAL;
		/* fall through */
	case SIGEV_SIGNAL:
		if (e.signo < 1 || e.signo > SIG_NMAX)
			return -EINVAL;
		break;
	default:
		return -EINVAL; /* SIGEV_THREAD is musl's, built on SIGEV_THREAD_ID */
	}
	for (id = 0; id < TIMER_MAX && timers[id]; id++)
		;
	if (id == TIMER_MAX)
		return -EAGAIN;
	if (!(t = kmalloc(sizeof *t, MM_KERNEL)))
		return -EAGAIN;
	memset(t, 0, sizeof *t);
	t->kt.fn = fire;
	t->id = id;
	t->notify = e.notify;
	t->signo = e.signo;
	t->tid = e.tid;
	t->value = ev ? e.value : (union sigval){ .sival_int = id };
	t->realtime = clock == CLOCK_REALTIME;
	timers[id] = t;
	*out = id;
	return 0;
}

static int timespec_ns(const struct timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NS)
		return -EINVAL;
	if ((uint64_t)ts->tv_sec >= UINT64_MAX / NS - 1)
		*ns = UINT64_MAX / 2;
	else
		*ns = (uint64_t)ts->tv_sec * NS + (uint64_t)ts->tv_nsec;
	return 0;
}

static void get_spec(const struct sigtimer *t, struct itimerspec *v)
{
	uint64_t left = remaining(t);

	v->it_value.tv_sec = (time_t)(left / NS);
	v->it_value.tv_nsec = (long)(left % NS);
	v->it_interval.tv_sec = (time_t)(t->interval / NS);
	v->it_interval.tv_nsec = (long)(t->interval % NS);
}

SYSCALL_DEFINE4(timer_settime, int, id, int, flags, const struct itimerspec *, v,
		struct itimerspec *, old)
{
	struct sigtimer *t = timer_get(id);
	uint64_t value, interval, now;
	int r;

	if (!t)
		return -EINVAL;
	if ((r = timespec_ns(&v->it_value, &value)) ||
	    (r = timespec_ns(&v->it_interval, &interval)))
		return r;
	if (old)
		get_spec(t, old);
	disarm(t);
	t->interval = interval;
	t->overrun = 0;
	if (!value)
		return 0;
	now = time_now();
	if (!(flags & TIMER_ABSTIME)) {
		arm(t, now + value);
	} else if (t->realtime) {
		/* An absolute realtime becomes a monotonic deadline now. */
		uint64_t rt = keel_platform->clock_realtime();

		arm(t, value > rt ? now + (value - rt) : now);
	} else {
		arm(t, value); /* past: fires at once */
	}
	return 0;
}

SYSCALL_DEFINE2(timer_gettime, int, id, struct itimerspec *, v)
{
	struct sigtimer *t = timer_get(id);

	if (!t)
		return -EINVAL;
	get_spec(t, v);
	return 0;
}

SYSCALL_DEFINE1(timer_getoverrun, int, id)
{
	struct sigtimer *t = timer_get(id);

	return t ? t->last_overrun : -EINVAL;
}

SYSCALL_DEFINE1(timer_delete, int, id)
{
	struct sigtimer *t = timer_get(id);

	if (!t)
		return -EINVAL;
	disarm(t);
	timers[id] = NULL;
	kfree(t);
	return 0;
}
