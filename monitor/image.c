/*
 * ELF checks for keel-run. Every offset and size read from the file is
 * checked against the file's length before use; the file is untrusted.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <keel/abi.h>

#include "image.h"

#define MAX_IMAGE (1ULL << 30)

static int fits(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int find_note(const unsigned char *buf, size_t len, const Elf64_Phdr *ph,
		     unsigned *version, uint64_t *kvm_entry)
{
	uint64_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

	if (off % 4)
		return 0; /* notes are 4-byte aligned */
	while (end - off >= 12) {
		const Elf64_Nhdr *n = (const void *)(buf + off);
		uint64_t name = off + 12, desc, next;

		desc = name + ((n->n_namesz + 3ULL) & ~3ULL);
		next = desc + ((n->n_descsz + 3ULL) & ~3ULL);
		if (next > end)
			return 0;
		if (n->n_type == KEEL_NOTE_ABI && n->n_namesz == sizeof KEEL_NOTE_NAME &&
		    memcmp(buf + name, KEEL_NOTE_NAME, sizeof KEEL_NOTE_NAME) == 0 &&
		    n->n_descsz >= sizeof(struct keel_abi_note)) {
			struct keel_abi_note k; /* desc is only 4-byte aligned */

			memcpy(&k, buf + desc, sizeof k);
			*version = k.version;
			*kvm_entry = k.kvm_entry;
			return 1;
		}
		off = next;
	}
	return 0;
}

int image_check(const unsigned char *buf, size_t len, struct image_info *info,
		char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const void *)buf;
	const Elf64_Phdr *ph;
	unsigned i, j, version = 0;
	uint64_t kvm_entry = 0;
	int noted = 0, loads = 0;

	memset(info, 0, sizeof *info);
	if (len < 4 || memcmp(buf, ELFMAG, SELFMAG) != 0) {
		snprintf(err, errlen, "not an ELF file");
		return -1;
	}
	if (len < sizeof *eh) {
		snprintf(err, errlen, "truncated ELF file (%zu bytes)", len);
		return -1;
	}
	if (buf[EI_CLASS] != ELFCLASS64 || buf[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64) {
		snprintf(err, errlen, "not an x86-64 ELF executable (keel images are)");
		return -1;
	}
	if (eh->e_type != ET_EXEC) {
		snprintf(err, errlen, "not a keel image: a %s ELF, not a static executable "
			 "(build it with keel-cc)",
			 eh->e_type == ET_DYN ? "position-independent" : "relocatable or other");
		return -1;
	}
	if (eh->e_phentsize != sizeof *ph || eh->e_phnum == 0 || eh->e_phoff % 8 ||
	    !fits(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof *ph, len)) {
		snprintf(err, errlen, "truncated or corrupt ELF (program headers outside the file)");
		return -1;
	}
	ph = (const void *)(buf + eh->e_phoff);
	info->lo = ~0ULL;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type == PT_NOTE && fits(p->p_offset, p->p_filesz, len) &&
		    find_note(buf, len, p, &version, &kvm_entry))
			noted = 1;
		if (p->p_type != PT_LOAD)
			continue;
		loads++;
		if (!fits(p->p_offset, p->p_filesz, len)) {
			snprintf(err, errlen, "truncated ELF: segment %u lies beyond the end of the file", i);
			return -1;
		}
		if (p->p_filesz > p->p_memsz || p->p_memsz > MAX_IMAGE ||
		    p->p_vaddr > MAX_IMAGE * 64 || p->p_vaddr + p->p_memsz < p->p_vaddr) {
			snprintf(err, errlen, "corrupt ELF: segment %u has impossible sizes", i);
			return -1;
		}
		for (j = 0; j < i; j++) {
			const Elf64_Phdr *q = &ph[j];
			if (q->p_type == PT_LOAD && p->p_vaddr < q->p_vaddr + q->p_memsz &&
			    q->p_vaddr < p->p_vaddr + p->p_memsz) {
				snprintf(err, errlen, "corrupt ELF: segments %u and %u overlap", j, i);
				return -1;
			}
		}
		if (p->p_vaddr < info->lo)
			info->lo = p->p_vaddr;
		if (p->p_vaddr + p->p_memsz > info->hi)
			info->hi = p->p_vaddr + p->p_memsz;
	}
	if (!noted) {
		snprintf(err, errlen, "not a keel image (no keel ABI note; build it with keel-cc)");
		return -1;
	}
	if (version != KEEL_ABI_VERSION) {
		snprintf(err, errlen, "keel ABI version %u, but this keel-run speaks version %d",
			 version, KEEL_ABI_VERSION);
		return -1;
	}
	if (!loads || info->hi - info->lo > MAX_IMAGE) {
		snprintf(err, errlen, "corrupt ELF: no loadable segments of a sane size");
		return -1;
	}
	if (eh->e_entry < info->lo || eh->e_entry >= info->hi) {
		snprintf(err, errlen, "corrupt ELF: entry point outside the image");
		return -1;
	}
	if (kvm_entry < info->lo || kvm_entry >= info->hi) {
		snprintf(err, errlen, "corrupt keel note: KVM entry point outside the image");
		return -1;
	}
	info->entry = eh->e_entry;
	info->kvm_entry = kvm_entry;
	info->abi_version = version;
	return 0;
}

int image_check_file(const char *path, struct image_info *info, char *err,
		     size_t errlen)
{
	unsigned char *buf;
	size_t len;

	if (image_read(path, &buf, &len, info, err, errlen))
		return -1;
	image_release(buf, len);
	return 0;
}

void image_release(unsigned char *buf, size_t len)
{
	if (len)
		munmap(buf, len);
}

int image_read(const char *path, unsigned char **out, size_t *outlen,
	       struct image_info *info, char *err, size_t errlen)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_size > MAX_IMAGE) {
		snprintf(err, errlen, "too large for an image (%lld bytes)", (long long)st.st_size);
		close(fd);
		return -1;
	}
	/* Mapped, not read: only the pages looked at are touched. */
	got = (size_t)st.st_size;
	buf = got ? mmap(NULL, got, PROT_READ, MAP_PRIVATE, fd, 0) : (unsigned char *)"";
	close(fd);
	if (buf == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the image: %s", strerror(errno));
		return -1;
	}
	rc = image_check(buf, got, info, err, errlen);
	if (rc) {
		image_release(buf, got);
		return rc;
	}
	*out = buf;
	*outlen = got;
	return 0;
}
