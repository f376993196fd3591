/*
 * The process personality of a machine that runs one program: pid 1 in
 * process group and session 1, uid and gid 0 without supplementary
 * groups, uname "keel" with the host and domain names sethostname and
 * setdomainname give, the thread pointer, entropy, and the way out
 * (exit, with --stats).
 */
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <sys/utsname.h>

#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

int keel_stats_enabled;

SYSCALL_DEFINE0(getpid)
{
	return 1;
}

SYSCALL_DEFINE0(getppid)
{
	return 0;
}

SYSCALL_DEFINE0(getuid)
{
	return 0;
}

SYSCALL_DEFINE0(geteuid)
{
	return 0;
}

SYSCALL_DEFINE0(getgid)
{
	return 0;
}

SYSCALL_DEFINE0(getegid)
{
	return 0;
}

SYSCALL_DEFINE3(getresuid, uid_t *, r, uid_t *, e, uid_t *, s)
{
	*r = *e = *s = 0;
	return 0;
}

SYSCALL_DEFINE3(getresgid, gid_t *, r, gid_t *, e, gid_t *, s)
{
	*r = *e = *s = 0;
	return 0;
}

/* No supplementary groups. */
SYSCALL_DEFINE2(getgroups, int, size, gid_t *, list)
{
	return size < 0 ? -EINVAL : 0;
}

/* One process: pid 1, alone in process group 1 and session 1. */
static int is_us(int pid)
{
	return pid == 0 || pid == 1 || signal_find_thread(pid);
}

SYSCALL_DEFINE1(getpgid, int, pid)
{
	return is_us(pid) ? 1 : -ESRCH;
}

SYSCALL_DEFINE0(getpgrp)
{
	return 1;
}

SYSCALL_DEFINE1(getsid, int, pid)
{
	return is_us(pid) ? 1 : -ESRCH;
}

/* uname's nodename and domainname, which sethostname and setdomainname
 * change (keel runs as root). */
static char nodename[65] = "keel", domainname[65] = "(none)";

static long set_name(char *dst, const char *name, int len)
{
	if (len < 0 || len > 64)
		return -EINVAL;
	memcpy(dst, name, (size_t)len);
	dst[len] = 0;
	return 0;
}

SYSCALL_DEFINE2(sethostname, const char *, name, int, len)
{
	return set_name(nodename, name, len);
}

SYSCALL_DEFINE2(setdomainname, const char *, name, int, len)
{
	return set_name(domainname, name, len);
}

SYSCALL_DEFINE1(uname, struct utsname *, u)
{
	memset(u, 0, sizeof *u);
	strcpy(u->sysname, "keel");
	strcpy(u->nodename, nodename);
	strcpy(u->release, KEEL_VERSION);
	ksnprintf(u->version, sizeof u->version, "keel %s on %s", KEEL_VERSION,
		  keel_platform->name);
	strcpy(u->machine, "x86_64");
	strcpy(u->domainname, domainname);
	return 0;
}

SYSCALL_DEFINE2(arch_prctl, int, code, uintptr_t, addr)
{
	int r;

	switch (code) {
	case ARCH_SET_FS:
		r = keel_platform->set_tls((void *)addr);
		if (!r)
			sched_current->tls = (void *)addr;
		return r;
	case ARCH_GET_FS:
		*(uintptr_t *)addr = (uintptr_t)sched_current->tls;
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE3(getrandom, void *, buf, size_t, len, unsigned, flags)
{
	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM))
		return -EINVAL;
	if (len > 33554431)
		len = 33554431;
	return keel_platform->entropy(buf, len);
}

static void print_stats(int status)
{
	const struct mm_stats *st = mm_stats();
	uint64_t up = time_now() - keel_boot_time;
	int t;

	keel_log("exit status %d after %lu.%03lu ms on %s", status,
		 (unsigned long)(up / 1000000), (unsigned long)(up / 1000 % 1000),
		 keel_platform->name);
	keel_log("memory: budget %zu KiB, peak %zu KiB (%zu%%)",
		 st->budget / 1024, st->peak_total / 1024,
		 st->budget ? st->peak_total * 100 / st->budget : 0);
	for (t = 1; t < MM_NTAGS; t++)
		keel_log("  %-8s peak %8zu KiB  now %8zu KiB", mm_tag_name(t),
			 st->peak[t] / 1024, st->used[t] / 1024);
}

void proc_exit(int status)
{
	if (keel_stats_enabled)
		print_stats(status);
	keel_platform->exit(status & 0xff);
}

SYSCALL_DEFINE1(exit_group, int, status)
{
	proc_exit(status);
}

