/*
 * The one wait primitive every blocking call and every readiness call
 * (poll, select, epoll, blocking read/write/accept) is built on.
 *
 * A wait queue belongs to whatever can become ready (a pipe, an
 * eventfd, a socket, an epoll instance). Whoever changes its state calls
 * waitq_wake(); each waiter on it then runs its callback, which by
 * default makes its thread runnable (sched_wake). Events the platform
 * reports (console input, frames, block completions) have one queue
 * each, waitq_event(KEEL_EV_*): the scheduler idles on the events whose
 * queues have waiters and wakes those queues when they arrive.
 *
 * A file answers readiness through its ops' poll(f, pt): the POLL* bits
 * true now, and when pt is not NULL it also puts pt's waiters on the
 * queues whose wake may change the answer (poll_wait). Waiting for a
 * file is then: poll with a table; if not ready, sched_block; repeat;
 * finally poll_table_end() takes the waiters off (file_wait does it).
 */
#ifndef KEEL_SYS_WAIT_H
#define KEEL_SYS_WAIT_H

#include <stddef.h>
#include <stdint.h>

struct thread;
struct file;
struct waiter;

typedef void (*waiter_fn)(struct waiter *w);

struct waiter {
	struct waiter *next, *prev;
	struct waitq *q;
	struct thread *t;
	waiter_fn fn; /* NULL: sched_wake(t) */
	void *priv;
};

struct waitq {
	struct waiter *head;
};

void waitq_add(struct waitq *q, struct waiter *w);
void waitq_del(struct waiter *w); /* no-op when on no queue */
/* Runs every waiter on q (a callback may take its own waiter off). */
void waitq_wake(struct waitq *q);
/* The queue's owner goes away: every waiter is taken off, then run as
 * by waitq_wake (a thread polling again finds the file gone). */
void waitq_release(struct waitq *q);
static inline int waitq_active(const struct waitq *q)
{
	return q->head != 0;
}

/* The queue of one platform event bit (KEEL_EV_CONSOLE, _NET, _BLOCK, _SOCK). */
struct waitq *waitq_event(unsigned ev);
/* The event bits whose queues have waiters (the scheduler idles on
 * them), and the wake of the queues of ev (the scheduler, after idle). */
unsigned waitq_event_mask(void);
void waitq_event_wake(unsigned ev);
/* The platform's events are looked at when the machine idles. A thread
 * that keeps finding work may not idle for long (epoll_wait whose items
 * are ready again at every call): then a host socket that became ready
 * meanwhile waits until it does. This looks at the events of mask that
 * have waiters without waiting, at most every 50 us; only for events a
 * look costs no VM exit for (KEEL_EV_SOCK). */
void waitq_event_look(unsigned mask);

/* The waiters one poll/select/epoll_wait/blocking call puts on queues. */
struct poll_table {
	struct waiter small[8];
	struct waiter *w; /* small, or a larger kmalloc'd array */
	int n, cap;
	int full; /* a waiter could not be had: callers poll again soon */
	struct thread *t;
	waiter_fn fn;
	void *priv;
};

/* fn/priv: what each waiter does when woken (NULL: wake the thread). */
void poll_table_init(struct poll_table *pt, waiter_fn fn, void *priv);
void poll_wait(struct poll_table *pt, struct waitq *q);
/* Takes every waiter off its queue and frees what init/poll_wait took. */
void poll_table_end(struct poll_table *pt);

/* The POLL* bits of f now; registers on its queues when pt != NULL.
 * Files without a poll op are always readable and writable. */
unsigned file_poll(struct file *f, struct poll_table *pt);

/* Blocks the current thread until f has one of events (POLL* bits; the
 * returned mask also carries POLLERR/POLLHUP), or the deadline
 * (monotonic ns, UINT64_MAX: none) passes, or a signal is pending for
 * the thread (signal_pending(), signal.h): then 0, and a caller that
 * got 0 with a signal pending must return -EINTR or -ERESTARTSYS
 * rather than wait again. */
unsigned file_wait(struct file *f, unsigned events, uint64_t deadline);

/* poll.c: the signal mask ppoll, pselect6 and epoll_pwait wait under
 * (mask NULL: none given, nothing done; size other than 8: -EINVAL),
 * and the thread's own mask back after the wait, whose result is r:
 * when it is -EINTR, only after the handlers ran (signal_mask_begin
 * and signal_mask_end, signal.h). */
long wait_mask_set(const uint64_t *mask, size_t size);
void wait_mask_restore(const uint64_t *mask, long r);

#endif
