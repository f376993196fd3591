/*
 * eventfd and eventfd2: a 64-bit counter behind an fd. Reads take it
 * (or, with EFD_SEMAPHORE, one of it) and wait while it is 0; writes add
 * to it and wait while the sum would pass 0xfffffffffffffffe. Above: the
 * fd layer, poll/select/epoll. Below: kmalloc and the wait queues.
 */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include "fd.h"
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "wait.h"

#define COUNT_MAX 0xfffffffffffffffeULL

struct eventfd {
	uint64_t count;
	int semaphore;
	struct waitq q; /* readers, writers and pollers alike */
};

static ssize_t efd_read(struct file *f, void *buf, size_t len)
{
	struct eventfd *e = f->priv;
	uint64_t v;

	if (len < 8)
		return -EINVAL;
	if (!e->count)
		return -EAGAIN; /* the fd layer waits for POLLIN */
	v = e->semaphore ? 1 : e->count;
	e->count -= v;
	memcpy(buf, &v, 8);
	waitq_wake(&e->q);
	return 8;
}

/* POLLOUT says a write of 1 fits, not that this one does: a blocking
 * write that does not fit waits here for a read. */
static ssize_t efd_write(struct file *f, const void *buf, size_t len)
{
	struct eventfd *e = f->priv;
	struct poll_table pt;
	uint64_t v;

	if (len < 8)
		return -EINVAL;
	memcpy(&v, buf, 8);
	if (v == UINT64_MAX)
		return -EINVAL;
	while (v > COUNT_MAX - e->count) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (signal_pending())
			return -ERESTARTSYS;
		poll_table_init(&pt, NULL, NULL);
		poll_wait(&pt, &e->q);
		sched_block(pt.full ? time_now() + 1000000 : UINT64_MAX, 0);
		poll_table_end(&pt);
	}
	e->count += v;
	if (v)
		waitq_wake(&e->q);
	return 8;
}

static unsigned efd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	unsigned m = 0;

	poll_wait(pt, &e->q);
	if (e->count)
		m |= POLLIN | POLLRDNORM;
	if (e->count < COUNT_MAX)
		m |= POLLOUT | POLLWRNORM;
	return m;
}

/* Linux's anonymous inode: no file type bits, rw for the owner. */
static int efd_fstat(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_mode = 0600;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

static int efd_release(struct file *f)
{
	struct eventfd *e = f->priv;

	waitq_release(&e->q);
	kfree(e);
	return 0;
}

static const struct file_ops eventfd_ops = {
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.fstat = efd_fstat,
	.release = efd_release,
};

SYSCALL_DEFINE2(eventfd2, unsigned, initval, int, flags)
{
	struct eventfd *e;
	struct file *f;
	int fd;

	if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	if (!(e = kmalloc(sizeof *e, MM_KERNEL)))
		return -ENOMEM;
	if (!(f = file_alloc(&eventfd_ops, O_RDWR | (flags & EFD_NONBLOCK)))) {
		kfree(e);
		return -ENOMEM;
	}
	e->count = initval;
	e->semaphore = !!(flags & EFD_SEMAPHORE);
	f->priv = e;
	if ((fd = fd_install(f, flags & EFD_CLOEXEC)) < 0)
		file_put(f); /* never installed: released at once */
	return fd;
}

SYSCALL_DEFINE1(eventfd, unsigned, initval)
{
	return do_eventfd2(initval, 0);
}
