/*
 * The block device through the platform calls (no file layer yet):
 *   disk rw SECTORS  write a batch, flush, read it back, refuse bad requests
 *   disk none        no --disk: every block call says -ENODEV
 * The runner then checks the host file holds what the guest wrote.
 */
#include <keel/platform.h>

#include "check.h"

#define N 16
#define SZ 4096

static char out[N][SZ], in[N][SZ];

static void wait_all(long n)
{
	struct keel_block_req *done[N + 2];
	long got = 0, k;

	while (got < n) {
		k = keel_platform->block_complete(0, done, N + 2);
		CHECK(k >= 0);
		if (k == 0)
			keel_platform->wait_until(keel_platform->clock_monotonic() + 1000000000ULL,
						  KEEL_EV_BLOCK);
		got += k;
	}
}

int main(int argc, char **argv)
{
	struct keel_block_info bi;
	struct keel_block_req req[N + 1], *rp[N + 1], bad, *bp = &bad;
	long n;
	int i;

	CHECK(argc >= 2);
	if (strcmp(argv[1], "none") == 0) {
		CHECK_EQ(keel_platform->block_info(0, &bi), -ENODEV);
		CHECK_EQ(keel_platform->block_submit(0, rp, 0), -ENODEV);
		printf("ok: %u checks\n", checks_done);
		return 0;
	}
	CHECK(argc == 3);
	CHECK_EQ(keel_platform->block_info(0, &bi), 0);
	CHECK_EQ(bi.sectors, strtoull(argv[2], 0, 10));
	CHECK(bi.max_batch >= 1);
	CHECK_EQ(keel_platform->block_info(1, &bi), -ENODEV);
	CHECK_EQ(keel_platform->block_info(0, &bi), 0);

	for (i = 0; i < N; i++) {
		memset(out[i], 'a' + i, SZ);
		req[i] = (struct keel_block_req){ .op = KEEL_BLOCK_WRITE, .sector = i * 8,
						  .buf = out[i], .len = SZ };
		rp[i] = &req[i];
	}
	req[N] = (struct keel_block_req){ .op = KEEL_BLOCK_FLUSH };
	rp[N] = &req[N];
	for (i = 0; i < N + 1; i += (int)n) { /* as many per batch as the device takes */
		n = keel_platform->block_submit(0, rp + i, (unsigned)(N + 1 - i));
		CHECK(n > 0);
		wait_all(n);
	}
	for (i = 0; i < N + 1; i++)
		CHECK_EQ(req[i].status, 0);

	for (i = 0; i < N; i++) {
		req[i] = (struct keel_block_req){ .op = KEEL_BLOCK_READ, .sector = i * 8,
						  .buf = in[i], .len = SZ };
		rp[i] = &req[i];
	}
	for (i = 0; i < N; i += (int)n) {
		n = keel_platform->block_submit(0, rp + i, (unsigned)(N - i));
		CHECK(n > 0);
		wait_all(n);
	}
	for (i = 0; i < N; i++) {
		CHECK_EQ(req[i].status, 0);
		CHECK(memcmp(in[i], out[i], SZ) == 0);
	}

	/* Requests the device cannot serve are refused, not half-done. */
	bad = (struct keel_block_req){ .op = KEEL_BLOCK_READ, .sector = bi.sectors, .buf = in[0], .len = 512 };
	CHECK_EQ(keel_platform->block_submit(0, &bp, 1), -EINVAL);
	bad = (struct keel_block_req){ .op = KEEL_BLOCK_READ, .sector = bi.sectors - 1, .buf = in[0], .len = 1024 };
	CHECK_EQ(keel_platform->block_submit(0, &bp, 1), -EINVAL);
	bad = (struct keel_block_req){ .op = KEEL_BLOCK_WRITE, .sector = 0, .buf = in[0], .len = 100 };
	CHECK_EQ(keel_platform->block_submit(0, &bp, 1), -EINVAL);
	/* The last sector is still reachable. */
	bad = (struct keel_block_req){ .op = KEEL_BLOCK_READ, .sector = bi.sectors - 1, .buf = in[0], .len = 512 };
	CHECK_EQ(keel_platform->block_submit(0, &bp, 1), 1);
	wait_all(1);
	CHECK_EQ(bad.status, 0);
	printf("ok: %u checks\n", checks_done);
	return 0;
}
