/*
 * --initrd=DIR|FILE on keel-run's side: packs a directory into a cpio
 * newc archive (keel's own small packer: regular files, directories
 * and symlinks, in name order, so the same tree makes the same
 * archive) or takes an archive file as it is after checking it the way
 * the guest will (fs/cpio.c, the same parser). The result is a sealed
 * memfd, so the bytes the guest reads in place cannot change under it;
 * each target hands it over its own way (linux.c, kvm.c, qemu.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fs/cpio.h"
#include "initrd.h"

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

struct pack {
	int fd;
	unsigned char buf[1 << 16];
	size_t n;
	size_t total, limit;
	uint32_t ino;
	char path[PATH_MAX]; /* the host path being packed */
	size_t top;	     /* where the archive's name starts in path */
	char *err;
	size_t errlen;
};

static int failf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int failf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int flush(struct pack *p)
{
	size_t off = 0;

	while (off < p->n) {
		ssize_t w = write(p->fd, p->buf + off, p->n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return failf(p->err, p->errlen, "cannot hold the archive in memory: %s",
				     w < 0 ? strerror(errno) : "short write");
		off += (size_t)w;
	}
	p->n = 0;
	return 0;
}

/* Appends bytes; 1 once the archive has grown past the limit. */
static int put(struct pack *p, const void *data, size_t len)
{
	const unsigned char *d = data;

	p->total += len;
	if (p->total > p->limit)
		return 1;
	while (len) {
		size_t k = sizeof p->buf - p->n < len ? sizeof p->buf - p->n : len;

		memcpy(p->buf + p->n, d, k);
		p->n += k;
		d += k;
		len -= k;
		if (p->n == sizeof p->buf && flush(p))
			return -1;
	}
	return 0;
}

static int put_pad(struct pack *p)
{
	static const char zeros[4];

	return put(p, zeros, (4 - (p->total & 3)) & 3);
}

static int header(struct pack *p, const char *name, const struct stat *st, size_t size)
{
	char h[CPIO_HDR_LEN + 1];
	size_t nlen = strlen(name);
	int r;

	snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++p->ino, (unsigned)st->st_mode, (unsigned)st->st_uid, (unsigned)st->st_gid,
		 S_ISDIR(st->st_mode) ? 2u : 1u, (unsigned)(st->st_mtime < 0 ? 0 : st->st_mtime),
		 (unsigned)size, 0u, 0u, 0u, 0u, (unsigned)nlen + 1, 0u);
	if ((r = put(p, h, CPIO_HDR_LEN)) || (r = put(p, name, nlen + 1)))
		return r;
	return put_pad(p);
}

/* The host path of what is being packed, for messages. */
static const char *where(struct pack *p)
{
	return p->path;
}

static int pack_file(struct pack *p, int dirfd, const char *name, const char *aname,
		     const struct stat *lst)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r;
	unsigned char buf[1 << 16];
	struct stat st;
	size_t left;

	if (fd < 0)
		return failf(p->err, p->errlen, "cannot read %s: %s", where(p), strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return failf(p->err, p->errlen, "%s changed while being packed", where(p));
	}
	if ((unsigned long long)st.st_size > 0xffffffffULL) {
		close(fd);
		return failf(p->err, p->errlen,
			     "%s is larger than a cpio newc entry can be (4 GiB)", where(p));
	}
	if ((r = header(p, aname, &st, (size_t)st.st_size))) {
		close(fd);
		return r;
	}
	for (left = (size_t)st.st_size; left;) {
		ssize_t n = read(fd, buf, left < sizeof buf ? left : sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			if (n < 0)
				return failf(p->err, p->errlen, "cannot read %s: %s", where(p),
					     strerror(errno));
			return failf(p->err, p->errlen, "%s shrank while being packed", where(p));
		}
		if ((r = put(p, buf, (size_t)n))) {
			close(fd);
			return r;
		}
		left -= (size_t)n;
	}
	close(fd);
	return put_pad(p);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int pack_dir(struct pack *p, int fd);

/* One entry of a directory: p->path already names it. */
static int pack_entry(struct pack *p, int dirfd, const char *name)
{
	const char *aname = p->path + p->top;
	struct stat st;
	char target[CPIO_LINK_MAX + 1];
	ssize_t n;
	int fd, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return failf(p->err, p->errlen, "cannot read %s: %s", where(p), strerror(errno));
	if (strlen(aname) > CPIO_NAME_MAX)
		return failf(p->err, p->errlen, "%s: the name is longer than 4095 bytes", where(p));
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return pack_file(p, dirfd, name, aname, &st);
	case S_IFLNK:
		n = readlinkat(dirfd, name, target, sizeof target);
		if (n < 0)
			return failf(p->err, p->errlen, "cannot read %s: %s", where(p),
				     strerror(errno));
		if (n == 0 || (size_t)n > CPIO_LINK_MAX)
			return failf(p->err, p->errlen, "%s: a symlink target of %s bytes",
				     where(p), n ? "more than 4095" : "0");
		if ((r = header(p, aname, &st, (size_t)n)) || (r = put(p, target, (size_t)n)))
			return r;
		return put_pad(p);
	case S_IFDIR:
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return failf(p->err, p->errlen, "cannot read %s: %s", where(p),
				     strerror(errno));
		if ((r = header(p, aname, &st, 0))) {
			close(fd);
			return r;
		}
		return pack_dir(p, fd);
	case S_IFCHR:
	case S_IFBLK:
		return failf(p->err, p->errlen,
			     "%s is a device (an initrd holds regular files, directories and "
			     "symlinks)",
			     where(p));
	case S_IFIFO:
		return failf(p->err, p->errlen,
			     "%s is a FIFO (an initrd holds regular files, directories and "
			     "symlinks)",
			     where(p));
	case S_IFSOCK:
		return failf(p->err, p->errlen,
			     "%s is a socket (an initrd holds regular files, directories and "
			     "symlinks)",
			     where(p));
	default:
		return failf(p->err, p->errlen, "%s is of an unknown type", where(p));
	}
}

/* The entries of the directory open on fd (which this closes), in name
 * order, below p->path. */
static int pack_dir(struct pack *p, int fd)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i, plen = strlen(p->path);
	int r = 0;

	if (!d) {
		close(fd);
		return failf(p->err, p->errlen, "cannot read %s: %s", where(p), strerror(errno));
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);

			if (!more) {
				r = failf(p->err, p->errlen, "out of memory");
				goto out;
			}
			names = more;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = failf(p->err, p->errlen, "out of memory");
			goto out;
		}
		n++;
	}
	if (errno) {
		r = failf(p->err, p->errlen, "cannot read %s: %s", where(p), strerror(errno));
		goto out;
	}
	qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n && !r; i++) {
		if (plen + 1 + strlen(names[i]) >= sizeof p->path) {
			r = failf(p->err, p->errlen, "%s/%s: the path is too long", p->path,
				  names[i]);
			break;
		}
		snprintf(p->path + plen, sizeof p->path - plen, "/%s", names[i]);
		r = pack_entry(p, dirfd(d), names[i]);
		p->path[plen] = 0;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

static int pack(const char *dir, int fd, size_t limit, size_t *len, char *err, size_t errlen)
{
	struct pack *p = calloc(1, sizeof *p);
	static const struct stat trailer = { .st_mode = 0 };
	struct stat st;
	int dfd, r;

	if (!p)
		return failf(err, errlen, "out of memory");
	p->fd = fd;
	p->limit = limit;
	p->err = err;
	p->errlen = errlen;
	snprintf(p->path, sizeof p->path, "%s", dir);
	p->top = strlen(p->path);
	while (p->top > 1 && p->path[p->top - 1] == '/')
		p->path[--p->top] = 0; /* "site/" names as "site" does */
	p->top++;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st)) {
		r = failf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
		goto out;
	}
	if ((r = header(p, ".", &st, 0)) || (r = pack_dir(p, dfd)) ||
	    (r = header(p, CPIO_TRAILER, &trailer, 0)))
		goto out;
	r = flush(p);
out:
	*len = p->total;
	free(p);
	return r < 0 ? -1 : 0;
}

/* ---- converting a tar archive ---- */

/*
 * tar (POSIX ustar and pax, GNU's long names) is read into the same
 * packer: each header's checksum and fields are checked, every offset
 * against the length, and the result is a newc archive checked like
 * any other. Hard links become copies, as in a packed directory.
 */

#define TAR_BLOCK 512

struct tar_file { /* a regular file seen so far, for hard links to it */
	char *name;
	const unsigned char *data;
	size_t size;
};

/* An octal field (spaces before, NUL or spaces after), or base-256
 * (GNU: first byte 0x80). -1 when malformed. */
static int tar_num(const unsigned char *f, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -1; /* negative */
		for (i = 1; i < n; i++) {
			if (v >> 56)
				return -1;
			v = v << 8 | f[i];
		}
		*out = v;
		return 0;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	while (i < n && (f[i] == ' ' || f[i] == 0))
		i++;
	if (i != n)
		return -1;
	*out = v;
	return 0;
}

/* name[0, len) made canonical (cpio_component's rules) into out, which
 * holds CPIO_NAME_MAX + 1 bytes; "." for the root. NULL, or a reason. */
static const char *canonical(const char *name, size_t len, char *out)
{
	const char *p = name, *comp, *why;
	size_t clen, at = 0;
	int k;

	while ((k = cpio_component(&p, name + len, &comp, &clen, &why)) == 1) {
		if (at + !!at + clen > CPIO_NAME_MAX)
			return "a name longer than 4095 bytes";
		if (at)
			out[at++] = '/';
		memcpy(out + at, comp, clen);
		at += clen;
	}
	if (k < 0)
		return why;
	if (!at)
		out[at++] = '.';
	out[at] = 0;
	return NULL;
}

/* A pax extended header's records: path, linkpath and size matter. */
static const char *tar_pax(const unsigned char *d, size_t n, char *path, int *has_path, char *link,
			   int *has_link, uint64_t *size, int *has_size)
{
	size_t at = 0;

	while (at < n) {
		size_t len = 0, i = at, k;
		const char *key, *val;

		while (i < n && d[i] >= '0' && d[i] <= '9' && len < n)
			len = len * 10 + (size_t)(d[i++] - '0');
		if (i == at || i >= n || d[i] != ' ' || len > n - at || len < i - at + 3 ||
		    d[at + len - 1] != '\n')
			return "a malformed pax record";
		key = (const char *)d + i + 1;
		for (k = i + 1; k < at + len - 1 && d[k] != '='; k++)
			;
		if (k == at + len - 1)
			return "a malformed pax record";
		val = (const char *)d + k + 1; /* up to the '\n' at at + len - 1 */
		if ((size_t)(k - (i + 1)) == 4 && memcmp(key, "path", 4) == 0) {
			if (at + len - 1 - (k + 1) > CPIO_NAME_MAX)
				return "a pax path longer than 4095 bytes";
			memcpy(path, val, at + len - 1 - (k + 1));
			path[at + len - 1 - (k + 1)] = 0;
			*has_path = 1;
		} else if ((size_t)(k - (i + 1)) == 8 && memcmp(key, "linkpath", 8) == 0) {
			if (at + len - 1 - (k + 1) > CPIO_NAME_MAX)
				return "a pax linkpath longer than 4095 bytes";
			memcpy(link, val, at + len - 1 - (k + 1));
			link[at + len - 1 - (k + 1)] = 0;
			*has_link = 1;
		} else if ((size_t)(k - (i + 1)) == 4 && memcmp(key, "size", 4) == 0) {
			uint64_t v = 0;
			size_t j;

			for (j = k + 1; j < at + len - 1; j++) {
				if (d[j] < '0' || d[j] > '9' || v > (UINT64_MAX - 9) / 10)
					return "a malformed pax size";
				v = v * 10 + (uint64_t)(d[j] - '0');
			}
			*size = v;
			*has_size = 1;
		}
		at += len;
	}
	return NULL;
}

static int pack_tar(struct pack *p, const unsigned char *t, size_t len)
{
	static char name[CPIO_NAME_MAX + 1], link[CPIO_NAME_MAX + 1], canon[CPIO_NAME_MAX + 1],
		target[CPIO_NAME_MAX + 1];
	static const struct stat trailer = { .st_mode = 0 };
	struct tar_file *files = NULL;
	size_t nfiles = 0, cap = 0, off = 0, at = 0, i;
	int has_name = 0, has_link = 0, has_size = 0, r = -1;
	uint64_t pax_size = 0;
	const char *why = NULL;

	for (;;) {
		const unsigned char *h = t + (at = off);
		uint64_t mode, uid, gid, size, mtime, sum, want = 0;
		const unsigned char *data;
		struct stat st;
		char type;

		if (len - off < TAR_BLOCK) {
			why = "truncated (no end-of-archive block)";
			goto bad;
		}
		for (i = 0; i < TAR_BLOCK && !h[i]; i++)
			;
		if (i == TAR_BLOCK)
			break; /* the end-of-archive block */
		for (i = 0; i < TAR_BLOCK; i++)
			want += i >= 148 && i < 156 ? ' ' : h[i];
		if (tar_num(h + 148, 8, &sum) || sum != want) {
			why = "a header whose checksum is wrong";
			goto bad;
		}
		if (tar_num(h + 100, 8, &mode) || tar_num(h + 108, 8, &uid) ||
		    tar_num(h + 116, 8, &gid) || tar_num(h + 124, 12, &size) ||
		    tar_num(h + 136, 12, &mtime)) {
			why = "a header field that is not a number";
			goto bad;
		}
		type = (char)h[156];
		if (has_size) {
			size = pax_size;
			has_size = 0;
		}
		if (type == '5' || type == '1' || type == '2')
			size = 0; /* directories and links carry no data */
		if (size > len - off - TAR_BLOCK) {
			why = "the data run past the end of the archive";
			goto bad;
		}
		data = h + TAR_BLOCK;
		off += TAR_BLOCK + (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		if (off > len)
			off = len; /* the last block's padding: the next read reports it */
		switch (type) {
		case 'L': /* GNU: the next entry's name */
		case 'K': /* and its link's target */
			if (size == 0 || size > CPIO_NAME_MAX) {
				why = "a GNU long name of more than 4095 bytes";
				goto bad;
			}
			memcpy(type == 'L' ? name : link, data, size);
			(type == 'L' ? name : link)[size] = 0;
			*(type == 'L' ? &has_name : &has_link) = 1;
			continue;
		case 'x':
			if ((why = tar_pax(data, size, name, &has_name, link, &has_link, &pax_size,
					   &has_size)))
				goto bad;
			continue;
		case 'g':
			continue; /* global pax records: nothing keel uses */
		}
		if (!has_name) {
			size_t n = strnlen((const char *)h, 100), pre = 0;

			if (!memcmp(h + 257, "ustar", 6)) /* POSIX: a prefix */
				pre = strnlen((const char *)h + 345, 155);
			memcpy(name, h + 345, pre);
			if (pre)
				name[pre++] = '/';
			memcpy(name + pre, h, n);
			name[pre + n] = 0;
		}
		if (!has_link) {
			size_t n = strnlen((const char *)h + 157, 100);

			memcpy(link, h + 157, n);
			link[n] = 0;
		}
		has_name = has_link = 0;
		if ((why = canonical(name, strlen(name), canon)))
			goto bad;
		memset(&st, 0, sizeof st);
		st.st_mode = (mode_t)(mode & 07777);
		st.st_uid = (uid_t)uid;
		st.st_gid = (gid_t)gid;
		st.st_mtime = (time_t)(mtime > 0xffffffffULL ? 0xffffffffULL : mtime);
		if (size > 0xffffffffULL) {
			why = "a file larger than a cpio newc entry can be (4 GiB)";
			goto bad;
		}
		switch (type) {
		case '0':
		case '\0':
		case '7':
			st.st_mode |= S_IFREG;
			if (nfiles == cap) {
				struct tar_file *more =
					realloc(files, (cap = cap ? 2 * cap : 64) * sizeof *files);

				if (!more)
					goto oom;
				files = more;
			}
			if (!(files[nfiles].name = strdup(canon)))
				goto oom;
			files[nfiles].data = data;
			files[nfiles++].size = (size_t)size;
			break;
		case '1': /* a hard link: a copy of the file it names */
			if ((why = canonical(link, strlen(link), target)))
				goto bad;
			for (i = nfiles; i-- > 0 && strcmp(files[i].name, target);)
				;
			if (i == (size_t)-1) {
				why = "a hard link to a file the archive does not hold before it";
				goto bad;
			}
			st.st_mode |= S_IFREG;
			data = files[i].data;
			size = files[i].size;
			break;
		case '2':
			st.st_mode |= S_IFLNK;
			data = (const unsigned char *)link;
			size = strlen(link);
			break;
		case '5':
			st.st_mode |= S_IFDIR;
			break;
		case '3':
		case '4':
			why = "a device node (an initrd holds files, directories and symlinks)";
			goto bad;
		case '6':
			why = "a FIFO (an initrd holds files, directories and symlinks)";
			goto bad;
		default:
			why = "an entry of a tar type keel does not take";
			goto bad;
		}
		if ((r = header(p, canon, &st, (size_t)size)) || (r = put(p, data, (size_t)size)) ||
		    (r = put_pad(p)))
			goto out;
		r = -1;
	}
	if ((r = header(p, CPIO_TRAILER, &trailer, 0)) == 0)
		r = flush(p);
	goto out;
oom:
	failf(p->err, p->errlen, "out of memory");
	goto out;
bad:
	failf(p->err, p->errlen, "bad tar archive: the entry at byte %zu: %s", at, why);
out:
	for (i = 0; i < nfiles; i++)
		free(files[i].name);
	free(files);
	return r;
}

/* Whether buf holds a tar archive: a ustar magic (POSIX or GNU). */
static int is_tar(const unsigned char *b, size_t len)
{
	return len >= TAR_BLOCK && !memcmp(b + 257, "ustar", 5) && (b[262] == 0 || b[262] == ' ');
}

/* ---- checking an archive ---- */

struct name {
	char *path; /* normalized: components joined by '/', "" the root */
	uint32_t mode;
	size_t offset;
};

/* Byte order with '/' lowest: "a" < "a/b" < "a-b", so the names under a
 * directory follow it directly. */
static int key(unsigned char c)
{
	return c == 0 ? 0 : c == '/' ? 1 : c + 1;
}

static int path_order(const void *x, const void *y)
{
	const unsigned char *a = (const void *)((const struct name *)x)->path;
	const unsigned char *b = (const void *)((const struct name *)y)->path;

	for (; *a && *a == *b; a++, b++)
		;
	return key(*a) - key(*b);
}

/* Whether some name in names[0, n) is exactly path[0, len). */
static int present(const struct name *names, size_t n, const char *path, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const unsigned char *a = (const void *)names[mid].path;
		const unsigned char *b = (const void *)path;
		size_t i;
		int c = 0;

		for (i = 0; i < len && a[i] && a[i] == b[i]; i++)
			;
		c = i == len ? key(a[i]) : key(a[i]) - key(b[i]);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The parents names[i] needs that no entry names and no earlier name
 * (in path order) needed: the directories the guest will make. */
static size_t implied_parents(const struct name *names, size_t n, size_t i)
{
	const char *p = names[i].path, *slash;
	size_t count = 0;

	for (slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t l = (size_t)(slash - p);

		if (i && strncmp(names[i - 1].path, p, l + 1) == 0)
			continue; /* the previous name is under it too */
		count += !present(names, n, p, l);
	}
	return count;
}

int initrd_check(const unsigned char *buf, size_t len, size_t *tree, char *err, size_t errlen)
{
	struct name *names = NULL;
	size_t n = 0, cap = 0, off = 0, i;
	struct cpio_entry e;
	const char *why;
	size_t bytes = INITRD_FIXED_BYTES + INITRD_ENTRY_BYTES; /* and the root */
	int r = -1, k;

	while ((k = cpio_next(buf, len, &off, &e, &why)) == 1) {
		const char *p = e.name, *end = e.name + e.namelen, *comp;
		size_t clen, at = 0;
		char *path;

		if ((why = cpio_check_entry(&e)))
			goto bad;
		if (!(path = malloc(e.namelen + 1))) {
			failf(err, errlen, "out of memory");
			goto out;
		}
		while ((k = cpio_component(&p, end, &comp, &clen, &why)) == 1) {
			if (at)
				path[at++] = '/';
			memcpy(path + at, comp, clen);
			at += clen;
		}
		path[at] = 0;
		if (k < 0) {
			free(path);
			goto bad;
		}
		if (!at) {
			free(path);
			if (!S_ISDIR(e.mode)) {
				why = "the root is not a directory";
				goto bad;
			}
			continue;
		}
		if (n == cap) {
			struct name *more =
				realloc(names, (cap = cap ? 2 * cap : 256) * sizeof *names);

			if (!more) {
				free(path);
				failf(err, errlen, "out of memory");
				goto out;
			}
			names = more;
		}
		names[n++] = (struct name){ path, e.mode, e.offset };
		bytes += INITRD_ENTRY_BYTES;
		if (S_ISLNK(e.mode)) /* the target's copy, in a power-of-two class */
			bytes += 2 * (e.size + 1);
	}
	if (k < 0)
		goto bad;
	qsort(names, n, sizeof *names, path_order);
	for (i = 0; i + 1 < n; i++) {
		size_t l = strlen(names[i].path);

		if (strcmp(names[i].path, names[i + 1].path) == 0 &&
		    !(S_ISDIR(names[i].mode) && S_ISDIR(names[i + 1].mode))) {
			failf(err, errlen, "\"%s\" is in the archive twice", names[i].path);
			goto out;
		}
		if (!S_ISDIR(names[i].mode) && strncmp(names[i].path, names[i + 1].path, l) == 0 &&
		    names[i + 1].path[l] == '/') {
			failf(err, errlen, "\"%s\" holds \"%s\" but is not a directory",
			      names[i].path, names[i + 1].path);
			goto out;
		}
	}
	for (i = 0; i < n; i++)
		bytes += INITRD_ENTRY_BYTES * implied_parents(names, n, i);
	if (tree)
		*tree = bytes;
	r = 0;
	goto out;
bad:
	if (e.name && e.namelen && !memchr(e.name, 0, e.namelen) && e.namelen < 200)
		failf(err, errlen, "bad cpio archive: entry \"%s\" at byte %zu: %s", e.name,
		      e.offset, why);
	else
		failf(err, errlen, "bad cpio archive at byte %zu: %s", e.offset, why);
out:
	for (i = 0; i < n; i++)
		free(names[i].path);
	free(names);
	return r;
}

/* ---- the memfd ---- */

static int copy_in(int in, int out, size_t size, char *err, size_t errlen)
{
	static unsigned char buf[1 << 16];
	size_t done = 0;

	while (done < size) {
		ssize_t n = read(in, buf, sizeof buf), w = 0, k;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return failf(err, errlen, "cannot read it: %s", strerror(errno));
		if (n == 0)
			return failf(err, errlen, "it shrank while being read");
		if ((size_t)n > size - done)
			n = (ssize_t)(size - done);
		while (w < n) {
			k = write(out, buf + w, (size_t)(n - w));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return failf(err, errlen, "cannot hold it in memory: %s",
					     k < 0 ? strerror(errno) : "short write");
			w += k;
		}
		done += (size_t)n;
	}
	return 0;
}

/* What a file that is not a newc archive is, for the message. */
static const char *what_else(const unsigned char *b, size_t len)
{
	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return "it is compressed (gzip): decompress it first";
	if (len >= 6 && memcmp(b, "070707", 6) == 0)
		return "it is an old-format (odc) cpio archive: make one with cpio -o -H newc";
	return "it is neither a cpio archive in newc format nor a tar archive, nor a directory";
}

int initrd_make(const char *path, size_t limit, int *fd, size_t *len, size_t *tree, char *err,
		size_t errlen)
{
	unsigned char *map;
	struct stat st;
	int in = -1, out;

	*fd = -1;
	*len = 0;
	*tree = 0;
	if (stat(path, &st))
		return failf(err, errlen, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return failf(err, errlen, "not a directory or a regular file");
	out = memfd_create("keel-initrd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (out < 0)
		return failf(err, errlen, "cannot make a memfd: %s", strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (pack(path, out, limit, len, err, errlen))
			goto fail;
		if (*len > limit) {
			close(out);
			return 0; /* the caller says it does not fit */
		}
	} else {
		*len = (size_t)st.st_size;
		if ((size_t)st.st_size > limit) {
			close(out);
			return 0;
		}
		in = open(path, O_RDONLY | O_CLOEXEC);
		if (in < 0) {
			failf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
		if (copy_in(in, out, *len, err, errlen))
			goto fail;
		close(in);
		in = -1;
	}
	if (fcntl(out, F_ADD_SEALS, SEALS)) {
		failf(err, errlen, "cannot seal the memfd: %s", strerror(errno));
		goto fail;
	}
	if (!*len) {
		failf(err, errlen, "an empty file (not a cpio archive)");
		goto fail;
	}
	map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, out, 0);
	if (map == MAP_FAILED) {
		failf(err, errlen, "cannot map the archive: %s", strerror(errno));
		goto fail;
	}
	if (*len >= TAR_BLOCK && memcmp(map, "07070", 5) && is_tar(map, *len)) {
		/* made into a newc archive in a memfd of its own */
		int conv = memfd_create("keel-initrd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		struct pack *p = calloc(1, sizeof *p);
		size_t raw = *len;
		int r = -1;

		if (conv < 0 || !p) {
			failf(err, errlen, "cannot make a memfd: %s", strerror(errno));
		} else {
			*p = (struct pack){
				.fd = conv, .limit = limit, .err = err, .errlen = errlen
			};
			r = pack_tar(p, map, *len);
			*len = p->total;
		}
		free(p);
		munmap(map, raw);
		close(out);
		out = conv;
		if (r < 0)
			goto fail;
		if (r > 0 || *len > limit) {
			close(out);
			return 0; /* the caller says it does not fit */
		}
		if (fcntl(out, F_ADD_SEALS, SEALS)) {
			failf(err, errlen, "cannot seal the memfd: %s", strerror(errno));
			goto fail;
		}
		map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, out, 0);
		if (map == MAP_FAILED) {
			failf(err, errlen, "cannot map the archive: %s", strerror(errno));
			goto fail;
		}
	}
	if (*len < 6 || (memcmp(map, "070701", 6) && memcmp(map, "070702", 6))) {
		failf(err, errlen, "%s", what_else(map, *len));
		munmap(map, *len);
		goto fail;
	}
	if (initrd_check(map, *len, tree, err, errlen)) {
		munmap(map, *len);
		goto fail;
	}
	munmap(map, *len);
	*fd = out;
	return 0;
fail:
	if (in >= 0)
		close(in);
	close(out);
	return -1;
}
