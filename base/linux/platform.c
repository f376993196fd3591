/*
 * struct keel_platform for the Linux-process base: the console is the
 * process's fds 0-2, clocks are the host's, waiting is ppoll, memory
 * protection is mprotect, entropy is getrandom. No net or block devices
 * yet (tap and disk fds come with the networking and KVM work).
 */
#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>

#include <keel/platform.h>

#include "host.h"

static uint64_t mono_origin;

void linux_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	long r;

	while (len) {
		r = host_syscall(HOST_write, fd, p, len);
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN) {
			struct pollfd pfd = { fd, POLLOUT, 0 };
			host_syscall(HOST_ppoll, &pfd, 1, 0, 0, 8);
			continue;
		}
		if (r <= 0)
			return; /* the host closed our console: nothing to tell */
		p += r;
		len -= (size_t)r;
	}
}

static long console_write(int stream, const void *buf, size_t len)
{
	linux_write_all(stream == 2 ? 2 : 1, buf, len);
	return (long)len;
}

static long console_read(void *buf, size_t len)
{
	struct pollfd pfd = { 0, POLLIN, 0 };
	struct timespec zero = { 0, 0 };
	long r = host_syscall(HOST_ppoll, &pfd, 1, &zero, 0, 8);

	if (r == 0)
		return -EAGAIN;
	if (r < 0)
		return r == -EINTR ? -EAGAIN : r;
	r = host_syscall(HOST_read, 0, buf, len);
	return r == -EINTR ? -EAGAIN : r;
}

static int console_winsize(int stream, struct keel_winsize *ws)
{
	struct winsize w;
	long r = host_syscall(HOST_ioctl, stream, TIOCGWINSZ, &w);

	if (r < 0)
		return (int)r;
	ws->rows = w.ws_row;
	ws->cols = w.ws_col;
	return 0;
}

static uint64_t host_clock(int id)
{
	struct timespec ts;

	host_syscall(HOST_clock_gettime, id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static uint64_t clock_monotonic(void)
{
	return host_clock(CLOCK_MONOTONIC) - mono_origin;
}

static uint64_t clock_realtime(void)
{
	return host_clock(CLOCK_REALTIME);
}

static unsigned wait_until(uint64_t deadline, unsigned mask)
{
	struct pollfd pfd = { 0, POLLIN, 0 };
	struct timespec ts, *tsp = 0;
	uint64_t now = clock_monotonic();
	int nfds = (mask & KEEL_EV_CONSOLE) ? 1 : 0;
	long r;

	if (deadline != UINT64_MAX) {
		uint64_t left = deadline > now ? deadline - now : 0;
		ts.tv_sec = (time_t)(left / 1000000000);
		ts.tv_nsec = (long)(left % 1000000000);
		tsp = &ts;
	}
	r = host_syscall(HOST_ppoll, nfds ? &pfd : 0, nfds, tsp, 0, 8);
	if (r > 0 && pfd.revents)
		return KEEL_EV_CONSOLE;
	return 0;
}

static __attribute__((noreturn)) void linux_exit(int status)
{
	for (;;)
		host_syscall(HOST_exit_group, status);
}

static int set_tls(void *tp)
{
	return (int)host_syscall(HOST_arch_prctl, 0x1002 /* ARCH_SET_FS */, tp);
}

static int mem_protect(void *addr, size_t len, int prot)
{
	return (int)host_syscall(HOST_mprotect, addr, len, prot);
}

static long entropy(void *buf, size_t len)
{
	size_t done = 0;
	long r;

	while (done < len) {
		r = host_syscall(HOST_getrandom, (char *)buf + done, len - done, 0);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		done += (size_t)r;
	}
	return (long)len;
}

static int no_net(unsigned dev, struct keel_net_info *info)
{
	return -ENODEV;
}

static long no_frames(unsigned dev, struct keel_frame *f, unsigned n)
{
	return -ENODEV;
}

static long no_send(unsigned dev, const struct keel_frame *f, unsigned n)
{
	return -ENODEV;
}

static int no_block(unsigned dev, struct keel_block_info *info)
{
	return -ENODEV;
}

static long no_reqs(unsigned dev, struct keel_block_req **r, unsigned n)
{
	return -ENODEV;
}

const struct keel_platform linux_platform = {
	.name = "linux",
	.console_write = console_write,
	.console_read = console_read,
	.console_winsize = console_winsize,
	.clock_monotonic = clock_monotonic,
	.clock_realtime = clock_realtime,
	.wait_until = wait_until,
	.exit = linux_exit,
	.set_tls = set_tls,
	.mem_protect = mem_protect,
	.entropy = entropy,
	.net_info = no_net,
	.net_send = no_send,
	.net_recv = no_frames,
	.block_info = no_block,
	.block_submit = no_reqs,
	.block_complete = no_reqs,
};

/* Monotonic time starts near 0 at boot, as the contract says. */
void linux_clock_init(void)
{
	mono_origin = host_clock(CLOCK_MONOTONIC);
}
