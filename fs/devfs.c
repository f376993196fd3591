/*
 * The device files under /dev: null, zero, full, random, urandom,
 * console, stdin, stdout and stderr (the fds themselves), and vda,
 * vdb, ... for the block devices (fs/blkdev.c), as character-device nodes in a ramfs of their own (like
 * Linux's devtmpfs, other files may be created next to them). Above:
 * the vfs opens a node with the file_ops set here. Below: the
 * platform's entropy and console.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../sys/fd.h"
#include "../sys/kernel.h"
#include "../sys/vfs.h"

static ssize_t zero_read(struct file *f, void *buf, size_t len)
{
	memset(buf, 0, len);
	return (ssize_t)len;
}

static ssize_t zero_pread(struct file *f, void *buf, size_t len, off_t off)
{
	return zero_read(f, buf, len);
}

static ssize_t null_read(struct file *f, void *buf, size_t len)
{
	return 0;
}

static ssize_t null_pread(struct file *f, void *buf, size_t len, off_t off)
{
	return 0;
}

static ssize_t sink_write(struct file *f, const void *buf, size_t len)
{
	return (ssize_t)len;
}

static ssize_t sink_pwrite(struct file *f, const void *buf, size_t len, off_t off)
{
	return (ssize_t)len;
}

static ssize_t full_write(struct file *f, const void *buf, size_t len)
{
	return -ENOSPC;
}

static ssize_t full_pwrite(struct file *f, const void *buf, size_t len, off_t off)
{
	return -ENOSPC;
}

/* As on Linux, seeking these devices always succeeds and means nothing. */
static off_t dev_lseek(struct file *f, off_t off, int whence)
{
	return 0;
}

static ssize_t random_read(struct file *f, void *buf, size_t len)
{
	if (len > 33554431)
		len = 33554431;
	return keel_platform->entropy(buf, len);
}

static const struct file_ops null_ops = {
	.read = null_read,
	.write = sink_write,
	.pread = null_pread,
	.pwrite = sink_pwrite,
	.lseek = dev_lseek,
};

static const struct file_ops zero_ops = {
	.read = zero_read,
	.write = sink_write,
	.pread = zero_pread,
	.pwrite = sink_pwrite,
	.lseek = dev_lseek,
};

static const struct file_ops full_ops = {
	.read = zero_read,
	.write = full_write,
	.pread = zero_pread,
	.pwrite = full_pwrite,
	.lseek = dev_lseek,
};

/* Written bytes are accepted and dropped: the platform's source needs
 * no seeding. */
static const struct file_ops random_ops = {
	.read = random_read,
	.write = sink_write,
	.lseek = dev_lseek,
};

/* Never used as ops: the vfs opens these nodes as a dup of fd priv. */
const struct file_ops devfs_fd_alias_ops = { 0 };

static const struct {
	const char *name;
	const struct file_ops *ops;
	void *priv;
	mode_t mode;
	unsigned major, minor;
} devices[] = {
	{ "null", &null_ops, NULL, 0666, 1, 3 },
	{ "zero", &zero_ops, NULL, 0666, 1, 5 },
	{ "full", &full_ops, NULL, 0666, 1, 7 },
	{ "random", &random_ops, NULL, 0666, 1, 8 },
	{ "urandom", &random_ops, NULL, 0666, 1, 9 },
	/* Reads console input, writes the output stream. */
	{ "console", &fd_console_ops, (void *)1, 0600, 5, 1 },
	{ "stdin", &devfs_fd_alias_ops, (void *)0, 0666, 0, 0 },
	{ "stdout", &devfs_fd_alias_ops, (void *)1, 0666, 0, 0 },
	{ "stderr", &devfs_fd_alias_ops, (void *)2, 0666, 0, 0 },
};

/*
 * The block devices' nodes are made on the first look into /dev, not at
 * boot: asking a base for its block devices may start their drivers
 * (on the PVH base, probing virtio-mmio registers at a VM exit each),
 * and most programs never look. /dev's root has ramfs's ops with the
 * calls that look or add wrapped.
 */
static const struct vnode_ops *fs_ops;
static struct vnode_ops root_ops;
static int disks_listed;

static void list_disks(struct vnode *dir)
{
	if (!disks_listed) {
		disks_listed = 1;
		blkdev_populate(dir);
	}
}

static struct vnode *root_lookup(struct vnode *dir, const char *name, size_t len)
{
	list_disks(dir);
	return fs_ops->lookup(dir, name, len);
}

static int root_readdir(struct vnode *dir, off_t *pos, vfs_filldir_fn fill, void *ctx)
{
	list_disks(dir);
	return fs_ops->readdir(dir, pos, fill, ctx);
}

static int root_create(struct vnode *dir, const char *name, size_t len, mode_t mode,
		       const char *target, struct vnode **out)
{
	list_disks(dir);
	return fs_ops->create(dir, name, len, mode, target, out);
}

static int root_link(struct vnode *dir, const char *name, size_t len, struct vnode *vn)
{
	list_disks(dir);
	return fs_ops->link(dir, name, len, vn);
}

static int root_is_empty(struct vnode *dir)
{
	list_disks(dir);
	return fs_ops->is_empty(dir);
}

int devfs_populate(struct vnode *dir)
{
	struct vnode *vn;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(devices); i++) {
		r = dir->ops->create(dir, devices[i].name, strlen(devices[i].name),
				     S_IFCHR | devices[i].mode, NULL, &vn);
		if (r)
			return r;
		vn->fops = devices[i].ops;
		vn->priv = devices[i].priv;
		vn->rdev = makedev(devices[i].major, devices[i].minor);
	}
	fs_ops = dir->ops;
	root_ops = *fs_ops;
	root_ops.lookup = root_lookup;
	root_ops.readdir = root_readdir;
	root_ops.create = root_create;
	root_ops.link = root_link;
	root_ops.is_empty = root_is_empty;
	dir->ops = &root_ops;
	return 0;
}
