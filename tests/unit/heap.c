/*
 * Host unit tests of lwIP's heap (net/lwip/heap.c): the buddy allocator
 * behind lwIP's mem_malloc/memp pools, built here with host gcc and the
 * sanitizers (tests/run.sh: its "lwip/opt.h" is tests/unit/include/'s,
 * which reads keel's lwipopts.h only). The heap gets a region of our
 * own whose surroundings are poisoned, so a block outside it is an
 * AddressSanitizer report; the random tests hold a model of the live
 * blocks (offsets, sizes, a byte pattern) and compare the heap's
 * answers and keel_net_heap()'s counters with it after every step.
 * keel_panic() here returns to the test that expected it (bad frees).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <sanitizer/asan_interface.h>

#include <keel/net.h>

#include "../../net/lwip/lwipopts.h"
#include "unit.h"

#define HDR 8 /* heap.c's block header */
#define MIN_BLOCK 32
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- keel_panic: back to CHECK_PANICS, or the end of the test ---- */

static jmp_buf panic_jmp;
static int panic_armed;
static char panic_msg[256];

void keel_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof panic_msg, fmt, ap);
	va_end(ap);
	if (panic_armed) {
		panic_armed = 0;
		longjmp(panic_jmp, 1);
	}
	FAILF("unexpected keel_panic: %s", panic_msg);
}

/* stmt must call keel_panic (with heap.c's bad-free message). */
#define CHECK_PANICS(stmt)                                                                         \
	do {                                                                                       \
		panic_msg[0] = 0;                                                                  \
		if (setjmp(panic_jmp) == 0) {                                                      \
			panic_armed = 1;                                                           \
			stmt;                                                                      \
			panic_armed = 0;                                                           \
			FAILF("%s did not panic", #stmt);                                          \
		}                                                                                  \
		CHECK_HAS(panic_msg, "not a block of its heap");                                   \
	} while (0)

/* ---- the region ---- */

#define SLACK 256

static char *region;
static size_t size;

/* A region of bytes at an address that is 8-byte aligned but not 16
 * (heap.c promises only 8 and must not need more), with SLACK poisoned
 * bytes either side; the heap initialised on it. */
static void setup(size_t bytes)
{
	char *buf = aligned_alloc(64, (bytes + 2 * SLACK + 127) / 64 * 64);

	CHECK(buf);
	region = buf + SLACK + 40;
	size = bytes;
	ASAN_POISON_MEMORY_REGION(buf, (size_t)(region - buf));
	ASAN_POISON_MEMORY_REGION(region + bytes, SLACK);
	keel_lwip_heap_init(region, bytes);
}

static struct keel_net_heap stats(void)
{
	struct keel_net_heap h;

	keel_net_heap(&h);
	CHECK_EQ(h.used, keel_lwip_heap_used());
	return h;
}

/* The block a request of n bytes takes: a power of two >= n + 8, >= 32. */
static size_t block_of(size_t n)
{
	size_t b = MIN_BLOCK;

	while (b < n + HDR)
		b <<= 1;
	return b;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* ---- a model of the live blocks ---- */

struct live {
	char *p;
	size_t n, block;
	unsigned char tag;
};

static struct live *live;
static size_t nlive, model_used, model_peak;
static unsigned long model_failures;
static uint64_t *taken; /* one bit per 32-byte granule of the region */

static void model_init(void)
{
	size_t granules = size / MIN_BLOCK;

	live = calloc(granules, sizeof *live);
	taken = calloc((granules + 63) / 64, sizeof *taken);
	CHECK(live && taken);
	nlive = model_used = model_peak = 0;
	model_failures = 0;
}

static int granule_taken(size_t g)
{
	return (taken[g / 64] >> (g % 64)) & 1;
}

/* Whether any aligned span of 2^order bytes is free in the model: then
 * a request for a block of that size must succeed, free buddies having
 * merged back into blocks at least that large. */
static int model_has_room(size_t block)
{
	size_t span = block / MIN_BLOCK, g, i;

	if (block > size)
		return 0;
	for (g = 0; g < size / MIN_BLOCK; g += span) {
		if (span >= 64) {
			for (i = 0; i < span / 64 && !taken[g / 64 + i]; i++)
				;
			if (i == span / 64)
				return 1;
		} else {
			uint64_t mask = ((1ull << span) - 1) << (g % 64);

			if (!(taken[g / 64] & mask))
				return 1;
		}
	}
	return 0;
}

static void check_counters(void)
{
	struct keel_net_heap h = stats();

	CHECK_EQ(h.size, size);
	CHECK_EQ(h.used, model_used);
	CHECK_EQ(h.peak, model_peak);
	CHECK_EQ(h.failures, model_failures);
}

/* malloc(n) through the model: the answer must be right (a block
 * exactly when the model has room for one), aligned, inside the region,
 * on granules no other live block holds; it is filled with its tag. */
static struct live *model_malloc(size_t n)
{
	size_t block = block_of(n), off, g;
	char *p = keel_lwip_malloc(n);
	struct live *l;

	if (!p) {
		if (model_has_room(block))
			FAILF("malloc(%zu) failed with a free %zu-byte span in the heap", n, block);
		model_failures++;
		return NULL;
	}
	CHECK_EQ((uintptr_t)p % 8, 0);
	CHECK(p >= region + HDR && p + n <= region + size);
	off = (size_t)(p - HDR - region);
	if (off % block)
		FAILF("a %zu-byte block at offset %zu", block, off);
	for (g = off / MIN_BLOCK; g < (off + block) / MIN_BLOCK; g++) {
		if (granule_taken(g))
			FAILF("malloc(%zu) at offset %zu overlaps a live block", n, off);
		taken[g / 64] |= 1ull << (g % 64);
	}
	l = &live[nlive++];
	l->p = p;
	l->n = n;
	l->block = block;
	l->tag = (unsigned char)(rnd() | 1);
	memset(p, l->tag, n);
	model_used += block;
	if (model_used > model_peak)
		model_peak = model_used;
	return l;
}

static void check_pattern(const struct live *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if ((unsigned char)l->p[i] != l->tag)
			FAILF("the block at offset %zu (%zu bytes) changed at byte %zu",
			      (size_t)(l->p - region), l->n, i);
}

/* Frees live block i (its pattern intact) and forgets it. */
static void model_free(size_t i)
{
	struct live *l = &live[i];
	size_t off = (size_t)(l->p - HDR - region), g;

	check_pattern(l);
	keel_lwip_free(l->p);
	for (g = off / MIN_BLOCK; g < (off + l->block) / MIN_BLOCK; g++)
		taken[g / 64] &= ~(1ull << (g % 64));
	model_used -= l->block;
	live[i] = live[--nlive];
}

static void model_free_all_randomly(void)
{
	while (nlive) {
		model_free(below(nlive));
		check_counters();
	}
}

/* The whole region in one block again: nothing stayed split. */
static void check_whole_region(void)
{
	void *p;

	CHECK_EQ(stats().used, 0);
	p = keel_lwip_malloc(size - HDR);
	CHECK(p);
	CHECK_EQ(stats().used, size);
	keel_lwip_free(p);
	CHECK_EQ(stats().used, 0);
}

/* ---- the cases ---- */

TEST(whole_region_once)
{
	struct keel_net_heap h;
	void *p;

	setup(64 * 1024);
	h = stats();
	CHECK_EQ(h.size, size);
	CHECK_EQ(h.used + h.peak + h.failures, 0);
	p = keel_lwip_malloc(size - HDR);
	CHECK(p == region + HDR);
	memset(p, 0x5a, size - HDR);
	CHECK(!keel_lwip_malloc(0));
	CHECK(!keel_lwip_malloc(1));
	h = stats();
	CHECK_EQ(h.used, size);
	CHECK_EQ(h.failures, 2);
	keel_lwip_free(p);
	h = stats();
	CHECK_EQ(h.used, 0);
	CHECK_EQ(h.peak, size);
	check_whole_region();
}

TEST(the_real_size)
{
	setup(KEEL_NET_HEAP);
	CHECK_EQ(stats().size, KEEL_NET_HEAP);
	check_whole_region();
}

/* A region that is not a power of two gets the largest block that fits
 * in it, never more; one too small for a block gets none. */
TEST(init_stays_inside_its_region)
{
	static const struct {
		size_t bytes, heap;
	} t[] = {
		{ 3000, 2048 },
		{ 4096, 4096 },
		{ 4096 + 100, 4096 },
		{ 32, 32 },
		{ 63, 32 },
		{ 31, 0 },
		{ 8, 0 },
		{ 0, 0 },
		{ (3 << 20) - 8, 2 << 20 },
		{ 16 << 20, 16 << 20 },
		{ (16 << 20) + 4096, 16 << 20 }, /* heap.c's largest */
	};
	size_t i;
	void *p;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		setup(t[i].bytes);
		size = t[i].heap;
		if (stats().size != t[i].heap)
			FAILF("a heap of %zu bytes on %zu", stats().size, t[i].bytes);
		if (!size) {
			CHECK(!keel_lwip_malloc(0));
			CHECK_EQ(stats().failures, 1);
			continue;
		}
		CHECK(!keel_lwip_malloc(size - HDR + 1));
		p = keel_lwip_malloc(size - HDR);
		CHECK(p);
		memset(p, 0x77, size - HDR);
		keel_lwip_free(p);
		check_whole_region();
	}
}

TEST(requests_round_to_a_power_of_two)
{
	static const struct {
		size_t n, block;
	} t[] = {
		{ 0, 32 },	  { 1, 32 },	     { 24, 32 },	{ 25, 64 },
		{ 56, 64 },	  { 57, 128 },	     { 120, 128 },	{ 121, 256 },
		{ 504, 512 },	  { 505, 1024 },     { 1500, 2048 },	{ 1536, 2048 },
		{ 2040, 2048 },	  { 2041, 4096 },    { 4088, 4096 },	{ 4089, 8192 },
		{ 65528, 65536 }, { 65529, 131072 }, { 70000, 131072 },
	};
	struct keel_net_heap h;
	size_t i, n, peak = 0;
	void *p;

	setup(1024 * 1024);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		CHECK_EQ(block_of(t[i].n), t[i].block);
		p = keel_lwip_malloc(t[i].n);
		CHECK(p);
		h = stats();
		if (h.used != t[i].block)
			FAILF("malloc(%zu) took %zu bytes, not %zu", t[i].n, h.used, t[i].block);
		peak = peak > t[i].block ? peak : t[i].block;
		CHECK_EQ(h.peak, peak);
		keel_lwip_free(p);
		CHECK_EQ(stats().used, 0);
	}
	for (n = 0; n < 9000; n++) { /* every size in between, with one block held */
		void *q = keel_lwip_malloc(100);

		p = keel_lwip_malloc(n);
		CHECK(p && q);
		CHECK_EQ(stats().used, 128 + block_of(n));
		keel_lwip_free(q);
		keel_lwip_free(p);
	}
	CHECK_EQ(stats().peak, 131072);
	CHECK_EQ(stats().failures, 0);
	CHECK(!keel_lwip_malloc(size)); /* the largest that fits is size - 8 */
	CHECK(!keel_lwip_malloc(size - HDR + 1));
	CHECK_EQ(stats().failures, 2);
	CHECK_EQ(stats().peak, 131072);
}

TEST(peak_and_failures_are_counted)
{
	void *a, *b, *c;

	setup(4096);
	a = keel_lwip_malloc(1000); /* 1024 */
	b = keel_lwip_malloc(2000); /* 2048 */
	CHECK(a && b);
	CHECK_EQ(stats().peak, 3072);
	CHECK(!keel_lwip_malloc(1500)); /* a 2048 block is no longer there */
	CHECK_EQ(stats().failures, 1);
	c = keel_lwip_malloc(1016); /* the last 1024 */
	CHECK(c);
	CHECK_EQ(stats().peak, 4096);
	CHECK(!keel_lwip_malloc(0));
	CHECK_EQ(stats().failures, 2);
	keel_lwip_free(b);
	keel_lwip_free(a);
	CHECK_EQ(stats().used, 1024);
	CHECK_EQ(stats().peak, 4096);
	CHECK(!keel_lwip_malloc(2041)); /* c still splits the region */
	a = keel_lwip_malloc(2040);
	CHECK(a);
	CHECK_EQ(stats().used, 3072);
	CHECK_EQ(stats().failures, 3);
	keel_lwip_free(c);
	keel_lwip_free(a);
	check_whole_region();
}

TEST(malloc_zero_gives_a_block)
{
	char *a, *b;

	setup(4096);
	a = keel_lwip_malloc(0);
	b = keel_lwip_malloc(0);
	CHECK(a && b && a != b);
	CHECK_EQ(stats().used, 2 * MIN_BLOCK);
	memset(a, 1, MIN_BLOCK - HDR); /* the block's room is usable */
	keel_lwip_free(a);
	keel_lwip_free(b);
	check_whole_region();
}

TEST(too_large_requests_fail)
{
	setup(64 * 1024);
	CHECK(!keel_lwip_malloc(size - HDR + 1));
	CHECK(!keel_lwip_malloc(size));
	CHECK(!keel_lwip_malloc(10 * size));
	CHECK(!keel_lwip_malloc(SIZE_MAX));
	CHECK(!keel_lwip_malloc(SIZE_MAX - HDR + 1)); /* n + 8 wraps to 0 */
	CHECK(!keel_lwip_malloc(SIZE_MAX - HDR));
	CHECK_EQ(stats().failures, 6);
	CHECK_EQ(stats().used + stats().peak, 0);
	check_whole_region();
}

TEST(nothing_before_init)
{
	struct keel_net_heap h;

	CHECK(!keel_lwip_malloc(1));
	CHECK(!keel_lwip_calloc(1, 1));
	keel_net_heap(&h);
	CHECK_EQ(h.size + h.used, 0);
	CHECK_EQ(h.failures, 2);
}

TEST(calloc_zeroes_and_refuses_overflow)
{
	unsigned char *p, *q;
	size_t i;

	setup(64 * 1024);
	p = keel_lwip_malloc(size - HDR); /* leave garbage everywhere */
	CHECK(p);
	memset(p, 0xa5, size - HDR);
	keel_lwip_free(p);
	p = keel_lwip_calloc(100, 20);
	q = keel_lwip_calloc(3, 5000);
	CHECK(p && q);
	for (i = 0; i < 2000; i++)
		CHECK_EQ(p[i], 0);
	for (i = 0; i < 15000; i++)
		CHECK_EQ(q[i], 0);
	CHECK_EQ(stats().used, 2048 + 16384);
	CHECK(!keel_lwip_calloc(SIZE_MAX / 2 + 1, 2));
	CHECK(!keel_lwip_calloc(2, SIZE_MAX / 2 + 1));
	CHECK(!keel_lwip_calloc((size_t)1 << 33, (size_t)1 << 31)); /* 2^64 wraps to 0 */
	CHECK(!keel_lwip_calloc(SIZE_MAX, SIZE_MAX));
	CHECK(!keel_lwip_calloc(1, size)); /* no overflow, too large */
	CHECK_EQ(stats().used, 2048 + 16384);
	keel_lwip_free(p);
	keel_lwip_free(q);
	p = keel_lwip_calloc(0, 5);
	q = keel_lwip_calloc(5, 0);
	CHECK(p && q);
	keel_lwip_free(p);
	keel_lwip_free(q);
	p = keel_lwip_calloc(1, size - HDR);
	CHECK(p);
	for (i = 0; i < size - HDR; i++)
		CHECK_EQ(p[i], 0);
	keel_lwip_free(p);
	check_whole_region();
}

/* A random sequence on a small heap, every live block checked whole
 * after each step: aligned, inside, no two sharing a byte. */
TEST(blocks_are_aligned_inside_and_apart)
{
	size_t op, i;

	setup(64 * 1024);
	model_init();
	for (op = 0; op < 20000; op++) {
		if (nlive && below(100) < 45)
			model_free(below(nlive));
		else
			model_malloc(below(4) ? below(200) : below(9000));
		check_counters();
		if (op % 64 == 0)
			for (i = 0; i < nlive; i++)
				check_pattern(&live[i]);
	}
	for (i = 0; i < nlive; i++)
		check_pattern(&live[i]);
	model_free_all_randomly();
	check_whole_region();
}

TEST(small_blocks_merge_back)
{
	size_t i, round;

	setup(64 * 1024);
	model_init();
	for (round = 0; round < 4; round++) {
		for (i = 0; i < size / MIN_BLOCK; i++)
			CHECK(model_malloc(below(MIN_BLOCK - HDR + 1)));
		CHECK_EQ(stats().used, size);
		CHECK(!model_malloc(0));
		check_counters();
		model_free_all_randomly();
		check_whole_region();
	}
}

TEST(mixed_blocks_merge_back)
{
	size_t round, misses;

	setup(256 * 1024);
	model_init();
	for (round = 0; round < 40; round++) {
		/* fill until eight requests in a row find no room */
		for (misses = 0; misses < 8;) {
			size_t max = (size_t)16 << below(12);

			misses = model_malloc(below(max)) ? 0 : misses + 1;
		}
		check_counters();
		/* free half, fill again, then free all */
		while (nlive && below(2))
			model_free(below(nlive));
		for (misses = 0; misses < 8;)
			misses = model_malloc(below(2048)) ? 0 : misses + 1;
		check_counters();
		model_free_all_randomly();
		check_whole_region();
	}
}

/* 200000 steps of random sizes 1..70000 (log-uniform, so small blocks
 * are many) and random frees on the real heap's size, against the
 * model; a failure must mean no free span of the block's size. */
TEST(random_stress_against_a_model)
{
	size_t op, ok = 0, failed = 0;

	setup(KEEL_NET_HEAP);
	model_init();
	for (op = 0; op < 200000; op++) {
		if (nlive && below(100) < 48) {
			model_free(below(nlive));
		} else {
			size_t max = (size_t)2 << below(17);

			max = max < 70000 ? max : 70000;
			if (model_malloc(1 + below(max)))
				ok++;
			else
				failed++;
		}
		check_counters();
	}
	if (ok < 50000 || failed < 1000) /* both paths were exercised */
		FAILF("only %zu allocations and %zu failures", ok, failed);
	model_free_all_randomly();
	check_whole_region();
}

TEST(free_outside_the_region_panics)
{
	static char other[64] __attribute__((aligned(8)));
	void *p;

	setup(4096);
	p = keel_lwip_malloc(100);
	CHECK(p);
	CHECK_PANICS(keel_lwip_free(other + 16));
	/* the heap must not read a header outside the region (poisoned) */
	CHECK_PANICS(keel_lwip_free(NULL));
	CHECK_PANICS(keel_lwip_free(region));
	CHECK_PANICS(keel_lwip_free(region - 64));
	CHECK_PANICS(keel_lwip_free(region + size + HDR));
	CHECK_PANICS(keel_lwip_free(region + size + 100));
	CHECK_PANICS(keel_lwip_free((char *)-1));
	CHECK_EQ(stats().used, 128);
	keel_lwip_free(p);
	check_whole_region();
}

TEST(double_free_panics)
{
	void *a, *b;

	setup(4096);
	a = keel_lwip_malloc(100);
	b = keel_lwip_malloc(100);
	CHECK(a && b);
	keel_lwip_free(a); /* b stays: no merge */
	CHECK_PANICS(keel_lwip_free(a));
	CHECK_EQ(stats().used, 128);
	keel_lwip_free(b); /* a's block is now the whole region's */
	CHECK_PANICS(keel_lwip_free(a));
	check_whole_region();
}

/* An upper buddy's header stays behind in the block it merged into:
 * a second free of it must not be taken for a block (it once was, and
 * put the upper half on a free list inside a free block: used went
 * below 0 and two later requests got the same bytes). */
TEST(double_free_of_a_merged_upper_buddy_panics)
{
	char *a, *b;
	int first;

	for (first = 0; first < 2; first++) {
		setup(4096);
		a = keel_lwip_malloc(24);
		b = keel_lwip_malloc(24);
		CHECK(a && b && b == a + MIN_BLOCK);
		keel_lwip_free(first ? b : a); /* either order ends merged */
		keel_lwip_free(first ? a : b);
		CHECK_EQ(stats().used, 0);
		CHECK_PANICS(keel_lwip_free(b));
		CHECK_PANICS(keel_lwip_free(a));
		CHECK_EQ(stats().used, 0);
		check_whole_region();
		a = keel_lwip_malloc(4000); /* no second block in there */
		CHECK(a && !keel_lwip_malloc(0));
		keel_lwip_free(a);
	}
}

static int span_free(size_t off, size_t bytes)
{
	size_t g;

	for (g = off / MIN_BLOCK; g < (off + bytes) / MIN_BLOCK; g++)
		if (granule_taken(g))
			return 0;
	return 1;
}

/* Any block freed twice in a random heap, most of them merged into a
 * larger free block at the second free, many as its upper half. */
TEST(double_free_after_merging_panics)
{
	size_t i, j, upper = 0;

	setup(64 * 1024);
	model_init();
	for (i = 0; i < 2000; i++) {
		struct live *l = model_malloc(below(3000));
		size_t off, block;
		char *p;

		if (!l) {
			model_free(below(nlive));
			continue;
		}
		p = l->p;
		block = l->block;
		for (j = below(3); j > 0; j--)
			model_malloc(below(3000));
		for (j = below(4); j > 0 && nlive > 1; j--) {
			size_t k = below(nlive);

			if (live[k].p != p)
				model_free(k);
		}
		for (j = 0; live[j].p != p; j++)
			;
		model_free(j);
		off = (size_t)(p - HDR - region);
		upper += (off & block) && span_free(off - block, block);
		CHECK_PANICS(keel_lwip_free(p));
		check_counters();
	}
	if (upper < 100)
		FAILF("only %zu frees of an upper half that merged", upper);
	model_free_all_randomly();
	check_whole_region();
}

TEST(misaligned_free_panics)
{
	unsigned char *p, *q;
	size_t k;

	setup(4096);
	p = keel_lwip_malloc(120); /* a 128-byte block */
	q = keel_lwip_malloc(120);
	CHECK(p && q);
	for (k = 0; k < 120; k += 2) { /* looks like headers: order 5, in use */
		p[k] = 5;
		p[k + 1] = 0;
	}
	for (k = 1; k < 128; k++)
		if (k % MIN_BLOCK)
			CHECK_PANICS(keel_lwip_free(p + k));
	for (k = 1; k < 32; k++)
		CHECK_PANICS(keel_lwip_free(q - k));
	memset(p, 0, 120); /* zeroes inside: no order in a header there */
	CHECK_PANICS(keel_lwip_free(p + 32));
	CHECK_PANICS(keel_lwip_free(p + 64));
	CHECK_EQ(stats().used, 256);
	keel_lwip_free(p);
	keel_lwip_free(q);
	check_whole_region();
}

UNIT_MAIN("heap")
