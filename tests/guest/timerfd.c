/*
 * timerfd (sys/timerfd.c, on the kernel timers of sys/timer.c): one-shot
 * and periodic timers, relative and absolute on both clocks, the
 * expiration count, gettime and the old value from settime, disarming,
 * O_NONBLOCK, poll and epoll on a timerfd, a single thread blocked for
 * ever in poll woken only by the timer, a thread blocked in read while
 * another works, and the error paths.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MS 1000000L

static int arm(int fd, int flags, long value_ns, long interval_ns)
{
	struct itimerspec its = { { interval_ns / 1000000000, interval_ns % 1000000000 },
				  { value_ns / 1000000000, value_ns % 1000000000 } };

	return timerfd_settime(fd, flags, &its, NULL);
}

static uint64_t expirations(int fd)
{
	uint64_t n = 0;

	CHECK_EQ(read(fd, &n, 8), 8);
	return n;
}

static double ns(const struct timespec *ts)
{
	return ts->tv_sec * 1e9 + ts->tv_nsec;
}

static void errors(void)
{
	struct itimerspec its = { { 0, 0 }, { 1, 0 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, 0), p[2];
	char small[4];

	CHECK(fd >= 0);
	CHECK(pipe(p) == 0);
	CHECK_ERR(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
	CHECK_ERR(timerfd_create(99, 0), EINVAL);
	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 1), EINVAL);
	CHECK_ERR(timerfd_settime(900, 0, &its, NULL), EBADF);
	CHECK_ERR(timerfd_settime(p[0], 0, &its, NULL), EINVAL);
	CHECK_ERR(timerfd_gettime(p[0], &its), EINVAL);
	CHECK_ERR(timerfd_gettime(900, &its), EBADF);
	CHECK_ERR(timerfd_settime(fd, 4, &its, NULL), EINVAL);
	CHECK_ERR(timerfd_settime(fd, 0, NULL, NULL), EFAULT);
	CHECK_ERR(timerfd_gettime(fd, NULL), EFAULT);
	its.it_value.tv_nsec = 1000000000;
	CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_sec = -1;
	CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
	CHECK_ERR(read(fd, small, 4), EINVAL);
	CHECK_ERR(write(fd, small, 4), EINVAL);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void flags(void)
{
	int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	struct stat st;
	uint64_t n;

	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_ERR(read(fd, &n, 8), EAGAIN); /* never armed */
	CHECK(fstat(fd, &st) == 0);
	CHECK_EQ(st.st_mode & S_IFMT, 0);
	close(fd);
	fd = timerfd_create(CLOCK_BOOTTIME, 0);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	close(fd);
}

static void one_shot(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec cur, old;
	double t0 = now();
	uint64_t n;

	CHECK(arm(fd, 0, 50 * MS, 0) == 0);
	CHECK(timerfd_gettime(fd, &cur) == 0);
	CHECK(ns(&cur.it_value) > 0 && ns(&cur.it_value) <= 50 * MS);
	CHECK_EQ(ns(&cur.it_interval), 0);
	CHECK(expirations(fd) == 1); /* blocks until it expires */
	CHECK(now() - t0 >= 0.050);
	CHECK(timerfd_gettime(fd, &cur) == 0);
	CHECK_EQ(ns(&cur.it_value), 0); /* expired: disarmed */
	/* once only */
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	sleep_ms(20);
	CHECK_ERR(read(fd, &n, 8), EAGAIN);
	/* settime gives the old setting back, and a new one starts afresh */
	CHECK(arm(fd, 0, 5000 * MS, 100 * MS) == 0);
	{
		struct itimerspec its = { { 0, 0 }, { 0, 0 } };

		CHECK(timerfd_settime(fd, 0, &its, &old) == 0); /* disarms */
	}
	CHECK(ns(&old.it_value) > 4000.0 * MS && ns(&old.it_value) <= 5000.0 * MS);
	CHECK_EQ(ns(&old.it_interval), 100 * MS);
	CHECK(timerfd_gettime(fd, &cur) == 0);
	CHECK(ns(&cur.it_value) == 0 && ns(&cur.it_interval) == 0);
	CHECK_ERR(read(fd, &n, 8), EAGAIN);
	/* expirations unread are dropped by a new setting */
	CHECK(arm(fd, 0, 1 * MS, 0) == 0);
	sleep_ms(5);
	CHECK(arm(fd, 0, 5000 * MS, 0) == 0);
	CHECK_ERR(read(fd, &n, 8), EAGAIN);
	close(fd);
}

static void periodic(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec cur;
	double t0 = now(), el;
	uint64_t n;

	CHECK(arm(fd, 0, 20 * MS, 20 * MS) == 0);
	sleep_ms(110);
	n = expirations(fd);
	el = now() - t0;
	CHECK(n >= 5);				/* at 20, 40, 60, 80, 100 ms */
	CHECK(n <= (uint64_t)(el / 0.020) + 1); /* and no more than time allows */
	CHECK(timerfd_gettime(fd, &cur) == 0);
	CHECK(ns(&cur.it_value) > 0 && ns(&cur.it_value) <= 20 * MS);
	CHECK_EQ(ns(&cur.it_interval), 20 * MS);
	/* then one at a time, each read waiting for the next */
	t0 = now();
	CHECK(expirations(fd) >= 1);
	CHECK(expirations(fd) == 1);
	CHECK(now() - t0 >= 0.020);
	close(fd);
}

static void absolute(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0), rfd = timerfd_create(CLOCK_REALTIME, 0);
	struct timespec ts;
	double t0 = now();

	clock_gettime(CLOCK_MONOTONIC, &ts);
	CHECK(arm(fd, TFD_TIMER_ABSTIME, (long)(ns(&ts) + 30 * MS), 0) == 0);
	CHECK(expirations(fd) == 1);
	CHECK(now() - t0 >= 0.030);
	/* a time already past: expired at once */
	CHECK(arm(fd, TFD_TIMER_ABSTIME, 1, 0) == 0);
	t0 = now();
	CHECK(expirations(fd) == 1);
	CHECK(now() - t0 < 0.5);
	/* a past start with an interval counts every period since */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	CHECK(arm(fd, TFD_TIMER_ABSTIME, (long)(ns(&ts) - 95 * MS), 10 * MS) == 0);
	{
		uint64_t n = expirations(fd);

		CHECK(n >= 10 && n <= 15);
	}
	/* the realtime clock, absolute (and TFD_TIMER_CANCEL_ON_SET) */
	clock_gettime(CLOCK_REALTIME, &ts);
	t0 = now();
	CHECK(arm(rfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, (long)(ns(&ts) + 40 * MS), 0) ==
	      0);
	CHECK(expirations(rfd) == 1);
	CHECK(now() - t0 >= 0.035);
	close(fd);
	close(rfd);
}

/* The only thread waits in poll with no timeout: the timer alone wakes
 * the machine (without it the scheduler would call this a deadlock). */
static void wakes_idle_machine(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct pollfd pf = { fd, POLLIN, 0 };
	double t0 = now();

	CHECK(arm(fd, 0, 40 * MS, 0) == 0);
	CHECK_EQ(poll(&pf, 1, -1), 1);
	CHECK_EQ(pf.revents, POLLIN);
	CHECK(now() - t0 >= 0.040);
	CHECK(expirations(fd) == 1);
	CHECK_EQ(poll(&pf, 1, 0), 0);
	close(fd);
}

static void in_epoll(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), ep = epoll_create1(0), i;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = 77 }, out[2];
	double t0 = now();
	uint64_t total = 0;

	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	CHECK(arm(fd, 0, 15 * MS, 15 * MS) == 0);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(epoll_wait(ep, out, 2, 5000), 1);
		CHECK(out[0].data.u64 == 77);
		total += expirations(fd);
	}
	CHECK(total >= 4);
	CHECK(now() - t0 >= 0.060);
	close(fd); /* armed, in an instance: both go */
	CHECK_EQ(epoll_wait(ep, out, 2, 30), 0);
	close(ep);
}

/* One thread blocked in read while another computes and sleeps. */
static volatile int spins;

static void *reader(void *arg)
{
	*(uint64_t *)arg = expirations(*(int *)((uint64_t *)arg + 1));
	return NULL;
}

static void blocked_thread(void)
{
	uint64_t box[2];
	pthread_t t;
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	double t0 = now();

	box[0] = 0;
	*(int *)&box[1] = fd;
	CHECK(arm(fd, 0, 30 * MS, 0) == 0);
	CHECK(pthread_create(&t, NULL, reader, box) == 0);
	while (now() - t0 < 0.010)
		spins++;
	sleep_ms(5);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(box[0] == 1);
	CHECK(now() - t0 >= 0.030);
	close(fd);
}

/* Timers armed and closed in numbers: none left behind to fire. */
static void churn(void)
{
	int i, fd;

	for (i = 0; i < 500; i++) {
		fd = timerfd_create(CLOCK_MONOTONIC, 0);
		CHECK(fd >= 0);
		CHECK(arm(fd, 0, (i % 7) * MS + 1, MS) == 0);
		close(fd);
	}
	sleep_ms(20);
}

int main(void)
{
	errors();
	flags();
	one_shot();
	periodic();
	absolute();
	wakes_idle_machine();
	in_epoll();
	blocked_thread();
	churn();
	return done();
}
