/*
 * The process personality of a machine that runs one program: pid 1,
 * uid 0, uname "keel", the thread pointer, entropy,
 * and the way out (exit, with --stats).
 */
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>

#include "kernel.h"
#include "mm.h"
#include "sched.h"

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

SYSCALL_DEFINE1(uname, struct utsname *, u)
{
	memset(u, 0, sizeof *u);
	strcpy(u->sysname, "keel");
	strcpy(u->nodename, "keel");
	strcpy(u->release, KEEL_VERSION);
	ksnprintf(u->version, sizeof u->version, "keel %s on %s", KEEL_VERSION,
		  keel_platform->name);
	strcpy(u->machine, "x86_64");
	strcpy(u->domainname, "(none)");
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

