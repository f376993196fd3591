/*
 * virtio-net driver (virtio 1.x, section 5.1) behind the platform's
 * frame calls: queue 0 receives, queue 1 transmits. Frames are copied
 * into and out of buffers the driver owns, so callers keep theirs.
 */
#ifndef KEEL_VIRTIO_NET_H
#define KEEL_VIRTIO_NET_H

#include <keel/platform.h>

#include "virtq.h"

#define VNET_HDR 12 /* struct virtio_net_hdr with num_buffers */
#define VNET_BUF 2048
#define VNET_MTU 1500

struct vnet {
	struct virtq rx, tx;
	uint8_t mac[6];
	void (*notify)(struct vnet *n, unsigned queue);
	void *transport;
	char *rxbuf, *txbuf; /* num buffers of VNET_BUF each */
};

/* Rings and buffers from the budget (tag net). */
int vnet_init(struct vnet *n, unsigned num);
/* Offers every receive buffer to the device (after the transport set
 * the queues up). */
void vnet_start(struct vnet *n);
void vnet_info(const struct vnet *n, struct keel_net_info *info);
long vnet_send(struct vnet *n, const struct keel_frame *f, unsigned count);
long vnet_recv(struct vnet *n, struct keel_frame *f, unsigned count);
int vnet_pending(struct vnet *n);

#endif
