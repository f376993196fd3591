/*
 * ramfs: files and directories in memory. Above: the vfs (sys/vfs.c),
 * which has checked names, types and the rename rules before calling.
 * Below: the page allocator. File data are whole pages tagged MM_FS,
 * found through a table of page pointers per file (a NULL entry is a
 * hole and reads as zeros); nodes, directory entries and symlink
 * targets come from kmalloc, tagged MM_FS too, so `--stats` shows all
 * of it. When the budget is spent a write stops short (-ENOSPC if it
 * wrote nothing) and what was written before stays.
 *
 * Directories are lists in creation order: each entry has a position
 * that never changes, so getdents resumes correctly across unlinks.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "../sys/kernel.h"
#include "../sys/mm.h"
#include "../sys/vfs.h"

#define RAMFS_MAGIC 0x858458f6
/* Files up to 1 TiB: the page table costs 8 bytes per 4 KiB of offset. */
#define RAMFS_MAX_SIZE (1LL << 40)

struct rdirent {
	struct rdirent *next;
	struct vnode *vn;
	off_t pos; /* its readdir position, from 2 up */
	size_t len;
	char name[];
};

struct rnode {
	struct vnode vn; /* first: a vnode pointer is an rnode pointer */
	/* directories */
	struct rdirent *first, **tail;
	off_t next_pos;
	size_t nentries;
	/* regular files */
	char **pages;
	size_t nslots;
	/* symlinks */
	char *target;
};

#define RN(v) ((struct rnode *)(v))

static const struct vnode_ops ramfs_ops;
static ino_t last_ino;

static void touch(struct vnode *vn, int mtime)
{
	struct timespec now = vfs_now();

	vn->ctime = now;
	if (mtime)
		vn->mtime = now;
}

static struct rnode *node_new(dev_t dev, mode_t mode)
{
	struct rnode *n = kmalloc(sizeof *n, MM_FS);

	if (!n)
		return NULL;
	n->vn.ops = &ramfs_ops;
	n->vn.mode = mode;
	n->vn.ino = ++last_ino;
	n->vn.dev = dev;
	n->vn.nlink = S_ISDIR(mode) ? 2 : 1;
	n->vn.atime = n->vn.mtime = n->vn.ctime = n->vn.btime = vfs_now();
	n->tail = &n->first;
	n->next_pos = 2;
	return n;
}

struct vnode *ramfs_new(dev_t dev)
{
	struct rnode *n = node_new(dev, S_IFDIR | 0755);

	return n ? &n->vn : NULL;
}

static struct rdirent **find(struct vnode *dir, const char *name, size_t len)
{
	struct rdirent **pp;

	for (pp = &RN(dir)->first; *pp; pp = &(*pp)->next)
		if ((*pp)->len == len && !memcmp((*pp)->name, name, len))
			return pp;
	return NULL;
}

static struct vnode *r_lookup(struct vnode *dir, const char *name, size_t len)
{
	struct rdirent **pp = find(dir, name, len);

	return pp ? (*pp)->vn : NULL;
}

static struct rdirent *dirent_new(const char *name, size_t len)
{
	struct rdirent *e = kmalloc(sizeof *e + len + 1, MM_FS);

	if (e) {
		memcpy(e->name, name, len);
		e->len = len;
	}
	return e;
}

/* Links e (naming vn) at the end of dir. */
static void dir_add(struct vnode *dir, struct rdirent *e, struct vnode *vn)
{
	struct rnode *d = RN(dir);

	e->vn = vn;
	e->next = NULL;
	e->pos = d->next_pos++;
	*d->tail = e;
	d->tail = &e->next;
	d->nentries++;
	/* A directory holds its parent, as Linux's dentries do: ".." from
	 * a removed directory still leads somewhere. */
	if (S_ISDIR(vn->mode)) {
		dir->nlink++;
		vfs_get(dir);
		if (vn->parent)
			vfs_put(vn->parent);
		vn->parent = dir;
	}
	touch(dir, 1);
}

/* Unlinks *pp from dir; returns the entry, still naming its node. */
static struct rdirent *dir_remove(struct vnode *dir, struct rdirent **pp)
{
	struct rnode *d = RN(dir);
	struct rdirent *e = *pp;

	*pp = e->next;
	if (d->tail == &e->next)
		d->tail = pp;
	d->nentries--;
	if (S_ISDIR(e->vn->mode))
		dir->nlink--;
	touch(dir, 1);
	return e;
}

static int r_create(struct vnode *dir, const char *name, size_t len, mode_t mode,
		    const char *target, struct vnode **out)
{
	struct rnode *n = node_new(dir->dev, mode);
	struct rdirent *e = dirent_new(name, len);

	if (!n || !e)
		goto fail;
	if (S_ISLNK(mode)) {
		n->vn.size = (off_t)strlen(target);
		n->target = kmemdup(target, (size_t)n->vn.size + 1, MM_FS);
		if (!n->target)
			goto fail;
	}
	dir_add(dir, e, &n->vn);
	*out = &n->vn;
	return 0;
fail:
	kfree(n);
	kfree(e);
	return -ENOSPC;
}

static int r_link(struct vnode *dir, const char *name, size_t len, struct vnode *vn)
{
	struct rdirent *e = dirent_new(name, len);

	if (!e)
		return -ENOSPC;
	vn->nlink++;
	touch(vn, 0);
	dir_add(dir, e, vn);
	return 0;
}

static void r_destroy(struct vnode *vn)
{
	struct vnode *parent = S_ISDIR(vn->mode) ? vn->parent : NULL;
	struct rnode *n = RN(vn);
	size_t i;

	for (i = 0; i < n->nslots; i++)
		if (n->pages[i])
			mm_free(n->pages[i], 1);
	kfree(n->pages);
	kfree(n->target);
	kfree(n);
	if (parent)
		vfs_put(parent);
}

static void drop_link(struct vnode *vn)
{
	if (S_ISDIR(vn->mode))
		vn->nlink = 0; /* only empty directories are removed */
	else
		vn->nlink--;
	touch(vn, 0);
	if (vn->nlink == 0 && vn->refs == 0)
		r_destroy(vn);
}

static int r_unlink(struct vnode *dir, const char *name, size_t len)
{
	struct rdirent **pp = find(dir, name, len);
	struct rdirent *e;
	struct vnode *vn;

	if (!pp)
		return -ENOENT;
	e = dir_remove(dir, pp);
	vn = e->vn;
	kfree(e);
	drop_link(vn);
	return 0;
}

static int r_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
		    const char *nname, size_t nlen)
{
	struct rdirent **pp, *ne = dirent_new(nname, nlen), *oe;

	if (!ne)
		return -ENOSPC; /* before anything changed */
	if (find(ndir, nname, nlen))
		r_unlink(ndir, nname, nlen);
	pp = find(odir, oname, olen);
	if (!pp) {
		kfree(ne);
		return -ENOENT;
	}
	oe = dir_remove(odir, pp);
	dir_add(ndir, ne, oe->vn);
	touch(oe->vn, 0);
	kfree(oe);
	return 0;
}

/* A directory moving between parents: the link counts and the parent
 * reference follow it. */
static void reparent(struct vnode *vn, struct vnode *from, struct vnode *to)
{
	from->nlink--;
	to->nlink++;
	vfs_get(to);
	vn->parent = to;
	vfs_put(from);
}

static int r_exchange(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
		      const char *nname, size_t nlen)
{
	struct rdirent **op = find(odir, oname, olen), **np = find(ndir, nname, nlen);
	struct vnode *a, *b;

	if (!op || !np)
		return -ENOENT;
	a = (*op)->vn;
	b = (*np)->vn;
	(*op)->vn = b;
	(*np)->vn = a;
	if (odir != ndir) {
		if (S_ISDIR(a->mode))
			reparent(a, odir, ndir);
		if (S_ISDIR(b->mode))
			reparent(b, ndir, odir);
	}
	touch(odir, 1);
	touch(ndir, 1);
	touch(a, 0);
	touch(b, 0);
	return 0;
}

static unsigned dtype(mode_t mode)
{
	return (mode & S_IFMT) >> 12; /* DT_* are the S_IFMT bits */
}

static int r_readdir(struct vnode *dir, off_t *pos, vfs_filldir_fn fill, void *ctx)
{
	struct rdirent *e;

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
	for (e = RN(dir)->first; e; e = e->next) {
		if (e->pos < *pos)
			continue;
		if (fill(ctx, e->name, e->len, e->vn->ino, dtype(e->vn->mode), e->pos + 1))
			return 1;
		*pos = e->pos + 1;
	}
	return 0;
}

static int r_is_empty(struct vnode *dir)
{
	return RN(dir)->nentries == 0;
}

static ssize_t r_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	struct rnode *n = RN(vn);
	size_t done = 0;

	if (off >= vn->size)
		return 0;
	if (len > (size_t)(vn->size - off))
		len = (size_t)(vn->size - off);
	while (done < len) {
		size_t pg = (size_t)(off + done) / PAGE_SIZE, in = (size_t)(off + done) % PAGE_SIZE;
		size_t k = PAGE_SIZE - in < len - done ? PAGE_SIZE - in : len - done;

		if (pg < n->nslots && n->pages[pg])
			memcpy((char *)buf + done, n->pages[pg] + in, k);
		else
			memset((char *)buf + done, 0, k);
		done += k;
	}
	return (ssize_t)done;
}

/* Room for page index pg in the page table. */
static int grow_slots(struct rnode *n, size_t pg)
{
	size_t want = n->nslots * 2;
	char **p;

	if (pg < n->nslots)
		return 0;
	if (want < pg + 1)
		want = pg + 1;
	if (want < 16)
		want = 16;
	p = kmalloc(want * sizeof *p, MM_FS);
	if (!p)
		return -ENOSPC;
	if (n->nslots)
		memcpy(p, n->pages, n->nslots * sizeof *p);
	kfree(n->pages);
	n->pages = p;
	n->nslots = want;
	return 0;
}

static ssize_t r_write(struct vnode *vn, const void *buf, size_t len, off_t off)
{
	struct rnode *n = RN(vn);
	size_t done = 0;

	if (off >= RAMFS_MAX_SIZE)
		return -EFBIG;
	if (!len)
		return 0;
	if (len > (size_t)(RAMFS_MAX_SIZE - off))
		len = (size_t)(RAMFS_MAX_SIZE - off);
	while (done < len) {
		size_t pg = (size_t)(off + done) / PAGE_SIZE, in = (size_t)(off + done) % PAGE_SIZE;
		size_t k = PAGE_SIZE - in < len - done ? PAGE_SIZE - in : len - done;

		if (grow_slots(n, pg))
			break;
		if (!n->pages[pg]) {
			n->pages[pg] = mm_alloc(1, MM_FS);
			if (!n->pages[pg])
				break;
			vn->blocks += PAGE_SIZE / 512;
		}
		memcpy(n->pages[pg] + in, (const char *)buf + done, k);
		done += k;
	}
	if (!done)
		return -ENOSPC;
	if (off + (off_t)done > vn->size)
		vn->size = off + (off_t)done;
	touch(vn, 1);
	return (ssize_t)done;
}

/* Shrinking frees whole pages past the end and zeroes the rest of the
 * last one, so that growing again reads zeros. */
static int r_truncate(struct vnode *vn, off_t size)
{
	struct rnode *n = RN(vn);
	size_t keep = (size_t)PAGE_UP(size) / PAGE_SIZE, i;

	if (size > RAMFS_MAX_SIZE)
		return -EFBIG;
	if (size < vn->size) {
		for (i = keep; i < n->nslots; i++) {
			if (n->pages[i]) {
				mm_free(n->pages[i], 1);
				n->pages[i] = NULL;
				vn->blocks -= PAGE_SIZE / 512;
			}
		}
		i = (size_t)size / PAGE_SIZE;
		if (size % PAGE_SIZE && i < n->nslots && n->pages[i])
			memset(n->pages[i] + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
	}
	vn->size = size;
	touch(vn, 1);
	return 0;
}

static int r_allocate(struct vnode *vn, off_t off, off_t len, int keep_size)
{
	struct rnode *n = RN(vn);
	size_t pg, last;

	if (off + len > RAMFS_MAX_SIZE)
		return -EFBIG;
	last = (size_t)((off + len - 1) / PAGE_SIZE);
	for (pg = (size_t)(off / PAGE_SIZE); pg <= last; pg++) {
		if (grow_slots(n, pg))
			return -ENOSPC;
		if (n->pages[pg])
			continue;
		n->pages[pg] = mm_alloc(1, MM_FS);
		if (!n->pages[pg])
			return -ENOSPC; /* pages taken so far hold zeros: harmless */
		vn->blocks += PAGE_SIZE / 512;
	}
	if (!keep_size && off + len > vn->size)
		vn->size = off + len;
	touch(vn, 0);
	return 0;
}

static const char *r_readlink(struct vnode *vn)
{
	return RN(vn)->target;
}

/* The file system may grow until the budget is spent: it reports the
 * budget as its size and the allocator's free pages as its room. */
static int r_statfs(struct vnode *vn, struct statfs *sf)
{
	const struct mm_stats *st = mm_stats();

	sf->f_type = RAMFS_MAGIC;
	sf->f_bsize = PAGE_SIZE;
	sf->f_frsize = PAGE_SIZE;
	sf->f_blocks = st->budget / PAGE_SIZE;
	sf->f_bfree = sf->f_bavail = mm_free_pages();
	sf->f_files = st->budget / 256; /* a node and its entry take ~256 bytes */
	sf->f_ffree = mm_free_pages() * (PAGE_SIZE / 256);
	sf->f_namelen = 255;
	return 0;
}

static const struct vnode_ops ramfs_ops = {
	.lookup = r_lookup,
	.create = r_create,
	.link = r_link,
	.unlink = r_unlink,
	.rename = r_rename,
	.exchange = r_exchange,
	.readdir = r_readdir,
	.is_empty = r_is_empty,
	.read = r_read,
	.write = r_write,
	.truncate = r_truncate,
	.allocate = r_allocate,
	.readlink = r_readlink,
	.statfs = r_statfs,
	.destroy = r_destroy,
};
