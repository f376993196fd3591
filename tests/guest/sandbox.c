/*
 * The Linux-process base's seccomp sandbox: a raw syscall instruction
 * that bypasses keel is refused, and the image ends with status 159
 * (128 + SIGSYS) and a line naming the call. argv[1]:
 *   socket    socket(AF_INET, SOCK_STREAM, 0)
 *   write5    write(5, ...)
 *   getpid    getpid()
 *   write1    write(1, ...): allowed (the base's own console); exits 0
 */
#include <string.h>

#include "check.h"

static long raw3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

int main(int argc, char **argv)
{
	static const char msg[] = "raw write to fd 1\n";
	long r;

	CHECK(argc == 2);
	fflush(stdout);
	if (strcmp(argv[1], "socket") == 0)
		r = raw3(41, 2, 1, 0);
	else if (strcmp(argv[1], "write5") == 0)
		r = raw3(1, 5, (long)msg, sizeof msg - 1);
	else if (strcmp(argv[1], "getpid") == 0)
		r = raw3(39, 0, 0, 0);
	else if (strcmp(argv[1], "write1") == 0) {
		CHECK_EQ(raw3(1, 1, (long)msg, sizeof msg - 1), sizeof msg - 1);
		return done();
	} else
		r = 0;
	printf("the sandbox let %s through: %ld\n", argv[1], r);
	return 1;
}
