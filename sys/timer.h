/*
 * Kernel timers: a callback at a monotonic deadline. The scheduler
 * (sched.c) never idles past the earliest armed timer and fires every
 * timer that is due whenever it picks a thread or wakes from idle, so
 * a timer fires even while every thread is blocked. Above: timerfd
 * (timerfd.c), alarm/setitimer/timer_create. Below: the scheduler.
 *
 * Callbacks run on the blocking thread's stack, inside the scheduler:
 * they must not block; they may wake threads (sched_wake), wake queues
 * (waitq_wake) and arm or disarm any timer, their own included. A
 * timer re-armed by its own callback for a deadline already past fires
 * on the next round, not in the same one.
 */
#ifndef KEEL_SYS_TIMER_H
#define KEEL_SYS_TIMER_H

#include <stdint.h>

struct ktimer;
typedef void (*ktimer_fn)(struct ktimer *t);

/* The owner embeds it and sets fn (and priv); the rest is the list's. */
struct ktimer {
	struct ktimer *next;
	uint64_t deadline; /* monotonic ns */
	int armed;
	ktimer_fn fn;
	void *priv;
};

/* Arms t to fire once at deadline (monotonic ns, as time_now()); an
 * armed t is moved. UINT64_MAX disarms. */
void ktimer_add(struct ktimer *t, uint64_t deadline);
/* Disarms t; a no-op when it is not armed. */
void ktimer_del(struct ktimer *t);
/* The earliest armed deadline, or UINT64_MAX. */
uint64_t ktimer_next(void);
/* Fires (disarmed first) every timer due at now; returns how many. */
int ktimer_run(uint64_t now);

#endif
