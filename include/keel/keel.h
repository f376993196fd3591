/*
 * keel's public API for applications and libraries linked into an image.
 */
#ifndef KEEL_KEEL_H
#define KEEL_KEEL_H

#include <stddef.h>

#define KEEL_VERSION "0.1.0"

/* A system call implementation: six raw arguments, returns a value or
 * -errno, exactly like the Linux system call of the same number. */
typedef long (*keel_syscall_fn)(long, long, long, long, long, long);

/* The seam: every libc system call arrives here. */
long keel_syscall(long nr, long a, long b, long c, long d, long e, long f);

/* Installs fn as the implementation of system call nr and returns the
 * previous one (so a handler can chain to it). fn == NULL restores the
 * built-in implementation. Returns NULL and does nothing if nr is out
 * of range; returns NULL for the numbers x86_64 leaves unassigned. */
keel_syscall_fn keel_handler_set(long nr, keel_syscall_fn fn);

/* The built-in implementation of nr (NULL where x86_64 assigns none). */
keel_syscall_fn keel_handler_builtin(long nr);

#endif
