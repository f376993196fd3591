/*
 * File throughput: write a 64 MiB file in 64 KiB write()s, read it back
 * in 64 KiB read()s, unlink it; timed inside the program with
 * clock_gettime(CLOCK_MONOTONIC). One source, built twice: with keel-cc
 * it works on keel's ramfs (/tmp), with musl-gcc -static on the host's
 * tmpfs (/dev/shm): the anchor.
 *
 *   fileio PASSES DIR
 *
 * One untimed pass first, then one line per timed pass:
 * "BYTES WRITE_NS READ_NS SUM", SUM adding the first 8 bytes of every
 * 4 KiB read, so that the two builds can be checked to agree.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PIECE (64 * 1024)
#define FILE_BYTES (64 << 20)

static uint8_t buf[PIECE];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static int one_pass(const char *path, uint64_t *wns, uint64_t *rns, uint64_t *sum)
{
	uint64_t t0, t1, t2, w;
	size_t off, i;
	int fd;

	t0 = now_ns();
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	for (off = 0; off < FILE_BYTES; off += PIECE) {
		for (i = 0; i < PIECE; i += 4096)
			memcpy(buf + i, &(uint64_t){ off + i }, 8);
		if (write(fd, buf, PIECE) != PIECE)
			return -1;
	}
	t1 = now_ns();
	if (lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	*sum = 0;
	for (off = 0; off < FILE_BYTES; off += PIECE) {
		if (read(fd, buf, PIECE) != PIECE)
			return -1;
		for (i = 0; i < PIECE; i += 4096) {
			memcpy(&w, buf + i, 8);
			*sum += w;
		}
	}
	t2 = now_ns();
	if (close(fd) || unlink(path))
		return -1;
	*wns = t1 - t0;
	*rns = t2 - t1;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t wns, rns, sum;
	char path[256];
	int passes, i;

	if (argc != 3) {
		fprintf(stderr, "usage: fileio PASSES DIR\n");
		return 2;
	}
	passes = atoi(argv[1]);
	snprintf(path, sizeof path, "%s/keel-fileio.%d", argv[2], (int)getpid());
	memset(buf, 'f', sizeof buf);
	for (i = 0; i <= passes; i++) {
		if (one_pass(path, &wns, &rns, &sum)) {
			perror("fileio");
			unlink(path);
			return 1;
		}
		if (i > 0)
			printf("%d %llu %llu %llu\n", FILE_BYTES, (unsigned long long)wns,
			       (unsigned long long)rns, (unsigned long long)sum);
	}
	return 0;
}
