/*
 * keel's lwIP start-up and poll loop (include/keel/net.h). Above: the
 * application, which calls lwIP's raw API between polls. Below: lwIP
 * (NO_SYS: it has no threads or locks of its own), the net device's
 * netif (netif.c), keel's clock, scheduler (time_wait) and memory
 * budget (lwIP's whole heap is one allocation tagged `net`).
 */
#include <string.h>

#include <keel/net.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/timeouts.h"
#include "sys/kernel.h"
#include "sys/mm.h"

#include "netdev.h"

/* lwipopts.h: LWIP_RAM_HEAP_POINTER; mem.c lays its heap out here, one
 * struct mem at each end beyond MEM_SIZE. */
unsigned char *keel_lwip_heap;
#define HEAP_BYTES (KEEL_NET_HEAP + 256)

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
static int parse_cidr(const char *s, ip4_addr_t *ip, ip4_addr_t *mask)
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

int keel_net_start(const char *ip_cidr, const char *gw)
{
	ip4_addr_t ip, mask, gwaddr;
	int r;

	if (started)
		return -EALREADY;
	if (!ip_cidr || parse_cidr(ip_cidr, &ip, &mask))
		return -EINVAL;
	ip4_addr_set_zero(&gwaddr);
	if (gw && !ip4addr_aton(gw, &gwaddr))
		return -EINVAL;
	dev.dev = 0;
	r = keel_platform->net_info(dev.dev, &dev.info);
	if (r < 0)
		return r;
	keel_lwip_heap = mm_alloc(PAGE_UP(HEAP_BYTES) / PAGE_SIZE, MM_NET);
	if (!keel_lwip_heap)
		return -ENOMEM;
	if (keel_platform->entropy(&rand_state, sizeof rand_state) != sizeof rand_state)
		rand_state = time_now();
	rand_state |= 1;

	lwip_init();
	if (!netif_add(&nif, &ip, &mask, &gwaddr, &dev, netdev_init, netif_input))
		keel_panic("lwIP: netif_add failed");
	netif_set_default(&nif);
	netif_set_up(&nif);
	started = 1;
	return 0;
}

long keel_net_poll(uint64_t deadline)
{
	for (;;) {
		uint64_t now, until = deadline;
		u32_t sleep;
		long n;

		if (!started)
			return -ENODEV;
		dev.batching = 1;
		n = netdev_rx(&nif);
		sys_check_timeouts();
		netdev_flush(&nif);
		dev.batching = 0;
		if (n != 0)
			return n;
		now = time_now();
		if (now >= deadline)
			return 0;
		sleep = sys_timeouts_sleeptime();
		if (sleep != SYS_TIMEOUTS_SLEEPTIME_INFINITE && now + sleep * 1000000ull < until)
			until = now + sleep * 1000000ull;
		time_wait(until, KEEL_EV_NET);
	}
}
