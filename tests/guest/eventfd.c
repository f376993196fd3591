/*
 * eventfd (sys/eventfd.c): the counter's read and write rules, the
 * semaphore mode, EAGAIN, EINVAL, the flags, poll bits, and blocking
 * between threads both ways (a reader waiting for a write, a writer
 * waiting for room below the counter's limit).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MAXC 0xfffffffffffffffeULL

static uint64_t get(int fd)
{
	uint64_t v = 0;

	CHECK_EQ(read(fd, &v, 8), 8);
	return v;
}

static void put(int fd, uint64_t v)
{
	CHECK_EQ(write(fd, &v, 8), 8);
}

static void counter(void)
{
	int fd = eventfd(3, EFD_NONBLOCK);
	uint64_t v = 0;
	char small[4];
	struct stat st;

	CHECK(fd >= 0);
	CHECK(get(fd) == 3);
	CHECK_ERR(read(fd, &v, 8), EAGAIN);
	put(fd, 5);
	put(fd, 7);
	CHECK(get(fd) == 12);
	/* sizes and values */
	CHECK_ERR(read(fd, small, 4), EINVAL);
	CHECK_ERR(write(fd, small, 4), EINVAL);
	v = UINT64_MAX;
	CHECK_ERR(write(fd, &v, 8), EINVAL);
	put(fd, 0); /* adds nothing, not an error */
	CHECK_ERR(read(fd, &v, 8), EAGAIN);
	/* a larger buffer reads 8 bytes */
	{
		uint64_t two[2] = { 0, 0 };

		put(fd, 9);
		CHECK_EQ(read(fd, two, 16), 8);
		CHECK(two[0] == 9);
	}
	/* the limit: 0xfffffffffffffffe, then EAGAIN */
	put(fd, MAXC);
	v = 1;
	CHECK_ERR(write(fd, &v, 8), EAGAIN);
	CHECK(get(fd) == MAXC);
	CHECK(fstat(fd, &st) == 0);
	CHECK_EQ(st.st_mode & S_IFMT, 0); /* an anonymous inode, as Linux */
	CHECK_ERR(lseek(fd, 0, SEEK_SET), ESPIPE);
	close(fd);
}

static void semaphore(void)
{
	int fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	uint64_t v;

	CHECK(fd >= 0);
	CHECK(get(fd) == 1);
	CHECK(get(fd) == 1);
	CHECK_ERR(read(fd, &v, 8), EAGAIN);
	put(fd, 3);
	CHECK(get(fd) == 1);
	CHECK(get(fd) == 1);
	CHECK(get(fd) == 1);
	CHECK_ERR(read(fd, &v, 8), EAGAIN);
	close(fd);
}

static void flags(void)
{
	int fd;

	fd = eventfd(0, EFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(fd);
	fd = eventfd(0, EFD_NONBLOCK);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	close(fd);
	CHECK_ERR(eventfd(0, 0x10), EINVAL);
	/* eventfd (284), the old call without flags */
	fd = syscall(SYS_eventfd, 4);
	CHECK(fd >= 0);
	CHECK(get(fd) == 4);
	close(fd);
}

static void poll_bits(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	struct pollfd pf = { fd, POLLIN | POLLOUT, 0 };

	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLOUT);
	put(fd, 1);
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLIN | POLLOUT);
	put(fd, MAXC - 1);
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLIN); /* full: not writable */
	get(fd);
	close(fd);
}

static int efd;

static void *late_writer(void *arg)
{
	sleep_ms(20);
	put(efd, 42);
	return NULL;
}

static void *late_reader(void *arg)
{
	sleep_ms(20);
	*(uint64_t *)arg = get(efd);
	return NULL;
}

static void blocking(void)
{
	pthread_t t;
	uint64_t got = 0;

	efd = eventfd(0, 0);
	CHECK(efd >= 0);
	CHECK(pthread_create(&t, NULL, late_writer, NULL) == 0);
	CHECK(get(efd) == 42); /* waits for the write */
	CHECK(pthread_join(t, NULL) == 0);
	/* a write that does not fit waits for a read */
	put(efd, MAXC);
	CHECK(pthread_create(&t, NULL, late_reader, &got) == 0);
	put(efd, 2);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(got == MAXC);
	CHECK(get(efd) == 2);
	close(efd);
}

int main(void)
{
	counter();
	semaphore();
	flags();
	poll_bits();
	blocking();
	return done();
}
