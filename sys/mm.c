/*
 * The page allocator behind the memory budget. A byte per page holds
 * the owner's tag and a dirty bit; the map lives in the region's first
 * pages (tagged MM_KERNEL), so it is paid for from the budget like
 * everything else. Pages come back zeroed: pages never handed out are
 * zero from the base, dirty ones are cleared on the way out.
 *
 * No platform calls: the unit tests run this file on the host.
 */
#include <errno.h>
#include <string.h>

#include "mm.h"

#define PAGE 4096UL
#define DIRTY 0x80
#define TAG(b) ((b) & 0x7f)

static struct {
	uintptr_t base; /* first allocatable page */
	size_t npages;  /* allocatable pages */
	uint8_t *map;
	size_t nfree;
	size_t hi; /* every page from hi up is allocated: mm_alloc starts below */
	struct mm_stats st;
} mm;

static const char *const tag_names[MM_NTAGS] = {
	"free", "image", "kernel", "stacks", "heap", "net", "fs", "initrd",
};

const char *mm_tag_name(enum mm_tag tag)
{
	return (unsigned)tag < MM_NTAGS ? tag_names[tag] : "?";
}

static void account(enum mm_tag tag, long delta_pages)
{
	size_t total = 0;
	int t;

	mm.st.used[tag] += delta_pages * (long)PAGE;
	if (mm.st.used[tag] > mm.st.peak[tag])
		mm.st.peak[tag] = mm.st.used[tag];
	for (t = 1; t < MM_NTAGS; t++)
		total += mm.st.used[t];
	if (total > mm.st.peak_total)
		mm.st.peak_total = total;
}

int mm_init(uintptr_t base, size_t len, size_t budget, size_t image_bytes,
	    size_t base_bytes)
{
	size_t total = len / PAGE, mapsz;

	memset(&mm, 0, sizeof mm);
	mapsz = (total + PAGE - 1) / PAGE; /* pages holding the map */
	if (total <= mapsz)
		return -ENOMEM;
	mm.map = (uint8_t *)base;
	mm.base = base + mapsz * PAGE;
	mm.npages = total - mapsz;
	mm.nfree = mm.npages;
	mm.hi = mm.npages;
	memset(mm.map, 0, mm.npages);
	mm.st.budget = budget;
	account(MM_IMAGE, (long)((image_bytes + PAGE - 1) / PAGE));
	account(MM_KERNEL, (long)(mapsz + (base_bytes + PAGE - 1) / PAGE));
	return 0;
}

void mm_count(enum mm_tag tag, size_t bytes)
{
	if (tag != MM_FREE && tag < MM_NTAGS)
		account(tag, (long)((bytes + PAGE - 1) / PAGE));
}

static void take(size_t first, size_t n, enum mm_tag tag)
{
	size_t i;

	for (i = first; i < first + n; i++) {
		if (mm.map[i] & DIRTY)
			memset((void *)(mm.base + i * PAGE), 0, PAGE);
		mm.map[i] = (uint8_t)tag;
	}
	mm.nfree -= n;
	account(tag, (long)n);
}

void *mm_alloc(size_t npages, enum mm_tag tag)
{
	size_t i, run = 0;

	if (npages == 0 || npages > mm.nfree || tag == MM_FREE || tag >= MM_NTAGS)
		return NULL;
	/* Top down; pages taken one at a time (file data) would make this
	 * quadratic without the hint. */
	for (i = mm.hi; i-- > 0;) {
		if (TAG(mm.map[i]) != MM_FREE) {
			run = 0;
			if (i + 1 == mm.hi)
				mm.hi = i;
			continue;
		}
		if (++run == npages) {
			take(i, npages, tag);
			if (i + npages == mm.hi)
				mm.hi = i;
			return (void *)(mm.base + i * PAGE);
		}
	}
	return NULL;
}

static int range(const void *p, size_t npages, size_t *first)
{
	uintptr_t a = (uintptr_t)p;

	if (a < mm.base || a % PAGE || npages > mm.npages)
		return -1;
	*first = (a - mm.base) / PAGE;
	if (*first > mm.npages - npages)
		return -1;
	return 0;
}

size_t mm_free(void *p, size_t npages)
{
	size_t first, i, freed = 0;
	int tag;

	if (range(p, npages, &first))
		return 0;
	for (i = first; i < first + npages; i++) {
		tag = TAG(mm.map[i]);
		if (tag == MM_FREE)
			continue;
		account(tag, -1);
		mm.map[i] = MM_FREE | DIRTY;
		freed++;
		if (i >= mm.hi)
			mm.hi = i + 1;
	}
	mm.nfree += freed;
	return freed;
}

int mm_claim(void *p, size_t npages, enum mm_tag tag)
{
	size_t first, i;

	if (tag == MM_FREE || tag >= MM_NTAGS || range(p, npages, &first))
		return -ENOMEM;
	for (i = first; i < first + npages; i++)
		if (TAG(mm.map[i]) != MM_FREE)
			return -ENOMEM;
	take(first, npages, tag);
	return 0;
}

int mm_is(const void *p, size_t npages, enum mm_tag tag)
{
	size_t first, i;

	if (range(p, npages, &first))
		return 0;
	for (i = first; i < first + npages; i++) {
		int t = TAG(mm.map[i]);
		if (tag == MM_NTAGS ? t == MM_FREE : t != (int)tag)
			return 0;
	}
	return 1;
}

uintptr_t mm_low(void)
{
	return mm.base;
}

uintptr_t mm_high(void)
{
	return mm.base + mm.npages * PAGE;
}

size_t mm_free_pages(void)
{
	return mm.nfree;
}

const struct mm_stats *mm_stats(void)
{
	return &mm.st;
}
