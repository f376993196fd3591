/*
 * --initrd=DIR|FILE: the archive keel-run hands to the guest (all
 * targets), made once before the target starts.
 */
#ifndef KEEL_MONITOR_INITRD_H
#define KEEL_MONITOR_INITRD_H

#include <stddef.h>

/*
 * What the guest spends on the tree besides the archive (fs/initrd.c):
 * per entry (archived or a parent it makes) a node of 256 bytes, a
 * directory entry of 64, up to 32 of hash table and a hard-link record
 * of 32; per symlink, a copy of its target; once, the file system's
 * own and kmalloc's partly used pages. keel-run adds this to the
 * archive when checking --mem; tests/unit/initrd.c holds the guest to
 * it.
 */
#define INITRD_ENTRY_BYTES 384
#define INITRD_FIXED_BYTES (64 << 10)

/*
 * Makes the initrd for path: a directory is packed into a cpio newc
 * archive (regular files, directories and symlinks; anything else is
 * refused), a file is taken as it is if it is such an archive (checked
 * entry by entry, as the guest will), or converted if it is a tar
 * archive (ustar, pax, GNU; hard links become copies). The result is a
 * sealed memfd (*fd, *len bytes) that cannot change under the guest,
 * and *tree is what its tree will cost the guest (initrd_check). An
 * archive of more than limit bytes is not made: *fd is -1 and *len
 * more than limit (for a directory, the bytes packed when it stopped).
 * 0, or -1 with a one-line reason in err.
 */
int initrd_make(const char *path, size_t limit, int *fd, size_t *len, size_t *tree, char *err,
		size_t errlen);

/* Checks the archive buf[0, len) as the guest will read it: every
 * entry, then names held twice and non-directories holding names; sets
 * *tree (when not NULL) to the bytes its tree will cost the guest. 0,
 * or -1 with a reason in err. */
int initrd_check(const unsigned char *buf, size_t len, size_t *tree, char *err, size_t errlen);

#endif
