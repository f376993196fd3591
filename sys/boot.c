/*
 * Common start for every base: takes the memory region, allocates the
 * main stack from the budget, lays out argv/envp/auxv the way musl
 * expects them from the kernel, and enters __libc_start_main on the new
 * stack. Above: main(). Below: the base's entry, which fills struct
 * keel_boot.
 */
#include <elf.h>
#include <string.h>
#include <sys/mman.h>

#include "fd.h"
#include "kernel.h"
#include "mm.h"
#include "sched.h"

#define MAIN_STACK_PAGES KEEL_MAIN_STACK_PAGES /* plus a guard page */

const struct keel_platform *keel_platform;
const void *keel_initrd;
size_t keel_initrd_len;

extern const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));
int main(int, char **, char **);
int __libc_start_main(int (*)(int, char **, char **), int, char **,
		      void (*)(void), void (*)(void), void (*)(void));
void keel_stack_call(void *sp, void (*fn)(void *), void *arg)
	__attribute__((noreturn));

__asm__(".text\n"
	".global keel_stack_call\n"
	".type keel_stack_call,@function\n"
	"keel_stack_call:\n"
	"	mov %rdi, %rsp\n"
	"	xor %ebp, %ebp\n"
	"	mov %rdx, %rdi\n"
	"	call *%rsi\n"
	"	ud2\n");

/* The initrd's pages are the budget's: taken from the region if it lies
 * there (nothing has used them yet, so they keep the archive), counted
 * like the image if the base keeps it outside. */
static void initrd_account(const struct keel_boot *b)
{
	uintptr_t lo = PAGE_DOWN(b->initrd), hi;
	uintptr_t rlo = b->mem_base, rhi = b->mem_base + b->mem_len;

	if (!b->initrd_len)
		return;
	if (!b->initrd || (uintptr_t)b->initrd + b->initrd_len < (uintptr_t)b->initrd)
		keel_panic("the base gave a bad initrd address");
	hi = PAGE_UP((uintptr_t)b->initrd + b->initrd_len);
	if (hi <= rlo || lo >= rhi)
		mm_count(MM_INITRD, hi - lo);
	else if (mm_claim((void *)lo, (hi - lo) / PAGE_SIZE, MM_INITRD))
		keel_panic("the initrd at %p overlaps keel's own pages", b->initrd);
	keel_initrd = b->initrd;
	keel_initrd_len = b->initrd_len;
}

static void run_main(void *vec)
{
	long *v = vec;

	proc_exit(__libc_start_main(main, (int)v[0], (char **)(v + 1), 0, 0, 0));
}

void keel_start(const struct keel_boot *b)
{
	static unsigned char random16[16];
	char *stack;
	long *v;
	size_t nvec, npages;
	int i, envc = 0;

	keel_platform = b->platform;
	keel_stats_enabled = b->stats;
	keel_boot_time = time_now();
	if (mm_init(b->mem_base, b->mem_len, b->budget, b->image_bytes,
		    b->base_bytes))
		keel_panic("memory region of %zu bytes is too small", b->mem_len);
	initrd_account(b);

	while (b->envp && b->envp[envc])
		envc++;
	/* argc, argv..., NULL, envp..., NULL, auxv pairs, AT_NULL: on top
	 * of the stack, which grows by what they take. */
	nvec = 1 + (size_t)b->argc + 1 + (size_t)envc + 1 + 2 * 8;
	npages = MAIN_STACK_PAGES + PAGE_UP(nvec * sizeof(long) + 16) / PAGE_SIZE;
	stack = mm_alloc(npages + 1, MM_STACK);
	if (!stack)
		keel_panic("the memory budget (%zu KiB) cannot hold the %lu KiB main stack",
			   b->budget / 1024, npages * PAGE_SIZE / 1024);
	if (keel_platform->mem_protect)
		keel_platform->mem_protect(stack, PAGE_SIZE, PROT_NONE);
	fd_init();
	sched_init();
	net_boot(b);

	if (b->random16)
		memcpy(random16, b->random16, 16);
	else
		keel_platform->entropy(random16, 16);

	v = (long *)(stack + (npages + 1) * PAGE_SIZE) - nvec;
	v = (long *)((uintptr_t)v & ~15UL);
	*v = b->argc;
	for (i = 0; i < b->argc; i++)
		v[1 + i] = (long)b->argv[i];
	v[1 + i] = 0;
	for (i = 0; i < envc; i++)
		v[2 + b->argc + i] = (long)b->envp[i];
	v[2 + b->argc + i] = 0;
	{
		long *aux = v + 3 + b->argc + envc;
		const Elf64_Ehdr *eh = &__ehdr_start;

		aux[0] = AT_PHDR;
		aux[1] = (long)((const char *)eh + eh->e_phoff);
		aux[2] = AT_PHNUM;
		aux[3] = eh->e_phnum;
		aux[4] = AT_PHENT;
		aux[5] = eh->e_phentsize;
		aux[6] = AT_PAGESZ;
		aux[7] = PAGE_SIZE;
		aux[8] = AT_RANDOM;
		aux[9] = (long)random16;
		aux[10] = AT_NULL;
		aux[11] = 0;
	}
	keel_stack_call(v, run_main, v);
}
