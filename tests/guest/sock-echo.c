/*
 * An echo server and client on plain BSD sockets, with nothing of keel
 * in it: the same image serves on the host's stack (keel-run
 * --net=host) and on lwIP (--net=tap:IF), chosen at start-up, and the
 * same source builds as a plain Linux program (tests/tools/sock-echo.c)
 * to compare against.
 *
 *   sock-echo serve ADDR PORT
 *       TCP and UDP echo on ADDR:PORT (PORT 0: a free port, the same
 *       for both). Prints "listening on ADDR PORT", echoes every TCP
 *       connection in a thread of its own and every datagram, and stops
 *       when a datagram "bye" came (after echoing it) and the TCP
 *       connections have closed: prints what it echoed.
 *   sock-echo client ADDR PORT BYTES CONNS
 *       CONNS connections one after another, each sending BYTES bytes
 *       (a thread sends, the main thread reads the echo and checks
 *       every byte); prints the MB/s of the whole.
 *   sock-echo rtt ADDR PORT COUNT
 *       COUNT round trips of 64 bytes on one TCP_NODELAY connection;
 *       prints the mean round trip in microseconds.
 *   sock-echo bye ADDR PORT
 *       sends the datagram "bye" until it is echoed (at most 3 s).
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static unsigned long long tcp_bytes;
static int tcp_conns, tcp_closed;

/* ADDR and PORT, numeric, through getaddrinfo. */
static struct addrinfo *resolve(const char *addr, const char *port, int type)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = type };
	struct addrinfo *ai = NULL;
	int r = getaddrinfo(addr, port, &hints, &ai);

	if (r) {
		fprintf(stderr, "sock-echo: %s port %s: %s\n", addr, port, gai_strerror(r));
		exit(2);
	}
	return ai;
}

static int port_of(int s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	CHECK(getsockname(s, (struct sockaddr *)&ss, &len) == 0);
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

static int send_all(int s, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t r;

	while (n) {
		r = send(s, p, n, MSG_NOSIGNAL);
		if (r < 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void *echo_conn(void *arg)
{
	static char buf[64][16384]; /* one per connection slot */
	int s = (int)(intptr_t)arg, slot = __atomic_fetch_add(&tcp_conns, 1, __ATOMIC_SEQ_CST) % 64;
	ssize_t r;

	while ((r = recv(s, buf[slot], sizeof buf[slot], 0)) > 0) {
		if (send_all(s, buf[slot], (size_t)r))
			break;
		__atomic_add_fetch(&tcp_bytes, (unsigned long long)r, __ATOMIC_SEQ_CST);
	}
	close(s);
	__atomic_add_fetch(&tcp_closed, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *acceptor(void *arg)
{
	int l = (int)(intptr_t)arg, s;
	pthread_t t;

	for (;;) {
		s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0) {
			perror("sock-echo: accept");
			continue;
		}
		CHECK(pthread_create(&t, NULL, echo_conn, (void *)(intptr_t)s) == 0);
		pthread_detach(t);
	}
	return NULL;
}

static int serve(const char *addr, const char *port)
{
	static char buf[65536];
	struct addrinfo *ai = resolve(addr, port, SOCK_STREAM);
	struct sockaddr_storage peer;
	socklen_t plen;
	char portbuf[16];
	int l, u, on = 1, datagrams = 0, i;
	pthread_t t;
	ssize_t r;

	l = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(l >= 0);
	CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0);
	CHECK(bind(l, ai->ai_addr, ai->ai_addrlen) == 0);
	CHECK(listen(l, 64) == 0);
	freeaddrinfo(ai);
	snprintf(portbuf, sizeof portbuf, "%d", port_of(l));
	ai = resolve(addr, portbuf, SOCK_DGRAM);
	u = socket(ai->ai_family, SOCK_DGRAM, 0);
	CHECK(u >= 0);
	CHECK(bind(u, ai->ai_addr, ai->ai_addrlen) == 0);
	freeaddrinfo(ai);
	printf("listening on %s %s\n", addr, portbuf);
	fflush(stdout);
	CHECK(pthread_create(&t, NULL, acceptor, (void *)(intptr_t)l) == 0);

	for (;;) {
		plen = sizeof peer;
		r = recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);
		CHECK(r >= 0);
		CHECK(sendto(u, buf, (size_t)r, 0, (struct sockaddr *)&peer, plen) == r);
		datagrams++;
		if (r == 3 && !memcmp(buf, "bye", 3))
			break;
	}
	/* the TCP clients were done before "bye": their closes follow */
	for (i = 0; i < 500 && tcp_closed < tcp_conns; i++)
		usleep(10000);
	printf("tcp: echoed %llu bytes on %d connections, %d closed\n", tcp_bytes, tcp_conns,
	       tcp_closed);
	printf("udp: echoed %d datagrams\n", datagrams);
	CHECK(tcp_closed == tcp_conns);
	return done();
}

static unsigned char pattern(int conn, size_t i)
{
	return (unsigned char)(i * 131 + i / 251 + conn * 7);
}

struct sender {
	int s, conn;
	size_t bytes;
};

static void *send_pattern(void *arg)
{
	static unsigned char buf[65536];
	struct sender *sd = arg;
	size_t sent = 0, n, i;

	while (sent < sd->bytes) {
		n = sd->bytes - sent < sizeof buf ? sd->bytes - sent : sizeof buf;
		for (i = 0; i < n; i++)
			buf[i] = pattern(sd->conn, sent + i);
		CHECK(send_all(sd->s, buf, n) == 0);
		sent += n;
	}
	CHECK(shutdown(sd->s, SHUT_WR) == 0);
	return NULL;
}

static int connect_to(const char *addr, const char *port)
{
	struct addrinfo *ai = resolve(addr, port, SOCK_STREAM);
	int s = socket(ai->ai_family, SOCK_STREAM, 0);

	CHECK(s >= 0);
	CHECK(connect(s, ai->ai_addr, ai->ai_addrlen) == 0);
	freeaddrinfo(ai);
	return s;
}

static int client(const char *addr, const char *port, size_t bytes, int conns)
{
	static unsigned char in[65536];
	double t0 = now(), secs;
	int c;

	for (c = 0; c < conns; c++) {
		struct sender sd = { connect_to(addr, port), c, bytes };
		size_t got = 0, i;
		pthread_t t;
		ssize_t r;

		CHECK(pthread_create(&t, NULL, send_pattern, &sd) == 0);
		while ((r = recv(sd.s, in, sizeof in, 0)) > 0) {
			for (i = 0; i < (size_t)r; i++, got++)
				if (got >= bytes || in[i] != pattern(c, got)) {
					fprintf(stderr, "sock-echo: byte %zu differs\n", got);
					exit(1);
				}
		}
		CHECK(r == 0);
		CHECK_EQ(got, bytes);
		CHECK(pthread_join(t, NULL) == 0);
		close(sd.s);
	}
	secs = now() - t0;
	printf("client: %d connections echoed %zu bytes, %.1f MB/s\n", conns, bytes,
	       2.0 * (double)bytes * conns / secs / 1e6);
	return done();
}

static int rtt(const char *addr, const char *port, int count)
{
	char out[64], in[64];
	int s = connect_to(addr, port), on = 1, i;
	size_t got;
	ssize_t r;
	double t0;

	CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0);
	memset(out, 'r', sizeof out);
	t0 = now();
	for (i = 0; i < count; i++) {
		CHECK(send_all(s, out, sizeof out) == 0);
		for (got = 0; got < sizeof in; got += (size_t)r) {
			r = recv(s, in + got, sizeof in - got, 0);
			CHECK(r > 0);
		}
	}
	printf("rtt: %d round trips of 64 bytes, %.1f us each\n", count,
	       (now() - t0) / count * 1e6);
	close(s);
	return done();
}

static int bye(const char *addr, const char *port)
{
	struct addrinfo *ai = resolve(addr, port, SOCK_DGRAM);
	struct timeval tv = { 0, 300000 };
	char in[8];
	int s = socket(ai->ai_family, SOCK_DGRAM, 0), i;

	CHECK(s >= 0);
	CHECK(connect(s, ai->ai_addr, ai->ai_addrlen) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
	for (i = 0; i < 10; i++) {
		CHECK(send(s, "bye", 3, 0) == 3);
		if (recv(s, in, sizeof in, 0) == 3 && !memcmp(in, "bye", 3))
			return done();
	}
	fprintf(stderr, "sock-echo: no echo of bye\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(argv[2], argv[3]);
	if (argc == 6 && !strcmp(argv[1], "client"))
		return client(argv[2], argv[3], (size_t)atol(argv[4]), atoi(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "rtt"))
		return rtt(argv[2], argv[3], atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "bye"))
		return bye(argv[2], argv[3]);
	fprintf(stderr, "usage: sock-echo serve ADDR PORT | client ADDR PORT BYTES CONNS |\n"
			"       rtt ADDR PORT COUNT | bye ADDR PORT\n");
	return 2;
}
