/*
 * timerfd_create, timerfd_settime, timerfd_gettime: a timer behind an
 * fd whose read returns how many times it expired since the last read
 * (blocking until once, unless O_NONBLOCK). The expirations are counted
 * from the clock whenever the fd is read or polled; a kernel timer
 * (timer.h) at the next expiration wakes the fd's queue, so a thread
 * blocked in read, poll or epoll_wait wakes up even when nothing else
 * would. Above: the fd layer, poll/select/epoll. Below: timer.c, the
 * wait queues.
 *
 * Deadlines are kept on the monotonic clock; an absolute CLOCK_REALTIME
 * time is turned into one when set (keel's realtime clock is never set,
 * so TFD_TIMER_CANCEL_ON_SET never cancels). The _ALARM clocks behave as
 * their plain ones: the machine never suspends.
 */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>

#include "fd.h"
#include "kernel.h"
#include "mm.h"
#include "timer.h"
#include "wait.h"

#define NS 1000000000ULL

struct timerfd {
	int realtime;
	int active;	   /* armed: deadline is the next expiration */
	uint64_t deadline; /* monotonic ns */
	uint64_t interval; /* ns; 0: once */
	uint64_t ticks;	   /* expirations not yet read */
	struct ktimer timer;
	struct waitq q;
};

static const struct file_ops timerfd_ops;

/* Counts the expirations up to now and arms the kernel timer for the
 * next one. */
static void update(struct timerfd *t)
{
	uint64_t now = time_now(), n;

	if (t->active && now >= t->deadline) {
		if (t->interval) {
			n = (now - t->deadline) / t->interval + 1;
			t->ticks += n;
			t->deadline += n * t->interval;
		} else {
			t->ticks++;
			t->active = 0;
		}
	}
	if (t->active)
		ktimer_add(&t->timer, t->deadline);
	else
		ktimer_del(&t->timer);
}

static void expired(struct ktimer *k)
{
	struct timerfd *t = k->priv;

	update(t);
	if (t->ticks)
		waitq_wake(&t->q);
}

static ssize_t tfd_read(struct file *f, void *buf, size_t len)
{
	struct timerfd *t = f->priv;

	if (len < 8)
		return -EINVAL;
	update(t);
	if (!t->ticks)
		return -EAGAIN; /* the fd layer waits for POLLIN */
	memcpy(buf, &t->ticks, 8);
	t->ticks = 0;
	return 8;
}

static unsigned tfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *t = f->priv;

	update(t);
	poll_wait(pt, &t->q);
	return t->ticks ? POLLIN | POLLRDNORM : 0;
}

static int tfd_fstat(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_mode = 0600; /* Linux's anonymous inode */
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

static int tfd_release(struct file *f)
{
	struct timerfd *t = f->priv;

	ktimer_del(&t->timer);
	waitq_release(&t->q);
	kfree(t);
	return 0;
}

static const struct file_ops timerfd_ops = {
	.read = tfd_read,
	.poll = tfd_poll,
	.fstat = tfd_fstat,
	.release = tfd_release,
};

SYSCALL_DEFINE2(timerfd_create, int, clock, int, flags)
{
	struct timerfd *t;
	struct file *f;
	int fd;

	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		break;
	default:
		return -EINVAL;
	}
	if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	if (!(t = kmalloc(sizeof *t, MM_KERNEL)))
		return -ENOMEM;
	if (!(f = file_alloc(&timerfd_ops, O_RDWR | (flags & TFD_NONBLOCK)))) {
		kfree(t);
		return -ENOMEM;
	}
	t->realtime = clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM;
	t->timer.fn = expired;
	t->timer.priv = t;
	f->priv = t;
	if ((fd = fd_install(f, flags & TFD_CLOEXEC)) < 0)
		file_put(f); /* never installed: released at once */
	return fd;
}

static struct timerfd *timerfd_of(int fd, long *err)
{
	struct file *f = fd_get(fd);

	*err = !f ? -EBADF : f->ops != &timerfd_ops ? -EINVAL : 0;
	return *err ? NULL : f->priv;
}

static int ns_of(const struct timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NS)
		return -EINVAL;
	if ((uint64_t)ts->tv_sec >= UINT64_MAX / NS / 2)
		*ns = UINT64_MAX / 2; /* centuries: never, in effect */
	else
		*ns = (uint64_t)ts->tv_sec * NS + (uint64_t)ts->tv_nsec;
	return 0;
}

static void timespec_of(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / NS);
	ts->tv_nsec = (long)(ns % NS);
}

static void get(struct timerfd *t, struct itimerspec *cur)
{
	update(t);
	timespec_of(t->active ? t->deadline - time_now() : 0, &cur->it_value);
	timespec_of(t->interval, &cur->it_interval);
}

SYSCALL_DEFINE2(timerfd_gettime, int, fd, struct itimerspec *, cur)
{
	long err;
	struct timerfd *t = timerfd_of(fd, &err);

	if (!t)
		return err;
	if (!cur)
		return -EFAULT;
	get(t, cur);
	return 0;
}

SYSCALL_DEFINE4(timerfd_settime, int, fd, int, flags, const struct itimerspec *, new,
		struct itimerspec *, old)
{
	long err;
	struct timerfd *t = timerfd_of(fd, &err);
	uint64_t value, interval, now;

	if (!t)
		return err;
	if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	if (!new)
		return -EFAULT;
	if (ns_of(&new->it_value, &value) || ns_of(&new->it_interval, &interval))
		return -EINVAL;
	if (old)
		get(t, old);
	t->ticks = 0;
	t->interval = interval;
	t->active = value != 0;
	now = time_now();
	if (!(flags & TFD_TIMER_ABSTIME)) {
		t->deadline = now + value;
	} else if (t->realtime) {
		uint64_t rt = keel_platform->clock_realtime();

		t->deadline = value > rt ? now + (value - rt) : now;
	} else {
		t->deadline = value;
	}
	update(t); /* an absolute time already past: expired at once */
	if (t->ticks)
		waitq_wake(&t->q);
	return 0;
}
