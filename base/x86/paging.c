/*
 * Page-table edits from ring 3 for mprotect and guard pages on the VM
 * bases. Guest physical == virtual and the tables are mapped (user,
 * writable), so ring 3 edits them in place; only the TLB flush needs
 * ring 0 (the gate). A 2 MiB page becomes 512 small ones the first time
 * part of it changes, with a table page from the budget (kernel tag).
 */
#include <errno.h>
#include <sys/mman.h>

#include "../../sys/mm.h"
#include "x86.h"

#define P 0x1ULL
#define RW 0x2ULL
#define US 0x4ULL
#define PS 0x80ULL
#define ADDR 0x000ffffffffff000ULL

void x86_gate_install(void *idt)
{
	uint8_t *g = (uint8_t *)idt + 6 * 16;
	uint64_t old = (uint64_t)(g[0] | g[1] << 8) | (uint64_t)(g[6] | g[7] << 8) << 16 |
		       (uint64_t)(g[8] | g[9] << 8 | g[10] << 16 | (uint32_t)g[11] << 24) << 32;
	uintptr_t h = (uintptr_t)x86_ud_gate;

	x86_ud_fallback = (void *)old;
	g[0] = h & 0xff;
	g[1] = (h >> 8) & 0xff;
	g[6] = (h >> 16) & 0xff;
	g[7] = (h >> 24) & 0xff;
	g[8] = (h >> 32) & 0xff;
	g[9] = (h >> 40) & 0xff;
	g[10] = (h >> 48) & 0xff;
	g[11] = (h >> 56) & 0xff;
}

void x86_set_fs(uintptr_t base)
{
	__asm__ __volatile__("ud2; .byte 0x6b, 0" : : "D"(base) : "memory");
}

static uint64_t *next_table(uint64_t e)
{
	return (e & P) && !(e & PS) ? (uint64_t *)(uintptr_t)(e & ADDR) : NULL;
}

/* The entry mapping a; a 2 MiB page is split only when its access
 * must change (want = the P and RW bits a should end up with). */
static uint64_t *pte_of(uint64_t *pml4, uintptr_t a, uint64_t want)
{
	uint64_t *pdpt, *pd, *pt;
	uint64_t *pde;

	if (!(pdpt = next_table(pml4[(a >> 39) & 511])) ||
	    !(pd = next_table(pdpt[(a >> 30) & 511])))
		return NULL;
	pde = &pd[(a >> 21) & 511];
	if (!(*pde & P))
		return NULL;
	if ((*pde & PS) && (*pde & (P | RW)) == want)
		return pde; /* already so: leave the large page whole */
	if (*pde & PS) {
		uint64_t base = *pde & ADDR & ~0x1fffffULL, flags = *pde & 0xfffULL & ~PS;
		unsigned i;

		pt = mm_alloc(1, MM_KERNEL);
		if (!pt)
			return NULL;
		for (i = 0; i < 512; i++)
			pt[i] = (base + ((uint64_t)i << 12)) | flags;
		*pde = (uintptr_t)pt | P | RW | US;
	}
	pt = (uint64_t *)(uintptr_t)(*pde & ADDR);
	return &pt[(a >> 12) & 511];
}

int x86_protect(uint64_t *pml4, uintptr_t addr, size_t len, int prot)
{
	uintptr_t a, end = addr + len;
	uint64_t want = 0;
	int r = 0, changed = 0;

	if (addr % 4096 || len % 4096 || end < addr)
		return -EINVAL;
	if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
		want |= P;
	if (prot & PROT_WRITE)
		want |= RW;
	for (a = addr; a < end; a += 4096) {
		uint64_t *pte = pte_of(pml4, a, want);

		if (!pte) {
			r = -ENOMEM;
			break;
		}
		if ((*pte & (P | RW)) != want) {
			/* The TLB holds no translation of a page that was not
			 * present: making one present needs no flush. */
			if (*pte & P)
				changed = 1;
			*pte = (*pte & ~(P | RW)) | want;
		}
	}
	if (changed) /* the one ring-0 step: drop stale translations */
		x86_svc(X86_SVC_FLUSH);
	return r;
}
