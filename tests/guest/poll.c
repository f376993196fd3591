/*
 * poll, ppoll, select and pselect6 (sys/poll.c) over pipes, eventfds,
 * regular files, /dev/null and the console: readiness bits, POLLNVAL,
 * POLLHUP and POLLERR, timeouts (and the time left written back), a
 * thread blocked in poll woken by another's write, fd_set semantics,
 * the signal mask of ppoll/pselect6, and the error paths.
 *
 *   poll            every case but the console's
 *   poll stdin      fd 0 becomes readable (input "abc"), then ends
 *   poll stdin-late fd 0 is silent for a while, then says "abc"
 */
#define _GNU_SOURCE /* ppoll */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static void pipe_bits(void)
{
	struct pollfd pf[2];
	int p[2];
	char c;

	CHECK(pipe(p) == 0);
	pf[0] = (struct pollfd){ p[0], POLLIN | POLLOUT, 0 };
	pf[1] = (struct pollfd){ p[1], POLLIN | POLLOUT, 0 };
	CHECK_EQ(poll(pf, 2, 0), 1);
	CHECK_EQ(pf[0].revents, 0);
	CHECK_EQ(pf[1].revents, POLLOUT);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(poll(pf, 2, 0), 2);
	CHECK_EQ(pf[0].revents, POLLIN);
	CHECK_EQ(pf[1].revents, POLLOUT);
	/* events select the bits; POLLRDNORM is reported when asked */
	pf[0].events = POLLRDNORM;
	CHECK_EQ(poll(pf, 1, 0), 1);
	CHECK_EQ(pf[0].revents, POLLRDNORM);
	pf[0].events = 0; /* nothing asked: only HUP/ERR could come */
	CHECK_EQ(poll(pf, 1, 0), 0);
	CHECK_EQ(read(p[0], &c, 1), 1);
	/* the last writer gone: POLLHUP, even when not asked for */
	close(p[1]);
	pf[0].events = POLLIN;
	CHECK_EQ(poll(pf, 1, 0), 1);
	CHECK_EQ(pf[0].revents, POLLHUP);
	close(p[0]);
	/* the reader gone: POLLERR on the write end */
	CHECK(pipe(p) == 0);
	close(p[0]);
	pf[0] = (struct pollfd){ p[1], POLLOUT, 0 };
	CHECK_EQ(poll(pf, 1, 0), 1);
	CHECK(pf[0].revents & POLLERR);
	close(p[1]);
	/* a full pipe's write end is not writable */
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	while (write(p[1], "0123456789abcdef", 16) == 16)
		;
	pf[0] = (struct pollfd){ p[1], POLLOUT, 0 };
	CHECK_EQ(poll(pf, 1, 0), 0);
	close(p[0]);
	close(p[1]);
}

static void other_files(void)
{
	struct pollfd pf[4];
	int fd = open("/tmp-poll", O_CREAT | O_RDWR, 0600), nul = open("/dev/null", O_RDWR);
	int e = eventfd(0, 0), bad = 900;

	CHECK(fd >= 0 && nul >= 0 && e >= 0);
	pf[0] = (struct pollfd){ fd, POLLIN | POLLOUT, 0 };
	pf[1] = (struct pollfd){ nul, POLLIN | POLLOUT, 0 };
	pf[2] = (struct pollfd){ e, POLLIN | POLLOUT, 0 };
	pf[3] = (struct pollfd){ bad, POLLIN, 0 };
	CHECK_EQ(poll(pf, 4, 0), 4);
	CHECK_EQ(pf[0].revents, POLLIN | POLLOUT); /* regular files: always */
	CHECK_EQ(pf[1].revents, POLLIN | POLLOUT);
	CHECK_EQ(pf[2].revents, POLLOUT);  /* counter 0: not readable */
	CHECK_EQ(pf[3].revents, POLLNVAL); /* not open */
	/* a negative fd is skipped and its revents cleared */
	pf[3] = (struct pollfd){ -1, POLLIN, POLLIN };
	CHECK_EQ(poll(&pf[3], 1, 0), 0);
	CHECK_EQ(pf[3].revents, 0);
	close(fd);
	close(nul);
	close(e);
	unlink("/tmp-poll");
}

static void errors(void)
{
	static struct pollfd many[1025];
	int i;

	for (i = 0; i < 1025; i++)
		many[i] = (struct pollfd){ -1, 0, 0 };
	CHECK_ERR(poll(many, 1025, 0), EINVAL);
	CHECK_EQ(poll(many, 1024, 0), 0);
	CHECK_ERR(poll(NULL, 1, 0), EFAULT);
	CHECK_EQ(poll(NULL, 0, 0), 0);
	{
		struct timespec ts = { 0, 1000000000 };

		CHECK_ERR(ppoll(many, 1, &ts, NULL), EINVAL);
		ts = (struct timespec){ -1, 0 };
		CHECK_ERR(ppoll(many, 1, &ts, NULL), EINVAL);
	}
	{
		uint64_t mask = 0;
		struct timespec ts = { 0, 0 };

		CHECK_ERR(syscall(SYS_ppoll, many, 1, &ts, &mask, 4), EINVAL);
	}
}

static void timeouts(void)
{
	int p[2];
	struct pollfd pf;
	struct timespec ts = { 0, 30 * 1000000 };
	double t0;

	t0 = now();
	CHECK_EQ(poll(NULL, 0, 50), 0);
	CHECK(now() - t0 >= 0.050);
	CHECK(now() - t0 < 2);
	CHECK(pipe(p) == 0);
	pf = (struct pollfd){ p[0], POLLIN, 0 };
	t0 = now();
	CHECK_EQ(poll(&pf, 1, 50), 0);
	CHECK(now() - t0 >= 0.050);
	CHECK_EQ(pf.revents, 0);
	t0 = now();
	CHECK_EQ(ppoll(&pf, 1, &ts, NULL), 0);
	CHECK(now() - t0 >= 0.030);
	/* ppoll writes the time left back (the raw call; musl's copies) */
	ts = (struct timespec){ 0, 40 * 1000000 };
	CHECK_EQ(syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8), 0);
	CHECK(ts.tv_sec == 0 && ts.tv_nsec == 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	ts = (struct timespec){ 5, 0 };
	CHECK_EQ(syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8), 1);
	CHECK(ts.tv_sec >= 4); /* ready at once: nearly all of it left */
	close(p[0]);
	close(p[1]);
}

/* ---- across threads ---- */

struct later {
	int fd, ms;
};

static void *write_later(void *arg)
{
	struct later *l = arg;

	sleep_ms(l->ms);
	CHECK_EQ(write(l->fd, "w", 1), 1);
	return NULL;
}

static void woken_by_write(void)
{
	struct pollfd pf[3];
	struct later l;
	pthread_t t;
	int p[2], q[2];
	double t0;

	CHECK(pipe(p) == 0);
	CHECK(pipe(q) == 0);
	l = (struct later){ q[1], 30 };
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	pf[1] = (struct pollfd){ q[0], POLLIN, 0 };
	pf[2] = (struct pollfd){ p[1], 0, 0 };
	CHECK(pthread_create(&t, NULL, write_later, &l) == 0);
	t0 = now();
	CHECK_EQ(poll(pf, 3, -1), 1);
	CHECK(now() - t0 >= 0.029);
	CHECK_EQ(pf[0].revents, 0);
	CHECK_EQ(pf[1].revents, POLLIN);
	CHECK(pthread_join(t, NULL) == 0);
	/* the same with select, and a timeout that does not run out */
	{
		fd_set r;
		struct timeval tv = { 10, 0 };
		char c;

		CHECK_EQ(read(q[0], &c, 1), 1);
		l.ms = 20;
		CHECK(pthread_create(&t, NULL, write_later, &l) == 0);
		FD_ZERO(&r);
		FD_SET(p[0], &r);
		FD_SET(q[0], &r);
		t0 = now();
		CHECK_EQ(syscall(SYS_select, q[0] + 1, &r, NULL, NULL, &tv), 1);
		CHECK(now() - t0 >= 0.019);
		CHECK(FD_ISSET(q[0], &r) && !FD_ISSET(p[0], &r));
		/* the time left comes back in tv */
		CHECK(tv.tv_sec >= 8 && tv.tv_sec <= 9);
		CHECK(pthread_join(t, NULL) == 0);
	}
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

/* Two threads poll the same pipe: one write wakes both. */
static int shared_rfd;
static void *poll_waiter(void *arg)
{
	struct pollfd pf = { shared_rfd, POLLIN, 0 };

	return (void *)(long)poll(&pf, 1, 5000);
}

static void two_pollers(void)
{
	pthread_t a, b;
	void *ra, *rb;
	int p[2];

	CHECK(pipe(p) == 0);
	shared_rfd = p[0];
	CHECK(pthread_create(&a, NULL, poll_waiter, NULL) == 0);
	CHECK(pthread_create(&b, NULL, poll_waiter, NULL) == 0);
	sleep_ms(20);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK(pthread_join(a, &ra) == 0);
	CHECK(pthread_join(b, &rb) == 0);
	CHECK_EQ((long)ra, 1);
	CHECK_EQ((long)rb, 1);
	close(p[0]);
	close(p[1]);
}

/* A poller on a pipe whose fd another thread closes: POLLNVAL, not a
 * wait for ever or a stale wake. */
static void *close_later(void *arg)
{
	sleep_ms(20);
	close(*(int *)arg);
	return NULL;
}

static void closed_while_polled(void)
{
	struct pollfd pf;
	pthread_t t;
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(pthread_create(&t, NULL, close_later, &p[1]) == 0);
	pf = (struct pollfd){ p[0], POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 5000), 1);
	CHECK_EQ(pf.revents, POLLHUP); /* its writer closed */
	CHECK(pthread_join(t, NULL) == 0);
	close(p[0]);
	CHECK(pipe(p) == 0);
	CHECK(pthread_create(&t, NULL, close_later, &p[0]) == 0);
	pf = (struct pollfd){ p[0], POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 5000), 1);
	CHECK_EQ(pf.revents, POLLNVAL); /* the polled fd itself closed */
	CHECK(pthread_join(t, NULL) == 0);
	close(p[1]);
}

/* ---- select ---- */

static void select_sets(void)
{
	fd_set r, w, e;
	struct timeval tv = { 0, 0 };
	int p[2], q[2];
	double t0;

	CHECK(pipe(p) == 0);
	CHECK(pipe(q) == 0);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(q[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[0], &e);
	CHECK_EQ(select(q[0] + 1, &r, &w, &e, &tv), 1);
	CHECK(!FD_ISSET(p[0], &r) && !FD_ISSET(q[0], &r));
	CHECK(FD_ISSET(p[1], &w));
	CHECK(!FD_ISSET(p[0], &e));
	/* data in p: readable too, counted once per set */
	CHECK_EQ(write(p[1], "x", 1), 1);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(q[0], &r);
	FD_SET(p[1], &w);
	FD_SET(q[1], &w);
	CHECK_EQ(select(q[1] + 1, &r, &w, NULL, &tv), 3);
	CHECK(FD_ISSET(p[0], &r) && !FD_ISSET(q[0], &r));
	CHECK(FD_ISSET(p[1], &w) && FD_ISSET(q[1], &w));
	/* nfds bounds what is looked at */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK_EQ(select(p[0], &r, NULL, NULL, &tv), 0);
	/* a timeout: 0 and empty sets after it */
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	tv = (struct timeval){ 0, 50000 };
	t0 = now();
	CHECK_EQ(select(q[0] + 1, &r, NULL, NULL, &tv), 0);
	CHECK(now() - t0 >= 0.050);
	CHECK(!FD_ISSET(q[0], &r));
	/* select as a sleep */
	tv = (struct timeval){ 0, 30000 };
	t0 = now();
	CHECK_EQ(select(0, NULL, NULL, NULL, &tv), 0);
	CHECK(now() - t0 >= 0.030);
	/* the end of a pipe: readable (EOF) */
	close(q[1]);
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	tv = (struct timeval){ 0, 0 };
	CHECK_EQ(select(q[0] + 1, &r, NULL, NULL, &tv), 1);
	/* errors: a closed fd in a set, bad nfds and times; sets untouched */
	FD_ZERO(&r);
	FD_SET(q[1], &r);
	CHECK_ERR(select(q[1] + 1, &r, NULL, NULL, &tv), EBADF);
	CHECK(FD_ISSET(q[1], &r));
	CHECK_ERR(select(-1, NULL, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){ 0, 1000000 };
	CHECK_ERR(syscall(SYS_select, 0, NULL, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){ -1, 0 };
	CHECK_ERR(syscall(SYS_select, 0, NULL, NULL, NULL, &tv), EINVAL);
	/* pselect as a sleep */
	{
		struct timespec ts = { 0, 20 * 1000000 };

		FD_ZERO(&r);
		t0 = now();
		CHECK_EQ(pselect(1, &r, NULL, NULL, &ts, NULL), 0);
		CHECK(now() - t0 >= 0.020);
	}
	close(p[0]);
	close(p[1]);
	close(q[0]);
}

/* ppoll's and pselect's mask holds for the wait only: a signal it
 * blocks does not end the wait and arrives as the call returns, with
 * the thread's own mask back. Another thread sends the signal, then
 * ends the wait with a write. */
static volatile int usr2_hits, written, written_at_usr2;
static long main_tid;

static void on_usr2(int sig)
{
	usr2_hits++;
	written_at_usr2 = written;
}

static void *signal_then_write(void *arg)
{
	sleep_ms(10);
	syscall(SYS_tgkill, getpid(), main_tid, SIGUSR2);
	sleep_ms(10);
	written = 1;
	CHECK_EQ(write(*(int *)arg, "x", 1), 1);
	return NULL;
}

static void wait_masks(void)
{
	sigset_t m, before, after;
	struct pollfd pf;
	struct timespec ts = { 5, 0 };
	fd_set r;
	pthread_t t;
	int p[2];
	char c;

	CHECK(pipe(p) == 0);
	signal(SIGUSR2, on_usr2);
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	CHECK(sigprocmask(SIG_SETMASK, NULL, &before) == 0);
	main_tid = syscall(SYS_gettid);
	written = 0;
	CHECK(pthread_create(&t, NULL, signal_then_write, &p[1]) == 0);
	pf = (struct pollfd){ p[0], POLLIN, 0 };
	CHECK_EQ(ppoll(&pf, 1, NULL, &m), 1);
	CHECK_EQ(usr2_hits, 1);
	CHECK_EQ(written_at_usr2, 1);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(read(p[0], &c, 1), 1);
	written = 0;
	CHECK(pthread_create(&t, NULL, signal_then_write, &p[1]) == 0);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK_EQ(pselect(p[0] + 1, &r, NULL, NULL, &ts, &m), 1);
	CHECK_EQ(usr2_hits, 2);
	CHECK_EQ(written_at_usr2, 1);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(read(p[0], &c, 1), 1);
	/* no mask given: the thread's own holds, and SIGUSR2 ends the wait */
	written = 0;
	CHECK(pthread_create(&t, NULL, signal_then_write, &p[1]) == 0);
	CHECK_ERR(ppoll(&pf, 1, &ts, NULL), EINTR);
	CHECK_EQ(usr2_hits, 3);
	CHECK_EQ(written_at_usr2, 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(read(p[0], &c, 1), 1);
	signal(SIGUSR2, SIG_DFL);
	CHECK(sigprocmask(SIG_SETMASK, NULL, &after) == 0);
	CHECK(!memcmp(&after, &before, 8));
	close(p[0]);
	close(p[1]);
}

/* ---- the console ---- */

static void console_now(void)
{
	struct pollfd pf = { 0, POLLIN, 0 };
	fd_set r;
	char buf[16];
	ssize_t n;

	CHECK_EQ(poll(&pf, 1, 5000), 1);
	CHECK(pf.revents & POLLIN);
	FD_ZERO(&r);
	FD_SET(0, &r);
	CHECK_EQ(select(1, &r, NULL, NULL, NULL), 1);
	CHECK(FD_ISSET(0, &r));
	n = read_all(buf, 3);
	CHECK_EQ(n, 3);
	CHECK(memcmp(buf, "abc", 3) == 0);
	/* then the end of input: still "readable", and read says 0 */
	CHECK_EQ(poll(&pf, 1, 5000), 1);
	CHECK(pf.revents & (POLLIN | POLLHUP));
	CHECK_EQ(read(0, buf, sizeof buf), 0);
	pf = (struct pollfd){ 1, POLLOUT, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLOUT);
}

static void console_late(void)
{
	struct pollfd pf = { 0, POLLIN, 0 };
	char buf[16];
	double t0 = now();

	CHECK_EQ(poll(&pf, 1, 100), 0); /* the input comes after 0.6 s */
	CHECK(now() - t0 >= 0.1);
	CHECK_EQ(poll(&pf, 1, -1), 1);
	CHECK(now() - t0 >= 0.25);
	CHECK(pf.revents & POLLIN);
	CHECK_EQ(read_all(buf, 3), 3);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "stdin")) {
		console_now();
		return done();
	}
	if (argc > 1 && !strcmp(argv[1], "stdin-late")) {
		console_late();
		return done();
	}
	pipe_bits();
	other_files();
	errors();
	timeouts();
	woken_by_write();
	two_pollers();
	closed_while_polled();
	select_sets();
	wait_masks();
	return done();
}
