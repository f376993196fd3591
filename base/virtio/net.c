/*
 * virtio-net: receive buffers stay posted; a batch of frames to send is
 * published with at most one notification, and received frames are
 * taken from the used ring without any.
 */
#include <errno.h>
#include <string.h>

#include "../../sys/mm.h"
#include "net.h"

int vnet_init(struct vnet *n, unsigned num)
{
	size_t pages = (size_t)num * VNET_BUF / 4096;
	int r;

	if ((r = virtq_init(&n->rx, num)) || (r = virtq_init(&n->tx, num)))
		return r;
	n->rxbuf = mm_alloc(pages, MM_NET);
	n->txbuf = mm_alloc(pages, MM_NET);
	return n->rxbuf && n->txbuf ? 0 : -ENOMEM;
}

static void post_rx(struct vnet *n, char *buf)
{
	struct virtq_buf b = { buf, VNET_BUF, 1 };

	virtq_add(&n->rx, &b, 1, buf);
}

void vnet_start(struct vnet *n)
{
	unsigned i;

	for (i = 0; i < n->rx.num; i++)
		post_rx(n, n->rxbuf + (size_t)i * VNET_BUF);
	if (virtq_publish(&n->rx))
		n->notify(n, 0);
}

void vnet_info(const struct vnet *n, struct keel_net_info *info)
{
	memcpy(info->mac, n->mac, 6);
	info->mtu = VNET_MTU;
	info->max_batch = n->tx.num;
}

long vnet_send(struct vnet *n, const struct keel_frame *f, unsigned count)
{
	unsigned i;
	char *buf;

	while (virtq_get(&n->tx, NULL)) /* reclaim what the device sent */
		;
	for (i = 0; i < count; i++) {
		struct virtq_buf b;

		if (f[i].len > VNET_BUF - VNET_HDR || f[i].len < 14) {
			if (i == 0)
				return -EINVAL;
			break;
		}
		if (n->tx.num_free == 0)
			break;
		buf = n->txbuf + (size_t)n->tx.free_head * VNET_BUF;
		memset(buf, 0, VNET_HDR);
		memcpy(buf + VNET_HDR, f[i].data, f[i].len);
		b = (struct virtq_buf){ buf, (uint32_t)(VNET_HDR + f[i].len), 0 };
		if (virtq_add(&n->tx, &b, 1, buf))
			break;
	}
	if (i && virtq_publish(&n->tx))
		n->notify(n, 1);
	return (long)i;
}

long vnet_recv(struct vnet *n, struct keel_frame *f, unsigned count)
{
	unsigned i;
	uint32_t len;
	char *buf;

	unsigned posted = 0;

	for (i = 0; i < count && (buf = virtq_get(&n->rx, &len));) {
		if (len > VNET_HDR && len <= VNET_BUF) {
			size_t k = len - VNET_HDR;

			if (k > f[i].cap)
				k = f[i].cap; /* the caller's buffer is too small: truncated */
			memcpy(f[i].data, buf + VNET_HDR, k);
			f[i].len = k;
			i++;
		}
		post_rx(n, buf);
		posted++;
	}
	if (posted && virtq_publish(&n->rx))
		n->notify(n, 0);
	return (long)i;
}

int vnet_pending(struct vnet *n)
{
	return virtq_pending(&n->rx);
}
