/*
 * The KVM monitor's network device: a tap behind virtio-net split rings
 * (queue 0 receive, queue 1 transmit), served by a thread of its own.
 *
 * A VM exit costs ~60 us on nested KVM, and the host's work for a frame
 * (the tap write runs the host's whole receive path) is as much again,
 * so neither belongs on the vCPU. The I/O thread moves frames between
 * the tap and the rings while the guest runs on: it keeps looking at
 * the rings for a while after its last frame (the guest then sends
 * without notifying, VIRTIO_F_EVENT_IDX), and only then asks for a
 * notification and sleeps on the tap. The vCPU thread's part is small:
 * a notification becomes an eventfd write, and the guest's wait sleeps
 * on an eventfd the I/O thread writes when it delivers frames to a
 * waiting guest.
 *
 * The tap carries virtio-net headers (IFF_VNET_HDR), and consecutive
 * TCP segments of one connection in a batch go to the host as one
 * segmentation-offload frame (GSO): the host's stack then takes one
 * packet where it took several, and anything it forwards is cut back
 * into exactly the guest's segments. Received frames come without
 * offloads (TUNSETOFFLOAD 0: the host segments and checksums first).
 *
 * Everything in a ring is checked through guest_ptr(); bad descriptors
 * are handed back unused, and the guest's own header bytes are never
 * passed to the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "vm.h"

#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define HDR 12		 /* virtio_net_hdr with num_buffers, on the rings and the tap */
#define MAX_FRAME 65550	 /* a frame the guest may send, without HDR */
#define MAX_SEGS 16	 /* descriptors in one chain */
#define BATCH 64	 /* transmit chains looked at together */
#define MAX_MERGE 44	 /* segments in one offload frame (64 KiB / 1460) */
#define SPIN_NS 20000	 /* how long the I/O thread polls after its last frame */
#define TAP_POLL_NS 5000 /* how often it reads the tap meanwhile */
#define NAP_NS 50000	 /* then naps this long on the tap, not notified, */
#define NAP_UNTIL_NS 2000000 /* until the last frame is this long ago */

#define GSO_F_NEEDS_CSUM 1
#define GSO_TCPV4 1

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

int tap_open(const char *ifname, int vnet_hdr, char *err, unsigned errlen)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), sz = HDR;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
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
	if (vnet_hdr && (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0 || ioctl(fd, TUNSETOFFLOAD, 0) < 0)) {
		snprintf(err, errlen, "cannot set up virtio-net headers on tap '%s': %s", ifname,
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000 + (uint64_t)t.tv_nsec;
}

/* A descriptor chain as iovecs over guest memory; -1 if any part is
 * bad or has the wrong direction. */
static int chain(struct vm *vm, struct vm_queue *q, uint16_t head, int writable,
		 struct iovec *iov, unsigned *n, size_t *total)
{
	/* The guest runs meanwhile and may rewrite the table: each field
	 * is read once, into d, and only d is used. */
	const volatile struct desc *t = guest_ptr(vm, q->desc, 16ULL * q->num);
	uint16_t i = head;
	unsigned k = 0;

	*total = 0;
	for (;;) {
		struct desc d;
		void *p;

		if (i >= q->num || k == MAX_SEGS)
			return -1;
		d.addr = t[i].addr;
		d.len = t[i].len;
		d.flags = t[i].flags;
		d.next = t[i].next;
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

static volatile uint16_t *avail_idx(struct vm *vm, struct vm_queue *q)
{
	return guest_ptr(vm, q->avail + 2, 2);
}

static void used_push(struct vm *vm, struct vm_queue *q, uint16_t head, uint32_t len)
{
	volatile uint16_t *used_idx = guest_ptr(vm, q->used + 2, 2);
	volatile uint32_t *ring = guest_ptr(vm, q->used + 4, 8ULL * q->num);
	uint16_t u = *used_idx;

	ring[2 * (u % q->num)] = head;
	ring[2 * (u % q->num) + 1] = len;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*used_idx = (uint16_t)(u + 1);
}

/* Asks the guest to notify when it adds past what was taken. */
static void want_notify(struct vm *vm, struct vm_queue *q)
{
	volatile uint16_t *avail_event = guest_ptr(vm, q->used + 4 + 8ULL * q->num, 2);

	*avail_event = q->last_avail;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* ---- transmit ---- */

/* One chain the guest offered, its frame after the header. */
struct txf {
	struct iovec iov[MAX_SEGS];
	unsigned k;
	size_t len;	  /* the frame's bytes, without HDR */
	uint8_t *f;	  /* the frame, when its headers lie in the first buffer */
	size_t hlen;	  /* Ethernet + IPv4 + TCP headers; 0: not a TCP/IPv4 frame */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (; n > 1; n -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

/* Finds the TCP/IPv4 headers of a frame: no IP options or fragments,
 * all headers in the chain's first buffer after HDR. */
static void tx_parse(struct txf *t)
{
	uint8_t *f = (uint8_t *)t->iov[0].iov_base + HDR;
	size_t first = t->iov[0].iov_len - HDR, thl;

	t->hlen = 0;
	t->f = f;
	if (t->iov[0].iov_len < HDR + 54 || f[12] != 8 || f[13] != 0 || f[14] != 0x45 ||
	    f[23] != 6 || (f[20] & 0x3f) || f[21] || ((size_t)f[16] << 8 | f[17]) != t->len - 14)
		return;
	thl = (size_t)(f[46] >> 4) * 4;
	if (thl >= 20 && first >= 34 + thl && t->len > 34 + thl)
		t->hlen = 34 + thl;
}

/* Whether b continues a's segment train: same addresses, ports, IP
 * fields, ack, window, options and flags (PSH may end it), the next
 * sequence number, and no more payload than the train's first. */
static int follows(const struct txf *a, const struct txf *b, size_t seg, uint32_t seq)
{
	const uint8_t *x = a->f, *y = b->f;

	return b->hlen == a->hlen && b->k == 1 && b->len - b->hlen <= seg &&
	       !memcmp(y, x, 16) && !memcmp(y + 20, x + 20, 4) && !memcmp(y + 26, x + 26, 12) &&
	       be32(y + 38) == seq &&
	       !memcmp(y + 42, x + 42, 4) && (y[47] & ~0x08) == (x[47] & ~0x08) &&
	       !memcmp(y + 48, x + 48, 2) && !memcmp(y + 52, x + 52, a->hlen - 52);
}

/* Sends t[0..n) as one offload frame: the first segment's headers with
 * the train's length and flags, the pseudo-header sum the host's
 * checksum offload expects, then every segment's payload. */
static int tx_merged(struct vm_net *n, struct txf *t, unsigned cnt, size_t total)
{
	uint8_t h[HDR + 14 + 60 + 60];
	struct iovec iov[MAX_MERGE + 1];
	uint8_t *f = h + HDR;
	size_t seg = t[0].len - t[0].hlen, hl = t[0].hlen, iplen = total - 14;
	unsigned i;
	uint16_t c;

	memset(h, 0, HDR);
	h[0] = GSO_F_NEEDS_CSUM;
	h[1] = GSO_TCPV4;
	h[2] = (uint8_t)hl; /* hdr_len, gso_size, csum_start, csum_offset: little-endian */
	h[4] = (uint8_t)seg;
	h[5] = (uint8_t)(seg >> 8);
	h[6] = 34;
	h[8] = 16;
	memcpy(f, t[0].f, hl);
	f[16] = (uint8_t)(iplen >> 8);
	f[17] = (uint8_t)iplen;
	f[47] = t[cnt - 1].f[47]; /* the last segment's PSH */
	f[24] = f[25] = 0;
	c = (uint16_t)~fold(sum16(f + 14, 20, 0));
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	c = fold(sum16(f + 26, 8, 6 + (uint32_t)(iplen - 20)));
	f[50] = (uint8_t)(c >> 8);
	f[51] = (uint8_t)c;
	iov[0].iov_base = h;
	iov[0].iov_len = HDR + hl;
	for (i = 0; i < cnt; i++) {
		iov[i + 1].iov_base = t[i].f + hl;
		iov[i + 1].iov_len = t[i].len - hl;
	}
	return writev(n->fd, iov, (int)cnt + 1) > 0;
}

/* Sends a frame as the guest made it, behind a header of no offloads. */
static int tx_plain(struct vm_net *n, struct txf *t)
{
	static const uint8_t none[HDR];
	struct iovec iov[MAX_SEGS + 1];
	size_t skip = HDR;
	unsigned i, k = 1;

	iov[0].iov_base = (void *)none;
	iov[0].iov_len = HDR;
	for (i = 0; i < t->k; i++) { /* the guest's header stays behind */
		size_t s = t->iov[i].iov_len < skip ? t->iov[i].iov_len : skip;

		skip -= s;
		if (t->iov[i].iov_len > s) {
			iov[k].iov_base = (char *)t->iov[i].iov_base + s;
			iov[k].iov_len = t->iov[i].iov_len - s;
			k++;
		}
	}
	return writev(n->fd, iov, (int)k) > 0;
}

static void tx_send(struct vm_net *n, struct txf *t, unsigned cnt)
{
	unsigned i = 0, j;

	while (i < cnt) {
		size_t seg = t[i].hlen ? t[i].len - t[i].hlen : 0, total = t[i].len;
		uint32_t seq = seg ? be32(t[i].f + 38) + (uint32_t)seg : 0;

		j = i + 1;
		/* a train: full segments, the last one maybe shorter or PSH */
		if (seg && t[i].k == 1 && !(t[i].f[47] & ~0x18)) {
			while (j < cnt && j - i < MAX_MERGE && !(t[j - 1].f[47] & 0x08) &&
			       t[j - 1].len - t[j - 1].hlen == seg && follows(&t[i], &t[j], seg, seq) &&
			       total + t[j].len - t[j].hlen <= 65535 + 14) {
				seq += (uint32_t)(t[j].len - t[j].hlen);
				total += t[j].len - t[j].hlen;
				j++;
			}
		}
		if (j - i > 1 ? tx_merged(n, t + i, j - i, total) : tx_plain(n, t + i)) {
			n->tx_frames += j - i;
			n->tx_writes++;
		}
		i = j;
	}
}

/* Sends what the guest offered; returns how many chains it took. */
static unsigned net_tx(struct vm *vm, struct vm_net *n)
{
	struct vm_queue *q = &n->tx;
	volatile uint16_t *idx = avail_idx(vm, q);
	volatile uint16_t *ring = guest_ptr(vm, q->avail + 4, 2ULL * q->num);
	static struct txf t[BATCH];
	uint16_t heads[BATCH];
	unsigned taken = 0, cnt, i;

	while (q->last_avail != *idx) {
		cnt = 0;
		while (q->last_avail != *idx && cnt < BATCH) {
			uint16_t head = ring[q->last_avail % q->num];
			size_t total;

			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			heads[cnt] = head;
			q->last_avail++;
			taken++;
			if (chain(vm, q, head, 0, t[cnt].iov, &t[cnt].k, &total) || total <= HDR + 13 ||
			    total > HDR + MAX_FRAME) {
				used_push(vm, q, head, 0); /* a bad chain: back unsent */
				continue;
			}
			t[cnt].len = total - HDR;
			tx_parse(&t[cnt]);
			cnt++;
		}
		tx_send(n, t, cnt);
		for (i = 0; i < cnt; i++)
			used_push(vm, q, heads[i], 0);
	}
	return taken;
}

/* ---- receive ---- */

/* Whether the guest has receive buffers posted (and the tap works). */
static int rx_room(struct vm *vm, struct vm_net *n)
{
	return !n->tap_broken && *avail_idx(vm, &n->rx) != n->rx.last_avail;
}

/* Reads frames from the tap straight into posted buffers, until the
 * tap has no more or no buffer is posted; returns how many were
 * delivered. */
static unsigned net_rx(struct vm *vm, struct vm_net *n)
{
	struct vm_queue *q = &n->rx;
	volatile uint16_t *idx = avail_idx(vm, q);
	volatile uint16_t *ring = guest_ptr(vm, q->avail + 4, 2ULL * q->num);
	unsigned delivered = 0;

	while (q->last_avail != *idx) {
		uint16_t head = ring[q->last_avail % q->num];
		struct iovec iov[MAX_SEGS];
		unsigned k;
		size_t total;
		ssize_t r;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (chain(vm, q, head, 1, iov, &k, &total) || iov[0].iov_len < HDR ||
		    total < HDR + 60) {
			used_push(vm, q, head, 0); /* unusable buffer: handed back empty */
			q->last_avail++;
			continue;
		}
		r = readv(n->fd, iov, (int)k);
		if (r <= HDR) {
			if (r < 0 && errno != EAGAIN && !n->tap_broken) {
				fprintf(stderr, "keel-run: kvm: reading the tap failed (%s); the guest receives no more frames\n",
					strerror(errno));
				n->tap_broken = 1;
			}
			break; /* the buffer stays posted */
		}
		if ((size_t)r > total) { /* cut short by the buffer: dropped */
			n->rx_dropped++;
			continue;
		}
		((uint8_t *)iov[0].iov_base)[10] = 1; /* num_buffers */
		((uint8_t *)iov[0].iov_base)[11] = 0;
		used_push(vm, q, head, (uint32_t)r);
		q->last_avail++;
		n->rx_frames++;
		delivered++;
	}
	return delivered;
}

/* Whether delivered frames wait for the guest: the used index is past
 * the guest's used_event (the last entry it took, virtq_get). */
int net_rx_pending(struct vm *vm, struct vm_net *n)
{
	struct vm_queue *q = &n->rx;
	volatile uint16_t *used_idx, *used_event;

	if (!__atomic_load_n(&n->running, __ATOMIC_ACQUIRE))
		return 0;
	used_idx = guest_ptr(vm, q->used + 2, 2);
	used_event = guest_ptr(vm, q->avail + 4 + 2ULL * q->num, 2);
	return *used_idx != *used_event;
}

/* ---- the I/O thread ---- */

static void *io_thread(void *arg)
{
	struct vm *vm = arg;
	struct vm_net *n = vm->net;
	uint64_t busy = 0, tap_at = 0, v; /* when a frame last moved; the tap was last read */

	for (;;) {
		struct pollfd p[2] = { { n->kick_fd, POLLIN, 0 }, { -1, POLLIN, 0 } };
		struct timespec nap = { 0, 0 }, *tsp = NULL;

		if (__atomic_load_n(&n->running, __ATOMIC_ACQUIRE)) {
			uint64_t t = now_ns();
			unsigned did = net_tx(vm, n);

			/* The tap costs a system call to look at: right after
			 * frames moved (answers follow them), else every
			 * TAP_POLL_NS while spinning. */
			if (rx_room(vm, n) && (did || t - tap_at >= TAP_POLL_NS)) {
				unsigned got = net_rx(vm, n);

				tap_at = t;
				did += got;
				/* the used index is out before we look (hc_wait
				 * sets the flag, then looks at the index) */
				__atomic_thread_fence(__ATOMIC_SEQ_CST);
				if (got && __atomic_load_n(&n->vcpu_waiting, __ATOMIC_SEQ_CST)) {
					v = 1;
					if (write(n->wake_fd, &v, 8) < 0)
						(void)0; /* the counter is full: a wake-up is pending anyway */
				}
			}
			if (did) {
				busy = t;
				continue;
			}
			if (t - busy < SPIN_NS) {
				__builtin_ia32_pause(); /* busy a moment ago: look again */
				continue;
			}
			if (t - busy < NAP_UNTIL_NS) {
				/* Quiet for a moment only: nap on the tap without
				 * asking for notifications, so the guest sends its
				 * next frames without an exit. */
				nap.tv_nsec = NAP_NS;
				tsp = &nap;
			} else {
				/* Idle: ask for notifications, look once more, sleep. */
				want_notify(vm, &n->tx);
				want_notify(vm, &n->rx);
				if (*avail_idx(vm, &n->tx) != n->tx.last_avail)
					continue;
				n->io_sleeps++;
			}
			if (rx_room(vm, n)) /* after want_notify: buffers posted meanwhile count */
				p[1].fd = n->fd;
		}
		if (ppoll(p, 2, tsp, NULL) < 0 && errno != EINTR)
			return NULL;
		if (p[0].revents && read(n->kick_fd, &v, 8) < 0)
			(void)0; /* already drained */
		if (p[1].revents)
			tap_at = 0; /* frames wait: read them now */
	}
}

int net_start(struct vm *vm, struct vm_net *n)
{
	sigset_t all, old;
	int r;

	n->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	n->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->kick_fd < 0 || n->wake_fd < 0)
		return -errno;
	/* Signals (--timeout's alarm, those from outside) stay with the vCPU. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&n->io, NULL, io_thread, vm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -r;
}

/* The guest set both rings up: the I/O thread may use them from now. */
void net_run(struct vm_net *n)
{
	__atomic_store_n(&n->running, 1, __ATOMIC_RELEASE);
	net_kick(n);
}

void net_kick(struct vm_net *n)
{
	uint64_t v = 1;

	n->kicks++;
	if (write(n->kick_fd, &v, 8) < 0)
		(void)0; /* the counter is full: the thread wakes anyway */
}
