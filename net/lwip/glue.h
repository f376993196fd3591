/*
 * Inside keel's lwIP glue: what the start-up and driving code (net.c)
 * offers the socket files (sock.c) and the boot-time start (boot.c).
 */
#ifndef KEEL_NET_LWIP_GLUE_H
#define KEEL_NET_LWIP_GLUE_H

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

/* Brings lwIP up on net device 0 with this address (all zero: none yet,
 * for DHCP). 0, -ENODEV, -ENOMEM, -EALREADY. */
int lwip_up(const ip4_addr_t *ip, const ip4_addr_t *mask, const ip4_addr_t *gw);
/* The interface once up, else NULL. */
struct netif *lwip_netif(void);
/* "A.B.C.D/N" -> address and mask; 0 or -EINVAL. */
int lwip_parse_cidr(const char *s, ip4_addr_t *ip, ip4_addr_t *mask);

/* Starts keel's network thread, which feeds lwIP frames and runs its
 * timers from then on. 0 or -errno. */
int lwip_thread_start(void);

/* Around every call into lwIP from an application's thread: frames
 * lwIP sends meanwhile go out as one batch at lwip_leave(), which also
 * wakes the network thread when a timer was armed sooner than it
 * planned to wake. lwIP's callbacks (on the network thread) must not
 * call them. */
void lwip_enter(void);
void lwip_leave(void);
/* As lwip_leave, but the frames go out with the network thread's next
 * round, which runs once this thread waits (or yields): a send, the
 * window update of a receive and the ACKs of the next frames leave in
 * one batch, one VM exit. For TCP only: its timers resend what a
 * thread that never waits again (an exit) did not send. */
void lwip_leave_later(void);

/* Called after every round of the network thread when set (boot.c
 * sets it to sock.c's lwip_sock_round). */
extern void (*lwip_round_hook)(void);
void lwip_sock_round(void);

/* sock.c: the socket files; boot.c installs them with net_stack_set. */
struct net_stack;
extern const struct net_stack lwip_stack;

#endif
