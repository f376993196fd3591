/*
 * keel_handler_set: a handler replaces a system call at run time, gets
 * the old one back to chain to, and NULL restores the built-in.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include <keel/keel.h>

#include "check.h"

static keel_syscall_fn old_getpid;
static int calls;

static long my_getpid(long a, long b, long c, long d, long e, long f)
{
	calls++;
	return old_getpid(a, b, c, d, e, f) + 4241; /* chains: 1 + 4241 */
}

static long my_mount(long a, long b, long c, long d, long e, long f)
{
	CHECK_STR((const char *)a, "src");
	CHECK_EQ(d, 77);
	return 0;
}

static long my_new(long a, long b, long c, long d, long e, long f)
{
	return a + b + c + d + e + f;
}

int main(void)
{
	keel_syscall_fn prev, builtin = keel_handler_builtin(SYS_getpid);

	CHECK(builtin != NULL);
	CHECK_EQ(getpid(), 1);
	old_getpid = keel_handler_set(SYS_getpid, my_getpid);
	CHECK(old_getpid == builtin);
	CHECK_EQ(getpid(), 4242);
	CHECK_EQ(syscall(SYS_getpid), 4242);
	CHECK_EQ(calls, 2);
	/* Setting again returns the handler now in place. */
	prev = keel_handler_set(SYS_getpid, my_getpid);
	CHECK(prev == my_getpid);
	prev = keel_handler_set(SYS_getpid, NULL);
	CHECK(prev == my_getpid);
	CHECK_EQ(getpid(), 1);
	CHECK_EQ(calls, 2);
	CHECK(keel_handler_builtin(SYS_getpid) == builtin);

	/* An unimplemented call gains an implementation, and loses it. */
	CHECK(keel_handler_set(SYS_mount, my_mount) != NULL);
	CHECK_EQ(syscall(SYS_mount, "src", "dst", "fs", 77, 0), 0);
	CHECK(keel_handler_set(SYS_mount, NULL) == my_mount);
	CHECK_ERR(syscall(SYS_mount, "src", "dst", "fs", 77, 0), ENOSYS);

	/* All six arguments arrive. */
	prev = keel_handler_set(SYS_getppid, my_new);
	CHECK_EQ(syscall(SYS_getppid, 1, 2, 4, 8, 16, 32), 63);
	keel_handler_set(SYS_getppid, prev);
	CHECK_EQ(getppid(), 0);

	/* Out of range: refused, nothing installed. */
	CHECK(keel_handler_set(100000, my_new) == NULL);
	CHECK(keel_handler_set(-1, my_new) == NULL);
	CHECK(keel_handler_builtin(100000) == NULL);
	CHECK_ERR(syscall(100000, 1, 2, 3, 4, 5, 6), ENOSYS);
	return done();
}
