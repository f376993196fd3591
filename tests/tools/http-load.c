/*
 * http-load: a small, bounded HTTP/1.1 load client that checks every
 * response (a host program for the web tests and their harness).
 *
 *   http-load [-f FILE] [-T SECONDS] HOST PORT PATH seq N
 *   http-load [-f FILE] [-T SECONDS] HOST PORT PATH keep CONNS N
 *
 * seq:  N connections one after another, each one GET with
 *       "Connection: close", read until the server closes it.
 * keep: CONNS connections open at once, each making N GETs one after
 *       another on the same connection (keep-alive), all driven by one
 *       poll loop; a connection the server closes early is an error.
 * Every response must be "HTTP/1.1 200" with a Content-Length and that
 * many body bytes; with -f, the body must be FILE's bytes exactly.
 * The whole run is bounded by -T SECONDS (default 60): what is not done
 * by then counts as errors. Prints one line,
 *   http-load: MODE: R of T requests ok, E errors, S s (Q req/s)
 * and the first error's reason on stderr; exit status 0 when every
 * request succeeded, 1 otherwise, 2 on bad arguments.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CONNS_MAX 4096
#define RESP_MAX (16 << 20)

struct client {
	int fd;
	int left;    /* requests still to make */
	size_t got;  /* bytes of the current response */
	size_t sent; /* bytes of the current request */
	char *buf;
	size_t cap;
};

static struct sockaddr_in to = { .sin_family = AF_INET };
static char request[512];
static size_t request_len;
static char *expect; /* the file's bytes, with -f */
static long long expect_len = -1;
static long ok, errors;
static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void error(const char *fmt, const char *detail)
{
	if (errors++ == 0) {
		fprintf(stderr, "http-load: first error: ");
		fprintf(stderr, fmt, detail);
		fputc('\n', stderr);
	}
}

/*
 * Whether buf holds a whole response: 1 complete (and checked: ok or an
 * error counted), 0 not yet, -1 malformed (counted).
 */
static int complete(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4), *p;
	long long cl = -1;
	size_t hlen;

	if (!end)
		return len > 65536 ? (error("%s", "no end of the response head"), -1) : 0;
	hlen = end + 4 - buf;
	if (len < 12 || memcmp(buf, "HTTP/1.1 200", 12) != 0) {
		char line[80];

		snprintf(line, sizeof(line), "%.*s",
			 (int)(strcspn(buf, "\r\n") < 70 ? strcspn(buf, "\r\n") : 70), buf);
		error("status line '%s'", line);
		return -1;
	}
	for (p = buf; p < end; p++) {
		if (*p == '\n' && strncasecmp(p + 1, "content-length:", 15) == 0) {
			cl = atoll(p + 16);
			break;
		}
	}
	if (cl < 0) {
		error("%s", "no Content-Length");
		return -1;
	}
	if (len < hlen + cl)
		return 0;
	if (len > hlen + cl) {
		error("%s", "more bytes than Content-Length");
		return -1;
	}
	if (expect && (cl != expect_len || memcmp(buf + hlen, expect, cl) != 0)) {
		error("%s", "the body differs from the file");
		return -1;
	}
	ok++;
	return 1;
}

static int grow(struct client *c)
{
	if (c->got < c->cap)
		return 0;
	if (c->cap >= RESP_MAX)
		return -1;
	c->cap = c->cap ? c->cap * 2 : 65536;
	c->buf = realloc(c->buf, c->cap);
	return c->buf ? 0 : -1;
}

static int connect_to(int nonblock)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (s < 0)
		return -1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (nonblock)
		fcntl(s, F_SETFL, O_NONBLOCK);
	if (connect(s, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS) {
		close(s);
		return -1;
	}
	return s;
}

/* One connection, one request, read to the server's close. */
static void seq_one(struct client *c)
{
	int s = connect_to(0);
	ssize_t n;
	struct timeval tv = { 5, 0 };

	c->got = 0;
	if (s < 0) {
		error("connect: %s", strerror(errno));
		return;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(s, request, request_len, MSG_NOSIGNAL) != (ssize_t)request_len) {
		error("send: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		if (grow(c) < 0) {
			error("%s", "response too large");
			goto out;
		}
		n = recv(s, c->buf + c->got, c->cap - c->got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error("recv: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		c->got += n;
	}
	if (complete(c->buf, c->got) == 0)
		error("%s", "the server closed before the whole response");
out:
	close(s);
}

static int run_keep(struct client *cs, int nconns)
{
	struct pollfd *p = calloc(nconns, sizeof(*p));
	int active = 0, i;

	if (!p)
		return -1;
	for (i = 0; i < nconns; i++) {
		cs[i].fd = connect_to(1);
		if (cs[i].fd < 0) {
			error("connect: %s", strerror(errno));
			cs[i].left = 0;
			continue;
		}
		active++;
	}
	while (active > 0 && now() < deadline) {
		for (i = 0; i < nconns; i++) {
			p[i].fd = cs[i].left ? cs[i].fd : -1;
			p[i].events = cs[i].sent < request_len ? POLLOUT : POLLIN;
		}
		if (poll(p, nconns, 200) < 0 && errno != EINTR)
			break;
		for (i = 0; i < nconns; i++) {
			struct client *c = &cs[i];
			ssize_t n;
			int r;

			if (!c->left || !p[i].revents)
				continue;
			if (c->sent < request_len) {
				n = send(c->fd, request + c->sent, request_len - c->sent,
					 MSG_NOSIGNAL);
				if (n < 0 && errno != EAGAIN)
					goto lost;
				if (n > 0)
					c->sent += n;
				continue;
			}
			if (grow(c) < 0) {
				error("%s", "response too large");
				goto drop;
			}
			n = recv(c->fd, c->buf + c->got, c->cap - c->got, 0);
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n <= 0)
				goto lost;
			c->got += n;
			r = complete(c->buf, c->got);
			if (r == 0)
				continue;
			if (r < 0)
				goto drop;
			c->got = 0;
			c->sent = 0;
			if (--c->left == 0) {
				close(c->fd);
				active--;
			}
			continue;
lost:
			error("connection lost: %s",
			      n < 0 ? strerror(errno) : "closed by the server");
drop:
			errors += c->left - 1; /* its remaining requests fail too */
			c->left = 0;
			close(c->fd);
			active--;
		}
	}
	for (i = 0; i < nconns; i++) {
		if (cs[i].left) {
			error("%s", "timed out");
			errors += cs[i].left - 1;
			close(cs[i].fd);
		}
	}
	free(p);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: http-load [-f FILE] [-T SECONDS] HOST PORT PATH seq N\n"
			"       http-load [-f FILE] [-T SECONDS] HOST PORT PATH keep CONNS N\n");
	return 2;
}

int main(int argc, char **argv)
{
	int c, nconns = 1, n, i, limit = 60;
	const char *file = NULL, *mode, *path;
	struct client *cs;
	double t0, t;
	long total;

	while ((c = getopt(argc, argv, "f:T:")) != -1) {
		if (c == 'f')
			file = optarg;
		else if (c == 'T')
			limit = atoi(optarg);
		else
			return usage();
	}
	if (argc - optind < 5 || inet_pton(AF_INET, argv[optind], &to.sin_addr) != 1)
		return usage();
	to.sin_port = htons(atoi(argv[optind + 1]));
	path = argv[optind + 2];
	mode = argv[optind + 3];
	if (strcmp(mode, "seq") == 0 && argc - optind == 5) {
		n = atoi(argv[optind + 4]);
	} else if (strcmp(mode, "keep") == 0 && argc - optind == 6) {
		nconns = atoi(argv[optind + 4]);
		n = atoi(argv[optind + 5]);
	} else {
		return usage();
	}
	if (n < 1 || nconns < 1 || nconns > CONNS_MAX || limit < 1 || strlen(path) > 300)
		return usage();
	if (file) {
		FILE *f = fopen(file, "rb");
		struct stat st;

		if (!f || fstat(fileno(f), &st) < 0 || !(expect = malloc(st.st_size + 1)) ||
		    fread(expect, 1, st.st_size, f) != (size_t)st.st_size) {
			fprintf(stderr, "http-load: cannot read %s\n", file);
			return 2;
		}
		expect_len = st.st_size;
		fclose(f);
	}
	request_len =
		snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path,
			 argv[optind], strcmp(mode, "seq") == 0 ? "Connection: close\r\n" : "");
	signal(SIGPIPE, SIG_IGN);
	cs = calloc(nconns, sizeof(*cs));
	if (!cs)
		return 1;
	for (i = 0; i < nconns; i++)
		cs[i].left = n;
	t0 = now();
	deadline = t0 + limit;
	if (nconns == 1 && strcmp(mode, "seq") == 0) {
		for (i = 0; i < n; i++) {
			if (now() >= deadline) {
				error("%s", "timed out");
				errors += n - i - 1;
				break;
			}
			seq_one(&cs[0]);
		}
	} else {
		run_keep(cs, nconns);
	}
	t = now() - t0;
	total = (long)n * nconns;
	printf("http-load: %s: %ld of %ld requests ok, %ld errors, %.2f s (%.0f req/s)\n", mode, ok,
	       total, errors, t, ok / (t > 0 ? t : 1e-9));
	for (i = 0; i < nconns; i++)
		free(cs[i].buf);
	free(cs);
	free(expect);
	return ok == total && errors == 0 ? 0 : 1;
}
