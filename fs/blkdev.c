/*
 * Block devices as files: /dev/vda, /dev/vdb, ... for the platform's
 * block devices 0, 1, ... (keel-run --disk). Above: the vfs opens the
 * nodes devfs made with these ops; read, write, pread, pwrite, lseek,
 * fsync (a flush request) and the BLK* size ioctls. Below: the
 * platform's batched block calls; waits go through time_wait.
 *
 * Whole sectors go straight between the caller's buffer and the
 * device, in requests of up to CHUNK bytes submitted BATCH at a time;
 * the partial sectors at either end of an unaligned transfer go
 * through a sector on the stack (read, then changed and written back).
 * Nothing is cached and nothing is shared between callers, so a thread
 * waiting here leaves nothing half-done for another; two overlapping
 * unaligned writes at once may still interleave their edge sectors.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../sys/fd.h"
#include "../sys/kernel.h"
#include "../sys/vfs.h"

#define SECTOR 512
#define CHUNK (1u << 20) /* bytes per request */
#define BATCH 16	 /* requests per submit */

#define BLKGETSIZE 0x1260
#define BLKSSZGET 0x1268
#define BLKFLSBUF 0x1261
#define BLKGETSIZE64 0x80081272

/* Completions may arrive for another thread's requests: each request
 * points at its caller's count of requests still out. */
struct waiter {
	unsigned pending;
};

static unsigned dev_of(struct file *f)
{
	return (unsigned)(uintptr_t)f->priv;
}

/* Takes finished requests off the device; how many. */
static long reap(unsigned dev)
{
	struct keel_block_req *done[BATCH];
	long k, i;

	k = keel_platform->block_complete(dev, done, BATCH);
	for (i = 0; i < k; i++)
		((struct waiter *)done[i]->cookie)->pending--;
	return k > 0 ? k : 0;
}

/* Submits n requests and waits for all of them; 0 or the first error. */
static int run_batch(unsigned dev, struct keel_block_req *reqs, unsigned n)
{
	struct keel_block_req *rp[BATCH];
	struct waiter w = { n };
	unsigned i, sent = 0;
	long k;

	for (i = 0; i < n; i++) {
		reqs[i].cookie = &w;
		reqs[i].status = 0;
		rp[i] = &reqs[i];
	}
	while (sent < n) {
		k = keel_platform->block_submit(dev, rp + sent, n - sent);
		if (k < 0 && sent == 0)
			return (int)k;
		if (k < 0) {
			w.pending -= n - sent; /* never sent: not waited for */
			break;
		}
		sent += (unsigned)k;
		if (sent < n && !reap(dev)) /* the queue is full: wait for room */
			time_wait(UINT64_MAX, KEEL_EV_BLOCK);
	}
	while (w.pending)
		if (!reap(dev))
			time_wait(UINT64_MAX, KEEL_EV_BLOCK);
	for (i = 0; i < sent; i++)
		if (reqs[i].status)
			return reqs[i].status;
	return sent < n ? -EIO : 0;
}

/* Sector-aligned transfer of len bytes (a multiple of SECTOR). */
static int aligned_io(unsigned dev, enum keel_block_op op, uint64_t sector, char *buf, size_t len)
{
	struct keel_block_req reqs[BATCH];
	unsigned n;
	int r;

	while (len) {
		for (n = 0; n < BATCH && len; n++) {
			size_t k = len < CHUNK ? len : CHUNK;

			reqs[n] = (struct keel_block_req){
				.op = op, .sector = sector, .buf = buf, .len = k
			};
			sector += k / SECTOR;
			buf += k;
			len -= k;
		}
		if ((r = run_batch(dev, reqs, n)))
			return r;
	}
	return 0;
}

static int dev_size(unsigned dev, uint64_t *bytes, int *ro)
{
	struct keel_block_info bi;
	int r = keel_platform->block_info(dev, &bi);

	if (r)
		return r;
	*bytes = bi.sectors * SECTOR;
	if (ro)
		*ro = bi.read_only;
	return 0;
}

static ssize_t transfer(struct file *f, char *buf, size_t len, off_t off, int wr)
{
	enum keel_block_op op = wr ? KEEL_BLOCK_WRITE : KEEL_BLOCK_READ;
	unsigned dev = dev_of(f);
	uint64_t size;
	size_t done = 0;
	int r, ro;

	if ((r = dev_size(dev, &size, &ro)))
		return r;
	if (wr && ro)
		return -EROFS;
	if ((uint64_t)off >= size)
		return wr ? -ENOSPC : 0;
	if (len > size - (uint64_t)off)
		len = (size_t)(size - (uint64_t)off);
	while (done < len) {
		uint64_t pos = (uint64_t)off + done;
		size_t in = (size_t)(pos % SECTOR), k;

		if (in || len - done < SECTOR) { /* part of one sector */
			char sec[SECTOR];

			k = SECTOR - in < len - done ? SECTOR - in : len - done;
			if ((r = aligned_io(dev, KEEL_BLOCK_READ, pos / SECTOR, sec, SECTOR)))
				goto fail;
			if (wr) {
				memcpy(sec + in, buf + done, k);
				if ((r = aligned_io(dev, KEEL_BLOCK_WRITE, pos / SECTOR, sec,
						    SECTOR)))
					goto fail;
			} else {
				memcpy(buf + done, sec + in, k);
			}
		} else {
			k = (len - done) / SECTOR * SECTOR;
			if ((r = aligned_io(dev, op, pos / SECTOR, buf + done, k)))
				goto fail;
		}
		done += k;
	}
	return (ssize_t)done;
fail:
	return done ? (ssize_t)done : r;
}

static ssize_t blk_pread(struct file *f, void *buf, size_t len, off_t off)
{
	return transfer(f, buf, len, off, 0);
}

static ssize_t blk_pwrite(struct file *f, const void *buf, size_t len, off_t off)
{
	return transfer(f, (char *)buf, len, off, 1);
}

static ssize_t blk_read(struct file *f, void *buf, size_t len)
{
	ssize_t r = transfer(f, buf, len, f->pos, 0);

	if (r > 0)
		f->pos += r;
	return r;
}

static ssize_t blk_write(struct file *f, const void *buf, size_t len)
{
	ssize_t r = transfer(f, (char *)buf, len, f->pos, 1);

	if (r > 0)
		f->pos += r;
	return r;
}

static off_t blk_lseek(struct file *f, off_t off, int whence)
{
	uint64_t size;
	off_t base;
	int r = dev_size(dev_of(f), &size, NULL);

	if (r)
		return r;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos;
		break;
	case SEEK_END:
		base = (off_t)size;
		break;
	default:
		return -EINVAL;
	}
	if (base + off < 0)
		return -EINVAL;
	return f->pos = base + off;
}

static int blk_sync(struct file *f)
{
	struct keel_block_req req = { .op = KEEL_BLOCK_FLUSH };

	return run_batch(dev_of(f), &req, 1);
}

static long blk_ioctl(struct file *f, unsigned long req, void *arg)
{
	uint64_t size;
	int r = dev_size(dev_of(f), &size, NULL);

	if (r)
		return r;
	switch (req) {
	case BLKGETSIZE64:
		*(uint64_t *)arg = size;
		return 0;
	case BLKGETSIZE:
		*(unsigned long *)arg = size / SECTOR;
		return 0;
	case BLKSSZGET:
		*(int *)arg = SECTOR;
		return 0;
	case BLKFLSBUF:
		return 0; /* no cache in keel */
	default:
		return -ENOTTY;
	}
}

static const struct file_ops blk_ops = {
	.read = blk_read,
	.write = blk_write,
	.pread = blk_pread,
	.pwrite = blk_pwrite,
	.lseek = blk_lseek,
	.sync = blk_sync,
	.ioctl = blk_ioctl,
};

int blkdev_populate(struct vnode *dir)
{
	struct keel_block_info bi;
	struct vnode *vn;
	char name[4] = "vda";
	unsigned dev;
	int r;

	for (dev = 0; dev < KEEL_MAX_DISKS; dev++) {
		if (keel_platform->block_info(dev, &bi))
			continue;
		name[2] = (char)('a' + dev);
		r = dir->ops->create(dir, name, 3, S_IFBLK | 0660, NULL, &vn);
		if (r)
			return r;
		vn->fops = &blk_ops;
		vn->priv = (void *)(uintptr_t)dev;
		vn->rdev = makedev(254, dev * 16);
	}
	return 0;
}
