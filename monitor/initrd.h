/*
 * --initrd=DIR|FILE: the archive keel-run hands to the guest (all
 * targets), made once before the target starts.
 */
#ifndef KEEL_MONITOR_INITRD_H
#define KEEL_MONITOR_INITRD_H

#include <stddef.h>

/*
 * Makes the initrd for path: a directory is packed into a cpio newc
 * archive (regular files, directories and symlinks; anything else is
 * refused), a file is taken as it is if it is such an archive (checked
 * entry by entry, as the guest will). Either way the result is a
 * sealed memfd (*fd, *len bytes) that cannot change under the guest.
 * A directory whose archive grows past limit bytes stops early with
 * *len > limit. 0, or -1 with a one-line reason in err.
 */
int initrd_make(const char *path, size_t limit, int *fd, size_t *len, char *err, size_t errlen);

/* Checks the archive buf[0, len) as the guest will read it: every
 * entry, then names held twice and non-directories holding names. 0,
 * or -1 with a reason in err. */
int initrd_check(const unsigned char *buf, size_t len, char *err, size_t errlen);

#endif
