/*
 * Block throughput: read a whole disk file sequentially in 64 KiB
 * pieces, 32 pieces at a time, timed inside the program with
 * clock_gettime(CLOCK_MONOTONIC). One source, built twice:
 *
 *  - with keel-cc, it reads block device 0 (keel-run --disk=FILE)
 *    through the platform's block calls, a batch of 32 requests per
 *    block_submit (on kvm: one virtio ring notification, one VM exit);
 *  - with musl-gcc -static, it read()s FILE on the host into the same
 *    32 rotating 64 KiB buffers: the anchor.
 *
 *   blkread PASSES [FILE]   (FILE on the host only)
 *
 * One untimed pass first (it faults the buffers in), then prints one
 * line per timed pass: "BYTES NS SUM", where SUM adds the first 8
 * bytes of every 4 KiB read, so that the two builds can be checked to
 * have read the same data.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PIECE (64 * 1024)
#define BATCH 32

#ifdef __keel__
#include <keel/platform.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

static uint8_t *buf[BATCH];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static uint64_t sample(const uint8_t *p, size_t len)
{
	uint64_t s = 0, w;
	size_t i;

	for (i = 0; i < len; i += 4096) {
		memcpy(&w, p + i, sizeof w);
		s += w;
	}
	return s;
}

#ifdef __keel__
static uint64_t sectors;

static int open_disk(const char *path)
{
	struct keel_block_info bi;
	int r = keel_platform->block_info(0, &bi);

	if (r) {
		fprintf(stderr, "blkread: no block device 0 (%s); run with --disk=FILE\n", strerror(-r));
		return -1;
	}
	if (bi.max_batch < BATCH) {
		fprintf(stderr, "blkread: the device takes %u requests per batch, not %d\n",
			bi.max_batch, BATCH);
		return -1;
	}
	sectors = bi.sectors;
	return 0;
}

/* Reads the whole device; returns the bytes read, or -1. */
static long long one_pass(uint64_t *sum)
{
	static struct keel_block_req req[BATCH];
	struct keel_block_req *rp[BATCH], *done[BATCH];
	uint64_t sector = 0, per = PIECE / 512;
	long long bytes = 0;
	long n, k, got, i;

	while (sector < sectors) {
		for (n = 0; n < BATCH && sector < sectors; n++) {
			uint64_t len = sectors - sector < per ? sectors - sector : per;

			req[n] = (struct keel_block_req){ .op = KEEL_BLOCK_READ, .sector = sector,
							  .buf = buf[n], .len = len * 512 };
			rp[n] = &req[n];
			sector += len;
		}
		k = keel_platform->block_submit(0, rp, (unsigned)n);
		if (k != n) {
			fprintf(stderr, "blkread: block_submit took %ld of %ld\n", k, n);
			return -1;
		}
		for (got = 0; got < n; got += k) {
			k = keel_platform->block_complete(0, done, BATCH);
			if (k < 0)
				return -1;
			if (k == 0)
				keel_platform->wait_until(UINT64_MAX, KEEL_EV_BLOCK);
			for (i = 0; i < k; i++) {
				if (done[i]->status) {
					fprintf(stderr, "blkread: a read failed: %s\n",
						strerror(-done[i]->status));
					return -1;
				}
				*sum += sample(done[i]->buf, done[i]->len);
				bytes += (long long)done[i]->len;
			}
		}
	}
	return bytes;
}
#else
static int fd = -1;

static int open_disk(const char *path)
{
	if (!path) {
		fprintf(stderr, "usage: blkread PASSES FILE\n");
		return -1;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static long long one_pass(uint64_t *sum)
{
	long long bytes = 0;
	unsigned b = 0;
	ssize_t r;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	while ((r = read(fd, buf[b], PIECE)) > 0) {
		*sum += sample(buf[b], (size_t)r);
		bytes += r;
		b = (b + 1) % BATCH;
	}
	return r < 0 ? -1 : bytes;
}
#endif

int main(int argc, char **argv)
{
	int passes = argc > 1 ? atoi(argv[1]) : 0, p, i;
	uint64_t t0, sum;
	long long bytes;

	if (passes <= 0) {
		fprintf(stderr, "usage: blkread PASSES [FILE]\n");
		return 2;
	}
	for (i = 0; i < BATCH; i++)
		if (!(buf[i] = aligned_alloc(4096, PIECE))) {
			fprintf(stderr, "blkread: out of memory\n");
			return 1;
		}
	if (open_disk(argc > 2 ? argv[2] : NULL))
		return 1;
	for (p = -1; p < passes; p++) {
		sum = 0;
		t0 = now_ns();
		bytes = one_pass(&sum);
		if (bytes <= 0)
			return 1;
		if (p >= 0)
			printf("%lld %llu %llu\n", bytes, (unsigned long long)(now_ns() - t0),
			       (unsigned long long)sum);
	}
	return 0;
}
