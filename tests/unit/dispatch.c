/*
 * Host unit tests of the syscall table (sys/dispatch.c) and the list it
 * is generated from (sys/syscalls.def). The implemented calls are
 * stubbed here from the same X-macro list: each returns a marker that
 * names its number, so the test sees which function the table reached.
 */
#include <limits.h>
#include <stdarg.h>

#include "../../sys/kernel.h"
#include "../../sys/signal.h"
#include "unit.h"

#define MARK 1000000L

#define SYSCALL(nr, name, class, status) STUB_##status(nr, name)
#define STUB_IMPL(nr, name)                                                                        \
	long system_##name(long a, long b, long c, long d, long e, long f)                         \
	{                                                                                          \
		return MARK + nr;                                                                  \
	}
#define STUB_PARTIAL STUB_IMPL
#define STUB_NONE(nr, name)
#include "../../sys/syscalls.def"
#undef SYSCALL

struct entry {
	long nr;
	const char *name, *class, *status;
};

static const struct entry entries[] = {
#define SYSCALL(nr, name, class, status) { nr, #name, #class, #status },
#include "../../sys/syscalls.def"
#undef SYSCALL
};
#define NENTRIES (sizeof entries / sizeof entries[0])

/* keel_log, captured: the lines logged so far. */
static char logged[64][128];
static int nlogged;

void keel_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (nlogged < 64)
		vsnprintf(logged[nlogged], sizeof logged[0], fmt, ap);
	nlogged++;
	va_end(ap);
}

/* The signal side of keel_syscall (sys/signal.c), scripted: while
 * signal_work is set, each return goes through signal_return, which
 * answers from `script` (a result, or -ERESTARTSYS to restart). */
int signal_work;
static long script[4];
static int nscript, returns;

long signal_return(long r, uintptr_t pc, uintptr_t sp)
{
	CHECK(pc != 0 && sp != 0);
	return returns < nscript ? script[returns++] : r;
}

static const struct entry *find(long nr)
{
	size_t i;

	for (i = 0; i < NENTRIES; i++)
		if (entries[i].nr == nr)
			return &entries[i];
	return NULL;
}

static long call(long nr)
{
	return keel_syscall(nr, 1, 2, 3, 4, 5, 6);
}

TEST(def_numbers_unique_and_in_range)
{
	size_t i, j;

	CHECK(NENTRIES >= 350);
	for (i = 0; i < NENTRIES; i++) {
		if (entries[i].nr < 0 || entries[i].nr >= SYSCALL_COUNT)
			FAILF("%s: number %ld outside the table", entries[i].name, entries[i].nr);
		for (j = 0; j < i; j++) {
			if (entries[i].nr == entries[j].nr)
				FAILF("number %ld twice: %s and %s", entries[i].nr, entries[j].name,
				      entries[i].name);
			if (strcmp(entries[i].name, entries[j].name) == 0)
				FAILF("name %s twice: %ld and %ld", entries[i].name, entries[j].nr,
				      entries[i].nr);
		}
	}
}

TEST(def_classes_and_status)
{
	static const char *const classes[] = { "FD",	 "FILE",   "NET",  "MEM",      "TIME",
					       "THREAD", "SIGNAL", "PROC", "PLATFORM", "ENOSYS" };
	size_t i, k;

	for (i = 0; i < NENTRIES; i++) {
		for (k = 0; k < sizeof classes / sizeof classes[0]; k++)
			if (strcmp(entries[i].class, classes[k]) == 0)
				break;
		if (k == sizeof classes / sizeof classes[0])
			FAILF("%s: unknown class %s", entries[i].name, entries[i].class);
		if (strcmp(entries[i].status, "IMPL") && strcmp(entries[i].status, "PARTIAL") &&
		    strcmp(entries[i].status, "NONE"))
			FAILF("%s: unknown status %s", entries[i].name, entries[i].status);
	}
	/* A few anchors of the x86_64 numbering. */
	CHECK_STR(find(0)->name, "read");
	CHECK_STR(find(1)->name, "write");
	CHECK_STR(find(39)->name, "getpid");
	CHECK_STR(find(165)->name, "mount");
	CHECK_STR(find(231)->name, "exit_group");
	CHECK_STR(find(318)->name, "getrandom");
}

TEST(implemented_reach_their_function)
{
	size_t i;

	for (i = 0; i < NENTRIES; i++) {
		if (strcmp(entries[i].status, "NONE") == 0)
			continue;
		if (call(entries[i].nr) != MARK + entries[i].nr)
			FAILF("%s (%ld) did not reach system_%s", entries[i].name, entries[i].nr,
			      entries[i].name);
		CHECK(keel_handler_builtin(entries[i].nr) != NULL);
	}
	CHECK_EQ(nlogged, 0);
}

static long got[6];
static int made;

static long interrupted(long a, long b, long c, long d, long e, long f)
{
	made++;
	return made == 1 ? -ERESTARTSYS : a + b;
}

/* A call a signal interrupted is made again when signal_return says so
 * (SA_RESTART), with the same arguments; -EINTR otherwise. */
TEST(restart_after_signal)
{
	keel_handler_set(0, interrupted);
	signal_work = 1;
	script[0] = -ERESTARTSYS; /* restart */
	script[1] = 7;		  /* the second result goes through as is */
	nscript = 2;
	CHECK_EQ(keel_syscall(0, 3, 4, 0, 0, 0, 0), 7);
	CHECK_EQ(made, 2);
	CHECK_EQ(returns, 2);
	/* Without signal work, results return untouched... */
	signal_work = 0;
	CHECK_EQ(keel_syscall(0, 3, 4, 0, 0, 0, 0), 7);
	/* ...but -ERESTARTSYS never leaks out: it goes to signal_return. */
	made = 0;
	returns = 0;
	script[0] = -EINTR;
	nscript = 1;
	CHECK_EQ(keel_syscall(0, 3, 4, 0, 0, 0, 0), -EINTR);
	CHECK_EQ(made, 1);
	keel_handler_set(0, NULL);
}

static long grab(long a, long b, long c, long d, long e, long f)
{
	got[0] = a, got[1] = b, got[2] = c, got[3] = d, got[4] = e, got[5] = f;
	return -42;
}

TEST(arguments_arrive)
{
	keel_syscall_fn old = keel_handler_set(0, grab);

	/* A handler sees exactly the six arguments and its result returns. */
	CHECK_EQ(keel_syscall(0, 11, -12, LONG_MAX, LONG_MIN, 0, 16), -42);
	CHECK_EQ(got[0], 11);
	CHECK_EQ(got[1], -12);
	CHECK_EQ(got[2], LONG_MAX);
	CHECK_EQ(got[3], LONG_MIN);
	CHECK_EQ(got[4], 0);
	CHECK_EQ(got[5], 16);
	keel_handler_set(0, old);
	CHECK_EQ(call(0), MARK + 0);
}

TEST(none_returns_enosys_logged_once)
{
	char want[128];
	size_t i;
	int n = 0;

	for (i = 0; i < NENTRIES; i++) {
		if (strcmp(entries[i].status, "NONE") != 0)
			continue;
		CHECK_EQ(call(entries[i].nr), -ENOSYS);
		CHECK_EQ(call(entries[i].nr), -ENOSYS);
		CHECK_EQ(call(entries[i].nr), -ENOSYS);
		n++;
		if (nlogged != n)
			FAILF("%s (%ld): %d log lines after %d different calls", entries[i].name,
			      entries[i].nr, nlogged, n);
		if (n <= 64) {
			snprintf(want, sizeof want, "syscall %ld (%s) not implemented",
				 entries[i].nr, entries[i].name);
			CHECK_STR(logged[n - 1], want);
		}
	}
	CHECK(n > 100);
}

TEST(out_of_range_returns_enosys)
{
	static const long nrs[] = { SYSCALL_COUNT, 1000, 100000, -1, LONG_MIN, LONG_MAX };
	char want[128];
	size_t i;

	for (i = 0; i < sizeof nrs / sizeof nrs[0]; i++) {
		CHECK_EQ(call(nrs[i]), -ENOSYS);
		CHECK_EQ(call(nrs[i]), -ENOSYS);
		CHECK_EQ(nlogged, (int)i + 1);
		snprintf(want, sizeof want, "syscall %ld (unknown) not implemented", nrs[i]);
		CHECK_STR(logged[i], want);
		CHECK(keel_handler_builtin(nrs[i]) == NULL);
	}
	CHECK_STR(syscall_name(1000), "unknown");
	CHECK_STR(syscall_name(-5), "unknown");
	CHECK_STR(syscall_name(41), "socket");
}

TEST(unassigned_numbers_inside_the_table)
{
	long nr;
	int holes = 0;

	for (nr = 0; nr < SYSCALL_COUNT; nr++) {
		if (find(nr))
			continue;
		holes++;
		CHECK(keel_handler_builtin(nr) == NULL);
		CHECK_EQ(call(nr), -ENOSYS);
		CHECK_STR(syscall_name(nr), "unknown");
	}
	CHECK(holes > 0); /* x86_64 leaves 335..423 unassigned */
	CHECK(find(400) == NULL);
}

static long h1(long a, long b, long c, long d, long e, long f)
{
	return 4242;
}

static long h2(long a, long b, long c, long d, long e, long f)
{
	return 4343;
}

TEST(handler_set_returns_old_and_null_restores)
{
	keel_syscall_fn builtin = keel_handler_builtin(39), old;

	CHECK(builtin != NULL);
	CHECK_EQ(call(39), MARK + 39);
	old = keel_handler_set(39, h1);
	CHECK(old == builtin);
	CHECK_EQ(call(39), 4242);
	old = keel_handler_set(39, h2);
	CHECK(old == h1);
	CHECK_EQ(call(39), 4343);
	old = keel_handler_set(39, NULL);
	CHECK(old == h2);
	CHECK_EQ(call(39), MARK + 39);
	CHECK(keel_handler_builtin(39) == builtin);
	/* NULL over the built-in: still the built-in. */
	CHECK(keel_handler_set(39, NULL) == builtin);
	CHECK_EQ(call(39), MARK + 39);
}

TEST(handler_over_unimplemented_call)
{
	keel_syscall_fn stub = keel_handler_builtin(165); /* mount: NONE */

	CHECK(stub != NULL);
	CHECK(keel_handler_set(165, h1) == stub);
	CHECK_EQ(call(165), 4242);
	CHECK_EQ(nlogged, 0);
	CHECK(keel_handler_set(165, NULL) == h1);
	CHECK_EQ(call(165), -ENOSYS);
	CHECK_EQ(nlogged, 1);
}

TEST(handler_out_of_range_refused)
{
	CHECK(keel_handler_set(SYSCALL_COUNT, h1) == NULL);
	CHECK(keel_handler_set(-1, h1) == NULL);
	CHECK(keel_handler_set(LONG_MAX, h1) == NULL);
	CHECK_EQ(call(SYSCALL_COUNT), -ENOSYS);
	CHECK_EQ(call(-1), -ENOSYS);
}

TEST(handler_on_unassigned_number)
{
	/* No built-in: the old handler is NULL; a library may add a call
	 * there, and NULL takes it away again. */
	CHECK(keel_handler_set(400, h1) == NULL);
	CHECK_EQ(call(400), 4242);
	CHECK(keel_handler_set(400, NULL) == h1);
	CHECK_EQ(call(400), -ENOSYS);
}

UNIT_MAIN("dispatch")
