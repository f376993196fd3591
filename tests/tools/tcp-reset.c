/*
 * tcp-reset: resets in both directions for the network tests (host
 * program).
 *
 *   tcp-reset A.B.C.D PORT
 *
 * First connection: sends "x", then closes with SO_LINGER 0, which
 * resets it (the guest must see ECONNRESET). Second connection: sends
 * "yy" and waits (5 s at most) for the guest, which reads one byte and
 * closes with the other unread, to reset it. Prints "tcp-reset: the
 * guest reset the connection" and exits 0 when it did; 1 otherwise, 2
 * on bad arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int dial(const struct sockaddr_in *to)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || connect(s, (const struct sockaddr *)to, sizeof *to)) {
		perror("tcp-reset: connect");
		exit(1);
	}
	return s;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct linger lg = { 1, 0 };
	struct timeval tv = { 5, 0 };
	char c;
	ssize_t r;
	int s;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: tcp-reset A.B.C.D PORT\n");
		return 2;
	}
	to.sin_port = htons((unsigned short)atoi(argv[2]));
	s = dial(&to);
	if (send(s, "x", 1, 0) != 1 || setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg))
		return 1;
	usleep(200000);
	close(s);

	s = dial(&to);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (send(s, "yy", 2, 0) != 2)
		return 1;
	r = recv(s, &c, 1, 0);
	if (r < 0 && errno == ECONNRESET) {
		printf("tcp-reset: the guest reset the connection\n");
		return 0;
	}
	fprintf(stderr, "tcp-reset: recv returned %zd (%s), not ECONNRESET\n", r,
		r < 0 ? strerror(errno) : "no error");
	return 1;
}
