/*
 * Host unit tests of the initrd: the cpio newc parser (fs/cpio.c),
 * keel-run's check of an archive (monitor/initrd.c) and the guest's
 * tree over one (fs/initrd.c, through its vnode ops, on the page
 * allocator and kmalloc over a region mapped here). A good archive is
 * built in memory, then spoiled every way we know, then byte by byte:
 * both readers must refuse with a reason, never read outside the
 * buffer (AddressSanitizer watches), and whatever keel-run accepts the
 * guest must mount.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "../../fs/cpio.h"
#include "../../monitor/initrd.h"
#include "../../sys/mm.h"
#include "../../sys/vfs.h"
#include "unit.h"

#define PAGE 4096UL

void keel_panic(const char *fmt, ...)
{
	exit(3);
}

/* ---- archives made here ---- */

struct ar {
	unsigned char *b;
	size_t n, cap;
};

static void add_bytes(struct ar *a, const void *p, size_t n)
{
	if (a->n + n > a->cap) {
		a->cap = (a->n + n) * 2 + 256;
		a->b = realloc(a->b, a->cap);
		CHECK(a->b != NULL);
	}
	memcpy(a->b + a->n, p, n);
	a->n += n;
}

static void pad(struct ar *a)
{
	while (a->n & 3)
		add_bytes(a, "", 1);
}

/* One entry; magic "070701" or "070702" (then check is the byte sum). */
static void entry(struct ar *a, const char *magic, const char *name, unsigned mode, unsigned ino,
		  unsigned nlink, const void *data, size_t size)
{
	char h[CPIO_HDR_LEN + 1];
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < size; i++)
		sum += ((const unsigned char *)data)[i];
	snprintf(h, sizeof h, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic, ino,
		 mode, 0u, 0u, nlink, 1600000000u, (unsigned)size, 0u, 0u, 0u, 0u,
		 (unsigned)strlen(name) + 1, strcmp(magic, "070702") ? 0 : sum);
	add_bytes(a, h, CPIO_HDR_LEN);
	add_bytes(a, name, strlen(name) + 1);
	pad(a);
	add_bytes(a, data, size);
	pad(a);
}

static void file(struct ar *a, const char *name, const char *text)
{
	entry(a, "070701", name, S_IFREG | 0644, 0, 1, text, strlen(text));
}

static void dir(struct ar *a, const char *name)
{
	entry(a, "070701", name, S_IFDIR | 0755, 0, 2, "", 0);
}

static void trailer(struct ar *a)
{
	entry(a, "070701", CPIO_TRAILER, 0, 0, 1, "", 0);
}

/* The good archive: the root, a file, a directory with a file and a
 * symlink, two names of one file (newc: data with the last), an empty
 * file, and a parent the archive never names. */
static struct ar good(void)
{
	struct ar a = { 0 };

	dir(&a, ".");
	file(&a, "./a.txt", "hello\n");
	dir(&a, "dir");
	file(&a, "dir/b", "bee");
	entry(&a, "070701", "dir/l", S_IFLNK | 0777, 0, 1, "../a.txt", 8);
	entry(&a, "070701", "h1", S_IFREG | 0600, 77, 2, "", 0);
	entry(&a, "070701", "h2", S_IFREG | 0600, 77, 2, "hard", 4);
	file(&a, "empty", "");
	file(&a, "implied/deep/c", "sea");
	trailer(&a);
	return a;
}

/* ---- the guest's side over a region mapped here ---- */

static void mm_setup(size_t npages)
{
	void *p = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	CHECK(p != MAP_FAILED);
	CHECK_EQ(mm_init((uintptr_t)p, npages * PAGE, npages * PAGE, 0, 0), 0);
}

/* The archive's bytes in a buffer of exactly len bytes. */
static unsigned char *exact(const unsigned char *b, size_t len)
{
	unsigned char *c = malloc(len ? len : 1);

	CHECK(c != NULL);
	memcpy(c, b, len);
	return c;
}

static struct vnode *mount(const unsigned char *b, size_t len, const char **why)
{
	size_t where = 0;

	return initrd_new(b, len, 3, why, &where);
}

static struct vnode *look(struct vnode *d, const char *path)
{
	char part[256];

	while (d && *path) {
		size_t n = strcspn(path, "/");

		memcpy(part, path, n);
		part[n] = 0;
		d = d->ops->lookup(d, part, n);
		path += n + (path[n] == '/');
	}
	return d;
}

static char listing[1024];

static int add_name(void *ctx, const char *name, size_t len, ino_t ino, unsigned type, off_t next)
{
	size_t at = strlen(listing);

	snprintf(listing + at, sizeof listing - at, "%s%.*s", at ? " " : "", (int)len, name);
	return 0;
}

static const char *list(struct vnode *d)
{
	off_t pos = 0;

	listing[0] = 0;
	CHECK_EQ(d->ops->readdir(d, &pos, add_name, NULL), 0);
	return listing;
}

/* Takes one entry, then says the buffer is full. */
static int one_only(void *ctx, const char *name, size_t len, ino_t ino, unsigned type, off_t next)
{
	int *got = ctx;

	if (*got)
		return 1;
	*got = 1;
	return 0;
}

/* Both readers refuse a (whose length is its own) with a reason. */
static void refused(struct ar *a, const char *reason)
{
	unsigned char *b = exact(a->b, a->n);
	char err[256] = "";
	const char *why = NULL;

	mm_setup(256);
	if (initrd_check(b, a->n, NULL, err, sizeof err) == 0)
		FAILF("keel-run accepted an archive it must refuse (%s)", reason);
	CHECK_HAS(err, reason);
	if (mount(b, a->n, &why))
		FAILF("the guest mounted an archive it must refuse (%s)", reason);
	CHECK(why != NULL);
	free(b);
	free(a->b);
}

/* ---- cases ---- */

TEST(good_archive_mounts)
{
	struct ar a = good();
	unsigned char *b = exact(a.b, a.n);
	struct vnode *root, *v, *h1, *h2;
	struct statfs sf;
	const char *why = "x";
	char err[256] = "", buf[16];
	size_t tree = 0;

	CHECK_EQ(initrd_check(b, a.n, &tree, err, sizeof err), 0);
	mm_setup(256);
	root = mount(b, a.n, &why);
	CHECK(root != NULL);
	CHECK(why == NULL);
	CHECK(S_ISDIR(root->mode));
	CHECK(root->ops->read_only);
	CHECK_STR(list(root), ". .. a.txt dir h1 h2 empty implied");
	CHECK_STR(list(look(root, "dir")), ". .. b l");
	CHECK_EQ(root->nlink, 4); /* ".", and ".." of dir and implied */

	v = look(root, "a.txt");
	CHECK(v && S_ISREG(v->mode));
	CHECK_EQ(v->mode & 07777, 0644);
	CHECK_EQ(v->size, 6);
	CHECK_EQ(v->mtime.tv_sec, 1600000000);
	CHECK_EQ(v->ops->read(v, buf, sizeof buf, 0), 6);
	CHECK(!memcmp(buf, "hello\n", 6));
	CHECK_EQ(v->ops->read(v, buf, 2, 4), 2);
	CHECK(!memcmp(buf, "o\n", 2));
	CHECK_EQ(v->ops->read(v, buf, 2, 6), 0);
	CHECK_EQ(v->ops->read(v, buf, 2, 600), 0);
	/* zero copy: the data are the archive's own bytes */
	CHECK((const unsigned char *)v->ops->data(v) > b &&
	      (const unsigned char *)v->ops->data(v) < b + a.n);

	v = look(root, "dir/l");
	CHECK(v && S_ISLNK(v->mode));
	CHECK_STR(v->ops->readlink(v), "../a.txt");
	CHECK_EQ(v->size, 8);

	h1 = look(root, "h1");
	h2 = look(root, "h2");
	CHECK(h1 != NULL && h1 == h2);
	CHECK_EQ(h1->nlink, 2);
	CHECK_EQ(h1->ops->read(h1, buf, sizeof buf, 0), 4);
	CHECK(!memcmp(buf, "hard", 4));

	v = look(root, "empty");
	CHECK(v && v->size == 0);
	CHECK_EQ(v->ops->read(v, buf, sizeof buf, 0), 0);

	v = look(root, "implied/deep");
	CHECK(v && S_ISDIR(v->mode));
	CHECK_EQ(v->mode & 07777, 0755);
	CHECK(look(root, "implied/deep/c") != NULL);
	CHECK(look(root, "nope") == NULL);
	CHECK(look(root, "a.tx") == NULL);
	CHECK(v->parent == look(root, "implied"));

	memset(&sf, 0, sizeof sf);
	CHECK_EQ(root->ops->statfs(root, &sf), 0);
	CHECK(sf.f_flags & ST_RDONLY);
	CHECK_EQ(sf.f_bfree, 0);
	CHECK(mm_stats()->used[MM_INITRD] > 0);
	CHECK(mm_stats()->used[MM_INITRD] <= tree);
	CHECK_EQ(mm_stats()->used[MM_FS], 0);
}

/* keel-run's estimate of the tree's cost (INITRD_ENTRY_BYTES) holds for
 * the guest: many files in many directories it has to make, symlinks,
 * hard links. */
TEST(tree_cost_estimate)
{
	struct ar a = { 0 };
	struct vnode *root;
	const char *why;
	char name[64], err[256];
	size_t tree = 0, used, i;

	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "d%zu/e%zu/f%zu", i % 17, i % 5, i);
		switch (i % 3) {
		case 0:
			file(&a, name, "x");
			break;
		case 1:
			entry(&a, "070701", name, S_IFLNK | 0777, 0, 1,
			      "a/rather/long/target/of/a/symlink/to/count", 42);
			break;
		default:
			entry(&a, "070701", name, S_IFREG | 0644, (unsigned)i / 2, 2, "y", 1);
		}
	}
	trailer(&a);
	CHECK_EQ(initrd_check(a.b, a.n, &tree, err, sizeof err), 0);
	mm_setup(4096);
	root = mount(a.b, a.n, &why);
	CHECK(root != NULL);
	used = mm_stats()->used[MM_INITRD];
	if (used > tree)
		FAILF("the tree took %zu bytes, keel-run counted %zu", used, tree);
	if (used < tree / 2)
		FAILF("the tree took %zu bytes, keel-run counted %zu: far too many", used, tree);
	CHECK(sizeof(struct vnode) + 32 <= 256); /* the node keel-run counts */
}

/* Many entries in one directory: the hash table finds each, readdir
 * resumes at every position. */
TEST(big_directory)
{
	struct ar a = { 0 };
	struct vnode *root;
	const char *why;
	char name[32];
	off_t pos;
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof name, "d/f%04d", i);
		file(&a, name, name);
	}
	trailer(&a);
	mm_setup(4096);
	root = mount(a.b, a.n, &why);
	CHECK(root != NULL);
	for (i = 0; i < 2000; i++) {
		struct vnode *v;
		char buf[32];

		snprintf(name, sizeof name, "d/f%04d", i);
		v = look(root, name);
		CHECK(v != NULL);
		CHECK_EQ(v->ops->read(v, buf, sizeof buf, 0), 7);
		CHECK(!memcmp(buf, name, 7));
	}
	/* one entry per call, as a tiny getdents buffer gets */
	for (pos = 0, i = 0;; i++) {
		int got = 0;

		CHECK(look(root, "d")->ops->readdir(look(root, "d"), &pos, one_only, &got) >= 0);
		if (!got)
			break;
		CHECK_EQ(pos, i + 1);
	}
	CHECK_EQ(i, 2002);
	CHECK_EQ(look(root, "d")->nlink, 2);
}

TEST(every_truncation_refused)
{
	struct ar a = good();
	size_t len;

	mm_setup(4096);
	for (len = 0; len < a.n; len++) {
		unsigned char *b = exact(a.b, len);
		char err[256];
		const char *why;

		if (initrd_check(b, len, NULL, err, sizeof err) == 0)
			FAILF("keel-run accepted the first %zu of %zu bytes", len, a.n);
		if (mount(b, len, &why))
			FAILF("the guest mounted the first %zu of %zu bytes", len, a.n);
		free(b);
	}
}

TEST(bad_magic)
{
	struct ar a = good();

	a.b[5] = '7'; /* 070707: the old portable format */
	refused(&a, "bad magic");
}

TEST(field_not_hex)
{
	int f;

	for (f = 0; f < 13; f++) {
		struct ar a = good();

		a.b[6 + 8 * f + 3] = 'g';
		refused(&a, "not hexadecimal");
	}
}

TEST(empty_name)
{
	struct ar a = good();

	memcpy(a.b + 6 + 8 * 11, "00000001", 8); /* namesize 1: the NUL alone */
	refused(&a, "empty name");
}

TEST(name_past_end)
{
	struct ar a = good();

	memcpy(a.b + 6 + 8 * 11, "00FFFFFF", 8);
	refused(&a, "longer than 4095");
	a = good();
	memcpy(a.b + 6 + 8 * 11, "00000F00", 8);
	refused(&a, "past the end");
}

TEST(name_without_nul)
{
	struct ar a = good();

	a.b[CPIO_HDR_LEN + 1] = 'x'; /* "." becomes ".x" without its NUL */
	refused(&a, "NUL-terminated");
}

TEST(data_past_end)
{
	struct ar a = good();

	memcpy(a.b + 6 + 8 * 6, "FFFFFFF0", 8); /* the root's filesize */
	refused(&a, "past the end");
}

TEST(no_trailer)
{
	struct ar a = { 0 };

	file(&a, "a", "x");
	refused(&a, "TRAILER");
}

TEST(devices_fifos_sockets)
{
	static const unsigned types[] = { S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, 0170000 };
	static const char *const why[] = { "device", "device", "FIFO", "socket", "unknown" };
	size_t i;

	for (i = 0; i < 5; i++) {
		struct ar a = { 0 };

		file(&a, "ok", "x");
		entry(&a, "070701", "node", types[i] | 0644, 0, 1, "", 0);
		trailer(&a);
		refused(&a, why[i]);
	}
}

TEST(bad_symlinks)
{
	struct ar a = { 0 };

	entry(&a, "070701", "l", S_IFLNK | 0777, 0, 1, "", 0);
	trailer(&a);
	refused(&a, "empty target");
	a = (struct ar){ 0 };
	entry(&a, "070701", "l", S_IFLNK | 0777, 0, 1, "a\0b", 3);
	trailer(&a);
	refused(&a, "NUL byte");
}

TEST(directory_with_data)
{
	struct ar a = { 0 };

	entry(&a, "070701", "d", S_IFDIR | 0755, 0, 2, "data", 4);
	trailer(&a);
	refused(&a, "directory with data");
}

TEST(dotdot_and_long_names)
{
	static const char *const names[] = { "../x", "a/../b", "a/.." };
	char longname[300];
	size_t i;

	for (i = 0; i < 3; i++) {
		struct ar a = { 0 };

		file(&a, names[i], "x");
		trailer(&a);
		refused(&a, "\"..\"");
	}
	memset(longname, 'n', 256);
	longname[256] = 0;
	{
		struct ar a = { 0 };

		file(&a, longname, "x");
		trailer(&a);
		refused(&a, "longer than 255");
	}
}

TEST(names_held_twice)
{
	struct ar a = { 0 };

	file(&a, "x", "1");
	file(&a, "./x", "2");
	trailer(&a);
	refused(&a, "twice");
	a = (struct ar){ 0 };
	dir(&a, "d");
	file(&a, "d", "file over a directory");
	trailer(&a);
	refused(&a, "twice");
}

TEST(file_holding_names)
{
	struct ar a = { 0 };

	file(&a, "f", "x");
	file(&a, "f/g", "y");
	trailer(&a);
	refused(&a, "not a directory");
	a = (struct ar){ 0 };
	file(&a, "f/g", "y"); /* makes f a directory... */
	file(&a, "f", "x");   /* ...which a file then names again */
	file(&a, "f-", "z");  /* sorts between "f" and "f/g" bytewise */
	trailer(&a);
	refused(&a, "not a directory");
}

TEST(root_must_be_a_directory)
{
	struct ar a = { 0 };

	file(&a, ".", "x");
	trailer(&a);
	refused(&a, "root is not a directory");
}

TEST(crc_format)
{
	struct ar a = { 0 };
	char err[256];
	const char *why;

	entry(&a, "070702", "c", S_IFREG | 0644, 0, 1, "checked", 7);
	trailer(&a);
	CHECK_EQ(initrd_check(a.b, a.n, NULL, err, sizeof err), 0);
	mm_setup(256);
	CHECK(mount(a.b, a.n, &why) != NULL);
	a.b[a.n - 124 - 8] ^= 1; /* one data byte ("checked" ends 8 before the trailer) */
	refused(&a, "checksum");
}

/* Every byte of the good archive set to values that matter to the
 * parser: nothing crashes, and what keel-run accepts the guest mounts
 * (and the other way round, but keel-run's messages say more). */
TEST(fuzz_every_byte)
{
	static const unsigned char vals[] = { 0, '/', '0', '9', 'F', 'f', 0xff, '.' };
	struct ar a = good();
	size_t i, j, accepted = 0;

	mm_setup(32768);
	for (i = 0; i < a.n; i++) {
		for (j = 0; j < sizeof vals; j++) {
			unsigned char *b = exact(a.b, a.n);
			char err[256];
			const char *why;
			int ok_host, ok_guest;

			b[i] = vals[j];
			ok_host = initrd_check(b, a.n, NULL, err, sizeof err) == 0;
			ok_guest = mount(b, a.n, &why) != NULL;
			if (ok_host != ok_guest)
				FAILF("byte %zu = 0x%02x: keel-run %s, the guest %s", i, vals[j],
				      ok_host ? "accepts" : err, ok_guest ? "mounts" : why);
			accepted += ok_host;
			free(b);
		}
	}
	CHECK(accepted > 0);
}

/* ---- tar archives, converted by keel-run ---- */

/* One ustar entry (header with its checksum, data padded to 512). */
static void tar_entry(struct ar *a, const char *name, char type, const void *data, size_t size,
		      const char *link)
{
	unsigned char h[512] = { 0 };
	unsigned sum = 0;
	size_t i;

	memcpy(h, name, strnlen(name, 100));
	snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755u : 0644u);
	snprintf((char *)h + 108, 8, "%07o", 0u);
	snprintf((char *)h + 116, 8, "%07o", 0u);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)size);
	snprintf((char *)h + 136, 12, "%011o", 1600000000u);
	memset(h + 148, ' ', 8);
	h[156] = (unsigned char)type;
	if (link)
		memcpy(h + 157, link, strnlen(link, 100));
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	add_bytes(a, h, 512);
	add_bytes(a, data, size);
	while (a->n % 512)
		add_bytes(a, "", 1);
}

static void tar_end(struct ar *a)
{
	static const unsigned char zero[1024];

	add_bytes(a, zero, sizeof zero);
}

static struct ar good_tar(void)
{
	struct ar a = { 0 };
	char longname[300], pax[400];
	int n;

	tar_entry(&a, "./", '5', "", 0, NULL);
	tar_entry(&a, "./a.txt", '0', "hello\n", 6, NULL);
	tar_entry(&a, "./dir/", '5', "", 0, NULL);
	tar_entry(&a, "./dir/l", '2', "", 0, "../a.txt");
	tar_entry(&a, "./hard", '1', "", 0, "./a.txt");
	memset(longname, 'n', 200);
	memcpy(longname, "dir/", 4);
	longname[200] = 0;
	tar_entry(&a, "././@LongLink", 'L', longname, 201, NULL);
	tar_entry(&a, "truncated-name", '0', "gnu", 3, NULL);
	n = snprintf(pax, sizeof pax, "%d path=dir/pax-%s\n", 0, "named");
	n = snprintf(pax, sizeof pax, "%d path=dir/pax-%s\n", n + (n >= 9 ? 1 : 0), "named");
	tar_entry(&a, "PaxHeaders/x", 'x', pax, (size_t)n, NULL);
	tar_entry(&a, "short", '0', "pax", 3, NULL);
	tar_end(&a);
	return a;
}

static char tarpath[64];

/* initrd_make on the bytes of a: 0 and the mounted tree, or -1. */
static int make_from(const struct ar *a, struct vnode **root, char *err, size_t errlen)
{
	int fd, mfd;
	size_t len, tree;
	const char *why;
	void *map;

	snprintf(tarpath, sizeof tarpath, "/tmp/keel-unit-tar.XXXXXX");
	fd = mkstemp(tarpath);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, a->b, a->n), (ssize_t)a->n);
	close(fd);
	fd = initrd_make(tarpath, 1 << 30, &mfd, &len, &tree, err, errlen);
	unlink(tarpath);
	if (fd)
		return -1;
	CHECK(mfd >= 0);
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, mfd, 0);
	CHECK(map != MAP_FAILED);
	close(mfd);
	*root = mount(map, len, &why);
	if (!*root)
		FAILF("keel-run made an archive of a tar the guest refuses: %s", why);
	return 0;
}

static void read_is(struct vnode *root, const char *path, const char *want)
{
	struct vnode *v = look(root, path);
	char buf[64];
	ssize_t n;

	if (!v)
		FAILF("no %s", path);
	n = v->ops->read(v, buf, sizeof buf, 0);
	if (n != (ssize_t)strlen(want) || memcmp(buf, want, (size_t)n))
		FAILF("%s holds %.*s, not %s", path, (int)(n < 0 ? 0 : n), buf, want);
}

TEST(tar_converts)
{
	struct ar a = good_tar();
	struct vnode *root, *v;
	char err[256] = "", name[300];

	mm_setup(1024);
	if (make_from(&a, &root, err, sizeof err))
		FAILF("a good tar refused: %s", err);
	read_is(root, "a.txt", "hello\n");
	read_is(root, "hard", "hello\n");
	CHECK(look(root, "hard") != look(root, "a.txt")); /* a copy */
	v = look(root, "dir/l");
	CHECK(v && S_ISLNK(v->mode));
	CHECK_STR(v->ops->readlink(v), "../a.txt");
	memset(name, 'n', 200);
	memcpy(name, "dir/", 4);
	name[200] = 0;
	read_is(root, name, "gnu");
	read_is(root, "dir/pax-named", "pax");
	CHECK(look(root, "truncated-name") == NULL);
	CHECK(look(root, "short") == NULL);
	CHECK_EQ(look(root, "a.txt")->mtime.tv_sec, 1600000000);
	CHECK_EQ(look(root, "dir")->mode & 07777, 0755);
}

static void tar_refused(struct ar *a, const char *reason)
{
	struct vnode *root;
	char err[256] = "";

	mm_setup(256);
	if (make_from(a, &root, err, sizeof err) == 0)
		FAILF("keel-run took a tar it must refuse (%s)", reason);
	CHECK_HAS(err, reason);
	free(a->b);
}

TEST(tar_bad_entries)
{
	struct ar a = { 0 };

	tar_entry(&a, "dev", '3', "", 0, NULL);
	tar_end(&a);
	tar_refused(&a, "device");
	a = (struct ar){ 0 };
	tar_entry(&a, "fifo", '6', "", 0, NULL);
	tar_end(&a);
	tar_refused(&a, "FIFO");
	a = (struct ar){ 0 };
	tar_entry(&a, "sparse", 'S', "", 0, NULL);
	tar_end(&a);
	tar_refused(&a, "tar type");
	a = (struct ar){ 0 };
	tar_entry(&a, "h", '1', "", 0, "nothing");
	tar_end(&a);
	tar_refused(&a, "hard link");
	a = (struct ar){ 0 };
	tar_entry(&a, "../up", '0', "x", 1, NULL);
	tar_end(&a);
	tar_refused(&a, "\"..\"");
	a = (struct ar){ 0 };
	tar_entry(&a, "x", '0', "x", 1, NULL);
	tar_end(&a);
	a.b[148] = '9'; /* the checksum field */
	tar_refused(&a, "checksum");
	a = (struct ar){ 0 };
	tar_entry(&a, "x", '0', "x", 1, NULL);
	tar_end(&a);
	a.b[0] = 'y';
	tar_refused(&a, "checksum");
	a = (struct ar){ 0 };
	tar_entry(&a, "x", '0', "x", 1, NULL);
	tar_end(&a);
	memcpy(a.b + 124, "77777777777", 11); /* size, checksum made right */
	{
		unsigned sum = 0;
		size_t i;

		memset(a.b + 148, ' ', 8);
		for (i = 0; i < 512; i++)
			sum += a.b[i];
		snprintf((char *)a.b + 148, 8, "%06o", sum);
	}
	tar_refused(&a, "past the end");
	a = (struct ar){ 0 };
	tar_entry(&a, "PaxHeaders/x", 'x', "99 path=x\n", 10, NULL);
	tar_entry(&a, "x", '0', "x", 1, NULL);
	tar_end(&a);
	tar_refused(&a, "pax record");
	a = (struct ar){ 0 };
	tar_entry(&a, "x", '0', "x", 1, NULL);
	tar_refused(&a, "no end-of-archive");
}

TEST(tar_every_truncation_refused)
{
	struct ar a = good_tar(), cut;
	struct vnode *root;
	char err[256];
	size_t len;

	mm_setup(8192);
	for (len = 0; len < a.n - 512; len += len < 2048 ? 1 : 7) { /* before the end block */
		cut = (struct ar){ a.b, len, len };
		if (make_from(&cut, &root, err, sizeof err) == 0)
			FAILF("keel-run took the first %zu of %zu bytes", len, a.n);
	}
}

/* Bytes of the good tar's headers (the root's, a file's, GNU's long
 * name's and its data, pax's and its records) set to values that
 * matter: nothing crashes, and what keel-run makes the guest mounts. */
TEST(tar_fuzz_headers)
{
	static const unsigned char vals[] = { 0, '8', 0x80, '5' };
	/* block, first and last byte: headers from the mode to the
	 * version (names sampled), the long name's and pax's data */
	static const size_t spans[][3] = { { 0, 100, 265 },  { 1, 100, 265 }, { 6, 100, 265 },
					   { 10, 100, 265 }, { 7, 0, 210 },   { 11, 0, 40 } };
	struct ar a = good_tar();
	struct vnode *root;
	char err[256];
	size_t i, j, k, accepted = 0;

	mm_setup(65536);
	for (k = 0; k < sizeof spans / sizeof *spans; k++) {
		for (i = spans[k][0] * 512 + (spans[k][1] == 100 ? 0 : spans[k][1]);
		     i < spans[k][0] * 512 + spans[k][2]; i += i % 512 < spans[k][1] ? 33 : 1) {
			for (j = 0; j < sizeof vals; j++) {
				struct ar b = { malloc(a.n), a.n, a.n };

				CHECK(b.b != NULL);
				memcpy(b.b, a.b, a.n);
				b.b[i] = vals[j];
				accepted += make_from(&b, &root, err, sizeof err) == 0;
				free(b.b);
			}
		}
	}
	CHECK(accepted > 0);
}

UNIT_MAIN("initrd")
