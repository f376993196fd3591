/* keel-run's Linux-process target (monitor/linux.c). */
#ifndef KEEL_MONITOR_LINUX_H
#define KEEL_MONITOR_LINUX_H

#include <stddef.h>

#include "image.h"
#include "options.h"

/* Runs the image as a sandboxed process: loaded into keel-run's own
 * process and entered (no second exec), or exec'd under --timeout.
 * Returns the status keel-run should exit with, when it returns. */
int linux_run(const struct options *o, const unsigned char *elf, size_t len,
	      const struct image_info *info);

#endif
