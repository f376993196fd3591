/*
 * The memory budget: one region, one page allocator, every page tagged
 * with its owner. Above: mem.c (brk, mmap, ...), keel_start (stacks),
 * later net buffers. Below: nothing; the region is handed over by the
 * base at boot and never grows.
 */
#ifndef KEEL_SYS_MM_H
#define KEEL_SYS_MM_H

#include <stddef.h>
#include <stdint.h>

enum mm_tag {
	MM_FREE,
	MM_IMAGE,  /* the loaded image (counted, not in the region) */
	MM_KERNEL, /* keel's own tables */
	MM_STACK,
	MM_HEAP, /* the application: brk and anonymous mmap */
	MM_NET,
	MM_FS,
	MM_INITRD, /* the --initrd archive and the nodes of its tree */
	MM_NTAGS
};

struct mm_stats {
	size_t budget;
	size_t used[MM_NTAGS]; /* bytes, now */
	size_t peak[MM_NTAGS]; /* bytes, highest seen */
	size_t peak_total;
};

/* Takes over [base, base+len) (page aligned). budget is the user's
 * --mem; image_bytes and base_bytes are counted as MM_IMAGE/MM_KERNEL
 * although they lie outside the region. Returns 0 or -ENOMEM when the
 * region cannot even hold the allocator's own page map. */
int mm_init(uintptr_t base, size_t len, size_t budget, size_t image_bytes,
	    size_t base_bytes);

/* Counts bytes the base holds outside the region for tag (the initrd
 * on the Linux base), as mm_init counts the image. */
void mm_count(enum mm_tag tag, size_t bytes);

/* npages contiguous pages, zeroed, tagged; NULL when none are left.
 * Taken from the top of the region down (brk grows from the bottom). */
void *mm_alloc(size_t npages, enum mm_tag tag);

/* Frees pages [p, p + npages) whatever their tag; pages already free
 * are ignored. Returns the number of pages freed. */
size_t mm_free(void *p, size_t npages);

/* Allocates exactly [p, p + npages) if every page is free and inside
 * the region (zeroed, tagged). 0, or -ENOMEM. Pages no one has used
 * since mm_init are not written: claimed first thing, they keep what
 * the base loaded there (the initrd). */
int mm_claim(void *p, size_t npages, enum mm_tag tag);

/* Whether every page of [p, p + npages) is allocated to tag (or to any
 * tag but MM_FREE when tag is MM_NTAGS). */
int mm_is(const void *p, size_t npages, enum mm_tag tag);

/* Lowest allocatable address (where brk starts) and region end. */
uintptr_t mm_low(void);
uintptr_t mm_high(void);

const struct mm_stats *mm_stats(void);
const char *mm_tag_name(enum mm_tag tag);
size_t mm_free_pages(void);

/* kmem.c: small objects from pages of tag (16..2048-byte classes, whole
 * pages above), zeroed; NULL when the budget is spent. kfree(NULL) is
 * a no-op. */
void *kmalloc(size_t n, enum mm_tag tag);
void *kmemdup(const void *src, size_t n, enum mm_tag tag);
void kfree(void *p);

#endif
