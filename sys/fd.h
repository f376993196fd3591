/*
 * The fd layer: one table of open files, each a struct file with an ops
 * table. The console is the first kind of file; ramfs files, pipes,
 * eventfds and sockets are further ops tables (POSIX and networking
 * work), so read/write/poll/close work on all of them alike.
 */
#ifndef KEEL_SYS_FD_H
#define KEEL_SYS_FD_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct file;

/* Every call may be NULL: the fd layer answers the POSIX error for an
 * operation the file does not support. Buffers belong to the caller. */
struct file_ops {
	/* Non-blocking: return -EAGAIN; the fd layer waits for
	 * wait_mask events unless the file is O_NONBLOCK. */
	ssize_t (*read)(struct file *f, void *buf, size_t len);
	ssize_t (*write)(struct file *f, const void *buf, size_t len);
	/* Optional: where one call per writev() is cheaper than one per
	 * buffer (a console behind a VM exit). iov is already checked. */
	ssize_t (*writev)(struct file *f, const struct iovec *iov, int n);
	long (*ioctl)(struct file *f, unsigned long req, void *arg);
	/* Called when the last fd referring to f is closed. */
	int (*release)(struct file *f);
	unsigned wait_mask; /* KEEL_EV_* that may make a read possible */
};

struct file {
	const struct file_ops *ops;
	int flags; /* O_ACCMODE | O_NONBLOCK | O_APPEND */
	int refs;
	void *priv;
};

#define FD_MAX 1024

struct file *fd_get(int fd);
int fd_install(struct file *f, int cloexec); /* lowest free fd or -EMFILE */

#endif
