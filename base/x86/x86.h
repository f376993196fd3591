/*
 * What the x86 VM bases (base/kvm, base/pvh) share: the ring-0 gate
 * (gate.S) and page-table edits from ring 3 (paging.c).
 */
#ifndef KEEL_BASE_X86_H
#define KEEL_BASE_X86_H

#include <stddef.h>
#include <stdint.h>

#define X86_SVC_SETFS "0"
#define X86_SVC_HALT "1"
#define X86_SVC_FLUSH "2"
#define x86_svc(n) __asm__ __volatile__("ud2; .byte 0x6b, " n : : : "memory")

void x86_ud_gate(void);
extern void *x86_ud_fallback;

/* Points IDT vector 6 (at idt, writable from ring 3) at x86_ud_gate,
 * keeping the old handler as the fallback for real #UDs. */
void x86_gate_install(void *idt);

/* Sets the fs base through the gate (any address). */
void x86_set_fs(uintptr_t base);

/* Gives [addr, addr + len) the access prot (PROT_*) in the identity
 * page tables rooted at pml4, splitting 2 MiB pages with tables from
 * the budget, then flushes the TLB once. 0, -ENOMEM, -EINVAL. */
int x86_protect(uint64_t *pml4, uintptr_t addr, size_t len, int prot);

#endif
