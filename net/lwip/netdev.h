/*
 * Inside keel's lwIP glue: the network interface over a platform net
 * device (netif.c), used by the start-up and poll loop (net.c).
 */
#ifndef KEEL_NET_LWIP_NETDEV_H
#define KEEL_NET_LWIP_NETDEV_H

#include <keel/platform.h>

#include "lwip/netif.h"
#include "lwip/pbuf.h"

#define NETDEV_BATCH 32 /* frames per net_recv/net_send call, at most */

struct netdev {
	unsigned dev;
	struct keel_net_info info;
	unsigned batch;	  /* min(NETDEV_BATCH, info.max_batch) */
	size_t frame_cap; /* a whole frame: header, mtu, a VLAN tag */
	/* Receive buffers handed to net_recv; lwIP owns each filled one. */
	struct pbuf *rx[NETDEV_BATCH];
	unsigned nrx;
	/* Frames lwIP sent while batching: txp[i] is referenced until
	 * net_send has taken txf[i] (lwIP's TCP leaves a segment whose
	 * pbuf is still referenced alone). */
	struct keel_frame txf[NETDEV_BATCH];
	struct pbuf *txp[NETDEV_BATCH];
	unsigned ntx;
	int batching;
};

/* The netif init function for netif_add(); state is a struct netdev
 * whose dev and info are filled. */
err_t netdev_init(struct netif *nif);

/* Receives one batch and hands it to nif's input; returns the number
 * of frames, or -errno. */
long netdev_rx(struct netif *nif);

/* Sends what was queued while batching. */
void netdev_flush(struct netif *nif);

#endif
