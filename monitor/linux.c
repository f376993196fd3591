/*
 * --target=linux: the image is an ordinary static executable, so the
 * kernel could exec it. keel-run saves that second exec by loading the
 * image's segments into its own address space (keel-run itself is
 * linked far above them, at 1 GiB) and jumping to its entry with the
 * stack the kernel would have built; the image then installs its
 * sandbox over the whole process. Under --timeout (a watcher must
 * survive the image) or when the image's addresses are taken, it
 * falls back to fork and execve.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <unistd.h>

#include <keel/abi.h>

#include "child.h"
#include "linux.h"
#include "vm.h"

#define PAGE 4096UL
#define STACK_SIZE (256UL << 10)

static void fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "keel-run: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(2);
}

/* The disk is handed over as an open fd the image's sandbox allows. */
static int open_disk(const char *path, int *ro)
{
	int fd = open(path, O_RDWR);

	*ro = 0;
	if (fd < 0 && (errno == EACCES || errno == EROFS)) {
		fd = open(path, O_RDONLY);
		*ro = 1;
	}
	if (fd < 0)
		fail("--disk=%s: %s", path, strerror(errno));
	return fd;
}

static char **build_env(const struct options *o)
{
	static char opts[256];
	char **env = calloc((size_t)o->nenv + 2, sizeof *env);
	int i, n;

	if (!env)
		fail("%s%s", "out of memory", "");
	n = snprintf(opts, sizeof opts, KEEL_OPTS_ENV "=mem=%llu stats=%d", o->mem, o->stats);
	if (o->disk) {
		int ro, fd = open_disk(o->disk, &ro);
		n += snprintf(opts + n, sizeof opts - (size_t)n, " disk=%d ro=%d", fd, ro);
	}
	if (o->initrd_fd >= 0) { /* the base maps it read-only, then closes it */
		fcntl(o->initrd_fd, F_SETFD, 0);
		n += snprintf(opts + n, sizeof opts - (size_t)n, " initrd=%d initrd_len=%zu",
			      o->initrd_fd, o->initrd_len);
	}
	if (o->tap) {
		char err[200];
		int fd = tap_open(o->tap, 0, err, sizeof err);

		if (fd < 0)
			fail("--net=tap:%s: %s", o->tap, err);
		fcntl(fd, F_SETFD, 0); /* the image keeps it across exec */
		n += snprintf(opts + n, sizeof opts - (size_t)n,
			      " net=%d mac=%02x%02x%02x%02x%02x%02x", fd, o->mac[0], o->mac[1],
			      o->mac[2], o->mac[3], o->mac[4], o->mac[5]);
		if (o->ip)
			n += snprintf(opts + n, sizeof opts - (size_t)n, " ip=%s", o->ip);
		if (o->gw)
			n += snprintf(opts + n, sizeof opts - (size_t)n, " gw=%s", o->gw);
		if (o->dns)
			n += snprintf(opts + n, sizeof opts - (size_t)n, " dns=%s", o->dns);
	}
	if (o->net_host)
		snprintf(opts + n, sizeof opts - (size_t)n, " nethost=1");
	for (i = 0; i < o->nenv; i++)
		env[i] = (char *)o->env[i];
	env[i++] = opts;
	env[i] = NULL;
	return env;
}

static void enter(void *sp, uint64_t entry) __attribute__((noreturn));
static void enter(void *sp, uint64_t entry)
{
	__asm__ __volatile__("mov %0, %%rsp\n\t"
			     "xor %%edx, %%edx\n\t"
			     "xor %%ebp, %%ebp\n\t"
			     "jmp *%1"
			     : : "r"(sp), "r"(entry) : "memory");
	__builtin_unreachable();
}

static int prot_of(uint32_t f)
{
	return (f & PF_R ? PROT_READ : 0) | (f & PF_W ? PROT_WRITE : 0) |
	       (f & PF_X ? PROT_EXEC : 0);
}

/*
 * Maps the image where it is linked, as the kernel's loader would: file
 * pages mapped privately from the page cache (copying them into fresh
 * anonymous memory costs a page fault each, which is dear on nested
 * KVM), bss zeroed. 0, or -1 when the kernel's loader must do it.
 */
static int load(const char *path, const unsigned char *elf, const struct image_info *info)
{
	const Elf64_Ehdr *eh = (const void *)elf;
	const Elf64_Phdr *ph = (const void *)(elf + eh->e_phoff);
	uint64_t lo = info->lo & ~(PAGE - 1), hi = (info->hi + PAGE - 1) & ~(PAGE - 1);
	uint64_t prev_end = 0;
	int i, fd;

	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if ((ph[i].p_vaddr - ph[i].p_offset) % PAGE || (ph[i].p_vaddr & ~(PAGE - 1)) < prev_end)
			return -1; /* shares a page with the previous segment */
		prev_end = (ph[i].p_vaddr + ph[i].p_memsz + PAGE - 1) & ~(PAGE - 1);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (mmap((void *)lo, hi - lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0) != (void *)lo)
		goto fail;
	for (i = 0; i < eh->e_phnum; i++) {
		uint64_t page = ph[i].p_vaddr & ~(PAGE - 1), skew = ph[i].p_vaddr - page;
		uint64_t file_end = ph[i].p_vaddr + ph[i].p_filesz;
		uint64_t file_pages = (skew + ph[i].p_filesz + PAGE - 1) & ~(PAGE - 1);
		uint64_t mem_end = (ph[i].p_vaddr + ph[i].p_memsz + PAGE - 1) & ~(PAGE - 1);
		int prot = prot_of(ph[i].p_flags);

		if (ph[i].p_type != PT_LOAD)
			continue;
		if (file_pages &&
		    mmap((void *)page, file_pages, prot | (ph[i].p_memsz > ph[i].p_filesz ? PROT_WRITE : 0),
			 MAP_PRIVATE | MAP_FIXED, fd, (off_t)(ph[i].p_offset - skew)) != (void *)page)
			goto fail;
		if (ph[i].p_memsz > ph[i].p_filesz) {
			if (file_end % PAGE)
				memset((void *)file_end, 0, PAGE - file_end % PAGE);
			if (page + file_pages < mem_end &&
			    mmap((void *)(page + file_pages), mem_end - page - file_pages, prot,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
				goto fail;
			if (!(prot & PROT_WRITE) && file_pages)
				mprotect((void *)page, file_pages, prot);
		}
	}
	close(fd);
	return 0;
fail:
	munmap((void *)lo, hi - lo);
	close(fd);
	return -1;
}

/* The stack the kernel builds for a new process: argc, argv, envp,
 * auxv (what keel's Linux base reads: AT_RANDOM, AT_SYSINFO_EHDR), then the strings. */
static void *build_stack(const struct options *o, char **env, const struct image_info *info)
{
	char *top, *s;
	long *v;
	size_t strs = 16, nenv = 0, nv;
	int i;
	char *base = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED)
		return NULL;
	for (i = 0; i < o->argc; i++)
		strs += strlen(o->argv[i]) + 1;
	for (; env[nenv]; nenv++)
		strs += strlen(env[nenv]) + 1;
	nv = 1 + (size_t)o->argc + 1 + nenv + 1 + 2 * 5;
	if (strs + nv * 8 + 64 > STACK_SIZE) {
		munmap(base, STACK_SIZE);
		return NULL;
	}
	top = base + STACK_SIZE;
	s = top - strs;
	v = (long *)(((uintptr_t)s - nv * 8) & ~15UL);
	v[0] = o->argc;
	if (getrandom(s, 16, 0) != 16)
		memset(s, 0, 16);
	v[3 + o->argc + nenv + 0] = AT_RANDOM;
	v[3 + o->argc + nenv + 1] = (long)s;
	s += 16;
	for (i = 0; i < o->argc; i++) {
		v[1 + i] = (long)s;
		s = stpcpy(s, o->argv[i]) + 1;
	}
	v[1 + o->argc] = 0;
	for (i = 0; i < (int)nenv; i++) {
		v[2 + o->argc + i] = (long)s;
		s = stpcpy(s, env[i]) + 1;
	}
	v[2 + o->argc + nenv] = 0;
	v[3 + o->argc + nenv + 2] = AT_ENTRY;
	v[3 + o->argc + nenv + 3] = (long)info->entry;
	/* keel-run's own vDSO: the base reads the clock through it */
	v[3 + o->argc + nenv + 4] = AT_SYSINFO_EHDR;
	v[3 + o->argc + nenv + 5] = (long)getauxval(AT_SYSINFO_EHDR);
	v[3 + o->argc + nenv + 6] = AT_NULL;
	v[3 + o->argc + nenv + 7] = 0;
	return v;
}

int linux_run(const struct options *o, const unsigned char *elf, size_t len,
	      const struct image_info *info)
{
	char **env = build_env(o);
	pid_t pid, parent;
	int ws;

	if (!o->timeout && !getenv("KEEL_RUN_EXEC")) {
		void *sp;

		if (load(o->image, elf, info) == 0 && (sp = build_stack(o, env, info)))
			enter(sp, info->entry);
		/* fall back to the kernel's loader */
	}
	if (!o->timeout) {
		execve(o->image, o->argv, env);
		fail("%s: cannot execute: %s", o->image, strerror(errno));
	}
	parent = getpid();
	pid = fork();
	if (pid < 0)
		fail("fork: %s%s", strerror(errno), "");
	if (pid == 0) {
		/* keel-run killed takes the image with it; the signals from
		 * outside it passes on (child_pass_signals) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		execve(o->image, o->argv, env);
		fprintf(stderr, "keel-run: %s: cannot execute: %s\n", o->image, strerror(errno));
		_exit(2);
	}
	child_pass_signals(pid);
	if (child_wait(pid, o->timeout, &ws) == CHILD_TIMED_OUT) {
		fprintf(stderr, "keel-run: %s: timed out after %g s; stopped\n", o->image,
			o->timeout);
		return 124;
	}
	return child_status(ws, "the image");
}
