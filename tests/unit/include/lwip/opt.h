/*
 * What the host unit tests read for lwIP's "lwip/opt.h" (tests/run.sh
 * puts this directory on heap.c's include path): keel's lwipopts.h
 * alone, not lwIP's own headers, which need lwIP's source and keel's
 * libc. Enough for net/lwip/heap.c, which takes only KEEL_NET_HEAP and
 * its own declarations from it.
 */
#ifndef KEEL_TEST_LWIP_OPT_H
#define KEEL_TEST_LWIP_OPT_H

#include "../../../../net/lwip/lwipopts.h"

#endif
