/*
 * keel's static-file HTTP/1.1 server: what its files share.
 *
 * http.c is pure (request parsing, percent-decoding, MIME types, dates:
 * no system calls, unit-tested on the host); event.c wraps epoll, or
 * poll where epoll is missing; cache.c keeps small files in memory;
 * server.c is the event loop and the connections; main.c the options. Plain POSIX C: it builds with keel-cc
 * (and then runs on keel's socket layer) and with the host's gcc or
 * musl-gcc.
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

/* Limits: every connection's memory is bounded by these. */
#define HTTP_HEAD_MAX 8192  /* a request head larger than this: 431 (414 in the request line) */
#define HTTP_URI_MAX 4096   /* a request-target longer than this: 414 */
#define HTTP_BODY_MAX 65536 /* a request body up to this is read and dropped; larger: 413 */
#define HTTP_PATH_MAX 1024  /* a decoded path longer than this: 414 */

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_OTHER, /* a valid token that is neither: 405 */
};

/*
 * One parsed request head. The pointers point into the buffer given to
 * http_parse and are valid as long as it is.
 */
struct http_request {
	enum http_method method;
	int minor;		  /* HTTP/1.minor: 0 or 1 (a higher minor counts as 1) */
	int keep_alive;		  /* the client allows another request on the connection */
	int has_te;		  /* a Transfer-Encoding header: the body's end is unknown */
	long long content_length; /* -1 without a Content-Length header */
	const char *line;	  /* the request line, for the log */
	size_t line_len;
	const char *target; /* the request-target as sent */
	size_t target_len;
	const char *ims; /* If-Modified-Since, or NULL */
	size_t ims_len;
};

/*
 * Parses the request head at the start of buf (len bytes; more may
 * follow it: a pipelined request or a body). Empty lines before the
 * request line are skipped, as RFC 9112 asks.
 * Returns the head's length in bytes (> 0), 0 when the head is not
 * complete yet and may still become valid, or minus an HTTP status:
 * -400 malformed, -414 request line or target too long, -431 head too
 * long (len reached HTTP_HEAD_MAX without an end), -505 an HTTP major
 * version other than 1. req->line is set whenever a request line was
 * begun, error or not: what arrived of it, up to its end.
 */
int http_parse(const char *buf, size_t len, struct http_request *req);

/*
 * Decodes the path of a request-target (origin-form "/a/b?q" or
 * absolute-form "http://host/a/b") into out, a NUL-terminated string of
 * at most outsz bytes, and sets *raw_len to the length of the target's
 * path as sent (for a redirect that appends '/'; *raw_start to where it
 * starts in target). Returns 0, -400 for a target that is not a path,
 * a bad %-escape, an encoded NUL, or a ".." segment (encoded or not:
 * traversal is refused), or -414 when the path does not fit.
 */
int http_path(const char *target, size_t len, char *out, size_t outsz, size_t *raw_start,
	      size_t *raw_len);

/* The Content-Type for a file name, by its extension (case-insensitive). */
const char *http_mime_type(const char *name);

/* The reason phrase of a status code ("Not Found"). */
const char *http_reason(int status);

/* Formats t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", 29 bytes + NUL). */
void http_date(time_t t, char out[32]);

/* Parses an IMF-fixdate; returns 0 and sets *t, or -1. */
int http_parse_date(const char *s, size_t len, time_t *t);

/* ---- event.c: readiness on file descriptors ---- */

#define EV_IN 1
#define EV_OUT 2
#define EV_ERR 4 /* reported only: an error or hang-up */

/* What ev_* track; embed it in the object whose fd it is. */
struct ev_item {
	int fd;
	int slot;	   /* the poll backend's index, -1 when not added */
	unsigned interest; /* EV_IN / EV_OUT currently asked for */
};

struct ev_ready {
	struct ev_item *item;
	unsigned events;
};

/* Sets up for at most max items; force_poll skips epoll. Returns 0 or -errno. */
int ev_init(int max, int force_poll);
const char *ev_backend(void);
int ev_add(struct ev_item *it, unsigned interest);
int ev_mod(struct ev_item *it, unsigned interest);
void ev_del(struct ev_item *it);
/* Waits up to timeout_ms (-1: for ever); returns the ready count or -errno. */
int ev_wait(struct ev_ready *out, int max, int timeout_ms);
void ev_fini(void);

/* ---- cache.c: small files kept in memory ---- */

#define CACHE_FILE_MAX (64 * 1024) /* larger files are sent from the file */

/* One cached file; its fields are read-only outside cache.c. */
struct cached {
	char *key;  /* the path asked for (a directory's ends in '/') */
	char *file; /* the file that answered it */
	char *data;
	size_t len;
	unsigned hash;
	const char *type;	/* Content-Type */
	char last_modified[32]; /* IMF-fixdate */
	struct timespec mtime;
	ino_t ino;
	dev_t dev;
	long long checked, used; /* ms: last validated, last served */
	int refs, dead;
};

/* Keeps at most bytes of file data (0: no cache). */
void cache_init(size_t bytes);
/* The entry for key, checked against its file at most once a second, or NULL. */
struct cached *cache_get(const char *key, long long now_ms);
/* Reads file (open as fd, st its fstat) into the cache under key; NULL if it cannot. */
struct cached *cache_put(const char *key, const char *file, int fd, const struct stat *st,
			 long long now_ms);
/* A connection sending from an entry holds it until it is done. */
void cache_hold(struct cached *e);
void cache_release(struct cached *e);
void cache_fini(void);

/* ---- server.c ---- */

struct httpd_options {
	const char *addr;
	int port;
	const char *root;
	int quiet;
	int max_conns;
	int idle_ms;
	int force_poll;
	size_t cache_bytes;
	int sndbuf; /* SO_SNDBUF of connections, 0: the system's */
};

/* Serves until SIGTERM or SIGINT; returns the process's exit status. */
int httpd_serve(const struct httpd_options *o);

#endif
