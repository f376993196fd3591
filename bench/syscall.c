/*
 * Syscall cost: getppid() in a tight loop, timed inside the program
 * with clock_gettime(CLOCK_MONOTONIC). The same source is built with
 * keel-cc (a function call through keel's dispatch table) and with
 * musl-gcc -static (a real Linux system call); bench/run.sh divides.
 *
 *   syscall [N [REPS]]   prints: ns/call median min, over REPS loops of N
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	int reps = argc > 2 ? atoi(argv[2]) : 7, r;
	double ns[64], t0;
	volatile long sink = 0;
	long i;

	if (n <= 0 || reps <= 0 || reps > 64) {
		fprintf(stderr, "usage: syscall [N [REPS<=64]]\n");
		return 2;
	}
	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			sink += getppid();
		ns[r] = (now_ns() - t0) / n;
	}
	qsort(ns, reps, sizeof ns[0], cmp);
	printf("%.3f %.3f\n", ns[reps / 2], ns[0]);
	return 0;
}
