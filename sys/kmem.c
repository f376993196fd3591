/*
 * Small allocations for keel's own objects (open files, ramfs nodes and
 * directory entries), carved from pages of the page allocator (mm.c)
 * so that every byte is counted under its owner's tag. Power-of-two
 * classes from 16 to 2048 bytes; anything larger gets whole pages.
 * Each page starts with a header naming its class, so kfree needs only
 * the pointer. Slab pages stay with their class once taken (their
 * objects are reused); large allocations go back to the allocator.
 */
#include <string.h>

#include "kernel.h"
#include "mm.h"

#define NCLASSES 8 /* 16 << 0 ... 16 << 7 = 2048 */
#define BIG 0xff

struct page_head {
	unsigned char class; /* BIG or a class index */
	unsigned char tag;
	size_t npages; /* BIG only */
		       /* keeps objects 16-aligned */
} __attribute__((aligned(16)));

struct free_obj {
	struct free_obj *next;
};

static struct free_obj *free_lists[MM_NTAGS][NCLASSES];

static int size_class(size_t n)
{
	int c = 0;

	while ((16UL << c) < n)
		c++;
	return c;
}

void *kmalloc(size_t n, enum mm_tag tag)
{
	struct page_head *h;
	struct free_obj *o;
	size_t sz, i;
	int c;

	if (n == 0)
		n = 1;
	if (n > (16UL << (NCLASSES - 1))) {
		size_t npages = (n + sizeof *h + PAGE_SIZE - 1) / PAGE_SIZE;

		h = mm_alloc(npages, tag);
		if (!h)
			return NULL;
		h->class = BIG;
		h->tag = (unsigned char)tag;
		h->npages = npages;
		return h + 1;
	}
	c = size_class(n);
	if (!free_lists[tag][c]) {
		h = mm_alloc(1, tag);
		if (!h)
			return NULL;
		h->class = (unsigned char)c;
		h->tag = (unsigned char)tag;
		sz = 16UL << c;
		/* The first object would overlap the header: start after it. */
		for (i = sz < sizeof *h ? sizeof *h : sz; i + sz <= PAGE_SIZE; i += sz) {
			o = (struct free_obj *)((char *)h + i);
			o->next = free_lists[tag][c];
			free_lists[tag][c] = o;
		}
	}
	o = free_lists[tag][c];
	free_lists[tag][c] = o->next;
	memset(o, 0, 16UL << c);
	return o;
}

void *kmemdup(const void *src, size_t n, enum mm_tag tag)
{
	void *p = kmalloc(n, tag);

	if (p)
		memcpy(p, src, n);
	return p;
}

void kfree(void *p)
{
	struct page_head *h;
	struct free_obj *o = p;

	if (!p)
		return;
	h = (struct page_head *)PAGE_DOWN(p);
	if (h->class == BIG) {
		mm_free(h, h->npages);
		return;
	}
	if (h->class >= NCLASSES || h->tag >= MM_NTAGS)
		keel_panic("kfree of %p: not a kmalloc pointer", p);
	o->next = free_lists[h->tag][h->class];
	free_lists[h->tag][h->class] = o;
}
