/*
 * Pipes: pipe and pipe2. A pipe is a ring buffer (64 KiB, from the
 * memory budget as MM_KERNEL; F_SETPIPE_SZ changes it) between two
 * files, the read end and the write end. The ops never block: an empty
 * pipe with writers and a full one with readers answer -EAGAIN, and the
 * fd layer waits on the ends' poll (fd.c, wait.h) unless O_NONBLOCK.
 * Above: the fd layer, poll/select/epoll. Below: kmalloc.
 *
 * Writes of up to PIPE_BUF bytes are atomic; a write end is writable
 * (POLLOUT) only while PIPE_BUF bytes fit, so such a write never waits
 * in vain. Every change of state wakes the queue of the end it concerns.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fd.h"
#include "kernel.h"
#include "mm.h"
#include "wait.h"

#define PIPE_SIZE 65536
#define PIPE_MAX_SIZE (1024 * 1024) /* Linux's default pipe-max-size */

struct pipe {
	char *buf;
	size_t cap; /* a power of two, at least PIPE_BUF */
	size_t head, len;
	int readers, writers; /* open ends: 1 or 0 each */
	struct waitq rq;      /* the read end's: data or the last writer gone */
	struct waitq wq;      /* the write end's: room or the last reader gone */
	unsigned long ino;
};

static unsigned long next_ino = 1;

static int is_reader(struct file *f)
{
	return (f->flags & O_ACCMODE) == O_RDONLY;
}

static ssize_t pipe_read(struct file *f, void *buf, size_t len)
{
	struct pipe *p = f->priv;
	size_t n, first;

	if (!p->len)
		return p->writers ? -EAGAIN : 0;
	n = len < p->len ? len : p->len;
	first = p->cap - p->head < n ? p->cap - p->head : n;
	memcpy(buf, p->buf + p->head, first);
	memcpy((char *)buf + first, p->buf, n - first);
	p->head = (p->head + n) & (p->cap - 1);
	p->len -= n;
	if (!p->len)
		p->head = 0;
	waitq_wake(&p->wq);
	return (ssize_t)n;
}

static ssize_t pipe_write(struct file *f, const void *buf, size_t len)
{
	struct pipe *p = f->priv;
	size_t room = p->cap - p->len, n, tail, first;

	if (!len)
		return 0;
	if (!p->readers)
		return -EPIPE; /* the generic write path raises SIGPIPE */
	if (room < len && (len <= PIPE_BUF || !room))
		return -EAGAIN;
	n = len < room ? len : room;
	tail = (p->head + p->len) & (p->cap - 1);
	first = p->cap - tail < n ? p->cap - tail : n;
	memcpy(p->buf + tail, buf, first);
	memcpy(p->buf, (const char *)buf + first, n - first);
	p->len += n;
	waitq_wake(&p->rq);
	return (ssize_t)n;
}

static unsigned pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	unsigned m = 0;

	if (is_reader(f)) {
		poll_wait(pt, &p->rq);
		if (p->len)
			m |= POLLIN | POLLRDNORM;
		if (!p->writers)
			m |= POLLHUP;
	} else {
		poll_wait(pt, &p->wq);
		if (p->cap - p->len >= PIPE_BUF)
			m |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			m |= POLLERR;
	}
	return m;
}

static int pipe_fstat(struct file *f, struct stat *st)
{
	struct pipe *p = f->priv;

	memset(st, 0, sizeof *st);
	st->st_mode = S_IFIFO | 0600;
	st->st_dev = makedev(0, 12);
	st->st_ino = p->ino;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

static long pipe_ioctl(struct file *f, unsigned long req, void *arg)
{
	struct pipe *p = f->priv;

	if (req != FIONREAD)
		return -ENOTTY;
	if (!arg)
		return -EFAULT;
	*(int *)arg = (int)p->len;
	return 0;
}

/* A new buffer of at least size bytes (a power of two, PIPE_BUF at
 * least), holding what the pipe holds. */
static long resize(struct pipe *p, unsigned long size)
{
	size_t cap = PIPE_BUF, first;
	char *buf;

	if (size > PIPE_MAX_SIZE)
		return -EPERM; /* as for a user without CAP_SYS_RESOURCE */
	while (cap < size)
		cap *= 2;
	if (cap < p->len)
		return -EBUSY;
	if (cap == p->cap)
		return (long)cap;
	if (!(buf = kmalloc(cap, MM_KERNEL)))
		return -ENOMEM;
	first = p->cap - p->head < p->len ? p->cap - p->head : p->len;
	memcpy(buf, p->buf + p->head, first);
	memcpy(buf + first, p->buf, p->len - first);
	kfree(p->buf);
	p->buf = buf;
	p->cap = cap;
	p->head = 0;
	waitq_wake(&p->wq); /* room may have come */
	return (long)cap;
}

static long pipe_fcntl(struct file *f, int cmd, unsigned long arg)
{
	struct pipe *p = f->priv;

	switch (cmd) {
	case F_GETPIPE_SZ:
		return (long)p->cap;
	case F_SETPIPE_SZ:
		return resize(p, (unsigned)arg);
	default:
		return -EINVAL;
	}
}

static int pipe_release(struct file *f)
{
	struct pipe *p = f->priv;

	if (is_reader(f)) {
		p->readers = 0;
		waitq_wake(&p->wq); /* writers: EPIPE, POLLERR */
		waitq_release(&p->rq);
	} else {
		p->writers = 0;
		waitq_wake(&p->rq); /* readers: end of file, POLLHUP */
		waitq_release(&p->wq);
	}
	if (!p->readers && !p->writers) {
		kfree(p->buf);
		kfree(p);
	}
	return 0;
}

static const struct file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.fstat = pipe_fstat,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.fcntl = pipe_fcntl,
	.release = pipe_release,
};

SYSCALL_DEFINE2(pipe2, int *, fds, int, flags)
{
	struct file *rf = NULL, *wf = NULL;
	struct pipe *p;
	int rfd, wfd;
	long r;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL; /* O_DIRECT (packet mode) is not supported */
	if (!fds)
		return -EFAULT;
	if (!(p = kmalloc(sizeof *p, MM_KERNEL)))
		return -ENOMEM;
	if (!(p->buf = kmalloc(PIPE_SIZE, MM_KERNEL))) {
		kfree(p);
		return -ENFILE; /* as Linux says when a pipe cannot be had */
	}
	p->cap = PIPE_SIZE;
	p->ino = next_ino++;
	rf = file_alloc(&pipe_ops, O_RDONLY | (flags & O_NONBLOCK));
	wf = file_alloc(&pipe_ops, O_WRONLY | (flags & O_NONBLOCK));
	if (!rf || !wf) {
		r = -ENOMEM;
		goto fail;
	}
	rf->priv = wf->priv = p;
	p->readers = p->writers = 1;
	if ((rfd = fd_install(rf, flags & O_CLOEXEC)) < 0) {
		r = rfd;
		goto fail;
	}
	if ((wfd = fd_install(wf, flags & O_CLOEXEC)) < 0) {
		fd_close(rfd);
		file_put(wf); /* never installed: released at once, frees p */
		return wfd;
	}
	fds[0] = rfd;
	fds[1] = wfd;
	return 0;
fail:
	kfree(rf);
	kfree(wf);
	kfree(p->buf);
	kfree(p);
	return r;
}

SYSCALL_DEFINE1(pipe, int *, fds)
{
	return do_pipe2(fds, 0);
}
