/*
 * BSD sockets on lwIP inside the image (keel-run --net=tap: --ip=),
 * what keel's lwIP sockets answer in particular (tests/guest/sock-echo.c
 * is the echo server both stacks serve with). tests/net/sock.sh runs it
 * in a network namespace.
 *
 *   sock-lwip local
 *       alone on the network: bind errors (EADDRINUSE, EADDRNOTAVAIL,
 *       EINVAL), port 0, getsockname, options, ENOTCONN before a
 *       connection, listen's EOPNOTSUPP on UDP, accept's EAGAIN on a
 *       non-blocking listener, refused families, types and protocols;
 *       and the image's own sockets through 127.0.0.1 and through its
 *       own address (lwIP's loopback): TCP both ways, UDP;
 *       a blocking accept that a timer's signal interrupts (EINTR)
 *       while lwIP's own thread also waits.
 *   sock-lwip client ADDR PORT
 *       against an echo server (TCP and UDP) at ADDR:PORT, and nothing
 *       at PORT+1: ECONNREFUSED blocking and not, a non-blocking
 *       connect finished with poll, names, 256 KiB echoed through a
 *       poll loop, MSG_PEEK, MSG_WAITALL, SO_RCVTIMEO's expiry,
 *       shutdown(SHUT_WR) and the end of the echo, UDP connected and
 *       not, MSG_TRUNC, getaddrinfo on a numeric host, /etc/hosts;
 *       then "bye" to the server.
 *   sock-lwip pollserve PORT
 *       a TCP and UDP echo server in one thread: poll() over the
 *       listener, the connections and the UDP socket, non-blocking
 *       accept, recv and send; stops after a datagram "bye".
 *   sock-lwip backlog PORT
 *       listens with a backlog of 2 while 4 clients connect, accepts
 *       nothing for 1.5 s, then finds exactly 2 connections queued
 *       (lwIP dropped the other SYNs, as Linux does); the other 2 get
 *       in on their SYN's next try once there is room.
 *   sock-lwip reset PORT
 *       against tests/tools/tcp-reset: a connection the peer resets
 *       polls POLLERR|POLLHUP, recv says ECONNRESET once, then 0; a
 *       connection closed with unread data is reset (the peer checks).
 *   sock-lwip dns NAMESERVER
 *       keel-run --dns=NAMESERVER wrote /etc/resolv.conf and /etc/hosts
 *       at boot: getaddrinfo finds localhost in the one and asks the
 *       name server (tests/tools/dns-answer) for keel-dns.test
 *       (127.0.0.42) and nowhere.test (no such name) over lwIP's UDP.
 *   sock-lwip exhaust ADDR PORT
 *       opens connections to the echo server at ADDR:PORT, each sending
 *       32 KiB and reading nothing back, until lwIP's memory is spent
 *       (a call fails with ENOMEM or ENOBUFS, a new connection's first
 *       send with EAGAIN, or a connect does not finish); closes them
 *       all, then connects and echoes again: lwIP recovers.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* What a socket answers without a peer. */
static volatile int alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/* A signal to the process goes to the application's thread that can
 * take it, blocked in accept (main blocks it), never to lwIP's thread,
 * which started before that one and makes no system calls. */
static void *accepter(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct itimerval it = { { 0, 0 }, { 0, 50000 } };
	sigset_t set;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	CHECK(s >= 0);
	CHECK_EQ(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	CHECK_EQ(listen(s, 1), 0);
	CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
	CHECK_ERR(accept(s, NULL, NULL), EINTR);
	CHECK_EQ(alarms, 1);
	close(s);
	return arg;
}

static void interrupted_accept(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	sigset_t set;
	pthread_t t;

	CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	CHECK_EQ(pthread_create(&t, NULL, accepter, NULL), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static void local_checks(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	struct sockaddr_in got;
	socklen_t len = sizeof got;
	int s, t, v = 1, u;
	struct stat st;
	char c;

	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(fstat(s, &st) == 0 && S_ISSOCK(st.st_mode));
	CHECK(getsockname(s, (struct sockaddr *)&got, &len) == 0);
	CHECK_EQ(got.sin_port, 0);
	CHECK_ERR(getpeername(s, (struct sockaddr *)&got, &len), ENOTCONN);
	CHECK_ERR(recv(s, &c, 1, 0), ENOTCONN);
	CHECK_ERR(send(s, &c, 1, 0), ENOTCONN);
	CHECK_ERR(shutdown(s, SHUT_WR), ENOTCONN);
	CHECK_ERR(accept(s, NULL, NULL), EINVAL);
	/* an address that is not ours */
	a.sin_addr.s_addr = inet_addr("10.77.0.99");
	CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof a), EADDRNOTAVAIL);
	a.sin_addr.s_addr = INADDR_ANY;
	CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof a - 1), EINVAL);
	/* port 0: an ephemeral port */
	a.sin_port = 0;
	CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
	len = sizeof got;
	CHECK(getsockname(s, (struct sockaddr *)&got, &len) == 0);
	CHECK(ntohs(got.sin_port) >= 1024);
	CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof a), EINVAL); /* bound already */
	CHECK(listen(s, 4) == 0);
	CHECK(fcntl(s, F_SETFL, O_NONBLOCK) == 0);
	CHECK_ERR(accept(s, NULL, NULL), EAGAIN);
	/* that port is taken now */
	t = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(t >= 0);
	CHECK_ERR(bind(t, (struct sockaddr *)&got, sizeof got), EADDRINUSE);
	CHECK(close(t) == 0);
	CHECK(close(s) == 0);

	/* options */
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	CHECK(s >= 0);
	len = sizeof v;
	CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)) == 0);
	CHECK(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1);
	CHECK(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &(int){ 1 }, sizeof(int)) == 0);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &(int){ 30 }, sizeof(int)) == 0);
	CHECK(getsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len) == 0 && v == 30);
	CHECK_ERR(setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &(int){ 0 }, sizeof(int)), EINVAL);
	CHECK(setsockopt(s, IPPROTO_IP, IP_TTL, &(int){ 33 }, sizeof(int)) == 0);
	CHECK(getsockopt(s, IPPROTO_IP, IP_TTL, &v, &len) == 0 && v == 33);
	CHECK(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0 && v > 0);
	CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len) == 0 && v == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 },
			 sizeof(struct linger)) == 0);
	CHECK_ERR(setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &(int){ 1 }, sizeof(int)), ENOPROTOOPT);
	CHECK_ERR(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, 2), EINVAL);
	CHECK(close(s) == 0);

	/* UDP */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(u >= 0);
	CHECK_ERR(listen(u, 1), EOPNOTSUPP);
	CHECK_ERR(send(u, "x", 1, 0), EDESTADDRREQ);
	CHECK_ERR(recv(u, &c, 1, MSG_DONTWAIT), EAGAIN);
	CHECK_ERR(setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)), ENOPROTOOPT);
	CHECK(close(u) == 0);

	CHECK_ERR(socket(AF_INET6, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
}

static struct sockaddr_in addr_of(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };

	CHECK(inet_pton(AF_INET, ip, &a.sin_addr) == 1);
	return a;
}

/* Waits for events on fd (at most ms); returns revents. */
static short wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	CHECK(poll(&p, 1, ms) >= 0);
	return p.revents;
}

/* Sends len bytes of a pattern and reads them back through a poll loop
 * on a non-blocking socket. */
static void echo_poll(int s, size_t len)
{
	static unsigned char out[262144], in[65536];
	size_t sent = 0, got = 0, i;
	double end = now() + 20;

	for (i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 7 + i / 253);
	CHECK(fcntl(s, F_SETFL, O_NONBLOCK) == 0);
	while (got < len) {
		struct pollfd p = { .fd = s, .events = POLLIN | (sent < len ? POLLOUT : 0) };
		ssize_t r;

		CHECK(now() < end);
		CHECK(poll(&p, 1, 1000) >= 0);
		CHECK(!(p.revents & (POLLERR | POLLHUP)));
		if (p.revents & POLLOUT) {
			r = send(s, out + sent, len - sent, 0);
			CHECK(r > 0 || errno == EAGAIN);
			if (r > 0)
				sent += (size_t)r;
		}
		if (p.revents & POLLIN) {
			r = recv(s, in, sizeof in, 0);
			CHECK(r > 0 || errno == EAGAIN);
			for (i = 0; r > 0 && i < (size_t)r; i++, got++)
				CHECK_EQ(in[i], out[got]);
		}
	}
	CHECK(fcntl(s, F_SETFL, 0) == 0);
}

static void client(const char *ip, int port)
{
	struct sockaddr_in to = addr_of(ip, port), none = addr_of(ip, port + 1), name;
	socklen_t len = sizeof name;
	struct timeval tv = { 0, 300000 };
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	char buf[20000], small[10];
	char portstr[16];
	int s, u, e, i;
	short ev;
	double t0;

	/* nothing listens at PORT+1: refused, blocking and not */
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK_ERR(connect(s, (struct sockaddr *)&none, sizeof none), ECONNREFUSED);
	CHECK(close(s) == 0);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(s >= 0);
	CHECK_ERR(connect(s, (struct sockaddr *)&none, sizeof none), EINPROGRESS);
	ev = wait_fd(s, POLLOUT, 5000);
	CHECK(ev & POLLOUT);
	CHECK(ev & POLLERR);
	len = sizeof e;
	CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) == 0);
	CHECK_EQ(e, ECONNREFUSED);
	CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e == 0); /* read once */
	/* a failed socket may try again, and it connects this time */
	CHECK_ERR(connect(s, (struct sockaddr *)&to, sizeof to), EINPROGRESS);
	CHECK_ERR(connect(s, (struct sockaddr *)&to, sizeof to), EALREADY);
	ev = wait_fd(s, POLLOUT, 5000);
	CHECK_EQ(ev, POLLOUT);
	CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e == 0);
	CHECK_ERR(connect(s, (struct sockaddr *)&to, sizeof to), EISCONN);
	len = sizeof name;
	CHECK(getpeername(s, (struct sockaddr *)&name, &len) == 0);
	CHECK(name.sin_addr.s_addr == to.sin_addr.s_addr && name.sin_port == to.sin_port);
	len = sizeof name;
	CHECK(getsockname(s, (struct sockaddr *)&name, &len) == 0);
	CHECK_STR(inet_ntoa(name.sin_addr), "10.77.0.2");
	CHECK(ntohs(name.sin_port) >= 1024);
	CHECK(fcntl(s, F_SETFL, 0) == 0);

	/* 256 KiB through a poll loop */
	echo_poll(s, 262144);

	/* MSG_PEEK leaves the bytes; MSG_WAITALL waits for all */
	CHECK_EQ(send(s, "peekaboo", 8, 0), 8);
	CHECK(wait_fd(s, POLLIN, 5000) & POLLIN);
	usleep(100000); /* all 8 bytes are back */
	CHECK_EQ(recv(s, small, 4, MSG_PEEK), 4);
	CHECK(!memcmp(small, "peek", 4));
	CHECK_EQ(recv(s, small, 8, 0), 8);
	CHECK(!memcmp(small, "peekaboo", 8));
	for (i = 0; i < (int)sizeof buf; i++)
		buf[i] = (char)i;
	CHECK_EQ(send(s, buf, sizeof buf, 0), sizeof buf);
	memset(buf, 0, sizeof buf);
	CHECK_EQ(recv(s, buf, sizeof buf, MSG_WAITALL), sizeof buf);
	for (i = 0; i < (int)sizeof buf; i++)
		CHECK_EQ((unsigned char)buf[i], (unsigned char)i);
	{
		int n = -1;

		CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 0);
	}

	/* SO_RCVTIMEO: nothing comes */
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
	t0 = now();
	CHECK_ERR(recv(s, buf, 1, 0), EAGAIN);
	CHECK(now() - t0 >= 0.29);
	CHECK(now() - t0 < 3);

	/* our FIN: the server echoes what is left and closes */
	CHECK_EQ(send(s, "tail", 4, 0), 4);
	CHECK(shutdown(s, SHUT_WR) == 0);
	CHECK_ERR(send(s, "x", 1, MSG_NOSIGNAL), EPIPE);
	tv.tv_sec = 5;
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
	CHECK_EQ(recv(s, small, sizeof small, MSG_WAITALL), 4);
	CHECK(!memcmp(small, "tail", 4));
	CHECK(wait_fd(s, POLLIN | POLLRDHUP, 5000) & POLLRDHUP);
	CHECK_EQ(recv(s, small, sizeof small, 0), 0);
	CHECK(close(s) == 0);

	/* getaddrinfo on a numeric host, and localhost from /etc/hosts */
	snprintf(portstr, sizeof portstr, "%d", port);
	CHECK_EQ(getaddrinfo(ip, portstr, &hints, &ai), 0);
	s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	CHECK(s >= 0);
	CHECK(connect(s, ai->ai_addr, ai->ai_addrlen) == 0);
	freeaddrinfo(ai);
	echo_poll(s, 1000);
	CHECK(close(s) == 0);
	CHECK_EQ(getaddrinfo("localhost", NULL, &hints, &ai), 0);
	CHECK_STR(inet_ntoa(((struct sockaddr_in *)ai->ai_addr)->sin_addr), "127.0.0.1");
	freeaddrinfo(ai);

	/* UDP: connected, then sendto/recvfrom; MSG_TRUNC */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(u >= 0);
	CHECK(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
	CHECK(connect(u, (struct sockaddr *)&to, sizeof to) == 0);
	len = sizeof name;
	CHECK(getpeername(u, (struct sockaddr *)&name, &len) == 0 && name.sin_port == to.sin_port);
	CHECK_EQ(send(u, "hello, udp", 10, 0), 10);
	CHECK_EQ(recv(u, buf, sizeof buf, 0), 10);
	CHECK(!memcmp(buf, "hello, udp", 10));
	CHECK_EQ(send(u, "0123456789abcdef", 16, 0), 16);
	{
		struct iovec iov = { small, 4 };
		struct msghdr m = { .msg_name = &name,
				    .msg_namelen = sizeof name,
				    .msg_iov = &iov,
				    .msg_iovlen = 1 };

		CHECK_EQ(recvmsg(u, &m, MSG_PEEK), 4);
		CHECK(m.msg_flags & MSG_TRUNC);
		CHECK_EQ(m.msg_namelen, sizeof name);
		CHECK(name.sin_port == to.sin_port);
		CHECK_EQ(recvmsg(u, &m, MSG_TRUNC), 16);
		CHECK(!memcmp(small, "0123", 4));
	}
	CHECK(close(u) == 0);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(u >= 0);
	CHECK(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
	CHECK_EQ(sendto(u, "bye", 3, 0, (struct sockaddr *)&to, sizeof to), 3);
	len = sizeof name;
	CHECK_EQ(recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&name, &len), 3);
	CHECK(name.sin_addr.s_addr == to.sin_addr.s_addr && name.sin_port == to.sin_port);
	CHECK(close(u) == 0);
	printf("client: all checks against %s:%d done\n", ip, port);
}

/* ---- one thread, poll ---- */

#define MAXC 64

static int pollserve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	struct pollfd p[MAXC + 2];
	static char buf[65536];
	unsigned long bytes = 0;
	int n = 2, l, u, conns = 0, closed = 0, datagrams = 0, bye = 0, i;

	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(l >= 0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(l, 8) == 0);
	u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK(u >= 0);
	CHECK(bind(u, (struct sockaddr *)&a, sizeof a) == 0);
	p[0] = (struct pollfd){ .fd = l, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = u, .events = POLLIN };
	printf("listening on 0.0.0.0 %d (poll)\n", port);
	fflush(stdout);
	while (!bye || n > 2) {
		CHECK(poll(p, (nfds_t)n, 30000) > 0);
		if (p[0].revents & POLLIN) {
			int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);

			if (s >= 0 && n < MAXC + 2) {
				p[n++] = (struct pollfd){ .fd = s, .events = POLLIN };
				conns++;
			} else if (s >= 0) {
				close(s);
			}
		}
		if (p[1].revents & POLLIN) {
			struct sockaddr_in from;
			socklen_t len = sizeof from;
			ssize_t r = recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);

			if (r >= 0) {
				CHECK_EQ(
					sendto(u, buf, (size_t)r, 0, (struct sockaddr *)&from, len),
					r);
				datagrams++;
				bye |= r == 3 && !memcmp(buf, "bye", 3);
			}
		}
		for (i = 2; i < n; i++) {
			ssize_t r, off = 0;

			if (!p[i].revents)
				continue;
			r = recv(p[i].fd, buf, sizeof buf, 0);
			if (r < 0 && errno == EAGAIN)
				continue;
			/* echo all of it: wait for room while the peer reads */
			while (r > 0 && off < r) {
				ssize_t w = send(p[i].fd, buf + off, (size_t)(r - off), 0);

				if (w < 0 && errno == EAGAIN) {
					CHECK(wait_fd(p[i].fd, POLLOUT, 10000) & POLLOUT);
					continue;
				}
				CHECK(w > 0);
				off += w;
			}
			if (r > 0) {
				bytes += (unsigned long)r;
				continue;
			}
			CHECK(close(p[i].fd) == 0);
			closed++;
			p[i--] = p[--n];
		}
	}
	printf("tcp: echoed %lu bytes on %d connections, %d closed\n", bytes, conns, closed);
	printf("udp: echoed %d datagrams\n", datagrams);
	return done();
}

/* ---- lwIP's memory spent, and back ---- */

static int exhaust(const char *ip, int port)
{
	struct sockaddr_in to = addr_of(ip, port);
	static char out[32768];
	struct timeval tv = { 2, 0 };
	int fds[400], n = 0, failed = 0, s, i;

	memset(out, 'x', sizeof out);
	while (n < 400 && !failed) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0) {
			printf("exhaust: socket %d: %s\n", n, strerror(errno));
			failed = 1;
			break;
		}
		fds[n++] = s;
		CHECK(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0);
		if (connect(s, (struct sockaddr *)&to, sizeof to) < 0) {
			printf("exhaust: connect %d: %s\n", n, strerror(errno));
			CHECK(errno == ENOMEM || errno == ENOBUFS || errno == EAGAIN ||
			      errno == EINPROGRESS || errno == ETIMEDOUT);
			failed = 1;
			break;
		}
		for (i = 0; i < 4; i++) {
			ssize_t r = send(s, out, sizeof out / 4, MSG_DONTWAIT);

			/* a new connection's empty send buffer refusing its first
			 * 8 KiB: the heap is spent */
			if (r < 0 && (errno != EAGAIN || i == 0)) {
				printf("exhaust: send on %d: %s\n", n, strerror(errno));
				CHECK(errno == ENOMEM || errno == ENOBUFS || errno == EAGAIN);
				failed = 1;
				break;
			}
		}
		usleep(20000); /* the echoes come back, and stay */
	}
	CHECK(failed);
	printf("exhaust: lwIP's memory spent after %d connections\n", n);
	fflush(stdout);
	while (n)
		CHECK(close(fds[--n]) == 0); /* unread data: RST */
	sleep(1);
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(connect(s, (struct sockaddr *)&to, sizeof to) == 0);
	echo_poll(s, 100000);
	CHECK(close(s) == 0);
	printf("exhaust: recovered: 100000 bytes echoed on a new connection\n");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(s >= 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
	for (i = 0; i < 3; i++) {
		char c[4];

		CHECK_EQ(sendto(s, "bye", 3, 0, (struct sockaddr *)&to, sizeof to), 3);
		if (recv(s, c, sizeof c, 0) == 3)
			break;
	}
	CHECK(close(s) == 0);
	return done();
}

static int backlog(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	struct timeval tv = { 10, 0 };
	int l, s, queued = 0, later = 0;

	l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(l, 2) == 0);
	CHECK(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
	printf("listening on 0.0.0.0 %d (backlog 2)\n", port);
	fflush(stdout);
	CHECK(wait_fd(l, POLLIN, 20000) & POLLIN);
	usleep(1500000); /* every client has tried by now */
	CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0);
	while ((s = accept(l, NULL, NULL)) >= 0) {
		queued++;
		CHECK(close(s) == 0);
	}
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(queued, 2);
	CHECK(fcntl(l, F_SETFL, 0) == 0);
	while (later < 2 && (s = accept(l, NULL, NULL)) >= 0) {
		later++;
		CHECK(close(s) == 0);
	}
	CHECK_EQ(later, 2);
	printf("backlog: 2 of 4 connections queued, the other 2 came in later\n");
	return done();
}

static int reset(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int l, s;
	short ev;
	char c;

	l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(l, 2) == 0);
	printf("listening on 0.0.0.0 %d\n", port);
	fflush(stdout);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(recv(s, &c, 1, 0), 1);
	ev = wait_fd(s, POLLIN, 5000);
	CHECK((ev & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP));
	CHECK_ERR(recv(s, &c, 1, 0), ECONNRESET);
	CHECK_EQ(recv(s, &c, 1, 0), 0);
	CHECK(close(s) == 0);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	CHECK(wait_fd(s, POLLIN, 5000) & POLLIN);
	usleep(200000); /* both bytes are here */
	CHECK_EQ(recv(s, &c, 1, 0), 1);
	CHECK(close(s) == 0); /* one byte unread: RST */
	usleep(500000);
	printf("reset: ECONNRESET seen, and a close with unread data reset\n");
	return done();
}

static void expect_addr(const char *name, const char *want)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int r = getaddrinfo(name, "80", &hints, &ai);

	if (r)
		fprintf(stderr, "getaddrinfo(%s): %s\n", name, gai_strerror(r));
	CHECK_EQ(r, 0);
	CHECK_STR(inet_ntoa(((struct sockaddr_in *)ai->ai_addr)->sin_addr), want);
	freeaddrinfo(ai);
	printf("%s: %s\n", name, want);
}

static int dns(const char *server)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char line[128], want[128];
	FILE *f = fopen("/etc/resolv.conf", "r");

	CHECK(f != NULL);
	CHECK(fgets(line, sizeof line, f) != NULL);
	snprintf(want, sizeof want, "nameserver %s\n", server);
	CHECK_STR(line, want);
	fclose(f);
	expect_addr("localhost", "127.0.0.1");
	expect_addr("keel-dns.test", "127.0.0.42");
	CHECK_EQ(getaddrinfo("nowhere.test", "80", &hints, &ai), EAI_NONAME);
	printf("nowhere.test: not found\n");
	return done();
}

/* A TCP connection and a datagram from the image to itself at ip. */
static void loop_to(const char *ip, int port)
{
	struct sockaddr_in a = addr_of(ip, port), from;
	socklen_t len = sizeof from;
	int l, c, s, u;
	char buf[16];

	l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(l, 1) == 0);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(c >= 0);
	CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof a), EINPROGRESS);
	CHECK(wait_fd(c, POLLOUT, 5000) == POLLOUT);
	s = accept(l, (struct sockaddr *)&from, &len);
	CHECK(s >= 0);
	CHECK(from.sin_addr.s_addr == a.sin_addr.s_addr);
	CHECK(fcntl(c, F_SETFL, 0) == 0);
	CHECK_EQ(send(c, "ping", 4, 0), 4);
	CHECK_EQ(recv(s, buf, 4, MSG_WAITALL), 4);
	CHECK(!memcmp(buf, "ping", 4));
	CHECK_EQ(send(s, "pong!", 5, 0), 5);
	CHECK_EQ(recv(c, buf, 5, MSG_WAITALL), 5);
	CHECK(!memcmp(buf, "pong!", 5));
	CHECK(close(c) == 0);
	CHECK_EQ(recv(s, buf, sizeof buf, 0), 0);
	CHECK(close(s) == 0);
	CHECK(close(l) == 0);

	u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(u >= 0);
	CHECK(bind(u, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK_EQ(sendto(u, "self", 4, 0, (struct sockaddr *)&a, sizeof a), 4);
	len = sizeof from;
	CHECK_EQ(recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &len), 4);
	CHECK(!memcmp(buf, "self", 4));
	CHECK(from.sin_addr.s_addr == a.sin_addr.s_addr && from.sin_port == a.sin_port);
	CHECK(close(u) == 0);
	printf("loopback: TCP and UDP to %s\n", ip);
}

int main(int argc, char **argv)
{
	CHECK(argc >= 2);
	if (!strcmp(argv[1], "local")) {
		local_checks(7);
		loop_to("127.0.0.1", 7100);
		loop_to("10.77.0.2", 7101);
		interrupted_accept();
		return done();
	}
	if (!strcmp(argv[1], "client") && argc == 4) {
		client(argv[2], atoi(argv[3]));
		return done();
	}
	if (!strcmp(argv[1], "pollserve") && argc == 3)
		return pollserve(atoi(argv[2]));
	if (!strcmp(argv[1], "backlog") && argc == 3)
		return backlog(atoi(argv[2]));
	if (!strcmp(argv[1], "reset") && argc == 3)
		return reset(atoi(argv[2]));
	if (!strcmp(argv[1], "dns") && argc == 3)
		return dns(argv[2]);
	if (!strcmp(argv[1], "exhaust") && argc == 4)
		return exhaust(argv[2], atoi(argv[3]));
	fprintf(stderr,
		"usage: sock-lwip local | client ADDR PORT | pollserve PORT | backlog PORT |\n"
		"       reset PORT | dns NAMESERVER |\n"
		"       exhaust ADDR PORT\n");
	return 2;
}
