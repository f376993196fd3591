/*
 * The fd layer: one table of open files, each a struct file with an ops
 * table. The console, ramfs files and directories and the device files
 * under /dev are ops tables today; pipes, eventfds and sockets are
 * further ones, so read/write/poll/close work on all of them alike.
 */
#ifndef KEEL_SYS_FD_H
#define KEEL_SYS_FD_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

struct file;
struct vnode;
struct poll_table;
struct epitem;
struct sock_ops;

/* Every call may be NULL: the fd layer answers the POSIX error for an
 * operation the file does not support. Buffers belong to the caller. */
struct file_ops {
	/* Non-blocking: return -EAGAIN; the fd layer waits (file_wait,
	 * wait.h) for POLLIN/POLLOUT unless the file is O_NONBLOCK, so a
	 * file that can return -EAGAIN needs a poll op. Seekable files
	 * read and write at f->pos and move it (O_APPEND: at the end). */
	ssize_t (*read)(struct file *f, void *buf, size_t len);
	ssize_t (*write)(struct file *f, const void *buf, size_t len);
	/* Optional: where one call per writev() is cheaper than one per
	 * buffer (a console behind a VM exit). iov is already checked. */
	ssize_t (*writev)(struct file *f, const struct iovec *iov, int n);
	/* Positioned I/O (pread64, pwrite64, preadv, pwritev); f->pos is
	 * untouched. NULL: -ESPIPE. off is checked to be >= 0. */
	ssize_t (*pread)(struct file *f, void *buf, size_t len, off_t off);
	ssize_t (*pwrite)(struct file *f, const void *buf, size_t len, off_t off);
	/* Returns the new position. NULL: -ESPIPE. */
	off_t (*lseek)(struct file *f, off_t off, int whence);
	int (*fstat)(struct file *f, struct stat *st);
	/* Fills buf with struct dirent64 records from f->pos on. NULL:
	 * -ENOTDIR. */
	ssize_t (*getdents)(struct file *f, void *buf, size_t len);
	int (*truncate)(struct file *f, off_t len); /* NULL: -EINVAL */
	int (*sync)(struct file *f);		    /* NULL: -EINVAL */
	long (*ioctl)(struct file *f, unsigned long req, void *arg);
	/* Called when the last fd referring to f is closed; frees what
	 * the file holds (not f itself). */
	int (*release)(struct file *f);
	/* Readiness: the POLL* bits true now; with pt, also poll_wait(pt,
	 * q) on every queue whose wake may change them (wait.h). NULL:
	 * always readable and writable (regular files, devices). */
	unsigned (*poll)(struct file *f, struct poll_table *pt);
	/* fcntl commands the fd layer does not know itself (pipes:
	 * F_GETPIPE_SZ, F_SETPIPE_SZ). NULL: -EINVAL. */
	long (*fcntl)(struct file *f, int cmd, unsigned long arg);
	/* Socket files only: the socket calls (sock.h). NULL: ENOTSOCK. */
	const struct sock_ops *sock;
};

struct file {
	const struct file_ops *ops;
	int flags; /* O_ACCMODE | O_NONBLOCK | O_APPEND | O_PATH ... */
	int refs;
	void *priv;
	off_t pos;	  /* seekable files */
	struct vnode *vn; /* the node it was opened from (a reference), or NULL */
	int allocated;	  /* from file_alloc: freed after the last close */
	struct epitem *epolls; /* the epoll items watching f (epoll.c) */
};

#define FD_MAX 1024
/* RLIMIT_NOFILE's soft limit (limits.c), at most FD_MAX: no new fd at
 * or above it (fds already there stay). */
extern int fd_nofile;

struct file *fd_get(int fd);
int fd_install(struct file *f, int cloexec); /* lowest free fd or -EMFILE */
int fd_dup(int fd, int cloexec);	     /* dup(fd) with the flag given */
int fd_close(int fd);			     /* close(fd): 0 or -EBADF */
/* Drops one reference; the last releases the file. A file from
 * file_alloc that was never installed (refs 0) is released at once. */
void file_put(struct file *f);

/* A new file (refs 0, freed after release when the last fd goes), or
 * NULL when the budget is spent. */
struct file *file_alloc(const struct file_ops *ops, int flags);

/* epoll.c: takes f out of every epoll instance watching it; file_put
 * calls it on the last close, before the release, as Linux does. */
void epoll_forget(struct file *f);

/* The console's ops (priv: the stream, 0 input, 1 output, 2 errors). */
extern const struct file_ops fd_console_ops;

#endif
