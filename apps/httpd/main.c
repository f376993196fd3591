/*
 * keel's static-file web server: options and start-up. The server
 * itself is server.c; see httpd.h for how the files divide the work.
 *
 *   httpd [-p PORT] [-a ADDR] [-r ROOT] [-c MAXCONN] [-t SECONDS] [-m KIB] [-S BYTES]
 *         [-q] [--poll]
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "httpd.h"

static const char usage[] =
	"usage: httpd [OPTIONS]\n"
	"Serves the files under ROOT over HTTP/1.1 (GET and HEAD, keep-alive).\n"
	"\n"
	"  -p PORT      port to listen on (default 8080; 0 picks a free one)\n"
	"  -a ADDR      IPv4 or IPv6 address to listen on (default 0.0.0.0)\n"
	"  -r ROOT      directory to serve (default /initrd)\n"
	"  -c MAXCONN   connections served at once (default 256); a few more are\n"
	"               answered 503, beyond that accepting waits\n"
	"  -t SECONDS   idle timeout of a connection (default 30)\n"
	"  -m KIB       memory for keeping small files (up to 64 KiB each) in\n"
	"               memory (default 1024; 0: none); a changed file is\n"
	"               noticed within a second\n"
	"  -S BYTES     socket send buffer of each connection (default: the\n"
	"               system's)\n"
	"  -q           no request log (one line per request on stdout)\n"
	"  --poll       use poll(2) even where epoll is available\n"
	"  -h, --help   this text\n"
	"\n"
	"It prints 'httpd: serving ROOT at http://ADDR:PORT/ (epoll|poll)' when\n"
	"it listens, and stops on SIGTERM or SIGINT with status 0.\n";

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "httpd: bad %s '%s' (see --help)\n", what, arg);
	return 2;
}

/* A decimal number in [lo, hi], or -1. */
static long number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "poll", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct httpd_options o = {
		.addr = "0.0.0.0",
		.port = 8080,
		.root = "/initrd",
		.max_conns = 256,
		.idle_ms = 30000,
		.cache_bytes = 1024 * 1024,
	};
	struct stat st;
	long v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:a:r:c:t:m:S:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if ((v = number(optarg, 0, 65535)) < 0)
				return bad("port", optarg);
			o.port = (int)v;
			break;
		case 'a':
			o.addr = optarg;
			break;
		case 'r':
			o.root = optarg;
			break;
		case 'c':
			if ((v = number(optarg, 1, 65536)) < 0)
				return bad("connection limit", optarg);
			o.max_conns = (int)v;
			break;
		case 't':
			if ((v = number(optarg, 1, 86400)) < 0)
				return bad("timeout", optarg);
			o.idle_ms = (int)v * 1000;
			break;
		case 'm':
			if ((v = number(optarg, 0, 1 << 20)) < 0)
				return bad("cache size", optarg);
			o.cache_bytes = (size_t)v * 1024;
			break;
		case 'S':
			if ((v = number(optarg, 1, 1 << 30)) < 0)
				return bad("send buffer size", optarg);
			o.sndbuf = (int)v;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'P':
			o.force_poll = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, "httpd: option '%s' needs a value (see --help)\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "httpd: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "httpd: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	if (strlen(o.root) + HTTP_PATH_MAX + 16 > PATH_MAX)
		return bad("root (too long)", o.root);
	if (stat(o.root, &st) < 0) {
		fprintf(stderr, "httpd: root %s: %s\n", o.root, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "httpd: root %s: not a directory\n", o.root);
		return 2;
	}
	return httpd_serve(&o);
}
