/*
 * Host unit tests of keel's own printf (kfmt in sys/log.c), checked
 * against the host's snprintf for every conversion keel supports, and
 * of keel_log/keel_panic over a fake platform console.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>

#include "../../sys/kernel.h"
#include "unit.h"

/* The console: what keel wrote, to which stream. */
static char console[4096];
static size_t console_len;
static int console_stream = -1;
static int exit_status = -1;
static jmp_buf exited;

static long fake_write(int stream, const void *buf, size_t len)
{
	if (console_len + len > sizeof console)
		len = sizeof console - console_len;
	memcpy(console + console_len, buf, len);
	console_len += len;
	console_stream = stream;
	return (long)len;
}

static __attribute__((noreturn)) void fake_exit(int status)
{
	exit_status = status;
	longjmp(exited, 1);
}

static const struct keel_platform fake = {
	.name = "fake",
	.console_write = fake_write,
	.exit = fake_exit,
};

const struct keel_platform *keel_platform;

/* kfmt's output for fmt must be exactly the host's (kfmt reads %d as
 * int and %ld as long, as printf does). */
#define SAME(fmt, ...)                                                                             \
	do {                                                                                       \
		char want_[256], got_[256];                                                        \
		int wn_ = snprintf(want_, sizeof want_, fmt, __VA_ARGS__);                         \
		int gn_ = ksnprintf(got_, sizeof got_, fmt, __VA_ARGS__);                          \
		if (strcmp(want_, got_) != 0 || wn_ != gn_)                                        \
			FAILF("kfmt(\"%s\", %s) gave \"%s\" (%d), printf \"%s\" (%d)", fmt,        \
			      #__VA_ARGS__, got_, gn_, want_, wn_);                                \
	} while (0)

/* kfmt's output for fmt must be want. */
#define GIVES(want, fmt, ...)                                                                      \
	do {                                                                                       \
		char got_[256];                                                                    \
		int gn_ = ksnprintf(got_, sizeof got_, fmt, ##__VA_ARGS__);                        \
		if (strcmp(got_, want) != 0 || gn_ != (int)strlen(want))                           \
			FAILF("kfmt(\"%s\") gave \"%s\" (%d), want \"%s\"", fmt, got_, gn_, want); \
	} while (0)

#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

TEST(integers_match_printf)
{
	static const int ints[] = { 0, 1, -1, 42, -42, 12345, INT_MAX, INT_MIN };
	static const long longs[] = { 0, 7, -7, LONG_MAX, LONG_MIN, 1L << 40 };
	size_t i;

	for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		SAME("%d", ints[i]);
		SAME("%i", ints[i]);
		SAME("[%5d]", ints[i]);
		SAME("[%1d]", ints[i]);
		SAME("%u", (unsigned)ints[i]);
		SAME("%x", (unsigned)ints[i]);
		SAME("[%8x]", (unsigned)ints[i]);
		SAME("[%08x]", (unsigned)ints[i]);
		SAME("[%05u]", (unsigned)ints[i]);
	}
	for (i = 0; i < sizeof longs / sizeof longs[0]; i++) {
		SAME("%ld", longs[i]);
		SAME("%lu", (unsigned long)longs[i]);
		SAME("%lx", (unsigned long)longs[i]);
		SAME("%zu", (size_t)longs[i]);
		SAME("[%12ld]", longs[i]);
		SAME("%lu.%03lu", (unsigned long)longs[i] / 1000, (unsigned long)longs[i] % 1000);
	}
	SAME("%zu KiB", (size_t)SIZE_MAX);
}

TEST(negative_with_zero_padding)
{
	/* The sign goes before the zeros, as printf puts it. */
	SAME("[%05d]", -42);
	SAME("[%08ld]", -123456L);
	SAME("[%03d]", -1);
	SAME("[%02d]", -100);
}

TEST(left_justified_numbers)
{
	SAME("[%-5d]", 42);
	SAME("[%-5d]", -42);
	SAME("[%-8u]", 7u);
	SAME("[%-6x]", 255u);
	SAME("[%-3d]", 12345);
}

TEST(strings_and_chars)
{
	SAME("%s", "keel");
	SAME("[%8s]", "keel");
	SAME("[%-8s]", "keel");
	SAME("[%-2s]", "keel");
	SAME("%s|%s", "", "x");
	SAME("%c%c%c", 'k', 'e', 'l');
	GIVES("100%", "100%%");
	GIVES("(null)", "%s", (char *)NULL);
	GIVES("  stacks peak", "  %-6s peak", "stacks");
}

TEST(pointers)
{
	GIVES("0x1234", "%p", (void *)0x1234);
	GIVES("0x0", "%p", (void *)0);
	GIVES("0x7fffffffe000", "%p", (void *)0x7fffffffe000UL);
	GIVES("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
}

TEST(unknown_conversions_are_shown)
{
	GIVES("%q", "%q");
	GIVES("a%", "a%");
	GIVES("%y and 5", "%y and %d", 5);
}

TEST(truncation)
{
	char buf[16];

	memset(buf, 'x', sizeof buf);
	CHECK_EQ(ksnprintf(buf, 5, "hello world"), 11);
	CHECK_STR(buf, "hell");
	CHECK_EQ(buf[5], 'x');
	memset(buf, 'x', sizeof buf);
	CHECK_EQ(ksnprintf(buf, 1, "%d", 12345), 5);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(buf[1], 'x');
	memset(buf, 'x', sizeof buf);
	CHECK_EQ(ksnprintf(buf, 0, "%s", "abc"), 3);
	CHECK_EQ(buf[0], 'x');
	CHECK_EQ(ksnprintf(buf, 4, "%d", -123), 4);
	CHECK_STR(buf, "-12");
	CHECK_EQ(ksnprintf(buf, sizeof buf, "%s", "exactly15chars!"), 15);
	CHECK_STR(buf, "exactly15chars!");
}

TEST(log_line)
{
	keel_platform = &fake;
	keel_log("syscall %ld (%s) not implemented", 165L, "mount");
	CHECK_EQ(console_stream, 2);
	console[console_len] = 0;
	CHECK_STR(console, "keel: syscall 165 (mount) not implemented\n");
}

TEST(log_long_line_is_cut_but_ends_the_line)
{
	char big[600];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	keel_platform = &fake;
	keel_log("%s", big);
	CHECK(console_len > 200 && console_len <= 256);
	CHECK_EQ(console[console_len - 1], '\n');
	CHECK(memcmp(console, "keel: aaaa", 10) == 0);
	CHECK(memchr(console, 0, console_len) == NULL);
}

TEST(log_without_platform_is_quiet)
{
	keel_platform = NULL;
	keel_log("nobody hears this %d", 1);
	CHECK_EQ(console_len, 0);
}

TEST(panic_logs_and_exits_255)
{
	keel_platform = &fake;
	if (setjmp(exited) == 0) {
		keel_panic("broken invariant %d", 7);
		FAILF("keel_panic returned");
	}
	CHECK_EQ(exit_status, 255);
	console[console_len] = 0;
	CHECK_STR(console, "keel: panic: broken invariant 7\n");
}

UNIT_MAIN("log")
