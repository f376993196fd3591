/*
 * Threads and pipes: a pipe ping-pong between two threads (one byte
 * there, one byte back, through two pipes: a round trip is two writes,
 * two reads and two switches of thread) and pthread_create + join of a
 * thread that returns at once. Timed inside the program with
 * clock_gettime(CLOCK_MONOTONIC). One source, built twice: with keel-cc
 * (keel's pipes on its cooperative scheduler) and with musl-gcc -static
 * (Linux pipes and threads): the anchor.
 *
 *   threads LOOPS ROUND_TRIPS THREADS
 *
 * Prints one line: the median over LOOPS timed loops (after one untimed)
 * of ns per round trip and of ns per create + join, then the bytes the
 * ping-pong moved, so that the two builds can be checked to agree.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int to_echo[2], from_echo[2];
static long round_trips;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static void *echo(void *arg)
{
	unsigned char c;
	long i;

	for (i = 0; i < round_trips; i++) {
		if (read(to_echo[0], &c, 1) != 1)
			exit(3);
		c++;
		if (write(from_echo[1], &c, 1) != 1)
			exit(3);
	}
	return NULL;
}

/* ns per round trip; *moved counts the bytes that came back right. */
static double ping_pong(long n, long *moved)
{
	pthread_t t;
	unsigned char c = 0, back;
	uint64_t t0, t1;
	long i;

	round_trips = n;
	if (pthread_create(&t, NULL, echo, NULL))
		exit(4);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (write(to_echo[1], &c, 1) != 1 || read(from_echo[0], &back, 1) != 1)
			exit(3);
		if (back == (unsigned char)(c + 1))
			(*moved)++;
		c = back;
	}
	t1 = now_ns();
	pthread_join(t, NULL);
	return (double)(t1 - t0) / n;
}

static void *nothing(void *arg)
{
	return arg;
}

static double create_join(long n)
{
	pthread_t t;
	uint64_t t0, t1;
	void *r;
	long i;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (pthread_create(&t, NULL, nothing, (void *)i) || pthread_join(t, &r) ||
		    r != (void *)i)
			exit(5);
	}
	t1 = now_ns();
	return (double)(t1 - t0) / n;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	double pp[64], cj[64];
	long loops, n_rt, n_th, moved = 0, i;

	if (argc != 4 || (loops = atol(argv[1])) < 1 || loops > 64 ||
	    (n_rt = atol(argv[2])) < 1 || (n_th = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: threads LOOPS(1-64) ROUND_TRIPS THREADS\n");
		return 2;
	}
	if (pipe(to_echo) || pipe(from_echo))
		return 3;
	ping_pong(n_rt, &moved); /* untimed */
	create_join(n_th);
	moved = 0;
	for (i = 0; i < loops; i++) {
		pp[i] = ping_pong(n_rt, &moved);
		cj[i] = create_join(n_th);
	}
	qsort(pp, (size_t)loops, sizeof pp[0], cmp);
	qsort(cj, (size_t)loops, sizeof cj[0], cmp);
	printf("%.1f %.1f %ld\n", pp[loops / 2], cj[loops / 2], moved);
	return 0;
}
