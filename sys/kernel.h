/*
 * Internal interface of keel's core (sys/): logging, panics, the
 * SYSCALL_DEFINE macros every system_<name> is written with, and the
 * declarations shared between the files of sys/.
 */
#ifndef KEEL_SYS_KERNEL_H
#define KEEL_SYS_KERNEL_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/keel.h>
#include <keel/platform.h>

#undef PAGE_SIZE
#define PAGE_SIZE 4096UL
#define PAGE_UP(x) (((uintptr_t)(x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_DOWN(x) ((uintptr_t)(x) & ~(PAGE_SIZE - 1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* log.c: "keel: ..." lines on the console, formatted by a tiny printf
 * (%s %c %d %i %u %x %p %%, with l/z modifiers and a width). */
int kfmt(char *buf, size_t cap, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void keel_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void keel_panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* dispatch.c */
long keel_enosys(long nr);
const char *syscall_name(long nr);
#define SYSCALL_COUNT 512

/* boot.c: the main thread's stack (plus a guard page below it). */
#define KEEL_MAIN_STACK_PAGES 128 /* 512 KiB */

/* limits.c: whether the application may take bytes more of memory
 * under RLIMIT_DATA (its heap) and RLIMIT_AS (everything). */
int limits_memory_allows(size_t bytes);

/* proc.c: ends the machine; prints --stats first when asked. */
void proc_exit(int status) __attribute__((noreturn));
extern int keel_stats_enabled;
extern uint64_t keel_boot_time;

/* time.c */
uint64_t time_now(void);
unsigned time_wait(uint64_t deadline, unsigned mask);
unsigned time_idle(uint64_t deadline, unsigned mask);
void time_sleep_until(uint64_t deadline);

/* socket.c: starts the network keel-run configured (sock.h). */
void net_boot(const struct keel_boot *b);
/* fd.c */
void fd_init(void);

/* vfs.c: the file tree (ramfs at /, devices at /dev, the initrd at
 * /initrd); called by fd_init. */
void vfs_init(void);

/* boot.c: the initrd the base brought (struct keel_boot), or NULL, 0. */
extern const void *keel_initrd;
extern size_t keel_initrd_len;

/*
 * system_<name> definitions: typed arguments, the six raw longs of the
 * table's calling convention generated around them.
 */
#define SYSCALL_DEFINE0(name)                                                  \
	long system_##name(long a1, long a2, long a3, long a4, long a5,        \
			   long a6)
#define SYSCALL_DEFINE1(name, t1, n1)                                          \
	static long do_##name(t1 n1);                                          \
	long system_##name(long a1, long a2, long a3, long a4, long a5,        \
			   long a6)                                            \
	{                                                                      \
		return do_##name((t1)a1);                                      \
	}                                                                      \
	static long do_##name(t1 n1)
#define SYSCALL_DEFINE2(name, t1, n1, t2, n2)                                  \
	static long do_##name(t1 n1, t2 n2);                                   \
	long system_##name(long a1, long a2, long a3, long a4, long a5,        \
			   long a6)                                            \
	{                                                                      \
		return do_##name((t1)a1, (t2)a2);                              \
	}                                                                      \
	static long do_##name(t1 n1, t2 n2)
#define SYSCALL_DEFINE3(name, t1, n1, t2, n2, t3, n3)                          \
	static long do_##name(t1 n1, t2 n2, t3 n3);                            \
	long system_##name(long a1, long a2, long a3, long a4, long a5,        \
			   long a6)                                            \
	{                                                                      \
		return do_##name((t1)a1, (t2)a2, (t3)a3);                      \
	}                                                                      \
	static long do_##name(t1 n1, t2 n2, t3 n3)
#define SYSCALL_DEFINE4(name, t1, n1, t2, n2, t3, n3, t4, n4)                  \
	static long do_##name(t1 n1, t2 n2, t3 n3, t4 n4);                     \
	long system_##name(long a1, long a2, long a3, long a4, long a5,        \
			   long a6)                                            \
	{                                                                      \
		return do_##name((t1)a1, (t2)a2, (t3)a3, (t4)a4);              \
	}                                                                      \
	static long do_##name(t1 n1, t2 n2, t3 n3, t4 n4)
#define SYSCALL_DEFINE5(name, t1, n1, t2, n2, t3, n3, t4, n4, t5, n5)          \
	static long do_##name(t1 n1, t2 n2, t3 n3, t4 n4, t5 n5);              \
	long system_##name(long a1, long a2, long a3, long a4, long a5,        \
			   long a6)                                            \
	{                                                                      \
		return do_##name((t1)a1, (t2)a2, (t3)a3, (t4)a4, (t5)a5);      \
	}                                                                      \
	static long do_##name(t1 n1, t2 n2, t3 n3, t4 n4, t5 n5)
#define SYSCALL_DEFINE6(name, t1, n1, t2, n2, t3, n3, t4, n4, t5, n5, t6, n6)  \
	static long do_##name(t1 n1, t2 n2, t3 n3, t4 n4, t5 n5, t6 n6);       \
	long system_##name(long a1, long a2, long a3, long a4, long a5,        \
			   long a6)                                            \
	{                                                                      \
		return do_##name((t1)a1, (t2)a2, (t3)a3, (t4)a4, (t5)a5,       \
				 (t6)a6);                                      \
	}                                                                      \
	static long do_##name(t1 n1, t2 n2, t3 n3, t4 n4, t5 n5, t6 n6)

#endif
