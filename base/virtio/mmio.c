/*
 * virtio-mmio: the register handshake of a version-2 device. Every
 * register access is a trap to the VMM, so it happens once at start-up;
 * afterwards the only access is the queue-notify write per batch.
 */
#include <errno.h>

#include "mmio.h"

#define MAGIC 0x000
#define VERSION 0x004
#define DEVICE_ID 0x008
#define DEVICE_FEATURES 0x010
#define DEVICE_FEATURES_SEL 0x014
#define DRIVER_FEATURES 0x020
#define DRIVER_FEATURES_SEL 0x024
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_READY 0x044
#define QUEUE_NOTIFY 0x050
#define STATUS 0x070
#define QUEUE_DESC_LOW 0x080
#define QUEUE_DESC_HIGH 0x084
#define QUEUE_DRIVER_LOW 0x090
#define QUEUE_DRIVER_HIGH 0x094
#define QUEUE_DEVICE_LOW 0x0a0
#define QUEUE_DEVICE_HIGH 0x0a4
#define CONFIG 0x100

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

#define F_BLK_RO (1u << 5)
#define F_NET_MAC (1u << 5)
#define F_EVENT_IDX (1u << 29)
#define F_VERSION_1_HI 1u /* bit 32 */

static uint32_t rd(struct vmmio *m, unsigned off)
{
	return *(volatile uint32_t *)(m->base + off);
}

static void wr(struct vmmio *m, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(m->base + off) = v;
}

static uint64_t number(const char **s)
{
	uint64_t v = 0;
	const char *p = *s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2;; p++) {
			int d = *p >= '0' && *p <= '9'   ? *p - '0'
				: *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
				: *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
							 : -1;
			if (d < 0)
				break;
			v = v * 16 + (uint64_t)d;
		}
	} else {
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (uint64_t)(*p++ - '0');
	}
	if (*p == 'K' || *p == 'k')
		v <<= 10, p++;
	else if (*p == 'M' || *p == 'm')
		v <<= 20, p++;
	*s = p;
	return v;
}

int vmmio_parse(const char *s, uint64_t *base)
{
	const char *p = s;

	number(&p);
	if (*p++ != '@')
		return -1;
	*base = number(&p);
	return *p == ':' && *base ? 0 : -1;
}

int vmmio_probe(struct vmmio *m, uintptr_t base)
{
	m->base = (volatile uint8_t *)base;
	if (rd(m, MAGIC) != 0x74726976 || rd(m, VERSION) != 2)
		return -1;
	m->device_id = rd(m, DEVICE_ID);
	return m->device_id ? 0 : -1;
}

static void set_queue(struct vmmio *m, unsigned sel, struct virtq *q)
{
	uint64_t d = (uintptr_t)q->desc, a = (uintptr_t)q->avail, u = (uintptr_t)q->used;

	wr(m, QUEUE_SEL, sel);
	wr(m, QUEUE_NUM, q->num);
	wr(m, QUEUE_DESC_LOW, (uint32_t)d);
	wr(m, QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
	wr(m, QUEUE_DRIVER_LOW, (uint32_t)a);
	wr(m, QUEUE_DRIVER_HIGH, (uint32_t)(a >> 32));
	wr(m, QUEUE_DEVICE_LOW, (uint32_t)u);
	wr(m, QUEUE_DEVICE_HIGH, (uint32_t)(u >> 32));
	wr(m, QUEUE_READY, 1);
}

static void blk_notify(struct vblk *b)
{
	wr(b->transport, QUEUE_NOTIFY, 0);
}

/* Reset, acknowledge, agree on features (VERSION_1 required, plus those
 * of want the device offers). Returns the low feature word, or -1. */
static int64_t negotiate(struct vmmio *m, uint32_t want)
{
	uint32_t lo, hi;

	wr(m, STATUS, 0);
	wr(m, STATUS, S_ACK);
	wr(m, STATUS, S_ACK | S_DRIVER);
	wr(m, DEVICE_FEATURES_SEL, 0);
	lo = rd(m, DEVICE_FEATURES);
	wr(m, DEVICE_FEATURES_SEL, 1);
	hi = rd(m, DEVICE_FEATURES);
	if (!(hi & F_VERSION_1_HI))
		return -1;
	wr(m, DRIVER_FEATURES_SEL, 0);
	wr(m, DRIVER_FEATURES, lo & want);
	wr(m, DRIVER_FEATURES_SEL, 1);
	wr(m, DRIVER_FEATURES, F_VERSION_1_HI);
	wr(m, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(rd(m, STATUS) & S_FEATURES_OK))
		return -1;
	return lo & want;
}

/* The largest ring size up to 128 that queue sel allows, or 0. */
static unsigned queue_size(struct vmmio *m, unsigned sel)
{
	unsigned num = 128, max;

	wr(m, QUEUE_SEL, sel);
	max = rd(m, QUEUE_NUM_MAX);
	while (num > max)
		num /= 2;
	return num;
}

void vmmio_notify(struct vmmio *m, unsigned queue)
{
	wr(m, QUEUE_NOTIFY, queue);
}

int vmmio_rng_start(struct vmmio *m, struct virtq *q)
{
	int64_t f = negotiate(m, F_EVENT_IDX);
	unsigned num;
	int r;

	if (f < 0 || !(num = queue_size(m, 0)))
		return -ENODEV;
	if ((r = virtq_init(q, num < 8 ? num : 8)))
		return r;
	q->event_idx = !!(f & F_EVENT_IDX);
	set_queue(m, 0, q);
	wr(m, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return 0;
}

static void net_notify(struct vnet *n, unsigned queue)
{
	wr(n->transport, QUEUE_NOTIFY, queue);
}

int vmmio_net_start(struct vmmio *m, struct vnet *n)
{
	int64_t f = negotiate(m, F_EVENT_IDX | F_NET_MAC);
	unsigned num, i;
	int r;

	if (f < 0 || !(f & F_NET_MAC) || !(num = queue_size(m, 0)) || queue_size(m, 1) < num)
		return -ENODEV;
	if ((r = vnet_init(n, num)))
		return r;
	for (i = 0; i < 6; i++)
		n->mac[i] = m->base[CONFIG + i];
	n->transport = m;
	n->notify = net_notify;
	n->rx.event_idx = n->tx.event_idx = !!(f & F_EVENT_IDX);
	set_queue(m, 0, &n->rx);
	set_queue(m, 1, &n->tx);
	wr(m, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	vnet_start(n);
	return 0;
}

int vmmio_blk_start(struct vmmio *m, struct vblk *b)
{
	int64_t f = negotiate(m, F_EVENT_IDX | F_BLK_RO);
	uint32_t lo = (uint32_t)f;
	unsigned num;
	int r;

	if (f < 0 || !(num = queue_size(m, 0)))
		return -ENODEV;
	r = vblk_init(b, num);
	if (r)
		return r;
	b->sectors = rd(m, CONFIG) | (uint64_t)rd(m, CONFIG + 4) << 32;
	b->read_only = !!(lo & F_BLK_RO);
	b->transport = m;
	b->notify = blk_notify;
	b->q.event_idx = !!(lo & F_EVENT_IDX);
	set_queue(m, 0, &b->q);
	wr(m, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return 0;
}
