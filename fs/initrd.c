/*
 * The initrd file system: the tree of a cpio newc archive (--initrd),
 * read-only, mounted at /initrd by the vfs (sys/vfs.c). Above: the
 * vfs, which answers -EROFS to every change (vnode_ops.read_only) and
 * copies straight out of the archive for sendfile (vnode_ops.data).
 * Below: the archive itself, parsed once at boot by fs/cpio.c, every
 * field checked, and kmalloc (tagged MM_INITRD) for the nodes.
 *
 * Zero copy: a file's data, a name and a directory entry's name all
 * point into the archive, which the base keeps in place and unchanged
 * for the machine's life; only symlink targets are copied (they need a
 * NUL). Lookups go through one hash table of (directory, name), so
 * big directories cost what small ones do.
 *
 * Archive semantics: parents missing from the archive are made
 * (0755); "." or "/" names the root; a name with ".." or a parent
 * that is not a directory, a non-directory named twice, or a device,
 * FIFO or socket is refused; regular files with nlink > 1 and the same
 * (ino, dev) are one file with several names (newc keeps the data in
 * the last of them).
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "../sys/kernel.h"
#include "../sys/mm.h"
#include "../sys/vfs.h"
#include "cpio.h"

#define INITRD_MAGIC 0x6b656972 /* "keir": f_type of statfs */

struct initrd;

struct idirent {
	struct idirent *next;  /* in its directory, in archive order */
	struct idirent *hnext; /* in its hash bucket */
	struct inode *dir;
	struct inode *node;
	const char *name; /* in the archive */
	size_t len;
};

/* 256 bytes with kmalloc's rounding: keel-run counts on it (initrd.h). */
struct inode {
	struct vnode vn; /* first: a vnode pointer is an inode pointer */
	struct initrd *fs;
	/* directories */
	struct idirent *first, **tail;
	/* regular files: vn.size bytes in the archive; symlinks: a copy of
	 * the target with its NUL */
	const unsigned char *data;
};

_Static_assert(sizeof(struct inode) <= 256, "keel-run counts 256 bytes a node");

/* A regular file with nlink > 1 in the archive, by its identity there. */
struct hardlink {
	struct hardlink *next;
	struct inode *node;
	uint32_t ino, major, minor;
};

struct initrd {
	const unsigned char *buf;
	size_t len;
	dev_t dev;
	ino_t last_ino;
	size_t nodes;
	struct idirent **hash;
	size_t nhash;	       /* a power of two */
	struct hardlink *hard; /* files with several names */
};

#define IN(v) ((struct inode *)(v))

static const struct vnode_ops initrd_ops;

static size_t bucket(const struct initrd *fs, const struct inode *dir, const char *name, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ dir->vn.ino;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
	return (size_t)(h ^ h >> 29) & (fs->nhash - 1);
}

static struct idirent *find(struct inode *dir, const char *name, size_t len)
{
	struct initrd *fs = dir->fs;
	struct idirent *e;

	for (e = fs->hash[bucket(fs, dir, name, len)]; e; e = e->hnext)
		if (e->dir == dir && e->len == len && memcmp(e->name, name, len) == 0)
			return e;
	return NULL;
}

static struct inode *node_new(struct initrd *fs, uint32_t mode, const struct cpio_entry *e)
{
	struct inode *n = kmalloc(sizeof *n, MM_INITRD);
	struct timespec t = { e ? (time_t)e->mtime : 0, 0 };

	if (!n)
		return NULL;
	n->fs = fs;
	n->vn.ops = &initrd_ops;
	n->vn.mode = mode;
	n->vn.ino = ++fs->last_ino;
	n->vn.dev = fs->dev;
	n->vn.nlink = S_ISDIR(mode) ? 2 : 1;
	n->vn.uid = e ? e->uid : 0;
	n->vn.gid = e ? e->gid : 0;
	n->vn.atime = n->vn.mtime = n->vn.ctime = n->vn.btime = t;
	n->tail = &n->first;
	fs->nodes++;
	return n;
}

static int link_in(struct inode *dir, const char *name, size_t len, struct inode *n)
{
	struct initrd *fs = dir->fs;
	struct idirent *e = kmalloc(sizeof *e, MM_INITRD);
	size_t b;

	if (!e)
		return -ENOMEM;
	e->dir = dir;
	e->node = n;
	e->name = name;
	e->len = len;
	*dir->tail = e;
	dir->tail = &e->next;
	b = bucket(fs, dir, name, len);
	e->hnext = fs->hash[b];
	fs->hash[b] = e;
	if (S_ISDIR(n->vn.mode)) {
		n->vn.parent = &dir->vn;
		dir->vn.nlink++;
	}
	return 0;
}

static void set_meta(struct inode *n, const struct cpio_entry *e)
{
	struct timespec t = { (time_t)e->mtime, 0 };

	n->vn.mode = (n->vn.mode & S_IFMT) | (e->mode & 07777);
	n->vn.uid = e->uid;
	n->vn.gid = e->gid;
	n->vn.atime = n->vn.mtime = n->vn.ctime = n->vn.btime = t;
}

static struct inode *hard_find(struct initrd *fs, const struct cpio_entry *e)
{
	struct hardlink *h;

	for (h = fs->hard; h; h = h->next)
		if (h->ino == e->ino && h->major == e->devmajor && h->minor == e->devminor)
			return h->node;
	return NULL;
}

/* A file's data, or a symlink's target, from entry e. */
static int set_data(struct inode *n, const struct cpio_entry *e)
{
	n->data = e->data;
	if (S_ISLNK(n->vn.mode)) {
		char *t = kmalloc(e->size + 1, MM_INITRD);

		if (!t)
			return -ENOMEM;
		memcpy(t, e->data, e->size);
		n->data = (const unsigned char *)t;
	}
	n->vn.size = (off_t)e->size;
	n->vn.blocks = (blkcnt_t)((e->size + 511) / 512);
	return 0;
}

/* Adds entry e to the tree; NULL, or a reason. */
static const char *add(struct initrd *fs, struct inode *root, const struct cpio_entry *e)
{
	const char *p = e->name, *end = e->name + e->namelen, *comp, *next, *why = NULL;
	size_t clen, nlen;
	struct inode *dir = root, *n;
	struct idirent *de;
	int r;

	if ((why = cpio_check_entry(e)))
		return why;
	r = cpio_component(&p, end, &comp, &clen, &why);
	if (r < 0)
		return why;
	if (r == 0) { /* "." or "/": the root's own mode and times */
		if (!S_ISDIR(e->mode))
			return "the root is not a directory";
		set_meta(root, e);
		return NULL;
	}
	/* Each component but the last is a directory, made if missing. */
	while ((r = cpio_component(&p, end, &next, &nlen, &why)) == 1) {
		de = find(dir, comp, clen);
		if (!de) {
			n = node_new(fs, S_IFDIR | 0755, e);
			if (!n || link_in(dir, comp, clen, n))
				return "no memory for the initrd's entries";
		} else if (!S_ISDIR(de->node->vn.mode)) {
			return "a parent is not a directory";
		}
		dir = de ? de->node : n;
		comp = next;
		clen = nlen;
	}
	if (r < 0)
		return why;
	de = find(dir, comp, clen);
	if (de) {
		if (!S_ISDIR(de->node->vn.mode) || !S_ISDIR(e->mode))
			return "a name the archive holds twice";
		set_meta(de->node, e); /* made as a parent before */
		return NULL;
	}
	if (S_ISREG(e->mode) && e->nlink > 1 && (n = hard_find(fs, e))) {
		if (link_in(dir, comp, clen, n))
			return "no memory for the initrd's entries";
		n->vn.nlink++;
		if (e->size && set_data(n, e)) /* newc: the data come with the last name */
			return "no memory for the initrd's entries";
		return NULL;
	}
	n = node_new(fs, e->mode & (S_IFMT | 07777), e);
	if (!n || set_data(n, e) || link_in(dir, comp, clen, n))
		return "no memory for the initrd's entries";
	if (S_ISREG(e->mode) && e->nlink > 1) {
		struct hardlink *h = kmalloc(sizeof *h, MM_INITRD);

		if (!h)
			return "no memory for the initrd's entries";
		*h = (struct hardlink){ fs->hard, n, e->ino, e->devmajor, e->devminor };
		fs->hard = h;
	}
	return NULL;
}

struct vnode *initrd_new(const void *buf, size_t len, dev_t dev, const char **why, size_t *where)
{
	struct initrd *fs = kmalloc(sizeof *fs, MM_INITRD);
	struct cpio_entry e;
	struct inode *root;
	size_t off = 0, n = 0;
	int r;

	*where = 0;
	*why = "no memory for the initrd's entries";
	if (!fs)
		return NULL;
	fs->buf = buf;
	fs->len = len;
	fs->dev = dev;
	/* Count the entries first, for the size of the hash table. */
	while ((r = cpio_next(buf, len, &off, &e, why)) == 1)
		n++;
	if (r < 0) {
		*where = e.offset;
		return NULL;
	}
	for (fs->nhash = 64; fs->nhash < 2 * n; fs->nhash *= 2)
		;
	fs->hash = kmalloc(fs->nhash * sizeof *fs->hash, MM_INITRD);
	root = node_new(fs, S_IFDIR | 0755, NULL);
	if (!fs->hash || !root)
		return NULL;
	off = 0;
	while (cpio_next(buf, len, &off, &e, why) == 1) {
		if ((*why = add(fs, root, &e))) {
			*where = e.offset;
			return NULL;
		}
	}
	*why = NULL;
	return &root->vn;
}

/* ---- the vnode ops ---- */

static struct vnode *i_lookup(struct vnode *dir, const char *name, size_t len)
{
	struct idirent *e = find(IN(dir), name, len);

	return e ? &e->node->vn : NULL;
}

static unsigned dtype(mode_t mode)
{
	return S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK : DT_REG;
}

/* Positions: 0 ".", 1 "..", 2 + i the directory's i-th entry. */
static int i_readdir(struct vnode *dir, off_t *pos, vfs_filldir_fn fill, void *ctx)
{
	struct idirent *e;
	off_t at;

	if (*pos == 0) {
		if (fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 1;
		*pos = 1;
	}
	if (*pos == 1) {
		struct vnode *p = dir->parent ? dir->parent : dir;

		if (fill(ctx, "..", 2, p->ino, DT_DIR, 2))
			return 1;
		*pos = 2;
	}
	for (e = IN(dir)->first, at = 2; e; e = e->next, at++) {
		if (at < *pos)
			continue;
		if (fill(ctx, e->name, e->len, e->node->vn.ino, dtype(e->node->vn.mode), at + 1))
			return 1;
		*pos = at + 1;
	}
	return 0;
}

static int i_is_empty(struct vnode *dir)
{
	return IN(dir)->first == NULL;
}

static ssize_t i_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	if (off >= vn->size)
		return 0;
	if (len > (size_t)(vn->size - off))
		len = (size_t)(vn->size - off);
	memcpy(buf, IN(vn)->data + off, len);
	return (ssize_t)len;
}

static const void *i_data(struct vnode *vn)
{
	return IN(vn)->data;
}

static const char *i_readlink(struct vnode *vn)
{
	return (const char *)IN(vn)->data;
}

static int i_statfs(struct vnode *vn, struct statfs *sf)
{
	struct initrd *fs = IN(vn)->fs;

	sf->f_type = INITRD_MAGIC;
	sf->f_bsize = PAGE_SIZE;
	sf->f_frsize = PAGE_SIZE;
	sf->f_blocks = (fs->len + PAGE_SIZE - 1) / PAGE_SIZE;
	sf->f_bfree = sf->f_bavail = 0;
	sf->f_files = fs->nodes;
	sf->f_ffree = 0;
	sf->f_namelen = CPIO_COMPONENT_MAX;
	sf->f_flags = ST_RDONLY;
	return 0;
}

static const struct vnode_ops initrd_ops = {
	.read_only = 1,
	.lookup = i_lookup,
	.readdir = i_readdir,
	.is_empty = i_is_empty,
	.read = i_read,
	.data = i_data,
	.readlink = i_readlink,
	.statfs = i_statfs,
};
