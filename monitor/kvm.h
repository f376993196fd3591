/* keel-run's KVM target (monitor/kvm.c). */
#ifndef KEEL_MONITOR_KVM_H
#define KEEL_MONITOR_KVM_H

#include <stddef.h>

#include "image.h"
#include "options.h"

/* Whether /dev/kvm can be opened read-write (for --target=auto). */
int kvm_usable(void);

/* Boots the image (already checked) on /dev/kvm and returns the exit
 * status keel-run should end with. Bad input exits 2 from inside. */
int kvm_run(const struct options *o, const unsigned char *elf, size_t len,
	    const struct image_info *info);

#endif
