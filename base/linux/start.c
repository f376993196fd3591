/*
 * The Linux-process base's entry: the kernel execs the image as a
 * static ELF and jumps to _start. This file reads argv/envp/auxv and the
 * options keel-run left in KEEL_OPTS, maps the memory budget in one
 * piece, closes the sandbox and hands over to keel_start().
 */
#include <elf.h>
#include <errno.h>
#include <sys/mman.h>

#include <keel/abi.h>
#include <keel/platform.h>

#include "host.h"

#define DEFAULT_MEM (64UL << 20)

extern const struct keel_platform linux_platform;
extern char __executable_start[], _end[];
void linux_entry(long *sp) __attribute__((noreturn, used));

__asm__(".text\n"
	".global _start\n"
	".type _start,@function\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call linux_entry\n"
	"	hlt\n");

static void die(const char *msg)
{
	size_t n = 0;

	while (msg[n])
		n++;
	linux_write_all(2, "keel: ", 6);
	linux_write_all(2, msg, n);
	linux_write_all(2, "\n", 1);
	host_syscall(HOST_exit_group, 2);
	__builtin_unreachable();
}

static int prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

static unsigned long parse_ulong(const char *s, const char **end)
{
	unsigned long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned long)(*s++ - '0');
	*end = s;
	return v;
}

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 12 hex digits; returns the end, or s itself when malformed. */
static const char *parse_mac(const char *s, unsigned char mac[6])
{
	int i;

	for (i = 0; i < 6; i++) {
		if (hex(s[2 * i]) < 0 || hex(s[2 * i + 1]) < 0)
			return s;
		mac[i] = (unsigned char)(hex(s[2 * i]) << 4 | hex(s[2 * i + 1]));
	}
	return s + 12;
}

/* The initrd keel-run left open on fd: mapped read-only, outside the
 * region (keel_start counts it against the budget). */
static void map_initrd(long fd, unsigned long len, struct keel_boot *b)
{
	long r = host_syscall(HOST_mmap, 0, len, PROT_READ, MAP_PRIVATE, fd, 0);

	if (r < 0 && r > -4096)
		die("cannot map the initrd keel-run gave");
	host_syscall(HOST_close, fd);
	b->initrd = (const void *)r;
	b->initrd_len = len;
}

/* "mem=BYTES stats=0|1 [disk=FD ro=0|1] [initrd=FD initrd_len=BYTES] [net=FD mac=HEX]
 * [nethost=1]", written by keel-run; unknown words are errors. */
/* The value of the word at s, after its name of skip bytes ("A.B.C.D/N"
 * or "A.B.C.D"), into buf; the end, or s itself when it does not fit. */
static const char *copy_addr(const char *s, size_t skip, char *buf, size_t cap, const char **out)
{
	const char *v = s + skip;
	size_t n = 0;

	while (v[n] && v[n] != ' ') {
		if (n + 1 >= cap)
			return s;
		buf[n] = v[n];
		n++;
	}
	buf[n] = 0;
	*out = buf;
	return n ? v + n : s;
}

/* "mem=BYTES stats=0|1 [disk=FD ro=0|1] [initrd=FD initrd_len=BYTES]
 * [net=FD mac=HEX [ip=A.B.C.D/N] [gw=A.B.C.D] [dns=A.B.C.D]]", written
 * by keel-run; unknown words are errors. */
static void parse_opts(const char *s, struct keel_boot *b)
{
	const char *e;
	long disk = -1, ro = 0, net = -1, initrd = -1, nethost = 0;
	unsigned long initrd_len = 0;
	unsigned char mac[6] = { 0 };
	static char ip[20], gw[16], dns[16];

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (prefix(s, "mem="))
			b->budget = parse_ulong(s + 4, &e);
		else if (prefix(s, "stats="))
			b->stats = (int)parse_ulong(s + 6, &e);
		else if (prefix(s, "disk="))
			disk = (long)parse_ulong(s + 5, &e);
		else if (prefix(s, "ro="))
			ro = (long)parse_ulong(s + 3, &e);
		else if (prefix(s, "initrd="))
			initrd = (long)parse_ulong(s + 7, &e);
		else if (prefix(s, "initrd_len="))
			initrd_len = parse_ulong(s + 11, &e);
		else if (prefix(s, "net="))
			net = (long)parse_ulong(s + 4, &e);
		else if (prefix(s, "mac="))
			e = parse_mac(s + 4, mac);
		else if (prefix(s, "nethost="))
			nethost = (long)parse_ulong(s + 8, &e);
		else if (prefix(s, "ip="))
			e = copy_addr(s, 3, ip, sizeof ip, &b->net_ip);
		else if (prefix(s, "gw="))
			e = copy_addr(s, 3, gw, sizeof gw, &b->net_gw);
		else if (prefix(s, "dns="))
			e = copy_addr(s, 4, dns, sizeof dns, &b->net_dns);
		else
			e = s;
		if (e == s || (*e && *e != ' '))
			die("bad " KEEL_OPTS_ENV " (written by keel-run; do not set it by hand)");
		s = e;
	}
	if (disk >= 0)
		linux_disk_init((int)disk, (int)ro);
	if (net >= 0) {
		linux_net_init((int)net, mac);
		b->net_mode = KEEL_NET_DEVICE;
	}
	if (initrd >= 0 && initrd_len)
		map_initrd(initrd, initrd_len, b);
	if (nethost && net >= 0)
		die("bad " KEEL_OPTS_ENV ": a tap and the host's network at once");
	if (nethost) {
		linux_hostnet_init();
		b->net_mode = KEEL_NET_HOST;
	}
}

void linux_entry(long *sp)
{
	static struct keel_boot b;
	char **envp, **out;
	long *aux;
	size_t image, initrd, region;
	long r;
	int i;

	b.platform = &linux_platform;
	b.argc = (int)sp[0];
	b.argv = (char **)(sp + 1);
	b.envp = envp = b.argv + b.argc + 1;
	b.budget = DEFAULT_MEM;
	for (aux = (long *)envp; *aux; aux++)
		;
	for (aux++, i = 0; aux[i] != AT_NULL; i += 2) {
		if (aux[i] == AT_RANDOM)
			b.random16 = (const void *)aux[i + 1];
		else if (aux[i] == AT_SYSINFO_EHDR)
			linux_vdso_init((const void *)aux[i + 1]);
	}
	linux_clock_init();

	for (out = envp; *envp; envp++) {
		if (prefix(*envp, KEEL_OPTS_ENV "="))
			parse_opts(*envp + sizeof KEEL_OPTS_ENV, &b);
		else
			*out++ = *envp;
	}
	*out = 0;

	image = ((size_t)(_end - __executable_start) + 4095) & ~4095UL;
	initrd = (b.initrd_len + 4095) & ~4095UL;
	if (b.budget < image + initrd + (1UL << 20))
		die("--mem is too small: the image and the initrd need more than that plus 1 MiB");
	region = (b.budget - image - initrd) & ~4095UL;
	r = host_syscall(HOST_mmap, 0, region, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r < 0 && r > -4096)
		die("cannot map the memory budget from the host");
	b.mem_base = (uintptr_t)r;
	b.mem_len = region;
	b.image_bytes = image;

	linux_faults_install();
	linux_seccomp_install();
	keel_start(&b);
}
