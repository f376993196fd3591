/*
 * Readiness for httpd's event loop: epoll (level-triggered), or poll(2)
 * when epoll_create1 fails (ENOSYS on a system without it) or when asked
 * (--poll). Above: server.c, whose connections and listener embed a
 * struct ev_item. Below: the epoll or poll system calls.
 *
 * The poll backend keeps one pollfd per item, packed: removing an item
 * moves the last one into its slot. Its ready list is gathered before
 * any handler runs, so handlers may add and remove items freely.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "httpd.h"

static int epfd = -1;
static int max_items;
static struct epoll_event *epevs;
static struct pollfd *pfds;
static struct ev_item **items;
static int nitems;

int ev_init(int max, int force_poll)
{
	max_items = max;
	if (!force_poll) {
		epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epfd >= 0) {
			epevs = calloc(max, sizeof(*epevs));
			if (!epevs)
				goto fail;
			return 0;
		}
	}
	pfds = calloc(max, sizeof(*pfds));
	items = calloc(max, sizeof(*items));
	if (!pfds || !items)
		goto fail;
	return 0;
fail:
	ev_fini();
	return -ENOMEM;
}

const char *ev_backend(void)
{
	return epfd >= 0 ? "epoll" : "poll";
}

static unsigned to_poll(unsigned interest)
{
	return (interest & EV_IN ? POLLIN : 0) | (interest & EV_OUT ? POLLOUT : 0);
}

static unsigned to_epoll(unsigned interest)
{
	return (interest & EV_IN ? EPOLLIN : 0) | (interest & EV_OUT ? EPOLLOUT : 0);
}

int ev_add(struct ev_item *it, unsigned interest)
{
	if (epfd >= 0) {
		struct epoll_event e = { .events = to_epoll(interest), .data.ptr = it };

		if (epoll_ctl(epfd, EPOLL_CTL_ADD, it->fd, &e) < 0)
			return -errno;
		it->slot = 0;
	} else {
		if (nitems == max_items)
			return -ENOSPC;
		pfds[nitems] = (struct pollfd){ .fd = it->fd, .events = to_poll(interest) };
		items[nitems] = it;
		it->slot = nitems++;
	}
	it->interest = interest;
	return 0;
}

int ev_mod(struct ev_item *it, unsigned interest)
{
	if (it->interest == interest)
		return 0;
	if (epfd >= 0) {
		struct epoll_event e = { .events = to_epoll(interest), .data.ptr = it };

		if (epoll_ctl(epfd, EPOLL_CTL_MOD, it->fd, &e) < 0)
			return -errno;
	} else {
		pfds[it->slot].events = to_poll(interest);
	}
	it->interest = interest;
	return 0;
}

void ev_del(struct ev_item *it)
{
	if (it->slot < 0)
		return;
	if (epfd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, it->fd, NULL);
	} else {
		nitems--;
		if (it->slot != nitems) {
			pfds[it->slot] = pfds[nitems];
			items[it->slot] = items[nitems];
			items[it->slot]->slot = it->slot;
		}
	}
	it->slot = -1;
	it->interest = 0;
}

static unsigned from_revents(unsigned e, unsigned in, unsigned out, unsigned err)
{
	return (e & in ? EV_IN : 0) | (e & out ? EV_OUT : 0) | (e & err ? EV_ERR : 0);
}

int ev_wait(struct ev_ready *out, int max, int timeout_ms)
{
	int n, i, k = 0;

	if (epfd >= 0) {
		if (max > max_items)
			max = max_items;
		n = epoll_wait(epfd, epevs, max, timeout_ms);
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			out[i].item = epevs[i].data.ptr;
			out[i].events = from_revents(epevs[i].events, EPOLLIN, EPOLLOUT,
						     EPOLLERR | EPOLLHUP);
		}
		return n;
	}
	n = poll(pfds, nitems, timeout_ms);
	if (n < 0)
		return -errno;
	for (i = 0; i < nitems && k < max && n > 0; i++) {
		if (!pfds[i].revents)
			continue;
		out[k].item = items[i];
		out[k++].events = from_revents(pfds[i].revents, POLLIN, POLLOUT,
					       POLLERR | POLLHUP | POLLNVAL);
		n--;
	}
	return k;
}

void ev_fini(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
	free(epevs);
	free(pfds);
	free(items);
	epevs = NULL;
	pfds = NULL;
	items = NULL;
	nitems = 0;
}
