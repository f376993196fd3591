/*
 * struct keel_platform for the Linux-process base: the console is the
 * process's fds 0-2, clocks are the host's, waiting is ppoll, memory
 * protection is mprotect, entropy is getrandom. The net device is the
 * tap fd keel-run handed over, the block device the --disk file's fd;
 * with --net=host, wait_until also waits for host sockets (hostnet.c).
 */
#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <string.h>
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

	if (linux_vdso_clock(id, &ts) != 0)
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

/* Network device 0: the tap keel-run opened (non-blocking); a frame
 * is one read or write. */
int linux_net_fd = -1;
static unsigned char net_mac[6];

void linux_net_init(int fd, const unsigned char mac[6])
{
	linux_net_fd = fd;
	memcpy(net_mac, mac, 6);
}

static int net_info(unsigned dev, struct keel_net_info *info)
{
	if (dev != 0 || linux_net_fd < 0)
		return -ENODEV;
	memcpy(info->mac, net_mac, 6);
	info->mtu = 1500;
	info->max_batch = 64;
	return 0;
}

static long net_send(unsigned dev, const struct keel_frame *f, unsigned n)
{
	unsigned i;
	long r;

	if (dev != 0 || linux_net_fd < 0)
		return -ENODEV;
	for (i = 0; i < n; i++) {
		if (f[i].len < 14 || f[i].len > 1514 + 4)
			return i ? (long)i : -EINVAL;
		r = host_syscall(HOST_write, linux_net_fd, f[i].data, f[i].len);
		if (r == -EAGAIN)
			break; /* the tap's queue is full: the rest later */
	}
	return (long)i;
}

static long net_recv(unsigned dev, struct keel_frame *f, unsigned n)
{
	unsigned i;
	long r;

	if (dev != 0 || linux_net_fd < 0)
		return -ENODEV;
	for (i = 0; i < n; i++) {
		r = host_syscall(HOST_read, linux_net_fd, f[i].data, f[i].cap);
		if (r <= 0)
			break;
		f[i].len = (size_t)r;
	}
	return (long)i;
}

/* Console input, the tap's frames, signals from outside and, with
 * --net=host, the host sockets some thread waits on (hostnet.c): one
 * ppoll. */
static unsigned wait_until(uint64_t deadline, unsigned mask)
{
	static struct pollfd pfd[3 + LINUX_HOSTNET_MAX];
	struct timespec ts, *tsp = 0;
	uint64_t now = clock_monotonic();
	unsigned ev = 0;
	int n = 3;
	long r;

	if ((mask & KEEL_EV_SIGNAL) && linux_host_signal_came())
		return KEEL_EV_SIGNAL;
	if (deadline != UINT64_MAX) {
		uint64_t left = deadline > now ? deadline - now : 0;
		ts.tv_sec = (time_t)(left / 1000000000);
		ts.tv_nsec = (long)(left % 1000000000);
		tsp = &ts;
	}
	pfd[0] = (struct pollfd){ -1, POLLIN, 0 };
	pfd[1] = (struct pollfd){ -1, POLLIN, 0 };
	pfd[2] = (struct pollfd){ -1, POLLIN, 0 };
	if (mask & KEEL_EV_CONSOLE)
		pfd[0].fd = 0;
	if ((mask & KEEL_EV_NET) && linux_net_fd >= 0)
		pfd[1].fd = linux_net_fd;
	if (mask & KEEL_EV_SIGNAL)
		pfd[2].fd = linux_sig_fd;
	if (mask & KEEL_EV_SOCK)
		n += linux_hostnet_watch(pfd + 3, LINUX_HOSTNET_MAX);
	if ((mask & KEEL_EV_SOCK) && !tsp && n == 3 && pfd[0].fd < 0 && pfd[1].fd < 0 &&
	    pfd[2].fd < 0)
		return 0; /* the socket waiters left: the scheduler looks again */
	r = host_syscall(HOST_ppoll, pfd, n, tsp, 0, 8);
	if (r > 0 && pfd[0].revents)
		ev |= KEEL_EV_CONSOLE;
	if (r > 0 && pfd[1].revents)
		ev |= KEEL_EV_NET;
	if ((mask & KEEL_EV_SIGNAL) && linux_host_signal_came())
		ev |= KEEL_EV_SIGNAL; /* the ppoll was interrupted, or the eventfd fired */
	if (r > 0 && n > 3 && linux_hostnet_fired(pfd + 3, n - 3))
		ev |= KEEL_EV_SOCK;
	return ev;
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


/* Block device 0: the file keel-run opened, read and written with
 * pread/pwrite as requests are submitted; completions queue up. */
int linux_disk_fd = -1;
static int disk_ro;
static uint64_t disk_sectors;
static struct keel_block_req *done[64];
static unsigned done_head, done_count;

void linux_disk_init(int fd, int read_only)
{
	struct stat st;

	if (host_syscall(HOST_fstat, fd, &st) < 0)
		return;
	linux_disk_fd = fd;
	disk_ro = read_only;
	disk_sectors = (uint64_t)st.st_size / 512;
}

static int block_info(unsigned dev, struct keel_block_info *info)
{
	if (dev != 0 || linux_disk_fd < 0)
		return -ENODEV;
	info->sectors = disk_sectors;
	info->max_batch = sizeof done / sizeof done[0];
	info->read_only = disk_ro;
	return 0;
}

static int block_do(struct keel_block_req *r)
{
	size_t off = 0;
	long n;

	if (r->op == KEEL_BLOCK_FLUSH)
		return host_syscall(HOST_fdatasync, linux_disk_fd) < 0 ? -EIO : 0;
	if (r->op == KEEL_BLOCK_WRITE && disk_ro)
		return -EROFS;
	while (off < r->len) {
		n = host_syscall(r->op == KEEL_BLOCK_READ ? HOST_pread64 : HOST_pwrite64,
				 linux_disk_fd, (char *)r->buf + off, r->len - off,
				 r->sector * 512 + off);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		off += (size_t)n;
	}
	return 0;
}

static long block_submit(unsigned dev, struct keel_block_req **reqs, unsigned n)
{
	unsigned i;

	if (dev != 0 || linux_disk_fd < 0)
		return -ENODEV;
	for (i = 0; i < n && done_count < sizeof done / sizeof done[0]; i++) {
		struct keel_block_req *r = reqs[i];

		if (r->op != KEEL_BLOCK_FLUSH &&
		    (r->len % 512 || !r->len || r->sector > disk_sectors ||
		     r->len / 512 > disk_sectors - r->sector))
			return i ? (long)i : -EINVAL;
		if (r->op == KEEL_BLOCK_WRITE && disk_ro)
			return i ? (long)i : -EROFS;
		r->status = block_do(r);
		done[(done_head + done_count++) % (sizeof done / sizeof done[0])] = r;
	}
	return (long)i;
}

static long block_complete(unsigned dev, struct keel_block_req **reqs, unsigned n)
{
	unsigned i;

	if (dev != 0 || linux_disk_fd < 0)
		return -ENODEV;
	for (i = 0; i < n && done_count; i++, done_count--) {
		reqs[i] = done[done_head];
		done_head = (done_head + 1) % (sizeof done / sizeof done[0]);
	}
	return (long)i;
}

const struct keel_platform linux_platform = {
	.name = "linux",
	.console_write = console_write,
	.console_read = console_read,
	.console_winsize = console_winsize,
	.clock_monotonic = clock_monotonic,
	.clock_realtime = clock_realtime,
	.wait_until = wait_until,
	.host_signal = linux_host_signal,
	.host_signals = linux_host_signals,
	.exit = linux_exit,
	.set_tls = set_tls,
	.mem_protect = mem_protect,
	.entropy = entropy,
	.net_info = net_info,
	.net_send = net_send,
	.net_recv = net_recv,
	.block_info = block_info,
	.block_submit = block_submit,
	.block_complete = block_complete,
};

/* Monotonic time starts near 0 at boot, as the contract says. */
void linux_clock_init(void)
{
	mono_origin = host_clock(CLOCK_MONOTONIC);
}
