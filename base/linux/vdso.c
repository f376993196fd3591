/*
 * The host kernel's vDSO on the Linux-process base: its clock_gettime
 * reads the clock in user space, with no system call (and so no
 * seccomp filter run) for each of keel's clock reads. Found through
 * the auxiliary vector's AT_SYSINFO_EHDR (the kernel's, or keel-run's
 * own when it loads the image into its process); every address read
 * from it is checked against the vDSO's own extent. Without it (no
 * entry, or nothing that looks right), keel asks the host with a
 * system call as before.
 */
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "host.h"

typedef int (*vdso_clock_fn)(int, struct timespec *);
static vdso_clock_fn vdso_clock;

/* A pointer off..off+len inside the image of size size at base, or NULL. */
static const void *at(const char *base, size_t size, uint64_t off, uint64_t len)
{
	if (off > size || len > size - off)
		return NULL;
	return base + off;
}

void linux_vdso_init(const void *ehdr_addr)
{
	const char *base = ehdr_addr;
	const Elf64_Ehdr *eh = ehdr_addr;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	const uint32_t *hash = NULL;
	uint64_t bias = 0, size = 0, dynsz = 0, strsz = 0, i;
	int have_load = 0;

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof *ph || eh->e_phnum > 16)
		return;
	/* The vDSO is a few pages; its program headers say how many. */
	ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	if (eh->e_phoff > 4096 - (uint64_t)eh->e_phnum * sizeof *ph)
		return;
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			bias = ph[i].p_vaddr - ph[i].p_offset;
			size = ph[i].p_offset + ph[i].p_filesz;
			have_load = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(uintptr_t)ph[i].p_offset;
			dynsz = ph[i].p_filesz;
		}
	}
	if (!have_load || !dyn || size > (1 << 20) || !at(base, size, (uintptr_t)dyn, dynsz))
		return;
	dyn = (const Elf64_Dyn *)(base + (uintptr_t)dyn);
	for (i = 0; i < dynsz / sizeof *dyn && dyn[i].d_tag != DT_NULL; i++) {
		uint64_t off = dyn[i].d_un.d_ptr - bias;

		if (dyn[i].d_tag == DT_SYMTAB)
			sym = at(base, size, off, sizeof *sym);
		else if (dyn[i].d_tag == DT_STRTAB)
			str = at(base, size, off, 1);
		else if (dyn[i].d_tag == DT_STRSZ)
			strsz = dyn[i].d_un.d_val;
		else if (dyn[i].d_tag == DT_HASH)
			hash = at(base, size, off, 8);
	}
	if (!sym || !str || !hash || !at(base, size, (uintptr_t)(str - base), strsz) ||
	    !at(base, size, (uintptr_t)((const char *)sym - base), (uint64_t)hash[1] * sizeof *sym))
		return;
	for (i = 0; i < hash[1]; i++) {
		const char *name;

		if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || sym[i].st_shndx == SHN_UNDEF ||
		    sym[i].st_name >= strsz)
			continue;
		name = str + sym[i].st_name;
		if (strnlen(name, strsz - sym[i].st_name) == sizeof "__vdso_clock_gettime" - 1 &&
		    !strcmp(name, "__vdso_clock_gettime") &&
		    at(base, size, sym[i].st_value - bias, 16)) {
			vdso_clock = (vdso_clock_fn)(uintptr_t)(base + sym[i].st_value - bias);
			return;
		}
	}
}

/* 0 and *ts set, or -1 when there is no vDSO clock (ask the host). */
int linux_vdso_clock(int id, struct timespec *ts)
{
	return vdso_clock ? vdso_clock(id, ts) : -1;
}
