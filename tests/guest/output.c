/*
 * Console output at volume and through every path: argv[1] bytes of a
 * known pattern via stdio, then writev and write, then write errors.
 * The runner checks byte count and checksum.
 */
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv)
{
	struct iovec iov[3] = { { "wri", 3 }, { "", 0 }, { "tev\n", 4 } };
	long i, n;

	CHECK(argc == 2);
	n = atol(argv[1]);
	for (i = 0; i < n; i++)
		putchar('a' + i % 26);
	putchar('\n');
	fflush(stdout);
	CHECK_EQ(writev(1, iov, 3), 7);
	CHECK_EQ(write(1, "write\n", 6), 6);
	CHECK_EQ(write(2, "to stderr\n", 10), 10);
	CHECK_ERR(write(0, "x", 1), EBADF); /* stdin is read-only */
	CHECK_ERR(write(7, "x", 1), EBADF);
	CHECK_ERR(write(-1, "x", 1), EBADF);
	CHECK_EQ(close(2), 0);
	CHECK_ERR(write(2, "x", 1), EBADF);
	CHECK_ERR(close(2), EBADF);
	return done();
}
