/*
 * Reading the console: everything the runner pipes in arrives, then end
 * of input. Prints the byte count and a checksum for the runner.
 */
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv)
{
	char buf[1000];
	unsigned long sum = 0, total = 0;
	ssize_t n;
	int i;

	while ((n = read(0, buf, sizeof buf)) > 0) {
		for (i = 0; i < n; i++)
			sum = sum * 31 + (unsigned char)buf[i];
		if (total == 0 && n <= 20)
			printf("first read: [%.*s]\n", (int)n, buf);
		total += (unsigned long)n;
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(read(0, buf, sizeof buf), 0); /* end of input stays so */
	printf("bytes=%lu sum=%lu\n", total, sum);
	CHECK_ERR(read(1, buf, 1), EBADF); /* stdout is write-only */
	CHECK_ERR(read(42, buf, 1), EBADF);
	return done();
}
