/*
 * keel-run --net=host: the host's sockets as keel fds, on loopback
 * only (the test runs in a network namespace of its own). One program,
 * many checks; each side of a connection is a keel socket, so both
 * ends go through keel's socket layer and the host stack.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MIB (1 << 20)

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A TCP listener on 127.0.0.1 at a free port; *port gets it. */
static int listener(int flags, int *port)
{
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM | flags, 0);

	CHECK(l >= 0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(l, 16) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	CHECK_EQ(len, sizeof a);
	*port = ntohs(a.sin_port);
	CHECK(*port > 0);
	return l;
}

static int connect_to(int port)
{
	struct sockaddr_in a = loopback(port);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(s >= 0);
	CHECK(connect(s, (struct sockaddr *)&a, sizeof a) == 0);
	return s;
}

static void names(void)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	struct sockaddr_in *sin;

	CHECK_EQ(getaddrinfo("127.0.0.1", "8080", &hints, &ai), 0);
	CHECK(ai != NULL);
	CHECK_EQ(ai->ai_family, AF_INET);
	sin = (struct sockaddr_in *)ai->ai_addr;
	CHECK_EQ(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	CHECK_EQ(ntohs(sin->sin_port), 8080);
	freeaddrinfo(ai);
	printf("getaddrinfo: 127.0.0.1 port 8080\n");
}

/* IPv6 loopback: getaddrinfo, IPV6_V6ONLY, a connection and its names. */
static void ipv6(void)
{
	struct addrinfo hints = { .ai_family = AF_INET6,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST };
	struct addrinfo *ai = NULL;
	struct sockaddr_in6 a, peer;
	socklen_t len = sizeof a, plen = sizeof peer;
	int l, c, s, on = 1;
	char buf[8];

	CHECK_EQ(getaddrinfo("::1", "0", &hints, &ai), 0);
	CHECK_EQ(ai->ai_family, AF_INET6);
	l = socket(AF_INET6, SOCK_STREAM, 0);
	CHECK(l >= 0);
	CHECK(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == 0);
	CHECK(bind(l, ai->ai_addr, ai->ai_addrlen) == 0);
	CHECK(listen(l, 4) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	CHECK_EQ(len, sizeof a);
	c = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	CHECK(c >= 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	s = accept(l, (struct sockaddr *)&peer, &plen);
	CHECK(s >= 0);
	CHECK_EQ(peer.sin6_family, AF_INET6);
	CHECK(IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr));
	CHECK_EQ(send(c, "six", 3, 0), 3);
	CHECK_EQ(recv(s, buf, sizeof buf, 0), 3);
	CHECK(!memcmp(buf, "six", 3));
	freeaddrinfo(ai);
	close(c);
	close(s);
	close(l);
	printf("ipv6: [::1] connection\n");
}

/* Refusals: other families and types, options not passed on. */
static void refused(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), v = 1;

	CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR(socket(AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), ESOCKTNOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	CHECK(s >= 0);
	CHECK_ERR(setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3), ENOPROTOOPT);
	CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v) == 0);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v) == 0);
	close(s);
}

static void addr_in_use(void)
{
	int port, l = listener(0, &port), s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(port);

	CHECK(s >= 0);
	CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof a), EADDRINUSE);
	close(s);
	close(l);
	printf("bind: EADDRINUSE\n");
}

static void refused_connect(void)
{
	int port, l = listener(0, &port), s, e = 0;
	struct sockaddr_in a;
	socklen_t len = sizeof e;

	close(l); /* nothing listens there now */
	a = loopback(port);
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(connect(s, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
	close(s);
	/* non-blocking: refused at once or in progress, then SO_ERROR */
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof a) == 0)
		CHECK(!"a connect to a closed port succeeded");
	if (errno == EINPROGRESS) {
		usleep(100000);
		CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) == 0);
		CHECK_EQ(e, ECONNREFUSED);
	} else {
		CHECK_EQ(errno, ECONNREFUSED);
	}
	close(s);
	printf("connect: ECONNREFUSED\n");
}

static void rcvtimeo(void)
{
	struct sockaddr_in a = loopback(0);
	struct timeval tv = { 0, 200000 }, got;
	socklen_t len = sizeof got;
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	char c;
	double t0, dt;

	CHECK(u >= 0);
	CHECK(bind(u, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
	CHECK(getsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0);
	CHECK_EQ(got.tv_usec, 200000);
	t0 = now();
	CHECK_ERR(recv(u, &c, 1, 0), EAGAIN);
	dt = now() - t0;
	CHECK(dt >= 0.19 && dt < 1.0);
	close(u);
	printf("SO_RCVTIMEO: EAGAIN after 200 ms\n");
}

static void udp(void)
{
	struct sockaddr_in a = loopback(0), b = loopback(0), from;
	socklen_t len = sizeof a, flen = sizeof from;
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int type, n = 0;
	char buf[2000];

	CHECK(u1 >= 0 && u2 >= 0);
	CHECK(bind(u1, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(getsockname(u1, (struct sockaddr *)&a, &len) == 0);
	CHECK(bind(u2, (struct sockaddr *)&b, sizeof b) == 0);
	len = sizeof b;
	CHECK(getsockname(u2, (struct sockaddr *)&b, &len) == 0);
	memset(buf, 'u', sizeof buf);
	CHECK_EQ(sendto(u2, buf, 1500, 0, (struct sockaddr *)&a, sizeof a), 1500);
	memset(buf, 0, sizeof buf);
	CHECK_EQ(recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen), 1500);
	CHECK_EQ(flen, sizeof from);
	CHECK_EQ(from.sin_port, b.sin_port);
	CHECK(buf[0] == 'u' && buf[1499] == 'u');
	len = sizeof type;
	CHECK(getsockopt(u1, SOL_SOCKET, SO_TYPE, &type, &len) == 0);
	CHECK_EQ(type, SOCK_DGRAM);
	/* a datagram larger than the buffer: cut, MSG_TRUNC tells */
	CHECK_EQ(sendto(u2, buf, 100, 0, (struct sockaddr *)&a, sizeof a), 100);
	CHECK_EQ(recv(u1, buf, 10, MSG_TRUNC), 100);
	CHECK(ioctl(u1, FIONREAD, &n) == 0);
	CHECK_EQ(n, 0);
	CHECK_ERR(recv(u1, buf, 10, MSG_DONTWAIT), EAGAIN);
	close(u1);
	close(u2);
	printf("udp: sendto/recvfrom\n");
}

static void nonblocking_accept(void)
{
	int port, l = listener(SOCK_NONBLOCK, &port), c, s;
	struct pollfd p = { .fd = l, .events = POLLIN };
	struct sockaddr_in peer, me;
	socklen_t plen = sizeof peer, mlen = sizeof me;
	char ch;

	CHECK_ERR(accept(l, NULL, NULL), EAGAIN);
	CHECK_EQ(poll(&p, 1, 0), 0);
	c = connect_to(port);
	CHECK_EQ(poll(&p, 1, 1000), 1);
	CHECK_EQ(p.revents, POLLIN);
	s = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK);
	CHECK(s >= 0);
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
	CHECK(!(fcntl(l, F_GETFL) & O_NONBLOCK) == 0);
	CHECK(getsockname(c, (struct sockaddr *)&me, &mlen) == 0);
	CHECK_EQ(peer.sin_port, me.sin_port);
	CHECK_ERR(recv(s, &ch, 1, 0), EAGAIN);
	CHECK_ERR(read(s, &ch, 1), EAGAIN);
	p.fd = s;
	p.events = POLLIN | POLLOUT;
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLOUT);
	CHECK_EQ(write(c, "x", 1), 1);
	CHECK_EQ(poll(&p, 1, 1000), 1);
	CHECK_EQ(p.revents, POLLIN | POLLOUT);
	CHECK_EQ(recv(s, &ch, 1, 0), 1);
	CHECK_EQ(ch, 'x');
	close(c);
	close(s);
	close(l);
	printf("accept: non-blocking, with poll\n");
}

struct acc {
	int l, s;
	double when;
};

static void *accept_thread(void *arg)
{
	struct acc *a = arg;

	a->s = accept(a->l, NULL, NULL);
	a->when = now();
	return NULL;
}

struct waitp {
	int fd, n;
	short revents;
	double when;
};

static void *poll_thread(void *arg)
{
	struct waitp *w = arg;
	struct pollfd p = { .fd = w->fd, .events = POLLIN };

	w->n = poll(&p, 1, 5000);
	w->revents = p.revents;
	w->when = now();
	return NULL;
}

static void *epoll_thread(void *arg)
{
	struct waitp *w = arg;
	struct epoll_event ev;

	w->n = epoll_wait(w->fd, &ev, 1, 5000);
	w->when = now();
	return NULL;
}

/* poll blocks its thread until the host says the socket is readable;
 * the main thread meanwhile sleeps (keel idles on both). */
static void poll_blocks(void)
{
	int port, l = listener(0, &port), c = connect_to(port), s = accept(l, NULL, NULL);
	struct waitp w = { .fd = s, .n = -2 };
	pthread_t t;
	double sent;
	char ch;

	CHECK(s >= 0);
	CHECK(pthread_create(&t, NULL, poll_thread, &w) == 0);
	usleep(100000);
	CHECK_EQ(w.n, -2);
	CHECK_EQ(send(c, "p", 1, 0), 1);
	sent = now();
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(w.n, 1);
	CHECK_EQ(w.revents, POLLIN);
	CHECK(w.when >= sent && w.when - sent < 0.5);
	CHECK_EQ(recv(s, &ch, 1, 0), 1);
	close(c);
	close(s);
	close(l);
	printf("poll: blocks a thread until the data come\n");
}

static void *recv_thread(void *arg)
{
	struct waitp *w = arg;
	char buf[8];

	w->n = (int)recv(w->fd, buf, sizeof buf, 0);
	w->when = now();
	return NULL;
}

/* A socket closed while another thread waits in recv on it: as on
 * Linux, the wait goes on (the file lives until it ends), the data
 * come, and then the socket is gone (the peer sees the end). */
static void close_while_waiting(void)
{
	int port, l = listener(0, &port), c = connect_to(port), s = accept(l, NULL, NULL);
	struct waitp w = { .fd = s, .n = -2 };
	pthread_t t;
	char ch;

	CHECK(s >= 0);
	CHECK(pthread_create(&t, NULL, recv_thread, &w) == 0);
	usleep(50000);
	CHECK_EQ(w.n, -2);
	CHECK(close(s) == 0);
	CHECK_ERR(recv(s, &ch, 1, MSG_DONTWAIT), EBADF);
	usleep(20000);
	CHECK_EQ(send(c, "late", 4, 0), 4);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(w.n, 4);
	CHECK_EQ(recv(c, &ch, 1, 0), 0);
	close(c);
	close(l);
	printf("close: while another thread waits in recv\n");
}

/* epoll on host sockets: a level-triggered listener, an edge-triggered
 * connection re-armed by reading to EAGAIN, EPOLLOUT, timeouts that
 * pass without a spurious wake, and an epoll_wait blocked in a thread
 * woken by data. */
static void epoll_sockets(void)
{
	struct epoll_event ev, out[4];
	int port, l = listener(SOCK_NONBLOCK, &port), ep = epoll_create1(EPOLL_CLOEXEC), c, s;
	struct waitp w;
	pthread_t t;
	double t0;
	char buf[64];

	CHECK(ep >= 0);
	ev.events = EPOLLIN;
	ev.data.u32 = 1;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) == 0);
	t0 = now();
	CHECK_EQ(epoll_wait(ep, out, 4, 100), 0);
	CHECK(now() - t0 >= 0.09);
	c = connect_to(port);
	CHECK_EQ(epoll_wait(ep, out, 4, 1000), 1);
	CHECK(out[0].data.u32 == 1 && out[0].events == EPOLLIN);
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	CHECK(s >= 0);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);

	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.u32 = 2;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0);
	CHECK_EQ(epoll_wait(ep, out, 4, 50), 0);
	CHECK_EQ(send(c, "one", 3, 0), 3);
	CHECK_EQ(epoll_wait(ep, out, 4, 1000), 1);
	CHECK(out[0].data.u32 == 2 && out[0].events == EPOLLIN);
	CHECK_EQ(recv(s, buf, sizeof buf, 0), 3);
	CHECK_ERR(recv(s, buf, sizeof buf, 0), EAGAIN);
	t0 = now();
	CHECK_EQ(epoll_wait(ep, out, 4, 100), 0); /* the edge was taken */
	CHECK(now() - t0 >= 0.09);
	CHECK_EQ(send(c, "two", 3, 0), 3);
	CHECK_EQ(epoll_wait(ep, out, 4, 1000), 1);
	CHECK_EQ(out[0].events, EPOLLIN);
	CHECK_EQ(recv(s, buf, sizeof buf, 0), 3);

	/* a thread blocked in epoll_wait, woken by data */
	w.fd = ep;
	w.n = -2;
	CHECK(pthread_create(&t, NULL, epoll_thread, &w) == 0);
	usleep(50000);
	CHECK_EQ(w.n, -2);
	CHECK_EQ(send(c, "three", 5, 0), 5);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(w.n, 1);
	CHECK_EQ(recv(s, buf, sizeof buf, 0), 5);

	/* EPOLLOUT, and the peer's close as EPOLLRDHUP */
	ev.events = EPOLLOUT;
	ev.data.u32 = 3;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev) == 0);
	CHECK_EQ(epoll_wait(ep, out, 4, 1000), 1);
	CHECK(out[0].data.u32 == 3 && out[0].events == EPOLLOUT);
	ev.events = EPOLLIN | EPOLLRDHUP;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev) == 0);
	close(c);
	CHECK_EQ(epoll_wait(ep, out, 4, 1000), 1);
	CHECK(out[0].events & EPOLLRDHUP);
	CHECK_EQ(recv(s, buf, sizeof buf, 0), 0);
	close(s);
	close(l);
	close(ep);
	printf("epoll: level and edge, EPOLLOUT, EPOLLRDHUP, a blocked thread woken\n");
}

/* A thread blocked in accept blocks only itself. */
static void blocking_accept(void)
{
	struct acc a = { .s = -1 };
	struct stat st;
	pthread_t t;
	int port, c, i;
	double t0 = now(), connected;

	a.l = listener(0, &port);
	CHECK(pthread_create(&t, NULL, accept_thread, &a) == 0);
	for (i = 0; i < 10; i++) {
		usleep(20000);
		CHECK_EQ(a.s, -1);
	}
	CHECK(now() - t0 >= 0.19);
	c = connect_to(port);
	connected = now();
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(a.s >= 0);
	CHECK(a.when >= connected - 0.001);
	CHECK(fstat(a.s, &st) == 0 && S_ISSOCK(st.st_mode));
	close(c);
	close(a.s);
	close(a.l);
	printf("accept: blocking, in a thread\n");
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 4093);
}

static void *send_and_close(void *arg)
{
	static unsigned char buf[MIB];
	struct acc *a = arg;
	size_t i;

	a->s = accept(a->l, NULL, NULL);
	CHECK(a->s >= 0);
	for (i = 0; i < sizeof buf; i++)
		buf[i] = pattern(i);
	CHECK_EQ(write(a->s, buf, sizeof buf), sizeof buf); /* all of it: a blocking write */
	CHECK(close(a->s) == 0);			    /* much of it still in flight */
	a->when = now();
	return NULL;
}

/* 1 MiB written in one write() and closed at once all arrives. */
static volatile int sigpipes;

static void count_sigpipe(int sig)
{
	sigpipes++;
}

static void close_pending(void)
{
	static unsigned char in[65536];
	struct acc a = { .s = -1 };
	pthread_t t;
	size_t got = 0, i;
	ssize_t r;
	int port, c;

	a.l = listener(0, &port);
	CHECK(pthread_create(&t, NULL, send_and_close, &a) == 0);
	c = connect_to(port);
	usleep(50000); /* the writer is done or blocked: nothing was read yet */
	while ((r = recv(c, in, sizeof in, 0)) > 0)
		for (i = 0; i < (size_t)r; i++, got++)
			if (in[i] != pattern(got))
				CHECK(!"a byte differs");
	CHECK_EQ(r, 0);
	CHECK_EQ(got, MIB);
	CHECK(pthread_join(t, NULL) == 0);
	/* the peer is gone: EPIPE (or a reset), never a host SIGPIPE; keel's
	 * own SIGPIPE comes with an EPIPE, as on Linux, but not with
	 * MSG_NOSIGNAL */
	signal(SIGPIPE, count_sigpipe);
	for (i = 0; i < 100; i++)
		if (send(c, "x", 1, 0) < 0)
			break;
	CHECK(i < 100 && (errno == EPIPE || errno == ECONNRESET));
	CHECK_EQ(sigpipes, errno == EPIPE);
	sigpipes = 0;
	CHECK(send(c, "x", 1, MSG_NOSIGNAL) < 0);
	CHECK_EQ(sigpipes, 0);
	signal(SIGPIPE, SIG_DFL);
	close(c);
	close(a.l);
	printf("close: 1 MiB pending arrived, then EPIPE\n");
}

struct later {
	int fd;
	const char *text;
};

static void *send_later(void *arg)
{
	struct later *l = arg;

	usleep(50000);
	CHECK_EQ(send(l->fd, l->text, strlen(l->text), 0), (long)strlen(l->text));
	return NULL;
}

static void stream_basics(void)
{
	int port, l = listener(0, &port), c = connect_to(port), s = accept(l, NULL, NULL), n = 0;
	struct sockaddr_in a, b;
	socklen_t alen = sizeof a, blen = sizeof b;
	char buf[16];

	CHECK(s >= 0);
	CHECK(getpeername(s, (struct sockaddr *)&a, &alen) == 0);
	CHECK(getsockname(c, (struct sockaddr *)&b, &blen) == 0);
	CHECK(a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr);
	CHECK_EQ(send(c, "hello", 5, 0), 5);
	usleep(10000);
	CHECK(ioctl(s, FIONREAD, &n) == 0);
	CHECK_EQ(n, 5);
	CHECK_EQ(recv(s, buf, 2, MSG_PEEK), 2);
	CHECK_EQ(read(s, buf, sizeof buf), 5);
	CHECK(!memcmp(buf, "hello", 5));
	{ /* MSG_WAITALL waits for the second piece */
		struct later l = { c, "defgh" };
		pthread_t t;

		CHECK_EQ(send(c, "abc", 3, 0), 3);
		CHECK(pthread_create(&t, NULL, send_later, &l) == 0);
		CHECK_EQ(recv(s, buf, 8, MSG_WAITALL), 8);
		CHECK(!memcmp(buf, "abcdefgh", 8));
		CHECK(pthread_join(t, NULL) == 0);
	}
	CHECK(shutdown(c, SHUT_WR) == 0);
	CHECK_EQ(recv(s, buf, sizeof buf, 0), 0);
	CHECK_ERR(shutdown(s, 7), EINVAL);
	close(c);
	close(s);
	close(l);
	printf("stream: names, peek, FIONREAD, MSG_WAITALL, shutdown\n");
}

int main(int argc, char **argv)
{
	names();
	refused();
	stream_basics();
	ipv6();
	addr_in_use();
	refused_connect();
	rcvtimeo();
	udp();
	nonblocking_accept();
	blocking_accept();
	poll_blocks();
	epoll_sockets();
	close_while_waiting();
	close_pending();
	return done();
}
