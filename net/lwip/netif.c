/*
 * lwIP's network interface over a platform net device (include/keel/
 * platform.h: net_info, net_send, net_recv). Above: lwIP's ethernet
 * layer (netif->input, netif->linkoutput); the poll loop in net.c.
 * Below: the platform's batched frame calls.
 *
 * Receive: lwIP pbufs are the receive buffers, so a frame goes from
 * the device into the pbuf lwIP processes with no copy of keel's own.
 * Send: while the poll loop runs (batching), each frame lwIP sends is
 * referenced and queued, and one net_send carries the batch; outside
 * it (an application calling lwIP between polls) a frame goes out at
 * once.
 */
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/stats.h"
#include "netif/ethernet.h"
#include "sys/kernel.h"

#include "netdev.h"

#define TX_RETRIES 20 /* idle waits of 1 ms for tx room before dropping */

/* Gives the device's frames to the platform, retrying briefly while
 * its queue is full; returns how many it took (the rest are dropped). */
static unsigned send_frames(struct netdev *d, const struct keel_frame *f, unsigned n)
{
	unsigned sent = 0, tries = 0;
	long r;

	while (sent < n) {
		r = keel_platform->net_send(d->dev, f + sent, n - sent);
		if (r < 0)
			break;
		if (r == 0) {
			if (++tries > TX_RETRIES)
				break;
			/* The machine idles, no other thread runs: this may be
			 * deep inside lwIP (an output from a callback), which
			 * another thread must not enter meanwhile. */
			time_idle(time_now() + 1000000, 0);
			continue;
		}
		sent += (unsigned)r;
	}
#if LINK_STATS
	lwip_stats.link.xmit += (STAT_COUNTER)sent;
	lwip_stats.link.drop += (STAT_COUNTER)(n - sent);
#endif
	return sent;
}

void netdev_flush(struct netif *nif)
{
	struct netdev *d = nif->state;
	struct pbuf *held[NETDEV_BATCH];
	struct keel_frame f[NETDEV_BATCH];
	unsigned n = d->ntx, i;

	if (!n)
		return;
	memcpy(held, d->txp, n * sizeof held[0]);
	memcpy(f, d->txf, n * sizeof f[0]);
	d->ntx = 0;
	send_frames(d, f, n);
	for (i = 0; i < n; i++)
		pbuf_free(held[i]);
}

static err_t linkoutput(struct netif *nif, struct pbuf *p)
{
	struct netdev *d = nif->state;
	struct pbuf *q = p;
	static unsigned char bounce[1536];

	if (p->tot_len > d->frame_cap) {
		LINK_STATS_INC(link.lenerr);
		return ERR_BUF;
	}
	if (!d->batching) {
		struct keel_frame f = { .data = p->payload, .len = p->tot_len };

		if (p->next) {
			if (p->tot_len > sizeof bounce)
				return ERR_BUF;
			pbuf_copy_partial(p, bounce, p->tot_len, 0);
			f.data = bounce;
		}
		return send_frames(d, &f, 1) ? ERR_OK : ERR_IF;
	}
	if (d->ntx == d->batch)
		netdev_flush(nif);
	if (p->next) {
		q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
		if (!q) {
			LINK_STATS_INC(link.memerr);
			return ERR_MEM;
		}
	} else {
		pbuf_ref(p);
	}
	d->txp[d->ntx] = q;
	d->txf[d->ntx] = (struct keel_frame){ .data = q->payload, .len = q->len };
	d->ntx++;
	return ERR_OK;
}

/* Tops up the receive buffers; fewer when lwIP's heap is short. */
static void fill_rx(struct netdev *d)
{
	while (d->nrx < d->batch) {
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)d->frame_cap, PBUF_RAM);

		if (!p)
			break; /* counted when a frame finds no buffer */
		d->rx[d->nrx++] = p;
	}
}

long netdev_rx(struct netif *nif)
{
	struct netdev *d = nif->state;
	struct keel_frame f[NETDEV_BATCH];
	unsigned i;
	long n;

	fill_rx(d);
	if (!d->nrx) {
		/* lwIP's heap is spent: drop a batch, as a NIC without receive
		 * buffers does. Leaving the frames in the device would keep
		 * KEEL_EV_NET pending, and the poll loop would spin. The
		 * frames may all land in one buffer: nobody reads them. */
		static unsigned char scratch[1536 + 4];

		for (i = 0; i < d->batch; i++)
			f[i] = (struct keel_frame){ .data = scratch, .cap = sizeof scratch };
		n = keel_platform->net_recv(d->dev, f, d->batch);
#if LINK_STATS
		if (n > 0) {
			lwip_stats.link.recv += (STAT_COUNTER)n;
			lwip_stats.link.memerr += (STAT_COUNTER)n;
			lwip_stats.link.drop += (STAT_COUNTER)n;
		}
#endif
		return n;
	}
	for (i = 0; i < d->nrx; i++)
		f[i] = (struct keel_frame){ .data = d->rx[i]->payload, .cap = d->frame_cap };
	n = keel_platform->net_recv(d->dev, f, d->nrx);
	if (n <= 0)
		return n;
	for (i = 0; i < (unsigned)n; i++) {
		struct pbuf *p = d->rx[i];

		LINK_STATS_INC(link.recv);
		pbuf_realloc(p, (u16_t)f[i].len);
		if (nif->input(p, nif) != ERR_OK) {
			LINK_STATS_INC(link.drop);
			pbuf_free(p);
		}
	}
	d->nrx -= (unsigned)n;
	memmove(d->rx, d->rx + n, d->nrx * sizeof d->rx[0]);
	return n;
}

err_t netdev_init(struct netif *nif)
{
	struct netdev *d = nif->state;

	d->batch = d->info.max_batch < NETDEV_BATCH ? d->info.max_batch : NETDEV_BATCH;
	if (!d->batch)
		d->batch = 1;
	d->frame_cap = 14 + 4 + d->info.mtu;
	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->output = etharp_output;
	nif->linkoutput = linkoutput;
	nif->mtu = (u16_t)d->info.mtu;
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, d->info.mac, ETH_HWADDR_LEN);
	nif->flags =
		NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	fill_rx(d);
	return ERR_OK;
}
