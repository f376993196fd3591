/*
 * The host's network stack as keel's (keel-run --net=host, on the
 * Linux-process base only). socket() makes a host socket, always
 * non-blocking and close-on-exec on the host, and wraps it in a keel
 * file whose sock_ops hand each call to the host and return the host's
 * answer. Above: the socket layer (sys/socket.c), which does all the
 * waiting. Below: the host kernel, through the calls the sandbox lets
 * through in host mode only (seccomp.c).
 *
 * Only AF_INET and AF_INET6 stream and datagram sockets: AF_UNIX would
 * reach the host's file system, raw and packet sockets the host's
 * devices, so those are EAFNOSUPPORT / ESOCKTNOSUPPORT here and refused
 * by the sandbox as well.
 *
 * Waiting: a socket's poll op asks the host (poll, no timeout). A
 * waiter sits on the socket's own queue, and the socket puts a proxy
 * waiter on the platform-event queue of KEEL_EV_SOCK so that the
 * scheduler idles on that event; wait_until (platform.c) then ppolls
 * every such socket for the events last seen not ready (watch), and
 * the proxy wakes the queues of the sockets that fired. A socket's
 * watch is what keel does not know to be ready: an event seen ready
 * leaves it, and joins it again when seen not ready (a poll, a call
 * answering EAGAIN) or when keel's own call may have used it up (a
 * receive or an accept for input, a short send for output), so an idle
 * keel never spins on a socket whose input nobody reads, and an
 * edge-triggered epoll hears of input that comes after a partial read.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <keel/keel.h>
#include <keel/platform.h>

#include "../../sys/fd.h"
#include "../../sys/kernel.h"
#include "../../sys/mm.h"
#include "../../sys/sock.h"
#include "../../sys/wait.h"
#include "host.h"

struct hsock {
	struct sock_common common; /* first: the socket layer's */
	int fd;			   /* the host's */
	unsigned watch;		   /* POLLIN/POLLOUT not known to be ready */
	unsigned fired;		   /* what the last wait saw */
	struct waitq wq;	   /* whoever waits for this socket */
	struct waiter proxy;	   /* on KEEL_EV_SOCK's queue while wq may have waiters */
	struct hsock *next, *prev; /* every open host socket */
};

int linux_net_host;
static struct hsock *all;
static unsigned nsocks;

static const struct file_ops hsock_ops;

static long host_err(long r)
{
	return r == -EINTR ? -EAGAIN : r; /* keel takes no host signals; be safe */
}

static void seen(struct hsock *s, unsigned ready)
{
	s->watch = (POLLIN | POLLOUT) & ~ready;
	if (ready & (POLLERR | POLLHUP | POLLNVAL))
		s->watch = 0; /* for good: the next look says so at once */
}

static unsigned host_ready(struct hsock *s)
{
	struct pollfd p = { s->fd, POLLIN | POLLOUT | POLLPRI | POLLRDHUP, 0 };
	struct timespec zero = { 0, 0 };
	long r = host_syscall(HOST_ppoll, &p, 1, &zero, 0, 8);

	if (r < 0)
		return r == -EINTR ? 0 : POLLERR;
	return r ? (unsigned)p.revents : 0;
}

static void proxy_wake(struct waiter *w)
{
	struct hsock *s = w->priv;

	if (s->fired) {
		s->fired = 0;
		waitq_wake(&s->wq);
	}
	if (!waitq_active(&s->wq))
		waitq_del(w);
}

static unsigned hsock_poll(struct file *f, struct poll_table *pt)
{
	struct hsock *s = f->priv;
	unsigned ready = host_ready(s);

	seen(s, ready);
	if (pt) {
		poll_wait(pt, &s->wq);
		if (!s->proxy.q)
			waitq_add(waitq_event(KEEL_EV_SOCK), &s->proxy);
	}
	return ready;
}

int linux_hostnet_watch(struct pollfd *pfd, int max)
{
	struct waitq *q = waitq_event(KEEL_EV_SOCK);
	struct waiter *w, *next;
	int n = 0;

	for (w = q->head; w; w = next) {
		struct hsock *s = w->priv;

		next = w->next;
		if (!waitq_active(&s->wq)) {
			waitq_del(w); /* its waiters have gone */
			continue;
		}
		if (!s->watch || n == max)
			continue;
		pfd[n].fd = s->fd;
		pfd[n].events = (short)s->watch;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

/* The sockets come back in the order linux_hostnet_watch gave them. */
int linux_hostnet_fired(const struct pollfd *pfd, int n)
{
	struct waiter *w = waitq_event(KEEL_EV_SOCK)->head;
	int i = 0, any = 0;

	for (; w && i < n; w = w->next) {
		struct hsock *s = w->priv;

		if (!s->watch || s->fd != pfd[i].fd)
			continue;
		if (pfd[i].revents) {
			/* what fired is ready now; the rest stays as it was */
			s->fired |= (unsigned)pfd[i].revents;
			s->watch &= ~(unsigned)pfd[i].revents;
			if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL))
				s->watch = 0;
			any = 1;
		}
		i++;
	}
	return any;
}

/* A new socket file around the host's fd (which it then owns). */
static int hsock_new(int fd, struct file **out)
{
	struct hsock *s;
	struct file *f;

	if (nsocks == LINUX_HOSTNET_MAX)
		goto fail;
	s = kmalloc(sizeof *s, MM_NET);
	if (!s)
		goto fail;
	f = file_alloc(&hsock_ops, O_RDWR);
	if (!f) {
		kfree(s);
		goto fail;
	}
	s->fd = fd;
	s->proxy.fn = proxy_wake;
	s->proxy.priv = s;
	s->next = all;
	if (all)
		all->prev = s;
	all = s;
	nsocks++;
	f->priv = s;
	*out = f;
	return 0;
fail:
	host_syscall(HOST_close, fd);
	return nsocks == LINUX_HOSTNET_MAX ? -ENFILE : -ENOMEM;
}

static int hsock_release(struct file *f)
{
	struct hsock *s = f->priv;

	waitq_del(&s->proxy);
	if (s->prev)
		s->prev->next = s->next;
	else
		all = s->next;
	if (s->next)
		s->next->prev = s->prev;
	nsocks--;
	host_syscall(HOST_close, s->fd);
	kfree(s);
	return 0;
}

static int hsock_fstat(struct file *f, struct stat *st)
{
	struct hsock *s = f->priv;

	memset(st, 0, sizeof *st);
	st->st_mode = S_IFSOCK | 0777;
	st->st_dev = makedev(0, 8);
	st->st_ino = (ino_t)s->fd + 1000000; /* distinct per open socket */
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

static long hsock_ioctl(struct file *f, unsigned long req, void *arg)
{
	struct hsock *s = f->priv;

	if (req != FIONREAD)
		return -ENOTTY;
	return host_syscall(HOST_ioctl, s->fd, FIONREAD, arg);
}

static int hsock_bind(struct file *f, const struct sockaddr *a, socklen_t len)
{
	return (int)host_syscall(HOST_bind, ((struct hsock *)f->priv)->fd, a, len);
}

static int hsock_listen(struct file *f, int backlog)
{
	return (int)host_syscall(HOST_listen, ((struct hsock *)f->priv)->fd, backlog);
}

static int hsock_accept(struct file *f, struct file **out, struct sockaddr *a, socklen_t *len)
{
	struct hsock *s = f->priv;
	long r = host_err(host_syscall(HOST_accept4, s->fd, a, len, SOCK_NONBLOCK | SOCK_CLOEXEC));

	if (r == -EAGAIN || r >= 0)
		s->watch |= POLLIN;
	if (r < 0)
		return (int)r;
	return hsock_new((int)r, out);
}

static int hsock_connect(struct file *f, const struct sockaddr *a, socklen_t len)
{
	struct hsock *s = f->priv;
	long r = host_syscall(HOST_connect, s->fd, a, len);

	if (r == -EINPROGRESS || r == -EALREADY || r == -EAGAIN)
		s->watch |= POLLOUT;
	return r == -EINTR ? -EINPROGRESS : (int)r;
}

/* musl's msghdr has padding where the kernel's has the high halves of
 * msg_iovlen and msg_controllen: the host gets a copy with it zeroed. */
static void msg_copy(struct msghdr *h, const struct msghdr *m)
{
	memset(h, 0, sizeof *h);
	h->msg_name = m->msg_name;
	h->msg_namelen = m->msg_namelen;
	h->msg_iov = m->msg_iov;
	h->msg_iovlen = m->msg_iovlen;
	h->msg_control = m->msg_control;
	h->msg_controllen = m->msg_controllen;
}

static size_t msg_bytes(const struct msghdr *m)
{
	size_t n = 0;
	int i;

	for (i = 0; i < (int)m->msg_iovlen; i++)
		n += m->msg_iov[i].iov_len;
	return n;
}

static ssize_t hsock_sendmsg(struct file *f, const struct msghdr *m, int flags)
{
	struct hsock *s = f->priv;
	struct msghdr h;
	long r;

	msg_copy(&h, m);
	r = host_err(host_syscall(HOST_sendmsg, s->fd, &h, flags | MSG_DONTWAIT | MSG_NOSIGNAL));
	if (r == -EAGAIN || (r >= 0 && (size_t)r < msg_bytes(m)))
		s->watch |= POLLOUT;
	return r;
}

static ssize_t hsock_recvmsg(struct file *f, struct msghdr *m, int flags)
{
	struct hsock *s = f->priv;
	struct msghdr h;
	long r;

	msg_copy(&h, m);
	r = host_err(host_syscall(HOST_recvmsg, s->fd, &h, flags | MSG_DONTWAIT));
	if (r == -EAGAIN || (r > 0 && !(flags & MSG_PEEK)))
		s->watch |= POLLIN;
	if (r >= 0) {
		m->msg_namelen = h.msg_namelen;
		m->msg_controllen = h.msg_controllen;
		m->msg_flags = h.msg_flags;
	}
	return r;
}

static int hsock_shutdown(struct file *f, int how)
{
	return (int)host_syscall(HOST_shutdown, ((struct hsock *)f->priv)->fd, how);
}

static int sockopt_passed(int level, int name)
{
#define PASSED(l, n)                                                                               \
	if (level == (l) && name == (n))                                                           \
		return 1;
	LINUX_HOSTNET_SOCKOPTS(PASSED)
#undef PASSED
	return 0;
}

static int hsock_setsockopt(struct file *f, int level, int name, const void *v, socklen_t len)
{
	static int logged;

	if (!sockopt_passed(level, name)) {
		if (!logged++)
			keel_log("setsockopt: level %d option %d is not passed to the host "
				 "(--net=host passes the options in base/linux/host.h)",
				 level, name);
		return -ENOPROTOOPT;
	}
	return (int)host_syscall(HOST_setsockopt, ((struct hsock *)f->priv)->fd, level, name, v,
				 len);
}

static int hsock_getsockopt(struct file *f, int level, int name, void *v, socklen_t *len)
{
	return (int)host_syscall(HOST_getsockopt, ((struct hsock *)f->priv)->fd, level, name, v,
				 len);
}

static int hsock_getname(struct file *f, struct sockaddr *a, socklen_t *len, int peer)
{
	return (int)host_syscall(peer ? HOST_getpeername : HOST_getsockname,
				 ((struct hsock *)f->priv)->fd, a, len);
}

static const struct sock_ops hsock_sock_ops = {
	.bind = hsock_bind,
	.listen = hsock_listen,
	.accept = hsock_accept,
	.connect = hsock_connect,
	.sendmsg = hsock_sendmsg,
	.recvmsg = hsock_recvmsg,
	.shutdown = hsock_shutdown,
	.setsockopt = hsock_setsockopt,
	.getsockopt = hsock_getsockopt,
	.getname = hsock_getname,
};

static const struct file_ops hsock_ops = {
	.read = sock_file_read,
	.write = sock_file_write,
	.fstat = hsock_fstat,
	.ioctl = hsock_ioctl,
	.release = hsock_release,
	.poll = hsock_poll,
	.sock = &hsock_sock_ops,
};

static int host_socket(int domain, int type, int protocol, struct file **out)
{
	static int logged_family, logged_type;
	long fd;

	if (domain != AF_INET && domain != AF_INET6) {
		if (!logged_family++)
			keel_log("socket: --net=host has AF_INET and AF_INET6 only (family %d "
				 "refused)",
				 domain);
		return -EAFNOSUPPORT;
	}
	if (type != SOCK_STREAM && type != SOCK_DGRAM) {
		if (!logged_type++)
			keel_log("socket: --net=host has stream and datagram sockets only (type %d "
				 "refused)",
				 type);
		return -ESOCKTNOSUPPORT;
	}
	if (protocol != 0 && protocol != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	fd = host_syscall(HOST_socket, domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return (int)fd;
	return hsock_new((int)fd, out);
}

/* The host's /etc/resolv.conf and /etc/hosts, read before the sandbox
 * and written into keel's /etc at boot: musl's resolver then asks the
 * host's name servers and knows the host's names, as a process would. */
static struct {
	const char *path;
	char buf[8192];
	long len; /* -1: the host has none */
} etc[] = { { .path = "/etc/resolv.conf" }, { .path = "/etc/hosts" } };

static void etc_read(unsigned i)
{
	long fd = host_syscall(HOST_open, etc[i].path, O_RDONLY | O_CLOEXEC), n = 0;
	size_t cap = sizeof etc[i].buf;

	etc[i].len = -1;
	if (fd < 0)
		return;
	etc[i].len = 0;
	while ((size_t)etc[i].len < cap && (n = host_syscall(HOST_read, fd, etc[i].buf + etc[i].len,
							     cap - (size_t)etc[i].len)) > 0)
		etc[i].len += n;
	host_syscall(HOST_close, fd);
	if (n < 0)
		etc[i].len = -1;
	else if ((size_t)etc[i].len == cap) /* too long: whole lines only */
		while (etc[i].len && etc[i].buf[etc[i].len - 1] != '\n')
			etc[i].len--;
}

static int etc_write(const char *path, const char *text, long len)
{
	long fd = keel_syscall(SYS_open, (long)path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644,
			       0, 0, 0);
	long r;

	if (fd < 0)
		return (int)fd;
	r = keel_syscall(SYS_write, fd, (long)text, len, 0, 0, 0);
	keel_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
	return r == len ? 0 : r < 0 ? (int)r : -EIO;
}

static int host_boot(const struct keel_boot *b)
{
	static const char localhost[] = "127.0.0.1\tlocalhost\n::1\tlocalhost\n";
	long r = keel_syscall(SYS_mkdir, (long)"/etc", 0755, 0, 0, 0, 0);
	unsigned i;

	if (r < 0 && r != -EEXIST)
		return (int)r;
	for (i = 0; i < sizeof etc / sizeof etc[0]; i++) {
		if (etc[i].len >= 0)
			r = etc_write(etc[i].path, etc[i].buf, etc[i].len);
		else if (!strcmp(etc[i].path, "/etc/hosts"))
			r = etc_write(etc[i].path, localhost, sizeof localhost - 1);
		else
			r = 0;
		if (r < 0)
			return (int)r;
	}
	return 0;
}

static const struct net_stack host_stack = {
	.name = "host",
	.socket = host_socket,
	.boot = host_boot,
};

static void die(const char *msg)
{
	linux_write_all(2, msg, strlen(msg));
	host_syscall(HOST_exit_group, 2);
}

/* Before the sandbox: no fd but the console's and the disk's stays
 * open, so that every fd from 3 up the sandbox lets socket calls reach
 * is the disk (not a socket) or a socket this stack made; the host's
 * resolver files are read now, while the base may still open files. */
void linux_hostnet_init(void)
{
	unsigned lo = 3;
	long r = 0;

	linux_net_host = 1;
	if (linux_disk_fd >= 3) {
		if ((unsigned)linux_disk_fd > lo)
			r = host_syscall(HOST_close_range, lo, linux_disk_fd - 1, 0);
		lo = (unsigned)linux_disk_fd + 1;
	}
	if (r == 0)
		r = host_syscall(HOST_close_range, lo, ~0U, 0);
	if (r < 0)
		die("keel: --net=host needs close_range (Linux 5.9 or later)\n");
	etc_read(0);
	etc_read(1);
	net_stack_set(&host_stack);
}
