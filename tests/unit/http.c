/*
 * Host unit tests of httpd's protocol code (apps/httpd/http.c): request
 * heads (complete, incomplete, malformed, too long), request paths
 * (percent-decoding, traversal in every spelling), MIME types and dates.
 * Built with the sanitizers by tests/run.sh, so a read past a buffer is
 * a failure.
 */
#include "../../apps/httpd/httpd.h"
#include "unit.h"

/* Parses a NUL-terminated head from a heap copy of exactly its length. */
static int parse(const char *s, struct http_request *req)
{
	size_t n = strlen(s);
	char *copy = malloc(n ? n : 1);
	int r;

	memcpy(copy, s, n);
	r = http_parse(copy, n, req);
	free(copy);
	return r;
}

TEST(get_complete)
{
	struct http_request r;
	const char *s = "GET /a/b.html?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\nNEXT";

	CHECK_EQ(parse(s, &r), (long long)(strstr(s, "NEXT") - s));
	CHECK_EQ(r.method, HTTP_GET);
	CHECK_EQ(r.minor, 1);
	CHECK_EQ(r.keep_alive, 1);
	CHECK_EQ(r.content_length, -1);
	CHECK_EQ(r.target_len, strlen("/a/b.html?x=1"));
}

TEST(head_and_other_methods)
{
	struct http_request r;

	CHECK(parse("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0);
	CHECK_EQ(r.method, HTTP_HEAD);
	CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0);
	CHECK_EQ(r.method, HTTP_OTHER);
	CHECK(parse("get / HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0); /* methods are case-sensitive */
	CHECK_EQ(r.method, HTTP_OTHER);
}

TEST(incomplete_heads_wait)
{
	struct http_request r;

	CHECK_EQ(parse("", &r), 0);
	CHECK_EQ(parse("GE", &r), 0);
	CHECK_EQ(parse("GET / HTTP/1.1\r\n", &r), 0);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\n", &r), 0);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\n\r", &r), 0);
	CHECK_EQ(parse("\r\n\r\n", &r), 0);
}

TEST(bare_lf_and_leading_empty_lines)
{
	struct http_request r;

	CHECK_EQ(parse("GET / HTTP/1.1\nHost: h\n\n", &r), 24);
	CHECK(parse("\r\n\r\nGET / HTTP/1.0\r\n\r\n", &r) > 0);
	CHECK_EQ(r.minor, 0);
}

TEST(garbage_fails_early)
{
	struct http_request r;

	CHECK_EQ(parse("\x16\x03\x01", &r), -400); /* a TLS hello */
	CHECK_EQ(parse("GARBAGE\r\n\r\n", &r), -400);
	CHECK_EQ(parse(" GET / HTTP/1.1\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET\t/ HTTP/1.1\r\n\r\n", &r), -400);
}

TEST(malformed_request_lines)
{
	struct http_request r;

	CHECK_EQ(parse("GET /\r\n\r\n", &r), -400);			 /* HTTP/0.9 */
	CHECK_EQ(parse("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", &r), -400); /* empty target */
	CHECK_EQ(parse("GET / HTTP/1.1 x\r\nHost: h\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET / HTTX/1.1\r\nHost: h\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET / HTTP/11\r\nHost: h\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET / HTTP/1.1\rX\r\nHost: h\r\n\r\n", &r), -400);
}

TEST(versions)
{
	struct http_request r;

	CHECK_EQ(parse("GET / HTTP/2.0\r\n\r\n", &r), -505);
	CHECK_EQ(parse("GET / HTTP/0.9\r\n\r\n", &r), -505);
	CHECK(parse("GET / HTTP/1.9\r\nHost: h\r\n\r\n", &r) > 0);
	CHECK_EQ(r.minor, 1);
}

TEST(malformed_headers)
{
	struct http_request r;

	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost h\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost : h\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET / HTTP/1.1\r\n: h\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET / HTTP/1.1\r\n\r\n", &r), -400); /* no Host */
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r), -400);
	CHECK(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0); /* 1.0 needs none */
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nX: \xe9t\xe9\r\n\r\n", &r) > 0); /* obs-text */
}

TEST(connection_header)
{
	struct http_request r;

	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", &r) > 0);
	CHECK_EQ(r.keep_alive, 0);
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nconnection: Upgrade, CLOSE\r\n\r\n", &r) > 0);
	CHECK_EQ(r.keep_alive, 0);
	CHECK(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0);
	CHECK_EQ(r.keep_alive, 0);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0);
	CHECK_EQ(r.keep_alive, 1);
}

TEST(content_length)
{
	struct http_request r;

	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n", &r) > 0);
	CHECK_EQ(r.content_length, 12);
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
		    &r) > 0);
	CHECK_EQ(
		parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		      &r),
		-400);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", &r), -400);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 9999999999999999999\r\n\r\n",
		       &r),
		 -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", &r) > 0);
	CHECK_EQ(r.has_te, 1);
}

TEST(if_modified_since)
{
	static const char s[] = "GET / HTTP/1.1\r\nHost: h\r\nIf-Modified-Since:  Sun, 06 Nov 1994 "
				"08:49:37 GMT \r\n\r\n";
	struct http_request r;

	CHECK_EQ(http_parse(s, sizeof(s) - 1, &r), sizeof(s) - 1);
	CHECK_EQ(r.ims_len, 29);
	CHECK(memcmp(r.ims, "Sun, 06 Nov 1994 08:49:37 GMT", 29) == 0);
}

/* A buffer of n bytes holding a request line and then headers of filler. */
static char *big(size_t target_len, size_t header_len, size_t *n)
{
	char *b = malloc(target_len + header_len + 64);
	size_t o = 0;

	o += sprintf(b, "GET /");
	memset(b + o, 'a', target_len);
	o += target_len;
	o += sprintf(b + o, " HTTP/1.1\r\nHost: h\r\nX: ");
	memset(b + o, 'b', header_len);
	o += header_len;
	*n = o;
	return b;
}

TEST(too_long)
{
	struct http_request r;
	size_t n;
	char *b;

	/* a request line that never ends within the buffer */
	b = big(HTTP_HEAD_MAX, 0, &n);
	CHECK_EQ(http_parse(b, HTTP_HEAD_MAX, &r), -414);
	CHECK_EQ(http_parse(b, HTTP_URI_MAX + 100, &r), -414); /* known early */
	CHECK_EQ(http_parse(b, 100, &r), 0);
	free(b);
	/* a whole request line whose target is too long */
	b = big(HTTP_URI_MAX + 1, 0, &n);
	CHECK_EQ(http_parse(b, n, &r), -414);
	free(b);
	b = big(HTTP_URI_MAX - 1, 10, &n);
	CHECK_EQ(http_parse(b, n, &r), 0);
	free(b);
	/* headers that fill the buffer */
	b = big(10, HTTP_HEAD_MAX, &n);
	CHECK_EQ(http_parse(b, HTTP_HEAD_MAX, &r), -431);
	CHECK_EQ(http_parse(b, HTTP_HEAD_MAX - 1, &r), 0);
	free(b);
}

static int path(const char *target, char *out, size_t outsz)
{
	size_t rs, rl;

	return http_path(target, strlen(target), out, outsz, &rs, &rl);
}

TEST(paths)
{
	char out[HTTP_PATH_MAX];
	size_t rs, rl;

	CHECK_EQ(path("/", out, sizeof(out)), 0);
	CHECK_STR(out, "/");
	CHECK_EQ(path("/a%20b.txt?x=%zz#f", out, sizeof(out)), 0);
	CHECK_STR(out, "/a b.txt");
	CHECK_EQ(path("/%41%2f%62", out, sizeof(out)), 0);
	CHECK_STR(out, "/A/b");
	CHECK_EQ(path("http://example.com/x/y?q", out, sizeof(out)), 0);
	CHECK_STR(out, "/x/y");
	CHECK_EQ(path("HTTP://example.com", out, sizeof(out)), 0);
	CHECK_STR(out, "/");
	CHECK_EQ(http_path("/dir?q=1", 8, out, sizeof(out), &rs, &rl), 0);
	CHECK_EQ(rs, 0);
	CHECK_EQ(rl, 4);
	CHECK_EQ(http_path("http://h/dir?q", 14, out, sizeof(out), &rs, &rl), 0);
	CHECK_EQ(rs, 8);
	CHECK_EQ(rl, 4);
	CHECK_EQ(path("/...", out, sizeof(out)), 0); /* a name, not a parent */
	CHECK_EQ(path("/a..b/..c", out, sizeof(out)), 0);
}

TEST(bad_paths)
{
	char out[HTTP_PATH_MAX];

	CHECK_EQ(path("", out, sizeof(out)), -400);
	CHECK_EQ(path("*", out, sizeof(out)), -400);
	CHECK_EQ(path("a/b", out, sizeof(out)), -400);
	CHECK_EQ(path("http://", out, sizeof(out)), -400);
	CHECK_EQ(path("ftp://h/x", out, sizeof(out)), -400);
	CHECK_EQ(path("/a%2", out, sizeof(out)), -400);
	CHECK_EQ(path("/a%", out, sizeof(out)), -400);
	CHECK_EQ(path("/a%g0", out, sizeof(out)), -400);
	CHECK_EQ(path("/a%00b", out, sizeof(out)), -400);
}

TEST(traversal_refused)
{
	static const char *const bad[] = {
		"/..",
		"/../",
		"/../etc/passwd",
		"/a/../../b",
		"/%2e%2e/x",
		"/%2E%2E/x",
		"/.%2e/x",
		"/%2e./x",
		"/a/..%2fb",
		"/a%2f..%2fb",
		"/a/%2e%2e",
		"http://h/../x",
		"/a/b/../../..",
		"/%2e%2e%2f%2e%2e%2fetc",
	};
	char out[HTTP_PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (path(bad[i], out, sizeof(out)) != -400)
			FAILF("'%s' was not refused", bad[i]);
}

TEST(path_too_long)
{
	char target[HTTP_PATH_MAX + 8], out[HTTP_PATH_MAX];

	target[0] = '/';
	memset(target + 1, 'x', HTTP_PATH_MAX + 2);
	target[HTTP_PATH_MAX + 3] = '\0';
	CHECK_EQ(path(target, out, sizeof(out)), -414);
	target[HTTP_PATH_MAX - 1] = '\0'; /* HTTP_PATH_MAX - 1 bytes and a NUL fit */
	CHECK_EQ(path(target, out, sizeof(out)), 0);
	CHECK_EQ(strlen(out), HTTP_PATH_MAX - 1);
}

TEST(mime_types)
{
	CHECK_STR(http_mime_type("/index.html"), "text/html; charset=utf-8");
	CHECK_STR(http_mime_type("/A.HTML"), "text/html; charset=utf-8");
	CHECK_STR(http_mime_type("/s.css"), "text/css; charset=utf-8");
	CHECK_STR(http_mime_type("/app.js"), "text/javascript; charset=utf-8");
	CHECK_STR(http_mime_type("/p.svg"), "image/svg+xml");
	CHECK_STR(http_mime_type("/p.png"), "image/png");
	CHECK_STR(http_mime_type("/p.jpg"), "image/jpeg");
	CHECK_STR(http_mime_type("/d.json"), "application/json");
	CHECK_STR(http_mime_type("/favicon.ico"), "image/vnd.microsoft.icon");
	CHECK_STR(http_mime_type("/m.wasm"), "application/wasm");
	CHECK_STR(http_mime_type("/t.txt"), "text/plain; charset=utf-8");
	CHECK_STR(http_mime_type("/x.unknown"), "application/octet-stream");
	CHECK_STR(http_mime_type("/noext"), "application/octet-stream");
	CHECK_STR(http_mime_type("/dir.html/noext"), "application/octet-stream");
}

TEST(dates)
{
	char d[32];
	time_t t;

	http_date(784111777, d);
	CHECK_STR(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	http_date(0, d);
	CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	http_date(951782400, d); /* a leap day */
	CHECK_STR(d, "Tue, 29 Feb 2000 00:00:00 GMT");
	CHECK_EQ(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 29, &t), 0);
	CHECK_EQ(t, 784111777);
	CHECK_EQ(http_parse_date("Tue, 29 Feb 2000 00:00:00 GMT", 29, &t), 0);
	CHECK_EQ(t, 951782400);
	CHECK_EQ(http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", 30, &t), -1);
	CHECK_EQ(http_parse_date("Sun, 06 Nox 1994 08:49:37 GMT", 29, &t), -1);
	CHECK_EQ(http_parse_date("Sun, 06 Nov 1994 25:49:37 GMT", 29, &t), -1);
}

TEST(reasons)
{
	CHECK_STR(http_reason(404), "Not Found");
	CHECK_STR(http_reason(431), "Request Header Fields Too Large");
	CHECK_STR(http_reason(505), "HTTP Version Not Supported");
}

UNIT_MAIN("http")
