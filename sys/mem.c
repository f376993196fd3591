/*
 * Memory system calls: brk, mmap, munmap, mremap, mprotect, madvise,
 * all on the page allocator (mm.c), all tagged MM_HEAP. Only anonymous
 * memory exists. A private file mapping is a copy of the file read in
 * at mmap time (MAP_PRIVATE: later changes to the file may or may not
 * show, as POSIX allows); shared file mappings answer -ENODEV.
 * Exhaustion is -ENOMEM, never an overcommit.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "fd.h"
#include "kernel.h"
#include "mm.h"

static uintptr_t brk_cur;

/* Pages go back to the allocator read-write: it zeroes dirty pages
 * when it hands them out again, and the next owner expects access. */
static void restore_access(uintptr_t addr, size_t n)
{
	if (keel_platform->mem_protect)
		keel_platform->mem_protect((void *)addr, n * PAGE_SIZE,
					   PROT_READ | PROT_WRITE);
}

SYSCALL_DEFINE1(brk, uintptr_t, addr)
{
	uintptr_t lo = mm_low(), top, want;

	if (!brk_cur)
		brk_cur = lo;
	if (addr < lo || addr > mm_high())
		return brk_cur;
	top = PAGE_UP(brk_cur);
	want = PAGE_UP(addr);
	if (want > top) {
		if (!limits_memory_allows(want - top) ||
		    mm_claim((void *)top, (want - top) / PAGE_SIZE, MM_HEAP))
			return brk_cur;
	} else if (want < top) {
		restore_access(want, (top - want) / PAGE_SIZE);
		mm_free((void *)want, (top - want) / PAGE_SIZE);
	}
	brk_cur = addr;
	return brk_cur;
}

#define MAP_KNOWN                                                              \
	(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE |   \
	 MAP_POPULATE | MAP_FIXED_NOREPLACE | MAP_STACK | MAP_GROWSDOWN |         \
	 MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NONBLOCK |             \
	 MAP_HUGETLB)

/* The file behind a private mapping, checked as Linux checks it. */
static long map_file(int fd, long off, int flags, struct file **out)
{
	struct file *f;

	if (off < 0 || off % PAGE_SIZE)
		return -EINVAL;
	f = fd_get(fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EACCES;
	if (!f->ops->pread || (flags & MAP_SHARED))
		return -ENODEV; /* pipes, sockets; shared file mappings */
	*out = f;
	return 0;
}

/* Reads the file into the new pages; the rest stays zero. */
static long map_fill(struct file *f, void *p, size_t len, long off)
{
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = f->ops->pread(f, (char *)p + done, len - done, off + (off_t)done);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return 0;
}

static long do_mmap_anon(uintptr_t addr, size_t len, int prot, int flags);
long system_munmap(long, long, long, long, long, long);

SYSCALL_DEFINE6(mmap, uintptr_t, addr, size_t, len, int, prot, int, flags,
		int, fd, long, off)
{
	struct file *f = NULL;
	long r, p;

	if (!len || len > mm_high() - mm_low())
		return len ? -ENOMEM : -EINVAL;
	if ((flags & (MAP_SHARED | MAP_PRIVATE)) == 0 || (flags & ~MAP_KNOWN))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		r = map_file(fd, off, flags, &f);
		if (r)
			return r;
		f->refs++; /* held while reading: another thread may close fd */
	}
	/* Writable while the file is read in; protected afterwards. */
	p = do_mmap_anon(addr, len, f ? PROT_READ | PROT_WRITE : prot, flags);
	if (!f || p < 0) /* keel's addresses are all below 2^47 */
		goto out;
	r = map_fill(f, (void *)p, len, off);
	if (r) {
		system_munmap(p, (long)len, 0, 0, 0, 0);
		p = r;
	} else if (prot != (PROT_READ | PROT_WRITE) && keel_platform->mem_protect &&
		   prot != (PROT_READ | PROT_WRITE | PROT_EXEC)) {
		keel_platform->mem_protect((void *)p, PAGE_UP(len), prot);
	}
out:
	if (f)
		file_put(f);
	return p;
}

static long do_mmap_anon(uintptr_t addr, size_t len, int prot, int flags)
{
	size_t n;
	void *p;

	n = PAGE_UP(len) / PAGE_SIZE;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr % PAGE_SIZE)
			return -EINVAL;
		if (!(flags & MAP_FIXED_NOREPLACE) && mm_is((void *)addr, n, MM_HEAP)) {
			restore_access(addr, n);
			memset((void *)addr, 0, n * PAGE_SIZE);
		}
		else if (!limits_memory_allows(n * PAGE_SIZE))
			return -ENOMEM;
		else if (mm_claim((void *)addr, n, MM_HEAP))
			return (flags & MAP_FIXED_NOREPLACE) ? -EEXIST : -ENOMEM;
		return addr;
	}
	if (!limits_memory_allows(n * PAGE_SIZE))
		return -ENOMEM;
	p = mm_alloc(n, MM_HEAP);
	if (!p)
		return -ENOMEM;
	if (prot != (PROT_READ | PROT_WRITE) && keel_platform->mem_protect &&
	    prot != (PROT_READ | PROT_WRITE | PROT_EXEC))
		keel_platform->mem_protect(p, n * PAGE_SIZE, prot);
	return (long)p;
}

/* Only the application's own pages may be unmapped or changed. */
static int heap_range(uintptr_t addr, size_t len, size_t *n)
{
	if (addr % PAGE_SIZE || !len || len > mm_high() - mm_low())
		return -EINVAL; /* (and PAGE_UP(len) cannot wrap to 0) */
	*n = PAGE_UP(len) / PAGE_SIZE;
	if (addr < mm_low() || addr >= mm_high() || *n > (mm_high() - addr) / PAGE_SIZE)
		return -EINVAL;
	return 0;
}

SYSCALL_DEFINE2(munmap, uintptr_t, addr, size_t, len)
{
	size_t n, i;
	int r = heap_range(addr, len, &n);

	if (r)
		return r;
	/* Never free pages keel gave to someone else (stacks, tables). */
	for (i = 0; i < n; i++)
		if (!mm_is((void *)(addr + i * PAGE_SIZE), 1, MM_HEAP) &&
		    mm_is((void *)(addr + i * PAGE_SIZE), 1, MM_NTAGS))
			return -EINVAL;
	restore_access(addr, n);
	mm_free((void *)addr, n);
	return 0;
}

SYSCALL_DEFINE5(mremap, uintptr_t, old, size_t, old_len, size_t, new_len,
		int, flags, uintptr_t, new_addr)
{
	size_t on, nn;
	void *p;

	if (flags & ~MREMAP_MAYMOVE)
		return -EINVAL;
	if (heap_range(old, old_len, &on) || !new_len)
		return -EINVAL;
	if (!mm_is((void *)old, on, MM_HEAP))
		return -EFAULT;
	if (new_len > mm_high() - mm_low())
		return -ENOMEM; /* (and PAGE_UP(new_len) cannot wrap to 0) */
	nn = PAGE_UP(new_len) / PAGE_SIZE;
	if (nn <= on) {
		restore_access(old + nn * PAGE_SIZE, on - nn);
		mm_free((void *)(old + nn * PAGE_SIZE), on - nn);
		return old;
	}
	if (!limits_memory_allows((nn - on) * PAGE_SIZE))
		return -ENOMEM;
	if (old + nn * PAGE_SIZE <= mm_high() &&
	    mm_claim((void *)(old + on * PAGE_SIZE), nn - on, MM_HEAP) == 0)
		return old;
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	p = mm_alloc(nn, MM_HEAP);
	if (!p)
		return -ENOMEM;
	memcpy(p, (void *)old, on * PAGE_SIZE);
	restore_access(old, on);
	mm_free((void *)old, on);
	return (long)p;
}

SYSCALL_DEFINE3(mprotect, uintptr_t, addr, size_t, len, int, prot)
{
	size_t n;
	int r = heap_range(addr, len, &n);

	if (r)
		return r;
	if (!mm_is((void *)addr, n, MM_NTAGS))
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if (!keel_platform->mem_protect)
		return (prot & PROT_WRITE) && (prot & PROT_READ) ? 0 : -ENOSYS;
	return keel_platform->mem_protect((void *)addr, n * PAGE_SIZE, prot);
}

SYSCALL_DEFINE3(madvise, uintptr_t, addr, size_t, len, int, advice)
{
	size_t n;
	int r = heap_range(addr, len, &n);

	if (r)
		return r;
	if (!mm_is((void *)addr, n, MM_NTAGS))
		return -ENOMEM;
	switch (advice) {
	case MADV_DONTNEED:
		/* Anonymous private memory reads back as zeros afterwards. */
		memset((void *)addr, 0, n * PAGE_SIZE);
		return 0;
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_FREE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
		return 0; /* hints: keel's memory is always resident */
	default:
		return -EINVAL;
	}
}
