/*
 * HTTP/1.1 request heads (RFC 9112), request paths, MIME types and
 * dates for keel's httpd. Pure functions over the bytes the server
 * read: no system calls, no allocation, every index checked against the
 * length it was given (tests/unit/http.c runs them under the sanitizers).
 * Above: server.c. Below: nothing.
 */
#include <string.h>
#include <strings.h>

#include "httpd.h"

/* RFC 9110 tchar: the characters of a method or a header name. */
static int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte a header value may hold: visible ASCII, space, tab, obs-text. */
static int is_vchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int eq_nocase(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	return alen == blen && strncasecmp(a, b, blen) == 0;
}

static const char *find_lf(const char *p, const char *end)
{
	return memchr(p, '\n', end - p);
}

/* The tokens of a Connection header, comma-separated. */
static void parse_connection(const char *v, size_t n, int *close, int *keep)
{
	size_t i = 0, s, e;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (eq_nocase(v + s, e - s, "close"))
			*close = 1;
		else if (eq_nocase(v + s, e - s, "keep-alive"))
			*keep = 1;
	}
}

/* Content-Length: 1 to 18 digits, nothing else. */
static long long parse_length(const char *v, size_t n)
{
	long long x = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* "HTTP/" DIGIT "." DIGIT: 0 with *major and *minor set, or -1. */
static int parse_version(const char *v, size_t n, int *major, int *minor)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.')
		return -1;
	if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return -1;
	*major = v[5] - '0';
	*minor = v[7] - '0';
	return 0;
}

int http_parse(const char *buf, size_t len, struct http_request *req)
{
	const char *p = buf, *end = buf + len, *eol, *le, *sp1, *sp2, *q;
	int major, minor, hosts = 0, close = 0, keep = 0;
	size_t i;

	memset(req, 0, sizeof(*req));
	req->content_length = -1;

	/* Empty lines before a request line are ignored (RFC 9112, 2.2). */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end)
		return len >= HTTP_HEAD_MAX ? -400 : 0;

	/* What is there of the request line, for the log even if it is bad. */
	eol = find_lf(p, end);
	le = eol ? eol : end;
	if (le > p && le[-1] == '\r')
		le--;
	req->line = p;
	req->line_len = le - p;

	/* The method is checked as soon as it arrives: garbage fails fast. */
	for (q = p; q < end && is_tchar(*q); q++)
		;
	if (q < end && (*q != ' ' || q == p))
		return -400;
	if (!eol) {
		if (len >= HTTP_HEAD_MAX || (size_t)(end - p) > HTTP_URI_MAX + 32)
			return -414;
		return 0;
	}

	/* method SP request-target SP HTTP-version */
	sp1 = memchr(p, ' ', le - p);
	if (!sp1)
		return -400;
	sp2 = memchr(sp1 + 1, ' ', le - sp1 - 1);
	if (!sp2 || sp2 == sp1 + 1)
		return -400;
	for (q = sp1 + 1; q < sp2; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return -400;
	if (parse_version(sp2 + 1, le - sp2 - 1, &major, &minor) < 0)
		return -400;
	if ((size_t)(sp2 - sp1 - 1) > HTTP_URI_MAX)
		return -414;
	if (major != 1)
		return -505;
	req->minor = minor > 1 ? 1 : minor;
	req->target = sp1 + 1;
	req->target_len = sp2 - sp1 - 1;
	if (sp1 - p == 3 && memcmp(p, "GET", 3) == 0)
		req->method = HTTP_GET;
	else if (sp1 - p == 4 && memcmp(p, "HEAD", 4) == 0)
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;

	/* Header fields up to the empty line. */
	p = eol + 1;
	for (;;) {
		const char *name, *colon, *v, *ve;

		eol = find_lf(p, end);
		if (!eol)
			return len >= HTTP_HEAD_MAX ? -431 : 0;
		le = eol;
		if (le > p && le[-1] == '\r')
			le--;
		if (le == p)
			break;
		if (*p == ' ' || *p == '\t')
			return -400; /* obsolete line folding */
		name = p;
		for (colon = p; colon < le && is_tchar(*colon); colon++)
			;
		if (colon == name || colon == le || *colon != ':')
			return -400;
		v = colon + 1;
		ve = le;
		for (q = v; q < ve; q++)
			if (!is_vchar(*q))
				return -400;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;

		i = colon - name;
		if (eq_nocase(name, i, "host")) {
			hosts++;
		} else if (eq_nocase(name, i, "connection")) {
			parse_connection(v, ve - v, &close, &keep);
		} else if (eq_nocase(name, i, "content-length")) {
			long long n = parse_length(v, ve - v);

			if (n < 0 || (req->content_length >= 0 && req->content_length != n))
				return -400;
			req->content_length = n;
		} else if (eq_nocase(name, i, "transfer-encoding")) {
			req->has_te = 1;
		} else if (eq_nocase(name, i, "if-modified-since")) {
			req->ims = v;
			req->ims_len = ve - v;
		}
		p = eol + 1;
	}
	if ((size_t)(eol + 1 - buf) > HTTP_HEAD_MAX)
		return -431;
	if (hosts > 1 || (req->minor == 1 && hosts == 0))
		return -400; /* RFC 9112, 3.2: exactly one Host in HTTP/1.1 */
	req->keep_alive = req->minor == 1 ? !close : keep && !close;
	return (int)(eol + 1 - buf);
}

static int hexval(int c)
{
	c = lower(c);
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int http_path(const char *target, size_t len, char *out, size_t outsz, size_t *raw_start,
	      size_t *raw_len)
{
	size_t i = 0, s, o = 0;

	if (len > 0 && target[0] == '/') {
		s = 0;
	} else {
		if (len >= 7 && strncasecmp(target, "http://", 7) == 0)
			i = 7;
		else if (len >= 8 && strncasecmp(target, "https://", 8) == 0)
			i = 8;
		else
			return -400;
		s = i;
		while (s < len && target[s] != '/' && target[s] != '?' && target[s] != '#')
			s++;
		if (s == i)
			return -400; /* no authority */
	}
	for (i = s; i < len && target[i] != '?' && target[i] != '#'; i++)
		;
	*raw_start = s;
	*raw_len = i - s;
	if (outsz < 2)
		return -414;
	if (i == s)
		out[o++] = '/'; /* "http://host" is "/" */
	for (i = s; i < len && target[i] != '?' && target[i] != '#'; i++) {
		int c = (unsigned char)target[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= len)
				return -400;
			h = hexval(target[i + 1]);
			l = hexval(target[i + 2]);
			if (h < 0 || l < 0)
				return -400;
			c = h * 16 + l;
			if (c == 0)
				return -400;
			i += 2;
		}
		if (o + 1 >= outsz)
			return -414;
		out[o++] = (char)c;
	}
	out[o] = '\0';

	/* No ".." segment, however it was spelt: the root is the limit. */
	for (i = 0; i < o; i++) {
		if (out[i] == '/' && out[i + 1] == '.' && out[i + 2] == '.' &&
		    (out[i + 3] == '/' || out[i + 3] == '\0'))
			return -400;
	}
	if (out[0] != '/')
		return -400;
	return 0;
}

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "xml", "application/xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "avif", "image/avif" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "wasm", "application/wasm" },
	{ "pdf", "application/pdf" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "ttf", "font/ttf" },
	{ "otf", "font/otf" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
	{ "mp3", "audio/mpeg" },
	{ "ogg", "audio/ogg" },
	{ "wav", "audio/wav" },
	{ "gz", "application/gzip" },
	{ "tar", "application/x-tar" },
	{ "zip", "application/zip" },
};

const char *http_mime_type(const char *name)
{
	const char *slash = strrchr(name, '/'), *dot = strrchr(name, '.');
	size_t i;

	if (dot && (!slash || dot > slash)) {
		for (i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
			if (strcasecmp(dot + 1, mime_types[i].ext) == 0)
				return mime_types[i].type;
	}
	return "application/octet-stream";
}

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	}
	return "Unknown";
}

static const char wdays[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

static void put2(char *p, unsigned v)
{
	p[0] = '0' + v / 10 % 10;
	p[1] = '0' + v % 10;
}

void http_date(time_t t, char out[32])
{
	long long days = (long long)t / 86400, secs = (long long)t % 86400, y;
	unsigned m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 1970, m = 1, d = 1, days = 0, secs = 0;
	memcpy(out, wdays[((days % 7) + 11) % 7], 3); /* 1970-01-01 was a Thursday */
	out[3] = ',';
	out[4] = ' ';
	put2(out + 5, d);
	out[7] = ' ';
	memcpy(out + 8, months[m - 1], 3);
	out[11] = ' ';
	put2(out + 12, (unsigned)(y / 100));
	put2(out + 14, (unsigned)(y % 100));
	out[16] = ' ';
	put2(out + 17, (unsigned)(secs / 3600));
	out[19] = ':';
	put2(out + 20, (unsigned)(secs / 60 % 60));
	out[22] = ':';
	put2(out + 23, (unsigned)(secs % 60));
	memcpy(out + 25, " GMT", 5);
}

static int num(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int http_parse_date(const char *s, size_t len, time_t *t)
{
	int d, y, hh, mm, ss, m;

	if (len != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' || memcmp(s + 25, " GMT", 4) != 0)
		return -1;
	for (m = 0; m < 12; m++)
		if (memcmp(s + 8, months[m], 3) == 0)
			break;
	d = num(s + 5, 2);
	y = num(s + 12, 4);
	hh = num(s + 17, 2);
	mm = num(s + 20, 2);
	ss = num(s + 23, 2);
	if (m == 12 || d < 1 || d > 31 || y < 0 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
	    ss < 0 || ss > 60)
		return -1;
	*t = (time_t)(days_from_civil(y, m + 1, d) * 86400 + hh * 3600 + mm * 60 + ss);
	return 0;
}
