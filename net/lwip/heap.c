/*
 * lwIP's heap: a buddy allocator over the one region net.c takes from
 * the budget (tag net). lwIP's own heap (mem.c) is first-fit with a
 * linear scan, and with every pool drawn from it (MEMP_MEM_MALLOC) that
 * scan ran for each segment, pbuf and pcb: under 64 busy connections it
 * took more of the guest's time than TCP itself. Here a block is a
 * power of two from 32 bytes to the whole region, found in a free list
 * per size and merged with its buddy when both are free, so allocating
 * and freeing take a few steps whatever the heap holds.
 *
 * Each block starts with an 8-byte header (its order, and whether it
 * is free); a free block also holds its list links. The price is
 * rounding up: a 1.5 KiB frame takes a 2 KiB block.
 */
#include <stdint.h>
#include <string.h>

#include <keel/net.h>

#include "lwip/opt.h"
#include "sys/kernel.h"

#define MIN_ORDER 5 /* 32 bytes: the header and two links */
#define MAX_ORDER 24

struct block {
	uint8_t order, free;
	uint8_t pad[6];
	struct block *next, *prev; /* while free */
};

static char *base;
static unsigned top; /* the region is one block of this order */
static struct block *lists[MAX_ORDER + 1];
static struct keel_net_heap stats;

_Static_assert((KEEL_NET_HEAP & (KEEL_NET_HEAP - 1)) == 0, "the net heap must be a power of two");

static void push(struct block *b, unsigned order)
{
	b->order = (uint8_t)order;
	b->free = 1;
	b->prev = NULL;
	b->next = lists[order];
	if (b->next)
		b->next->prev = b;
	lists[order] = b;
}

static void unlink_block(struct block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		lists[b->order] = b->next;
	if (b->next)
		b->next->prev = b->prev;
	b->free = 0;
}

/* The heap is the largest block that fits in the region (all of it:
 * net.c gives a power of two); a region too small for one block gives
 * a heap that refuses every request. */
void keel_lwip_heap_init(void *region, size_t bytes)
{
	memset(lists, 0, sizeof lists);
	memset(&stats, 0, sizeof stats);
	base = NULL;
	if (bytes < ((size_t)1 << MIN_ORDER))
		return;
	for (top = MIN_ORDER; top < MAX_ORDER && ((size_t)2 << top) <= bytes; top++)
		;
	base = region;
	stats.size = (size_t)1 << top;
	push((struct block *)base, top);
}

void keel_net_heap(struct keel_net_heap *h)
{
	*h = stats;
}

size_t keel_lwip_heap_used(void)
{
	return stats.used;
}

void *keel_lwip_malloc(size_t n)
{
	unsigned want = MIN_ORDER, o;
	struct block *b;

	if (!base || n > ((size_t)1 << top) - 8) {
		stats.failures++;
		return NULL;
	}
	while (((size_t)1 << want) < n + 8)
		want++;
	for (o = want; o <= top && !lists[o]; o++)
		;
	if (o > top) {
		stats.failures++;
		return NULL;
	}
	b = lists[o];
	unlink_block(b);
	while (o > want) { /* split, keeping the lower half */
		o--;
		push((struct block *)((char *)b + ((size_t)1 << o)), o);
	}
	b->order = (uint8_t)want;
	b->free = 0;
	stats.used += (size_t)1 << want;
	if (stats.used > stats.peak)
		stats.peak = stats.used;
	return (char *)b + 8;
}

void *keel_lwip_calloc(size_t count, size_t size)
{
	void *p;

	if (size && count > (size_t)-1 / size)
		return NULL;
	p = keel_lwip_malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void keel_lwip_free(void *p)
{
	/* the header's offset in the region, checked before it is read */
	uintptr_t at = (uintptr_t)p - (uintptr_t)base - 8;
	struct block *b;
	unsigned o;

	if (!base || at >= ((size_t)1 << top) || (at & (((size_t)1 << MIN_ORDER) - 1)))
		keel_panic("lwIP freed memory that is not a block of its heap (%p)", p);
	b = (struct block *)(base + at);
	o = b->order;
	if (b->free || o < MIN_ORDER || o > top || (at & (((size_t)1 << o) - 1)))
		keel_panic("lwIP freed memory that is not a block of its heap (%p)", p);
	stats.used -= (size_t)1 << o;
	while (o < top) {
		size_t off = (size_t)((char *)b - base);
		struct block *buddy = (struct block *)(base + (off ^ ((size_t)1 << o)));

		if (!buddy->free || buddy->order != o)
			break;
		unlink_block(buddy);
		/* the upper half's header is no block's now: freeing it again
		 * must fail the checks above, not pass as an order-o block */
		if (buddy < b) {
			b->order = 0;
			b = buddy;
		} else {
			buddy->order = 0;
		}
		o++;
	}
	push(b, o);
}
