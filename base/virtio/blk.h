/*
 * virtio-blk driver (virtio 1.x, section 5.2) behind the platform's
 * block calls, on any transport that can set up one queue and notify.
 */
#ifndef KEEL_VIRTIO_BLK_H
#define KEEL_VIRTIO_BLK_H

#include <keel/platform.h>

#include "virtq.h"

struct virtio_blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0

struct vblk {
	struct virtq q;
	uint64_t sectors;
	int read_only;
	/* notify the device that queue 0 has new requests */
	void (*notify)(struct vblk *b);
	void *transport;
	struct vblk_slot {
		struct virtio_blk_hdr hdr;
		uint8_t status;
		struct keel_block_req *req;
	} *slots; /* one per descriptor head */
};

/* Rings and slots from the budget; the transport then publishes q. */
int vblk_init(struct vblk *b, unsigned num);
void vblk_info(const struct vblk *b, struct keel_block_info *info);
long vblk_submit(struct vblk *b, struct keel_block_req **reqs, unsigned n);
long vblk_complete(struct vblk *b, struct keel_block_req **reqs, unsigned n);

#endif
