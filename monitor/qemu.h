/* keel-run's QEMU target (monitor/qemu.c). */
#ifndef KEEL_MONITOR_QEMU_H
#define KEEL_MONITOR_QEMU_H

#include "options.h"

/* Boots the image under QEMU's microvm machine through PVH (KVM when
 * usable, else software emulation) and returns the guest's status. */
int qemu_run(const struct options *o);

#endif
