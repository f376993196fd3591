/*
 * Image validation, shared by every target of keel-run: an image is an
 * x86-64 ET_EXEC ELF whose segments lie inside the file and do not
 * overlap, carrying the keel ABI note of this version.
 */
#ifndef KEEL_MONITOR_IMAGE_H
#define KEEL_MONITOR_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct image_info {
	uint64_t entry;
	uint64_t lo, hi; /* lowest and highest address of the loaded segments */
	uint64_t kvm_entry; /* from the keel ABI note */
	unsigned abi_version;
};

/* Checks the ELF in buf[0..len). 0, or -1 with a reason in err. */
int image_check(const unsigned char *buf, size_t len, struct image_info *info,
		char *err, size_t errlen);

/* Reads path and checks it. 0, or -1 with a reason in err. */
int image_check_file(const char *path, struct image_info *info, char *err,
		     size_t errlen);

/* As image_check_file, keeping the file's bytes in *buf (mapped
 * read-only; image_release() unmaps them) and its length in *len. */
int image_read(const char *path, unsigned char **buf, size_t *len,
	       struct image_info *info, char *err, size_t errlen);
void image_release(unsigned char *buf, size_t len);

#endif
