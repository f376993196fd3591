/*
 * keel's lwIP configuration, read by every lwIP source file and by
 * keel's glue (net/lwip/). lwIP runs without threads or locks of its
 * own (NO_SYS=1): keel's threads are cooperative on one vCPU, so any
 * of them may call lwIP directly. Frames and timers reach it from
 * keel's network thread (sockets, net.c) or from the application's own
 * keel_net_poll() loop (the raw API, include/keel/net.h).
 *
 * Memory: every pool and every pbuf comes out of lwIP's one heap
 * (MEMP_MEM_MALLOC), and that heap is KEEL_NET_HEAP bytes taken from
 * keel's budget with the tag `net` when the network starts, so --stats
 * shows all of lwIP's memory on one line. The heap's allocator is
 * keel's (heap.c: buddy blocks, a few steps per call; lwIP's own mem.c
 * scans its heap linearly), plugged in as lwIP's "C library" malloc.
 * The MEMP_NUM_* counts below size that heap; lwIP does not enforce
 * them one by one when pools come from the heap, the heap's size is
 * the limit.
 */
#ifndef KEEL_LWIPOPTS_H
#define KEEL_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0

/* Memory: one heap, allocated at start from the budget (net.c), with
 * keel's allocator (heap.c). */
#include <stddef.h>
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
void keel_lwip_heap_init(void *region, size_t bytes);
void *keel_lwip_malloc(size_t n);
void *keel_lwip_calloc(size_t count, size_t size);
void keel_lwip_free(void *p);
size_t keel_lwip_heap_used(void); /* bytes in blocks (keel_net_heap) */
#define mem_clib_malloc keel_lwip_malloc
#define mem_clib_calloc keel_lwip_calloc
#define mem_clib_free keel_lwip_free

#define MEMP_NUM_PBUF 64
#define MEMP_NUM_UDP_PCB 16
#define MEMP_NUM_TCP_PCB 32
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG 256
#define MEMP_NUM_REASSDATA 8
#define MEMP_NUM_FRAG_PBUF 16
#define MEMP_NUM_ARP_QUEUE 16
#define PBUF_POOL_SIZE 64
#define PBUF_POOL_BUFSIZE 1536
#define TCP_MSS 1460
#define TCP_WND (32 * TCP_MSS)
#define TCP_SND_BUF (32 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)

/* For sockets (sock.c): SO_REUSEADDR, listen()'s backlog (SYNs beyond
 * it are dropped, as Linux does, until accept() makes room), and
 * TCP_KEEPIDLE/KEEPINTVL/KEEPCNT per connection. */
#define SO_REUSE 1
#define TCP_LISTEN_BACKLOG 1
#define LWIP_TCP_KEEPALIVE 1

/* The heap: the pools at the counts above (2 KiB per pbuf with its
 * frame, 0.5 KiB per TCP pcb, 64 bytes per segment) plus room for the
 * frames the TCP windows and queues may hold. Compile-time, like every
 * size here, and a power of two; net.c takes exactly this much. */
#define MEM_SIZE (2048 * 1024)
#define KEEL_NET_HEAP MEM_SIZE

/* Protocols: IPv4 with ARP, ICMP, UDP and TCP; DHCP when keel-run
 * gives no address. */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0 /* no half-second ARP probe at boot */
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
/* A loopback interface (127.0.0.1/8), and packets to the device's own
 * address looped back too: both queued (64 pbufs at most) and handed
 * to lwIP by netif_poll_all() in each round (net.c). */
#define LWIP_SINGLE_NETIF 0
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 64

/* Counters for the guests and tests (lwip_stats); no printing code. */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define LWIP_STATS_LARGE 1
#define LINK_STATS 1
#define ETHARP_STATS 1
#define IP_STATS 1
#define ICMP_STATS 1
#define UDP_STATS 1
#define TCP_STATS 1
#define MEM_STATS 0 /* heap.c counts (keel_net_heap) */
#define MEMP_STATS 1
#define SYS_STATS 0

/* Checksums in software both ways: neither tap nor virtio-net offloads
 * them here. */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_CHECK_IP 1
#define LWIP_CHKSUM_ALGORITHM 3

#endif
