/*
 * The fd table and the calls that act on any fd (read, write and their
 * vector and positioned forms, lseek, fstat, getdents64, dup, fcntl,
 * ftruncate, fsync, ioctl, close), plus the console file behind fds 0,
 * 1 and 2. Above: musl. Below: each file's ops (the console here, ramfs
 * files and devices through vfs.c).
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "fd.h"
#include "kernel.h"
#include "mm.h"
#include "signal.h"
#include "vfs.h"
#include "wait.h"

static struct file *table[FD_MAX];
static unsigned char cloexec[FD_MAX];
int fd_nofile = FD_MAX;

struct file *fd_get(int fd)
{
	if ((unsigned)fd >= FD_MAX)
		return NULL;
	return table[fd];
}

static int install_from(struct file *f, int min, int close_on_exec)
{
	int fd;

	for (fd = min; fd < fd_nofile; fd++) {
		if (!table[fd]) {
			table[fd] = f;
			cloexec[fd] = (unsigned char)!!close_on_exec;
			f->refs++;
			return fd;
		}
	}
	return -EMFILE;
}

int fd_install(struct file *f, int close_on_exec)
{
	return install_from(f, 0, close_on_exec);
}

struct file *file_alloc(const struct file_ops *ops, int flags)
{
	struct file *f = kmalloc(sizeof *f, MM_KERNEL);

	if (!f)
		return NULL;
	f->ops = ops;
	f->flags = flags;
	f->allocated = 1;
	return f;
}

void file_put(struct file *f)
{
	if (--f->refs > 0)
		return;
	if (f->epolls)
		epoll_forget(f);
	if (f->ops->release)
		f->ops->release(f);
	if (f->vn)
		vfs_put(f->vn);
	if (f->allocated)
		kfree(f);
}

/* The console: fd 0 reads console input, 1 and 2 write its streams.
 * The platform cannot peek at input, so poll reads ahead into a small
 * buffer that the next read drains first. */
static struct {
	char buf[256];
	unsigned len, off;
	int eof; /* the platform said end of input */
} ahead;

static ssize_t console_read(struct file *f, void *buf, size_t len)
{
	ssize_t r;

	if (ahead.off < ahead.len) {
		size_t n = ahead.len - ahead.off < len ? ahead.len - ahead.off : len;

		memcpy(buf, ahead.buf + ahead.off, n);
		ahead.off += (unsigned)n;
		return (ssize_t)n;
	}
	if (ahead.eof) {
		ahead.eof = 0; /* one end of input per read, as a tty gives */
		return 0;
	}
	r = keel_platform->console_read(buf, len);
	return r;
}

static unsigned console_poll(struct file *f, struct poll_table *pt)
{
	ssize_t r;

	if ((int)(intptr_t)f->priv != 0)
		return POLLOUT | POLLWRNORM;
	if (ahead.off < ahead.len || ahead.eof)
		return POLLIN | POLLRDNORM;
	r = keel_platform->console_read(ahead.buf, sizeof ahead.buf);
	if (r > 0) {
		ahead.len = (unsigned)r;
		ahead.off = 0;
		return POLLIN | POLLRDNORM;
	}
	if (r == 0) {
		ahead.eof = 1;
		return POLLIN | POLLRDNORM | POLLHUP;
	}
	if (r != -EAGAIN)
		return POLLERR;
	poll_wait(pt, waitq_event(KEEL_EV_CONSOLE));
	return 0;
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

static int console_fstat(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_mode = S_IFCHR | 0620;
	st->st_rdev = makedev(5, 1);
	st->st_dev = makedev(0, 6);
	st->st_ino = 3;
	st->st_nlink = 1;
	st->st_blksize = 1024;
	return 0;
}

const struct file_ops fd_console_ops = {
	.read = console_read,
	.write = console_write,
	.writev = console_writev,
	.fstat = console_fstat,
	.ioctl = console_ioctl,
	.poll = console_poll,
};

static struct file console_in = { .ops = &fd_console_ops, .flags = O_RDONLY, .priv = (void *)0 };
static struct file console_out = { .ops = &fd_console_ops, .flags = O_WRONLY, .priv = (void *)1 };
static struct file console_err = { .ops = &fd_console_ops, .flags = O_WRONLY, .priv = (void *)2 };

void fd_init(void)
{
	fd_install(&console_in, 0);
	fd_install(&console_out, 0);
	fd_install(&console_err, 0);
	vfs_init();
}

static int readable(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY && !(f->flags & O_PATH);
}

static int writable(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY && !(f->flags & O_PATH);
}

/* may_wait: 0 once part of a readv has been read, which then ends with
 * what is there rather than waiting for more. */
static ssize_t file_read_wait(struct file *f, void *buf, size_t len, int may_wait)
{
	ssize_t r;

	if (!readable(f))
		return -EBADF;
	if (!f->ops->read)
		return f->ops->getdents ? -EISDIR : -EINVAL;
	if (!len)
		return 0; /* as on Linux: never waits for input */
	f->refs++; /* a close by another thread while this one waits */
	while ((r = f->ops->read(f, buf, len)) == -EAGAIN && may_wait &&
	       !(f->flags & O_NONBLOCK) && f->ops->poll) {
		if (!file_wait(f, POLLIN, UINT64_MAX) && signal_pending()) {
			r = -ERESTARTSYS; /* signal.h */
			break;
		}
	}
	file_put(f);
	return r;
}

static ssize_t file_read(struct file *f, void *buf, size_t len)
{
	return file_read_wait(f, buf, len, 1);
}

/* A write to a file nobody reads any more raises SIGPIPE (signal.c). */
static ssize_t wrote(ssize_t r)
{
	if (r == -EPIPE)
		signal_pipe();
	return r;
}

/* A blocking write to a file that can say -EAGAIN (a pipe, a socket)
 * goes on until all of buf is written, waiting for room as it must; an
 * error after part of it was written returns that part, and so does a
 * signal (or, with nothing written, -ERESTARTSYS). */
static ssize_t file_write(struct file *f, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t r;

	if (!writable(f))
		return -EBADF;
	if (!f->ops->write)
		return -EINVAL;
	f->refs++; /* a close by another thread while this one waits */
	for (;;) {
		r = f->ops->write(f, (const char *)buf + done, len - done);
		if (r > 0)
			done += (size_t)r;
		else if (r != -EAGAIN)
			break;
		if (done == len || (f->flags & O_NONBLOCK) || !f->ops->poll)
			break;
		if (r == -EAGAIN && !file_wait(f, POLLOUT, UINT64_MAX)) {
			if (signal_pending())
				r = -ERESTARTSYS;
			break;
		}
	}
	file_put(f);
	wrote(r);
	return done ? (ssize_t)done : r;
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
		r = file_read_wait(f, iov[i].iov_base, iov[i].iov_len, !done);
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
	if (f->ops->writev && writable(f))
		return wrote(f->ops->writev(f, iov, n));
	if (n > 1 && f->ops->poll) {
		/* Up to PIPE_BUF bytes in pieces go as one write, as POSIX
		 * has it: atomic into a pipe, one send on a socket. */
		char buf[PIPE_BUF];
		size_t total = 0;

		for (i = 0; i < n && total <= sizeof buf; i++)
			total += iov[i].iov_len;
		if (total <= sizeof buf) {
			for (total = 0, i = 0; i < n; i++) {
				memcpy(buf + total, iov[i].iov_base, iov[i].iov_len);
				total += iov[i].iov_len;
			}
			return file_write(f, buf, total);
		}
	}
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

/* The request is an unsigned int, as in the kernel: musl passes an int,
 * which a long would sign-extend (every _IOR request has bit 31 set). */
SYSCALL_DEFINE3(ioctl, int, fd, unsigned, req, void *, arg)
{
	struct file *f = fd_get(fd);

	if (!f || (f->flags & O_PATH))
		return -EBADF;
	switch (req) {
	case FIOCLEX:
	case FIONCLEX:
		cloexec[fd] = req == FIOCLEX;
		return 0;
	case FIONBIO:
		if (*(int *)arg)
			f->flags |= O_NONBLOCK;
		else
			f->flags &= ~O_NONBLOCK;
		return 0;
	}
	return f->ops->ioctl ? f->ops->ioctl(f, req, arg) : -ENOTTY;
}

int fd_close(int fd)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	table[fd] = NULL;
	cloexec[fd] = 0;
	file_put(f);
	return 0;
}

SYSCALL_DEFINE1(close, int, fd)
{
	return fd_close(fd);
}

/* ---- positioned I/O ---- */

static ssize_t file_pread(struct file *f, void *buf, size_t len, off_t off)
{
	if (!readable(f))
		return -EBADF;
	if (!f->ops->pread)
		return f->ops->getdents ? -EISDIR : -ESPIPE;
	if (off < 0)
		return -EINVAL;
	return len ? f->ops->pread(f, buf, len, off) : 0;
}

static ssize_t file_pwrite(struct file *f, const void *buf, size_t len, off_t off)
{
	if (!writable(f))
		return -EBADF;
	if (!f->ops->pwrite)
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	return len ? f->ops->pwrite(f, buf, len, off) : 0;
}

SYSCALL_DEFINE4(pread64, int, fd, void *, buf, size_t, len, off_t, off)
{
	struct file *f = fd_get(fd);

	return f ? file_pread(f, buf, len, off) : -EBADF;
}

SYSCALL_DEFINE4(pwrite64, int, fd, const void *, buf, size_t, len, off_t, off)
{
	struct file *f = fd_get(fd);

	return f ? file_pwrite(f, buf, len, off) : -EBADF;
}

/* preadv/pwritev: the offset arrives split in two longs (lo, hi); on
 * x86_64 lo holds all of it. */
static ssize_t pvec(int fd, const struct iovec *iov, int n, off_t off, int wr)
{
	struct file *f = fd_get(fd);
	ssize_t done = 0, r;
	int i;

	if (!f)
		return -EBADF;
	if ((r = iov_check(iov, n)))
		return r;
	if (off < 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!iov[i].iov_len)
			continue;
		r = wr ? file_pwrite(f, iov[i].iov_base, iov[i].iov_len, off + done)
		       : file_pread(f, iov[i].iov_base, iov[i].iov_len, off + done);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	if (!done && n && (wr ? !writable(f) : !readable(f)))
		return -EBADF;
	return done;
}

SYSCALL_DEFINE4(preadv, int, fd, const struct iovec *, iov, int, n, off_t, off)
{
	return pvec(fd, iov, n, off, 0);
}

SYSCALL_DEFINE4(pwritev, int, fd, const struct iovec *, iov, int, n, off_t, off)
{
	return pvec(fd, iov, n, off, 1);
}

SYSCALL_DEFINE3(lseek, int, fd, off_t, off, int, whence)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	if (!f->ops->lseek)
		return -ESPIPE;
	return f->ops->lseek(f, off, whence);
}

SYSCALL_DEFINE2(fstat, int, fd, struct stat *, st)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	if (f->vn)
		return vfs_stat(f->vn, st);
	if (!f->ops->fstat)
		return -EINVAL;
	return f->ops->fstat(f, st);
}

SYSCALL_DEFINE3(getdents64, int, fd, void *, buf, size_t, len)
{
	struct file *f = fd_get(fd);

	if (!f || (f->flags & O_PATH))
		return -EBADF;
	if (!f->ops->getdents)
		return -ENOTDIR;
	return f->ops->getdents(f, buf, len);
}

SYSCALL_DEFINE2(ftruncate, int, fd, off_t, len)
{
	struct file *f = fd_get(fd);

	if (!f || !writable(f))
		return f ? -EINVAL : -EBADF;
	if (len < 0 || !f->ops->truncate)
		return -EINVAL;
	return f->ops->truncate(f, len);
}

static long file_sync(int fd)
{
	struct file *f = fd_get(fd);

	if (!f || (f->flags & O_PATH))
		return -EBADF;
	return f->ops->sync ? f->ops->sync(f) : -EINVAL;
}

SYSCALL_DEFINE1(fsync, int, fd)
{
	return file_sync(fd);
}

SYSCALL_DEFINE1(fdatasync, int, fd)
{
	return file_sync(fd);
}

/* ---- dup and fcntl ---- */

static long dup_onto(int old, int new, int close_on_exec)
{
	struct file *f = fd_get(old), *prev;

	if (!f || (unsigned)new >= (unsigned)fd_nofile)
		return -EBADF;
	f->refs++; /* before closing new: old and new may share f */
	prev = table[new];
	table[new] = f;
	cloexec[new] = (unsigned char)!!close_on_exec;
	if (prev)
		file_put(prev);
	return new;
}

SYSCALL_DEFINE1(dup, int, old)
{
	struct file *f = fd_get(old);

	return f ? install_from(f, 0, 0) : -EBADF;
}

SYSCALL_DEFINE2(dup2, int, old, int, new)
{
	if (old == new)
		return fd_get(old) ? new : -EBADF;
	return dup_onto(old, new, 0);
}

SYSCALL_DEFINE3(dup3, int, old, int, new, int, flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (old == new)
		return -EINVAL;
	return dup_onto(old, new, flags & O_CLOEXEC);
}

#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

SYSCALL_DEFINE3(fcntl, int, fd, int, cmd, unsigned long, arg)
{
	struct file *f = fd_get(fd);
	struct flock *fl = (struct flock *)arg;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= (unsigned long)fd_nofile)
			return -EINVAL;
		return install_from(f, (int)arg, cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return cloexec[fd] ? FD_CLOEXEC : 0;
	case F_SETFD:
		cloexec[fd] = arg & FD_CLOEXEC;
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		if (f->flags & O_PATH)
			return -EBADF;
		f->flags = (f->flags & ~SETFL_MASK) | ((int)arg & SETFL_MASK);
		return 0;
	/* One process: its own record locks never conflict with each
	 * other, so every lock is granted and none is reported held. */
	case F_GETLK:
	case F_OFD_GETLK:
		if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK && fl->l_type != F_UNLCK)
			return -EINVAL;
		fl->l_type = F_UNLCK;
		return 0;
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK && fl->l_type != F_UNLCK)
			return -EINVAL;
		if ((fl->l_type == F_RDLCK && !readable(f)) ||
		    (fl->l_type == F_WRLCK && !writable(f)))
			return -EBADF;
		return 0;
	default:
		return f->ops->fcntl ? f->ops->fcntl(f, cmd, arg) : -EINVAL;
	}
}

int fd_dup(int fd, int close_on_exec)
{
	struct file *f = fd_get(fd);

	return f ? install_from(f, 0, close_on_exec) : -EBADF;
}

#define CLOSE_RANGE_UNSHARE 2U
#define CLOSE_RANGE_CLOEXEC 4U

SYSCALL_DEFINE3(close_range, unsigned, first, unsigned, last, unsigned, flags)
{
	unsigned fd;

	if (first > last || (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)))
		return -EINVAL;
	for (fd = first; fd <= last && fd < FD_MAX; fd++) {
		if (!table[fd])
			continue;
		if (flags & CLOSE_RANGE_CLOEXEC) {
			cloexec[fd] = 1;
		} else {
			struct file *f = table[fd];

			table[fd] = NULL;
			cloexec[fd] = 0;
			file_put(f);
		}
	}
	return 0;
}

/* ---- copies between files ---- */

/* Copies up to count bytes from fin (at *inoff, or its position) to fout
 * (at *outoff, or its position), through a bounce buffer. */
static ssize_t copy_between(struct file *fin, off_t *inoff, struct file *fout, off_t *outoff,
			    size_t count)
{
	char buf[16384];
	size_t done = 0;
	ssize_t r, w;

	if (!readable(fin) || !writable(fout))
		return -EBADF;
	if ((inoff && *inoff < 0) || (outoff && *outoff < 0))
		return -EINVAL;
	/* A file whose bytes stay in memory (the initrd): written straight
	 * from there, one copy instead of two. */
	if (fin->vn && S_ISREG(fin->vn->mode) && fin->vn->ops->data) {
		const char *src = fin->vn->ops->data(fin->vn);
		off_t at = inoff ? *inoff : fin->pos, size = fin->vn->size;
		size_t n = at < size ? (size_t)(size - at) : 0;

		if (n > count)
			n = count;
		if (!n)
			return 0;
		w = outoff ? file_pwrite(fout, src + at, n, *outoff) : file_write(fout, src + at, n);
		if (w <= 0)
			return w;
		if (inoff)
			*inoff += w;
		else
			fin->pos += w;
		if (outoff)
			*outoff += w;
		return w;
	}
	while (done < count) {
		size_t n = count - done < sizeof buf ? count - done : sizeof buf;

		r = inoff ? file_pread(fin, buf, n, *inoff + (off_t)done) : file_read(fin, buf, n);
		if (r <= 0) {
			if (r < 0 && !done)
				return r;
			break;
		}
		w = outoff ? file_pwrite(fout, buf, (size_t)r, *outoff + (off_t)done)
			   : file_write(fout, buf, (size_t)r);
		if (w < 0 && !done)
			return w;
		if (w < r && !inoff && fin->ops->lseek)
			fin->ops->lseek(fin, (off_t)(w < 0 ? 0 : w) - r, SEEK_CUR);
		if (w <= 0)
			break;
		done += (size_t)w;
		if (w < r || (size_t)r < n)
			break;
	}
	if (inoff)
		*inoff += (off_t)done;
	if (outoff)
		*outoff += (off_t)done;
	return (ssize_t)done;
}

SYSCALL_DEFINE4(sendfile, int, out, int, in, off_t *, off, size_t, count)
{
	struct file *fin = fd_get(in), *fout = fd_get(out);

	if (!fin || !fout)
		return -EBADF;
	if (fout->flags & O_APPEND)
		return -EINVAL;
	return copy_between(fin, off, fout, NULL, count);
}

SYSCALL_DEFINE6(copy_file_range, int, in, off_t *, inoff, int, out, off_t *, outoff, size_t, count,
		unsigned, flags)
{
	struct file *fin = fd_get(in), *fout = fd_get(out);

	if (!fin || !fout)
		return -EBADF;
	if (flags)
		return -EINVAL;
	if (!fin->vn || !fout->vn)
		return -EINVAL;
	if (S_ISDIR(fin->vn->mode) || S_ISDIR(fout->vn->mode))
		return -EISDIR;
	if (!S_ISREG(fin->vn->mode) || !S_ISREG(fout->vn->mode) || (fout->flags & O_APPEND))
		return -EINVAL;
	if (fin->vn == fout->vn) {
		off_t a = inoff ? *inoff : fin->pos, b = outoff ? *outoff : fout->pos;

		if (a < b + (off_t)count && b < a + (off_t)count)
			return -EINVAL; /* overlapping ranges of one file */
	}
	return copy_between(fin, inoff, fout, outoff, count);
}

/* One process: its own whole-file locks never conflict. */
SYSCALL_DEFINE2(flock, int, fd, int, op)
{
	if (!fd_get(fd))
		return -EBADF;
	switch (op & ~LOCK_NB) {
	case LOCK_SH:
	case LOCK_EX:
	case LOCK_UN:
		return 0;
	default:
		return -EINVAL;
	}
}

/* Advice about future access means nothing to files in memory. */
SYSCALL_DEFINE4(fadvise64, int, fd, off_t, off, off_t, len, int, advice)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	if (!f->ops->lseek)
		return -ESPIPE;
	if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE || len < 0)
		return -EINVAL;
	return 0;
}

SYSCALL_DEFINE4(fallocate, int, fd, int, mode, off_t, off, off_t, len)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (!writable(f))
		return -EBADF;
	if (!f->vn)
		return -ESPIPE;
	if (S_ISDIR(f->vn->mode))
		return -EISDIR;
	if (!S_ISREG(f->vn->mode))
		return -ENODEV;
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP; /* hole punching and the like: not yet */
	if (off > LLONG_MAX - len)
		return -EFBIG;
	return vfs_allocate(f->vn, off, len, mode & FALLOC_FL_KEEP_SIZE);
}
