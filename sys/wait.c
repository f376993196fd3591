/*
 * Wait queues and poll tables (wait.h). Everything runs on one vCPU
 * with cooperative threads, so nothing here takes a lock: a queue only
 * changes between switches.
 */
#include <poll.h>
#include <string.h>

#include "fd.h"
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "wait.h"

#define NEVENTS 5 /* KEEL_EV_CONSOLE, _NET, _BLOCK, _SOCK, _SIGNAL */
static struct waitq event_q[NEVENTS];

void waitq_add(struct waitq *q, struct waiter *w)
{
	w->q = q;
	w->prev = NULL;
	w->next = q->head;
	if (q->head)
		q->head->prev = w;
	q->head = w;
}

void waitq_del(struct waiter *w)
{
	if (!w->q)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		w->q->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->q = NULL;
	w->next = w->prev = NULL;
}

void waitq_wake(struct waitq *q)
{
	struct waiter *w = q->head, *next;

	while (w) {
		next = w->next; /* the callback may take w off */
		if (w->fn)
			w->fn(w);
		else
			sched_wake(w->t);
		w = next;
	}
}

void waitq_release(struct waitq *q)
{
	struct waiter *w;

	while ((w = q->head)) {
		waitq_del(w);
		if (w->fn)
			w->fn(w);
		else
			sched_wake(w->t);
	}
}

struct waitq *waitq_event(unsigned ev)
{
	int i;

	for (i = 0; i < NEVENTS; i++)
		if (ev == 1u << i)
			return &event_q[i];
	keel_panic("waitq_event: %u is not one event", ev);
}

unsigned waitq_event_mask(void)
{
	unsigned m = 0;
	int i;

	for (i = 0; i < NEVENTS; i++)
		if (event_q[i].head)
			m |= 1u << i;
	return m;
}

/* At most this often, a look without waiting (waitq_event_look). */
#define LOOK_NS 50000

void waitq_event_look(unsigned mask)
{
	static uint64_t last;
	uint64_t now;
	unsigned ev;

	mask &= waitq_event_mask();
	if (!mask)
		return;
	now = time_now();
	if (now - last < LOOK_NS)
		return;
	last = now;
	ev = keel_platform->wait_until(now, mask); /* the deadline is now: no wait */
	waitq_event_wake(ev & mask);
}

void waitq_event_wake(unsigned ev)
{
	int i;

	for (i = 0; i < NEVENTS; i++)
		if ((ev & (1u << i)) && event_q[i].head)
			waitq_wake(&event_q[i]);
}

void poll_table_init(struct poll_table *pt, waiter_fn fn, void *priv)
{
	pt->w = pt->small;
	pt->n = 0;
	pt->cap = (int)(sizeof pt->small / sizeof pt->small[0]);
	pt->full = 0;
	pt->t = sched_current;
	pt->fn = fn;
	pt->priv = priv;
}

static int grow(struct poll_table *pt)
{
	int cap = pt->cap * 2, i;
	struct waiter *w = kmalloc(sizeof *w * (size_t)cap, MM_KERNEL);

	if (!w)
		return -ENOMEM;
	/* Waiters are linked by address: move each onto the new array. */
	for (i = 0; i < pt->n; i++) {
		struct waitq *q = pt->w[i].q;

		w[i] = pt->w[i];
		if (q) {
			waitq_del(&pt->w[i]);
			waitq_add(q, &w[i]);
		}
	}
	if (pt->w != pt->small)
		kfree(pt->w);
	pt->w = w;
	pt->cap = cap;
	return 0;
}

void poll_wait(struct poll_table *pt, struct waitq *q)
{
	struct waiter *w;

	if (!pt)
		return;
	if (pt->n == pt->cap && grow(pt)) {
		pt->full = 1;
		return;
	}
	w = &pt->w[pt->n++];
	memset(w, 0, sizeof *w);
	w->t = pt->t;
	w->fn = pt->fn;
	w->priv = pt->priv;
	waitq_add(q, w);
}

void poll_table_end(struct poll_table *pt)
{
	int i;

	for (i = 0; i < pt->n; i++)
		waitq_del(&pt->w[i]);
	if (pt->w != pt->small)
		kfree(pt->w);
	pt->w = pt->small;
	pt->n = 0;
}

unsigned file_poll(struct file *f, struct poll_table *pt)
{
	if (!f->ops->poll)
		return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	return f->ops->poll(f, pt);
}

unsigned file_wait(struct file *f, unsigned events, uint64_t deadline)
{
	struct poll_table pt;
	unsigned r;

	events |= POLLERR | POLLHUP;
	poll_table_init(&pt, NULL, NULL);
	for (;;) {
		r = file_poll(f, &pt) & events;
		if (r)
			break;
		if ((deadline != UINT64_MAX && time_now() >= deadline) || signal_pending())
			break;
		/* full: a waiter is missing; look again within 1 ms */
		sched_block(pt.full && deadline - time_now() > 1000000 ? time_now() + 1000000 : deadline, 0);
		poll_table_end(&pt);
		poll_table_init(&pt, NULL, NULL);
	}
	poll_table_end(&pt);
	return r;
}
