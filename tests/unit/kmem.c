/*
 * Host unit tests of keel's small-object allocator (sys/kmem.c) on the
 * page allocator (sys/mm.c), on a region mapped here.
 */
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>

#include "../../sys/mm.h"
#include "unit.h"

#define PAGE 4096UL

void keel_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	exit(3);
}

static void setup(size_t npages)
{
	void *p = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	CHECK(p != MAP_FAILED);
	CHECK_EQ(mm_init((uintptr_t)p, npages * PAGE, npages * PAGE, 0, 0), 0);
}

static size_t used(enum mm_tag tag)
{
	return mm_stats()->used[tag];
}

TEST(small_objects_share_a_page)
{
	char *a, *b, *c;

	setup(64);
	a = kmalloc(10, MM_FS);
	b = kmalloc(16, MM_FS);
	c = kmalloc(1, MM_FS);
	CHECK(a && b && c && a != b && b != c && a != c);
	CHECK_EQ(used(MM_FS), PAGE); /* one 16-byte class page */
	CHECK_EQ((uintptr_t)a % 16, 0);
	CHECK_EQ((uintptr_t)a / PAGE, (uintptr_t)b / PAGE);
	memset(a, 0x55, 16);
	CHECK(b[0] == 0 && c[0] == 0);
}

TEST(classes_and_tags_take_their_own_pages)
{
	void *a = (setup(64), kmalloc(100, MM_FS)), *b = kmalloc(2048, MM_FS);
	void *k = kmalloc(100, MM_KERNEL);

	CHECK(a && b && k);
	CHECK_EQ(used(MM_FS), 2 * PAGE);
	CHECK((uintptr_t)a / PAGE != (uintptr_t)k / PAGE);
	CHECK(used(MM_KERNEL) >= PAGE);
}

TEST(freed_objects_are_reused_zeroed)
{
	char *a, *b;

	setup(64);
	a = kmalloc(200, MM_FS);
	memset(a, 0xaa, 200);
	kfree(a);
	b = kmalloc(256, MM_FS);
	CHECK(b == a);
	CHECK(b[0] == 0 && b[255] == 0);
	CHECK_EQ(used(MM_FS), PAGE);
	kfree(NULL);
}

TEST(large_allocations_are_pages_given_back)
{
	size_t before;
	char *p;

	setup(64);
	before = mm_free_pages();
	p = kmalloc(5000, MM_FS);
	CHECK(p != NULL);
	CHECK_EQ(used(MM_FS), 2 * PAGE);
	CHECK_EQ(before - mm_free_pages(), 2);
	memset(p, 1, 5000);
	kfree(p);
	CHECK_EQ(used(MM_FS), 0);
	CHECK_EQ(mm_free_pages(), before);
}

TEST(exhaustion_is_null)
{
	int n = 0;

	setup(16);
	while (kmalloc(3000, MM_FS))
		n++;
	CHECK(n >= 10 && n <= 15);
	CHECK(kmalloc(5000, MM_FS) == NULL);
}

TEST(kmemdup_copies)
{
	char *p = (setup(16), kmemdup("target", 7, MM_FS));

	CHECK(p != NULL);
	CHECK_STR(p, "target");
}

UNIT_MAIN("kmem")
