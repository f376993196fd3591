/*
 * The sandbox under keel-run --net=host (base/linux/seccomp.c): raw
 * syscall instructions get exactly what keel's host stack may use and
 * nothing more. argv[1]:
 *   unix       socket(AF_UNIX, SOCK_STREAM, 0): refused (159)
 *   raw        socket(AF_INET, SOCK_RAW, IPPROTO_ICMP): refused
 *   icmp       socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP): refused
 *   device     setsockopt(SO_BINDTODEVICE) on a host socket: refused
 *   console    sendmsg on fd 1: refused (socket calls need fd >= 3)
 *   getpid     getpid(): refused as without --net=host
 *   inherited  close(5), fd 5 open in keel-run: EBADF, the base closed
 *              it before the sandbox; exits 0
 *   inet       socket(AF_INET, SOCK_STREAM, 0): let through, as the
 *              sandbox cannot tell keel's calls from the application's
 *              (docs/DESIGN.md); exits 0
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"

static long raw(long n, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return r;
}

int main(int argc, char **argv)
{
	struct msghdr m = { 0 };
	const char *mode;
	long r = 0, fd;

	CHECK(argc == 2);
	mode = argv[1];
	fflush(stdout);
	if (!strcmp(mode, "unix")) {
		r = raw(41, AF_UNIX, SOCK_STREAM, 0, 0, 0);
	} else if (!strcmp(mode, "raw")) {
		r = raw(41, AF_INET, SOCK_RAW, IPPROTO_ICMP, 0, 0);
	} else if (!strcmp(mode, "icmp")) {
		r = raw(41, AF_INET, SOCK_DGRAM, IPPROTO_ICMP, 0, 0);
	} else if (!strcmp(mode, "device")) {
		fd = raw(41, AF_INET, SOCK_DGRAM, 0, 0, 0);
		CHECK(fd >= 3);
		fflush(stdout);
		r = raw(54, fd, SOL_SOCKET, SO_BINDTODEVICE, (long)"lo", 3);
	} else if (!strcmp(mode, "console")) {
		r = raw(46, 1, (long)&m, 0, 0, 0);
	} else if (!strcmp(mode, "getpid")) {
		r = raw(39, 0, 0, 0, 0, 0);
	} else if (!strcmp(mode, "inherited")) {
		CHECK_EQ(raw(3, 5, 0, 0, 0, 0), -EBADF);
		printf("fd 5 was closed before the sandbox\n");
		return done();
	} else if (!strcmp(mode, "inet")) {
		fd = raw(41, AF_INET, SOCK_STREAM, 0, 0, 0);
		CHECK(fd >= 3);
		printf("a raw AF_INET socket went through\n");
		return done();
	}
	printf("the sandbox let %s through: %ld\n", mode, r);
	return 1;
}
