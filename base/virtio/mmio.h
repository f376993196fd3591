/*
 * virtio-mmio transport (virtio 1.x, section 4.2, version 2 devices),
 * found the way microvm and Firecracker announce them: kernel command
 * line words "virtio_mmio.device=SIZE@BASE:IRQ". keel polls used rings
 * instead of taking the devices' interrupts.
 */
#ifndef KEEL_VIRTIO_MMIO_H
#define KEEL_VIRTIO_MMIO_H

#include <stdint.h>

#include "blk.h"
#include "net.h"

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLK 2
#define VIRTIO_ID_RNG 4

struct vmmio {
	volatile uint8_t *base;
	uint32_t device_id;
};

/* Parses one "SIZE@BASE:IRQ" value; 0 with *base set, or -1. */
int vmmio_parse(const char *s, uint64_t *base);

/* Checks the device at base (mapped, uncached); 0 and its id, or -1. */
int vmmio_probe(struct vmmio *m, uintptr_t base);

/* Negotiates, sets up the block device's queue and starts it. */
int vmmio_blk_start(struct vmmio *m, struct vblk *b);

/* Negotiates, sets up the network device's two queues and starts it. */
int vmmio_net_start(struct vmmio *m, struct vnet *n);

/* Negotiates and sets up an entropy device's queue (q from the budget). */
int vmmio_rng_start(struct vmmio *m, struct virtq *q);
/* Fills up to len bytes of buf from it, calling wait() while it works;
 * the number of bytes, or -EIO. */
int vmmio_rng_read(struct vmmio *m, struct virtq *q, void *buf, size_t len, void (*wait)(void));
void vmmio_notify(struct vmmio *m, unsigned queue);

#endif
