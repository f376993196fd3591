/*
 * Host unit tests of ramfs (fs/ramfs.c) through its vnode ops, on the
 * page allocator and kmalloc (sys/mm.c, sys/kmem.c) over a region
 * mapped here. The vfs's few helpers are stubbed as the vfs has them.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "../../sys/mm.h"
#include "../../sys/vfs.h"
#include "unit.h"

#define PAGE 4096UL

void keel_panic(const char *fmt, ...)
{
	exit(3);
}

struct timespec vfs_now(void)
{
	return (struct timespec){ 1700000000, 0 };
}

void vfs_get(struct vnode *vn)
{
	vn->refs++;
}

void vfs_put(struct vnode *vn)
{
	if (--vn->refs == 0 && vn->nlink == 0)
		vn->ops->destroy(vn);
}

static struct vnode *root;

static void setup(size_t npages)
{
	void *p = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	CHECK(p != MAP_FAILED);
	CHECK_EQ(mm_init((uintptr_t)p, npages * PAGE, npages * PAGE, 0, 0), 0);
	root = ramfs_new(1);
	CHECK(root != NULL);
	vfs_get(root);
}

static struct vnode *make(struct vnode *dir, const char *name, mode_t mode)
{
	struct vnode *vn = NULL;

	CHECK_EQ(dir->ops->create(dir, name, strlen(name), mode, "t", &vn), 0);
	CHECK(vn != NULL);
	return vn;
}

static struct vnode *find(struct vnode *dir, const char *name)
{
	return dir->ops->lookup(dir, name, strlen(name));
}

TEST(create_lookup_read_write)
{
	struct vnode *f;
	char buf[16];

	setup(64);
	f = make(root, "a", S_IFREG | 0644);
	CHECK(find(root, "a") == f);
	CHECK(find(root, "b") == NULL);
	CHECK(find(root, "aa") == NULL);
	CHECK_EQ(f->nlink, 1);
	CHECK_EQ(f->ops->write(f, "hello", 5, 0), 5);
	CHECK_EQ(f->size, 5);
	CHECK_EQ(f->blocks, 8);
	CHECK_EQ(f->ops->read(f, buf, sizeof buf, 0), 5);
	CHECK(!memcmp(buf, "hello", 5));
	CHECK_EQ(f->ops->read(f, buf, sizeof buf, 5), 0);
	CHECK_EQ(f->ops->read(f, buf, 2, 3), 2);
	CHECK(!memcmp(buf, "lo", 2));
	CHECK_EQ(mm_stats()->used[MM_FS] >= 2 * PAGE, 1);
}

TEST(holes_and_truncate_read_zeros)
{
	struct vnode *f;
	char buf[PAGE * 3];
	size_t i;
	int zero = 1;

	setup(64);
	f = make(root, "s", S_IFREG | 0600);
	CHECK_EQ(f->ops->write(f, "x", 1, 2 * PAGE + 7), 1);
	CHECK_EQ(f->size, 2 * PAGE + 8);
	CHECK_EQ(f->blocks, 8); /* only the page written */
	CHECK_EQ(f->ops->read(f, buf, sizeof buf, 0), 2 * PAGE + 8);
	for (i = 0; i < 2 * PAGE + 7; i++)
		zero &= buf[i] == 0;
	CHECK(zero && buf[2 * PAGE + 7] == 'x');
	CHECK_EQ(f->ops->write(f, "abcdef", 6, 0), 6);
	CHECK_EQ(f->ops->truncate(f, 2), 0);
	CHECK_EQ(f->blocks, 8);
	CHECK_EQ(f->ops->truncate(f, 6), 0);
	CHECK_EQ(f->ops->read(f, buf, 6, 0), 6);
	CHECK(!memcmp(buf, "ab\0\0\0\0", 6));
}

TEST(enospc_keeps_what_was_written)
{
	static char chunk[PAGE * 4];
	struct vnode *keep, *f;
	ssize_t n;
	off_t total = 0;
	char buf[8];

	setup(64);
	keep = make(root, "keep", S_IFREG | 0644);
	CHECK_EQ(keep->ops->write(keep, "kept", 4, 0), 4);
	f = make(root, "big", S_IFREG | 0644);
	memset(chunk, 'z', sizeof chunk);
	while ((n = f->ops->write(f, chunk, sizeof chunk, total)) > 0)
		total += n;
	CHECK_EQ(n, -ENOSPC);
	CHECK(total > 40 * (off_t)PAGE);
	CHECK_EQ(f->size, total);
	CHECK_EQ(mm_free_pages(), 0);
	CHECK_EQ(keep->ops->read(keep, buf, 8, 0), 4);
	CHECK(!memcmp(buf, "kept", 4));
	CHECK_EQ(f->ops->read(f, buf, 1, total - 1), 1);
	CHECK(buf[0] == 'z');
	CHECK_EQ(root->ops->unlink(root, "big", 3), 0);
	CHECK(mm_free_pages() > 40);
}

static char names[8][8];
static int n;

/* A small buffer: three entries at a time. */
static int fill(void *ctx, const char *name, size_t len, ino_t ino, unsigned type, off_t next)
{
	if (n == 3)
		return 1;
	memcpy(names[n], name, len);
	names[n++][len] = 0;
	return 0;
}

TEST(readdir_positions_survive_unlink)
{
	off_t pos = 0;
	struct vnode *d;

	setup(64);
	d = make(root, "d", S_IFDIR | 0755);
	CHECK_EQ(root->nlink, 3);
	CHECK(d->parent == root);
	make(d, "a", S_IFREG | 0644);
	make(d, "b", S_IFREG | 0644);
	make(d, "c", S_IFLNK | 0777);
	CHECK_EQ(d->ops->readdir(d, &pos, fill, NULL), 1);
	CHECK_STR(names[0], ".");
	CHECK_STR(names[1], "..");
	CHECK_STR(names[2], "a");
	CHECK_EQ(d->ops->unlink(d, "a", 1), 0); /* already returned */
	n = 0;
	CHECK_EQ(d->ops->readdir(d, &pos, fill, NULL), 0);
	CHECK_EQ(n, 2);
	CHECK_STR(names[0], "b");
	CHECK_STR(names[1], "c");
	CHECK(!d->ops->is_empty(d));
}

TEST(rename_replaces_and_frees)
{
	struct vnode *a, *b, *d;
	size_t before;

	setup(64);
	a = make(root, "a", S_IFREG | 0644);
	b = make(root, "b", S_IFREG | 0644);
	CHECK_EQ(b->ops->write(b, "data", 4, 0), 4);
	before = mm_free_pages();
	CHECK_EQ(root->ops->rename(root, "a", 1, root, "b", 1), 0);
	CHECK(find(root, "a") == NULL);
	CHECK(find(root, "b") == a);
	CHECK(mm_free_pages() > before); /* b's page is back */
	d = make(root, "d", S_IFDIR | 0755);
	CHECK_EQ(root->ops->rename(root, "b", 1, d, "moved", 5), 0);
	CHECK(find(d, "moved") == a);
	CHECK_EQ(root->nlink, 3);
	CHECK_EQ(root->ops->rename(root, "d", 1, root, "e", 1), 0);
	CHECK(find(root, "e") == d && d->parent == root);
	CHECK_EQ(root->nlink, 3);
}

TEST(open_unlinked_file_lives_until_put)
{
	struct vnode *f;
	size_t before;
	char buf[4];

	setup(64);
	f = make(root, "f", S_IFREG | 0644);
	CHECK_EQ(f->ops->write(f, "abc", 3, 0), 3);
	vfs_get(f); /* an open file */
	before = mm_free_pages();
	CHECK_EQ(root->ops->unlink(root, "f", 1), 0);
	CHECK_EQ(f->nlink, 0);
	CHECK_EQ(f->ops->read(f, buf, 3, 0), 3);
	CHECK_EQ(mm_free_pages(), before);
	vfs_put(f);
	CHECK(mm_free_pages() > before);
}

TEST(hard_links_count)
{
	struct vnode *f;

	setup(64);
	f = make(root, "f", S_IFREG | 0644);
	CHECK_EQ(root->ops->link(root, "g", 1, f), 0);
	CHECK_EQ(f->nlink, 2);
	CHECK(find(root, "g") == f);
	CHECK_EQ(root->ops->unlink(root, "f", 1), 0);
	CHECK_EQ(f->nlink, 1);
	CHECK(find(root, "g") == f);
}

TEST(symlink_target_and_statfs)
{
	struct vnode *l;
	struct statfs sf;

	setup(64);
	CHECK_EQ(root->ops->create(root, "l", 1, S_IFLNK | 0777, "/some/where", &l), 0);
	CHECK_STR(l->ops->readlink(l), "/some/where");
	CHECK_EQ(l->size, 11);
	memset(&sf, 0, sizeof sf);
	CHECK_EQ(root->ops->statfs(root, &sf), 0);
	CHECK_EQ(sf.f_bsize, PAGE);
	CHECK_EQ(sf.f_blocks, 64);
	CHECK_EQ(sf.f_bfree, mm_free_pages());
}

UNIT_MAIN("ramfs")
