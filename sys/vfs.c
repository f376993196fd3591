/*
 * The vfs: path lookup (".", "..", symlinks, mount points), the cwd and
 * umask, open files on file-system nodes, and the path-based system
 * calls. Above: musl's file calls, and fd.c for the calls on open fds.
 * Below: each file system's struct vnode_ops (ramfs at / and at /dev,
 * the initrd at /initrd: read-only, every change is -EROFS).
 * Everything runs to completion without blocking.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>

#include "fd.h"
#include "kernel.h"
#include "mm.h"
#include "vfs.h"

#define MAX_SYMLINKS 40 /* as Linux: more in one lookup is -ELOOP */

static struct vnode *root, *cwd, *devroot;
static mode_t umask_bits = 022;

void vfs_get(struct vnode *vn)
{
	vn->refs++;
}

void vfs_put(struct vnode *vn)
{
	if (--vn->refs == 0 && vn->nlink == 0 && vn->ops->destroy)
		vn->ops->destroy(vn);
}

struct timespec vfs_now(void)
{
	uint64_t ns = keel_platform->clock_realtime();

	return (struct timespec){ (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
}

/* ---- lookup ---- */

struct walk {
	struct vnode *dir; /* holds the last component; NULL for "/" */
	const char *name;  /* the last component (may be "." or "..") */
	size_t len;
	struct vnode *vn; /* what it names, or NULL */
	int dirslash;	  /* the path ended in '/' */
	int depth;	  /* symlinks followed so far */
};

#define W_FOLLOW 1 /* follow a symlink in the last component */
#define W_EMPTY 2  /* AT_EMPTY_PATH: "" names the start itself */

static int is_dot(const char *p, size_t len)
{
	return len == 1 && p[0] == '.';
}

static int is_dotdot(const char *p, size_t len)
{
	return len == 2 && p[0] == '.' && p[1] == '.';
}

/* On a read-only file system (the initrd): changes are -EROFS. */
static int ro(const struct vnode *vn)
{
	return vn->ops->read_only;
}

static struct vnode *up(struct vnode *v)
{
	while (v->covered)
		v = v->covered;
	if (v == root || !v->parent)
		return root;
	return v->parent;
}

static struct vnode *down(struct vnode *v)
{
	while (v && v->mounted)
		v = v->mounted;
	return v;
}

static int walk(struct vnode *cur, const char *p, int flags, struct walk *w)
{
	if (*p == '/') {
		cur = root;
		while (*p == '/')
			p++;
	}
	w->dir = NULL;
	w->name = NULL;
	w->len = 0;
	w->vn = cur;
	w->dirslash = 0;
	while (*p) {
		const char *q = p, *r;
		struct vnode *next;
		size_t len;
		int last, rc;

		while (*q && *q != '/')
			q++;
		len = (size_t)(q - p);
		for (r = q; *r == '/'; r++)
			;
		last = !*r;
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		if (!S_ISDIR(cur->mode))
			return -ENOTDIR;
		w->dir = cur;
		w->name = p;
		w->len = len;
		w->dirslash = last && *q == '/';
		if (is_dot(p, len))
			next = cur;
		else if (is_dotdot(p, len))
			next = up(cur);
		else
			next = down(cur->ops->lookup(cur, p, len));
		if (!next) {
			if (!last)
				return -ENOENT;
			w->vn = NULL;
			return 0;
		}
		if (S_ISLNK(next->mode) && (!last || (flags & W_FOLLOW) || w->dirslash)) {
			struct walk sub;
			int dirslash = w->dirslash;

			if (++w->depth > MAX_SYMLINKS)
				return -ELOOP;
			sub.depth = w->depth;
			rc = walk(cur, next->ops->readlink(next), W_FOLLOW, &sub);
			if (rc)
				return rc;
			if (last) {
				*w = sub;
				w->dirslash |= dirslash;
				return 0;
			}
			w->depth = sub.depth;
			if (!sub.vn)
				return -ENOENT;
			next = sub.vn;
		}
		cur = next;
		w->vn = cur;
		p = r;
	}
	return 0;
}

/* Where a relative path starts for dirfd; 0 or -errno. */
static int start_of(int dirfd, const char *path, int flags, struct vnode **start)
{
	struct file *f;

	if (path[0] == '/') {
		*start = root;
		return 0;
	}
	if (dirfd == AT_FDCWD) {
		*start = cwd;
		return 0;
	}
	f = fd_get(dirfd);
	if (!f)
		return -EBADF;
	if (!f->vn || (!S_ISDIR(f->vn->mode) && !(path[0] == 0 && (flags & W_EMPTY))))
		return -ENOTDIR;
	*start = f->vn;
	return 0;
}

static int resolve(int dirfd, const char *path, int flags, struct walk *w)
{
	struct vnode *start;
	size_t n;
	int r;

	if (!path)
		return -EFAULT;
	n = strnlen(path, PATH_MAX);
	if (n == PATH_MAX)
		return -ENAMETOOLONG;
	if (n == 0 && !(flags & W_EMPTY))
		return -ENOENT;
	if ((r = start_of(dirfd, path, flags, &start)))
		return r;
	w->depth = 0;
	return walk(start, path, flags, w);
}

/* resolve() for a call that needs the node to exist. */
static int resolve_node(int dirfd, const char *path, int flags, struct vnode **vn)
{
	struct walk w;
	int r = resolve(dirfd, path, flags, &w);

	if (r)
		return r;
	if (!w.vn)
		return -ENOENT;
	if (w.dirslash && !S_ISDIR(w.vn->mode))
		return -ENOTDIR;
	*vn = w.vn;
	return 0;
}

struct vnode *vfs_lookup(const char *path)
{
	struct vnode *vn;

	return resolve_node(AT_FDCWD, path, W_FOLLOW, &vn) ? NULL : vn;
}

int vfs_mount(const char *path, struct vnode *fsroot)
{
	struct vnode *on = vfs_lookup(path);

	if (!on)
		return -ENOENT;
	if (!S_ISDIR(on->mode) || !S_ISDIR(fsroot->mode))
		return -ENOTDIR;
	if (on->mounted)
		return -EBUSY;
	vfs_get(on);
	vfs_get(fsroot);
	on->mounted = fsroot;
	fsroot->covered = on;
	fsroot->parent = on->parent;
	return 0;
}

static int is_mount(struct vnode *vn)
{
	return vn == root || vn->mounted || vn->covered;
}

/* ---- open files on nodes ---- */

int vfs_stat(struct vnode *vn, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_dev = vn->dev;
	st->st_ino = vn->ino;
	st->st_mode = vn->mode;
	st->st_nlink = vn->nlink;
	st->st_uid = vn->uid;
	st->st_gid = vn->gid;
	st->st_rdev = vn->rdev;
	st->st_size = vn->size;
	st->st_blksize = PAGE_SIZE;
	st->st_blocks = vn->blocks;
	st->st_atim = vn->atime;
	st->st_mtim = vn->mtime;
	st->st_ctim = vn->ctime;
	return 0;
}

int vfs_allocate(struct vnode *vn, off_t off, off_t len, int keep_size)
{
	if (!vn->ops->allocate)
		return -EOPNOTSUPP;
	return vn->ops->allocate(vn, off, len, keep_size);
}

static ssize_t reg_read(struct file *f, void *buf, size_t len)
{
	ssize_t r = f->vn->ops->read(f->vn, buf, len, f->pos);

	if (r > 0)
		f->pos += r;
	return r;
}

/* As on Linux, O_APPEND writes at the end even through pwrite. */
static ssize_t reg_write(struct file *f, const void *buf, size_t len)
{
	ssize_t r;

	if (f->flags & O_APPEND)
		f->pos = f->vn->size;
	r = f->vn->ops->write(f->vn, buf, len, f->pos);
	if (r > 0)
		f->pos += r;
	return r;
}

static ssize_t reg_pread(struct file *f, void *buf, size_t len, off_t off)
{
	return f->vn->ops->read(f->vn, buf, len, off);
}

static ssize_t reg_pwrite(struct file *f, const void *buf, size_t len, off_t off)
{
	if (f->flags & O_APPEND)
		off = f->vn->size;
	return f->vn->ops->write(f->vn, buf, len, off);
}

static off_t reg_lseek(struct file *f, off_t off, int whence)
{
	off_t base, size = f->vn->size;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos;
		break;
	case SEEK_END:
		base = size;
		break;
	case SEEK_DATA: /* ramfs keeps no map of holes: all data */
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		return f->pos = whence == SEEK_DATA ? off : size;
	default:
		return -EINVAL;
	}
	if (off > 0 && base > LLONG_MAX - off)
		return -EOVERFLOW;
	if (base + off < 0)
		return -EINVAL;
	return f->pos = base + off;
}

static int reg_truncate(struct file *f, off_t len)
{
	return f->vn->ops->truncate(f->vn, len);
}

/* Data lives in memory only: there is nothing to write back. */
static int node_sync(struct file *f)
{
	return 0;
}

static long reg_ioctl(struct file *f, unsigned long req, void *arg)
{
	if (req != FIONREAD)
		return -ENOTTY;
	*(int *)arg =
		f->pos < f->vn->size
			? (int)(f->vn->size - f->pos < INT_MAX ? f->vn->size - f->pos : INT_MAX)
			: 0;
	return 0;
}

static const struct file_ops reg_ops = {
	.ioctl = reg_ioctl,
	.read = reg_read,
	.write = reg_write,
	.pread = reg_pread,
	.pwrite = reg_pwrite,
	.lseek = reg_lseek,
	.truncate = reg_truncate,
	.sync = node_sync,
};

struct dents {
	char *buf;
	size_t len, used;
};

static int fill_dirent64(void *ctx, const char *name, size_t len, ino_t ino, unsigned type,
			 off_t next)
{
	struct dents *d = ctx;
	size_t reclen = (offsetof(struct dirent, d_name) + len + 1 + 7) & ~(size_t)7;
	struct dirent *de;

	if (d->used + reclen > d->len)
		return 1;
	de = (struct dirent *)(d->buf + d->used);
	de->d_ino = ino;
	de->d_off = next;
	de->d_reclen = (unsigned short)reclen;
	de->d_type = (unsigned char)type;
	memcpy(de->d_name, name, len);
	memset(de->d_name + len, 0, reclen - offsetof(struct dirent, d_name) - len);
	d->used += reclen;
	return 0;
}

static ssize_t dir_getdents(struct file *f, void *buf, size_t len)
{
	struct dents d = { buf, len, 0 };
	int r;

	if (f->vn->nlink == 0)
		return -ENOENT;
	r = f->vn->ops->readdir(f->vn, &f->pos, fill_dirent64, &d);
	if (r < 0)
		return r;
	if (d.used == 0 && r > 0)
		return -EINVAL; /* the next entry does not fit at all */
	return (ssize_t)d.used;
}

static off_t dir_lseek(struct file *f, off_t off, int whence)
{
	if (whence == SEEK_CUR && off == 0)
		return f->pos;
	if (whence != SEEK_SET || off < 0)
		return -EINVAL;
	return f->pos = off;
}

static const struct file_ops dir_ops = {
	.getdents = dir_getdents,
	.lseek = dir_lseek,
	.sync = node_sync,
};

static const struct file_ops path_ops = { 0 };

#define KEPT_FLAGS                                                                                 \
	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_SYNC | O_DSYNC | O_DIRECT | O_NOATIME |             \
	 O_LARGEFILE | O_PATH)

/* An open file on vn, at the lowest free fd. */
static long open_node(struct vnode *vn, const struct file_ops *ops, int flags)
{
	struct file *f = file_alloc(ops, flags & KEPT_FLAGS);
	int fd;

	if (!f)
		return -ENOMEM;
	f->vn = vn;
	vfs_get(vn);
	if (ops == vn->fops)
		f->priv = vn->priv;
	fd = fd_install(f, flags & O_CLOEXEC);
	if (fd < 0) {
		vfs_put(vn);
		kfree(f);
	}
	return fd;
}

/* O_TMPFILE: a regular file with no name in directory path, made by
 * creating and unlinking a name while a reference holds the node. */
static long open_tmpfile(int dirfd, const char *path, int flags, mode_t mode)
{
	static unsigned seq;
	struct vnode *dir, *vn;
	char name[32];
	long fd;
	int r, len;

	if ((flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	if ((r = resolve_node(dirfd, path, W_FOLLOW, &dir)))
		return r;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->nlink == 0)
		return -ENOENT;
	if (ro(dir))
		return -EROFS;
	do
		len = ksnprintf(name, sizeof name, ".keel-tmpfile.%u", ++seq);
	while (dir->ops->lookup(dir, name, (size_t)len));
	r = dir->ops->create(dir, name, (size_t)len, S_IFREG | (mode & 07777 & ~umask_bits), NULL,
			     &vn);
	if (r)
		return r;
	vfs_get(vn);
	dir->ops->unlink(dir, name, (size_t)len);
	vn->linkable = !(flags & O_EXCL);
	fd = open_node(vn, &reg_ops, flags);
	vfs_put(vn); /* the open file holds it now, or nothing does */
	return fd;
}

static long open_at(int dirfd, const char *path, int flags, mode_t mode)
{
	const struct file_ops *ops;
	struct vnode *vn;
	struct walk w;
	int r, acc = flags & O_ACCMODE, created = 0;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return open_tmpfile(dirfd, path, flags, mode);
	if (acc == 3)
		return -EINVAL;
	r = resolve(dirfd, path,
		    (flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)
			    ? 0
			    : W_FOLLOW,
		    &w);
	if (r)
		return r;
	vn = w.vn;
	if (!vn) {
		if (!(flags & O_CREAT))
			return -ENOENT;
		if (w.dirslash)
			return -EISDIR;
		if (w.dir->nlink == 0)
			return -ENOENT;
		if (ro(w.dir))
			return -EROFS;
		r = w.dir->ops->create(w.dir, w.name, w.len, S_IFREG | (mode & 07777 & ~umask_bits),
				       NULL, &vn);
		if (r)
			return r;
		created = 1;
	} else {
		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			return -EEXIST;
		if (S_ISLNK(vn->mode) && !(flags & O_PATH))
			return -ELOOP;
		if (!S_ISDIR(vn->mode) && (w.dirslash || (flags & O_DIRECTORY)))
			return -ENOTDIR;
		if (S_ISDIR(vn->mode) && !(flags & O_PATH) &&
		    (acc != O_RDONLY || (flags & O_CREAT)))
			return -EISDIR;
		if (ro(vn) && !(flags & O_PATH) && (acc != O_RDONLY || (flags & O_TRUNC)))
			return -EROFS;
	}
	/* /dev/stdin and friends: the fd itself, as fdescfs does */
	if (vn->fops == &devfs_fd_alias_ops && !(flags & O_PATH))
		return fd_dup((int)(intptr_t)vn->priv, flags & O_CLOEXEC);
	if (flags & O_PATH)
		ops = &path_ops;
	else if (S_ISDIR(vn->mode))
		ops = &dir_ops;
	else if (S_ISREG(vn->mode))
		ops = &reg_ops;
	else if (vn->fops)
		ops = vn->fops;
	else
		return -ENXIO;
	if ((flags & O_TRUNC) && S_ISREG(vn->mode) && acc != O_RDONLY && !created && vn->size &&
	    !(flags & O_PATH) && (r = vn->ops->truncate(vn, 0)))
		return r;
	return open_node(vn, ops, flags);
}

SYSCALL_DEFINE3(open, const char *, path, int, flags, mode_t, mode)
{
	return open_at(AT_FDCWD, path, flags, mode);
}

SYSCALL_DEFINE4(openat, int, dirfd, const char *, path, int, flags, mode_t, mode)
{
	return open_at(dirfd, path, flags, mode);
}

SYSCALL_DEFINE2(creat, const char *, path, mode_t, mode)
{
	return open_at(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* ---- stat family ---- */

/* Also says which node it was, when node is not NULL (NULL: a file
 * without one, like the console). */
static int stat_at(int dirfd, const char *path, struct stat *st, int atflags, struct vnode **node)
{
	struct vnode *vn;
	struct file *f;
	int r, flags = 0;

	if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	if (!(atflags & AT_SYMLINK_NOFOLLOW))
		flags |= W_FOLLOW;
	if (atflags & AT_EMPTY_PATH) {
		flags |= W_EMPTY;
		if (path && !*path && dirfd != AT_FDCWD) {
			f = fd_get(dirfd);
			if (!f)
				return -EBADF;
			if (!f->vn)
				return f->ops->fstat ? f->ops->fstat(f, st) : -EINVAL;
		}
	}
	if ((r = resolve_node(dirfd, path, flags, &vn)))
		return r;
	if (node)
		*node = vn;
	return vfs_stat(vn, st);
}

SYSCALL_DEFINE2(stat, const char *, path, struct stat *, st)
{
	return stat_at(AT_FDCWD, path, st, 0, NULL);
}

SYSCALL_DEFINE2(lstat, const char *, path, struct stat *, st)
{
	return stat_at(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW, NULL);
}

SYSCALL_DEFINE4(newfstatat, int, dirfd, const char *, path, struct stat *, st, int, flags)
{
	return stat_at(dirfd, path, st, flags, NULL);
}

/* The kernel's struct statx (musl 1.2.3 has none). */
struct statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t pad;
};

struct kstatx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad1;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};

#define STATX_BASIC_STATS 0x7ffU
#define STATX_BTIME 0x800U

static struct statx_ts to_stx(struct timespec ts)
{
	return (struct statx_ts){ ts.tv_sec, (uint32_t)ts.tv_nsec, 0 };
}

SYSCALL_DEFINE5(statx, int, dirfd, const char *, path, int, flags, unsigned, mask, struct kstatx *,
		sx)
{
	struct vnode *vn = NULL;
	struct stat st;
	int r = stat_at(dirfd, path, &st, flags & ~(0x6000 /* AT_STATX_SYNC_TYPE */), &vn);

	if (r)
		return r;
	memset(sx, 0, sizeof *sx);
	sx->stx_mask = STATX_BASIC_STATS;
	if (vn) {
		sx->stx_mask |= STATX_BTIME;
		sx->stx_btime = to_stx(vn->btime);
	}
	sx->stx_blksize = (uint32_t)st.st_blksize;
	sx->stx_nlink = (uint32_t)st.st_nlink;
	sx->stx_uid = st.st_uid;
	sx->stx_gid = st.st_gid;
	sx->stx_mode = (uint16_t)st.st_mode;
	sx->stx_ino = st.st_ino;
	sx->stx_size = (uint64_t)st.st_size;
	sx->stx_blocks = (uint64_t)st.st_blocks;
	sx->stx_atime = to_stx(st.st_atim);
	sx->stx_mtime = to_stx(st.st_mtim);
	sx->stx_ctime = to_stx(st.st_ctim);
	sx->stx_rdev_major = major(st.st_rdev);
	sx->stx_rdev_minor = minor(st.st_rdev);
	sx->stx_dev_major = major(st.st_dev);
	sx->stx_dev_minor = minor(st.st_dev);
	return 0;
}

/* Root may read and write anything; it may execute what has an x bit. */
static long access_at(int dirfd, const char *path, int mode, int atflags)
{
	struct vnode *vn;
	int r;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (atflags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = resolve_node(dirfd, path,
			 (atflags & AT_SYMLINK_NOFOLLOW ? 0 : W_FOLLOW) |
				 (atflags & AT_EMPTY_PATH ? W_EMPTY : 0),
			 &vn);
	if (r)
		return r;
	if ((mode & X_OK) && !S_ISDIR(vn->mode) && !(vn->mode & 0111))
		return -EACCES;
	if ((mode & W_OK) && ro(vn))
		return -EROFS;
	return 0;
}

SYSCALL_DEFINE2(access, const char *, path, int, mode)
{
	return access_at(AT_FDCWD, path, mode, 0);
}

SYSCALL_DEFINE3(faccessat, int, dirfd, const char *, path, int, mode)
{
	return access_at(dirfd, path, mode, 0);
}

SYSCALL_DEFINE4(faccessat2, int, dirfd, const char *, path, int, mode, int, flags)
{
	return access_at(dirfd, path, mode, flags);
}

/* ---- directories and names ---- */

static long mkdir_at(int dirfd, const char *path, mode_t mode)
{
	struct vnode *vn;
	struct walk w;
	int r = resolve(dirfd, path, 0, &w);

	if (r)
		return r;
	if (w.vn || !w.dir)
		return -EEXIST;
	if (w.dir->nlink == 0)
		return -ENOENT;
	if (ro(w.dir))
		return -EROFS;
	return w.dir->ops->create(w.dir, w.name, w.len, S_IFDIR | (mode & 07777 & ~umask_bits),
				  NULL, &vn);
}

SYSCALL_DEFINE2(mkdir, const char *, path, mode_t, mode)
{
	return mkdir_at(AT_FDCWD, path, mode);
}

SYSCALL_DEFINE3(mkdirat, int, dirfd, const char *, path, mode_t, mode)
{
	return mkdir_at(dirfd, path, mode);
}

/* Regular files only: device numbers name nothing here, and FIFOs
 * come with pipes. */
static long mknod_at(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	struct vnode *vn;
	struct walk w;
	int r;

	switch (mode & S_IFMT) {
	case 0:
	case S_IFREG:
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return -EPERM;
	default:
		return -EINVAL;
	}
	if ((r = resolve(dirfd, path, 0, &w)))
		return r;
	if (w.vn || !w.dir)
		return -EEXIST;
	if (w.dir->nlink == 0 || w.dirslash)
		return -ENOENT;
	if (ro(w.dir))
		return -EROFS;
	return w.dir->ops->create(w.dir, w.name, w.len, S_IFREG | (mode & 07777 & ~umask_bits),
				  NULL, &vn);
}

SYSCALL_DEFINE3(mknod, const char *, path, mode_t, mode, dev_t, dev)
{
	return mknod_at(AT_FDCWD, path, mode, dev);
}

SYSCALL_DEFINE4(mknodat, int, dirfd, const char *, path, mode_t, mode, dev_t, dev)
{
	return mknod_at(dirfd, path, mode, dev);
}

static long remove_at(int dirfd, const char *path, int want_dir)
{
	struct walk w;
	int r = resolve(dirfd, path, 0, &w);

	if (r)
		return r;
	if (w.dir && ro(w.dir))
		return -EROFS; /* as Linux: before looking at the name */
	if (!w.vn)
		return -ENOENT;
	if (!want_dir) {
		if (S_ISDIR(w.vn->mode))
			return -EISDIR;
		if (w.dirslash)
			return -ENOTDIR;
	} else {
		if (!S_ISDIR(w.vn->mode))
			return -ENOTDIR;
		if (w.dir && is_dot(w.name, w.len))
			return -EINVAL;
		if (w.dir && is_dotdot(w.name, w.len))
			return -ENOTEMPTY;
		if (!w.dir || is_mount(w.vn))
			return -EBUSY;
		if (!w.vn->ops->is_empty(w.vn))
			return -ENOTEMPTY;
	}
	return w.dir->ops->unlink(w.dir, w.name, w.len);
}

SYSCALL_DEFINE1(unlink, const char *, path)
{
	return remove_at(AT_FDCWD, path, 0);
}

SYSCALL_DEFINE1(rmdir, const char *, path)
{
	return remove_at(AT_FDCWD, path, 1);
}

SYSCALL_DEFINE3(unlinkat, int, dirfd, const char *, path, int, flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return remove_at(dirfd, path, flags & AT_REMOVEDIR);
}

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2

/* Whether directory v is dir or below it. */
static int in_subtree(struct vnode *v, struct vnode *dir)
{
	for (; v != root; v = up(v))
		if (v == dir)
			return 1;
	return v == dir;
}

static long rename_at(int odirfd, const char *opath, int ndirfd, const char *npath, unsigned flags)
{
	struct walk o, n;
	int r;

	if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    (flags & (RENAME_NOREPLACE | RENAME_EXCHANGE)) == (RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL; /* RENAME_WHITEOUT: no overlays here */
	if ((r = resolve(odirfd, opath, 0, &o)))
		return r;
	if (!o.vn)
		return -ENOENT;
	if ((r = resolve(ndirfd, npath, 0, &n)))
		return r;
	if (!o.dir || !n.dir || is_dot(o.name, o.len) || is_dotdot(o.name, o.len) ||
	    is_dot(n.name, n.len) || is_dotdot(n.name, n.len))
		return -EBUSY;
	if ((o.dirslash || n.dirslash) && !S_ISDIR(o.vn->mode))
		return -ENOTDIR;
	if (is_mount(o.vn) || (n.vn && is_mount(n.vn)))
		return -EBUSY;
	if (o.dir->dev != n.dir->dev) /* one st_dev per file system */
		return -EXDEV;
	if (ro(o.dir))
		return -EROFS;
	if (n.vn == o.vn)
		return 0; /* POSIX: two names of one file, nothing to do */
	if (flags & RENAME_EXCHANGE) {
		if (!n.vn)
			return -ENOENT;
		if ((S_ISDIR(o.vn->mode) && in_subtree(n.dir, o.vn)) ||
		    (S_ISDIR(n.vn->mode) && in_subtree(o.dir, n.vn)))
			return -EINVAL;
		return o.dir->ops->exchange(o.dir, o.name, o.len, n.dir, n.name, n.len);
	}
	if (n.vn) {
		if (flags & RENAME_NOREPLACE)
			return -EEXIST;
		if (S_ISDIR(o.vn->mode) && !S_ISDIR(n.vn->mode))
			return -ENOTDIR;
		if (!S_ISDIR(o.vn->mode) && S_ISDIR(n.vn->mode))
			return -EISDIR;
		if (S_ISDIR(n.vn->mode) && !n.vn->ops->is_empty(n.vn))
			return -ENOTEMPTY;
	}
	if (S_ISDIR(o.vn->mode) && in_subtree(n.dir, o.vn))
		return -EINVAL; /* into its own subtree */
	if (n.dir->nlink == 0)
		return -ENOENT;
	return o.dir->ops->rename(o.dir, o.name, o.len, n.dir, n.name, n.len);
}

SYSCALL_DEFINE2(rename, const char *, opath, const char *, npath)
{
	return rename_at(AT_FDCWD, opath, AT_FDCWD, npath, 0);
}

SYSCALL_DEFINE4(renameat, int, odirfd, const char *, opath, int, ndirfd, const char *, npath)
{
	return rename_at(odirfd, opath, ndirfd, npath, 0);
}

SYSCALL_DEFINE5(renameat2, int, odirfd, const char *, opath, int, ndirfd, const char *, npath,
		unsigned, flags)
{
	return rename_at(odirfd, opath, ndirfd, npath, flags);
}

static long link_at(int odirfd, const char *opath, int ndirfd, const char *npath, int flags)
{
	struct vnode *vn;
	struct walk n;
	int r;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = resolve_node(odirfd, opath,
			 (flags & AT_SYMLINK_FOLLOW ? W_FOLLOW : 0) |
				 (flags & AT_EMPTY_PATH ? W_EMPTY : 0),
			 &vn);
	if (r)
		return r;
	if (S_ISDIR(vn->mode))
		return -EPERM;
	if ((r = resolve(ndirfd, npath, 0, &n)))
		return r;
	if (n.vn || !n.dir)
		return -EEXIST;
	if (n.dirslash)
		return -ENOENT;
	if (ro(n.dir))
		return -EROFS;
	if (n.dir->dev != vn->dev)
		return -EXDEV;
	if (n.dir->nlink == 0 || (vn->nlink == 0 && !vn->linkable))
		return -ENOENT;
	return n.dir->ops->link(n.dir, n.name, n.len, vn);
}

SYSCALL_DEFINE2(link, const char *, opath, const char *, npath)
{
	return link_at(AT_FDCWD, opath, AT_FDCWD, npath, 0);
}

SYSCALL_DEFINE5(linkat, int, odirfd, const char *, opath, int, ndirfd, const char *, npath, int,
		flags)
{
	return link_at(odirfd, opath, ndirfd, npath, flags);
}

static long symlink_at(const char *target, int dirfd, const char *path)
{
	struct vnode *vn;
	struct walk w;
	int r;

	if (!target)
		return -EFAULT;
	if (!*target)
		return -ENOENT;
	if (strnlen(target, PATH_MAX) == PATH_MAX)
		return -ENAMETOOLONG;
	if ((r = resolve(dirfd, path, 0, &w)))
		return r;
	if (w.vn || !w.dir)
		return -EEXIST;
	if (w.dirslash)
		return -ENOENT;
	if (w.dir->nlink == 0)
		return -ENOENT;
	if (ro(w.dir))
		return -EROFS;
	return w.dir->ops->create(w.dir, w.name, w.len, S_IFLNK | 0777, target, &vn);
}

SYSCALL_DEFINE2(symlink, const char *, target, const char *, path)
{
	return symlink_at(target, AT_FDCWD, path);
}

SYSCALL_DEFINE3(symlinkat, const char *, target, int, dirfd, const char *, path)
{
	return symlink_at(target, dirfd, path);
}

static long readlink_at(int dirfd, const char *path, char *buf, int size)
{
	const char *t;
	struct vnode *vn;
	size_t n;
	int r;

	if (size <= 0)
		return -EINVAL;
	if ((r = resolve_node(dirfd, path, W_EMPTY, &vn)))
		return r;
	if (!S_ISLNK(vn->mode))
		return -EINVAL;
	t = vn->ops->readlink(vn);
	n = strlen(t);
	if (n > (size_t)size)
		n = (size_t)size;
	memcpy(buf, t, n);
	return (long)n;
}

SYSCALL_DEFINE3(readlink, const char *, path, char *, buf, int, size)
{
	return readlink_at(AT_FDCWD, path, buf, size);
}

SYSCALL_DEFINE4(readlinkat, int, dirfd, const char *, path, char *, buf, int, size)
{
	return readlink_at(dirfd, path, buf, size);
}

/* ---- cwd and umask ---- */

struct find_name {
	ino_t ino;
	char *out;
	size_t len;
};

static int match_ino(void *ctx, const char *name, size_t len, ino_t ino, unsigned type, off_t next)
{
	struct find_name *fn = ctx;

	if (ino != fn->ino || is_dot(name, len) || is_dotdot(name, len))
		return 0;
	memcpy(fn->out, name, len);
	fn->len = len;
	return 1;
}

SYSCALL_DEFINE2(getcwd, char *, buf, size_t, size)
{
	char path[PATH_MAX], name[NAME_MAX + 1];
	size_t at = sizeof path - 1, n;
	struct vnode *v = cwd;

	if (cwd->nlink == 0)
		return -ENOENT;
	path[at] = 0;
	for (;;) {
		struct find_name fn = { 0, name, 0 };
		struct vnode *p;
		off_t pos = 2;

		while (v->covered)
			v = v->covered;
		if (v == root)
			break;
		p = up(v);
		fn.ino = v->ino;
		p->ops->readdir(p, &pos, match_ino, &fn);
		if (!fn.len || fn.len + 1 > at)
			return fn.len ? -ENAMETOOLONG : -ENOENT;
		at -= fn.len;
		memcpy(path + at, name, fn.len);
		path[--at] = '/';
		v = p;
	}
	if (!path[at])
		path[--at] = '/';
	n = sizeof path - at;
	if (size < n)
		return -ERANGE;
	memcpy(buf, path + at, n);
	return (long)n;
}

static long set_cwd(struct vnode *vn)
{
	if (!S_ISDIR(vn->mode))
		return -ENOTDIR;
	vfs_get(vn);
	vfs_put(cwd);
	cwd = vn;
	return 0;
}

SYSCALL_DEFINE1(chdir, const char *, path)
{
	struct vnode *vn;
	int r = resolve_node(AT_FDCWD, path, W_FOLLOW, &vn);

	return r ? r : set_cwd(vn);
}

SYSCALL_DEFINE1(fchdir, int, fd)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	return f->vn ? set_cwd(f->vn) : -ENOTDIR;
}

SYSCALL_DEFINE1(umask, mode_t, mask)
{
	mode_t old = umask_bits;

	umask_bits = mask & 0777;
	return old;
}

/* ---- sizes, times, modes, owners ---- */

SYSCALL_DEFINE2(truncate, const char *, path, off_t, len)
{
	struct vnode *vn;
	int r = resolve_node(AT_FDCWD, path, W_FOLLOW, &vn);

	if (r)
		return r;
	if (S_ISDIR(vn->mode))
		return -EISDIR;
	if (!S_ISREG(vn->mode) || len < 0)
		return -EINVAL;
	if (ro(vn))
		return -EROFS;
	return vn->ops->truncate(vn, len);
}

static long statfs_of(struct vnode *vn, struct statfs *sf)
{
	memset(sf, 0, sizeof *sf);
	return vn->ops->statfs(vn, sf);
}

SYSCALL_DEFINE2(statfs, const char *, path, struct statfs *, sf)
{
	struct vnode *vn;
	int r = resolve_node(AT_FDCWD, path, W_FOLLOW, &vn);

	return r ? r : statfs_of(vn, sf);
}

/* The console and other files without a node report /dev's. */
SYSCALL_DEFINE2(fstatfs, int, fd, struct statfs *, sf)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	return statfs_of(f->vn ? f->vn : devroot, sf);
}

/* A node named by (dirfd, path), or by dirfd alone when path is NULL
 * (futimens) or "" with AT_EMPTY_PATH. */
static int node_at(int dirfd, const char *path, int atflags, struct vnode **vn)
{
	struct file *f;

	if (!path || (!*path && (atflags & AT_EMPTY_PATH))) {
		if (dirfd == AT_FDCWD) {
			*vn = cwd;
			return 0;
		}
		f = fd_get(dirfd);
		if (!f)
			return -EBADF;
		if (!f->vn)
			return -EPERM; /* the console: nothing to change */
		*vn = f->vn;
		return 0;
	}
	return resolve_node(dirfd, path, atflags & AT_SYMLINK_NOFOLLOW ? 0 : W_FOLLOW, vn);
}

static int set_time(struct timespec *t, const struct timespec *want, struct timespec now)
{
	if (!want || want->tv_nsec == UTIME_NOW) {
		*t = now;
		return 0;
	}
	if (want->tv_nsec == UTIME_OMIT)
		return 0;
	if (want->tv_nsec < 0 || want->tv_nsec >= 1000000000)
		return -EINVAL;
	*t = *want;
	return 0;
}

static long utimens_at(int dirfd, const char *path, const struct timespec *ts, int flags)
{
	struct timespec now = vfs_now(), a, m;
	struct vnode *vn;
	int r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((r = node_at(dirfd, path, flags, &vn)))
		return r;
	if (ro(vn))
		return -EROFS;
	a = vn->atime;
	m = vn->mtime;
	if ((r = set_time(&a, ts, now)) || (r = set_time(&m, ts ? ts + 1 : NULL, now)))
		return r;
	vn->atime = a;
	vn->mtime = m;
	vn->ctime = now;
	return 0;
}

SYSCALL_DEFINE4(utimensat, int, dirfd, const char *, path, const struct timespec *, ts, int, flags)
{
	return utimens_at(dirfd, path, ts, flags);
}

SYSCALL_DEFINE2(utimes, const char *, path, const struct timeval *, tv)
{
	struct timespec ts[2];
	int i;

	if (!tv)
		return utimens_at(AT_FDCWD, path, NULL, 0);
	for (i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return utimens_at(AT_FDCWD, path, ts, 0);
}

static long chmod_node(struct vnode *vn, mode_t mode)
{
	if (ro(vn))
		return -EROFS;
	vn->mode = (vn->mode & S_IFMT) | (mode & 07777);
	vn->ctime = vfs_now();
	return 0;
}

SYSCALL_DEFINE2(chmod, const char *, path, mode_t, mode)
{
	struct vnode *vn;
	int r = resolve_node(AT_FDCWD, path, W_FOLLOW, &vn);

	return r ? r : chmod_node(vn, mode);
}

SYSCALL_DEFINE2(fchmod, int, fd, mode_t, mode)
{
	struct file *f = fd_get(fd);

	if (!f || (f->flags & O_PATH))
		return -EBADF;
	return f->vn ? chmod_node(f->vn, mode) : -EPERM;
}

SYSCALL_DEFINE4(fchmodat, int, dirfd, const char *, path, mode_t, mode, int, flags)
{
	struct vnode *vn;
	int r;

	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	if (flags)
		return -EOPNOTSUPP; /* as Linux: symlinks have no mode */
	r = resolve_node(dirfd, path, W_FOLLOW, &vn);
	return r ? r : chmod_node(vn, mode);
}

static long chown_node(struct vnode *vn, uid_t uid, gid_t gid)
{
	if (ro(vn))
		return -EROFS;
	if (uid != (uid_t)-1)
		vn->uid = uid;
	if (gid != (gid_t)-1)
		vn->gid = gid;
	vn->ctime = vfs_now();
	return 0;
}

static long chown_at(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	struct vnode *vn;
	int r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (path && !*path && !(flags & AT_EMPTY_PATH))
		return -ENOENT;
	r = node_at(dirfd, path, flags, &vn);
	return r ? r : chown_node(vn, uid, gid);
}

SYSCALL_DEFINE3(chown, const char *, path, uid_t, uid, gid_t, gid)
{
	return chown_at(AT_FDCWD, path, uid, gid, 0);
}

SYSCALL_DEFINE3(lchown, const char *, path, uid_t, uid, gid_t, gid)
{
	return chown_at(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE3(fchown, int, fd, uid_t, uid, gid_t, gid)
{
	return chown_at(fd, "", uid, gid, AT_EMPTY_PATH);
}

SYSCALL_DEFINE5(fchownat, int, dirfd, const char *, path, uid_t, uid, gid_t, gid, int, flags)
{
	return chown_at(dirfd, path, uid, gid, flags);
}

/* Files live in memory: there is nothing to write back. */
SYSCALL_DEFINE0(sync)
{
	return 0;
}

SYSCALL_DEFINE1(syncfs, int, fd)
{
	return fd_get(fd) ? 0 : -EBADF;
}

/* ---- start-up ---- */

/* The initrd, when the base brought one: at /initrd, read-only. */
static void mount_initrd(void)
{
	struct vnode *dir, *fs;
	const char *why;
	size_t where;

	if (!keel_initrd_len)
		return;
	fs = initrd_new(keel_initrd, keel_initrd_len, makedev(0, 3), &why, &where);
	if (!fs)
		keel_panic("initrd: the archive is malformed at byte %zu: %s", where, why);
	if (root->ops->create(root, "initrd", 6, S_IFDIR | 0755, NULL, &dir) ||
	    vfs_mount("/initrd", fs))
		keel_panic("no memory for /initrd");
}

void vfs_init(void)
{
	struct vnode *dev, *tmp;

	root = ramfs_new(makedev(0, 1));
	devroot = ramfs_new(makedev(0, 2));
	if (!root || !devroot)
		keel_panic("no memory for the root file system");
	vfs_get(root); /* held by the mount table */
	cwd = root;
	vfs_get(cwd);
	if (root->ops->create(root, "dev", 3, S_IFDIR | 0755, NULL, &dev) ||
	    root->ops->create(root, "tmp", 3, S_IFDIR | 01777, NULL, &tmp) ||
	    devfs_populate(devroot) || vfs_mount("/dev", devroot))
		keel_panic("no memory for /dev and /tmp");
	mount_initrd();
}
