/*
 * The vfs: path lookup, the mount table, cwd and umask, and the
 * path-based system calls. Above: the FILE-class calls and open files
 * (struct file, fd.h). Below: file systems, each a struct vnode_ops
 * (fs/ramfs.c; /dev is a ramfs holding device nodes, fs/devfs.c; the
 * initrd at /initrd, read-only, fs/initrd.c).
 *
 * Nothing in keel runs between a lookup and the use of its result (a
 * file system never blocks), so lookups hand out borrowed nodes; only
 * open files and the cwd hold references (vfs_get/vfs_put).
 */
#ifndef KEEL_SYS_VFS_H
#define KEEL_SYS_VFS_H

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>

struct file_ops;
struct vnode;

/* Called by readdir for each entry; nonzero stops the walk (buffer full)
 * and the entry is not consumed. */
typedef int (*vfs_filldir_fn)(void *ctx, const char *name, size_t len, ino_t ino, unsigned type,
			      off_t next);

/*
 * A file system's operations. name/len are one path component: 1 to
 * NAME_MAX bytes, no '/', not NUL-terminated, never "." or "..". The
 * vfs checks existence, types, emptiness and the rename rules first;
 * these calls do the change or fail with -ENOSPC.
 */
struct vnode_ops {
	/* A read-only file system: the vfs answers -EROFS to every change
	 * and never calls create, link, unlink, rename, exchange, write,
	 * truncate or allocate (which may be NULL). */
	int read_only;
	struct vnode *(*lookup)(struct vnode *dir, const char *name, size_t len);
	/* A new node of mode's type linked into dir as name: S_IFREG,
	 * S_IFDIR, S_IFLNK (target: its NUL-terminated contents), or a
	 * device (S_IFCHR: fops and priv are what an open file gets). */
	int (*create)(struct vnode *dir, const char *name, size_t len, mode_t mode,
		      const char *target, struct vnode **out);
	int (*link)(struct vnode *dir, const char *name, size_t len, struct vnode *vn);
	int (*unlink)(struct vnode *dir, const char *name, size_t len);
	/* Moves odir/oname to ndir/nname, replacing what nname named. */
	int (*rename)(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
		      const char *nname, size_t nlen);
	/* Swaps the nodes the two names name (RENAME_EXCHANGE). */
	int (*exchange)(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
			const char *nname, size_t nlen);
	/* Entries from *pos on ("." and ".." first); *pos moves past each
	 * entry fill took. 0 or -errno. */
	int (*readdir)(struct vnode *dir, off_t *pos, vfs_filldir_fn fill, void *ctx);
	int (*is_empty)(struct vnode *dir);
	/* Regular files: read and write at off, changing size and times;
	 * a write that finds no memory returns what it wrote, or -ENOSPC
	 * if nothing; the data written before stays. */
	ssize_t (*read)(struct vnode *vn, void *buf, size_t len, off_t off);
	ssize_t (*write)(struct vnode *vn, const void *buf, size_t len, off_t off);
	int (*truncate)(struct vnode *vn, off_t size);
	/* Backs [off, off+len) with memory (fallocate); grows size unless
	 * keep_size. -ENOSPC when the budget cannot hold it. */
	int (*allocate)(struct vnode *vn, off_t off, off_t len, int keep_size);
	/* Optional: a regular file's vn->size bytes, in memory that stays
	 * put and unchanged while the node lives (the initrd's archive),
	 * so copies out of it need no bounce buffer (sendfile). */
	const void *(*data)(struct vnode *vn);
	const char *(*readlink)(struct vnode *vn); /* owned by the node */
	int (*statfs)(struct vnode *vn, struct statfs *sf);
	/* nlink and refs both reached 0. */
	void (*destroy)(struct vnode *vn);
};

struct vnode {
	const struct vnode_ops *ops;
	const struct file_ops *fops; /* devices: what opening it gives */
	void *priv;		     /* devices: the open file's priv */
	mode_t mode;
	ino_t ino;
	dev_t dev, rdev;
	nlink_t nlink;
	uid_t uid;
	gid_t gid;
	off_t size;
	blkcnt_t blocks;			    /* 512-byte units held */
	struct timespec atime, mtime, ctime, btime; /* btime: made */
	int refs;
	int linkable;	       /* made by O_TMPFILE without O_EXCL: linkat may name it */
	struct vnode *parent;  /* directories: for ".." (a reference) */
	struct vnode *mounted; /* the root of the file system mounted here */
	struct vnode *covered; /* a file system's root: where it is mounted */
};

/* vfs.c */
void vfs_get(struct vnode *vn);
void vfs_put(struct vnode *vn);
struct timespec vfs_now(void);
/* Mounts root (a directory of some file system) on the directory path. */
int vfs_mount(const char *path, struct vnode *root);
/* Looks up path (absolute or cwd-relative, symlinks followed). */
struct vnode *vfs_lookup(const char *path);
int vfs_stat(struct vnode *vn, struct stat *st);
int vfs_allocate(struct vnode *vn, off_t off, off_t len, int keep_size);

/* fs/ramfs.c: a new, empty ramfs; its root directory, or NULL. dev is
 * its st_dev. */
struct vnode *ramfs_new(dev_t dev);

/* fs/devfs.c: fills dir (a fresh ramfs) with null, zero, full, random,
 * urandom, console, the block devices, and stdin, stdout and stderr,
 * whose nodes carry devfs_fd_alias_ops: opening one duplicates fd 0, 1
 * or 2 (priv). */
int devfs_populate(struct vnode *dir);
extern const struct file_ops devfs_fd_alias_ops;

/* fs/initrd.c: the tree of the cpio newc archive buf[0, len) as a
 * read-only file system whose files' data are the archive's own bytes
 * (which must stay in place, unchanged); its root, or NULL with a
 * reason in *why and the offending entry's offset in *where. dev is
 * its st_dev. */
struct vnode *initrd_new(const void *buf, size_t len, dev_t dev, const char **why, size_t *where);

/* fs/blkdev.c: a node vda, vdb, ... in dir for each block device the
 * platform has. */
int blkdev_populate(struct vnode *dir);

#endif
