/*
 * The syscall dispatch table. Above: musl's __syscallN() calls
 * keel_syscall(). Below: one system_<name> per entry of syscalls.def,
 * written in sys/ (status IMPL/PARTIAL) or generated here as an -ENOSYS
 * stub that logs the first call. keel_handler_set() swaps entries at
 * run time.
 */
#include "kernel.h"
#include "signal.h"

#define SYSCALL(nr, name, class, status) SYSCALL_##status(nr, name)
#define SYSCALL_IMPL(nr, name)                                                 \
	long system_##name(long, long, long, long, long, long);
#define SYSCALL_PARTIAL SYSCALL_IMPL
#define SYSCALL_NONE(nr, name)                                                 \
	long system_##name(long a1, long a2, long a3, long a4, long a5,        \
			   long a6)                                            \
	{                                                                      \
		return keel_enosys(nr);                                        \
	}
#include "syscalls.def"
#undef SYSCALL

static const keel_syscall_fn builtin[SYSCALL_COUNT] = {
#define SYSCALL(nr, name, class, status) [nr] = system_##name,
#include "syscalls.def"
#undef SYSCALL
};

static const char *const names[SYSCALL_COUNT] = {
#define SYSCALL(nr, name, class, status) [nr] = #name,
#include "syscalls.def"
#undef SYSCALL
};

static keel_syscall_fn table[SYSCALL_COUNT] = {
#define SYSCALL(nr, name, class, status) [nr] = system_##name,
#include "syscalls.def"
#undef SYSCALL
};

/* Signals are delivered here, as the call returns (signal.h); a call a
 * signal interrupted is made again when the handler asked for it. */
long keel_syscall(long nr, long a, long b, long c, long d, long e, long f)
{
	keel_syscall_fn fn;
	long r;

	if ((unsigned long)nr >= SYSCALL_COUNT || !(fn = table[nr]))
		return keel_enosys(nr);
	r = fn(a, b, c, d, e, f);
	while (__builtin_expect(signal_work || r == -ERESTARTSYS, 0)) {
		r = signal_return(r, (uintptr_t)__builtin_return_address(0),
				  (uintptr_t)__builtin_frame_address(0) + 16);
		if (r != -ERESTARTSYS)
			break;
		r = fn(a, b, c, d, e, f);
	}
	return r;
}

const char *syscall_name(long nr)
{
	if ((unsigned long)nr >= SYSCALL_COUNT || !names[nr])
		return "unknown";
	return names[nr];
}

long keel_enosys(long nr)
{
	static uint64_t seen[SYSCALL_COUNT / 64];
	static long seen_other[8];
	static unsigned n_other;
	unsigned i;

	if ((unsigned long)nr < SYSCALL_COUNT) {
		if (seen[nr / 64] & (1ULL << (nr % 64)))
			return -ENOSYS;
		seen[nr / 64] |= 1ULL << (nr % 64);
	} else {
		for (i = 0; i < n_other && i < ARRAY_SIZE(seen_other); i++)
			if (seen_other[i] == nr)
				return -ENOSYS;
		if (n_other < ARRAY_SIZE(seen_other))
			seen_other[n_other++] = nr;
	}
	keel_log("syscall %ld (%s) not implemented", nr, syscall_name(nr));
	return -ENOSYS;
}

keel_syscall_fn keel_handler_builtin(long nr)
{
	if ((unsigned long)nr >= SYSCALL_COUNT)
		return NULL;
	return builtin[nr];
}

keel_syscall_fn keel_handler_set(long nr, keel_syscall_fn fn)
{
	keel_syscall_fn old;

	if ((unsigned long)nr >= SYSCALL_COUNT)
		return NULL;
	old = table[nr];
	table[nr] = fn ? fn : builtin[nr];
	return old;
}
