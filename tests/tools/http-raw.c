/*
 * http-raw: sends raw bytes to an HTTP server and prints what comes
 * back (a host program for the web tests, tests/web/httpd.sh).
 *
 *   http-raw [-b MS] [-p MS] [-t MS] [-w MS] [-R BYTES] [-s] [-x] HOST PORT < REQUEST
 *
 * Connects to HOST (IPv4) port PORT, sends all of standard input (with
 * -b, one byte every MS milliseconds: a slow client; with -p, waits MS
 * milliseconds after connecting before sending), then reads until the
 * server closes the connection or nothing arrives for -t MS (default
 * 3000); with -s it shuts its sending side down after the request;
 * with -x it resets the connection right after sending (a client that
 * vanishes) and reads nothing; with -w it waits MS milliseconds before
 * it starts reading, with -R its receive buffer is BYTES (a client that
 * reads late and slowly holds the server's response in the middle).
 * Everything received goes to stdout. Exit status: 0 when the server
 * closed the connection, 3 when it was still open after the timeout,
 * 4 when it was reset, 1 on other errors, 2 on bad arguments. The whole
 * run is bounded by 60 seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char req[1 << 20];

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int usage(void)
{
	fprintf(stderr, "usage: http-raw [-b MS] [-p MS] [-t MS] [-w MS] [-R BYTES] [-s] [-x] HOST "
			"PORT < REQUEST\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	int byte_ms = 0, pause_ms = 0, timeout_ms = 3000, shut = 0, vanish = 0, wait_ms = 0;
	int rcvbuf = 0, c, s;
	size_t len = 0, off = 0;
	ssize_t n;
	char buf[65536];

	while ((c = getopt(argc, argv, "b:p:t:w:R:sx")) != -1) {
		switch (c) {
		case 'b':
			byte_ms = atoi(optarg);
			break;
		case 'p':
			pause_ms = atoi(optarg);
			break;
		case 't':
			timeout_ms = atoi(optarg);
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		case 'R':
			rcvbuf = atoi(optarg);
			break;
		case 's':
			shut = 1;
			break;
		case 'x':
			vanish = 1;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 2 || inet_pton(AF_INET, argv[optind], &to.sin_addr) != 1)
		return usage();
	to.sin_port = htons(atoi(argv[optind + 1]));
	signal(SIGPIPE, SIG_IGN);
	alarm(60);
	while (len < sizeof(req) && (n = read(0, req + len, sizeof(req) - len)) > 0)
		len += n;

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s >= 0 && rcvbuf)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("http-raw: connect");
		return 1;
	}
	if (pause_ms)
		sleep_ms(pause_ms);
	while (off < len) {
		n = send(s, req + off, byte_ms ? 1 : len - off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EPIPE || errno == ECONNRESET)
				break; /* the server gave up on us: read what it said */
			perror("http-raw: send");
			return 1;
		}
		off += n;
		if (byte_ms)
			sleep_ms(byte_ms);
	}
	if (vanish) {
		struct linger l = { 1, 0 };

		setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(s);
		return 0;
	}
	if (shut)
		shutdown(s, SHUT_WR);
	if (wait_ms)
		sleep_ms(wait_ms);
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			fflush(stdout);
			return 3;
		}
		n = recv(s, buf, sizeof(buf), 0);
		if (n == 0)
			break;
		if (n < 0) {
			fflush(stdout);
			if (errno == ECONNRESET)
				return 4;
			perror("http-raw: recv");
			return 1;
		}
		fwrite(buf, 1, n, stdout);
	}
	fflush(stdout);
	return 0;
}
