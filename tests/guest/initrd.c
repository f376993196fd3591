/*
 * The initrd (keel-run --initrd=DIR|FILE) as the guest sees it at
 * /initrd: the tree tests/guest/cases-initrd.sh makes, read through
 * open/read/pread/fstat/getdents/readlink/sendfile, and refused with
 * EROFS for every change.
 *
 *   initrd CKSUM [cpio]
 *   initrd none          (run without --initrd: there is no /initrd)
 *
 * CKSUM is `cksum sub/big.bin`'s first word (POSIX CRC); "cpio" says
 * the tree came as an archive made by cpio -o -H newc, where hard.txt
 * and a.txt are two names of one file (keel-run's packer copies it).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

static uint32_t crc_table[256];

/* POSIX cksum: CRC-32 (0x04C11DB7, MSB first) over the data, then the
 * length's bytes, least significant first, then complemented. */
static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		for (c = i << 24, j = 0; j < 8; j++)
			c = c & 0x80000000u ? c << 1 ^ 0x04C11DB7u : c << 1;
		crc_table[i] = c;
	}
}

static uint32_t crc_add(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n--)
		crc = crc << 8 ^ crc_table[(crc >> 24 ^ *p++) & 0xff];
	return crc;
}

static uint32_t crc_end(uint32_t crc, uint64_t len)
{
	unsigned char b;

	for (; len; len >>= 8) {
		b = (unsigned char)len;
		crc = crc_add(crc, &b, 1);
	}
	return ~crc;
}

static char *slurp(const char *path, size_t *n)
{
	static char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t r;

	CHECK(fd >= 0);
	r = read(fd, buf, sizeof buf - 1);
	CHECK(r >= 0);
	buf[r] = 0;
	*n = (size_t)r;
	close(fd);
	return buf;
}

/* The names of a directory, sorted, space-separated. */
static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *names_of(const char *path)
{
	static char out[4096];
	char *names[64];
	struct dirent *de;
	DIR *d = opendir(path);
	int n = 0, i;

	CHECK(d != NULL);
	while ((de = readdir(d)) && n < 64)
		names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, by_name);
	out[0] = 0;
	for (i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, names[i]);
		free(names[i]);
	}
	return out;
}

static void reading(int cpio)
{
	struct stat st, st2, root;
	char buf[64];
	size_t n;
	int fd;

	CHECK_EQ(stat("/", &root), 0);
	CHECK_EQ(stat("/initrd", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK(st.st_dev != root.st_dev);

	CHECK_STR(slurp("/initrd/a.txt", &n), "hello\n");
	CHECK_EQ(stat("/initrd/a.txt", &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0644);
	CHECK_EQ(st.st_size, 6);
	CHECK_EQ(st.st_mtime, 1600000000);
	CHECK_EQ(stat("/initrd/run.sh", &st2), 0);
	CHECK_EQ(st2.st_mode & 07777, 0755);
	CHECK_EQ(access("/initrd/run.sh", X_OK), 0);
	CHECK_ERR(access("/initrd/a.txt", X_OK), EACCES);
	CHECK_EQ(access("/initrd/a.txt", R_OK), 0);

	fd = open("/initrd/a.txt", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(pread(fd, buf, 4, 1), 4);
	CHECK(!memcmp(buf, "ello", 4));
	CHECK_EQ(pread(fd, buf, 4, 6), 0);
	CHECK_EQ(pread(fd, buf, 4, 1 << 20), 0);
	CHECK_EQ(read(fd, buf, 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 6);
	CHECK_EQ(read(fd, buf, 2), 0);
	CHECK_EQ(fstat(fd, &st2), 0);
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_EQ(st2.st_dev, st.st_dev);
	close(fd);
	/* O_CREAT of a name that exists is an open, read-only is fine */
	fd = open("/initrd/a.txt", O_RDONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	close(fd);

	CHECK_STR(slurp("/initrd/hard.txt", &n), "hello\n");
	CHECK_EQ(stat("/initrd/hard.txt", &st2), 0);
	if (cpio) { /* cpio keeps hard links: one file, two names */
		CHECK_EQ(st2.st_ino, st.st_ino);
		CHECK_EQ(st.st_nlink, 2);
	} else {
		CHECK(st2.st_ino != st.st_ino);
		CHECK_EQ(st.st_nlink, 1);
	}

	CHECK_STR(slurp("/initrd/empty", &n), "");
	CHECK_EQ(stat("/initrd/empty", &st2), 0);
	CHECK_EQ(st2.st_size, 0);

	/* symlinks */
	CHECK_EQ(readlink("/initrd/link", buf, sizeof buf), 5);
	CHECK(!memcmp(buf, "a.txt", 5));
	CHECK_EQ(lstat("/initrd/link", &st2), 0);
	CHECK(S_ISLNK(st2.st_mode));
	CHECK_EQ(st2.st_size, 5);
	CHECK_EQ(stat("/initrd/link", &st2), 0);
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_STR(slurp("/initrd/abslink", &n), "hello\n");
	CHECK_STR(slurp("/initrd/dirlink/deeper/x", &n), "deep\n");
	CHECK_ERR(readlink("/initrd/a.txt", buf, sizeof buf), EINVAL);

	/* lookups that fail */
	CHECK_ERR(open("/initrd/nope", O_RDONLY), ENOENT);
	CHECK_ERR(open("/initrd/a.txt/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("/initrd/sub", O_RDONLY | O_NOFOLLOW | O_WRONLY), EISDIR);

	/* listings */
	CHECK_STR(names_of("/initrd"),
		  ". .. a.txt abslink dirlink empty hard.txt link many run.sh sub");
	CHECK_STR(names_of("/initrd/sub"), ". .. big.bin deeper");
	CHECK_STR(names_of("/initrd/sub/deeper"), ". .. x");
	CHECK(strstr(names_of("/"), " initrd ") != NULL);

	/* the cwd inside */
	CHECK_EQ(chdir("/initrd/sub"), 0);
	CHECK(getcwd(buf, sizeof buf) != NULL);
	CHECK_STR(buf, "/initrd/sub");
	CHECK_STR(slurp("deeper/x", &n), "deep\n");
	CHECK_EQ(chdir(".."), 0);
	CHECK(getcwd(buf, sizeof buf) != NULL);
	CHECK_STR(buf, "/initrd");
	CHECK_EQ(chdir(".."), 0);
	CHECK(getcwd(buf, sizeof buf) != NULL);
	CHECK_STR(buf, "/");
}

/* 300 entries read back with a getdents64 buffer of about two. */
static void many(void)
{
	char buf[80], seen[300] = { 0 };
	int fd = open("/initrd/many", O_RDONLY | O_DIRECTORY), total = 0, i;
	long n;

	CHECK(fd >= 0);
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		long off = 0;

		while (off < n) {
			struct dirent *de = (struct dirent *)(buf + off);
			int k;

			total++;
			if (de->d_name[0] == 'f') {
				k = atoi(de->d_name + 1);
				CHECK(k >= 0 && k < 300 && !seen[k]);
				CHECK_EQ(de->d_type, DT_REG);
				seen[k] = 1;
			}
			off += de->d_reclen;
		}
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(total, 302);
	close(fd);
	for (i = 0; i < 300; i += 37) {
		char path[40], want[8];
		size_t len;

		snprintf(path, sizeof path, "/initrd/many/f%03d", i);
		snprintf(want, sizeof want, "f%03d\n", i);
		CHECK_STR(slurp(path, &len), want);
	}
}

/* 1 MiB read in odd pieces, read at odd places, and sent to a file. */
static void big(uint32_t want)
{
	static unsigned char data[1 << 20], again[1 << 20];
	struct stat st;
	size_t got = 0;
	off_t off;
	ssize_t r;
	int fd = open("/initrd/sub/big.bin", O_RDONLY), out;

	CHECK(fd >= 0);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 1 << 20);
	while ((r = read(fd, data + got, got + 4999 <= sizeof data ? 4999 : sizeof data - got)) > 0)
		got += (size_t)r;
	CHECK_EQ(r, 0);
	CHECK_EQ(got, sizeof data);
	CHECK_EQ(crc_end(crc_add(0, data, sizeof data), sizeof data), want);
	for (off = 0; off < (off_t)sizeof data; off += 65536 + 123) {
		unsigned char b[300];

		CHECK_EQ(pread(fd, b, sizeof b, off),
			 off + 300 <= (off_t)sizeof data ? 300 : (off_t)sizeof data - off);
		CHECK(!memcmp(b, data + off, 10));
	}

	/* sendfile at the file's position, then at an offset of our own */
	out = open("/tmp/big.copy", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(out >= 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(sendfile(out, fd, NULL, 1000), 1000);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 1000);
	off = 1000;
	CHECK_EQ(sendfile(out, fd, &off, sizeof data), sizeof data - 1000);
	CHECK_EQ(off, sizeof data);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 1000);	  /* untouched with an offset */
	CHECK_EQ(sendfile(out, fd, &off, 10), 0); /* at the end */
	CHECK_EQ(pread(out, again, sizeof again, 0), sizeof again);
	CHECK(!memcmp(again, data, sizeof data));
	close(out);
	close(fd);
	unlink("/tmp/big.copy");
}

static void read_only(void)
{
	struct timeval tv[2] = { { 1, 0 }, { 2, 0 } };
	struct statvfs vf;
	struct statfs sf;
	char tmpl[] = "/initrd/tmpXXXXXX";

	CHECK_ERR(open("/initrd/a.txt", O_WRONLY), EROFS);
	CHECK_ERR(open("/initrd/a.txt", O_RDWR), EROFS);
	CHECK_ERR(open("/initrd/a.txt", O_RDONLY | O_TRUNC), EROFS);
	CHECK_ERR(open("/initrd/new", O_WRONLY | O_CREAT, 0644), EROFS);
	CHECK_ERR(open("/initrd/sub/new", O_RDONLY | O_CREAT, 0644), EROFS);
	CHECK_ERR(creat("/initrd/sub/deeper/new", 0644), EROFS);
	CHECK_ERR(open("/initrd", O_TMPFILE | O_RDWR, 0600), EROFS);
	CHECK_ERR(mkstemp(tmpl), EROFS);
	CHECK_ERR(unlink("/initrd/a.txt"), EROFS);
	CHECK_ERR(unlink("/initrd/nope"), EROFS);
	CHECK_ERR(mkdir("/initrd/d", 0755), EROFS);
	CHECK_ERR(mkdir("/initrd/sub", 0755), EEXIST);
	CHECK_ERR(rmdir("/initrd/sub/deeper"), EROFS);
	CHECK_ERR(rmdir("/initrd"), EBUSY);
	CHECK_ERR(rename("/initrd/a.txt", "/initrd/b.txt"), EROFS);
	CHECK_ERR(rename("/initrd/a.txt", "/tmp/a.txt"), EXDEV);
	CHECK_ERR(link("/initrd/a.txt", "/initrd/b.txt"), EROFS);
	CHECK_ERR(link("/initrd/a.txt", "/tmp/a.txt"), EXDEV);
	CHECK_ERR(symlink("a.txt", "/initrd/l2"), EROFS);
	CHECK_ERR(mknod("/initrd/n", S_IFREG | 0644, 0), EROFS);
	CHECK_ERR(chmod("/initrd/a.txt", 0600), EROFS);
	CHECK_ERR(chown("/initrd/a.txt", 1, 1), EROFS);
	CHECK_ERR(utimes("/initrd/a.txt", tv), EROFS);
	CHECK_ERR(truncate("/initrd/a.txt", 0), EROFS);
	CHECK_ERR(access("/initrd/a.txt", W_OK), EROFS);
	CHECK_EQ(statfs("/initrd/sub", &sf), 0);
	CHECK(sf.f_flags & ST_RDONLY);
	CHECK_EQ(sf.f_bfree, 0);
	CHECK_EQ(statvfs("/initrd/a.txt", &vf), 0);
	CHECK(vf.f_flag & ST_RDONLY);
	CHECK_EQ(statvfs("/tmp", &vf), 0);
	CHECK(!(vf.f_flag & ST_RDONLY));
	{
		int fd = open("/initrd/a.txt", O_RDONLY);

		CHECK_ERR(write(fd, "x", 1), EBADF);
		CHECK_ERR(ftruncate(fd, 0), EINVAL);
		CHECK_ERR(fchmod(fd, 0600), EROFS);
		close(fd);
	}
	CHECK_STR(names_of("/initrd/sub"), ". .. big.bin deeper"); /* nothing changed */
}

int main(int argc, char **argv)
{
	struct stat st;

	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "none") == 0) {
		CHECK_ERR(stat("/initrd", &st), ENOENT);
		return done();
	}
	crc_init();
	reading(argc > 2 && strcmp(argv[2], "cpio") == 0);
	many();
	big((uint32_t)strtoul(argv[1], NULL, 10));
	read_only();
	return done();
}
