/*
 * epoll (sys/epoll.c): level- and edge-triggered and one-shot items,
 * ready lists longer than maxevents, timeouts, a thread blocked in
 * epoll_wait woken by another's write, nested instances (and ELOOP),
 * files leaving every instance on their last close, and the error
 * paths of epoll_create1, epoll_ctl and epoll_wait.
 *
 *   epoll          every case but the console's
 *   epoll stdin    fd 0 (input "abc") in an epoll instance
 *   epoll stdin-idle  input arriving while the program sleeps
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* What is ready now, without waiting. */
static int wait_now(int ep, struct epoll_event *ev, int max)
{
	return epoll_wait(ep, ev, max, 0);
}

static void create(void)
{
	int ep = epoll_create1(0), ep2;
	char c;

	CHECK(ep >= 0);
	CHECK_EQ(fcntl(ep, F_GETFD), 0);
	ep2 = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep2 >= 0);
	CHECK_EQ(fcntl(ep2, F_GETFD), FD_CLOEXEC);
	close(ep2);
	ep2 = epoll_create(1);
	CHECK(ep2 >= 0);
	close(ep2);
	CHECK_ERR(epoll_create1(1), EINVAL);
	CHECK_ERR(syscall(SYS_epoll_create, 0), EINVAL);
	CHECK_ERR(syscall(SYS_epoll_create, -1), EINVAL);
	CHECK_ERR(read(ep, &c, 1), EINVAL);
	close(ep);
}

static void ctl_errors(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0), p[2], file, ep2 = epoll_create1(0);

	CHECK(pipe(p) == 0);
	file = open("/epoll-file", O_CREAT | O_RDWR, 0600);
	CHECK(file >= 0);
	CHECK_ERR(epoll_ctl(900, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 900, &ev), EBADF);
	CHECK_ERR(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EINVAL); /* not an epoll */
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);     /* itself */
	CHECK_ERR(epoll_ctl(ep, 99, p[0], &ev), EINVAL);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev), EPERM); /* always ready */
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], NULL), EFAULT);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	/* EPOLLEXCLUSIVE: accepted on ADD, not with MOD or ONESHOT */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);
	ev.events = EPOLLIN;
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev), EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev), EINVAL);
	/* EPOLLRDHUP and EPOLLWAKEUP are accepted */
	ev.events = EPOLLOUT | EPOLLRDHUP | EPOLLWAKEUP;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0);
	/* epoll_wait's own errors */
	{
		struct epoll_event out[2];

		CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL);
		CHECK_ERR(epoll_wait(ep, out, -1, 0), EINVAL);
		CHECK_ERR(epoll_wait(ep, NULL, 2, 0), EFAULT);
		CHECK_ERR(epoll_wait(900, out, 2, 0), EBADF);
		CHECK_ERR(epoll_wait(p[0], out, 2, 0), EINVAL);
		CHECK_ERR(syscall(SYS_epoll_pwait, ep, out, 2, 0, out, 4), EINVAL);
	}
	close(file);
	unlink("/epoll-file");
	close(p[0]);
	close(p[1]);
	close(ep);
	close(ep2);
}

static void level_triggered(void)
{
	struct epoll_event ev[4];
	int ep = epoll_create1(0), p[2];
	char buf[8];

	CHECK(pipe(p) == 0);
	CHECK(add(ep, p[0], EPOLLIN, 1234) == 0);
	CHECK(add(ep, p[1], EPOLLOUT, 99) == 0);
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK(ev[0].data.u64 == 99 && ev[0].events == EPOLLOUT);
	CHECK(mod(ep, p[1], 0, 99) == 0); /* nothing asked: silent */
	CHECK_EQ(wait_now(ep, ev, 4), 0);
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK(ev[0].data.u64 == 1234 && ev[0].events == EPOLLIN);
	/* still there: reported again, until drained */
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK_EQ(read(p[0], buf, 1), 1);
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK_EQ(read(p[0], buf, sizeof buf), 2);
	CHECK_EQ(wait_now(ep, ev, 4), 0);
	/* the writer gone: EPOLLHUP without asking */
	close(p[1]);
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK(ev[0].data.u64 == 1234 && ev[0].events == EPOLLHUP);
	close(p[0]);
	close(ep);
}

static void edge_triggered(void)
{
	struct epoll_event ev[4];
	int ep = epoll_create1(0), p[2], e = eventfd(0, EFD_NONBLOCK);
	uint64_t one = 1, v;
	char buf[8];

	CHECK(pipe2(p, O_NONBLOCK) == 0);
	CHECK(add(ep, p[0], EPOLLIN | EPOLLET, 1) == 0);
	CHECK(add(ep, e, EPOLLIN | EPOLLET, 2) == 0);
	CHECK_EQ(wait_now(ep, ev, 4), 0);
	CHECK_EQ(write(p[1], "ab", 2), 2);
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK(ev[0].data.u64 == 1);
	/* no new edge: not again, though data is still there */
	CHECK_EQ(wait_now(ep, ev, 4), 0);
	CHECK_EQ(read(p[0], buf, 1), 1);
	CHECK_EQ(wait_now(ep, ev, 4), 0);
	/* a new write is a new edge */
	CHECK_EQ(write(p[1], "c", 1), 1);
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK(ev[0].data.u64 == 1);
	CHECK_EQ(wait_now(ep, ev, 4), 0);
	/* eventfd: each write an edge */
	CHECK_EQ(write(e, &one, 8), 8);
	CHECK_EQ(write(e, &one, 8), 8);
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK(ev[0].data.u64 == 2);
	CHECK_EQ(wait_now(ep, ev, 4), 0);
	CHECK_EQ(read(e, &v, 8), 8);
	CHECK(v == 2);
	/* the write end, edge-triggered: writable again after a drain */
	CHECK(add(ep, p[1], EPOLLOUT | EPOLLET, 3) == 0);
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK(ev[0].data.u64 == 3);
	while (write(p[1], "0123456789abcdef", 16) == 16)
		;
	CHECK_EQ(wait_now(ep, ev, 4), 1); /* the read end: new data */
	CHECK(ev[0].data.u64 == 1);
	{
		static char sink[70000];

		CHECK(read(p[0], sink, sizeof sink) > 60000);
	}
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK(ev[0].data.u64 == 3 && ev[0].events == EPOLLOUT);
	close(p[0]);
	close(p[1]);
	close(e);
	close(ep);
}

static void oneshot(void)
{
	struct epoll_event ev[4];
	int ep = epoll_create1(0), p[2];

	CHECK(pipe(p) == 0);
	CHECK(add(ep, p[0], EPOLLIN | EPOLLONESHOT, 7) == 0);
	CHECK_EQ(write(p[1], "a", 1), 1);
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK(ev[0].data.u64 == 7);
	CHECK_EQ(wait_now(ep, ev, 4), 0);
	CHECK_EQ(write(p[1], "b", 1), 1);
	CHECK_EQ(wait_now(ep, ev, 4), 0); /* disabled until MOD */
	CHECK_ERR(add(ep, p[0], EPOLLIN, 7), EEXIST); /* but still there */
	CHECK(mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 8) == 0);
	CHECK_EQ(wait_now(ep, ev, 4), 1);
	CHECK(ev[0].data.u64 == 8);
	CHECK_EQ(wait_now(ep, ev, 4), 0);
	close(p[0]);
	close(p[1]);
	close(ep);
}

/* More ready than maxevents: the rest come next time, none starved. */
static void many_ready(void)
{
	struct epoll_event ev[8];
	int ep = epoll_create1(0), p[3][2], i, seen[3] = { 0, 0, 0 };

	for (i = 0; i < 3; i++) {
		CHECK(pipe(p[i]) == 0);
		CHECK_EQ(write(p[i][1], "x", 1), 1);
		CHECK(add(ep, p[i][0], EPOLLIN, (uint64_t)i) == 0);
	}
	CHECK_EQ(epoll_wait(ep, ev, 2, 0), 2);
	seen[ev[0].data.u64]++;
	seen[ev[1].data.u64]++;
	CHECK_EQ(epoll_wait(ep, ev, 1, 0), 1);
	seen[ev[0].data.u64]++;
	CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
	CHECK_EQ(epoll_wait(ep, ev, 8, 0), 3);
	for (i = 0; i < 3; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	close(ep);
}

static void timeouts(void)
{
	struct epoll_event ev[2];
	struct timespec ts = { 0, 30 * 1000000 };
	int ep = epoll_create1(0), p[2];
	double t0;

	CHECK(pipe(p) == 0);
	CHECK(add(ep, p[0], EPOLLIN, 1) == 0);
	t0 = now();
	CHECK_EQ(epoll_wait(ep, ev, 2, 50), 0);
	CHECK(now() - t0 >= 0.050);
	t0 = now();
	CHECK_EQ(syscall(SYS_epoll_pwait2, ep, ev, 2, &ts, NULL, 8), 0);
	CHECK(now() - t0 >= 0.030);
	ts.tv_nsec = 1000000000;
	CHECK_ERR(syscall(SYS_epoll_pwait2, ep, ev, 2, &ts, NULL, 8), EINVAL);
	/* an empty instance with a timeout is a sleep */
	close(p[0]);
	t0 = now();
	CHECK_EQ(epoll_pwait(ep, ev, 2, 20, NULL), 0);
	CHECK(now() - t0 >= 0.020);
	close(p[1]);
	close(ep);
}

/* ---- across threads ---- */

struct later {
	int fd, ms;
};

static void *write_later(void *arg)
{
	struct later *l = arg;
	uint64_t one = 1;

	sleep_ms(l->ms);
	CHECK_EQ(write(l->fd, &one, 8), 8);
	return NULL;
}

static void woken_by_write(void)
{
	struct epoll_event ev[2];
	struct later l;
	pthread_t t;
	int ep = epoll_create1(0), p[2], e = eventfd(0, 0);
	double t0;

	CHECK(pipe(p) == 0);
	CHECK(add(ep, p[0], EPOLLIN, 1) == 0);
	CHECK(add(ep, e, EPOLLIN | EPOLLET, 2) == 0);
	l = (struct later){ p[1], 30 };
	CHECK(pthread_create(&t, NULL, write_later, &l) == 0);
	t0 = now();
	CHECK_EQ(epoll_wait(ep, ev, 2, -1), 1);
	CHECK(now() - t0 >= 0.029);
	CHECK(ev[0].data.u64 == 1);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
	l = (struct later){ e, 20 };
	CHECK(pthread_create(&t, NULL, write_later, &l) == 0);
	CHECK_EQ(epoll_wait(ep, ev, 2, 5000), 1);
	CHECK(ev[0].data.u64 == 2);
	CHECK(pthread_join(t, NULL) == 0);
	close(p[0]);
	close(p[1]);
	close(e);
	close(ep);
}

/* ---- nesting ---- */

static void nested(void)
{
	struct epoll_event ev[2];
	struct pollfd pf;
	struct later l;
	pthread_t t;
	int inner = epoll_create1(0), outer = epoll_create1(0), p[2];
	int chain[7], i;
	uint64_t v;

	CHECK(pipe(p) == 0);
	CHECK(add(inner, p[0], EPOLLIN, 1) == 0);
	CHECK(add(outer, inner, EPOLLIN, 2) == 0);
	CHECK_EQ(wait_now(outer, ev, 2), 0);
	pf = (struct pollfd){ inner, POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(poll(&pf, 1, 0), 1); /* an instance with events is readable */
	CHECK_EQ(pf.revents, POLLIN);
	CHECK_EQ(wait_now(outer, ev, 2), 1);
	CHECK(ev[0].data.u64 == 2 && ev[0].events == EPOLLIN);
	CHECK_EQ(wait_now(inner, ev, 2), 1);
	CHECK(ev[0].data.u64 == 1);
	CHECK_EQ(read(p[0], &v, 1), 1);
	CHECK_EQ(wait_now(outer, ev, 2), 0);
	/* a thread waiting on the outer one, woken through the inner one */
	l = (struct later){ p[1], 20 };
	CHECK(pthread_create(&t, NULL, write_later, &l) == 0);
	CHECK_EQ(epoll_wait(outer, ev, 2, 5000), 1);
	CHECK(ev[0].data.u64 == 2);
	CHECK(pthread_join(t, NULL) == 0);
	/* cycles and too deep a chain: ELOOP */
	CHECK_ERR(add(inner, outer, EPOLLIN, 3), ELOOP);
	for (i = 0; i < 7; i++)
		chain[i] = epoll_create1(0);
	for (i = 0; i < 4; i++)
		CHECK(add(chain[i], chain[i + 1], EPOLLIN, 0) == 0); /* 5 in a chain */
	CHECK_ERR(add(chain[4], chain[5], EPOLLIN, 0), ELOOP);
	CHECK_ERR(add(chain[5], chain[0], EPOLLIN, 0), ELOOP);
	CHECK_ERR(add(chain[4], chain[0], EPOLLIN, 0), ELOOP);
	CHECK(add(chain[5], chain[6], EPOLLIN, 0) == 0);
	/* closing the inner instance takes it out of the outer one */
	close(inner);
	CHECK_EQ(wait_now(outer, ev, 2), 0);
	CHECK_ERR(epoll_ctl(outer, EPOLL_CTL_DEL, inner, NULL), EBADF);
	for (i = 0; i < 7; i++)
		close(chain[i]);
	close(p[0]);
	close(p[1]);
	close(outer);
}

/* ---- files leaving on their last close ---- */

static void close_removes(void)
{
	struct epoll_event ev[2];
	int ep = epoll_create1(0), p[2], q[2], d;

	CHECK(pipe(p) == 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK(add(ep, p[0], EPOLLIN, 5) == 0);
	CHECK_EQ(wait_now(ep, ev, 2), 1);
	/* a dup keeps the file open: the item stays, under the old fd */
	d = dup(p[0]);
	CHECK(d >= 0);
	close(p[0]);
	CHECK_EQ(wait_now(ep, ev, 2), 1);
	CHECK(ev[0].data.u64 == 5);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL), ENOENT); /* (file, fd) */
	close(d);
	CHECK_EQ(wait_now(ep, ev, 2), 0);
	/* a new file on the same fd number is not watched */
	CHECK(pipe(q) == 0);
	CHECK_EQ(write(q[1], "y", 1), 1);
	CHECK_EQ(wait_now(ep, ev, 2), 0);
	CHECK(add(ep, q[0], EPOLLIN, 6) == 0);
	CHECK_EQ(wait_now(ep, ev, 2), 1);
	CHECK(ev[0].data.u64 == 6);
	/* closing the instance with items in it */
	close(ep);
	CHECK_EQ(write(q[1], "z", 1), 1);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

/* Many instances and items come and go: the memory comes back. */
static void churn(void)
{
	int i, p[2], ep;

	CHECK(pipe(p) == 0);
	for (i = 0; i < 3000; i++) {
		ep = epoll_create1(0);
		CHECK(ep >= 0);
		CHECK(add(ep, p[0], EPOLLIN, 0) == 0);
		CHECK(add(ep, p[1], EPOLLOUT, 0) == 0);
		close(ep);
	}
	close(p[0]);
	close(p[1]);
}

static void console(void)
{
	struct epoll_event ev[2];
	int ep = epoll_create1(0);
	char buf[8];

	CHECK(add(ep, 0, EPOLLIN, 42) == 0);
	CHECK_EQ(epoll_wait(ep, ev, 2, 5000), 1);
	CHECK(ev[0].data.u64 == 42 && (ev[0].events & EPOLLIN));
	CHECK_EQ(read_all(buf, 3), 3);
	CHECK(!memcmp(buf, "abc", 3));
	CHECK_EQ(epoll_wait(ep, ev, 2, 5000), 1); /* the end of input */
	CHECK_EQ(read(0, buf, sizeof buf), 0);
	close(ep);
}

/* Input arrives while the program sleeps with fd 0 in an instance it
 * does not wait on: the machine still idles (the instance's waiter on
 * the console leaves at the first wake), and the input is reported
 * afterwards. The CPU-time clock counts time not spent idle. */
static void console_idle(void)
{
	struct epoll_event ev[2];
	struct timespec t0, t1;
	int ep = epoll_create1(0);
	double busy;

	CHECK(add(ep, 0, EPOLLIN, 42) == 0);
	CHECK_EQ(wait_now(ep, ev, 2), 0); /* the input comes after 0.6 s */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	sleep_ms(1200);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	busy = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("busy %.3f s while asleep\n", busy);
	CHECK(busy < 0.1);
	CHECK_EQ(wait_now(ep, ev, 2), 1);
	CHECK(ev[0].data.u64 == 42);
	close(ep);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "stdin")) {
		console();
		return done();
	}
	if (argc > 1 && !strcmp(argv[1], "stdin-idle")) {
		console_idle();
		return done();
	}
	create();
	ctl_errors();
	level_triggered();
	edge_triggered();
	oneshot();
	many_ready();
	timeouts();
	woken_by_write();
	nested();
	close_removes();
	churn();
	return done();
}
