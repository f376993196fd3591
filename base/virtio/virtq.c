/*
 * Split virtqueue operations (driver side). Single-threaded: keel's
 * scheduler is cooperative, so only memory ordering against the device
 * needs barriers. Ring memory comes from the page allocator.
 */
#include <errno.h>
#include <string.h>

#include "../../sys/mm.h"
#include "virtq.h"

#define barrier() __asm__ __volatile__("" ::: "memory")
/* x86 keeps stores in order and loads in order; only the compiler and
 * store->load ordering need care. */
#define mb() __asm__ __volatile__("mfence" ::: "memory")

size_t virtq_avail_bytes(unsigned num)
{
	return 4 + 2 * (size_t)num + 2;
}

size_t virtq_used_bytes(unsigned num)
{
	return 4 + 8 * (size_t)num + 2;
}

int virtq_init(struct virtq *q, unsigned num)
{
	size_t desc = 16 * (size_t)num, bytes, pages;
	char *mem;
	unsigned i;

	if (num == 0 || num > VIRTQ_MAX || (num & (num - 1)))
		return -EINVAL;
	/* desc | avail | used (4-aligned), all in one zeroed piece */
	bytes = desc + ((virtq_avail_bytes(num) + 3) & ~3UL) + virtq_used_bytes(num);
	pages = (bytes + 4095) / 4096;
	mem = mm_alloc(pages, MM_KERNEL);
	if (!mem)
		return -ENOMEM;
	memset(q, 0, sizeof *q);
	q->num = num;
	q->desc = (struct virtq_desc *)mem;
	q->avail = (struct virtq_avail *)(mem + desc);
	q->used = (struct virtq_used *)(mem + desc + ((virtq_avail_bytes(num) + 3) & ~3UL));
	for (i = 0; i < num; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->num_free = (uint16_t)num;
	return 0;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *cookie)
{
	uint16_t head = q->free_head, d = head, last = head;
	unsigned i;

	if (n == 0 || n > q->num_free)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		q->desc[d].addr = (uintptr_t)bufs[i].addr;
		q->desc[d].len = bufs[i].len;
		q->desc[d].flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
					      (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		last = d;
		d = q->desc[d].next;
	}
	q->free_head = q->desc[last].next;
	q->num_free = (uint16_t)(q->num_free - n);
	q->cookie[head] = cookie;
	q->avail->ring[q->avail->idx % q->num] = head;
	barrier();
	q->avail->idx++;
	return 0;
}

int virtq_publish(struct virtq *q)
{
	uint16_t old = q->kicked_avail, now = q->avail->idx, event;

	mb(); /* the new idx must be visible before we read the device's wish */
	if (!q->event_idx) {
		q->kicked_avail = now;
		return !(*(volatile uint16_t *)&q->used->flags & 1); /* VIRTQ_USED_F_NO_NOTIFY */
	}
	event = *(volatile uint16_t *)((char *)q->used + 4 + 8 * q->num); /* avail_event */
	q->kicked_avail = now;
	/* vring_need_event: notify if event lies in [old, now) */
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

int virtq_pending(const struct virtq *q)
{
	return q->last_used != *(volatile uint16_t *)&q->used->idx;
}

void *virtq_get(struct virtq *q, uint32_t *len)
{
	volatile struct virtq_used *u = q->used;
	uint16_t id, d, n = 1;
	void *cookie;

	if (q->last_used == u->idx)
		return NULL;
	barrier();
	id = (uint16_t)u->ring[q->last_used % q->num].id;
	if (len)
		*len = u->ring[q->last_used % q->num].len;
	q->last_used++;
	/* tell the device how far we have read (used_event) */
	q->avail->ring[q->num] = q->last_used;
	if (id >= q->num)
		return NULL; /* a broken device: ignore the entry */
	cookie = q->cookie[id];
	q->cookie[id] = NULL;
	for (d = id; q->desc[d].flags & VIRTQ_DESC_F_NEXT; d = q->desc[d].next)
		n++;
	q->desc[d].next = q->free_head;
	q->free_head = id;
	q->num_free = (uint16_t)(q->num_free + n);
	return cookie;
}
