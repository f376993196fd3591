/*
 * The assertion helpers of keel's guest tests: each test is an ordinary
 * C program built with keel-cc and run by tests/run.sh on every target.
 * A failed CHECK prints "file:line: CHECK(expr) failed" (with errno)
 * on stderr and exits 1; a test that ran to the end prints
 * "ok: N checks" on stdout, which the runner insists on seeing.
 */
#ifndef KEEL_TEST_CHECK_H
#define KEEL_TEST_CHECK_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned checks_done;

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		checks_done++;                                                                     \
		if (!(expr)) {                                                                     \
			int errno_ = errno;                                                        \
			fflush(stdout);                                                            \
			fprintf(stderr, "%s:%d: CHECK(%s) failed (errno %d: %s)\n", __FILE__,      \
				__LINE__, #expr, errno_, strerror(errno_));                        \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* A check with the two values printed when it fails. */
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		checks_done++;                                                                     \
		if (a_ != b_) {                                                                    \
			fflush(stdout);                                                            \
			fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n",          \
				__FILE__, __LINE__, #a, #b, a_, b_);                               \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		checks_done++;                                                                     \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                           \
			fflush(stdout);                                                            \
			fprintf(stderr, "%s:%d: CHECK_STR(%s, %s) failed: \"%s\" != \"%s\"\n",     \
				__FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)",                    \
				b_ ? b_ : "(null)");                                               \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* A failing call: returns -1 and sets errno to e. */
#define CHECK_ERR(call, e)                                                                         \
	do {                                                                                       \
		long r_;                                                                           \
		errno = 0;                                                                         \
		r_ = (long)(call);                                                                 \
		checks_done++;                                                                     \
		if (r_ != -1 || errno != (e)) {                                                    \
			int en_ = errno;                                                           \
			fflush(stdout);                                                            \
			fprintf(stderr,                                                            \
				"%s:%d: CHECK_ERR(%s, %s) failed: returned %ld, errno %d (%s)\n",  \
				__FILE__, __LINE__, #call, #e, r_, en_, strerror(en_));            \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* The test could not run here (not a failure): the runner reports SKIP. */
#define SKIP_TEST(why)                                                                             \
	do {                                                                                       \
		printf("skip: %s\n", why);                                                         \
		exit(77);                                                                          \
	} while (0)

/* Seconds on the monotonic clock. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	nanosleep(&ts, NULL);
}

/* Reads fd 0 until n bytes came: a console may hand input over in
 * pieces (QEMU's UART does, a byte at a time). */
static inline ssize_t read_all(char *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n && (r = read(0, buf + got, n - got)) > 0)
		got += (size_t)r;
	return (ssize_t)got;
}

/* Installs fn for sig (a sa_sigaction when flags has SA_SIGINFO),
 * with an empty sa_mask. */
static inline void handle(int sig, void *fn, int flags)
{
	struct sigaction sa = { 0 };

	if (flags & SA_SIGINFO)
		sa.sa_sigaction = fn;
	else
		sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static inline int done(void)
{
	printf("ok: %u checks\n", checks_done);
	return 0;
}

#endif
