/*
 * keel-run: runs a keel image on a target: the Linux-process base
 * (linux.c), keel's own KVM monitor (kvm.c) or QEMU (qemu.c).
 *
 * Exit status: the application's; 2 for bad input (one line on
 * stderr); 124 when --timeout expires; 128+N when the image dies of
 * signal N.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include <keel/abi.h>
#include <keel/keel.h>

#include "child.h"
#include "image.h"
#include "initrd.h"
#include "kvm.h"
#include "linux.h"
#include "options.h"
#include "qemu.h"

static const char usage[] =
	"usage: keel-run [options] IMAGE [ARGS...]\n"
	"\n"
	"Runs a keel image (built with keel-cc). Exits with the application's\n"
	"status; 2 for bad input, 124 on --timeout, 128+N if killed by signal N.\n"
	"\n"
	"  --target=auto|linux|kvm|qemu  where to run it (auto: kvm where /dev/kvm\n"
	"                                is usable, else linux)\n"
	"  --mem=SIZE       the whole memory budget, e.g. 16M, 1G (default 64M)\n"
	"  --stats          print memory use per owner and run time at exit\n"
	"  --timeout=SECS   stop the image after SECS seconds (exit status 124)\n"
	"  --disk=FILE      give the guest FILE as block device 0 (read-only if\n"
	"                   FILE is not writable)\n"
	"  --net=tap:IFNAME give the guest a network device on the tap IFNAME\n"
	"                   (which must exist: ip tuntap add IFNAME mode tap);\n"
	"                   the image's sockets then run on lwIP inside it\n"
	"  --ip=A.B.C.D/N   the guest's address on that device (default: DHCP)\n"
	"  --gw=A.B.C.D     its default gateway\n"
	"  --dns=A.B.C.D    its DNS server (written to the guest's /etc/resolv.conf)\n"
	"  --net=host       the guest's sockets are the host's (linux target only;\n"
	"                   --target=auto then means linux)\n"
	"  --env=NAME=VALUE put NAME in the application's environment (repeatable;\n"
	"                   the host environment is not passed on)\n"
	"  --initrd=DIR|FILE give the guest a read-only file tree at /initrd: DIR\n"
	"                   is packed into a cpio archive (regular files,\n"
	"                   directories, symlinks), FILE is a cpio archive in newc\n"
	"                   format (cpio -o -H newc) or a tar archive; it counts\n"
	"                   against --mem\n"
	"  --help, --version\n";

static const char *prog = "keel-run";

static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct options o;
	struct image_info info;
	unsigned char *elf;
	size_t len;
	char err[256];

	if (options_parse(argc, argv, &o, err, sizeof err))
		fail("%s", err);
	if (o.help) {
		fputs(usage, stdout);
		return 0;
	}
	if (o.version) {
		printf("keel-run %s (keel ABI %d)\n", KEEL_VERSION, KEEL_ABI_VERSION);
		return 0;
	}
	if (o.tap) { /* a locally administered address, 02:6b:..., random */
		if (getrandom(o.mac, 6, 0) != 6)
			fail("cannot pick a MAC address: %s", strerror(errno));
		o.mac[0] = 0x02;
		o.mac[1] = 0x6b;
	}
	if (o.disk && access(o.disk, R_OK) != 0)
		fail("--disk=%s: %s", o.disk, strerror(errno));
	if (image_read(o.image, &elf, &len, &info, err, sizeof err))
		fail("%s: %s", o.image, err);
	if (info.hi - info.lo + MIN_MEM > o.mem)
		fail("--mem=%lluK is too small for %s: it needs at least %lluK",
		     o.mem >> 10, o.image, (info.hi - info.lo + MIN_MEM + 1023) >> 10);
	if (o.initrd) {
		/* The image, the archive, its tree in the guest and keel's
		 * least all come from --mem. */
		unsigned long long image = info.hi - info.lo, room = o.mem - image - MIN_MEM;
		size_t tree;

		if (initrd_make(o.initrd, room, &o.initrd_fd, &o.initrd_len, &tree, err,
				sizeof err))
			fail("--initrd=%s: %s", o.initrd, err);
		if (o.initrd_fd < 0)
			fail("--initrd=%s: the archive (more than %llu KiB) does not fit in "
			     "--mem=%lluK beside the image (%llu KiB) and keel (%llu KiB)",
			     o.initrd, room >> 10, o.mem >> 10, (image + 1023) >> 10,
			     MIN_MEM >> 10);
		if (o.initrd_len + tree > room)
			fail("--initrd=%s: the archive (%zu KiB) and its tree in the guest "
			     "(%zu KiB) do not fit in --mem=%lluK beside the image (%llu KiB) "
			     "and keel (%llu KiB)",
			     o.initrd, (o.initrd_len + 1023) >> 10, (tree + 1023) >> 10,
			     o.mem >> 10, (image + 1023) >> 10, MIN_MEM >> 10);
	}

	switch (o.target) {
	case TARGET_AUTO:
		if (kvm_usable() && !o.net_host)
			return kvm_run(&o, elf, len, &info);
		return linux_run(&o, elf, len, &info);
	case TARGET_LINUX:
		return linux_run(&o, elf, len, &info);
	case TARGET_KVM:
		if (access("/dev/kvm", F_OK) != 0)
			fail("--target=kvm: no /dev/kvm on this machine (use --target=linux)");
		return kvm_run(&o, elf, len, &info);
	case TARGET_QEMU:
		return qemu_run(&o);
	}
	return 2;
}
