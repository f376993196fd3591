/*
 * virtio-rng (virtio 1.x, section 5.4) on virtio-mmio: the PVH base's
 * entropy when the CPU has no RDRAND. One buffer at a time; the caller
 * polls (the device fills it from the host's entropy quickly).
 */
#include <errno.h>

#include "mmio.h"

int vmmio_rng_read(struct vmmio *m, struct virtq *q, void *buf, size_t len,
		   void (*wait)(void))
{
	struct virtq_buf b = { buf, (uint32_t)len, 1 };
	uint32_t got = 0;
	int spins = 0;

	if (virtq_add(q, &b, 1, buf))
		return -EIO;
	if (virtq_publish(q))
		vmmio_notify(m, 0);
	while (!virtq_get(q, &got)) {
		if (++spins > 100000)
			return -EIO;
		wait();
	}
	return (int)got;
}
