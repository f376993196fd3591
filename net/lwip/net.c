/*
 * keel's lwIP start-up and the two ways lwIP is driven: the
 * application's own poll loop (keel_net_poll, include/keel/net.h; it
 * calls lwIP's raw API between polls) or keel's network thread
 * (sockets: sock.c, boot.c). Below: lwIP (NO_SYS: it has no threads or
 * locks of its own; keel's cooperative threads never interleave inside
 * it), the net device's netif (netif.c), keel's clock, scheduler and
 * memory budget (lwIP's whole heap is one allocation tagged `net`).
 */
#include <string.h>
#include <sys/mman.h>

#include <keel/net.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/timeouts.h"
#include "sys/kernel.h"
#include "sys/mm.h"
#include "sys/sched.h"

#include "glue.h"
#include "netdev.h"

#define NET_STACK_PAGES 16 /* the network thread's stack: 64 KiB */

/* lwipopts.h: LWIP_RAM_HEAP_POINTER; mem.c lays its heap out here, one
 * struct mem at each end beyond MEM_SIZE. */

static struct netif nif;
static struct netdev dev;
static int started;
static uint64_t rand_state;

uint32_t keel_lwip_rand(void)
{
	uint64_t x = rand_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rand_state = x;
	return (uint32_t)(x >> 32);
}

void keel_lwip_assert(const char *msg, int line, const char *file)
{
	keel_panic("lwIP: assertion \"%s\" failed at %s:%d", msg, file, line);
}

/* lwIP's clock (milliseconds, wrapping) for its timers. */
u32_t sys_now(void)
{
	return (u32_t)(time_now() / 1000000);
}

uint64_t keel_net_now(void)
{
	return time_now();
}

/* "A.B.C.D/N" */
int lwip_parse_cidr(const char *s, ip4_addr_t *ip, ip4_addr_t *mask)
{
	char buf[20];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned bits = 0;

	if (!slash || n >= sizeof buf || !slash[1])
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (!ip4addr_aton(buf, ip))
		return -EINVAL;
	for (s = slash + 1; *s; s++) {
		if (*s < '0' || *s > '9' || bits > 32)
			return -EINVAL;
		bits = bits * 10 + (unsigned)(*s - '0');
	}
	if (bits > 32)
		return -EINVAL;
	ip4_addr_set_u32(mask, bits ? lwip_htonl(~0u << (32 - bits)) : 0);
	return 0;
}

int lwip_up(const ip4_addr_t *ip, const ip4_addr_t *mask, const ip4_addr_t *gw)
{
	void *heap;
	int r;

	if (started)
		return -EALREADY;
	dev.dev = 0;
	r = keel_platform->net_info(dev.dev, &dev.info);
	if (r < 0)
		return r;
	heap = mm_alloc(PAGE_UP(KEEL_NET_HEAP) / PAGE_SIZE, MM_NET);
	if (!heap)
		return -ENOMEM;
	keel_lwip_heap_init(heap, KEEL_NET_HEAP);
	if (keel_platform->entropy(&rand_state, sizeof rand_state) != sizeof rand_state)
		rand_state = time_now();
	rand_state |= 1;

	lwip_init();
	if (!netif_add(&nif, ip, mask, gw, &dev, netdev_init, netif_input))
		keel_panic("lwIP: netif_add failed");
	netif_set_default(&nif);
	netif_set_up(&nif);
	started = 1;
	return 0;
}

struct netif *lwip_netif(void)
{
	return started ? &nif : NULL;
}

int keel_net_start(const char *ip_cidr, const char *gw)
{
	ip4_addr_t ip, mask, gwaddr;

	if (started)
		return -EALREADY;
	if (!ip_cidr || lwip_parse_cidr(ip_cidr, &ip, &mask))
		return -EINVAL;
	ip4_addr_set_zero(&gwaddr);
	if (gw && !ip4addr_aton(gw, &gwaddr))
		return -EINVAL;
	return lwip_up(&ip, &mask, &gwaddr);
}

/* Whether packets wait on a loopback queue (127.0.0.1, or the
 * device's own address). */
static int loop_pending(void)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		if (n->loop_first)
			return 1;
	}
	return 0;
}

/* Frames from the device and looped packets into lwIP; how many (at
 * least 1 when any were looped), or -errno. */
static long take_input(void)
{
	long n = netdev_rx(&nif);

	if (loop_pending()) {
		netif_poll_all();
		n = n < 0 ? 1 : n + 1;
	}
	return n;
}

/* One round: a batch of frames in, due timers, what lwIP queued out in
 * one batch. Returns the frames received, or -errno. */
static long lwip_round(void)
{
	long n;

	dev.batching = 1;
	n = take_input();
	sys_check_timeouts();
	netdev_flush(&nif);
	dev.batching = 0;
	return n;
}

/* When lwIP next wants its timers run (absolute ns), at most `until`. */
static uint64_t next_timer(uint64_t now, uint64_t until)
{
	u32_t sleep = sys_timeouts_sleeptime();

	if (sleep != SYS_TIMEOUTS_SLEEPTIME_INFINITE && now + sleep * 1000000ull < until)
		until = now + sleep * 1000000ull;
	return until;
}

long keel_net_poll(uint64_t deadline)
{
	for (;;) {
		uint64_t now;
		long n;

		if (!started)
			return -ENODEV;
		n = lwip_round();
		if (n != 0)
			return n;
		now = time_now();
		if (now >= deadline)
			return 0;
		time_wait(next_timer(now, deadline), KEEL_EV_NET);
	}
}

/* ---- keel's network thread (sockets) ---- */

static struct thread *net_thread;
void (*lwip_round_hook)(void);
static uint64_t net_thread_until; /* when it wakes by itself */

/* Receives and runs timers for ever: the sockets' lwIP callbacks (sock.c)
 * run here and wake the threads waiting on their sockets. After a batch
 * it lets those threads run before it sends what lwIP queued, so their
 * answers leave with this round's ACKs in one batch (one VM exit). */
static int net_main(void *arg)
{
	for (;;) {
		long n;

		dev.batching = 1;
		n = take_input();
		sys_check_timeouts();
		if (n > 0)
			sched_yield_now();
		dev.batching = 1;
		netdev_flush(&nif);
		dev.batching = 0;
		if (lwip_round_hook)
			lwip_round_hook();
		if (n > 0)
			continue;
		net_thread_until = next_timer(time_now(), UINT64_MAX);
		sched_block(net_thread_until, KEEL_EV_NET);
	}
	return 0;
}

int lwip_thread_start(void)
{
	char *stack;
	int r;

	if (net_thread)
		return -EALREADY;
	stack = mm_alloc(NET_STACK_PAGES + 1, MM_STACK);
	if (!stack)
		return -ENOMEM;
	if (keel_platform->mem_protect)
		keel_platform->mem_protect(stack, PAGE_SIZE, PROT_NONE);
	r = sched_spawn_kernel(net_main, NULL, stack + (NET_STACK_PAGES + 1) * PAGE_SIZE,
			       &net_thread);
	return r < 0 ? r : 0;
}

void lwip_enter(void)
{
	dev.batching = 1;
}

void lwip_leave_later(void)
{
	if (!net_thread) {
		lwip_leave();
		return;
	}
	/* batching stays on: the frames wait in the device's queue (sent
	 * at once when it fills) for the network thread's next round */
	if (net_thread->state == T_BLOCKED &&
	    (dev.ntx || loop_pending() || next_timer(time_now(), UINT64_MAX) < net_thread_until))
		sched_wake(net_thread);
}

void lwip_leave(void)
{
	netdev_flush(&nif);
	dev.batching = 0;
	/* A call may have armed a timer sooner than the thread's wake-up,
	 * or looped a packet back. */
	if (net_thread && net_thread->state == T_BLOCKED &&
	    (loop_pending() || next_timer(time_now(), UINT64_MAX) < net_thread_until))
		sched_wake(net_thread);
}
