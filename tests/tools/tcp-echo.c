/*
 * tcp-echo: a TCP echo client (host program) for the network tests.
 *
 *   tcp-echo A.B.C.D PORT BYTES CONNECTIONS
 *
 * Opens CONNECTIONS connections one after another; on each, sends
 * BYTES bytes of a pattern of its own while reading the echo, checks
 * every byte, then shuts its side down and expects the server to close
 * after the last byte. Everything within 20 seconds. Prints
 * "tcp-echo: N of CONNECTIONS connections echoed BYTES bytes" on
 * stdout; exits 0 when all were, 1 otherwise, 2 on bad arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned char pattern(int conn, size_t i)
{
	return (unsigned char)(i * 131 + i / 251 + conn * 7);
}

static int one(const struct sockaddr_in *to, size_t total, int conn, time_t end)
{
	static unsigned char out[65536], in[65536];
	size_t sent = 0, got = 0;
	int s = socket(AF_INET, SOCK_STREAM, 0), eof = 0, shut = 0;

	if (s < 0 || connect(s, (const struct sockaddr *)to, sizeof *to)) {
		perror("tcp-echo: connect");
		goto fail;
	}
	fcntl(s, F_SETFL, O_NONBLOCK);
	while (!eof) {
		struct pollfd p = { .fd = s, .events = POLLIN | (sent < total ? POLLOUT : 0) };
		ssize_t r;
		size_t i, n;

		if (time(NULL) > end) {
			fprintf(stderr, "tcp-echo: timed out: %zu sent, %zu back\n", sent, got);
			goto fail;
		}
		if (sent == total && !shut) {
			shutdown(s, SHUT_WR);
			shut = 1;
		}
		if (poll(&p, 1, 1000) < 0)
			goto fail;
		if (p.revents & POLLOUT) {
			n = total - sent < sizeof out ? total - sent : sizeof out;
			for (i = 0; i < n; i++)
				out[i] = pattern(conn, sent + i);
			r = send(s, out, n, 0);
			if (r < 0 && errno != EAGAIN) {
				perror("tcp-echo: send");
				goto fail;
			}
			if (r > 0)
				sent += (size_t)r;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			r = recv(s, in, sizeof in, 0);
			if (r < 0 && errno != EAGAIN) {
				perror("tcp-echo: recv");
				goto fail;
			}
			if (r == 0)
				eof = 1;
			for (i = 0; r > 0 && i < (size_t)r; i++, got++)
				if (got >= total || in[i] != pattern(conn, got)) {
					fprintf(stderr, "tcp-echo: byte %zu differs\n", got);
					goto fail;
				}
		}
	}
	close(s);
	if (got != total)
		fprintf(stderr, "tcp-echo: %zu of %zu bytes came back\n", got, total);
	return got == total;
fail:
	if (s >= 0)
		close(s);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	long bytes;
	int conns, i, ok = 0;
	time_t end = time(NULL) + 20;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
	    (bytes = atol(argv[3])) < 0 || (conns = atoi(argv[4])) < 0) {
		fprintf(stderr, "usage: tcp-echo A.B.C.D PORT BYTES CONNECTIONS\n");
		return 2;
	}
	to.sin_port = htons((unsigned short)atoi(argv[2]));
	for (i = 0; i < conns; i++)
		ok += one(&to, (size_t)bytes, i, end);
	printf("tcp-echo: %d of %d connections echoed %ld bytes\n", ok, conns, bytes);
	return ok == conns ? 0 : 1;
}
