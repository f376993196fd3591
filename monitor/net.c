/*
 * The KVM monitor's network device: a tap behind virtio-net split rings
 * (queue 0 receive, queue 1 transmit). Transmit: a notification sends
 * every available frame (one VM exit per batch). Receive: frames move
 * from the tap into posted buffers whenever the guest calls the monitor
 * (notify, or its wait, which also sleeps on the tap); buffers and
 * descriptors are checked through guest_ptr(), bad ones are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vm.h"

#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define HDR 12
#define MAX_FRAME 65550
#define MAX_SEGS 16

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

int tap_open(const char *ifname, char *err, unsigned errlen)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (strlen(ifname) >= sizeof ifr.ifr_name) {
		snprintf(err, errlen, "tap name '%s' is too long", ifname);
		close(fd);
		return -1;
	}
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "cannot attach to tap '%s': %s", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A descriptor chain as iovecs over guest memory; -1 if any part is
 * bad or has the wrong direction. */
static int chain(struct vm *vm, struct vm_queue *q, uint16_t head, int writable,
		 struct iovec *iov, unsigned *n, size_t *total)
{
	struct desc *t = guest_ptr(vm, q->desc, 16ULL * q->num);
	uint16_t i = head;
	unsigned k = 0;

	*total = 0;
	for (;;) {
		struct desc d;
		void *p;

		if (i >= q->num || k == MAX_SEGS)
			return -1;
		d = t[i];
		if (!!(d.flags & DESC_F_WRITE) != writable || !(p = guest_ptr(vm, d.addr, d.len)))
			return -1;
		iov[k].iov_base = p;
		iov[k].iov_len = d.len;
		*total += d.len;
		k++;
		if (!(d.flags & DESC_F_NEXT))
			break;
		i = d.next;
	}
	*n = k;
	return 0;
}

static void used_push(struct vm *vm, struct vm_queue *q, uint16_t head, uint32_t len)
{
	volatile uint16_t *used_idx = guest_ptr(vm, q->used + 2, 2);
	volatile uint32_t *ring = guest_ptr(vm, q->used + 4, 8ULL * q->num);
	uint16_t u = *used_idx;

	ring[2 * (u % q->num)] = head;
	ring[2 * (u % q->num) + 1] = len;
	__asm__ __volatile__("" ::: "memory");
	*used_idx = (uint16_t)(u + 1);
}

static void want_notify(struct vm *vm, struct vm_queue *q)
{
	volatile uint16_t *avail_event = guest_ptr(vm, q->used + 4 + 8ULL * q->num, 2);

	*avail_event = q->last_avail;
	__asm__ __volatile__("mfence" ::: "memory");
}

void net_tx(struct vm *vm, struct vm_net *n)
{
	struct vm_queue *q = &n->tx;
	volatile uint16_t *avail_idx, *avail_ring;

	if (!q->num)
		return;
	avail_idx = guest_ptr(vm, q->avail + 2, 2);
	avail_ring = guest_ptr(vm, q->avail + 4, 2ULL * q->num);
	n->tx_batches++;
	while (q->last_avail != *avail_idx) {
		uint16_t head = avail_ring[q->last_avail % q->num];
		struct iovec iov[MAX_SEGS + 1];
		unsigned k, i;
		size_t total, skip = HDR;

		__asm__ __volatile__("" ::: "memory");
		if (chain(vm, q, head, 0, iov, &k, &total) == 0 && total > HDR + 13 &&
		    total <= HDR + MAX_FRAME) {
			/* drop the virtio-net header from the front */
			for (i = 0; i < k && skip; i++) {
				size_t s = iov[i].iov_len < skip ? iov[i].iov_len : skip;
				iov[i].iov_base = (char *)iov[i].iov_base + s;
				iov[i].iov_len -= s;
				skip -= s;
			}
			if (writev(n->fd, iov, (int)k) > 0)
				n->tx_frames++;
		}
		used_push(vm, q, head, 0);
		q->last_avail++;
		if (q->last_avail == *avail_idx)
			want_notify(vm, q);
	}
}

unsigned net_rx(struct vm *vm, struct vm_net *n)
{
	struct vm_queue *q = &n->rx;
	volatile uint16_t *avail_idx, *avail_ring;
	static char frame[HDR + MAX_FRAME];
	unsigned delivered = 0;

	if (!q->num)
		return 0;
	avail_idx = guest_ptr(vm, q->avail + 2, 2);
	avail_ring = guest_ptr(vm, q->avail + 4, 2ULL * q->num);
	while (q->last_avail != *avail_idx) {
		uint16_t head = avail_ring[q->last_avail % q->num];
		struct iovec iov[MAX_SEGS];
		unsigned k, i;
		size_t total, left, off = 0;
		ssize_t r;

		__asm__ __volatile__("" ::: "memory");
		if (chain(vm, q, head, 1, iov, &k, &total) || total < HDR + 60) {
			used_push(vm, q, head, 0); /* unusable buffer: hand it back empty */
			q->last_avail++;
			continue;
		}
		r = read(n->fd, frame + HDR, MAX_FRAME);
		if (r <= 0)
			break; /* nothing waiting: the buffer stays posted */
		memset(frame, 0, HDR);
		frame[10] = 1; /* num_buffers */
		left = HDR + (size_t)r;
		if (left > total) {
			n->rx_dropped++; /* larger than the buffer: dropped, not cut */
			continue;
		}
		for (i = 0; i < k && off < left; i++) {
			size_t s = iov[i].iov_len < left - off ? iov[i].iov_len : left - off;
			memcpy(iov[i].iov_base, frame + off, s);
			off += s;
		}
		used_push(vm, q, head, (uint32_t)left);
		q->last_avail++;
		n->rx_frames++;
		delivered++;
	}
	want_notify(vm, q);
	return delivered;
}
