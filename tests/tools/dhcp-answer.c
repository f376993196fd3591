/*
 * dhcp-answer: the smallest DHCP server the network tests need (host
 * program): on the interface IFNAME, answers every DISCOVER with an
 * OFFER and every REQUEST with an ACK of the one lease ADDRESS/24 with
 * router and name server ROUTER, 1 hour, broadcast back to port 68.
 *
 *   dhcp-answer IFNAME ROUTER ADDRESS SECONDS
 *
 * Prints "dhcp-answer: ready" once it listens and one line per message
 * answered ("dhcp-answer: DISCOVER -> OFFER 10.77.0.50"); stops after
 * SECONDS. Exits 0, or 2 on bad arguments or when it cannot listen.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DISCOVER 1
#define OFFER 2
#define REQUEST 3
#define ACK 5

struct bootp {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64], file[128];
	uint8_t magic[4];
	uint8_t options[312];
};

/* The message type of a request, or 0. */
static int msg_type(const struct bootp *b, size_t len)
{
	size_t off = 0, n = len - offsetof(struct bootp, options);

	if (len < offsetof(struct bootp, options) || memcmp(b->magic, "\x63\x82\x53\x63", 4))
		return 0;
	while (off + 1 < n && b->options[off] != 255) {
		uint8_t code = b->options[off], l;

		if (code == 0) {
			off++;
			continue;
		}
		l = b->options[off + 1];
		if (code == 53 && l == 1 && off + 2 < n)
			return b->options[off + 2];
		off += 2u + l;
	}
	return 0;
}

static uint8_t *opt(uint8_t *p, uint8_t code, const void *v, uint8_t len)
{
	*p++ = code;
	*p++ = len;
	memcpy(p, v, len);
	return p + len;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(67) };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(68) };
	struct in_addr router, addr;
	uint32_t mask = htonl(0xffffff00), lease = htonl(3600);
	int s, on = 1;
	time_t end;

	if (argc != 5 || inet_pton(AF_INET, argv[2], &router) != 1 ||
	    inet_pton(AF_INET, argv[3], &addr) != 1 || atoi(argv[4]) <= 0) {
		fprintf(stderr, "usage: dhcp-answer IFNAME ROUTER ADDRESS SECONDS\n");
		return 2;
	}
	end = time(NULL) + atoi(argv[4]);
	to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) ||
	    setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) ||
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, argv[1], (socklen_t)strlen(argv[1])) ||
	    bind(s, (struct sockaddr *)&a, sizeof a)) {
		perror("dhcp-answer");
		return 2;
	}
	printf("dhcp-answer: ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		struct bootp b;
		ssize_t n;
		int t;
		uint8_t *o, type;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recv(s, &b, sizeof b, 0);
		if (n <= 0 || b.op != 1)
			continue;
		t = msg_type(&b, (size_t)n);
		if (t != DISCOVER && t != REQUEST)
			continue;
		type = t == DISCOVER ? OFFER : ACK;
		b.op = 2;
		b.hops = 0;
		b.yiaddr = addr.s_addr;
		b.siaddr = router.s_addr;
		memset(b.options, 0, sizeof b.options);
		o = b.options;
		o = opt(o, 53, &type, 1);
		o = opt(o, 54, &router, 4);
		o = opt(o, 51, &lease, 4);
		o = opt(o, 1, &mask, 4);
		o = opt(o, 3, &router, 4);
		o = opt(o, 6, &router, 4);
		*o++ = 255;
		if (sendto(s, &b, (size_t)(o - (uint8_t *)&b), 0, (struct sockaddr *)&to,
			   sizeof to) < 0)
			perror("dhcp-answer: sendto");
		printf("dhcp-answer: %s -> %s %s\n", t == DISCOVER ? "DISCOVER" : "REQUEST",
		       type == OFFER ? "OFFER" : "ACK", argv[3]);
		fflush(stdout);
	}
	return 0;
}
