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
#include <sys/ioctl.h>
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

int qemu_run(const struct options *o)
{
	char cmdline[8192], mem[32], status_dev[64], kernel[4096], drive[4200];
	char report[64] = "";
	int kvm = kvm_usable(), st[2], ws, rc, n;
	double t0 = monotonic_now();
	const char *argv[48];
	pid_t pid;
	int a = 0;

	if (!in_path(QEMU))
		fail("--target=qemu needs " QEMU " (apt-get install qemu-system-x86)", NULL);
	build_cmdline(o, cmdline, sizeof cmdline);
	snprintf(mem, sizeof mem, "%lluM", (o->mem + (1 << 20) - 1) >> 20);
	if (pipe2(st, O_CLOEXEC) < 0)
		fail("pipe: ", strerror(errno));
	snprintf(status_dev, sizeof status_dev, "file,id=st,path=/dev/fd/%d", st[1]);
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
	argv[a++] = "-serial";
	argv[a++] = "stdio";
	argv[a++] = "-no-reboot";
	if (access(QBOOT, R_OK) == 0) {
		argv[a++] = "-bios";
		argv[a++] = QBOOT;
	}
	argv[a++] = "-device";
	argv[a++] = "isa-debug-exit,iobase=0xf4,iosize=4";
	argv[a++] = "-chardev";
	argv[a++] = status_dev;
	argv[a++] = "-device";
	argv[a++] = "isa-serial,chardev=st,iobase=0x2f8,irq=3";
	if (o->disk) {
		snprintf(drive, sizeof drive, "id=d0,if=none,format=raw,file=%s", o->disk);
		argv[a++] = "-global";
		argv[a++] = "virtio-mmio.force-legacy=false";
		argv[a++] = "-drive";
		argv[a++] = drive;
		argv[a++] = "-device";
		argv[a++] = "virtio-blk-device,drive=d0";
	}
	argv[a++] = "-kernel";
	argv[a++] = kernel;
	argv[a++] = "-append";
	argv[a++] = cmdline;
	argv[a] = NULL;

	pid = fork();
	if (pid < 0)
		fail("fork: ", strerror(errno));
	if (pid == 0) {
		fcntl(st[1], F_SETFD, 0); /* QEMU opens it as /dev/fd/N */
		execvp(QEMU, (char **)argv);
		fprintf(stderr, "keel-run: cannot run " QEMU ": %s\n", strerror(errno));
		_exit(2);
	}
	close(st[1]);
	rc = child_wait(pid, o->timeout, &ws);
	n = (int)read(st[0], report, sizeof report - 1);
	close(st[0]);
	if (o->stats)
		fprintf(stderr, "keel-run: qemu (%s): %.3f ms from start to exit\n",
			kvm ? "kvm" : "software emulation", (monotonic_now() - t0) * 1e3);
	if (rc == CHILD_TIMED_OUT) {
		fprintf(stderr, "keel-run: %s: timed out after %g s; stopped\n", o->image, o->timeout);
		return 124;
	}
	if (n > 0) {
		report[n] = 0;
		if (strncmp(report, "keel-exit:", 10) == 0)
			return atoi(report + 10) & 0xff;
	}
	if (WIFEXITED(ws) && WEXITSTATUS(ws) != 0 && !(WEXITSTATUS(ws) & 1))
		return WEXITSTATUS(ws); /* QEMU's own failure, already explained */
	fprintf(stderr, "keel-run: the guest stopped without reporting an exit status (crashed?)\n");
	return WIFSIGNALED(ws) ? child_status(ws, QEMU) : 128 + 11;
}
