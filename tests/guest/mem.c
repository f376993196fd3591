/*
 * The memory budget, run under a small --mem. argv: MODE BUDGET_MiB
 *   big      malloc 1 MiB chunks until NULL; free; again as much
 *   small    the same with 100-byte chunks
 *   brk      brk grows, is zeroed, shrinks, refuses past the budget
 *   mmap     mmap/munmap/mremap/mprotect/madvise
 *   reuse    pages freed while read-only are handed out writable again
 *   fault    write to a page made read-only: the runner expects a fault
 * At least 75% of the budget must be usable by the application, and
 * never more than the budget (nothing is overcommitted).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define MiB (1UL << 20)
#define PAGE 4096UL

static size_t budget;

/* Allocates chunks of size until malloc fails; returns the list. */
static void **fill(size_t size, size_t *total)
{
	void **head = NULL, **p;

	*total = 0;
	while ((p = malloc(size))) {
		/* Touch every page: the memory must really be there. */
		for (size_t i = 0; i < size; i += PAGE)
			((volatile char *)p)[i] = 1;
		((volatile char *)p)[size - 1] = 1;
		*p = head;
		head = p;
		*total += size;
		CHECK(*total <= budget);
	}
	CHECK(errno == ENOMEM);
	return head;
}

static void drain(void **head)
{
	while (head) {
		void **next = *head;
		free(head);
		head = next;
	}
}

static void exhaust(size_t size)
{
	size_t first, second;
	void **list;

	list = fill(size, &first);
	printf("%zu-byte chunks: %zu KiB of %zu KiB\n", size, first >> 10, budget >> 10);
	CHECK(first >= budget / 4 * 3);
	drain(list);
	list = fill(size, &second);
	printf("again: %zu KiB\n", second >> 10);
	CHECK(second >= first - first / 50);
	drain(list);
	/* And after all that, a large block fits again. */
	list = malloc(budget / 2);
	CHECK(list != NULL);
	free(list);
}

static long raw_brk(uintptr_t addr)
{
	return syscall(SYS_brk, addr);
}

static void test_brk(void)
{
	uintptr_t start = (uintptr_t)raw_brk(0), cur;
	unsigned char *p;
	size_t i;

	CHECK(start != 0 && start % PAGE == 0);
	CHECK((uintptr_t)raw_brk(start + 4 * MiB) == start + 4 * MiB);
	p = (unsigned char *)start;
	for (i = 0; i < 4 * MiB; i++)
		CHECK_EQ(p[i], 0);
	memset(p, 0xa5, 4 * MiB);
	/* Shrink, grow again: the pages come back zeroed. */
	CHECK((uintptr_t)raw_brk(start + MiB) == start + MiB);
	CHECK((uintptr_t)raw_brk(start + 2 * MiB) == start + 2 * MiB);
	CHECK_EQ(p[MiB - 1], 0xa5);
	for (i = MiB; i < 2 * MiB; i++)
		CHECK_EQ(p[i], 0);
	/* Unaligned break: the page holding it is usable. */
	CHECK((uintptr_t)raw_brk(start + 2 * MiB + 10) == start + 2 * MiB + 10);
	p[2 * MiB + 9] = 1;
	/* Beyond the budget: the break stays where it was. */
	cur = (uintptr_t)raw_brk(start + budget);
	CHECK_EQ(cur, start + 2 * MiB + 10);
	cur = (uintptr_t)raw_brk(start + 2 * budget);
	CHECK_EQ(cur, start + 2 * MiB + 10);
	/* musl's sbrk(0) reads it (musl refuses to move it with sbrk). */
	CHECK((uintptr_t)sbrk(0) == cur);
	CHECK((uintptr_t)raw_brk(start) == start);
}

/* Whether this base enforces mprotect: makes p's page read-only, or
 * learns (ENOSYS) that the base cannot. */
static int can_protect(void *p)
{
	if (mprotect(p, PAGE, PROT_READ) == 0)
		return 1;
	CHECK(errno == ENOSYS);
	printf("mprotect: not enforced on this base (ENOSYS)\n");
	return 0;
}

static void test_mmap(void)
{
	unsigned char *p, *q;
	size_t i, n;

	/* Anonymous mappings are zeroed and writable. */
	p = mmap(NULL, 64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK((uintptr_t)p % PAGE == 0);
	for (i = 0; i < 64 * 1024; i++)
		CHECK_EQ(p[i], 0);
	for (i = 0; i < 64 * 1024; i++)
		p[i] = (unsigned char)i;

	/* mremap grows (moving if it must) and keeps the contents. */
	q = mremap(p, 64 * 1024, MiB, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED);
	for (i = 0; i < 64 * 1024; i++)
		CHECK_EQ(q[i], (unsigned char)i);
	for (i = 64 * 1024; i < MiB; i++)
		CHECK_EQ(q[i], 0);
	/* ... shrinks in place ... */
	CHECK(mremap(q, MiB, 8192, 0) == q);
	CHECK_EQ(q[8191], (unsigned char)8191);
	/* ... and refuses what the budget cannot hold. */
	CHECK(mremap(q, 8192, 2 * budget, MREMAP_MAYMOVE) == MAP_FAILED && errno == ENOMEM);
	CHECK_EQ(q[100], 100);

	/* Lengths so large that rounding them up to pages wraps to zero
	 * (musl's wrappers refuse them; keel must too): nothing freed. */
	CHECK_ERR(syscall(SYS_mremap, q, 8192, SIZE_MAX - 100, MREMAP_MAYMOVE), ENOMEM);
	CHECK_ERR(syscall(SYS_mremap, q, SIZE_MAX - 100, 4096, 0), EINVAL);
	CHECK_ERR(syscall(SYS_munmap, q, SIZE_MAX - 100), EINVAL);
	CHECK_ERR(syscall(SYS_madvise, q, SIZE_MAX - 100, MADV_DONTNEED), EINVAL);
	CHECK_EQ(q[100], 100);
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED && p != q);
	CHECK(munmap(p, 8192) == 0);

	/* MADV_DONTNEED: reads back as zeros. */
	memset(q, 0x5a, 8192);
	CHECK(madvise(q, 8192, MADV_DONTNEED) == 0);
	for (i = 0; i < 8192; i++)
		CHECK_EQ(q[i], 0);
	CHECK(madvise(q, 8192, MADV_WILLNEED) == 0);
	CHECK_ERR(madvise(q, 8192, 12345), EINVAL);
	CHECK_ERR(madvise(q + 1, 4096, MADV_DONTNEED), EINVAL);

	/* mprotect: read-only pages stay readable; back to read-write.
	 * (A base that cannot enforce protection answers ENOSYS.) */
	q[0] = 7;
	if (can_protect(q)) {
		CHECK_EQ(((volatile unsigned char *)q)[0], 7);
		CHECK(mprotect(q, PAGE, PROT_READ | PROT_WRITE) == 0);
	}
	CHECK(mprotect(q, PAGE, PROT_READ | PROT_WRITE) == 0);
	q[0] = 8;
	CHECK_EQ(q[0], 8);
	/* (musl's mprotect rounds the address down: ask keel directly) */
	CHECK_ERR(syscall(SYS_mprotect, q + 1, PAGE, PROT_READ), EINVAL);
	CHECK_ERR(mprotect(q, PAGE, 0x100), EINVAL);

	CHECK(munmap(q, 8192) == 0);
	/* Unmapped: the pages can be handed out again. */

	/* Bad requests. */
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, 2 * budget, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		      MAP_FAILED &&
	      errno == ENOMEM);
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 0, 0) == MAP_FAILED);
	CHECK_ERR(munmap((void *)PAGE, PAGE), EINVAL); /* not ours */
	CHECK_ERR(munmap(p + 1, PAGE), EINVAL);

	/* Many maps and unmaps leave nothing behind. */
	for (n = 0; n < 1000; n++) {
		p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
		CHECK(p != MAP_FAILED);
		CHECK_EQ(p[0], 0);
		p[0] = p[3 * PAGE - 1] = 1;
		CHECK(munmap(p, 3 * PAGE) == 0);
	}
	p = mmap(NULL, budget / 4 * 3, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK(munmap(p, budget / 4 * 3) == 0);
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	return p;
}

/* Takes pages one by one until target comes back (the allocator hands
 * out the highest free page first, so it soon does), writing to each. */
static void reuse(unsigned char *target)
{
	static unsigned char *got[8192];
	size_t n = 0, i;
	int found = 0;

	while (!found && n < sizeof got / sizeof got[0]) {
		unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		CHECK_EQ(p[0], 0);
		p[0] = p[PAGE - 1] = 1;
		found = p == target;
		got[n++] = p;
	}
	CHECK(found);
	for (i = 0; i < n; i++)
		CHECK(munmap(got[i], PAGE) == 0);
}

static void test_reuse(void)
{
	unsigned char *p, *q, *fence;
	uintptr_t start;

	p = map(PAGE);
	if (!can_protect(p))
		SKIP_TEST("mprotect is not enforced on this base (ENOSYS)");
	CHECK(munmap(p, PAGE) == 0);

	/* mremap shrinking a read-only mapping. */
	p = map(2 * PAGE);
	p[PAGE] = 1;
	CHECK(mprotect(p, 2 * PAGE, PROT_READ) == 0);
	CHECK(mremap(p, 2 * PAGE, PAGE, 0) == p);
	reuse(p + PAGE);
	CHECK(munmap(p, PAGE) == 0);

	/* munmap of a read-only mapping. */
	p = map(PAGE);
	p[0] = 1;
	CHECK(mprotect(p, PAGE, PROT_READ) == 0);
	CHECK(munmap(p, PAGE) == 0);
	reuse(p);

	/* mremap moving a read-only mapping (fence keeps it from growing
	 * in place: it is allocated just above). */
	fence = map(PAGE);
	p = map(PAGE);
	p[0] = 3;
	CHECK(mprotect(p, PAGE, PROT_READ) == 0);
	q = mremap(p, PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q != p);
	CHECK_EQ(q[0], 3);
	reuse(p);
	CHECK(munmap(q, 4 * PAGE) == 0);
	CHECK(munmap(fence, PAGE) == 0);

	/* MAP_FIXED over a read-only page: writable and zeroed. */
	p = map(PAGE);
	p[0] = 4;
	CHECK(mprotect(p, PAGE, PROT_READ) == 0);
	CHECK(mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		   0) == p);
	CHECK_EQ(p[0], 0);
	p[0] = 5;
	CHECK(munmap(p, PAGE) == 0);

	/* brk shrinking over read-only pages, then growing again. */
	start = (uintptr_t)raw_brk(0);
	CHECK((uintptr_t)raw_brk(start + 2 * PAGE) == start + 2 * PAGE);
	p = (unsigned char *)start;
	p[PAGE] = 6;
	CHECK(mprotect(p, 2 * PAGE, PROT_READ) == 0);
	CHECK((uintptr_t)raw_brk(start) == start);
	CHECK((uintptr_t)raw_brk(start + 2 * PAGE) == start + 2 * PAGE);
	CHECK_EQ(p[PAGE], 0);
	p[0] = p[PAGE] = 7;
	CHECK((uintptr_t)raw_brk(start) == start);
}

static void fault(void)
{
	volatile unsigned char *p =
		mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	if (!can_protect((void *)p))
		SKIP_TEST("mprotect is not enforced on this base (ENOSYS)");
	printf("writing to a read-only page\n");
	fflush(stdout);
	p[0] = 1;
	printf("the write did not fault\n");
	exit(1);
}

int main(int argc, char **argv)
{
	CHECK(argc == 3);
	budget = strtoul(argv[2], NULL, 0) * MiB;
	CHECK(budget > 0);
	if (strcmp(argv[1], "big") == 0)
		exhaust(MiB);
	else if (strcmp(argv[1], "small") == 0)
		exhaust(100);
	else if (strcmp(argv[1], "brk") == 0)
		test_brk();
	else if (strcmp(argv[1], "mmap") == 0)
		test_mmap();
	else if (strcmp(argv[1], "reuse") == 0)
		test_reuse();
	else if (strcmp(argv[1], "fault") == 0)
		fault();
	else
		CHECK(!"unknown mode");
	return done();
}
