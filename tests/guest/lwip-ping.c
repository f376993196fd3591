/*
 * lwIP inside the image: brings the stack up on net device 0 with a
 * static address (keel_net_start), lets lwIP answer ARP and pings, and
 * echoes UDP datagrams on port 7 until one says "bye" or SECONDS have
 * passed; then prints lwIP's counters and exits 0, or 1 on a timeout
 * or with fewer than MIN datagrams echoed. tests/net/lwip-echo.sh
 * drives it from a network namespace.
 *
 *   lwip-ping A.B.C.D/N GW MIN SECONDS
 */
#include <keel/net.h>
#include <lwip/stats.h>
#include <lwip/udp.h>

#include "check.h"

static int echoed, bye;

static void echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	/* before udp_sendto, which puts its header in front of p */
	if (p->tot_len == 3 && !pbuf_memcmp(p, 0, "bye", 3))
		bye = 1;
	if (udp_sendto(pcb, p, addr, port) == ERR_OK)
		echoed++;
	pbuf_free(p);
}

static void print_proto(const char *name, const struct stats_proto *s)
{
	printf("lwip %-6s recv %u xmit %u drop %u chkerr %u lenerr %u memerr %u proterr %u\n", name,
	       s->recv, s->xmit, s->drop, s->chkerr, s->lenerr, s->memerr, s->proterr);
}

int main(int argc, char **argv)
{
	struct udp_pcb *pcb;
	uint64_t deadline;
	int want;

	CHECK(argc == 5);
	want = atoi(argv[3]);
	CHECK_EQ(keel_net_start("10.77.0.2", NULL), -EINVAL); /* no prefix length */
	CHECK_EQ(keel_net_start("10.77.0.2/33", NULL), -EINVAL);
	CHECK_EQ(keel_net_start(argv[1], argv[2]), 0);
	CHECK_EQ(keel_net_start(argv[1], argv[2]), -EALREADY);
	pcb = udp_new();
	CHECK(pcb != NULL);
	CHECK_EQ(udp_bind(pcb, IP_ADDR_ANY, 7), ERR_OK);
	udp_recv(pcb, echo, NULL);
	printf("lwip up at %s\n", argv[1]);
	fflush(stdout);

	deadline = keel_net_now() + (uint64_t)atoi(argv[4]) * 1000000000u;
	while (!bye && keel_net_now() < deadline)
		CHECK(keel_net_poll(deadline) >= 0);

	printf("echoed %d datagrams\n", echoed);
	print_proto("link", &lwip_stats.link);
	print_proto("etharp", &lwip_stats.etharp);
	print_proto("ip", &lwip_stats.ip);
	print_proto("icmp", &lwip_stats.icmp);
	print_proto("udp", &lwip_stats.udp);
	printf("lwip heap avail %u used %u max %u err %u\n", (unsigned)lwip_stats.mem.avail,
	       (unsigned)lwip_stats.mem.used, (unsigned)lwip_stats.mem.max, lwip_stats.mem.err);
	CHECK(bye);
	CHECK(echoed >= want);
	printf("ok: %u checks\n", checks_done);
	return 0;
}
