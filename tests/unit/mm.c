/*
 * Host unit tests of the page allocator (sys/mm.c), run on a region
 * mapped here the way a base hands one over: page aligned and zeroed.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "../../sys/mm.h"
#include "unit.h"

#define PAGE 4096UL

static uintptr_t base;

/* A fresh region of npages pages (one of them holds the page map for
 * up to 4096 pages) with the allocator initialised on it. */
static void setup(size_t npages, size_t budget, size_t image, size_t base_bytes)
{
	void *p = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	CHECK(p != MAP_FAILED);
	base = (uintptr_t)p;
	CHECK_EQ(mm_init(base, npages * PAGE, budget, image, base_bytes), 0);
}

static int all_bytes(const void *p, size_t len, unsigned char v)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != v)
			return 0;
	return 1;
}

TEST(init_layout)
{
	setup(256, 1 << 20, 0, 0);
	/* One page holds the map; the rest is allocatable. */
	CHECK_EQ(mm_low(), base + PAGE);
	CHECK_EQ(mm_high(), base + 256 * PAGE);
	CHECK_EQ(mm_free_pages(), 255);
	CHECK_EQ(mm_stats()->used[MM_KERNEL], PAGE);
	CHECK_EQ(mm_stats()->budget, 1 << 20);
}

TEST(init_map_pages_scale)
{
	/* 8192 pages need two pages of map. */
	setup(8192, 32 << 20, 0, 0);
	CHECK_EQ(mm_low(), base + 2 * PAGE);
	CHECK_EQ(mm_free_pages(), 8190);
	CHECK_EQ(mm_stats()->used[MM_KERNEL], 2 * PAGE);
}

TEST(init_too_small)
{
	void *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	CHECK_EQ(mm_init((uintptr_t)p, PAGE, PAGE, 0, 0), -ENOMEM);
	CHECK_EQ(mm_init((uintptr_t)p, 0, PAGE, 0, 0), -ENOMEM);
	CHECK_EQ(mm_init((uintptr_t)p, 2 * PAGE, 2 * PAGE, 0, 0), 0);
	CHECK_EQ(mm_free_pages(), 1);
}

TEST(init_counts_image_and_base)
{
	setup(64, 1 << 20, 10000, 5000);
	CHECK_EQ(mm_stats()->used[MM_IMAGE], 3 * PAGE);		/* 10000 rounded up */
	CHECK_EQ(mm_stats()->used[MM_KERNEL], PAGE + 2 * PAGE); /* map + 5000 up */
	CHECK_EQ(mm_stats()->peak_total, 6 * PAGE);
}

TEST(alloc_top_down)
{
	char *a, *b, *c;

	setup(64, 1 << 20, 0, 0);
	a = mm_alloc(1, MM_HEAP);
	b = mm_alloc(1, MM_HEAP);
	c = mm_alloc(3, MM_STACK);
	CHECK_EQ((uintptr_t)a, mm_high() - PAGE);
	CHECK_EQ((uintptr_t)b, mm_high() - 2 * PAGE);
	CHECK_EQ((uintptr_t)c, mm_high() - 5 * PAGE);
	CHECK_EQ(mm_free_pages(), 63 - 5);
	CHECK(mm_is(a, 1, MM_HEAP));
	CHECK(mm_is(c, 3, MM_STACK));
	CHECK(!mm_is(c, 3, MM_HEAP));
	CHECK(mm_is(c, 5, MM_NTAGS));
	CHECK(!mm_is(c - PAGE, 1, MM_NTAGS));
	CHECK(mm_is(c - PAGE, 1, MM_FREE));
}

TEST(alloc_fresh_pages_are_zero)
{
	unsigned char *p;

	setup(64, 1 << 20, 0, 0);
	p = mm_alloc(63, MM_HEAP);
	CHECK(p != NULL);
	CHECK(all_bytes(p, 63 * PAGE, 0));
}

TEST(alloc_zeroes_dirty_pages)
{
	unsigned char *p, *q;

	setup(64, 1 << 20, 0, 0);
	p = mm_alloc(4, MM_HEAP);
	memset(p, 0xa5, 4 * PAGE);
	CHECK_EQ(mm_free(p, 4), 4);
	q = mm_alloc(4, MM_NET);
	CHECK(q == p);
	CHECK(all_bytes(q, 4 * PAGE, 0));
	/* Only the reused pages: a larger block straddling them is zero too. */
	memset(q, 0x5a, 4 * PAGE);
	CHECK_EQ(mm_free(q + PAGE, 2), 2);
	q = mm_alloc(2, MM_HEAP);
	CHECK(q == p + PAGE);
	CHECK(all_bytes(q, 2 * PAGE, 0));
	CHECK(all_bytes(p, PAGE, 0x5a)); /* neighbours untouched */
	CHECK(all_bytes(p + 3 * PAGE, PAGE, 0x5a));
}

TEST(alloc_bad_requests)
{
	setup(64, 1 << 20, 0, 0);
	CHECK(mm_alloc(0, MM_HEAP) == NULL);
	CHECK(mm_alloc(1, MM_FREE) == NULL);
	CHECK(mm_alloc(1, MM_NTAGS) == NULL);
	CHECK(mm_alloc(1, (enum mm_tag)200) == NULL);
	CHECK(mm_alloc((size_t)-1, MM_HEAP) == NULL);
	CHECK_EQ(mm_free_pages(), 63);
}

TEST(exhaustion_returns_null)
{
	size_t i;

	setup(64, 1 << 20, 0, 0);
	CHECK(mm_alloc(64, MM_HEAP) == NULL);
	for (i = 0; i < 63; i++)
		CHECK(mm_alloc(1, MM_HEAP) != NULL);
	CHECK_EQ(mm_free_pages(), 0);
	CHECK(mm_alloc(1, MM_HEAP) == NULL);
	CHECK(mm_alloc(1, MM_STACK) == NULL);
	/* Freeing one page makes exactly one page available. */
	CHECK_EQ(mm_free((void *)(mm_high() - 10 * PAGE), 1), 1);
	CHECK(mm_alloc(2, MM_HEAP) == NULL);
	CHECK(mm_alloc(1, MM_HEAP) == (void *)(mm_high() - 10 * PAGE));
	CHECK(mm_alloc(1, MM_HEAP) == NULL);
}

TEST(whole_region_in_one_piece)
{
	setup(64, 1 << 20, 0, 0);
	CHECK(mm_alloc(63, MM_HEAP) == (void *)mm_low());
	CHECK_EQ(mm_free_pages(), 0);
}

TEST(fragmentation)
{
	uintptr_t p;
	size_t i;

	setup(64, 1 << 20, 0, 0);
	for (i = 0; i < 63; i++)
		CHECK(mm_alloc(1, MM_HEAP) != NULL);
	/* Free every other page: half the region free, no two pages adjacent. */
	for (p = mm_low(); p < mm_high(); p += 2 * PAGE)
		CHECK_EQ(mm_free((void *)p, 1), 1);
	CHECK_EQ(mm_free_pages(), 32);
	CHECK(mm_alloc(2, MM_HEAP) == NULL);
	CHECK_EQ(mm_free_pages(), 32);
	/* Closing one gap makes a run of three. */
	CHECK_EQ(mm_free((void *)(mm_low() + PAGE), 1), 1);
	CHECK(mm_alloc(4, MM_HEAP) == NULL);
	CHECK(mm_alloc(3, MM_HEAP) == (void *)mm_low());
	CHECK(mm_alloc(1, MM_HEAP) == (void *)(mm_high() - PAGE));
}

TEST(free_counts_and_ignores)
{
	char *p;

	setup(64, 1 << 20, 0, 0);
	p = mm_alloc(4, MM_HEAP);
	CHECK_EQ(mm_free(p + PAGE, 1), 1);
	/* Already free pages are ignored, and not counted twice. */
	CHECK_EQ(mm_free(p + PAGE, 1), 0);
	CHECK_EQ(mm_free(p, 4), 3);
	CHECK_EQ(mm_free_pages(), 63);
	CHECK_EQ(mm_stats()->used[MM_HEAP], 0);
	/* Outside the region, unaligned, too long: nothing happens. */
	p = mm_alloc(1, MM_HEAP);
	CHECK_EQ(mm_free((void *)(base), 1), 0); /* the map itself */
	CHECK_EQ(mm_free(p + 1, 1), 0);
	CHECK_EQ(mm_free(p, 2), 0);
	CHECK_EQ(mm_free((void *)(mm_high()), 1), 0);
	CHECK_EQ(mm_free((void *)mm_low(), 64), 0);
	CHECK_EQ(mm_free((void *)mm_low(), (size_t)-1), 0);
	CHECK_EQ(mm_free(p, 0), 0);
	CHECK(mm_is(p, 1, MM_HEAP));
	CHECK_EQ(mm_free_pages(), 62);
}

TEST(claim)
{
	char *lo = (char *)0, *top;

	setup(64, 1 << 20, 0, 0);
	lo = (char *)mm_low();
	memset(lo, 0x77, PAGE); /* dirty, as if the base had used it */
	CHECK_EQ(mm_claim(lo, 2, MM_HEAP), 0);
	CHECK(mm_is(lo, 2, MM_HEAP));
	CHECK_EQ(mm_free_pages(), 61);
	/* Overlapping an allocation: refused, nothing taken. */
	CHECK_EQ(mm_claim(lo + PAGE, 2, MM_HEAP), -ENOMEM);
	CHECK(mm_is(lo + 2 * PAGE, 1, MM_FREE));
	CHECK_EQ(mm_free_pages(), 61);
	/* Outside, unaligned, or with no tag: refused. */
	CHECK_EQ(mm_claim((void *)base, 1, MM_HEAP), -ENOMEM);
	CHECK_EQ(mm_claim((void *)mm_high(), 1, MM_HEAP), -ENOMEM);
	CHECK_EQ(mm_claim((void *)(mm_high() - PAGE), 2, MM_HEAP), -ENOMEM);
	CHECK_EQ(mm_claim(lo + 2 * PAGE + 8, 1, MM_HEAP), -ENOMEM);
	CHECK_EQ(mm_claim(lo + 2 * PAGE, 1, MM_FREE), -ENOMEM);
	CHECK_EQ(mm_claim(lo + 2 * PAGE, 1, MM_NTAGS), -ENOMEM);
	CHECK_EQ(mm_free_pages(), 61);
	/* A claimed page that had been freed dirty comes back zeroed. */
	top = mm_alloc(1, MM_HEAP);
	memset(top, 0x33, PAGE);
	CHECK_EQ(mm_free(top, 1), 1);
	CHECK_EQ(mm_claim(top, 1, MM_FS), 0);
	CHECK(all_bytes(top, PAGE, 0));
	CHECK(mm_is(top, 1, MM_FS));
	/* And allocation skips claimed pages. */
	CHECK(mm_alloc(1, MM_HEAP) == top - PAGE);
}

TEST(stats_and_peaks)
{
	const struct mm_stats *st;
	char *a, *b;

	setup(64, 1 << 20, 8192, 0);
	st = mm_stats();
	a = mm_alloc(10, MM_HEAP);
	b = mm_alloc(5, MM_STACK);
	CHECK_EQ(st->used[MM_HEAP], 10 * PAGE);
	CHECK_EQ(st->used[MM_STACK], 5 * PAGE);
	CHECK_EQ(st->peak[MM_HEAP], 10 * PAGE);
	/* image 2 + map 1 + heap 10 + stacks 5 */
	CHECK_EQ(st->peak_total, 18 * PAGE);
	CHECK_EQ(mm_free(a, 4), 4);
	CHECK_EQ(st->used[MM_HEAP], 6 * PAGE);
	CHECK_EQ(st->peak[MM_HEAP], 10 * PAGE);
	CHECK_EQ(st->peak_total, 18 * PAGE);
	/* A new allocation below the old peak does not move it... */
	a = mm_alloc(3, MM_HEAP);
	CHECK_EQ(st->peak[MM_HEAP], 10 * PAGE);
	CHECK_EQ(st->peak_total, 18 * PAGE);
	/* ... one above it does. */
	CHECK(mm_alloc(2, MM_HEAP) != NULL);
	CHECK_EQ(st->used[MM_HEAP], 11 * PAGE);
	CHECK_EQ(st->peak[MM_HEAP], 11 * PAGE);
	CHECK_EQ(st->peak_total, 19 * PAGE);
	/* Freeing takes from the page's own tag, whatever the caller thinks. */
	CHECK_EQ(mm_free(b, 5), 5);
	CHECK_EQ(st->used[MM_STACK], 0);
	CHECK_EQ(st->used[MM_HEAP], 11 * PAGE);
	CHECK_EQ(st->peak[MM_STACK], 5 * PAGE);
	CHECK_EQ(st->used[MM_FREE], 0);
	/* The sum of what is used matches what the allocator handed out. */
	CHECK_EQ(st->used[MM_HEAP] + st->used[MM_STACK] + st->used[MM_NET] + st->used[MM_FS],
		 (63 - mm_free_pages()) * PAGE);
}

TEST(tag_names)
{
	CHECK_STR(mm_tag_name(MM_HEAP), "heap");
	CHECK_STR(mm_tag_name(MM_STACK), "stacks");
	CHECK_STR(mm_tag_name(MM_IMAGE), "image");
	CHECK_STR(mm_tag_name(MM_KERNEL), "kernel");
	CHECK_STR(mm_tag_name(MM_NTAGS), "?");
	CHECK_STR(mm_tag_name((enum mm_tag) - 1), "?");
}

TEST(churn_keeps_accounts)
{
	void *held[64] = { 0 };
	size_t sizes[64] = { 0 }, i, used = 0;
	unsigned seed = 12345;

	setup(1024, 4 << 20, 0, 0);
	for (i = 0; i < 20000; i++) {
		unsigned k = (seed = seed * 1103515245 + 12345) >> 16;
		size_t slot = k % 64;

		if (held[slot]) {
			CHECK(all_bytes(held[slot], PAGE, (unsigned char)slot));
			CHECK_EQ(mm_free(held[slot], sizes[slot]), sizes[slot]);
			used -= sizes[slot];
			held[slot] = NULL;
		} else {
			sizes[slot] = 1 + (k >> 6) % 40;
			held[slot] = mm_alloc(sizes[slot], MM_HEAP);
			if (!held[slot])
				continue;
			CHECK(all_bytes(held[slot], sizes[slot] * PAGE, 0));
			memset(held[slot], (int)slot, sizes[slot] * PAGE);
			used += sizes[slot];
		}
		CHECK_EQ(mm_free_pages(), 1023 - used);
		CHECK_EQ(mm_stats()->used[MM_HEAP], used * PAGE);
	}
}

/* Pages freed below the top are found again, highest first. */
TEST(single_pages_refill_from_the_top)
{
	char *p[8], *q;
	int i;

	setup(16, 16 * PAGE, 0, 0);
	for (i = 0; i < 8; i++)
		p[i] = mm_alloc(1, MM_FS);
	CHECK(p[7] < p[0]);
	CHECK_EQ(mm_free(p[2], 1), 1);
	CHECK_EQ(mm_free(p[5], 1), 1);
	q = mm_alloc(1, MM_FS);
	CHECK(q == p[2]);
	q = mm_alloc(1, MM_FS);
	CHECK(q == p[5]);
	CHECK_EQ(mm_free(p[0], 1), 1); /* the very top */
	q = mm_alloc(2, MM_FS);        /* no room for two up there */
	CHECK(q != NULL && q < p[7]);
	q = mm_alloc(1, MM_FS);
	CHECK(q == p[0]);
}

/* Filling a large region a page at a time (as file data does) takes
 * linear time: it used to rescan every taken page for each new one. */
TEST(single_page_fill_is_linear)
{
	size_t n = 1 << 16, i;
	struct timespec t0, t1;

	setup(n + 64, (n + 64) * PAGE, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		CHECK(mm_alloc(1, MM_FS) != NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 < 2.0);
}

UNIT_MAIN("mm")
