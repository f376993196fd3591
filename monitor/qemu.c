/*
 * --target=qemu: the same image, booted by QEMU's microvm machine
 * through the PVH ELF note, with only standard devices: the serial
 * console on stdio, isa-debug-exit to stop, and a second serial port on
 * a pipe where the guest writes its full exit status ("keel-exit:N";
 * the exit port alone loses the status's high bit). The arguments and
 * environment travel percent-encoded on the kernel command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "kvm.h"
#include "qemu.h"

#define QEMU "qemu-system-x86_64"
#define QBOOT "/usr/share/qemu/qboot.rom"

static void fail(const char *msg, const char *arg)
{
	fprintf(stderr, "keel-run: %s%s\n", msg, arg ? arg : "");
	exit(2);
}

/* Appends s percent-encoded: the command line splits on spaces, keel
 * splits lists on commas. */
static void put_encoded(char **p, char *end, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (*p + 4 >= end)
			fail("arguments and environment are too long for --target=qemu", NULL);
		if (c > ' ' && c < 0x7f && c != '%' && c != ',' && c != '"' && c != '\\') {
			*(*p)++ = (char)c;
		} else {
			*(*p)++ = '%';
			*(*p)++ = hex[c >> 4];
			*(*p)++ = hex[c & 15];
		}
	}
}

static void build_cmdline(const struct options *o, char *buf, size_t cap)
{
	char *p = buf, *end = buf + cap;
	int i;

	p += snprintf(p, (size_t)(end - p), "keel.argv=");
	for (i = 0; i < o->argc; i++) {
		if (i)
			*p++ = ',';
		put_encoded(&p, end, o->argv[i]);
	}
	if (o->nenv) {
		p += snprintf(p, (size_t)(end - p), " keel.env=");
		for (i = 0; i < o->nenv; i++) {
			if (i)
				*p++ = ',';
			put_encoded(&p, end, o->env[i]);
		}
	}
	if (o->stats)
		p += snprintf(p, (size_t)(end - p), " keel.stats=1");
	/* The budget as the user gave it (the firmware keeps part of the
	 * RAM; the guest counts that as the base's), and the console's
	 * terminal-ness and size as the guest cannot learn them. */
	p += snprintf(p, (size_t)(end - p), " keel.mem=%llu", o->mem);
	if (o->tap) {
		p += snprintf(p, (size_t)(end - p), " keel.net=device");
		if (o->ip)
			p += snprintf(p, (size_t)(end - p), " keel.ip=%s", o->ip);
		if (o->gw)
			p += snprintf(p, (size_t)(end - p), " keel.gw=%s", o->gw);
		if (o->dns)
			p += snprintf(p, (size_t)(end - p), " keel.dns=%s", o->dns);
	}
	{
		struct winsize ws;
		int ttys = isatty(0) | isatty(1) << 1 | isatty(2) << 2;

		if (ttys) {
			p += snprintf(p, (size_t)(end - p), " keel.ttys=%d", ttys);
			if (ioctl(isatty(1) ? 1 : isatty(2) ? 2 : 0, TIOCGWINSZ, &ws) == 0)
				p += snprintf(p, (size_t)(end - p), " keel.winsize=%ux%u",
					      ws.ws_row, ws.ws_col);
		}
	}
	*p = 0;
}

static int in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, name);
		if (access(buf, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

/* The FIFOs QEMU's two serial ports use ("pipe" chardevs: PATH.in is
 * what the guest reads, PATH.out what it writes). */
struct fifos {
	char dir[64], path[4][96];
	int con_in, con_out, st_in, st_out;
};

static void fifos_remove(struct fifos *f)
{
	int i;

	for (i = 0; i < 4; i++)
		unlink(f->path[i]);
	rmdir(f->dir);
}

static void fifos_make(struct fifos *f)
{
	static const char *const names[4] = { "con.in", "con.out", "st.in", "st.out" };
	int i, fd[4];

	snprintf(f->dir, sizeof f->dir, "/tmp/keel-run.XXXXXX");
	if (!mkdtemp(f->dir))
		fail("cannot make a directory in /tmp: ", strerror(errno));
	for (i = 0; i < 4; i++) {
		snprintf(f->path[i], sizeof f->path[i], "%s/%s", f->dir, names[i]);
		/* read-write opens never block, whoever comes first */
		if (mkfifo(f->path[i], 0600) < 0 ||
		    (fd[i] = open(f->path[i], O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
			fifos_remove(f);
			fail("cannot make the console FIFOs: ", strerror(errno));
		}
	}
	f->con_in = fd[0], f->con_out = fd[1], f->st_in = fd[2], f->st_out = fd[3];
}

static void put_all(int fd, const char *p, size_t n)
{
	ssize_t r;

	while (n) {
		r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		p += r;
		n -= (size_t)r;
	}
}

static void drain(int fd, int to, char *acc, size_t *accn, size_t cap)
{
	char buf[65536];
	ssize_t r;

	while ((r = read(fd, buf, sizeof buf)) > 0) {
		if (to >= 0)
			put_all(to, buf, (size_t)r);
		if (acc) {
			size_t k = (size_t)r < cap - 1 - *accn ? (size_t)r : cap - 1 - *accn;
			memcpy(acc + *accn, buf, k);
			*accn += k;
			acc[*accn] = 0;
		}
	}
}

/*
 * keel-run stands between the terminal and the guest's serial console:
 * it passes stdin to the console and, when stdin ends, tells the guest
 * on the status port how many bytes there were ("eof:N"), so the guest
 * can report end of input after the last byte. Console output goes to
 * stdout; the status port brings back "keel-exit:N".
 */
static int relay(pid_t pid, struct fifos *f, double timeout, int *ws, char *report, size_t cap)
{
	double deadline = monotonic_now() + timeout;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), in_eof = 0;
	char pending[4096];
	size_t npending = 0, off = 0, nreport = 0;
	unsigned long long total = 0;

	for (;;) {
		struct pollfd p[5] = {
			{ in_eof || npending ? -1 : 0, POLLIN, 0 },
			{ f->con_out, POLLIN, 0 },
			{ f->st_out, POLLIN, 0 },
			{ pfd, POLLIN, 0 },
			{ npending ? f->con_in : -1, POLLOUT, 0 },
		};
		int ms = pfd < 0 ? 10 : -1;

		if (timeout > 0) {
			double left = deadline - monotonic_now();
			if (left <= 0) {
				kill(pid, SIGKILL);
				waitpid(pid, ws, 0);
				drain(f->con_out, 1, NULL, NULL, 0);
				return CHILD_TIMED_OUT;
			}
			if (ms < 0 || left * 1000 < ms)
				ms = (int)(left * 1000) + 1;
		}
		if (poll(p, 5, ms) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			ssize_t r = read(0, pending, sizeof pending);
			if (r > 0) {
				npending = (size_t)r;
				off = 0;
				total += (unsigned long long)r;
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				char eof[40];
				int k = snprintf(eof, sizeof eof, "eof:%llu\n", total);
				in_eof = 1;
				put_all(f->st_in, eof, (size_t)k);
			}
		}
		if (npending && p[4].revents) {
			ssize_t r = write(f->con_in, pending + off, npending);
			if (r > 0) {
				off += (size_t)r;
				npending -= (size_t)r;
			}
		}
		if (p[1].revents)
			drain(f->con_out, 1, NULL, NULL, 0);
		if (p[2].revents)
			drain(f->st_out, -1, report, &nreport, cap);
		if (p[3].revents || (pfd < 0 && waitpid(pid, ws, WNOHANG) == pid)) {
			if (pfd >= 0)
				waitpid(pid, ws, 0);
			break;
		}
	}
	drain(f->con_out, 1, NULL, NULL, 0);
	drain(f->st_out, -1, report, &nreport, cap);
	if (pfd >= 0)
		close(pfd);
	return 0;
}

int qemu_run(const struct options *o)
{
	char cmdline[8192], mem[32], con_dev[128], st_dev[128], kernel[4096], drive[4200];
	char report[256] = "", netdev[128], netmac[128], initrd[64];
	/* KEEL_QEMU_ACCEL=tcg forces software emulation (to test the
	 * fallback that machines without /dev/kvm take). */
	const char *accel = getenv("KEEL_QEMU_ACCEL");
	int kvm = accel && strcmp(accel, "tcg") == 0 ? 0 : kvm_usable(), ws, rc;
	double t0 = monotonic_now();
	const char *argv[64], *r;
	struct fifos f;
	pid_t pid;
	int a = 0;

	if (!in_path(QEMU))
		fail("--target=qemu needs " QEMU " (apt-get install qemu-system-x86)", NULL);
	build_cmdline(o, cmdline, sizeof cmdline);
	snprintf(mem, sizeof mem, "%lluM", (o->mem + (1 << 20) - 1) >> 20);
	fifos_make(&f);
	snprintf(con_dev, sizeof con_dev, "pipe,id=con,path=%s/con", f.dir);
	snprintf(st_dev, sizeof st_dev, "pipe,id=st,path=%s/st", f.dir);
	snprintf(kernel, sizeof kernel, "%s", o->image);

	argv[a++] = QEMU;
	argv[a++] = "-M";
	argv[a++] = "microvm,x-option-roms=off,rtc=on,acpi=off";
	argv[a++] = "-accel";
	argv[a++] = kvm ? "kvm" : "tcg";
	argv[a++] = "-cpu";
	/* Nested hypervisors may refuse the host's ARCH_CAPABILITIES MSR. */
	argv[a++] = kvm ? "max,-arch-capabilities" : "max";
	argv[a++] = "-m";
	argv[a++] = mem;
	argv[a++] = "-smp";
	argv[a++] = "1";
	argv[a++] = "-nodefaults";
	argv[a++] = "-no-user-config";
	argv[a++] = "-display";
	argv[a++] = "none";
	argv[a++] = "-monitor";
	argv[a++] = "none";
	argv[a++] = "-chardev";
	argv[a++] = con_dev;
	argv[a++] = "-serial";
	argv[a++] = "chardev:con";
	argv[a++] = "-no-reboot";
	if (access(QBOOT, R_OK) == 0) {
		argv[a++] = "-bios";
		argv[a++] = QBOOT;
	}
	argv[a++] = "-device";
	argv[a++] = "isa-debug-exit,iobase=0xf4,iosize=4";
	argv[a++] = "-chardev";
	argv[a++] = st_dev;
	argv[a++] = "-device";
	argv[a++] = "isa-serial,chardev=st,iobase=0x2f8,irq=3";
	argv[a++] = "-global";
	argv[a++] = "virtio-mmio.force-legacy=false";
	if (o->disk) {
		snprintf(drive, sizeof drive, "id=d0,if=none,format=raw,file=%s", o->disk);
		argv[a++] = "-drive";
		argv[a++] = drive;
		argv[a++] = "-device";
		argv[a++] = "virtio-blk-device,drive=d0";
	}
	if (o->tap) {
		snprintf(netdev, sizeof netdev, "tap,id=n0,ifname=%s,script=no,downscript=no", o->tap);
		snprintf(netmac, sizeof netmac, "virtio-net-device,netdev=n0,mac=%02x:%02x:%02x:%02x:%02x:%02x",
			 o->mac[0], o->mac[1], o->mac[2], o->mac[3], o->mac[4], o->mac[5]);

		argv[a++] = "-netdev";
		argv[a++] = netdev;
		argv[a++] = "-device";
		argv[a++] = netmac;
	}
	/* Entropy for CPUs without RDRAND (the guest uses RDRAND first). */
	argv[a++] = "-device";
	argv[a++] = "virtio-rng-device";
	if (o->initrd_fd >= 0) {
		/* QEMU opens the sealed memfd it inherits by name; the PVH
		 * boot hands it over as the first module of hvm_start_info. */
		snprintf(initrd, sizeof initrd, "/proc/self/fd/%d", o->initrd_fd);
		argv[a++] = "-initrd";
		argv[a++] = initrd;
	}
	argv[a++] = "-kernel";
	argv[a++] = kernel;
	argv[a++] = "-append";
	argv[a++] = cmdline;
	argv[a] = NULL;

	pid = fork();
	if (pid < 0) {
		fifos_remove(&f);
		fail("fork: ", strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0); /* the console's input comes through keel-run */
		if (o->initrd_fd >= 0)
			fcntl(o->initrd_fd, F_SETFD, 0);
		execvp(QEMU, (char **)argv);
		fprintf(stderr, "keel-run: cannot run " QEMU ": %s\n", strerror(errno));
		_exit(2);
	}
	rc = relay(pid, &f, o->timeout, &ws, report, sizeof report);
	fifos_remove(&f);
	if (o->stats)
		fprintf(stderr, "keel-run: qemu (%s): %.3f ms from start to exit\n",
			kvm ? "kvm" : "software emulation", (monotonic_now() - t0) * 1e3);
	if (rc == CHILD_TIMED_OUT) {
		fprintf(stderr, "keel-run: %s: timed out after %g s; stopped\n", o->image, o->timeout);
		return 124;
	}
	if ((r = strstr(report, "keel-exit:")))
		return atoi(r + 10) & 0xff;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) != 0 && !(WEXITSTATUS(ws) & 1))
		return WEXITSTATUS(ws); /* QEMU's own failure, already explained */
	fprintf(stderr, "keel-run: the guest stopped without reporting an exit status (crashed?)\n");
	return WIFSIGNALED(ws) ? child_status(ws, QEMU) : 128 + 11;
}
