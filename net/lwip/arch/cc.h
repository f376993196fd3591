/*
 * lwIP's compiler and platform glue for keel (arch/cc.h): types come
 * from musl's <stdint.h>, errno values from musl's <errno.h>, and an
 * assertion that fails is a broken invariant inside keel: a panic with
 * the reason, never a silent hang.
 */
#ifndef KEEL_LWIP_ARCH_CC_H
#define KEEL_LWIP_ARCH_CC_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0

#define BYTE_ORDER LITTLE_ENDIAN

/* net/lwip/net.c: a xorshift generator seeded from the platform's
 * entropy at start (TCP initial sequence numbers, IP ids, ports). */
uint32_t keel_lwip_rand(void);
#define LWIP_RAND() keel_lwip_rand()

void keel_lwip_assert(const char *msg, int line, const char *file) __attribute__((noreturn));
#define LWIP_PLATFORM_ASSERT(x) keel_lwip_assert((x), __LINE__, __FILE__)
#define LWIP_PLATFORM_DIAG(x)                                                                      \
	do {                                                                                       \
		printf x;                                                                          \
	} while (0)

#endif
