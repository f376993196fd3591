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
 *       non-blocking listener, refused families, types and protocols.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* What a socket answers without a peer. */
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

int main(int argc, char **argv)
{
	CHECK(argc >= 2);
	if (!strcmp(argv[1], "local")) {
		local_checks(7);
		return done();
	}
	fprintf(stderr, "usage: sock-lwip local\n");
	return 2;
}
