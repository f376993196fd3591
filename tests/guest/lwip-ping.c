/*
 * lwIP inside the image: brings the stack up on net device 0 with a
 * static address (keel_net_start), lets lwIP answer ARP and pings,
 * echoes TCP connections on port 7 (lwIP's raw TCP API, flow
 * controlled: data is acknowledged to the sender only once its echo is
 * queued) and UDP datagrams on port 7 until one says "bye" or SECONDS
 * have passed; then prints lwIP's counters and exits 0, or 1 on a
 * timeout or with fewer than MIN datagrams echoed. With MIN 0 it only
 * idles until SECONDS have passed and checks that keel_net_poll kept
 * that deadline. A datagram "hog" makes it take all of lwIP's heap
 * for 3 seconds (taking back whatever lwIP frees meanwhile), then give
 * it back: frames that arrive meanwhile are dropped, and the stack
 * works again afterwards. tests/net/lwip-echo.sh drives it from a network
 * namespace.
 *
 *   lwip-ping A.B.C.D/N GW MIN SECONDS
 */
#include <keel/net.h>
#include <lwip/stats.h>
#include <lwip/tcp.h>
#include <lwip/udp.h>

#include "check.h"

static int echoed, bye, hog_asked;

/* ---- lwIP's heap taken away ---- */

static struct pbuf *hog_list[4096];
static int hog_n;

static void hog_take(void)
{
	static const u16_t sizes[] = { 4096, 1024, 64 };
	unsigned i;

	for (i = 0; i < 3 && hog_n < 4096;) {
		struct pbuf *p = pbuf_alloc(PBUF_RAW, sizes[i], PBUF_RAM);

		if (p)
			hog_list[hog_n++] = p;
		else
			i++;
	}
}

static void hog_release(void)
{
	while (hog_n)
		pbuf_free(hog_list[--hog_n]);
}

static void echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	/* before udp_sendto, which puts its header in front of p */
	if (p->tot_len == 3 && !pbuf_memcmp(p, 0, "bye", 3))
		bye = 1;
	if (p->tot_len == 3 && !pbuf_memcmp(p, 0, "hog", 3))
		hog_asked = 1;
	if (udp_sendto(pcb, p, addr, port) == ERR_OK)
		echoed++;
	pbuf_free(p);
}

/* ---- TCP echo ---- */

struct conn {
	struct pbuf *pending; /* received, not yet queued for sending */
	int closing;
};

static unsigned long tcp_bytes;
static int tcp_conns, tcp_done;

/* ERR_ABRT when the pcb had to be aborted (a callback must say so). */
static err_t conn_end(struct tcp_pcb *pcb, struct conn *c)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	if (c->pending)
		pbuf_free(c->pending);
	free(c);
	tcp_done++;
	if (tcp_close(pcb) == ERR_OK)
		return ERR_OK;
	tcp_abort(pcb);
	return ERR_ABRT;
}

/* Queues as much of the pending data as the send buffer takes. */
static err_t push(struct tcp_pcb *pcb, struct conn *c)
{
	while (c->pending) {
		u16_t n = c->pending->len;

		if (n > tcp_sndbuf(pcb))
			n = tcp_sndbuf(pcb);
		if (!n || tcp_write(pcb, c->pending->payload, n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
		tcp_recved(pcb, n);
		tcp_bytes += n;
		c->pending = pbuf_free_header(c->pending, n);
	}
	tcp_output(pcb);
	if (c->closing && !c->pending)
		return conn_end(pcb, c);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	return push(pcb, arg);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;

	if (!p) /* the peer is done sending: close once all is echoed */
		c->closing = 1;
	else if (c->pending)
		pbuf_cat(c->pending, p);
	else
		c->pending = p;
	return push(pcb, c);
}

static void on_err(void *arg, err_t err)
{
	struct conn *c = arg; /* lwIP has freed the pcb */

	if (c) {
		if (c->pending)
			pbuf_free(c->pending);
		free(c);
	}
	printf("tcp: connection error %d\n", err);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn *c;

	if (err != ERR_OK || !pcb || !(c = calloc(1, sizeof *c)))
		return ERR_MEM;
	tcp_conns++;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	return ERR_OK;
}

static void print_proto(const char *name, const struct stats_proto *s)
{
	printf("lwip %-6s recv %u xmit %u drop %u chkerr %u lenerr %u memerr %u proterr %u\n", name,
	       s->recv, s->xmit, s->drop, s->chkerr, s->lenerr, s->memerr, s->proterr);
}

int main(int argc, char **argv)
{
	struct udp_pcb *pcb;
	uint64_t deadline, hog_until = 0;
	struct keel_net_heap heap;
	STAT_COUNTER memerr0 = 0;
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
	{
		struct tcp_pcb *l = tcp_new();

		CHECK(l != NULL);
		CHECK_EQ(tcp_bind(l, IP_ADDR_ANY, 7), ERR_OK);
		l = tcp_listen(l);
		CHECK(l != NULL);
		tcp_accept(l, on_accept);
	}
	printf("lwip up at %s\n", argv[1]);
	fflush(stdout);

	deadline = keel_net_now() + (uint64_t)atoi(argv[4]) * 1000000000u;
	while (!bye && keel_net_now() < deadline) {
		long r;

		if (hog_asked && !hog_until) {
			hog_take();
			hog_until = keel_net_now() + 3000000000u;
			memerr0 = lwip_stats.link.memerr;
			keel_net_heap(&heap);
			printf("hog: holding %u KiB of lwIP's heap\n", (unsigned)heap.used / 1024);
			fflush(stdout);
		}
		if (hog_until && hog_n) {
			hog_take(); /* what lwIP freed since */
			if (keel_net_now() >= hog_until) {
				hog_release();
				printf("hog: released; %u frames dropped meanwhile\n",
				       (unsigned)(lwip_stats.link.memerr - memerr0));
				fflush(stdout);
			}
		}
		r = keel_net_poll(hog_n && hog_until < deadline ? hog_until : deadline);
		if (!r && hog_n)
			continue; /* the hog's deadline */

		CHECK(r >= 0);
		if (!r) /* only at the deadline */
			CHECK(keel_net_now() >= deadline);
	}
	if (!want) {
		uint64_t late = keel_net_now() - deadline;

		printf("idle: returned %llu us after the deadline\n",
		       (unsigned long long)late / 1000);
		CHECK(late < 100000000); /* 100 ms, for a busy machine */
		bye = 1;
	}

	printf("echoed %d datagrams\n", echoed);
	printf("tcp: echoed %lu bytes on %d connections, %d closed\n", tcp_bytes, tcp_conns,
	       tcp_done);
	print_proto("link", &lwip_stats.link);
	print_proto("etharp", &lwip_stats.etharp);
	print_proto("ip", &lwip_stats.ip);
	print_proto("icmp", &lwip_stats.icmp);
	print_proto("udp", &lwip_stats.udp);
	print_proto("tcp", &lwip_stats.tcp);
	keel_net_heap(&heap);
	printf("lwip heap size %zu used %zu peak %zu failures %lu\n", heap.size, heap.used, heap.peak,
	       heap.failures);
	CHECK(bye);
	CHECK(echoed >= want);
	printf("ok: %u checks\n", checks_done);
	return 0;
}
