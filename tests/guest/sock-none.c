/*
 * The socket layer with no network (keel-run without --net): socket()
 * fails with EAFNOSUPPORT and one log line; the socket calls on other
 * fds say EBADF or ENOTSOCK.
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };
	socklen_t len = sizeof a;
	int v = 1, sv[2];
	char c;

	CHECK(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT);
	CHECK(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) == -1 && errno == EAFNOSUPPORT);
	CHECK(socket(AF_INET, SOCK_STREAM | 0x100000, 0) == -1 && errno == EINVAL);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 && errno == EAFNOSUPPORT);
	CHECK(bind(1, (struct sockaddr *)&a, sizeof a) == -1 && errno == ENOTSOCK);
	CHECK(listen(0, 1) == -1 && errno == ENOTSOCK);
	CHECK(accept(99, 0, 0) == -1 && errno == EBADF);
	CHECK(connect(2, (struct sockaddr *)&a, sizeof a) == -1 && errno == ENOTSOCK);
	CHECK(send(1, "x", 1, 0) == -1 && errno == ENOTSOCK);
	CHECK(recv(0, &c, 1, MSG_DONTWAIT) == -1 && errno == ENOTSOCK);
	CHECK(setsockopt(1, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v) == -1 && errno == ENOTSOCK);
	CHECK(getsockname(1, (struct sockaddr *)&a, &len) == -1 && errno == ENOTSOCK);
	CHECK(getpeername(-1, (struct sockaddr *)&a, &len) == -1 && errno == EBADF);
	CHECK(shutdown(1, SHUT_RDWR) == -1 && errno == ENOTSOCK);
	return done();
}
