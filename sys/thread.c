/*
 * Thread creation for musl's __clone (libc/src/thread/keel/clone.c).
 * keel has one thread until the scheduler lands (POSIX issue): clone
 * is an honest -ENOSYS, logged once, and pthread_create fails cleanly.
 */
#include <sys/syscall.h>
#include <sys/types.h>

#include "kernel.h"

long keel_clone(int (*fn)(void *), void *stack, int flags, void *arg,
		pid_t *ptid, void *tls, pid_t *ctid)
{
	return keel_enosys(SYS_clone);
}
