/*
 * httpd's event loop and connections: one thread, non-blocking sockets,
 * readiness from event.c (epoll, or poll). Above: main.c. Below: the
 * socket, file and event system calls; http.c for the protocol.
 *
 * A connection is a fixed-size struct conn (its request-head buffer and
 * its response-head buffer inside), so memory is bounded by the
 * connection limit. A connection reads until it has a whole request
 * head, answers it (the response head from conn->out; a small file from
 * the cache, cache.c, in the same sendmsg; a larger one with one sendmsg
 * of its first 64 KiB and sendfile() for the rest), and then
 * parses what is left in its buffer: pipelined requests are answered in
 * order. After a response that ends the connection it shuts down its
 * side and reads until the client closes ("lingering close", so that the
 * client sees the response and not a reset), for at most LINGER_MS.
 * Every connection has a deadline, renewed by progress, on one of three
 * lists ordered by it (all deadlines on a list are now + the same delay):
 * idle, lingering, and waiting to retry a send the network stack had no
 * memory for (ENOBUFS from lwIP).
 * Over the connection limit, a few more connections are accepted only
 * to be told 503; beyond those, accepting pauses until one closes.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"

#define OUT_MAX 2048	 /* response head, or a whole error response */
#define IOBUF_SIZE 65536 /* the first piece of a file goes out with its head */
#define SENDFILE_MAX (1 << 20)
#define LINGER_MS 2000
#define ACCEPT_BATCH 64
#define REQUESTS_PER_TURN 32 /* pipelined requests answered before others get a turn */
#define PAUSE_MS 100	     /* accepting pauses this long when out of fds */
#define RETRY_MS 20	     /* a send the stack had no memory for is tried again after this */
#define EVENTS_MAX 256

enum {
	LIST_IDLE,
	LIST_LINGER,
	LIST_RETRY,
	NLISTS
};

struct conn {
	struct ev_item ev; /* first: the loop's events point here */
	struct conn *prev, *next;
	int list;
	long long deadline;
	int busy;	       /* a response is being sent */
	int keep;	       /* another request may follow this response */
	int refused;	       /* accepted over the limit: a 503, then closed */
	int eof;	       /* the client closed its side */
	int lingering;	       /* our side is shut down; reading until the client closes */
	long long short_since; /* when sends began failing for want of memory, or 0 */
	size_t in_len;
	long long in_skip; /* request body bytes still to drop */
	size_t out_off, out_len;
	long long body_len; /* of the response, for the log */
	struct cached *mem; /* the body, from the cache */
	size_t mem_off;
	int file_fd;
	off_t file_off, file_end;
	char peer[INET6_ADDRSTRLEN];
	char out[OUT_MAX];
	char in[HTTP_HEAD_MAX];
};

struct deadlines {
	struct conn *head, *tail;
	int delay_ms;
};

static const struct httpd_options *opt;
static struct ev_item listener = { .fd = -1, .slot = -1 };
static struct deadlines lists[NLISTS];
static int nconns, serving; /* all connections; those not refused with 503 */
static long long now;
static long long accept_resume; /* when accepting resumes after running out of fds, or 0 */
static volatile sig_atomic_t stop;
static int use_sendfile = 1, use_sendmsg = 1;
static char iobuf[IOBUF_SIZE];
static time_t date_t = -1;
static char date_hdr[32];
static char log_date[32];
static int log_dirty;

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void update_date(void)
{
	time_t t = time(NULL);
	struct tm tm;

	if (t == date_t)
		return;
	date_t = t;
	http_date(t, date_hdr);
	gmtime_r(&t, &tm);
	strftime(log_date, sizeof(log_date), "%d/%b/%Y:%H:%M:%S +0000", &tm);
}

/* ---- deadlines ---- */

static void list_unlink(struct conn *c)
{
	struct deadlines *l = &lists[c->list];

	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct conn *c, int list)
{
	struct deadlines *l = &lists[list];

	c->list = list;
	c->deadline = now + l->delay_ms;
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

/* Progress: the deadline moves to now + the list's delay. */
static void touch(struct conn *c)
{
	if (c->deadline == now + lists[c->list].delay_ms)
		return;
	list_unlink(c);
	list_append(c, c->list);
}

/* ---- the request log ---- */

static void log_request(struct conn *c, const char *line, size_t len, int status, long long bytes)
{
	char esc[260 * 4];
	size_t i, o = 0;

	if (opt->quiet)
		return;
	if (!line) {
		esc[o++] = '-';
	} else {
		for (i = 0; i < len && i < 256; i++) {
			unsigned char ch = line[i];

			if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
				esc[o++] = ch;
			else
				o += sprintf(esc + o, "\\x%02x", ch);
		}
		if (i < len)
			o += sprintf(esc + o, "...");
	}
	esc[o] = '\0';
	printf("%s - - [%s] \"%s\" %d %lld\n", c->peer, log_date, esc, status, bytes);
	log_dirty = 1;
}

/* ---- connections ---- */

static void set_interest(struct conn *c, unsigned interest)
{
	if (ev_mod(&c->ev, interest) < 0)
		c->eof = 1; /* cannot happen with a valid fd; end the connection */
}

static void conn_close(struct conn *c)
{
	ev_del(&c->ev);
	close(c->ev.fd);
	if (c->file_fd >= 0)
		close(c->file_fd);
	if (c->mem)
		cache_release(c->mem);
	list_unlink(c);
	if (!c->refused)
		serving--;
	nconns--;
	free(c);
	if (listener.fd >= 0 && !accept_resume && listener.interest == 0)
		ev_mod(&listener, EV_IN);
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* Starts a response whose head is in c->out[0..len). */
static void start(struct conn *c, size_t len)
{
	c->out_off = 0;
	c->out_len = len;
	c->busy = 1;
}

static size_t head(struct conn *c, int status, const char *type, long long length,
		   const char *extra, int minor)
{
	char len[48] = "";
	int n;

	if (length >= 0)
		snprintf(len, sizeof(len), "Content-Length: %lld\r\n", length);
	n = snprintf(c->out, sizeof(c->out),
		     "HTTP/1.1 %d %s\r\nServer: keel-httpd\r\nDate: %s\r\n%s%s%s%s%s%s\r\n", status,
		     http_reason(status), date_hdr, type ? "Content-Type: " : "", type ? type : "",
		     type ? "\r\n" : "", len, extra ? extra : "",
		     !c->keep	  ? "Connection: close\r\n"
		     : minor == 0 ? "Connection: keep-alive\r\n"
				  : "");
	return n < 0 || (size_t)n >= sizeof(c->out) ? 0 : (size_t)n;
}

/* An error response, its small HTML body in c->out after the head. */
static void error_response(struct conn *c, int status, int is_head, const char *extra, int minor)
{
	char body[160];
	int blen = snprintf(body, sizeof(body),
			    "<!DOCTYPE html>\n<title>%d %s</title>\n<h1>%d %s</h1>\n", status,
			    http_reason(status), status, http_reason(status));
	size_t n = head(c, status, "text/html; charset=utf-8", blen, extra, minor);

	c->body_len = 0;
	if (!is_head && n + blen <= sizeof(c->out)) {
		memcpy(c->out + n, body, blen);
		n += blen;
		c->body_len = blen;
	}
	start(c, n);
}

static int open_file(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int errno_status(int e)
{
	switch (e) {
	case -ENOENT:
	case -ENOTDIR:
		return 404;
	case -EACCES:
	case -EPERM:
		return 403;
	case -ENAMETOOLONG:
		return 414;
	}
	return 500;
}

/* The answer from a cached file: 200 (the body from memory), or 304. */
static int answer_cached(struct conn *c, const struct http_request *req, struct cached *e)
{
	char extra[64];
	time_t since;

	snprintf(extra, sizeof(extra), "Last-Modified: %s\r\n", e->last_modified);
	c->body_len = 0;
	if (req->ims && http_parse_date(req->ims, req->ims_len, &since) == 0 &&
	    e->mtime.tv_sec <= since) {
		start(c, head(c, 304, NULL, -1, extra, req->minor));
		return 304;
	}
	start(c, head(c, 200, e->type, (long long)e->len, extra, req->minor));
	if (req->method != HTTP_HEAD && e->len) {
		cache_hold(e);
		c->mem = e;
		c->mem_off = 0;
		c->body_len = e->len;
	}
	return 200;
}

/* Answers one parsed request; returns the status. */
static int answer(struct conn *c, const struct http_request *req)
{
	char key[PATH_MAX];
	struct cached *e;
	char path[PATH_MAX], extra[HTTP_URI_MAX / 2 + 64], lm[32];
	size_t rs, rl, rootlen = strlen(opt->root);
	int is_head = req->method == HTTP_HEAD, fd, r;
	struct stat st;
	time_t since;
	size_t n;

	if (req->method == HTTP_OTHER) {
		error_response(c, 405, 0, "Allow: GET, HEAD\r\n", req->minor);
		return 405;
	}
	memcpy(path, opt->root, rootlen);
	r = http_path(req->target, req->target_len, path + rootlen, HTTP_PATH_MAX, &rs, &rl);
	if (r < 0) {
		c->keep = 0;
		error_response(c, -r, is_head, NULL, req->minor);
		return -r;
	}
	n = strlen(path);
	e = cache_get(path, now);
	if (e)
		return answer_cached(c, req, e);
	memcpy(key, path, n + 1);
	fd = open_file(path, &st);
	if (fd >= 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		if (path[n - 1] != '/') {
			/* /dir -> /dir/, with the query kept */
			const char *q = req->target + rs + rl, *qe = req->target + req->target_len;
			const char *hash = memchr(q, '#', qe - q);
			int m;

			if (hash)
				qe = hash;
			m = snprintf(extra, sizeof(extra), "Location: %.*s/%.*s\r\n", (int)rl,
				     req->target + rs, (int)(qe - q), q);
			if (m < 0 || (size_t)m >= sizeof(extra) || m > (int)sizeof(c->out) - 400) {
				c->keep = 0;
				error_response(c, 414, is_head, NULL, req->minor);
				return 414;
			}
			error_response(c, 301, is_head, extra, req->minor);
			return 301;
		}
		memcpy(path + n, "index.html", 11);
		fd = open_file(path, &st);
	}
	if (fd >= 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		fd = -ENOENT;
	}
	if (fd < 0) {
		r = errno_status(fd);
		if (r >= 500)
			c->keep = 0;
		error_response(c, r, is_head, NULL, req->minor);
		return r;
	}
	e = cache_put(key, path, fd, &st, now);
	if (e) {
		close(fd);
		return answer_cached(c, req, e);
	}
	if (req->ims && http_parse_date(req->ims, req->ims_len, &since) == 0 &&
	    st.st_mtime <= since) {
		close(fd);
		http_date(st.st_mtime, lm);
		snprintf(extra, sizeof(extra), "Last-Modified: %s\r\n", lm);
		/* A 304 has no body; it says when the file changed, not its length. */
		start(c, head(c, 304, NULL, -1, extra, req->minor));
		c->body_len = 0;
		return 304;
	}
	http_date(st.st_mtime, lm);
	snprintf(extra, sizeof(extra), "Last-Modified: %s\r\n", lm);
	n = head(c, 200, http_mime_type(path), (long long)st.st_size, extra, req->minor);
	if (!n) {
		close(fd);
		c->keep = 0;
		error_response(c, 500, is_head, NULL, req->minor);
		return 500;
	}
	start(c, n);
	c->body_len = 0;
	if (is_head || st.st_size == 0) {
		close(fd);
	} else {
		c->file_fd = fd;
		c->file_off = 0;
		c->file_end = st.st_size;
		c->body_len = st.st_size;
	}
	return 200;
}

/* Answers the head parsed from c->in (r: http_parse's result), then drops it. */
static void respond(struct conn *c, int r, const struct http_request *req)
{
	int status;

	if (r < 0) {
		c->keep = 0;
		status = -r;
		error_response(c, status, 0, NULL, 1);
		log_request(c, req->line, req->line_len, status, c->body_len);
		c->in_len = 0; /* the rest cannot be framed */
		return;
	}
	c->keep = req->keep_alive && !req->has_te;
	if (req->content_length > HTTP_BODY_MAX) {
		c->keep = 0;
		status = 413;
		error_response(c, status, req->method == HTTP_HEAD, NULL, req->minor);
	} else {
		status = answer(c, req);
		if (req->content_length > 0)
			c->in_skip = req->content_length;
	}
	log_request(c, req->line, req->line_len, status, c->body_len);
	consume(c, (size_t)r);
}

/* sendmsg without SIGPIPE, or writev where the socket layer has no send flags. */
static ssize_t send_iov(int fd, struct iovec *iov, int k)
{
	if (use_sendmsg) {
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = k };

		return sendmsg(fd, &m, MSG_NOSIGNAL);
	}
	return writev(fd, iov, k);
}

/* Sends what is left of the response: -EAGAIN when the socket is full, 0 when all is sent. */
static int send_some(struct conn *c)
{
	for (;;) {
		size_t hdr = c->out_len - c->out_off, want;
		off_t left = c->file_end - c->file_off;
		ssize_t n;

		if (c->mem) {
			/* The head and the cached body, in one call. */
			struct iovec iov[2];
			int k = 0;

			left = c->mem->len - c->mem_off;
			if (!hdr && !left)
				return 0;
			if (hdr)
				iov[k++] = (struct iovec){ c->out + c->out_off, hdr };
			if (left)
				iov[k++] =
					(struct iovec){ c->mem->data + c->mem_off, (size_t)left };
			want = hdr + left;
			n = send_iov(c->ev.fd, iov, k);
			if (n >= 0 && (size_t)n > hdr)
				c->mem_off += n - hdr;
		} else if (!hdr && !left) {
			return 0;
		} else if (left && (hdr || !use_sendfile)) {
			/* The head and the file's next piece, in one call. */
			struct iovec iov[2];
			ssize_t got = pread(c->file_fd, iobuf,
					    left > IOBUF_SIZE ? IOBUF_SIZE : left, c->file_off);
			int k = 0;

			if (got <= 0)
				return -EIO; /* the file shrank or failed under us */
			if (hdr)
				iov[k++] = (struct iovec){ c->out + c->out_off, hdr };
			iov[k++] = (struct iovec){ iobuf, (size_t)got };
			want = hdr + got;
			n = send_iov(c->ev.fd, iov, k);
			if (n >= 0 && (size_t)n > hdr)
				c->file_off += n - hdr;
		} else if (hdr) {
			want = hdr;
			if (use_sendmsg)
				n = send(c->ev.fd, c->out + c->out_off, hdr, MSG_NOSIGNAL);
			else
				n = write(c->ev.fd, c->out + c->out_off, hdr);
		} else {
			off_t off = c->file_off;

			want = left > SENDFILE_MAX ? SENDFILE_MAX : left;
			n = sendfile(c->ev.fd, c->file_fd, &off, want);
			if (n < 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
				use_sendfile = 0;
				continue;
			}
			if (n == 0)
				return -EIO;
			if (n > 0)
				c->file_off += n;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -EAGAIN;
			if (errno == EINTR)
				continue;
			if (use_sendmsg &&
			    (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
				use_sendmsg = 0; /* a socket layer without send flags */
				continue;
			}
			return -errno;
		}
		c->out_off += (size_t)n < hdr ? (size_t)n : hdr;
		touch(c);
		if ((size_t)n < want)
			return -EAGAIN; /* the socket is full: wait for room */
	}
}

/* The response is out: the file goes, and so does the connection unless kept. */
static int finish_response(struct conn *c)
{
	c->busy = 0;
	if (c->mem)
		cache_release(c->mem);
	c->mem = NULL;
	if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_fd = -1;
	c->file_off = c->file_end = 0;
	if (c->keep > 0)
		return 0;
	/* Lingering close: our side ends, we read until the client's does. */
	shutdown(c->ev.fd, SHUT_WR);
	c->lingering = 1;
	c->in_len = 0;
	c->in_skip = 0;
	list_unlink(c);
	list_append(c, LIST_LINGER);
	return 1;
}

/* Drains a lingering connection: 1 when it can be closed. */
static int linger(struct conn *c)
{
	for (;;) {
		ssize_t n = read(c->ev.fd, c->in, sizeof(c->in));

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			set_interest(c, EV_IN);
			return c->eof;
		}
		return 1;
	}
}

/*
 * Runs a connection as far as it can go without waiting: send, parse,
 * answer, read, in a loop. Returns after arranging the event it waits
 * for, or after closing it.
 */
static void conn_run(struct conn *c)
{
	struct http_request req;
	int turns = REQUESTS_PER_TURN, r;
	ssize_t n;

	for (;;) {
		if (c->lingering) {
			if (linger(c))
				goto close;
			return;
		}
		if (c->busy) {
			r = send_some(c);
			if (r == -EAGAIN) {
				set_interest(c, EV_OUT);
				return;
			}
			if ((r == -ENOBUFS || r == -ENOMEM) &&
			    (!c->short_since || now - c->short_since < opt->idle_ms)) {
				/*
				 * The stack is short of memory (lwIP says so; Linux
				 * never does for TCP). Waiting for "writable" could
				 * spin, so try again a little later, for at most the
				 * idle timeout.
				 */
				if (!c->short_since)
					c->short_since = now;
				set_interest(c, 0);
				list_unlink(c);
				list_append(c, LIST_RETRY);
				return;
			}
			c->short_since = 0;
			if (r < 0)
				goto close;
			if (finish_response(c))
				continue;
			if (!c->in_len && !c->eof) {
				/* Nothing buffered: the next request comes with an event. */
				set_interest(c, EV_IN);
				return;
			}
			if (--turns == 0) {
				/* Let others in; a writable socket brings us back. */
				set_interest(c, EV_OUT);
				return;
			}
		}
		if (c->in_skip && c->in_len) {
			size_t k =
				c->in_skip < (long long)c->in_len ? (size_t)c->in_skip : c->in_len;

			consume(c, k);
			c->in_skip -= k;
		}
		if (!c->in_skip && c->in_len) {
			r = http_parse(c->in, c->in_len, &req);
			if (r != 0) {
				respond(c, r, &req);
				continue;
			}
		}
		if (c->eof)
			goto close;
		n = read(c->ev.fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
		if (n > 0) {
			/*
			 * A new request head (or body bytes to drop) renews the
			 * deadline; the rest of a head does not: a head must come
			 * whole within the timeout, however slowly it trickles.
			 */
			if (c->in_len == 0 || c->in_skip)
				touch(c);
			c->in_len += n;
			continue;
		}
		if (n == 0) {
			c->eof = 1;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			set_interest(c, EV_IN);
			return;
		}
		goto close;
	}
close:
	conn_close(c);
}

/* A deadline passed: a half-received request gets 408, anything else ends. */
static void conn_expire(struct conn *c)
{
	if (c->list == LIST_RETRY) {
		list_unlink(c);
		list_append(c, LIST_IDLE);
		conn_run(c);
		return;
	}
	if (!c->lingering && !c->busy && (c->in_len || c->in_skip)) {
		c->keep = 0;
		error_response(c, 408, 0, NULL, 1);
		log_request(c, NULL, 0, 408, c->body_len);
		c->in_len = 0;
		c->in_skip = 0;
		touch(c);
		conn_run(c);
		return;
	}
	conn_close(c);
}

static void accept_some(void)
{
	int i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage sa;
		socklen_t salen = sizeof(sa);
		struct conn *c;
		int fd, one = 1;

		if (nconns >= opt->max_conns + opt->max_conns / 8 + 4) {
			ev_mod(&listener, 0); /* resumes when one closes */
			return;
		}
		fd = accept4(listener.fd, (struct sockaddr *)&sa, &salen,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				ev_mod(&listener, 0);
				accept_resume = now + PAUSE_MS;
			}
			return; /* EAGAIN, or nothing more to do now */
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->ev.fd = fd;
		c->ev.slot = -1;
		c->file_fd = -1;
		if (ev_add(&c->ev, EV_IN) < 0) {
			close(fd);
			free(c);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (opt->sndbuf)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &opt->sndbuf, sizeof(opt->sndbuf));
		if (sa.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, c->peer,
				  sizeof(c->peer));
		else if (sa.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, c->peer,
				  sizeof(c->peer));
		else
			strcpy(c->peer, "-");
		nconns++;
		list_append(c, LIST_IDLE);
		if (serving >= opt->max_conns) {
			/* Over the limit: told so, then closed. */
			c->refused = 1;
			c->keep = 0;
			error_response(c, 503, 0, "Retry-After: 1\r\n", 1);
			log_request(c, NULL, 0, 503, c->body_len);
			conn_run(c);
			continue;
		}
		serving++;
	}
}

static void on_signal(int sig)
{
	stop = 1;
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	} else {
		fprintf(stderr, "httpd: bad address '%s' (an IPv4 or IPv6 address)\n", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "httpd: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 511) < 0) {
		fprintf(stderr, "httpd: cannot listen on %s port %d: %s\n", addr, port,
			strerror(errno));
		close(fd);
		return -1;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		port = ntohs(ss.ss_family == AF_INET6 ? sin6->sin6_port : sin->sin_port);
	printf("httpd: serving %s at http://%s%s%s:%d/ (%s)\n", opt->root,
	       ss.ss_family == AF_INET6 ? "[" : "", addr, ss.ss_family == AF_INET6 ? "]" : "", port,
	       ev_backend());
	fflush(stdout);
	return fd;
}

static void close_all(void)
{
	int l;

	for (l = 0; l < NLISTS; l++)
		while (lists[l].head)
			conn_close(lists[l].head);
}

int httpd_serve(const struct httpd_options *o)
{
	static struct ev_ready ready[EVENTS_MAX];
	struct sigaction sa;
	int i, n, status = 0;

	opt = o;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal; /* no SA_RESTART: the wait returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	cache_init(o->cache_bytes);
	lists[LIST_IDLE].delay_ms = o->idle_ms;
	lists[LIST_LINGER].delay_ms = o->idle_ms < LINGER_MS ? o->idle_ms : LINGER_MS;
	lists[LIST_RETRY].delay_ms = RETRY_MS;
	/* every connection, the listener, and room for the 503 ones */
	if (ev_init(o->max_conns + o->max_conns / 8 + 8, o->force_poll) < 0) {
		fprintf(stderr, "httpd: out of memory\n");
		return 1;
	}
	now = mono_ms();
	update_date();
	listener.fd = listen_on(o->addr, o->port);
	if (listener.fd < 0 || ev_add(&listener, EV_IN) < 0) {
		status = 1;
		goto out;
	}
	while (!stop) {
		long long wait = 1000; /* a signal between the check and the wait costs 1 s */
		int l;

		now = mono_ms();
		for (l = 0; l < NLISTS; l++) {
			while (lists[l].head && lists[l].head->deadline <= now)
				conn_expire(lists[l].head);
			if (lists[l].head && lists[l].head->deadline - now < wait)
				wait = lists[l].head->deadline - now;
		}
		if (accept_resume) {
			if (accept_resume <= now) {
				accept_resume = 0;
				ev_mod(&listener, EV_IN);
			} else if (accept_resume - now < wait) {
				wait = accept_resume - now;
			}
		}
		if (log_dirty) {
			fflush(stdout);
			log_dirty = 0;
		}
		n = ev_wait(ready, EVENTS_MAX, (int)wait);
		if (n < 0) {
			if (n == -EINTR)
				continue;
			fprintf(stderr, "httpd: waiting for events: %s\n", strerror(-n));
			status = 1;
			break;
		}
		now = mono_ms();
		update_date();
		for (i = 0; i < n; i++) {
			if (ready[i].item == &listener)
				accept_some();
			else
				conn_run((struct conn *)ready[i].item);
		}
	}
out:
	close_all();
	cache_fini();
	if (listener.fd >= 0) {
		ev_del(&listener);
		close(listener.fd);
	}
	ev_fini();
	fflush(stdout);
	return status;
}
