/*
 * The KVM monitor's block device: a file behind a virtio-blk split
 * ring. A notification processes every available request before the
 * vCPU resumes (one VM exit per batch). Every descriptor is checked:
 * a malformed request fails with VIRTIO_BLK_S_IOERR and the guest goes
 * on; the monitor never touches memory outside the guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vm.h"

#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define MAX_SEGS 64

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

int blk_open(struct vm_blk *b, const char *path)
{
	struct stat st;

	memset(b, 0, sizeof *b);
	b->fd = open(path, O_RDWR | O_CLOEXEC);
	if (b->fd < 0 && (errno == EACCES || errno == EROFS)) {
		b->fd = open(path, O_RDONLY | O_CLOEXEC);
		b->read_only = 1;
	}
	if (b->fd < 0)
		return -errno;
	if (fstat(b->fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		close(b->fd);
		return -EINVAL;
	}
	b->sectors = (uint64_t)st.st_size / 512;
	return 0;
}

int vm_queue_setup(struct vm *vm, struct vm_queue *q, const uint64_t *a)
{
	uint64_t num = a[2];

	if (num == 0 || num > 32768 || (num & (num - 1)) || a[3] % 16 || a[4] % 2 || a[5] % 4 ||
	    !guest_ptr(vm, a[3], 16 * num) || !guest_ptr(vm, a[4], 6 + 2 * num) ||
	    !guest_ptr(vm, a[5], 6 + 8 * num))
		return -EINVAL;
	q->num = (unsigned)num;
	q->desc = a[3];
	q->avail = a[4];
	q->used = a[5];
	q->last_avail = 0;
	return 0;
}

/* One request: returns the bytes written into the guest, sets *status. */
static uint32_t do_request(struct vm *vm, struct vm_blk *b, uint16_t head, uint8_t **status)
{
	struct desc *table = guest_ptr(vm, b->q.desc, 16ULL * b->q.num);
	struct iovec iov[MAX_SEGS];
	struct blk_hdr hdr;
	struct desc d[MAX_SEGS + 2];
	unsigned n = 0, i, nseg = 0;
	uint16_t idx = head;
	uint64_t total = 0;
	ssize_t r;
	int write_op;

	*status = NULL;
	/* Collect the chain (bounded: a loop in it ends here too). */
	for (;;) {
		if (idx >= b->q.num || n == MAX_SEGS + 2)
			return 0;
		d[n] = table[idx];
		n++;
		if (!(d[n - 1].flags & DESC_F_NEXT))
			break;
		idx = d[n - 1].next;
	}
	if (n < 2 || d[n - 1].len < 1 || !(d[n - 1].flags & DESC_F_WRITE) ||
	    !(*status = guest_ptr(vm, d[n - 1].addr, 1)))
		return 0;
	**status = 1; /* VIRTIO_BLK_S_IOERR until done */
	if (d[0].len < sizeof hdr || (d[0].flags & DESC_F_WRITE) ||
	    !guest_ptr(vm, d[0].addr, sizeof hdr))
		return 1;
	memcpy(&hdr, guest_ptr(vm, d[0].addr, sizeof hdr), sizeof hdr);
	if (hdr.type == 4) { /* flush */
		**status = fdatasync(b->fd) == 0 ? 0 : 1;
		return 1;
	}
	if (hdr.type != 0 && hdr.type != 1) {
		**status = 2; /* unsupported */
		return 1;
	}
	write_op = hdr.type == 1;
	if (write_op && b->read_only)
		return 1;
	for (i = 1; i + 1 < n; i++) {
		void *p = guest_ptr(vm, d[i].addr, d[i].len);

		if (!p || !!(d[i].flags & DESC_F_WRITE) == write_op)
			return 1;
		iov[nseg].iov_base = p;
		iov[nseg].iov_len = d[i].len;
		nseg++;
		total += d[i].len;
	}
	if (total % 512 || hdr.sector > b->sectors || total / 512 > b->sectors - hdr.sector)
		return 1;
	r = write_op ? pwritev(b->fd, iov, (int)nseg, (off_t)(hdr.sector * 512))
		     : preadv(b->fd, iov, (int)nseg, (off_t)(hdr.sector * 512));
	if (r != (ssize_t)total)
		return 1;
	**status = 0;
	b->bytes += total;
	return write_op ? 1 : (uint32_t)total + 1;
}

void blk_notify(struct vm *vm, struct vm_blk *b)
{
	struct vm_queue *q = &b->q;
	volatile uint16_t *avail_idx, *avail_ring, *used_idx, *avail_event;
	volatile uint32_t *used_ring;
	uint16_t end;

	if (!q->num)
		return;
	avail_idx = guest_ptr(vm, q->avail + 2, 2);
	avail_ring = guest_ptr(vm, q->avail + 4, 2ULL * q->num);
	used_idx = guest_ptr(vm, q->used + 2, 2);
	used_ring = guest_ptr(vm, q->used + 4, 8ULL * q->num);
	avail_event = guest_ptr(vm, q->used + 4 + 8ULL * q->num, 2);
	b->batches++;
	while ((end = *avail_idx) != q->last_avail) {
		__asm__ __volatile__("" ::: "memory");
		while (q->last_avail != end) {
			uint16_t head = avail_ring[q->last_avail % q->num];
			uint8_t *status;
			uint32_t len = do_request(vm, b, head, &status);
			uint16_t u = *used_idx;

			used_ring[2 * (u % q->num)] = head;
			used_ring[2 * (u % q->num) + 1] = len;
			__asm__ __volatile__("" ::: "memory");
			*used_idx = (uint16_t)(u + 1);
			q->last_avail++;
			b->requests++;
		}
		/* Ask to be notified of the next request after these. */
		*avail_event = q->last_avail;
		__asm__ __volatile__("mfence" ::: "memory");
	}
}
