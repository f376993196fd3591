/*
 * Limits and identity: getrlimit/setrlimit/prlimit (RLIMIT_NOFILE
 * enforced on new fds, RLIMIT_DATA on memory, the starting values from
 * the machine), sysinfo against the budget (--mem=32M), sysconf,
 * sethostname and uname, the id calls, priorities and CPU affinity.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "check.h"

#define MIB (1024UL * 1024)
#define BUDGET (32 * MIB) /* keel-run --mem=32M */

static void rlimits(void)
{
	struct rlimit r, old;
	int fds[8], i, fd;

	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &r), 0);
	CHECK_EQ(r.rlim_cur, 1024);
	CHECK_EQ(r.rlim_max, 1024);
	CHECK_EQ(sysconf(_SC_OPEN_MAX), 1024);
	CHECK_EQ(getrlimit(RLIMIT_AS, &r), 0);
	CHECK_EQ(r.rlim_cur, BUDGET);
	CHECK_EQ(getrlimit(RLIMIT_DATA, &r), 0);
	CHECK_EQ(r.rlim_max, BUDGET);
	CHECK_EQ(getrlimit(RLIMIT_STACK, &r), 0);
	CHECK_EQ(r.rlim_cur, 512 * 1024);
	CHECK_EQ(getrlimit(RLIMIT_CORE, &r), 0);
	CHECK_EQ(r.rlim_cur, 0);
	CHECK_EQ(getrlimit(RLIMIT_NPROC, &r), 0);
	CHECK(r.rlim_cur == RLIM_INFINITY && r.rlim_max == RLIM_INFINITY);
	CHECK_ERR(getrlimit(99, &r), EINVAL);

	/* NOFILE lowered: new fds stop below it, those above stay. */
	fd = open("/dev/null", O_RDONLY);
	CHECK(fd >= 3);
	CHECK_EQ(dup2(fd, 20), 20);
	r.rlim_cur = 8;
	r.rlim_max = 1024;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &r), 0);
	for (i = 0; i < 8; i++)
		if ((fds[i] = open("/dev/null", O_RDONLY)) < 0)
			break;
	CHECK(i < 8);
	CHECK_EQ(errno, EMFILE);
	CHECK(fds[i - 1] == 7);
	CHECK_ERR(dup(0), EMFILE);
	CHECK_ERR(dup2(0, 8), EBADF);
	CHECK_ERR(fcntl(0, F_DUPFD, 9), EINVAL);
	CHECK_EQ(fcntl(20, F_GETFD), 0); /* still open */
	CHECK_EQ(close(20), 0);
	while (i--)
		close(fds[i]);
	close(fd);
	/* ...and raised again, up to the table's size only. */
	r.rlim_cur = 1024;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &r), 0);
	CHECK_EQ(dup2(0, 900), 900);
	close(900);
	r.rlim_max = 4096;
	CHECK_ERR(setrlimit(RLIMIT_NOFILE, &r), EPERM);
	r.rlim_cur = 2000;
	r.rlim_max = 1000;
	CHECK_ERR(setrlimit(RLIMIT_NOFILE, &r), EINVAL);

	/* prlimit: self only, the old value back. */
	r.rlim_cur = r.rlim_max = 1 << 20;
	CHECK_EQ(prlimit(0, RLIMIT_STACK, &r, &old), 0);
	CHECK_EQ(old.rlim_cur, 512 * 1024);
	CHECK_EQ(prlimit(getpid(), RLIMIT_STACK, NULL, &old), 0);
	CHECK_EQ(old.rlim_cur, 1 << 20);
	CHECK_ERR(prlimit(2, RLIMIT_STACK, NULL, &old), ESRCH);

	/* DATA lowered: a large mapping no longer fits; raised: it does. */
	{
		struct rlimit data = { 4 * MIB, BUDGET };
		void *p;

		CHECK_EQ(setrlimit(RLIMIT_DATA, &data), 0);
		p = mmap(NULL, 8 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(p == MAP_FAILED && errno == ENOMEM);
		CHECK(malloc(8 * MIB) == NULL);
		data.rlim_cur = BUDGET;
		CHECK_EQ(setrlimit(RLIMIT_DATA, &data), 0);
		p = mmap(NULL, 8 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(p != MAP_FAILED);
		CHECK_EQ(munmap(p, 8 * MIB), 0);
	}
}

static void *idle_thread(void *arg)
{
	{
		struct timespec d = { 0, 50000000 };

		nanosleep(&d, NULL);
	}
	return arg;
}

static void machine(void)
{
	struct sysinfo si;
	unsigned long free_before;
	pthread_t t;
	char *p;

	CHECK_EQ(sysinfo(&si), 0);
	CHECK_EQ((unsigned long)si.totalram * si.mem_unit, BUDGET);
	CHECK(si.freeram > 0 && si.freeram < si.totalram);
	CHECK_EQ(si.procs, 1);
	CHECK(si.uptime >= 0 && si.uptime < 60);
	CHECK_EQ(si.totalswap, 0);
	CHECK_EQ(sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE), BUDGET);
	CHECK_EQ(sysconf(_SC_NPROCESSORS_ONLN), 1);
	CHECK_EQ(sysconf(_SC_NPROCESSORS_CONF), 1);
	free_before = si.freeram * si.mem_unit;
	p = malloc(8 * MIB);
	CHECK(p != NULL);
	memset(p, 1, 8 * MIB);
	CHECK_EQ(sysinfo(&si), 0);
	CHECK(si.freeram * si.mem_unit <= free_before - 8 * MIB);
	free(p);
	CHECK_EQ(pthread_create(&t, NULL, idle_thread, NULL), 0);
	CHECK_EQ(sysinfo(&si), 0);
	CHECK_EQ(si.procs, 2);
	CHECK_EQ(pthread_join(t, NULL), 0);

	/* One CPU. */
	{
		cpu_set_t set;

		CHECK_EQ(sched_getaffinity(0, sizeof set, &set), 0);
		CHECK_EQ(CPU_COUNT(&set), 1);
		CHECK(CPU_ISSET(0, &set));
		CHECK_EQ(sched_setaffinity(0, sizeof set, &set), 0);
		CPU_ZERO(&set);
		CPU_SET(1, &set);
		CHECK_ERR(sched_setaffinity(0, sizeof set, &set), EINVAL);
		CHECK_ERR(sched_getaffinity(4242, sizeof set, &set), ESRCH);
	}
}

static void identity(void)
{
	struct utsname u;
	char name[128];
	uid_t r, e, s;
	gid_t gr, ge, gs;

	CHECK_EQ(gethostname(name, sizeof name), 0);
	CHECK_STR(name, "keel");
	CHECK_EQ(sethostname("unikernel", 9), 0);
	CHECK_EQ(uname(&u), 0);
	CHECK_STR(u.nodename, "unikernel");
	CHECK_STR(u.sysname, "keel");
	CHECK_EQ(gethostname(name, sizeof name), 0);
	CHECK_STR(name, "unikernel");
	memset(name, 'x', sizeof name);
	CHECK_ERR(sethostname(name, 65), EINVAL);
	CHECK_EQ(sethostname(name, 64), 0);
	CHECK_EQ(uname(&u), 0);
	CHECK_EQ(strlen(u.nodename), 64);
	CHECK_STR(u.domainname, "(none)");
	CHECK_EQ(setdomainname("example.org", 11), 0);
	CHECK_EQ(uname(&u), 0);
	CHECK_STR(u.domainname, "example.org");

	CHECK_EQ(getuid(), 0);
	CHECK_EQ(geteuid(), 0);
	CHECK_EQ(getgid(), 0);
	CHECK_EQ(getegid(), 0);
	r = e = s = 7;
	CHECK_EQ(getresuid(&r, &e, &s), 0);
	CHECK(r == 0 && e == 0 && s == 0);
	gr = ge = gs = 7;
	CHECK_EQ(getresgid(&gr, &ge, &gs), 0);
	CHECK(gr == 0 && ge == 0 && gs == 0);
	CHECK_EQ(getgroups(0, NULL), 0);
	CHECK_EQ(getpgrp(), 1);
	CHECK_EQ(getpgid(0), 1);
	CHECK_EQ(getsid(0), 1);
	CHECK_ERR(getpgid(4242), ESRCH);

	/* The nice value is kept. */
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 0);
	CHECK_EQ(setpriority(PRIO_PROCESS, 0, 5), 0);
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 5);
	errno = 0;
	CHECK_EQ(nice(1), 6);
	CHECK_EQ(setpriority(PRIO_PROCESS, 0, 100), 0);
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 19);
	CHECK_ERR(getpriority(PRIO_PROCESS, 4242), ESRCH);
	CHECK_ERR(getpriority(99, 0), EINVAL);
}

int main(void)
{
	rlimits();
	machine();
	identity();
	return done();
}
