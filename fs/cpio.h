/*
 * The cpio "newc" format (magic 070701, or 070702 with a checksum) as
 * keel reads it: one parser shared by keel-run, which checks an archive
 * before a guest sees it (monitor/initrd.c), and the guest, which
 * mounts it (fs/initrd.c). Below: nothing but the archive's bytes, so
 * it builds with the host's libc and with keel's, and the unit tests
 * feed it corrupted archives (tests/unit/cpio.c).
 *
 * An entry is a 110-byte header of ASCII hex fields, its name (with a
 * NUL) padded to 4 bytes, then its data padded to 4 bytes; the entry
 * named TRAILER!!! ends the archive.
 */
#ifndef KEEL_FS_CPIO_H
#define KEEL_FS_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_HDR_LEN 110
#define CPIO_NAME_MAX 4095 /* a whole path; longer names are refused */
#define CPIO_COMPONENT_MAX 255
#define CPIO_LINK_MAX 4095 /* a symlink's target */
#define CPIO_TRAILER "TRAILER!!!"

struct cpio_entry {
	size_t offset;	  /* of its header in the archive, for messages */
	const char *name; /* inside the archive, NUL-terminated */
	size_t namelen;	  /* without the NUL */
	uint32_t ino, mode, uid, gid, nlink, mtime, devmajor, devminor, check;
	const unsigned char *data; /* size bytes inside the archive */
	size_t size;
	int crc; /* the 070702 format: check is the sum of the data bytes */
};

/*
 * Reads the entry at *off of the archive buf[0, len): 1 with e filled
 * and *off past the entry, 0 at the trailer, or -1 with a reason (a
 * static string) in *why. Every field is checked against len first:
 * nothing outside buf is ever read.
 */
int cpio_next(const void *buf, size_t len, size_t *off, struct cpio_entry *e, const char **why);

/*
 * Whether e is something keel's initrd holds: a regular file, a
 * directory (without data) or a symlink (a target of 1 to
 * CPIO_LINK_MAX bytes without NUL); for a 070702 entry, its checksum
 * too. NULL, or the reason.
 */
const char *cpio_check_entry(const struct cpio_entry *e);

/*
 * Walks the components of an entry's name: leading "/" and "./",
 * empty and "." components are skipped. Returns 1 with the next
 * component in *comp and *clen and *p moved past it, 0 at the end of the
 * name (no component at all names the root), or -1 with a reason: a
 * ".." component or one longer than CPIO_COMPONENT_MAX.
 */
int cpio_component(const char **p, const char *end, const char **comp, size_t *clen,
		   const char **why);

#endif
