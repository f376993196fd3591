/*
 * Sockets on lwIP: AF_INET SOCK_STREAM (TCP) and SOCK_DGRAM (UDP) as
 * keel socket files (sys/sock.h). Above: the socket layer
 * (sys/socket.c), which blocks, when a call may, by waiting on the
 * file's poll op. Below: lwIP's raw API. An application's thread calls
 * lwIP directly (between lwip_enter and lwip_leave, so what lwIP sends
 * goes out as one batch; TCP's sends and window updates stay queued
 * until the thread waits, so the network thread sends them with
 * everything else of that round); lwIP's callbacks run on keel's network
 * thread (net.c), queue what arrived on the socket and wake its wait
 * queue. Nothing here blocks.
 *
 * Ownership: a received pbuf belongs to its socket's queue until the
 * application reads it; TCP reopens its window (tcp_recved) only then,
 * so a connection holds at most TCP_WND bytes, and a UDP socket drops
 * datagrams beyond its receive buffer. The pcb belongs to the socket
 * until close hands it back to lwIP (tcp_close: lwIP finishes the
 * close) or lwIP reports it gone (the err callback; or, after both
 * sides sent FIN, the socket lets go of it first, since lwIP frees a
 * TIME_WAIT pcb without a word).
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "lwip/mem.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "sys/fd.h"
#include "sys/kernel.h"
#include "sys/mm.h"
#include "sys/sock.h"
#include "sys/wait.h"

#include "glue.h"

enum lstate {
	S_NEW,	      /* no connection yet (maybe bound) */
	S_LISTEN,     /* TCP: listening */
	S_CONNECTING, /* TCP: SYN sent */
	S_CONNECTED,  /* TCP: established (or closing); UDP: has a peer */
	S_CLOSED,     /* TCP: the pcb is gone (reset, refused, closed) */
};

/* A received datagram and where it came from (lwIP's heap). */
struct dgram {
	struct dgram *next;
	struct pbuf *p;
	ip_addr_t addr;
	u16_t port;
};

#define UDP_RCVBUF (128 * 1024) /* default queue: payload + overhead */
#define UDP_RCVBUF_MAX (1024 * 1024)
#define DGRAM_OVERHEAD 128 /* counted per queued datagram */
#define UDP_MAX_PAYLOAD 65507
#define BACKLOG_MAX 255

struct lsock {
	struct sock_common common; /* first: the socket layer's part */
	struct waitq wq;
	int type;
	enum lstate state;
	int err; /* pending error (positive errno): SO_ERROR, the next call */
	struct tcp_pcb *tcp;
	struct udp_pcb *udp;
	/* TCP: received bytes, a chain of pbufs; rx_off into the first */
	struct pbuf *rx, *rx_tail;
	size_t rx_off, rx_bytes;
	/* UDP: received datagrams */
	struct dgram *dq, *dq_tail;
	size_t dq_bytes;
	unsigned fin : 1;      /* the peer sent FIN */
	unsigned shut_rd : 1;  /* shutdown(SHUT_RD) */
	unsigned shut_wr : 1;  /* shutdown(SHUT_WR): FIN sent */
	unsigned mem_wait : 1; /* lwIP's heap was full: on mem_waiters */
	unsigned was_connected : 1;
	/* listening: connections lwIP completed, not yet accepted */
	struct lsock *acc_head, *acc_tail, *acc_next;
	struct lsock *listener; /* while on a listener's queue */
	struct lsock *mem_next; /* on mem_waiters */
	/* options kept across pcbs (listen makes a new one, a refused
	 * connect loses it) */
	int reuse, keepalive, nodelay, broadcast, ttl, tos;
	u32_t keep_idle, keep_intvl, keep_cnt; /* ms, ms, count; 0: lwIP's */
	struct linger linger;
	size_t rcvbuf;
	/* the addresses, kept once the pcb is gone */
	ip_addr_t local_ip, remote_ip;
	u16_t local_port, remote_port;
};

static const struct file_ops lw_ops;

static int err_errno(err_t e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
		return ENOMEM;
	case ERR_BUF:
		return ENOBUFS;
	case ERR_TIMEOUT:
		return ETIMEDOUT;
	case ERR_RTE:
		return ENETUNREACH;
	case ERR_INPROGRESS:
		return EINPROGRESS;
	case ERR_WOULDBLOCK:
		return EAGAIN;
	case ERR_USE:
		return EADDRINUSE;
	case ERR_ALREADY:
		return EALREADY;
	case ERR_ISCONN:
		return EISCONN;
	case ERR_CONN:
	case ERR_CLSD:
		return ENOTCONN;
	case ERR_ABRT:
		return ECONNABORTED;
	case ERR_RST:
		return ECONNRESET;
	case ERR_IF:
		return EIO;
	default:
		return EINVAL;
	}
}

static struct lsock *lsock_of(struct file *f)
{
	return f->priv;
}

static void wake(struct lsock *ls)
{
	waitq_wake(&ls->wq);
}

/* ---- lwIP's heap full ----
 * A TCP send that finds lwIP's heap full waits (EAGAIN; not writable)
 * until the heap has room again, as Linux waits for socket memory:
 * whatever frees memory (ACKs, reads, closes, the network thread's
 * rounds) looks whether it has, and wakes the waiting sockets. */

#define MEM_ROOM (4 * TCP_MSS + 1024)

/* Sends may fill lwIP's heap up to three quarters: the rest stays for
 * receiving, since the ACKs that free sent data need receive buffers
 * (a heap full of unacknowledged data would never empty again). */
#define SEND_LIMIT ((size_t)MEM_SIZE / 4 * 3)

static size_t heap_used(void)
{
	return keel_lwip_heap_used();
}

/* How many bytes sends may still put into lwIP's heap now. */
static size_t send_room(void)
{
	return heap_used() < SEND_LIMIT ? SEND_LIMIT - heap_used() : 0;
}

static struct lsock *mem_waiters;

static void mem_wait_on(struct lsock *ls)
{
	if (ls->mem_wait)
		return;
	ls->mem_wait = 1;
	ls->mem_next = mem_waiters;
	mem_waiters = ls;
}

static void mem_wait_off(struct lsock *ls)
{
	struct lsock **pp;

	if (!ls->mem_wait)
		return;
	for (pp = &mem_waiters; *pp; pp = &(*pp)->mem_next) {
		if (*pp == ls) {
			*pp = ls->mem_next;
			break;
		}
	}
	ls->mem_wait = 0;
}

/* Connections in TIME_WAIT keep a pcb from lwIP's heap for 2 MSL: at
 * most TW_MAX of them, the oldest dropped first (as Linux does beyond
 * tcp_max_tw_buckets), and none once a send finds the heap full.
 * Returns how many it dropped. */
#define TW_MAX 64

static int tw_reap(int keep)
{
	struct tcp_pcb *p, *last;
	int n = 0, dropped = 0;

	for (p = tcp_tw_pcbs; p; p = p->next)
		n++;
	while (n-- > keep) {
		last = tcp_tw_pcbs; /* newest first: the oldest is the last */
		while (last->next)
			last = last->next;
		tcp_abort(last);
		dropped++;
	}
	return dropped;
}

static void mem_check(void)
{
	while (mem_waiters && send_room() >= MEM_ROOM) {
		struct lsock *ls = mem_waiters;

		mem_waiters = ls->mem_next;
		ls->mem_wait = 0;
		wake(ls);
	}
}

/* ---- addresses ---- */

static int addr_in(const struct sockaddr *a, socklen_t len, ip_addr_t *ip, u16_t *port)
{
	const struct sockaddr_in *in = (const void *)a;

	if (len < sizeof *in)
		return -EINVAL;
	if (in->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	ip_addr_set_ip4_u32(ip, in->sin_addr.s_addr);
	*port = lwip_ntohs(in->sin_port);
	return 0;
}

static void addr_out(struct sockaddr *a, socklen_t *len, const ip_addr_t *ip, u16_t port)
{
	struct sockaddr_in in = { .sin_family = AF_INET };

	in.sin_port = lwip_htons(port);
	in.sin_addr.s_addr = ip4_addr_get_u32(ip_2_ip4(ip));
	sock_name_out(a, len, &in, sizeof in);
}

static void keep_addrs(struct lsock *ls)
{
	if (ls->tcp) {
		ip_addr_copy(ls->local_ip, ls->tcp->local_ip);
		ls->local_port = ls->tcp->local_port;
		if (ls->tcp->state != LISTEN) {
			ip_addr_copy(ls->remote_ip, ls->tcp->remote_ip);
			ls->remote_port = ls->tcp->remote_port;
		}
	} else if (ls->udp) {
		ip_addr_copy(ls->local_ip, ls->udp->local_ip);
		ls->local_port = ls->udp->local_port;
		ip_addr_copy(ls->remote_ip, ls->udp->remote_ip);
		ls->remote_port = ls->udp->remote_port;
	}
}

/* ---- receive queues ---- */

static void rx_free(struct lsock *ls)
{
	if (ls->rx)
		pbuf_free(ls->rx);
	ls->rx = ls->rx_tail = NULL;
	ls->rx_off = ls->rx_bytes = 0;
	while (ls->dq) {
		struct dgram *d = ls->dq;

		ls->dq = d->next;
		pbuf_free(d->p);
		mem_free(d);
	}
	ls->dq_tail = NULL;
	ls->dq_bytes = 0;
}

/* Copies up to n queued TCP bytes into the iovecs (dst NULL: none) and,
 * unless peek, drops them from the queue. Returns the bytes taken. */
static size_t rx_take(struct lsock *ls, const struct msghdr *m, size_t n, int peek)
{
	struct pbuf *p = ls->rx;
	size_t off = ls->rx_off, done = 0, iv = 0, ivoff = 0;

	while (p && done < n) {
		size_t k = p->len - off;

		if (k > n - done)
			k = n - done;
		if (m) {
			size_t c = 0;

			while (c < k && iv < m->msg_iovlen) {
				struct iovec *v = &m->msg_iov[iv];
				size_t room = v->iov_len - ivoff, t = k - c < room ? k - c : room;

				memcpy((char *)v->iov_base + ivoff, (char *)p->payload + off + c,
				       t);
				c += t;
				ivoff += t;
				if (ivoff == v->iov_len) {
					iv++;
					ivoff = 0;
				}
			}
		}
		done += k;
		off += k;
		if (off == p->len) {
			struct pbuf *next = p->next;

			if (!peek) {
				p->next = NULL;
				pbuf_free(p);
				ls->rx = next;
			}
			p = next;
			off = 0;
		}
	}
	if (!peek) {
		ls->rx_off = off;
		ls->rx_bytes -= done;
		if (!ls->rx) {
			ls->rx_tail = NULL;
			ls->rx_off = 0;
		}
	}
	return done;
}

static void tcp_window_open(struct lsock *ls, size_t n)
{
	while (ls->tcp && n) {
		u16_t k = n > 0xffff ? 0xffff : (u16_t)n;

		tcp_recved(ls->tcp, k);
		n -= k;
	}
}

/* ---- lwIP's callbacks (on the network thread) ---- */

static void accept_unlink(struct lsock *c)
{
	struct lsock *l = c->listener, **pp;

	for (pp = &l->acc_head; *pp; pp = &(*pp)->acc_next) {
		if (*pp == c) {
			*pp = c->acc_next;
			break;
		}
	}
	l->acc_tail = NULL;
	for (c = l->acc_head; c; c = c->acc_next)
		l->acc_tail = c;
}

static void on_err(void *arg, err_t e)
{
	struct lsock *ls = arg;

	if (!ls)
		return;
	ls->tcp = NULL; /* lwIP has freed it */
	if (ls->listener) {
		/* reset before accept: it leaves the queue, as on Linux */
		accept_unlink(ls);
		rx_free(ls);
		kfree(ls);
		return;
	}
	if (e == ERR_RST)
		ls->err = ls->state == S_CONNECTING ? ECONNREFUSED : ECONNRESET;
	else if (e == ERR_ABRT)
		ls->err = ETIMEDOUT; /* lwIP gave up retransmitting */
	else if (e != ERR_CLSD)
		ls->err = err_errno(e);
	ls->state = S_CLOSED;
	wake(ls);
	mem_check();
}

/* lwIP has freed or will free the pcb on its own: forget it. */
static void detach(struct lsock *ls)
{
	struct tcp_pcb *pcb = ls->tcp;

	if (!pcb)
		return;
	keep_addrs(ls);
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	ls->tcp = NULL;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
	struct lsock *ls = arg;

	if (!p) {
		ls->fin = 1;
		/* With our FIN sent too, the pcb goes to TIME_WAIT or CLOSING,
		 * which lwIP ends without a callback. */
		if (ls->shut_wr) {
			detach(ls);
			ls->state = S_CLOSED;
		}
		wake(ls);
		return ERR_OK;
	}
	if (ls->shut_rd) {
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	ls->rx_bytes += p->tot_len;
	if (ls->rx_tail)
		ls->rx_tail->next = p; /* the chain's tot_len is not kept: rx_bytes is */
	else
		ls->rx = p;
	while (p->next)
		p = p->next;
	ls->rx_tail = p;
	wake(ls);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct lsock *ls = arg;

	wake(ls);
	mem_check();
	return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t e)
{
	struct lsock *ls = arg;

	ls->state = S_CONNECTED;
	ls->was_connected = 1;
	keep_addrs(ls);
	wake(ls);
	return ERR_OK;
}

static void tcp_callbacks(struct lsock *ls)
{
	tcp_arg(ls->tcp, ls);
	tcp_recv(ls->tcp, on_recv);
	tcp_sent(ls->tcp, on_sent);
	tcp_err(ls->tcp, on_err);
}

/* The options a new pcb of ls takes over. */
static void tcp_apply(struct lsock *ls, struct tcp_pcb *pcb)
{
	if (ls->reuse)
		ip_set_option(pcb, SOF_REUSEADDR);
	if (ls->keepalive)
		ip_set_option(pcb, SOF_KEEPALIVE);
	if (ls->ttl)
		pcb->ttl = (u8_t)ls->ttl;
	pcb->tos = (u8_t)ls->tos;
	if (pcb->state == LISTEN)
		return;
	if (ls->nodelay)
		tcp_nagle_disable(pcb);
	if (ls->keep_idle)
		pcb->keep_idle = ls->keep_idle;
	if (ls->keep_intvl)
		pcb->keep_intvl = ls->keep_intvl;
	if (ls->keep_cnt)
		pcb->keep_cnt = ls->keep_cnt;
}

static struct lsock *lsock_new(int type)
{
	struct lsock *ls = kmalloc(sizeof *ls, MM_NET);

	if (!ls)
		return NULL;
	ls->type = type;
	ls->state = S_NEW;
	ls->rcvbuf = UDP_RCVBUF;
	return ls;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t e)
{
	struct lsock *l = arg, *c;

	if (e != ERR_OK || !pcb || !l)
		return ERR_VAL; /* lwIP aborts pcb */
	c = lsock_new(SOCK_STREAM);
	if (!c)
		return ERR_MEM;
	c->common = l->common;
	c->reuse = l->reuse;
	c->keepalive = l->keepalive;
	c->nodelay = l->nodelay;
	c->ttl = l->ttl;
	c->tos = l->tos;
	c->keep_idle = l->keep_idle;
	c->keep_intvl = l->keep_intvl;
	c->keep_cnt = l->keep_cnt;
	c->linger = l->linger;
	c->tcp = pcb;
	c->state = S_CONNECTED;
	c->was_connected = 1;
	tcp_apply(c, pcb);
	tcp_callbacks(c);
	keep_addrs(c);
	/* counted against the backlog until accept() takes it */
	tcp_backlog_delayed(pcb);
	c->listener = l;
	if (l->acc_tail)
		l->acc_tail->acc_next = c;
	else
		l->acc_head = c;
	l->acc_tail = c;
	wake(l);
	return ERR_OK;
}

static void on_dgram(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		     u16_t port)
{
	struct lsock *ls = arg;
	struct dgram *d;
	size_t cost = (size_t)p->tot_len + DGRAM_OVERHEAD;

	if (ls->shut_rd || ls->dq_bytes + cost > ls->rcvbuf) {
		UDP_STATS_INC(udp.drop);
		pbuf_free(p);
		return;
	}
	d = mem_malloc(sizeof *d);
	if (!d) {
		UDP_STATS_INC(udp.memerr);
		pbuf_free(p);
		return;
	}
	d->next = NULL;
	d->p = p;
	ip_addr_copy(d->addr, *addr);
	d->port = port;
	if (ls->dq_tail)
		ls->dq_tail->next = d;
	else
		ls->dq = d;
	ls->dq_tail = d;
	ls->dq_bytes += cost;
	wake(ls);
}

/* ---- the socket calls ---- */

static int lw_socket(int domain, int type, int protocol, struct file **out)
{
	struct lsock *ls;
	struct file *f;

	if (domain != AF_INET)
		return -EAFNOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	ls = lsock_new(type);
	if (!ls)
		return -ENOMEM;
	if (type == SOCK_STREAM) {
		ls->tcp = tcp_new();
		if (ls->tcp)
			tcp_callbacks(ls);
	} else {
		ls->udp = udp_new();
		if (ls->udp)
			udp_recv(ls->udp, on_dgram, ls);
	}
	f = ls->tcp || ls->udp ? file_alloc(&lw_ops, O_RDWR) : NULL;
	if (!f) {
		if (ls->tcp)
			tcp_abort(ls->tcp);
		if (ls->udp)
			udp_remove(ls->udp);
		kfree(ls);
		return -ENOMEM;
	}
	f->priv = ls;
	*out = f;
	return 0;
}

/* Whether ip is one this machine answers on (bind's EADDRNOTAVAIL). */
static int local_addr(const ip_addr_t *ip)
{
	struct netif *nif = lwip_netif();

	return ip_addr_isany(ip) || ip_addr_isbroadcast(ip, nif) || ip_addr_ismulticast(ip) ||
	       ip_addr_isloopback(ip) || ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(nif));
}

static int lw_bind(struct file *f, const struct sockaddr *a, socklen_t len)
{
	struct lsock *ls = lsock_of(f);
	ip_addr_t ip;
	u16_t port;
	err_t e;
	int r = addr_in(a, len, &ip, &port);

	if (r)
		return r;
	if (!local_addr(&ip))
		return -EADDRNOTAVAIL;
	if (ls->local_port || (ls->type == SOCK_STREAM && ls->state != S_NEW))
		return -EINVAL;
	if (ls->tcp)
		e = tcp_bind(ls->tcp, &ip, port);
	else if (ls->udp)
		e = udp_bind(ls->udp, &ip, port);
	else
		return -EINVAL;
	if (e == ERR_BUF)
		return -EADDRINUSE; /* no free ephemeral port */
	if (e != ERR_OK)
		return -err_errno(e);
	keep_addrs(ls);
	return 0;
}

static int lw_listen(struct file *f, int backlog)
{
	struct lsock *ls = lsock_of(f);
	struct tcp_pcb *l;
	err_t e;
	u8_t bl = backlog < 1 ? 1 : backlog > BACKLOG_MAX ? BACKLOG_MAX : (u8_t)backlog;

	if (ls->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (ls->state == S_LISTEN) {
		tcp_backlog_set(ls->tcp, bl);
		return 0;
	}
	if (ls->state != S_NEW || !ls->tcp)
		return -EINVAL;
	if (!ls->tcp->local_port) {
		e = tcp_bind(ls->tcp, IP_ADDR_ANY, 0);
		if (e != ERR_OK)
			return e == ERR_BUF ? -EADDRINUSE : -err_errno(e);
	}
	l = tcp_listen_with_backlog_and_err(ls->tcp, bl, &e);
	if (!l)
		return e == ERR_USE ? -EADDRINUSE : -ENOMEM;
	ls->tcp = l; /* the old pcb is freed */
	tcp_arg(l, ls);
	tcp_accept(l, on_accept);
	ls->state = S_LISTEN;
	keep_addrs(ls);
	return 0;
}

static int lw_accept(struct file *f, struct file **out, struct sockaddr *a, socklen_t *len)
{
	struct lsock *ls = lsock_of(f), *c;
	struct file *nf;

	if (ls->state != S_LISTEN)
		return -EINVAL;
	c = ls->acc_head;
	if (!c)
		return -EAGAIN;
	nf = file_alloc(&lw_ops, O_RDWR);
	if (!nf)
		return -ENOMEM; /* it stays queued */
	ls->acc_head = c->acc_next;
	if (!ls->acc_head)
		ls->acc_tail = NULL;
	c->acc_next = NULL;
	c->listener = NULL;
	if (c->tcp)
		tcp_backlog_accepted(c->tcp);
	nf->priv = c;
	if (a)
		addr_out(a, len, &c->remote_ip, c->remote_port);
	*out = nf;
	return 0;
}

/* A TCP socket whose connection failed gets a new pcb for the next try. */
static int tcp_renew(struct lsock *ls)
{
	ls->tcp = tcp_new();
	if (!ls->tcp)
		return -ENOMEM;
	tcp_apply(ls, ls->tcp);
	tcp_callbacks(ls);
	ls->state = S_NEW;
	ls->fin = ls->shut_rd = ls->shut_wr = 0;
	ls->local_port = ls->remote_port = 0;
	rx_free(ls);
	return 0;
}

static int lw_connect(struct file *f, const struct sockaddr *a, socklen_t len)
{
	struct lsock *ls = lsock_of(f);
	ip_addr_t ip;
	u16_t port;
	err_t e;
	int r;

	if (ls->type == SOCK_DGRAM && len >= sizeof(sa_family_t) && a->sa_family == AF_UNSPEC) {
		udp_disconnect(ls->udp);
		ls->state = S_NEW;
		keep_addrs(ls);
		return 0;
	}
	r = addr_in(a, len, &ip, &port);
	if (r)
		return r;
	if (ls->type == SOCK_DGRAM) {
		e = udp_connect(ls->udp, &ip, port);
		if (e != ERR_OK)
			return e == ERR_USE ? -EADDRNOTAVAIL : -err_errno(e);
		ls->state = S_CONNECTED;
		keep_addrs(ls);
		return 0;
	}
	switch (ls->state) {
	case S_LISTEN:
	case S_CONNECTED:
		return -EISCONN;
	case S_CONNECTING:
		return -EALREADY;
	case S_CLOSED:
		if (ls->was_connected)
			return -EISCONN;
		r = tcp_renew(ls);
		if (r)
			return r;
		break;
	case S_NEW:
		break;
	}
	if (ip_addr_isany(&ip) || !port)
		return -ECONNREFUSED; /* nothing listens there */
	ls->err = 0;
	lwip_enter();
	e = tcp_connect(ls->tcp, &ip, port, on_connected);
	lwip_leave();
	if (e != ERR_OK)
		return e == ERR_USE ? -EADDRNOTAVAIL : -err_errno(e);
	ls->state = S_CONNECTING;
	keep_addrs(ls);
	return -EINPROGRESS;
}

static size_t iov_total(const struct msghdr *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->msg_iovlen; i++)
		n += m->msg_iov[i].iov_len;
	return n;
}

static int take_err(struct lsock *ls)
{
	int e = ls->err;

	ls->err = 0;
	return -e;
}

static ssize_t tcp_sendmsg(struct lsock *ls, const struct msghdr *m, int flags)
{
	struct tcp_pcb *pcb = ls->tcp;
	size_t total = 0, want = iov_total(m), i;
	int r = 0, mem = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (ls->state == S_NEW || ls->state == S_LISTEN)
		return -ENOTCONN;
	if (ls->state == S_CONNECTING)
		return -EAGAIN;
	if (ls->err)
		return take_err(ls);
	if (ls->shut_wr || !pcb || ls->state == S_CLOSED)
		return -EPIPE;
	if (!want)
		return 0;
	lwip_enter();
	for (i = 0; i < m->msg_iovlen && !r; i++) {
		const char *base = m->msg_iov[i].iov_base;
		size_t len = m->msg_iov[i].iov_len, off = 0;

		while (off < len) {
			size_t room = tcp_sndbuf(pcb), n = len - off, heap = send_room();
			u8_t fl = TCP_WRITE_FLAG_COPY;
			err_t e;

			if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN)
				room = 0;
			if (heap < MEM_ROOM && tw_reap(0))
				heap = send_room();
			if (heap < MEM_ROOM) {
				mem = 1; /* the heap is for receiving now */
				r = 1;
				break;
			}
			if (room > heap - MEM_ROOM / 2)
				room = heap - MEM_ROOM / 2;
			if (!room) {
				r = 1;
				break;
			}
			if (n > room)
				n = room;
			if (n > 0xffff)
				n = 0xffff;
			if (total + n < want)
				fl |= TCP_WRITE_FLAG_MORE;
			e = tcp_write(pcb, base + off, (u16_t)n, fl);
			if (e == ERR_MEM && tw_reap(0))
				e = tcp_write(pcb, base + off, (u16_t)n, fl);
			if (e == ERR_MEM) {
				mem = 1;
				r = 1;
				break;
			}
			if (e != ERR_OK) {
				r = -err_errno(e);
				break;
			}
			off += n;
			total += n;
		}
	}
	if (total)
		tcp_output(pcb);
	lwip_leave_later();
	if (total)
		return (ssize_t)total;
	if (r < 0)
		return r;
	if (mem)
		mem_wait_on(ls); /* lwIP's heap is full: wait for room */
	return -EAGAIN;
}

static ssize_t tcp_recvmsg(struct lsock *ls, struct msghdr *m, int flags)
{
	size_t want = iov_total(m), n;

	if (flags & MSG_OOB)
		return -EINVAL;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	if (ls->state == S_NEW || ls->state == S_LISTEN)
		return -ENOTCONN;
	if (ls->state == S_CONNECTING)
		return -EAGAIN;
	m->msg_namelen = 0;
	m->msg_controllen = 0;
	m->msg_flags = 0;
	if (!ls->rx_bytes) {
		if (ls->err)
			return take_err(ls);
		if (ls->fin || ls->shut_rd || !ls->tcp)
			return 0;
		return want ? -EAGAIN : 0;
	}
	if (!want)
		return 0;
	n = rx_take(ls, (flags & MSG_TRUNC) ? NULL : m, want, flags & MSG_PEEK);
	if (!(flags & MSG_PEEK) && ls->tcp) {
		lwip_enter();
		tcp_window_open(ls, n);
		lwip_leave_later();
		mem_check();
	}
	return (ssize_t)n;
}

static ssize_t udp_sendmsg(struct lsock *ls, const struct msghdr *m, int flags)
{
	size_t want = iov_total(m), off = 0, i;
	ip_addr_t ip;
	u16_t port = 0;
	struct pbuf *p;
	err_t e;
	int r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (ls->shut_wr)
		return -EPIPE;
	if (m->msg_name) {
		r = addr_in(m->msg_name, m->msg_namelen, &ip, &port);
		if (r)
			return r;
		if (!port)
			return -EINVAL;
	} else if (ls->state != S_CONNECTED) {
		return -EDESTADDRREQ;
	}
	if (want > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)want, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	for (i = 0; i < m->msg_iovlen; i++) {
		pbuf_take_at(p, m->msg_iov[i].iov_base, (u16_t)m->msg_iov[i].iov_len, (u16_t)off);
		off += m->msg_iov[i].iov_len;
	}
	lwip_enter();
	e = m->msg_name ? udp_sendto(ls->udp, p, &ip, port) : udp_send(ls->udp, p);
	lwip_leave();
	pbuf_free(p);
	keep_addrs(ls); /* sending binds an ephemeral port */
	if (e == ERR_MEM || e == ERR_BUF)
		return -ENOBUFS;
	if (e == ERR_USE)
		return -EADDRNOTAVAIL;
	if (e != ERR_OK)
		return -err_errno(e);
	return (ssize_t)want;
}

static ssize_t udp_recvmsg(struct lsock *ls, struct msghdr *m, int flags)
{
	struct dgram *d = ls->dq;
	size_t off = 0, i, len;

	if (flags & MSG_OOB)
		return -EINVAL;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	if (!d) {
		if (ls->err)
			return take_err(ls);
		return ls->shut_rd ? 0 : -EAGAIN;
	}
	len = d->p->tot_len;
	for (i = 0; i < m->msg_iovlen && off < len; i++) {
		size_t n = m->msg_iov[i].iov_len < len - off ? m->msg_iov[i].iov_len : len - off;

		pbuf_copy_partial(d->p, m->msg_iov[i].iov_base, (u16_t)n, (u16_t)off);
		off += n;
	}
	m->msg_flags = off < len ? MSG_TRUNC : 0;
	m->msg_controllen = 0;
	if (m->msg_name)
		addr_out(m->msg_name, &m->msg_namelen, &d->addr, d->port);
	else
		m->msg_namelen = 0;
	if (!(flags & MSG_PEEK)) {
		ls->dq = d->next;
		if (!ls->dq)
			ls->dq_tail = NULL;
		ls->dq_bytes -= (size_t)d->p->tot_len + DGRAM_OVERHEAD;
		pbuf_free(d->p);
		mem_free(d);
		mem_check();
	}
	return (ssize_t)((flags & MSG_TRUNC) ? len : off);
}

static ssize_t lw_sendmsg(struct file *f, const struct msghdr *m, int flags)
{
	struct lsock *ls = lsock_of(f);

	return ls->type == SOCK_STREAM ? tcp_sendmsg(ls, m, flags) : udp_sendmsg(ls, m, flags);
}

static ssize_t lw_recvmsg(struct file *f, struct msghdr *m, int flags)
{
	struct lsock *ls = lsock_of(f);

	return ls->type == SOCK_STREAM ? tcp_recvmsg(ls, m, flags) : udp_recvmsg(ls, m, flags);
}

static int lw_shutdown(struct file *f, int how)
{
	struct lsock *ls = lsock_of(f);
	err_t e = ERR_OK;

	if (ls->state != S_CONNECTED)
		return -ENOTCONN;
	if (how != SHUT_WR && !ls->shut_rd) {
		size_t n = ls->rx_bytes;

		ls->shut_rd = 1;
		rx_free(ls);
		if (ls->tcp) {
			lwip_enter();
			tcp_window_open(ls, n);
			lwip_leave();
		}
	}
	if (how != SHUT_RD && !ls->shut_wr) {
		ls->shut_wr = 1;
		if (ls->tcp) {
			lwip_enter();
			e = tcp_shutdown(ls->tcp, 0, 1);
			lwip_leave();
			/* both FINs now: lwIP ends the pcb in TIME_WAIT on its own */
			if (e == ERR_OK && ls->fin && ls->tcp &&
			    (ls->tcp->state == TIME_WAIT || ls->tcp->state == CLOSING)) {
				detach(ls);
				ls->state = S_CLOSED;
			}
		}
	}
	wake(ls);
	return e == ERR_OK ? 0 : -err_errno(e);
}

static int lw_getname(struct file *f, struct sockaddr *a, socklen_t *len, int peer)
{
	struct lsock *ls = lsock_of(f);

	keep_addrs(ls);
	if (peer) {
		if (ls->type == SOCK_STREAM ? ls->state != S_CONNECTED
					    : ls->state != S_CONNECTED || !ls->remote_port)
			return -ENOTCONN;
		addr_out(a, len, &ls->remote_ip, ls->remote_port);
	} else {
		addr_out(a, len, &ls->local_ip, ls->local_port);
	}
	return 0;
}

/* ---- options ---- */

static int get_int(const void *v, socklen_t len, int *out)
{
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(out, v, sizeof(int));
	return 0;
}

static int put_int(void *v, socklen_t *len, int val)
{
	socklen_t n = *len < sizeof val ? *len : sizeof val;

	memcpy(v, &val, n);
	*len = n;
	return 0;
}

static int lw_setsockopt(struct file *f, int level, int name, const void *v, socklen_t len)
{
	struct lsock *ls = lsock_of(f);
	struct tcp_pcb *tcp = ls->state == S_LISTEN ? NULL : ls->tcp;
	int val = 0, r;

	if (level == SOL_SOCKET && name == SO_LINGER) {
		if (len < sizeof ls->linger)
			return -EINVAL;
		memcpy(&ls->linger, v, sizeof ls->linger);
		return 0;
	}
	r = get_int(v, len, &val);
	if (r)
		return r;
	switch (level) {
	case SOL_SOCKET:
		switch (name) {
		case SO_REUSEADDR:
		case SO_KEEPALIVE: {
			u8_t opt = name == SO_REUSEADDR ? SOF_REUSEADDR : SOF_KEEPALIVE;

			*(name == SO_REUSEADDR ? &ls->reuse : &ls->keepalive) = !!val;
			if (ls->tcp) {
				if (val)
					ip_set_option(ls->tcp, opt);
				else
					ip_reset_option(ls->tcp, opt);
			} else if (ls->udp) {
				if (val)
					ip_set_option(ls->udp, opt);
				else
					ip_reset_option(ls->udp, opt);
			}
			return 0;
		}
		case SO_BROADCAST:
			ls->broadcast = !!val;
			return 0;
		case SO_RCVBUF:
			/* TCP's window is lwIP's compile-time TCP_WND: accepted,
			 * reported as it is */
			if (ls->type == SOCK_DGRAM)
				ls->rcvbuf = val < 2048		    ? 2048
					     : val > UDP_RCVBUF_MAX ? UDP_RCVBUF_MAX
								    : (size_t)val;
			return 0;
		case SO_SNDBUF:
			return 0; /* TCP_SND_BUF; UDP sends at once: reported as it is */
		}
		break;
	case IPPROTO_IP:
		switch (name) {
		case IP_TTL:
			if (val == -1)
				val = 0;
			if (val < 0 || val > 255)
				return -EINVAL;
			ls->ttl = val;
			if (ls->tcp)
				ls->tcp->ttl = (u8_t)(val ? val : TCP_TTL);
			if (ls->udp)
				ls->udp->ttl = (u8_t)(val ? val : UDP_TTL);
			return 0;
		case IP_TOS:
			ls->tos = val & 0xfc;
			if (ls->tcp)
				ls->tcp->tos = (u8_t)ls->tos;
			if (ls->udp)
				ls->udp->tos = (u8_t)ls->tos;
			return 0;
		}
		break;
	case IPPROTO_TCP:
		if (ls->type != SOCK_STREAM)
			return -ENOPROTOOPT;
		switch (name) {
		case TCP_NODELAY:
			ls->nodelay = !!val;
			if (tcp && val)
				tcp_nagle_disable(tcp);
			else if (tcp)
				tcp_nagle_enable(tcp);
			return 0;
		case TCP_KEEPIDLE:
		case TCP_KEEPINTVL:
			if (val < 1 || val > 32767)
				return -EINVAL;
			if (name == TCP_KEEPIDLE)
				ls->keep_idle = (u32_t)val * 1000;
			else
				ls->keep_intvl = (u32_t)val * 1000;
			if (tcp)
				tcp_apply(ls, tcp);
			return 0;
		case TCP_KEEPCNT:
			if (val < 1 || val > 127)
				return -EINVAL;
			ls->keep_cnt = (u32_t)val;
			if (tcp)
				tcp_apply(ls, tcp);
			return 0;
		}
		break;
	}
	return -ENOPROTOOPT;
}

static int lw_getsockopt(struct file *f, int level, int name, void *v, socklen_t *len)
{
	struct lsock *ls = lsock_of(f);
	struct tcp_pcb *tcp = ls->state == S_LISTEN ? NULL : ls->tcp;

	switch (level) {
	case SOL_SOCKET:
		switch (name) {
		case SO_ERROR: {
			int e = ls->err;

			ls->err = 0;
			return put_int(v, len, e);
		}
		case SO_REUSEADDR:
			return put_int(v, len, ls->reuse);
		case SO_KEEPALIVE:
			return put_int(v, len, ls->keepalive);
		case SO_BROADCAST:
			return put_int(v, len, ls->broadcast);
		case SO_ACCEPTCONN:
			return put_int(v, len, ls->state == S_LISTEN);
		case SO_DOMAIN:
			return put_int(v, len, AF_INET);
		case SO_PROTOCOL:
			return put_int(v, len, ls->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
		case SO_RCVBUF:
			return put_int(v, len, ls->type == SOCK_STREAM ? TCP_WND : (int)ls->rcvbuf);
		case SO_SNDBUF:
			return put_int(v, len,
				       ls->type == SOCK_STREAM ? TCP_SND_BUF : UDP_MAX_PAYLOAD);
		case SO_LINGER:
			if (*len < sizeof ls->linger)
				return -EINVAL;
			memcpy(v, &ls->linger, sizeof ls->linger);
			*len = sizeof ls->linger;
			return 0;
		}
		break;
	case IPPROTO_IP:
		switch (name) {
		case IP_TTL:
			return put_int(v, len,
				       ls->ttl			 ? ls->ttl
				       : ls->type == SOCK_STREAM ? TCP_TTL
								 : UDP_TTL);
		case IP_TOS:
			return put_int(v, len, ls->tos);
		}
		break;
	case IPPROTO_TCP:
		if (ls->type != SOCK_STREAM)
			return -ENOPROTOOPT;
		switch (name) {
		case TCP_NODELAY:
			return put_int(v, len, ls->nodelay);
		case TCP_KEEPIDLE:
			return put_int(
				v, len,
				(int)((ls->keep_idle ? ls->keep_idle : TCP_KEEPIDLE_DEFAULT) /
				      1000));
		case TCP_KEEPINTVL:
			return put_int(
				v, len,
				(int)((ls->keep_intvl ? ls->keep_intvl : TCP_KEEPINTVL_DEFAULT) /
				      1000));
		case TCP_KEEPCNT:
			return put_int(v, len,
				       (int)(ls->keep_cnt ? ls->keep_cnt : TCP_KEEPCNT_DEFAULT));
		case TCP_MAXSEG:
			return put_int(v, len, tcp ? tcp_mss(tcp) : TCP_MSS);
		}
		break;
	}
	return -ENOPROTOOPT;
}

/* ---- the file ---- */

static unsigned lw_poll(struct file *f, struct poll_table *pt)
{
	struct lsock *ls = lsock_of(f);
	unsigned m = 0;

	poll_wait(pt, &ls->wq);
	if (ls->type == SOCK_DGRAM) {
		if (ls->dq || ls->shut_rd || ls->err)
			m |= POLLIN | POLLRDNORM;
		if (ls->shut_rd && ls->shut_wr)
			m |= POLLHUP;
		if (ls->err)
			m |= POLLERR;
		return m | POLLOUT | POLLWRNORM;
	}
	switch (ls->state) {
	case S_NEW:
		return POLLOUT | POLLWRNORM | POLLHUP; /* as Linux: not connected */
	case S_LISTEN:
		return ls->acc_head ? POLLIN | POLLRDNORM : 0;
	case S_CONNECTING:
		return 0;
	case S_CONNECTED:
		if (ls->rx_bytes || ls->fin || ls->shut_rd)
			m |= POLLIN | POLLRDNORM;
		if (ls->fin)
			m |= POLLRDHUP;
		if (ls->shut_wr)
			m |= POLLOUT | POLLWRNORM; /* a write fails at once */
		else if (ls->tcp && !ls->mem_wait && tcp_sndbuf(ls->tcp) > 0 &&
			 tcp_sndqueuelen(ls->tcp) < TCP_SND_QUEUELEN)
			m |= POLLOUT | POLLWRNORM;
		if (ls->fin && ls->shut_wr)
			m |= POLLHUP;
		break;
	case S_CLOSED:
		m = POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM | POLLHUP;
		break;
	}
	if (ls->err)
		m |= POLLERR;
	return m;
}

static long lw_ioctl(struct file *f, unsigned long req, void *arg)
{
	struct lsock *ls = lsock_of(f);

	if (req == FIONREAD) {
		int n = ls->type == SOCK_STREAM ? (int)ls->rx_bytes
			: ls->dq		? ls->dq->p->tot_len
						: 0;

		memcpy(arg, &n, sizeof n);
		return 0;
	}
	return -ENOTTY;
}

static int lw_fstat(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_mode = S_IFSOCK | 0777;
	st->st_blksize = 4096;
	return 0;
}

static void listener_close(struct lsock *ls)
{
	struct lsock *c;

	while ((c = ls->acc_head)) {
		ls->acc_head = c->acc_next;
		if (c->tcp) {
			struct tcp_pcb *pcb = c->tcp;

			detach(c);
			rx_free(c);	/* first: the RST needs memory too */
			tcp_abort(pcb); /* as Linux: RST to the unaccepted */
		}
		rx_free(c);
		kfree(c);
	}
	tcp_arg(ls->tcp, NULL);
	tcp_accept(ls->tcp, NULL);
	tcp_close(ls->tcp); /* a listener closes at once */
	ls->tcp = NULL;
}

static int lw_release(struct file *f)
{
	struct lsock *ls = lsock_of(f);

	lwip_enter();
	if (ls->state == S_LISTEN && ls->tcp) {
		listener_close(ls);
	} else if (ls->tcp) {
		struct tcp_pcb *pcb = ls->tcp;
		int reset = ls->rx_bytes || (ls->linger.l_onoff && !ls->linger.l_linger);

		detach(ls);
		rx_free(ls); /* first: the RST needs memory too */
		/* Unread data, or SO_LINGER 0: RST, as Linux; else a FIN and
		 * lwIP finishes the close (or a RST if it has no memory). */
		if (reset || tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
	} else if (ls->udp) {
		udp_remove(ls->udp);
		ls->udp = NULL;
	}
	lwip_leave();
	mem_wait_off(ls);
	rx_free(ls);
	kfree(ls);
	mem_check();
	return 0;
}

static const struct sock_ops lw_sock_ops = {
	.bind = lw_bind,
	.listen = lw_listen,
	.accept = lw_accept,
	.connect = lw_connect,
	.sendmsg = lw_sendmsg,
	.recvmsg = lw_recvmsg,
	.shutdown = lw_shutdown,
	.setsockopt = lw_setsockopt,
	.getsockopt = lw_getsockopt,
	.getname = lw_getname,
};

static const struct file_ops lw_ops = {
	.read = sock_file_read,
	.write = sock_file_write,
	.fstat = lw_fstat,
	.ioctl = lw_ioctl,
	.release = lw_release,
	.poll = lw_poll,
	.sock = &lw_sock_ops,
};

/* After every round of the network thread (timers free memory too). */
void lwip_sock_round(void)
{
	tw_reap(TW_MAX);
	mem_check();
}

const struct net_stack lwip_stack = {
	.name = "lwip",
	.socket = lw_socket,
};
