/*
 * keel: thread creation goes through keel's scheduler (sys/), which
 * implements SYS_clone as a call that starts func(arg) on stack.
 * Until the threads work lands it answers -ENOSYS, logged once.
 */
#include <stdarg.h>
#include "pthread_impl.h"
#include "syscall.h"

long keel_clone(int (*)(void *), void *, int, void *, pid_t *, void *, pid_t *);

int __clone(int (*func)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	pid_t *ptid, *ctid;
	void *tls;

	va_start(ap, arg);
	ptid = va_arg(ap, pid_t *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, pid_t *);
	va_end(ap);
	return keel_clone(func, stack, flags, arg, ptid, tls, ctid);
}
