/*
 * The readiness calls poll, ppoll, select and pselect6, over every kind
 * of file through its poll op (wait.h). A call polls each fd with a
 * poll table that puts the thread on the queues the fds wake; if none
 * is ready it blocks until a wake or the deadline (monotonic ns) and
 * polls again; a signal the thread takes ends the wait with -EINTR.
 * ppoll and pselect6 run under the signal mask they are given (the
 * thread's own comes back after the handlers, signal.h), and all four
 * write the time left back where the caller gave one, as Linux does.
 * Above: musl. Below: the fd layer and the scheduler.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include "fd.h"
#include "kernel.h"
#include "sched.h"
#include "signal.h"
#include "wait.h"

/* The events that make select count an fd readable, writable or
 * exceptional (Linux's POLLIN_SET, POLLOUT_SET, POLLEX_SET). */
#define IN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define OUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define EX_SET (POLLPRI)

#define MS 1000000ULL

typedef int (*pass_fn)(void *arg, struct poll_table *pt);

/* Passes until one finds something (or fails), or the deadline, or a
 * signal (-EINTR): every pass registers afresh, so a file may choose
 * its queues each time. */
static int wait_ready(pass_fn pass, void *arg, uint64_t deadline)
{
	struct poll_table pt;
	uint64_t until;
	int n;

	/* (no deadline: no clock read; on some bases a read is dear) */
	if (deadline != UINT64_MAX && time_now() >= deadline)
		return pass(arg, NULL); /* a zero timeout: no waiting */
	for (;;) {
		poll_table_init(&pt, NULL, NULL);
		n = pass(arg, &pt);
		if (n || (deadline != UINT64_MAX && time_now() >= deadline))
			break;
		if (signal_pending()) {
			n = -EINTR;
			break;
		}
		/* full: a waiter is missing; look again within 1 ms */
		until = pt.full ? time_now() + MS : deadline;
		sched_block(until < deadline ? until : deadline, 0);
		poll_table_end(&pt);
	}
	poll_table_end(&pt);
	return n;
}

static struct file *pollable(int fd)
{
	struct file *f = fd_get(fd);

	return f && !(f->flags & O_PATH) ? f : NULL;
}

/* ---- poll and ppoll ---- */

struct poll_args {
	struct pollfd *fds;
	unsigned n;
};

static int poll_pass(void *arg, struct poll_table *pt)
{
	struct poll_args *a = arg;
	int count = 0;
	unsigned i;

	for (i = 0; i < a->n; i++) {
		struct pollfd *p = &a->fds[i];
		struct file *f;
		unsigned m;

		if (p->fd < 0) {
			p->revents = 0;
			continue;
		}
		if (!(f = pollable(p->fd)))
			m = POLLNVAL;
		else
			m = file_poll(f, pt) & ((unsigned short)p->events | POLLERR | POLLHUP);
		p->revents = (short)m;
		if (m)
			count++;
	}
	return count;
}

long wait_mask_set(const uint64_t *mask, size_t size)
{
	if (!mask)
		return 0;
	if (size != sizeof(uint64_t))
		return -EINVAL;
	signal_mask_begin(*mask);
	return 0;
}

void wait_mask_restore(const uint64_t *mask, long r)
{
	if (mask)
		signal_mask_end(r == -EINTR);
}

static long do_poll_until(struct pollfd *fds, unsigned n, uint64_t deadline)
{
	struct poll_args a = { fds, n };

	if (n > FD_MAX)
		return -EINVAL; /* Linux: more than RLIMIT_NOFILE */
	if (n && !fds)
		return -EFAULT;
	return wait_ready(poll_pass, &a, deadline);
}

static uint64_t after(uint64_t ns)
{
	uint64_t now = time_now();

	return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

/* A relative timeout as a deadline; NULL: none. */
static int deadline_of(const struct timespec *ts, uint64_t *deadline)
{
	if (!ts) {
		*deadline = UINT64_MAX;
		return 0;
	}
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return -EINVAL;
	if ((uint64_t)ts->tv_sec >= UINT64_MAX / 1000000000 - 1)
		*deadline = UINT64_MAX;
	else
		*deadline = after((uint64_t)ts->tv_sec * 1000000000 + (uint64_t)ts->tv_nsec);
	return 0;
}

static uint64_t left(uint64_t deadline)
{
	uint64_t now = time_now();

	return deadline > now ? deadline - now : 0;
}

SYSCALL_DEFINE3(poll, struct pollfd *, fds, unsigned, n, int, timeout)
{
	return do_poll_until(fds, n, timeout < 0 ? UINT64_MAX : after((uint64_t)timeout * MS));
}

SYSCALL_DEFINE5(ppoll, struct pollfd *, fds, unsigned, n, struct timespec *, ts,
		const uint64_t *, mask, size_t, size)
{
	uint64_t deadline;
	long r;

	if ((r = deadline_of(ts, &deadline)))
		return r;
	if ((r = wait_mask_set(mask, size)))
		return r;
	r = do_poll_until(fds, n, deadline);
	wait_mask_restore(mask, r);
	if (ts && deadline != UINT64_MAX) {
		uint64_t l = left(deadline);

		ts->tv_sec = (time_t)(l / 1000000000);
		ts->tv_nsec = (long)(l % 1000000000);
	}
	return r;
}

/* ---- select and pselect6 ---- */

#define WORD_BITS (8 * sizeof(unsigned long))
#define WORDS (FD_SETSIZE / WORD_BITS)

struct select_args {
	int n;
	unsigned long *in[3];	     /* the caller's sets (NULL: none) */
	unsigned long out[3][WORDS]; /* what is ready */
};

static int bit(const unsigned long *set, int fd)
{
	return set && (set[fd / WORD_BITS] >> (fd % WORD_BITS)) & 1;
}

static int select_pass(void *arg, struct poll_table *pt)
{
	static const unsigned sets[3] = { IN_SET, OUT_SET, EX_SET };
	struct select_args *a = arg;
	int fd, k, count = 0;

	memset(a->out, 0, sizeof a->out);
	for (fd = 0; fd < a->n; fd++) {
		struct file *f;
		unsigned m;

		if (!bit(a->in[0], fd) && !bit(a->in[1], fd) && !bit(a->in[2], fd))
			continue;
		if (!(f = pollable(fd)))
			continue; /* closed since the check: as Linux, ignored */
		m = file_poll(f, pt);
		for (k = 0; k < 3; k++) {
			if (bit(a->in[k], fd) && (m & sets[k])) {
				a->out[k][fd / WORD_BITS] |= 1UL << (fd % WORD_BITS);
				count++;
			}
		}
	}
	return count;
}

static long do_select_until(int n, fd_set *r, fd_set *w, fd_set *e, uint64_t deadline)
{
	struct select_args a;
	int fd, k, count;
	size_t bytes;

	if (n < 0)
		return -EINVAL;
	if (n > FD_MAX)
		n = FD_MAX; /* as Linux: no more fds than the table holds */
	a.n = n;
	a.in[0] = (unsigned long *)r;
	a.in[1] = (unsigned long *)w;
	a.in[2] = (unsigned long *)e;
	for (fd = 0; fd < n; fd++)
		if ((bit(a.in[0], fd) || bit(a.in[1], fd) || bit(a.in[2], fd)) && !pollable(fd))
			return -EBADF;
	count = wait_ready(select_pass, &a, deadline);
	if (count < 0)
		return count; /* interrupted: the sets stay as they were */
	/* Only the words that hold the n bits are the caller's to change. */
	bytes = (n + WORD_BITS - 1) / WORD_BITS * sizeof(unsigned long);
	for (k = 0; k < 3; k++)
		if (a.in[k])
			memcpy(a.in[k], a.out[k], bytes);
	return count;
}

SYSCALL_DEFINE5(select, int, n, fd_set *, r, fd_set *, w, fd_set *, e, struct timeval *, tv)
{
	uint64_t deadline = UINT64_MAX;
	long ret;

	if (tv) {
		struct timespec ts = { tv->tv_sec, tv->tv_usec * 1000 };

		if (tv->tv_usec < 0 || tv->tv_usec >= 1000000 || deadline_of(&ts, &deadline))
			return -EINVAL;
	}
	ret = do_select_until(n, r, w, e, deadline);
	if (tv && deadline != UINT64_MAX) {
		uint64_t l = left(deadline);

		tv->tv_sec = (time_t)(l / 1000000000);
		tv->tv_usec = (long)(l % 1000000000 / 1000);
	}
	return ret;
}

/* pselect6's sixth argument: the mask and its size, behind a pointer. */
struct sigmask_arg {
	const uint64_t *mask;
	size_t size;
};

SYSCALL_DEFINE6(pselect6, int, n, fd_set *, r, fd_set *, w, fd_set *, e, struct timespec *, ts,
		const struct sigmask_arg *, sig)
{
	const uint64_t *mask = sig ? sig->mask : NULL;
	uint64_t deadline;
	long ret;

	if ((ret = deadline_of(ts, &deadline)))
		return ret;
	if ((ret = wait_mask_set(mask, sig ? sig->size : 0)))
		return ret;
	ret = do_select_until(n, r, w, e, deadline);
	wait_mask_restore(mask, ret);
	if (ts && deadline != UINT64_MAX) {
		uint64_t l = left(deadline);

		ts->tv_sec = (time_t)(l / 1000000000);
		ts->tv_nsec = (long)(l % 1000000000);
	}
	return ret;
}
