/*
 * epoll: epoll_create/create1, epoll_ctl, epoll_wait, epoll_pwait and
 * epoll_pwait2, on the one wait primitive (wait.h). Above: musl. Below:
 * the files' poll ops and the scheduler.
 *
 * Each watched (file, fd) is an item whose poll table keeps waiters on
 * the file's queues between calls; a wake runs item_woken, which takes
 * that waiter off (so a level-triggered platform event does not keep
 * the machine awake while nobody reads), puts the item on the ready
 * list and wakes the instance's own queue. epoll_wait reports from the
 * ready list, polling each item again and registering it afresh:
 * level-triggered items that are still ready stay listed, edge-
 * triggered ones leave until their next wake, one-shot ones are
 * disabled until EPOLL_CTL_MOD. An item whose file registered nowhere
 * (the console reading ahead answers "ready" without a queue) is polled
 * again at every wait (so an edge-triggered console item is reported
 * again while input it announced lies unread). An epoll instance is itself pollable, so
 * instances nest (5 deep at most, no cycles: ELOOP). The last close of
 * a file takes it out of every instance (fd.c calls epoll_forget).
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "fd.h"
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "wait.h"

#define MAX_NESTS 5 /* instances in a chain, as Linux allows */
#define MS 1000000ULL
/* What EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS). */
#define EXCLUSIVE_OK                                                                               \
	(EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM | EPOLLERR | EPOLLHUP | EPOLLWAKEUP |      \
	 EPOLLET | EPOLLEXCLUSIVE)

struct eventpoll;

struct epitem {
	struct epitem *next;  /* the instance's items */
	struct epitem *fnext; /* the items watching the same file */
	struct epitem *rnext; /* on the ready list */
	struct eventpoll *ep;
	struct file *file;
	int fd;
	uint32_t events; /* as given, with EPOLLERR | EPOLLHUP */
	uint64_t data;
	int ready;    /* on the ready list (or being reported) */
	int disabled; /* EPOLLONESHOT fired: nothing until MOD */
	int unarmed;  /* its last poll left no waiter anywhere */
	struct poll_table pt;
};

struct eventpoll {
	struct epitem *items;
	struct epitem *rhead, **rtail; /* the ready list */
	int nunarmed;
	struct waitq q; /* epoll_wait callers, and instances watching this one */
	struct file *file;
};

static const struct file_ops epoll_ops;

static int is_epoll(struct file *f)
{
	return f->ops == &epoll_ops;
}

static void ready_add(struct eventpoll *ep, struct epitem *it)
{
	it->ready = 1;
	it->rnext = NULL;
	*ep->rtail = it;
	ep->rtail = &it->rnext;
}

static void ready_del(struct eventpoll *ep, struct epitem *it)
{
	struct epitem **p;

	for (p = &ep->rhead; *p; p = &(*p)->rnext) {
		if (*p == it) {
			*p = it->rnext;
			if (ep->rtail == &it->rnext)
				ep->rtail = p;
			break;
		}
	}
	it->ready = 0;
	it->rnext = NULL;
}

static void set_unarmed(struct epitem *it, int unarmed)
{
	it->ep->nunarmed += unarmed - it->unarmed;
	it->unarmed = unarmed;
}

static void item_woken(struct waiter *w)
{
	struct epitem *it = w->priv;

	waitq_del(w); /* until the item is polled again */
	if (it->disabled)
		return;
	if (!it->ready)
		ready_add(it->ep, it);
	waitq_wake(&it->ep->q);
}

/* The item's events now; with rearm, its waiters are put afresh on the
 * queues its file chooses. */
static unsigned item_poll(struct epitem *it, int rearm)
{
	unsigned m;

	if (!rearm)
		return file_poll(it->file, NULL) & it->events;
	poll_table_end(&it->pt);
	poll_table_init(&it->pt, item_woken, it);
	m = file_poll(it->file, &it->pt) & it->events;
	set_unarmed(it, it->pt.n == 0 || it->pt.full);
	return m;
}

static void item_disable(struct epitem *it)
{
	it->disabled = 1;
	poll_table_end(&it->pt);
	set_unarmed(it, 0);
}

/* Items nobody would wake are polled again; the ready join the list. */
static void rearm_unarmed(struct eventpoll *ep)
{
	struct epitem *it;

	if (!ep->nunarmed)
		return;
	for (it = ep->items; it; it = it->next)
		if (it->unarmed && !it->disabled && !it->ready && item_poll(it, 1))
			ready_add(ep, it);
}

/* Up to max ready events into out. What stays listed for next time:
 * what there was no room for, then what got ready meanwhile, then the
 * level-triggered items just reported. */
static int harvest(struct eventpoll *ep, struct epoll_event *out, int max)
{
	struct epitem *list = ep->rhead, *again = NULL, **again_tail = &again, *it;
	int n = 0;
	unsigned m;

	ep->rhead = NULL;
	ep->rtail = &ep->rhead;
	while (list && n < max) {
		it = list;
		list = it->rnext;
		it->rnext = NULL;
		if (!(m = item_poll(it, 1))) {
			it->ready = 0;
			continue;
		}
		out[n].events = m;
		out[n].data.u64 = it->data;
		n++;
		if (it->events & EPOLLONESHOT) {
			it->ready = 0;
			item_disable(it);
		} else if (it->events & EPOLLET) {
			it->ready = 0;
		} else {
			*again_tail = it;
			again_tail = &it->rnext;
		}
	}
	if (list) {
		struct epitem *tail = list;

		while (tail->rnext)
			tail = tail->rnext;
		tail->rnext = ep->rhead;
		if (!ep->rhead)
			ep->rtail = &tail->rnext;
		ep->rhead = list;
	}
	if (again) {
		*ep->rtail = again;
		ep->rtail = again_tail;
	}
	return n;
}

static void item_free(struct epitem *it)
{
	struct eventpoll *ep = it->ep;
	struct epitem **p;

	poll_table_end(&it->pt);
	set_unarmed(it, 0);
	if (it->ready)
		ready_del(ep, it);
	for (p = &ep->items; *p; p = &(*p)->next) {
		if (*p == it) {
			*p = it->next;
			break;
		}
	}
	for (p = &it->file->epolls; *p; p = &(*p)->fnext) {
		if (*p == it) {
			*p = it->fnext;
			break;
		}
	}
	kfree(it);
}

void epoll_forget(struct file *f)
{
	while (f->epolls)
		item_free(f->epolls);
}

/* ---- the instance as a file ---- */

/* Readable while an item on the ready list is ready (those that are no
 * longer leave the list, registered afresh). */
static unsigned ep_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->priv;
	struct epitem **p = &ep->rhead, *it;
	unsigned m = 0;

	poll_wait(pt, &ep->q);
	rearm_unarmed(ep);
	while ((it = *p)) {
		if (item_poll(it, 1)) {
			m = POLLIN | POLLRDNORM;
			p = &it->rnext;
			continue;
		}
		*p = it->rnext;
		it->ready = 0;
		it->rnext = NULL;
	}
	ep->rtail = p;
	return m;
}

static int ep_release(struct file *f)
{
	struct eventpoll *ep = f->priv;

	while (ep->items)
		item_free(ep->items);
	waitq_release(&ep->q);
	kfree(ep);
	return 0;
}

static int ep_fstat(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_mode = 0600; /* Linux's anonymous inode */
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

static const struct file_ops epoll_ops = {
	.poll = ep_poll,
	.fstat = ep_fstat,
	.release = ep_release,
};

SYSCALL_DEFINE1(epoll_create1, int, flags)
{
	struct eventpoll *ep;
	struct file *f;
	int fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	if (!(ep = kmalloc(sizeof *ep, MM_KERNEL)))
		return -ENOMEM;
	if (!(f = file_alloc(&epoll_ops, O_RDWR))) {
		kfree(ep);
		return -ENOMEM;
	}
	ep->rtail = &ep->rhead;
	ep->file = f;
	f->priv = ep;
	if ((fd = fd_install(f, flags & EPOLL_CLOEXEC)) < 0)
		file_put(f); /* never installed: released at once */
	return fd;
}

SYSCALL_DEFINE1(epoll_create, int, size)
{
	return size <= 0 ? -EINVAL : do_epoll_create1(0);
}

/* ---- epoll_ctl ---- */

/* The longest chain of instances below ep (ep counted), or MAX_NESTS + 1
 * when it meets target on the way (a cycle). */
static int depth_below(struct eventpoll *ep, struct eventpoll *target, int level)
{
	struct epitem *it;
	int deepest = 1, d;

	if (ep == target || level > MAX_NESTS)
		return MAX_NESTS + 1;
	for (it = ep->items; it; it = it->next) {
		if (!is_epoll(it->file))
			continue;
		d = 1 + depth_below(it->file->priv, target, level + 1);
		if (d > deepest)
			deepest = d;
		if (deepest > MAX_NESTS)
			break;
	}
	return deepest;
}

/* The longest chain of instances above ep (ep counted). */
static int depth_above(struct eventpoll *ep, int level)
{
	struct epitem *it;
	int highest = 1, d;

	if (level > MAX_NESTS)
		return MAX_NESTS + 1;
	for (it = ep->file->epolls; it; it = it->fnext) {
		d = 1 + depth_above(it->ep, level + 1);
		if (d > highest)
			highest = d;
	}
	return highest;
}

static struct epitem *find(struct eventpoll *ep, struct file *f, int fd)
{
	struct epitem *it;

	for (it = f->epolls; it; it = it->fnext)
		if (it->ep == ep && it->fd == fd)
			return it;
	return NULL;
}

/* Polls it with registration and lists it when ready. */
static void item_check(struct epitem *it)
{
	if (item_poll(it, 1) && !it->ready) {
		ready_add(it->ep, it);
		waitq_wake(&it->ep->q);
	}
}

static long ctl_add(struct eventpoll *ep, struct file *f, int fd, const struct epoll_event *ev)
{
	struct epitem *it;

	if (find(ep, f, fd))
		return -EEXIST;
	if (is_epoll(f) && depth_above(ep, 0) + depth_below(f->priv, ep, 0) > MAX_NESTS)
		return -ELOOP;
	if (!(it = kmalloc(sizeof *it, MM_KERNEL)))
		return -ENOMEM;
	it->ep = ep;
	it->file = f;
	it->fd = fd;
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data.u64;
	poll_table_init(&it->pt, item_woken, it);
	it->next = ep->items;
	ep->items = it;
	it->fnext = f->epolls;
	f->epolls = it;
	item_check(it);
	return 0;
}

SYSCALL_DEFINE4(epoll_ctl, int, epfd, int, op, int, fd, struct epoll_event *, ev)
{
	struct file *ef = fd_get(epfd), *f = fd_get(fd);
	struct eventpoll *ep;
	struct epitem *it;

	if (op != EPOLL_CTL_DEL && !ev)
		return -EFAULT;
	if (!ef || !f || (f->flags & O_PATH))
		return -EBADF;
	if (!f->ops->poll)
		return -EPERM; /* regular files and devices: always ready */
	if (ef == f || !is_epoll(ef))
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD || is_epoll(f) || (ev->events & ~EXCLUSIVE_OK))
			return -EINVAL;
	}
	ep = ef->priv;
	it = find(ep, f, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		return ctl_add(ep, f, fd, ev);
	case EPOLL_CTL_MOD:
		if (!it)
			return -ENOENT;
		if (it->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		it->events = ev->events | EPOLLERR | EPOLLHUP;
		it->data = ev->data.u64;
		it->disabled = 0;
		item_check(it);
		return 0;
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		item_free(it);
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- epoll_wait and its kin ---- */

static long ep_wait(int epfd, struct epoll_event *out, int max, uint64_t deadline)
{
	struct file *ef = fd_get(epfd);
	struct eventpoll *ep;
	struct poll_table pt;
	uint64_t until;
	int n;

	if (max <= 0 || max > INT_MAX / (int)sizeof(struct epoll_event))
		return -EINVAL;
	if (!out)
		return -EFAULT;
	if (!ef)
		return -EBADF;
	if (!is_epoll(ef))
		return -EINVAL;
	ep = ef->priv;
	ef->refs++; /* a close by another thread while this one waits */
	for (;;) {
		waitq_event_look(KEEL_EV_SOCK); /* host sockets: see wait.h */
		rearm_unarmed(ep);
		n = harvest(ep, out, max);
		if (n)
			break;
		if (deadline != UINT64_MAX && time_now() >= deadline)
			break;
		if (signal_pending()) {
			n = -EINTR;
			break;
		}
		/* an unarmed item: nobody wakes us for it; look within 1 ms */
		until = ep->nunarmed ? time_now() + MS : deadline;
		poll_table_init(&pt, NULL, NULL);
		poll_wait(&pt, &ep->q);
		if (!ep->rhead)
			sched_block(until < deadline ? until : deadline, 0);
		poll_table_end(&pt);
	}
	file_put(ef);
	return n;
}

static uint64_t after_ms(int timeout)
{
	uint64_t now = time_now();

	return timeout < 0 ? UINT64_MAX : now + (uint64_t)timeout * MS;
}

SYSCALL_DEFINE4(epoll_wait, int, epfd, struct epoll_event *, out, int, max, int, timeout)
{
	return ep_wait(epfd, out, max, after_ms(timeout));
}

static long pwait(int epfd, struct epoll_event *out, int max, uint64_t deadline,
		  const uint64_t *mask, size_t size)
{
	long r;

	if ((r = wait_mask_set(mask, size)))
		return r;
	r = ep_wait(epfd, out, max, deadline);
	wait_mask_restore(mask, r);
	return r;
}

SYSCALL_DEFINE6(epoll_pwait, int, epfd, struct epoll_event *, out, int, max, int, timeout,
		const uint64_t *, mask, size_t, size)
{
	return pwait(epfd, out, max, after_ms(timeout), mask, size);
}

SYSCALL_DEFINE6(epoll_pwait2, int, epfd, struct epoll_event *, out, int, max,
		const struct timespec *, ts, const uint64_t *, mask, size_t, size)
{
	uint64_t deadline = UINT64_MAX, ns;

	if (ts) {
		if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
			return -EINVAL;
		if ((uint64_t)ts->tv_sec < UINT64_MAX / 1000000000 - 1) {
			ns = (uint64_t)ts->tv_sec * 1000000000 + (uint64_t)ts->tv_nsec;
			deadline = time_now() + ns;
		}
	}
	return pwait(epfd, out, max, deadline, mask, size);
}
