/*
 * The fd table and the calls that act on any fd (read, write, readv,
 * writev, ioctl, close), plus the console file behind fds 0, 1 and 2.
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "fd.h"
#include "kernel.h"

static struct file *table[FD_MAX];
static unsigned char cloexec[FD_MAX];

struct file *fd_get(int fd)
{
	if ((unsigned)fd >= FD_MAX)
		return NULL;
	return table[fd];
}

int fd_install(struct file *f, int close_on_exec)
{
	int fd;

	for (fd = 0; fd < FD_MAX; fd++) {
		if (!table[fd]) {
			table[fd] = f;
			cloexec[fd] = (unsigned char)!!close_on_exec;
			f->refs++;
			return fd;
		}
	}
	return -EMFILE;
}

/* The console: fd 0 reads console input, 1 and 2 write its streams. */
static ssize_t console_read(struct file *f, void *buf, size_t len)
{
	return keel_platform->console_read(buf, len);
}

static ssize_t console_write(struct file *f, const void *buf, size_t len)
{
	return keel_platform->console_write((int)(intptr_t)f->priv, buf, len);
}

/* Gathers the buffers so that a writev costs one console call. */
static ssize_t console_writev(struct file *f, const struct iovec *iov, int n)
{
	char buf[4096];
	size_t used = 0, done = 0;
	int i;

	for (i = 0; i < n; i++) {
		const char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			size_t k = left < sizeof buf - used ? left : sizeof buf - used;

			if (used == 0 && left >= sizeof buf) {
				console_write(f, p, left); /* big: no copy */
				done += left;
				break;
			}
			memcpy(buf + used, p, k);
			used += k;
			p += k;
			left -= k;
			if (used == sizeof buf) {
				console_write(f, buf, used);
				done += used;
				used = 0;
			}
		}
	}
	if (used)
		console_write(f, buf, used);
	return (ssize_t)(done + used);
}

static long console_ioctl(struct file *f, unsigned long req, void *arg)
{
	struct keel_winsize ws;
	struct winsize *w = arg;
	int r;

	if (req != TIOCGWINSZ)
		return -ENOTTY;
	r = keel_platform->console_winsize((int)(intptr_t)f->priv, &ws);
	if (r)
		return r;
	w->ws_row = ws.rows;
	w->ws_col = ws.cols;
	w->ws_xpixel = w->ws_ypixel = 0;
	return 0;
}

static const struct file_ops console_ops = {
	.read = console_read,
	.write = console_write,
	.writev = console_writev,
	.ioctl = console_ioctl,
	.wait_mask = KEEL_EV_CONSOLE,
};

static struct file console_in = { &console_ops, O_RDONLY, 0, (void *)0 };
static struct file console_out = { &console_ops, O_WRONLY, 0, (void *)1 };
static struct file console_err = { &console_ops, O_WRONLY, 0, (void *)2 };

void fd_init(void)
{
	fd_install(&console_in, 0);
	fd_install(&console_out, 0);
	fd_install(&console_err, 0);
}

static ssize_t file_read(struct file *f, void *buf, size_t len)
{
	ssize_t r;

	if ((f->flags & O_ACCMODE) == O_WRONLY || !f->ops->read)
		return -EBADF;
	if (!len)
		return 0; /* as on Linux: never waits for input */
	while ((r = f->ops->read(f, buf, len)) == -EAGAIN &&
	       !(f->flags & O_NONBLOCK) && f->ops->wait_mask)
		time_wait(UINT64_MAX, f->ops->wait_mask);
	return r;
}

static ssize_t file_write(struct file *f, const void *buf, size_t len)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY || !f->ops->write)
		return -EBADF;
	return f->ops->write(f, buf, len);
}

SYSCALL_DEFINE3(read, int, fd, void *, buf, size_t, len)
{
	struct file *f = fd_get(fd);

	return f ? file_read(f, buf, len) : -EBADF;
}

SYSCALL_DEFINE3(write, int, fd, const void *, buf, size_t, len)
{
	struct file *f = fd_get(fd);

	return f ? file_write(f, buf, len) : -EBADF;
}

static int iov_check(const struct iovec *iov, int n)
{
	size_t total = 0;
	int i;

	if (n < 0 || n > 1024)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len > SSIZE_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return 0;
}

SYSCALL_DEFINE3(readv, int, fd, const struct iovec *, iov, int, n)
{
	struct file *f = fd_get(fd);
	ssize_t done = 0, r;
	int i;

	if (!f)
		return -EBADF;
	if ((r = iov_check(iov, n)))
		return r;
	for (i = 0; i < n; i++) {
		if (!iov[i].iov_len)
			continue;
		r = file_read(f, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return done;
}

SYSCALL_DEFINE3(writev, int, fd, const struct iovec *, iov, int, n)
{
	struct file *f = fd_get(fd);
	ssize_t done = 0, r;
	int i;

	if (!f)
		return -EBADF;
	if ((r = iov_check(iov, n)))
		return r;
	if (f->ops->writev && (f->flags & O_ACCMODE) != O_RDONLY)
		return f->ops->writev(f, iov, n);
	for (i = 0; i < n; i++) {
		if (!iov[i].iov_len)
			continue;
		r = file_write(f, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return done;
}

SYSCALL_DEFINE3(ioctl, int, fd, unsigned long, req, void *, arg)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	return f->ops->ioctl ? f->ops->ioctl(f, req, arg) : -ENOTTY;
}

SYSCALL_DEFINE1(close, int, fd)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	table[fd] = NULL;
	if (--f->refs == 0 && f->ops->release)
		f->ops->release(f);
	return 0;
}
