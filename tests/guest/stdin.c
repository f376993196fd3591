/*
 * Reading the console: everything the runner pipes in arrives, then end
 * of input. Prints the byte count and a checksum for the runner. With
 * argv[1] = "zero": a zero-length read while no input is there.
 */
#include <time.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv)
{
	char buf[1000];
	unsigned long sum = 0, total = 0;
	ssize_t n;
	int i;

	if (argc == 2 && strcmp(argv[1], "zero") == 0) {
		/* A zero-length read returns 0 at once, input or not. */
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHECK_EQ(read(0, buf, 0), 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		CHECK(t1.tv_sec - t0.tv_sec < 1 &&
		      (t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec < 200000000L);
		return done();
	}
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
