/*
 * Pipes (sys/pipe.c): data in order, end of file, EPIPE, O_NONBLOCK and
 * EAGAIN, atomic writes of PIPE_BUF, the 64 KiB buffer and
 * F_SETPIPE_SZ, FIONREAD, fstat, and blocking between threads: a reader
 * waiting for a writer, a writer waiting for room, a reader woken by the
 * last writer's close.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static void basics(void)
{
	int p[2], n;
	char buf[64];
	struct stat st;

	CHECK(pipe(p) == 0);
	CHECK(p[0] >= 3 && p[1] >= 3 && p[0] != p[1]);
	CHECK_EQ(write(p[1], "hello", 5), 5);
	CHECK_EQ(write(p[1], " pipe", 5), 5);
	CHECK(ioctl(p[0], FIONREAD, &n) == 0);
	CHECK_EQ(n, 10);
	CHECK(ioctl(p[1], FIONREAD, &n) == 0);
	CHECK_EQ(n, 10);
	CHECK_EQ(read(p[0], buf, 3), 3);
	CHECK_EQ(read(p[0], buf + 3, sizeof buf), 7);
	buf[10] = 0;
	CHECK_STR(buf, "hello pipe");
	CHECK(fstat(p[0], &st) == 0);
	CHECK(S_ISFIFO(st.st_mode));
	CHECK(fstat(p[1], &st) == 0);
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	CHECK_ERR(read(p[1], buf, 1), EBADF);
	CHECK_ERR(write(p[0], "x", 1), EBADF);
	CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
	CHECK_ERR(pread(p[0], buf, 1, 0), ESPIPE);
	CHECK_EQ(write(p[1], "", 0), 0);
	/* end of file once the only writer is gone, data first */
	CHECK_EQ(write(p[1], "xy", 2), 2);
	CHECK(close(p[1]) == 0);
	CHECK_EQ(read(p[0], buf, sizeof buf), 2);
	CHECK_EQ(read(p[0], buf, sizeof buf), 0);
	CHECK_EQ(read(p[0], buf, sizeof buf), 0);
	CHECK(close(p[0]) == 0);
}

static void flags_and_errors(void)
{
	int p[2];

	CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK);
	close(p[0]);
	close(p[1]);
	CHECK(pipe2(p, 0) == 0);
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK(!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
	close(p[0]);
	close(p[1]);
	CHECK_ERR(pipe2(p, 0x40000000), EINVAL);
	CHECK_ERR(syscall(SYS_pipe2, NULL, 0), EFAULT);
	CHECK_ERR(syscall(SYS_pipe, NULL), EFAULT);
}

/* Non-blocking: EAGAIN when empty and when full; the buffer is 64 KiB;
 * a write of up to PIPE_BUF bytes is all or nothing, a larger one
 * writes what fits. */
static void nonblocking(void)
{
	static char big[70000], out[70000];
	int p[2], n;
	long total = 0;
	ssize_t r;

	CHECK(pipe2(p, O_NONBLOCK) == 0);
	CHECK_ERR(read(p[0], out, 1), EAGAIN);
	CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
	memset(big, 'a', sizeof big);
	while ((r = write(p[1], big, 1000)) > 0)
		total += r;
	CHECK_EQ(r, -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(total, 65000); /* 536 bytes left: a 1000-byte write waits */
	CHECK_EQ(write(p[1], big, 536), 536);
	CHECK_ERR(write(p[1], big, 1), EAGAIN);
	CHECK(ioctl(p[0], FIONREAD, &n) == 0);
	CHECK_EQ(n, 65536);
	/* 100 bytes of room: PIPE_BUF bytes do not go in part */
	CHECK_EQ(read(p[0], out, 100), 100);
	CHECK_ERR(write(p[1], big, PIPE_BUF), EAGAIN);
	CHECK_ERR(write(p[1], big, 200), EAGAIN);
	CHECK_EQ(write(p[1], big, 100), 100);
	/* more than PIPE_BUF: what fits */
	CHECK_EQ(read(p[0], out, 5000), 5000);
	CHECK_EQ(write(p[1], big, 6000), 5000);
	CHECK_EQ(read(p[0], out, sizeof out), 65536);
	CHECK_ERR(read(p[0], out, 1), EAGAIN);
	/* O_NONBLOCK can be turned off and on */
	CHECK(fcntl(p[0], F_SETFL, 0) == 0);
	CHECK(!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK_ERR(read(p[0], out, 1), EAGAIN);
	close(p[0]);
	close(p[1]);
}

static void pipe_size(void)
{
	char buf[8192];
	int p[2];

	CHECK(pipe2(p, O_NONBLOCK) == 0);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 4096);
	memset(buf, 'b', sizeof buf);
	CHECK_EQ(write(p[1], buf, sizeof buf), 4096);
	CHECK_ERR(write(p[1], buf, 1), EAGAIN);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 5000), 8192); /* rounds up, keeps data */
	CHECK_EQ(write(p[1], "0123", 4), 4);
	CHECK_ERR(fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY); /* 4100 bytes in it */
	CHECK_ERR(fcntl(p[1], F_SETPIPE_SZ, 2 * 1024 * 1024), EPERM);
	CHECK_EQ(read(p[0], buf, 4096), 4096);
	CHECK_EQ(read(p[0], buf, sizeof buf), 4);
	CHECK(memcmp(buf, "0123", 4) == 0);
	CHECK_EQ(fcntl(p[0], F_SETPIPE_SZ, 1024 * 1024), 1024 * 1024);
	CHECK_ERR(fcntl(0, F_GETPIPE_SZ), EINVAL); /* not a pipe */
	close(p[0]);
	close(p[1]);
}

static void epipe(void)
{
	sigset_t set;
	int p[2];

	/* SIGPIPE must not end the test where keel raises it: blocked
	 * (and ignored where sigaction exists). */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(p) == 0);
	close(p[0]);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	CHECK_EQ(write(p[1], "", 0), 0); /* as Linux: nothing to write, no error */
	close(p[1]);
}

/* readv takes what is there: a full first buffer does not make it wait
 * for the second. */
static void vectors(void)
{
	char a[4], b[8];
	struct iovec iov[2] = { { a, sizeof a }, { b, sizeof b } };
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK_EQ(write(p[1], "abcd", 4), 4);
	CHECK_EQ(readv(p[0], iov, 2), 4);
	CHECK_EQ(write(p[1], "abcdefg", 7), 7);
	CHECK_EQ(readv(p[0], iov, 2), 7);
	CHECK(memcmp(b, "efg", 3) == 0);
	close(p[0]);
	close(p[1]);
}

/* ---- between threads ---- */

struct stream {
	int fd;
	size_t total;
	long result;
};

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

/* Writes total bytes of the pattern in pieces of many sizes. */
static void *writer(void *arg)
{
	struct stream *s = arg;
	static unsigned char buf[100000];
	size_t off = 0, piece = 1;

	while (off < s->total) {
		size_t n = piece < s->total - off ? piece : s->total - off, i;
		ssize_t r;

		for (i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		r = write(s->fd, buf, n);
		if (r != (ssize_t)n) { /* a blocking write writes all */
			s->result = -1;
			return NULL;
		}
		off += n;
		piece = piece * 3 + 1;
		if (piece > sizeof buf)
			piece = 17;
	}
	s->result = (long)off;
	close(s->fd);
	return NULL;
}

static void stream_between_threads(void)
{
	static unsigned char buf[3000];
	struct stream s;
	pthread_t t;
	size_t got = 0, i;
	ssize_t r;
	int p[2];

	CHECK(pipe(p) == 0);
	s.fd = p[1];
	s.total = 3 * 1024 * 1024 + 5;
	s.result = 0;
	CHECK(pthread_create(&t, NULL, writer, &s) == 0);
	while ((r = read(p[0], buf, sizeof buf)) > 0) {
		for (i = 0; i < (size_t)r; i++)
			if (buf[i] != pattern(got + i))
				break;
		CHECK_EQ(i, r);
		got += (size_t)r;
	}
	CHECK_EQ(r, 0); /* end of file when the writer closed */
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(s.result, (long)s.total);
	CHECK_EQ(got, s.total);
	close(p[0]);
}

/* One write far bigger than the pipe: it blocks until the reader has
 * taken all of it, and returns all of it. */
static void *slow_reader(void *arg)
{
	struct stream *s = arg;
	char buf[10000];
	ssize_t r;

	sleep_ms(20);
	while (s->result < (long)s->total && (r = read(s->fd, buf, sizeof buf)) > 0)
		s->result += r;
	return NULL;
}

static void big_write(void)
{
	static char big[300000];
	struct stream s = { 0, sizeof big, 0 };
	pthread_t t;
	int p[2];

	CHECK(pipe(p) == 0);
	s.fd = p[0];
	CHECK(pthread_create(&t, NULL, slow_reader, &s) == 0);
	CHECK_EQ(write(p[1], big, sizeof big), (long)sizeof big);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(s.result, (long)sizeof big);
	close(p[0]);
	close(p[1]);
}

/* Two writers of PIPE_BUF-byte records into a small pipe: no record is
 * ever split by the other's. */
struct recw {
	int fd;
	char c;
};

static void *record_writer(void *arg)
{
	struct recw *w = arg;
	char rec[PIPE_BUF];
	int i;

	memset(rec, w->c, sizeof rec);
	for (i = 0; i < 50; i++)
		if (write(w->fd, rec, sizeof rec) != sizeof rec)
			return (void *)1;
	return NULL;
}

static void atomic_records(void)
{
	struct recw a, b;
	pthread_t ta, tb;
	char rec[PIPE_BUF];
	void *ra, *rb;
	int p[2], i, k, na = 0, nb = 0;

	CHECK(pipe(p) == 0);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 3 * PIPE_BUF), 4 * PIPE_BUF);
	a.fd = b.fd = p[1];
	a.c = 'A';
	b.c = 'B';
	CHECK(pthread_create(&ta, NULL, record_writer, &a) == 0);
	CHECK(pthread_create(&tb, NULL, record_writer, &b) == 0);
	for (i = 0; i < 100; i++) {
		size_t got = 0;

		while (got < sizeof rec) {
			ssize_t r = read(p[0], rec + got,
					 1000 < sizeof rec - got ? 1000 : sizeof rec - got);

			CHECK(r > 0);
			got += (size_t)r;
		}
		for (k = 1; k < PIPE_BUF; k++)
			if (rec[k] != rec[0])
				break;
		CHECK_EQ(k, PIPE_BUF);
		if (rec[0] == 'A')
			na++;
		else
			nb++;
	}
	CHECK(pthread_join(ta, &ra) == 0);
	CHECK(pthread_join(tb, &rb) == 0);
	CHECK(ra == NULL && rb == NULL);
	CHECK_EQ(na, 50);
	CHECK_EQ(nb, 50);
	close(p[0]);
	close(p[1]);
}

/* writev of PIPE_BUF bytes in two pieces is one atomic write: it waits
 * for room for all of it, and a write made meanwhile by another thread
 * comes before it, not between its pieces. */
static void *writev_record(void *arg)
{
	static char a[PIPE_BUF / 2], b[PIPE_BUF / 2];
	struct iovec iov[2] = { { a, sizeof a }, { b, sizeof b } };

	memset(a, 'A', sizeof a);
	memset(b, 'A', sizeof b);
	return (void *)(long)writev(*(int *)arg, iov, 2);
}

static void atomic_writev(void)
{
	static char buf[PIPE_BUF], pre[1000], bs[100];
	pthread_t t;
	void *r;
	size_t got = 0;
	int p[2], i;

	CHECK(pipe(p) == 0);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, PIPE_BUF), PIPE_BUF);
	memset(pre, 'P', sizeof pre);
	memset(bs, 'B', sizeof bs);
	CHECK_EQ(write(p[1], pre, sizeof pre), (long)sizeof pre);
	CHECK(pthread_create(&t, NULL, writev_record, &p[1]) == 0);
	sleep_ms(20); /* the writev waits: 3096 bytes of room, 4096 wanted */
	CHECK_EQ(write(p[1], bs, sizeof bs), (long)sizeof bs);
	CHECK_EQ(read(p[0], buf, sizeof pre), (long)sizeof pre);
	while (got < sizeof bs + PIPE_BUF) {
		ssize_t n = read(p[0], buf, sizeof buf);

		CHECK(n > 0);
		for (i = 0; i < n; i++)
			CHECK_EQ(buf[i], got + i < sizeof bs ? 'B' : 'A');
		got += (size_t)n;
	}
	CHECK(pthread_join(t, &r) == 0);
	CHECK_EQ((long)r, PIPE_BUF);
	close(p[0]);
	close(p[1]);
}

/* A reader blocked on an empty pipe wakes with end of file when another
 * thread closes the last write end (a dup keeps it open until then). */
static void *closer(void *arg)
{
	int *fds = arg;

	sleep_ms(20);
	close(fds[1]);
	sleep_ms(20);
	close(fds[2]);
	return NULL;
}

static void eof_wakes_reader(void)
{
	int fds[3];
	pthread_t t;
	char c;
	double t0;

	CHECK(pipe(fds) == 0);
	fds[2] = dup(fds[1]);
	CHECK(fds[2] > 0);
	CHECK(pthread_create(&t, NULL, closer, fds) == 0);
	t0 = now();
	CHECK_EQ(read(fds[0], &c, 1), 0);
	CHECK(now() - t0 >= 0.039);
	CHECK(pthread_join(t, NULL) == 0);
	close(fds[0]);
}

/* A writer blocked on a full pipe wakes with EPIPE when the reader goes. */
static void *read_closer(void *arg)
{
	sleep_ms(20);
	close(*(int *)arg);
	return NULL;
}

static void epipe_wakes_writer(void)
{
	static char big[100000];
	pthread_t t;
	int p[2];
	ssize_t r;

	CHECK(pipe(p) == 0);
	CHECK(pthread_create(&t, NULL, read_closer, &p[0]) == 0);
	r = write(p[1], big, sizeof big);
	CHECK_EQ(r, 65536); /* what went in before the reader left */
	CHECK_ERR(write(p[1], big, 1), EPIPE);
	CHECK(pthread_join(t, NULL) == 0);
	close(p[1]);
}

/* Many pipes opened and closed: the memory comes back. */
static void churn(void)
{
	int i, p[2];

	for (i = 0; i < 2000; i++) {
		CHECK(pipe(p) == 0);
		close(p[0]);
		close(p[1]);
	}
}

int main(int argc, char **argv)
{
	basics();
	flags_and_errors();
	nonblocking();
	pipe_size();
	epipe();
	vectors();
	stream_between_threads();
	big_write();
	atomic_records();
	atomic_writev();
	eof_wakes_reader();
	epipe_wakes_writer();
	churn();
	return done();
}
