/*
 * The socket calls (class NET): argument checks, SOCK_NONBLOCK and
 * SOCK_CLOEXEC, blocking with O_NONBLOCK / MSG_DONTWAIT / SO_RCVTIMEO /
 * SO_SNDTIMEO, and the send/recv family folded onto sendmsg/recvmsg.
 * Above: musl. Below: the network stack installed at boot (sock.h):
 * lwIP in the image or the host's sockets.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "fd.h"
#include "kernel.h"
#include "signal.h"
#include "sock.h"
#include "wait.h"

long system_close(long, long, long, long, long, long);

static const struct net_stack *stack;

void net_stack_set(const struct net_stack *s)
{
	stack = s;
}

const struct net_stack *net_stack_get(void)
{
	return stack;
}

/* lwIP's sockets (net/lwip/), in the image only when it calls socket()
 * (keel's musl pulls them in): started when keel-run gave a net device. */
int keel_lwip_boot(const struct keel_boot *b) __attribute__((weak));

void net_boot(const struct keel_boot *b)
{
	int r;

	if (stack && stack->boot) {
		r = stack->boot(b);
		if (r < 0)
			keel_panic("network: the %s stack did not start (%d)", stack->name, r);
	}
	if (b->net_mode != KEEL_NET_DEVICE || !keel_lwip_boot)
		return;
	r = keel_lwip_boot(b);
	if (r < 0)
		keel_panic("network: lwIP did not start (%d)", r);
}

void sock_name_out(struct sockaddr *dst, socklen_t *len, const void *src, socklen_t srclen)
{
	if (dst && len) {
		memcpy(dst, src, *len < srclen ? *len : srclen);
		*len = srclen;
	}
}

/* The socket behind fd, or NULL with *err set. */
static struct file *sock_get(int fd, long *err)
{
	struct file *f = fd_get(fd);

	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (!f->ops->sock) {
		*err = -ENOTSOCK;
		return NULL;
	}
	return f;
}

static struct sock_common *common(struct file *f)
{
	return f->priv;
}

/* Waits for events on f for at most timeo ns (0: no limit). Returns 0
 * when they came, -EAGAIN at the time limit (as Linux reports a
 * SO_RCVTIMEO/SO_SNDTIMEO expiry), and when a signal came -ERESTARTSYS
 * without a limit, -EINTR with one (Linux's sock_intr_errno). */
static int sock_wait(struct file *f, unsigned events, uint64_t timeo)
{
	uint64_t deadline = timeo ? time_now() + timeo : UINT64_MAX;

	if (file_wait(f, events, deadline))
		return 0;
	if (signal_pending())
		return timeo ? -EINTR : -ERESTARTSYS;
	return -EAGAIN;
}

static int nonblocking(struct file *f, int msg_flags)
{
	return (f->flags & O_NONBLOCK) || (msg_flags & MSG_DONTWAIT);
}

static long install(struct file *f, int flags)
{
	long fd;

	if (flags & SOCK_NONBLOCK)
		f->flags |= O_NONBLOCK;
	fd = fd_install(f, flags & SOCK_CLOEXEC);
	if (fd < 0) {
		file_put(f);
	}
	return fd;
}

SYSCALL_DEFINE3(socket, int, domain, int, type, int, protocol)
{
	static int logged;
	struct file *f;
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC), r;

	if (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC | 0xf))
		return -EINVAL;
	if (!stack) {
		if (!logged++)
			keel_log("socket: no network (start with keel-run --net=...)");
		return -EAFNOSUPPORT;
	}
	r = stack->socket(domain, type & 0xf, protocol, &f);
	if (r < 0)
		return r;
	common(f)->type = type & 0xf;
	return install(f, flags);
}

SYSCALL_DEFINE4(socketpair, int, domain, int, type, int, protocol, int *, sv)
{
	struct file *f[2];
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC), r;
	long a, b;

	if (!sv)
		return -EFAULT;
	if (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC | 0xf))
		return -EINVAL;
	if (!stack || !stack->socketpair)
		return stack ? -EOPNOTSUPP : -EAFNOSUPPORT;
	r = stack->socketpair(domain, type & 0xf, protocol, f);
	if (r < 0)
		return r;
	common(f[0])->type = common(f[1])->type = type & 0xf;
	a = install(f[0], flags);
	if (a < 0) {
		file_put(f[1]);
		return a;
	}
	b = install(f[1], flags);
	if (b < 0) {
		system_close(a, 0, 0, 0, 0, 0);
		return b;
	}
	sv[0] = (int)a;
	sv[1] = (int)b;
	return 0;
}

SYSCALL_DEFINE3(bind, int, fd, const struct sockaddr *, a, socklen_t, len)
{
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	if (!a)
		return -EFAULT;
	return f->ops->sock->bind ? f->ops->sock->bind(f, a, len) : -EOPNOTSUPP;
}

SYSCALL_DEFINE2(listen, int, fd, int, backlog)
{
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	return f->ops->sock->listen ? f->ops->sock->listen(f, backlog) : -EOPNOTSUPP;
}

SYSCALL_DEFINE4(accept4, int, fd, struct sockaddr *, a, socklen_t *, len, int, flags)
{
	long err;
	struct file *f = sock_get(fd, &err), *nf;
	int r;

	if (!f)
		return err;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (a && !len)
		return -EFAULT;
	if (len && (int)*len < 0)
		return -EINVAL;
	if (!f->ops->sock->accept)
		return -EOPNOTSUPP;
	f->refs++; /* a close by another thread while this one waits */
	while ((r = f->ops->sock->accept(f, &nf, a, a ? len : NULL)) == -EAGAIN) {
		if (nonblocking(f, 0))
			break;
		r = sock_wait(f, POLLIN, common(f)->rcvtimeo);
		if (r)
			break;
	}
	if (r == 0)
		common(nf)->type = common(f)->type;
	file_put(f);
	return r < 0 ? r : install(nf, flags);
}

SYSCALL_DEFINE3(accept, int, fd, struct sockaddr *, a, socklen_t *, len)
{
	return system_accept4(fd, (long)a, (long)len, 0, 0, 0);
}

SYSCALL_DEFINE3(connect, int, fd, const struct sockaddr *, a, socklen_t, len)
{
	long err;
	struct file *f = sock_get(fd, &err);
	int r, soerr = 0;
	socklen_t sl = sizeof soerr;

	if (!f)
		return err;
	if (!a)
		return -EFAULT;
	if (!f->ops->sock->connect)
		return -EOPNOTSUPP;
	r = f->ops->sock->connect(f, a, len);
	if (r != -EINPROGRESS || (f->flags & O_NONBLOCK))
		return r;
	f->refs++;
	if ((r = sock_wait(f, POLLOUT, common(f)->sndtimeo))) {
		/* Linux: the timed-out or interrupted connect goes on */
		r = r == -EAGAIN ? -EINPROGRESS : -EINTR;
	} else {
		r = f->ops->sock->getsockopt(f, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		r = r < 0 ? r : -soerr;
	}
	file_put(f);
	return r;
}

/* Where a stream call that moved part of m's bytes goes on: h gets the
 * buffers from byte done on (*part holds the first when it starts
 * inside one) and no name or ancillary data. */
static void msg_rest(struct msghdr *h, const struct msghdr *m, size_t done, struct iovec *part)
{
	size_t idx = 0;

	while (idx < m->msg_iovlen && done >= m->msg_iov[idx].iov_len)
		done -= m->msg_iov[idx++].iov_len;
	h->msg_name = NULL;
	h->msg_namelen = 0;
	h->msg_control = NULL;
	h->msg_controllen = 0;
	if (done) {
		part->iov_base = (char *)m->msg_iov[idx].iov_base + done;
		part->iov_len = m->msg_iov[idx].iov_len - done;
		h->msg_iov = part;
		h->msg_iovlen = 1;
	} else {
		h->msg_iov = m->msg_iov + idx;
		h->msg_iovlen = (int)(m->msg_iovlen - idx);
	}
}

static size_t msg_len(const struct msghdr *m)
{
	size_t total = 0;
	int i;

	for (i = 0; i < (int)m->msg_iovlen; i++)
		total += m->msg_iov[i].iov_len;
	return total;
}

/* A blocking send on a stream socket goes on until every byte is
 * queued, as Linux's does, unless the time limit or an error stops it
 * after some: then it returns what went. Ancillary data goes with the
 * first piece only. */
static ssize_t do_sendmsg_file(struct file *f, const struct msghdr *m, int flags)
{
	struct msghdr h = *m;
	struct iovec part;
	size_t total = msg_len(m);
	ssize_t r, done = 0;
	int nb = nonblocking(f, flags), nosignal = flags & MSG_NOSIGNAL, w;

	flags &= ~(MSG_DONTWAIT | MSG_NOSIGNAL);
	for (;;) {
		r = f->ops->sock->sendmsg(f, &h, flags);
		if (r == -EAGAIN && !nb) {
			if ((w = sock_wait(f, POLLOUT, common(f)->sndtimeo)))
				return done ? done : w;
			continue;
		}
		if (r < 0) {
			if (r == -EPIPE && !nosignal)
				signal_pipe(); /* as Linux, even after part went */
			return done ? done : r;
		}
		done += r;
		if (nb || common(f)->type != SOCK_STREAM || (size_t)done >= total)
			return done;
		msg_rest(&h, m, (size_t)done, &part);
	}
}

/* MSG_WAITALL on a blocking stream socket: on until the buffers are
 * full, the end of the stream, an error or the time limit (then what
 * came). The name and flags are those of the first piece. */
static ssize_t do_recvmsg_file(struct file *f, struct msghdr *m, int flags)
{
	struct msghdr h = *m;
	struct iovec part;
	ssize_t r, done = 0;
	int nb = nonblocking(f, flags), w;
	int all = (flags & MSG_WAITALL) && !(flags & MSG_PEEK) && !nb &&
		  common(f)->type == SOCK_STREAM;
	size_t total = all ? msg_len(m) : 0;

	flags &= ~(MSG_DONTWAIT | MSG_WAITALL);
	for (;;) {
		r = f->ops->sock->recvmsg(f, done ? &h : m, flags);
		if (r == -EAGAIN && !nb) {
			if ((w = sock_wait(f, POLLIN, common(f)->rcvtimeo)))
				return done ? done : w;
			continue;
		}
		if (r < 0)
			return done ? done : r;
		done += r;
		if (!all || !r || (size_t)done >= total)
			return done;
		msg_rest(&h, m, (size_t)done, &part);
	}
}

static int msg_check(const struct msghdr *m)
{
	size_t total = 0;
	size_t i;

	if (!m)
		return -EFAULT;
	if (m->msg_iovlen > 1024)
		return -EMSGSIZE;
	if (m->msg_iovlen && !m->msg_iov)
		return -EFAULT;
	for (i = 0; i < m->msg_iovlen; i++) {
		if (m->msg_iov[i].iov_len > SSIZE_MAX - total)
			return -EINVAL;
		total += m->msg_iov[i].iov_len;
	}
	return 0;
}

/* The socket behind fd for a sendmsg/recvmsg with m, held (file_put
 * when done), or NULL with *err set. */
static struct file *msg_sock(int fd, const struct msghdr *m, int send, long *err)
{
	struct file *f = sock_get(fd, err);

	if (!f)
		return NULL;
	*err = msg_check(m);
	if (*err)
		return NULL;
	if (!(send ? (void *)f->ops->sock->sendmsg : (void *)f->ops->sock->recvmsg)) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	f->refs++;
	return f;
}

static long sendmsg_fd(int fd, const struct msghdr *m, int flags)
{
	long err;
	struct file *f = msg_sock(fd, m, 1, &err);

	if (!f)
		return err;
	err = do_sendmsg_file(f, m, flags);
	file_put(f);
	return err;
}

static long recvmsg_fd(int fd, struct msghdr *m, int flags)
{
	long err;
	struct file *f = msg_sock(fd, m, 0, &err);

	if (!f)
		return err;
	err = do_recvmsg_file(f, m, flags);
	file_put(f);
	return err;
}

SYSCALL_DEFINE3(sendmsg, int, fd, const struct msghdr *, m, int, flags)
{
	return sendmsg_fd(fd, m, flags);
}

SYSCALL_DEFINE3(recvmsg, int, fd, struct msghdr *, m, int, flags)
{
	return recvmsg_fd(fd, m, flags);
}

SYSCALL_DEFINE6(sendto, int, fd, const void *, buf, size_t, len, int, flags,
		const struct sockaddr *, a, socklen_t, alen)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_name = (void *)a, .msg_namelen = a ? alen : 0,
			    .msg_iov = &iov, .msg_iovlen = 1 };

	if (!buf && len)
		return -EFAULT;
	return sendmsg_fd(fd, &m, flags);
}

SYSCALL_DEFINE6(recvfrom, int, fd, void *, buf, size_t, len, int, flags,
		struct sockaddr *, a, socklen_t *, alen)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_name = a, .msg_namelen = a && alen ? *alen : 0,
			    .msg_iov = &iov, .msg_iovlen = 1 };
	long r;

	if (!buf && len)
		return -EFAULT;
	if (a && !alen)
		return -EFAULT;
	if (a && (int)*alen < 0)
		return -EINVAL;
	r = recvmsg_fd(fd, &m, flags);
	if (r >= 0 && a)
		*alen = m.msg_namelen;
	return r;
}

SYSCALL_DEFINE5(sendmmsg, int, fd, struct mmsghdr *, v, unsigned, n, int, flags, int, unused)
{
	unsigned i;
	long r = 0;

	if (!v && n)
		return -EFAULT;
	if (n > 1024)
		n = 1024;
	for (i = 0; i < n; i++) {
		r = sendmsg_fd(fd, &v[i].msg_hdr, i ? flags | MSG_DONTWAIT : flags);
		if (r < 0)
			break;
		v[i].msg_len = (unsigned)r;
	}
	return i ? (long)i : r;
}

SYSCALL_DEFINE5(recvmmsg, int, fd, struct mmsghdr *, v, unsigned, n, int, flags,
		struct timespec *, timeout)
{
	unsigned i;
	long r = 0;

	if (!v && n)
		return -EFAULT;
	if (timeout)
		return -EINVAL; /* PARTIAL: no timeout argument (docs/syscalls.md) */
	for (i = 0; i < n; i++) {
		r = recvmsg_fd(fd, &v[i].msg_hdr, flags);
		if (r < 0)
			break;
		v[i].msg_len = (unsigned)r;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
	}
	return i ? (long)i : r;
}

SYSCALL_DEFINE2(shutdown, int, fd, int, how)
{
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	return f->ops->sock->shutdown ? f->ops->sock->shutdown(f, how) : -EOPNOTSUPP;
}

static int timeo_set(uint64_t *t, const void *v, socklen_t len)
{
	const struct timeval *tv = v;

	if (len < sizeof *tv)
		return -EINVAL;
	if (tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EDOM;
	if (tv->tv_sec < 0)
		*t = 0; /* Linux: a negative time means none */
	else
		*t = (uint64_t)tv->tv_sec * 1000000000 + (uint64_t)tv->tv_usec * 1000;
	return 0;
}

static int timeo_get(uint64_t t, void *v, socklen_t *len)
{
	struct timeval tv = { (time_t)(t / 1000000000), (suseconds_t)(t % 1000000000 / 1000) };

	if (*len < sizeof tv)
		return -EINVAL;
	memcpy(v, &tv, sizeof tv);
	*len = sizeof tv;
	return 0;
}

SYSCALL_DEFINE5(setsockopt, int, fd, int, level, int, name, const void *, v, socklen_t, len)
{
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	if (!v && len)
		return -EFAULT;
	if ((int)len < 0)
		return -EINVAL;
	if (level == SOL_SOCKET && name == SO_RCVTIMEO)
		return timeo_set(&common(f)->rcvtimeo, v, len);
	if (level == SOL_SOCKET && name == SO_SNDTIMEO)
		return timeo_set(&common(f)->sndtimeo, v, len);
	return f->ops->sock->setsockopt ? f->ops->sock->setsockopt(f, level, name, v, len)
					: -ENOPROTOOPT;
}

SYSCALL_DEFINE5(getsockopt, int, fd, int, level, int, name, void *, v, socklen_t *, len)
{
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	if (!v || !len)
		return -EFAULT;
	if ((int)*len < 0)
		return -EINVAL;
	if (level == SOL_SOCKET && name == SO_RCVTIMEO)
		return timeo_get(common(f)->rcvtimeo, v, len);
	if (level == SOL_SOCKET && name == SO_SNDTIMEO)
		return timeo_get(common(f)->sndtimeo, v, len);
	if (level == SOL_SOCKET && name == SO_TYPE) {
		int t = common(f)->type;

		if (*len < sizeof t)
			return -EINVAL;
		memcpy(v, &t, sizeof t);
		*len = sizeof t;
		return 0;
	}
	return f->ops->sock->getsockopt ? f->ops->sock->getsockopt(f, level, name, v, len)
					: -ENOPROTOOPT;
}

static long getname(int fd, struct sockaddr *a, socklen_t *len, int peer)
{
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	if (!a || !len)
		return -EFAULT;
	if ((int)*len < 0)
		return -EINVAL;
	return f->ops->sock->getname ? f->ops->sock->getname(f, a, len, peer) : -EOPNOTSUPP;
}

SYSCALL_DEFINE3(getsockname, int, fd, struct sockaddr *, a, socklen_t *, len)
{
	return getname(fd, a, len, 0);
}

SYSCALL_DEFINE3(getpeername, int, fd, struct sockaddr *, a, socklen_t *, len)
{
	return getname(fd, a, len, 1);
}

/* read() and write() on a socket: recv/send with no flags (the fd
 * layer has waited or not according to O_NONBLOCK already). */
ssize_t sock_file_read(struct file *f, void *buf, size_t len)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	return f->ops->sock->recvmsg(f, &m, 0);
}

ssize_t sock_file_write(struct file *f, const void *buf, size_t len)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	return f->ops->sock->sendmsg(f, &m, 0);
}
