/*
 * Split virtqueues (virtio 1.x, section 2.7), shared by every transport
 * keel drives: virtio-mmio on QEMU and other VMMs, and keel's own KVM
 * monitor, which takes the same rings through one set-up hypercall
 * instead of virtio-mmio's register handshake (each register access is
 * a VM exit, ~60 us on nested KVM).
 */
#ifndef KEEL_VIRTIO_VIRTQ_H
#define KEEL_VIRTIO_VIRTQ_H

#include <stddef.h>
#include <stdint.h>

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* num entries, then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* num entries, then avail_event */
};

#define VIRTQ_MAX 256

struct virtq {
	unsigned num; /* a power of two, at most VIRTQ_MAX */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t free_head, num_free;
	uint16_t last_used;    /* next used entry to look at */
	uint16_t kicked_avail; /* avail idx at the last notification */
	int event_idx;         /* VIRTIO_F_EVENT_IDX in use */
	void *cookie[VIRTQ_MAX];
};

/* One buffer of a request: out (device reads) or in (device writes). */
struct virtq_buf {
	void *addr;
	uint32_t len;
	int device_writes;
};

/* Rings from the memory budget (tagged kernel); -ENOMEM. */
int virtq_init(struct virtq *q, unsigned num);

/* Queues one request as a descriptor chain; the device sees it after
 * virtq_publish. -ENOSPC when the ring is full. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *cookie);

/* Makes the added requests visible; returns whether the device asked
 * to be notified of them (VIRTIO_F_EVENT_IDX rules). */
int virtq_publish(struct virtq *q);

/* Whether a completed request waits for virtq_get. */
int virtq_pending(const struct virtq *q);

/* The next completed request's cookie (and bytes written), or NULL. */
void *virtq_get(struct virtq *q, uint32_t *len);

/* Ring sizes and addresses, for transports. */
size_t virtq_avail_bytes(unsigned num);
size_t virtq_used_bytes(unsigned num);

#endif
