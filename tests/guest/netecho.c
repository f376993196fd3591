/*
 * The network device through the platform's frame calls: a tiny host
 * at IP address argv[1] that answers ARP requests and ICMP echo
 * requests until it has answered argv[2] pings, then exits 0. The
 * runner pings it from inside a network namespace through a tap.
 */
#include <arpa/inet.h>
#include <keel/platform.h>

#include "check.h"

static uint8_t mac[6];
static uint32_t my_ip;

static uint16_t sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (; n > 1; p += 2, n -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Turns f into the answer to it; returns 1 for an echo reply, 0 for
 * an ARP reply, -1 when f needs no answer. */
static int answer(uint8_t *f, size_t len)
{
	uint16_t type;

	if (len < 42)
		return -1;
	type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == 0x0806) { /* ARP request for us */
		uint8_t *a = f + 14;
		if (a[7] != 1 || memcmp(a + 24, &my_ip, 4))
			return -1;
		a[7] = 2;
		memcpy(a + 18, a + 8, 10); /* target = the asker */
		memcpy(a + 8, mac, 6);
		memcpy(a + 14, &my_ip, 4);
	} else if (type == 0x0800) { /* ICMP echo request for us */
		uint8_t *ip = f + 14, *icmp;
		size_t ihl = (size_t)(ip[0] & 15) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
		uint8_t tmp[4];

		if (ip[9] != 1 || memcmp(ip + 16, &my_ip, 4) || tot > len - 14 || tot < ihl + 8)
			return -1;
		icmp = ip + ihl;
		if (icmp[0] != 8)
			return -1;
		icmp[0] = 0;
		icmp[2] = icmp[3] = 0;
		{
			uint16_t c = sum16(icmp, tot - ihl);
			icmp[2] = (uint8_t)(c >> 8);
			icmp[3] = (uint8_t)c;
		}
		memcpy(tmp, ip + 12, 4);
		memcpy(ip + 12, ip + 16, 4);
		memcpy(ip + 16, tmp, 4);
	} else {
		return -1;
	}
	memcpy(f, f + 6, 6);
	memcpy(f + 6, mac, 6);
	return type == 0x0800;
}

int main(int argc, char **argv)
{
	struct keel_net_info ni;
	static uint8_t buf[8][2048];
	struct keel_frame fr[8];
	int want, pings = 0, arps = 0, i;
	long n;

	CHECK(argc == 3);
	CHECK(inet_pton(AF_INET, argv[1], &my_ip) == 1);
	want = atoi(argv[2]);
	CHECK_EQ(keel_platform->net_info(0, &ni), 0);
	CHECK_EQ(ni.mtu, 1500);
	CHECK(ni.max_batch >= 1);
	CHECK((ni.mac[0] & 3) == 2); /* locally administered, unicast */
	CHECK_EQ(keel_platform->net_info(1, &ni), -ENODEV);
	CHECK_EQ(keel_platform->net_info(0, &ni), 0);
	memcpy(mac, ni.mac, 6);
	printf("mac %02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	fflush(stdout);

	while (pings < want) {
		struct keel_frame out[8];
		int nout = 0;

		for (i = 0; i < 8; i++)
			fr[i] = (struct keel_frame){ .data = buf[i], .cap = sizeof buf[i] };
		n = keel_platform->net_recv(0, fr, 8);
		CHECK(n >= 0);
		if (n == 0) {
			keel_platform->wait_until(UINT64_MAX, KEEL_EV_NET);
			continue;
		}
		for (i = 0; i < n; i++) {
			int r = answer(fr[i].data, fr[i].len);
			if (r < 0)
				continue;
			pings += r;
			arps += !r;
			out[nout++] = fr[i];
		}
		if (nout)
			CHECK_EQ(keel_platform->net_send(0, out, (unsigned)nout), nout);
	}
	printf("answered %d pings and %d ARP requests\n", pings, arps);
	printf("ok: %u checks\n", checks_done);
	return 0;
}
