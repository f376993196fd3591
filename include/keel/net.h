/*
 * keel's network API for applications that drive lwIP themselves
 * (net/lwip/). The stack runs in the caller's thread: keel_net_poll()
 * feeds it the frames of the platform's net device 0 and runs its
 * timers; lwIP's raw API (<lwip/udp.h>, <lwip/tcp.h>, ...) is called
 * from the same thread, between polls or from lwIP's callbacks. Socket
 * calls on top of this come later.
 *
 * Linking: images that never call keel_net_start() contain nothing of
 * lwIP (keel-cc links it from archives, by reference only).
 */
#ifndef KEEL_NET_H
#define KEEL_NET_H

#include <stddef.h>
#include <stdint.h>

/* Brings up lwIP on net device 0 with a static address: ip_cidr is
 * "A.B.C.D/N", gw is "A.B.C.D" or NULL. lwIP's heap (lwipopts.h:
 * MEM_SIZE) is taken from the memory budget with the tag `net`.
 * Returns 0, -EINVAL for a malformed address, -ENODEV without a net
 * device, -ENOMEM when the budget cannot hold the heap, -EALREADY when
 * started before. */
int keel_net_start(const char *ip_cidr, const char *gw);

/* Processes received frames and due timers; when there was nothing to
 * do, the calling thread waits (other threads run) for frames or the
 * next lwIP timer, but not past deadline (absolute CLOCK_MONOTONIC ns;
 * 0: do not wait; UINT64_MAX: no deadline). Frames lwIP sends while
 * polling go out in batches before it returns. Returns the number of
 * frames received (0 at the deadline), or -errno (-ENODEV before
 * keel_net_start). */
long keel_net_poll(uint64_t deadline);

/* The monotonic clock keel_net_poll's deadlines are measured on (ns). */
uint64_t keel_net_now(void);

/* lwIP's heap (net/lwip/heap.c): its size, the bytes its blocks take
 * now and at most so far (a request rounded up to a power of two, with
 * an 8-byte header), and how many requests found no room. */
struct keel_net_heap {
	size_t size, used, peak;
	unsigned long failures;
};
void keel_net_heap(struct keel_net_heap *h);

#endif
