/*
 * virtio-blk requests: header, data, status as one descriptor chain;
 * a whole batch is published with at most one notification.
 */
#include <errno.h>

#include "../../sys/mm.h"
#include "blk.h"

int vblk_init(struct vblk *b, unsigned num)
{
	size_t pages = (num * sizeof *b->slots + 4095) / 4096;
	int r = virtq_init(&b->q, num);

	if (r)
		return r;
	b->slots = mm_alloc(pages, MM_KERNEL);
	return b->slots ? 0 : -ENOMEM;
}

void vblk_info(const struct vblk *b, struct keel_block_info *info)
{
	info->sectors = b->sectors;
	info->max_batch = b->q.num / 3; /* three descriptors a request */
	info->read_only = b->read_only;
}

long vblk_submit(struct vblk *b, struct keel_block_req **reqs, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct keel_block_req *r = reqs[i];
		struct vblk_slot *s = &b->slots[b->q.free_head];
		struct virtq_buf bufs[3];
		unsigned nb = 0;

		if (b->q.num_free < 3)
			break;
		if (r->op != KEEL_BLOCK_FLUSH &&
		    (r->len % 512 || r->len == 0 || r->len > (1u << 22) || r->sector > b->sectors ||
		     r->len / 512 > b->sectors - r->sector)) {
			if (i == 0)
				return -EINVAL;
			break;
		}
		if (r->op == KEEL_BLOCK_WRITE && b->read_only) {
			if (i == 0)
				return -EROFS;
			break;
		}
		s->hdr.type = r->op == KEEL_BLOCK_READ    ? VIRTIO_BLK_T_IN
			      : r->op == KEEL_BLOCK_WRITE ? VIRTIO_BLK_T_OUT
							  : VIRTIO_BLK_T_FLUSH;
		s->hdr.reserved = 0;
		s->hdr.sector = r->op == KEEL_BLOCK_FLUSH ? 0 : r->sector;
		s->status = 0xff;
		s->req = r;
		bufs[nb++] = (struct virtq_buf){ &s->hdr, sizeof s->hdr, 0 };
		if (r->op != KEEL_BLOCK_FLUSH)
			bufs[nb++] = (struct virtq_buf){ r->buf, (uint32_t)r->len,
							 r->op == KEEL_BLOCK_READ };
		bufs[nb++] = (struct virtq_buf){ &s->status, 1, 1 };
		if (virtq_add(&b->q, bufs, nb, s))
			break;
	}
	if (i && virtq_publish(&b->q))
		b->notify(b);
	return (long)i;
}

long vblk_complete(struct vblk *b, struct keel_block_req **reqs, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct vblk_slot *s = virtq_get(&b->q, NULL);

		if (!s)
			break;
		s->req->status = s->status == VIRTIO_BLK_S_OK ? 0 : -EIO;
		reqs[i] = s->req;
	}
	return (long)i;
}
