/*
 * Sockets on lwIP at boot: keel_lwip_boot() is what sys/socket.c's
 * net_boot() calls when keel-run gave the image a net device
 * (--net=tap:) and the image makes sockets (keel's musl links this file
 * in with socket(); libc/src/network/keel/socket.c). It brings lwIP up
 * on net device 0 with keel-run's --ip/--gw, or asks DHCP, starts the
 * network thread (net.c), writes /etc/hosts and, with --dns,
 * /etc/resolv.conf for musl's resolver, and installs the socket files
 * (sock.c) as the stack socket() reaches.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

#include "lwip/dhcp.h"
#include "sys/kernel.h"
#include "sys/sched.h"
#include "sys/sock.h"

#include "glue.h"

#define DHCP_WAIT_NS (5 * 1000000000ull)

/* Writes a small file into keel's ramfs (through the syscall table, as
 * the application would). */
static int write_file(const char *path, const char *text)
{
	long fd = keel_syscall(SYS_open, (long)path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644,
			       0, 0, 0);
	long n = (long)strlen(text), r;

	if (fd < 0)
		return (int)fd;
	r = keel_syscall(SYS_write, fd, (long)text, n, 0, 0, 0);
	keel_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
	return r == n ? 0 : r < 0 ? (int)r : -EIO;
}

static int resolver_files(const char *dns)
{
	char line[64];
	long r = keel_syscall(SYS_mkdir, (long)"/etc", 0755, 0, 0, 0, 0);

	if (r < 0 && r != -EEXIST)
		return (int)r;
	r = write_file("/etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
	if (r || !dns)
		return (int)r;
	ksnprintf(line, sizeof line, "nameserver %s\n", dns);
	return write_file("/etc/resolv.conf", line);
}

static int dhcp_wait(struct netif *nif)
{
	uint64_t end = time_now() + DHCP_WAIT_NS;
	err_t e;

	lwip_enter();
	e = dhcp_start(nif);
	lwip_leave();
	if (e != ERR_OK)
		return -ENOMEM;
	/* The network thread runs DHCP; look every 20 ms. */
	while (!dhcp_supplied_address(nif)) {
		if (time_now() >= end) {
			keel_log("network: no DHCP answer on the net device within %lu s "
				 "(give keel-run --ip=A.B.C.D/N)",
				 (unsigned long)(DHCP_WAIT_NS / 1000000000ull));
			return -ETIMEDOUT;
		}
		sched_block(time_now() + 20000000, 0);
	}
	{
		const ip4_addr_t *a = netif_ip4_addr(nif), *m = netif_ip4_netmask(nif),
				 *g = netif_ip4_gw(nif);
		char ip[16], gw[16];
		unsigned bits = 0;
		u32_t mask = lwip_ntohl(ip4_addr_get_u32(m));

		while (mask & 0x80000000u) {
			bits++;
			mask <<= 1;
		}
		ip4addr_ntoa_r(a, ip, sizeof ip);
		ip4addr_ntoa_r(g, gw, sizeof gw);
		keel_log("network: %s/%u from DHCP, gateway %s", ip, bits, gw);
	}
	return 0;
}

int keel_lwip_boot(const struct keel_boot *b)
{
	ip4_addr_t ip, mask, gw;
	int r;

	ip4_addr_set_zero(&ip);
	ip4_addr_set_zero(&mask);
	ip4_addr_set_zero(&gw);
	if (b->net_ip && lwip_parse_cidr(b->net_ip, &ip, &mask))
		keel_panic("network: bad address '%s' (A.B.C.D/N)", b->net_ip);
	if (b->net_gw && !ip4addr_aton(b->net_gw, &gw))
		keel_panic("network: bad gateway '%s' (A.B.C.D)", b->net_gw);
	r = lwip_up(&ip, &mask, &gw);
	if (r)
		return r;
	r = lwip_thread_start();
	if (r)
		return r;
	if (!b->net_ip) {
		r = dhcp_wait(lwip_netif());
		if (r)
			return r;
	}
	r = resolver_files(b->net_dns);
	if (r)
		return r;
	lwip_round_hook = lwip_sock_round;
	net_stack_set(&lwip_stack);
	return 0;
}
