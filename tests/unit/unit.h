/*
 * A tiny host unit-test harness. A test file defines cases with TEST()
 * and ends with UNIT_MAIN("suite"); the binary then
 *   - with -l, lists its case names, one a line;
 *   - with names, runs those cases; with none, runs every case;
 * each case in its own child process (so one crash or one broken
 * global state cannot spoil the next), printing tests/run.sh's lines:
 *   PASS unit/SUITE/CASE   or   FAIL unit/SUITE/CASE: file:line: reason
 * Exit status: 1 if any case failed.
 */
#ifndef KEEL_TEST_UNIT_H
#define KEEL_TEST_UNIT_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

static struct unit_case unit_cases[256];
static int unit_ncases;

static void unit_register(const char *name, void (*fn)(void))
{
	if (unit_ncases == (int)(sizeof unit_cases / sizeof unit_cases[0]))
		abort();
	unit_cases[unit_ncases].name = name;
	unit_cases[unit_ncases++].fn = fn;
}

#define TEST(name)                                                                                 \
	static void test_##name(void);                                                             \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		unit_register(#name, test_##name);                                                 \
	}                                                                                          \
	static void test_##name(void)

/* The failure report goes to stderr, which the parent reads back. */
#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                    \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		exit(1);                                                                           \
	} while (0)

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		if (!(expr))                                                                       \
			FAILF("CHECK(%s) failed", #expr);                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			FAILF("CHECK_EQ(%s, %s) failed: %lld != %lld", #a, #b, a_, b_);            \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                                             \
			FAILF("CHECK_STR(%s, %s) failed: \"%s\" != \"%s\"", #a, #b,                \
			      a_ ? a_ : "(null)", b_ ? b_ : "(null)");                             \
	} while (0)

/* Whether haystack contains needle (for error messages). */
#define CHECK_HAS(hay, needle)                                                                     \
	do {                                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                            \
		if (!h_ || !strstr(h_, n_))                                                        \
			FAILF("CHECK_HAS(%s, \"%s\") failed: \"%s\"", #hay, n_,                    \
			      h_ ? h_ : "(null)");                                                 \
	} while (0)

/* The first line of a child's stderr that says something (sanitizer
 * reports start with a line of '='). */
static void unit_reason(char *out, size_t cap, const char *text)
{
	const char *l = text, *e;

	*out = 0;
	for (; *l; l = *e ? e + 1 : e) {
		e = l + strcspn(l, "\n");
		if (e == l || strspn(l, "=") == (size_t)(e - l))
			continue;
		snprintf(out, cap, "%.*s", (int)(e - l), l);
		return;
	}
}

static int unit_run(const char *suite, const struct unit_case *c)
{
	static char text[65536];
	char reason[512];
	int pfd[2], ws;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(pfd) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 2);
		alarm(20);
		c->fn();
		fflush(NULL);
		_exit(0);
	}
	close(pfd[1]);
	for (;;) {
		char chunk[4096];

		n = read(pfd[0], chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((size_t)n > sizeof text - 1 - got)
			n = (ssize_t)(sizeof text - 1 - got); /* keep draining */
		memcpy(text + got, chunk, (size_t)n);
		got += (size_t)n;
	}
	close(pfd[0]);
	text[got] = 0;
	unit_reason(reason, sizeof reason, text);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
		printf("PASS unit/%s/%s\n", suite, c->name);
		return 0;
	}
	if (WIFSIGNALED(ws))
		printf("FAIL unit/%s/%s: killed by signal %d (%s)%s%s\n", suite, c->name,
		       WTERMSIG(ws), strsignal(WTERMSIG(ws)), *reason ? ": " : "", reason);
	else
		printf("FAIL unit/%s/%s: %s\n", suite, c->name,
		       *reason ? reason : "exited with a non-zero status");
	return 1;
}

static int unit_main(const char *suite, int argc, char **argv)
{
	int i, j, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "-l") == 0) {
		for (i = 0; i < unit_ncases; i++)
			printf("%s\n", unit_cases[i].name);
		return 0;
	}
	if (argc == 1) {
		for (i = 0; i < unit_ncases; i++)
			failed |= unit_run(suite, &unit_cases[i]) != 0;
		return failed;
	}
	for (j = 1; j < argc; j++) {
		for (i = 0; i < unit_ncases && strcmp(unit_cases[i].name, argv[j]); i++)
			;
		if (i == unit_ncases) {
			printf("FAIL unit/%s/%s: no such case\n", suite, argv[j]);
			failed = 1;
			continue;
		}
		failed |= unit_run(suite, &unit_cases[i]) != 0;
	}
	return failed;
}

#define UNIT_MAIN(suite)                                                                           \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		return unit_main(suite, argc, argv);                                               \
	}

#endif
