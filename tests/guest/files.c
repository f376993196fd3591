/*
 * Files on ramfs through libc: open/read/write/lseek/pread/pwrite,
 * stat, directories, rename, unlink, symlinks, dup2, fcntl, O_APPEND,
 * sparse files, stdio, opendir/readdir, getcwd/chdir, umask, and the
 * errors each refuses with.
 *
 *   files        the checks on ordinary files and directories
 *   files dev    /dev/null, zero, full, urandom, console
 *   files blk N  /dev/vda, a disk of N sectors: aligned and unaligned
 *                reads and writes, seeks, sizes (the runner checks the
 *                host file)
 *   files full   fill the file system until ENOSPC (run under a small
 *                --mem): what was written before survives, and
 *                removing a file makes room again
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, s, strlen(s)), strlen(s));
	CHECK_EQ(close(fd), 0);
}

static const char *read_file(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	CHECK(fd >= 0);
	n = read(fd, buf, sizeof buf - 1);
	CHECK(n >= 0);
	buf[n] = 0;
	CHECK_EQ(close(fd), 0);
	return buf;
}

static void basics(void)
{
	struct stat st;
	char buf[64];
	time_t now = time(NULL);
	int fd;

	fd = open("/tmp/a", O_RDWR | O_CREAT | O_EXCL, 0666);
	CHECK(fd >= 3);
	CHECK_EQ(write(fd, "", 0), 0); /* nothing to write is no error */
	CHECK_EQ(write(fd, "hello, ", 7), 7);
	CHECK_EQ(write(fd, "world", 5), 5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 12);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(read(fd, buf, sizeof buf), 12);
	CHECK(!memcmp(buf, "hello, world", 12));
	CHECK_EQ(read(fd, buf, sizeof buf), 0);
	CHECK_EQ(pread(fd, buf, 5, 7), 5);
	CHECK(!memcmp(buf, "world", 5));
	CHECK_EQ(pwrite(fd, "W", 1, 7), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 12); /* pread/pwrite leave the offset */
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0644); /* umask 022 */
	CHECK_EQ(st.st_size, 12);
	CHECK_EQ(st.st_nlink, 1);
	CHECK(st.st_blocks >= 8);
	CHECK(st.st_mtime >= now - 5 && st.st_mtime <= now + 5);
	CHECK_EQ(close(fd), 0);
	CHECK_STR(read_file("/tmp/a"), "hello, World");

	/* errors */
	CHECK_ERR(open("/tmp/a", O_RDWR | O_CREAT | O_EXCL, 0666), EEXIST);
	CHECK_ERR(open("/tmp/nonesuch", O_RDONLY), ENOENT);
	CHECK_ERR(open("/nodir/x", O_RDWR | O_CREAT, 0666), ENOENT);
	CHECK_ERR(open("/tmp/a/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("/tmp/a/", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("/tmp", O_WRONLY), EISDIR);
	CHECK_ERR(open("/tmp/new/", O_RDWR | O_CREAT, 0666), EISDIR);
	CHECK_ERR(read(fd, buf, 1), EBADF);
	CHECK_ERR(close(fd), EBADF);
	CHECK_ERR(close(-1), EBADF);
	CHECK_ERR(write(1000, "x", 1), EBADF);
	CHECK_ERR(stat("", &st), ENOENT);
	fd = open("/tmp/a", O_RDONLY);
	CHECK_ERR(write(fd, "x", 1), EBADF);
	CHECK_ERR(ftruncate(fd, 0), EINVAL);
	CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR(lseek(1, 0, SEEK_CUR), ESPIPE);
	CHECK_EQ(close(fd), 0);
	fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK_ERR(read(fd, buf, 1), EISDIR);
	CHECK_EQ(close(fd), 0);

	/* O_TRUNC, ftruncate, truncate */
	fd = open("/tmp/a", O_WRONLY | O_TRUNC);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(ftruncate(fd, 10000), 0);
	CHECK_EQ(fsync(fd), 0);
	CHECK_EQ(fdatasync(fd), 0);
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(stat("/tmp/a", &st), 0);
	CHECK_EQ(st.st_size, 10000);
	CHECK_EQ(truncate("/tmp/a", 3), 0);
	CHECK_EQ(stat("/tmp/a", &st), 0);
	CHECK_EQ(st.st_size, 3);
	CHECK_ERR(truncate("/tmp", 0), EISDIR);
	CHECK_EQ(unlink("/tmp/a"), 0);
	CHECK_ERR(unlink("/tmp/a"), ENOENT);
	CHECK_ERR(stat("/tmp/a", &st), ENOENT);
}

/* Writing past the end leaves a hole that reads as zeros. */
static void sparse(void)
{
	char buf[9000];
	struct stat st;
	int fd = open("/tmp/sparse", O_RDWR | O_CREAT, 0600), i, zeros = 1;

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "ab", 2), 2);
	CHECK_EQ(lseek(fd, 3 * 4096 + 100, SEEK_SET), 3 * 4096 + 100);
	CHECK_EQ(write(fd, "end", 3), 3);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 3 * 4096 + 103);
	CHECK_EQ(st.st_blocks, 2 * 8); /* two pages hold data; two are holes */
	CHECK_EQ(pread(fd, buf, sizeof buf, 0), sizeof buf);
	CHECK(buf[0] == 'a' && buf[1] == 'b');
	for (i = 2; i < (int)sizeof buf; i++)
		zeros &= buf[i] == 0;
	CHECK(zeros);
	CHECK_EQ(pread(fd, buf, sizeof buf, 3 * 4096 + 100), 3);
	CHECK(!memcmp(buf, "end", 3));
	CHECK_EQ(lseek(fd, 0, SEEK_END), 3 * 4096 + 103);
	/* shrink then grow: the cut-off bytes come back as zeros */
	CHECK_EQ(ftruncate(fd, 1), 0);
	CHECK_EQ(ftruncate(fd, 4), 0);
	CHECK_EQ(pread(fd, buf, 10, 0), 4);
	CHECK(!memcmp(buf, "a\0\0\0", 4));
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(unlink("/tmp/sparse"), 0);
}

static void append_and_fcntl(void)
{
	int fd, fd2, fl;
	char buf[64];

	write_file("/tmp/log", "one\n");
	fd = open("/tmp/log", O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "two\n", 4), 4); /* at the end despite the seek */
	fl = fcntl(fd, F_GETFL);
	CHECK((fl & O_APPEND) && (fl & O_ACCMODE) == O_WRONLY);
	CHECK_EQ(fcntl(fd, F_SETFL, fl & ~O_APPEND), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "ONE\n", 4), 4);
	CHECK_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	fl = 0;
	CHECK_EQ(ioctl(fd, FIONBIO, &fl), 0);
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK_STR(read_file("/tmp/log"), "ONE\ntwo\n");
	fd2 = open("/tmp/log", O_RDONLY);
	CHECK_EQ(lseek(fd2, 3, SEEK_SET), 3);
	CHECK_EQ(ioctl(fd2, FIONREAD, &fl), 0);
	CHECK_EQ(fl, 5);
	CHECK_ERR(ioctl(fd2, TIOCGWINSZ, buf), ENOTTY);
	CHECK_EQ(close(fd2), 0);

	/* close-on-exec and dup */
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_EQ(fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	fd2 = fcntl(fd, F_DUPFD, 50);
	CHECK_EQ(fd2, 50);
	CHECK_EQ(fcntl(fd2, F_GETFD), 0);
	CHECK_EQ(close(fd2), 0);
	fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 50);
	CHECK_EQ(fd2, 50);
	CHECK_EQ(fcntl(fd2, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(close(fd2), 0);
	fd2 = dup(fd);
	CHECK(fd2 > fd);
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	CHECK_EQ(lseek(fd2, 0, SEEK_CUR), 2); /* one open file, one offset */
	CHECK_EQ(dup3(fd, 60, O_CLOEXEC), 60);
	CHECK_EQ(fcntl(60, F_GETFD), FD_CLOEXEC);
	CHECK_ERR(dup3(fd, fd, 0), EINVAL);
	CHECK_ERR(dup2(99, 98), EBADF);
	CHECK_ERR(fcntl(99, F_GETFD), EBADF);
	CHECK_EQ(dup2(fd, fd), fd);
	CHECK_EQ(close(60), 0);
	CHECK_EQ(close(fd2), 0);
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(unlink("/tmp/log"), 0);
}

/* dup2 onto stdout: printf lands in the file; stdout restored after. */
static void redirect_stdout(void)
{
	int saved = dup(1), fd = open("/tmp/out", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(saved >= 0 && fd >= 0);
	fflush(stdout);
	CHECK_EQ(dup2(fd, 1), 1);
	printf("into the file %d\n", 42);
	fflush(stdout);
	CHECK_EQ(dup2(saved, 1), 1);
	CHECK_EQ(close(saved), 0);
	CHECK_EQ(close(fd), 0);
	CHECK_STR(read_file("/tmp/out"), "into the file 42\n");
	CHECK_EQ(unlink("/tmp/out"), 0);
}

static void directories(void)
{
	struct stat st;
	char cwd[PATH_MAX];
	int seen_a = 0, seen_b = 0, seen_dot = 0, seen_dotdot = 0, n = 0, dfd;
	struct dirent *de;
	DIR *d;

	CHECK_EQ(mkdir("/tmp/d", 0755), 0);
	CHECK_ERR(mkdir("/tmp/d", 0755), EEXIST);
	CHECK_ERR(mkdir("/tmp/no/d", 0755), ENOENT);
	CHECK_ERR(mkdir("/", 0755), EEXIST);
	CHECK_EQ(stat("/tmp/d", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(mkdir("/tmp/d/sub", 0700), 0);
	CHECK_EQ(stat("/tmp/d", &st), 0);
	CHECK_EQ(st.st_nlink, 3);
	write_file("/tmp/d/a", "A");
	write_file("/tmp/d/b", "B");

	d = opendir("/tmp/d");
	CHECK(d != NULL);
	while ((de = readdir(d))) {
		n++;
		if (!strcmp(de->d_name, "a"))
			seen_a = de->d_type == DT_REG;
		else if (!strcmp(de->d_name, "b"))
			seen_b = 1;
		else if (!strcmp(de->d_name, "."))
			seen_dot = de->d_type == DT_DIR;
		else if (!strcmp(de->d_name, ".."))
			seen_dotdot = 1;
	}
	CHECK(seen_a && seen_b && seen_dot && seen_dotdot);
	CHECK_EQ(n, 5);
	rewinddir(d);
	n = 0;
	while (readdir(d))
		n++;
	CHECK_EQ(n, 5);
	CHECK_EQ(closedir(d), 0);
	CHECK(opendir("/tmp/d/a") == NULL && errno == ENOTDIR);
	CHECK(opendir("/tmp/none") == NULL && errno == ENOENT);

	/* cwd-relative paths, *at() calls, "." and ".." */
	CHECK_EQ(chdir("/tmp/d/sub"), 0);
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_STR(cwd, "/tmp/d/sub");
	CHECK_STR(read_file("../a"), "A");
	CHECK_STR(read_file("./../../d/./b"), "B");
	CHECK_EQ(chdir(".."), 0);
	CHECK_STR(getcwd(cwd, sizeof cwd), "/tmp/d");
	CHECK(getcwd(cwd, 4) == NULL && errno == ERANGE);
	CHECK_ERR(chdir("a"), ENOTDIR);
	CHECK_ERR(chdir("nope"), ENOENT);
	dfd = open("sub", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_EQ(mkdirat(dfd, "deeper", 0755), 0);
	CHECK_EQ(fstatat(dfd, "deeper", &st, 0), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(fstatat(AT_FDCWD, "a", &st, 0), 0);
	CHECK_EQ(st.st_size, 1);
	CHECK_ERR(fstatat(dfd, "a", &st, 0), ENOENT);
	CHECK_EQ(fstatat(dfd, "../a", &st, 0), 0);
	CHECK_EQ(unlinkat(dfd, "deeper", AT_REMOVEDIR), 0);
	CHECK_EQ(fchdir(dfd), 0);
	CHECK_STR(getcwd(cwd, sizeof cwd), "/tmp/d/sub");
	CHECK_EQ(close(dfd), 0);
	CHECK_ERR(fstatat(dfd, "x", &st, 0), EBADF);
	CHECK_EQ(chdir("/"), 0);
	CHECK_STR(getcwd(cwd, sizeof cwd), "/");
	CHECK_EQ(chdir("/.."), 0);
	CHECK_STR(getcwd(cwd, sizeof cwd), "/");

	/* a cwd removed with its parent: nothing dangles */
	CHECK_EQ(mkdir("/tmp/gone", 0755), 0);
	CHECK_EQ(mkdir("/tmp/gone/cwd", 0755), 0);
	CHECK_EQ(chdir("/tmp/gone/cwd"), 0);
	CHECK_EQ(rmdir("/tmp/gone/cwd"), 0);
	CHECK_EQ(rmdir("/tmp/gone"), 0);
	CHECK(getcwd(cwd, sizeof cwd) == NULL && errno == ENOENT);
	CHECK_ERR(open("f", O_WRONLY | O_CREAT, 0644), ENOENT);
	CHECK_ERR(mkdir("sub", 0755), ENOENT);
	CHECK_EQ(stat(".", &st), 0);
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(chdir(".."), 0); /* as Linux: the removed parent is still there */
	CHECK(getcwd(cwd, sizeof cwd) == NULL && errno == ENOENT);
	CHECK_EQ(chdir(".."), 0);
	CHECK_STR(getcwd(cwd, sizeof cwd), "/tmp");
	CHECK_EQ(chdir("/"), 0);

	/* removing */
	CHECK_ERR(rmdir("/tmp/d"), ENOTEMPTY);
	CHECK_ERR(rmdir("/tmp/d/a"), ENOTDIR);
	CHECK_ERR(unlink("/tmp/d/sub"), EISDIR);
	CHECK_ERR(rmdir("/tmp/d/sub/."), EINVAL);
	CHECK_EQ(rmdir("/tmp/d/sub"), 0);
	CHECK_EQ(stat("/tmp/d", &st), 0);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(unlink("/tmp/d/a"), 0);
	CHECK_EQ(unlink("/tmp/d/b"), 0);
	CHECK_EQ(rmdir("/tmp/d"), 0);
	CHECK_ERR(rmdir("/tmp/d"), ENOENT);
}

static void renames(void)
{
	struct stat st;
	ino_t ino;

	write_file("/tmp/r1", "first");
	write_file("/tmp/r2", "second");
	CHECK_EQ(stat("/tmp/r1", &st), 0);
	ino = st.st_ino;
	CHECK_EQ(rename("/tmp/r1", "/tmp/r2"), 0); /* replaces */
	CHECK_ERR(stat("/tmp/r1", &st), ENOENT);
	CHECK_EQ(stat("/tmp/r2", &st), 0);
	CHECK_EQ(st.st_ino, ino);
	CHECK_STR(read_file("/tmp/r2"), "first");
	CHECK_ERR(rename("/tmp/r1", "/tmp/r3"), ENOENT);

	CHECK_EQ(mkdir("/tmp/rd", 0755), 0);
	CHECK_EQ(mkdir("/tmp/rd2", 0755), 0);
	CHECK_ERR(rename("/tmp/r2", "/tmp/rd"), EISDIR);
	CHECK_ERR(rename("/tmp/rd", "/tmp/r2"), ENOTDIR);
	CHECK_ERR(rename("/tmp/rd", "/tmp/rd/inner"), EINVAL);
	write_file("/tmp/rd2/f", "f");
	CHECK_ERR(rename("/tmp/rd", "/tmp/rd2"), ENOTEMPTY);
	CHECK_EQ(unlink("/tmp/rd2/f"), 0);
	CHECK_EQ(rename("/tmp/rd", "/tmp/rd2"), 0); /* onto an empty directory */
	CHECK_ERR(stat("/tmp/rd", &st), ENOENT);
	CHECK_EQ(rename("/tmp/r2", "/tmp/rd2/moved"), 0);
	CHECK_STR(read_file("/tmp/rd2/moved"), "first");
	CHECK_EQ(rename("/tmp/rd2", "/tmp/renamed"), 0);
	CHECK_STR(read_file("/tmp/renamed/moved"), "first");
	CHECK_ERR(rename("/tmp/renamed", "/dev/renamed"), EXDEV);

	/* RENAME_EXCHANGE: a file and a directory swap names across
	 * directories (renameat2 through syscall(): musl 1.2.3 has no wrapper) */
	{
		char cwd[PATH_MAX];

		CHECK_EQ(mkdir("/tmp/x1", 0755), 0);
		CHECK_EQ(mkdir("/tmp/x2", 0755), 0);
		write_file("/tmp/x1/f", "F");
		CHECK_EQ(mkdir("/tmp/x2/d", 0755), 0);
		write_file("/tmp/x2/d/in", "I");
		CHECK_EQ(syscall(SYS_renameat2, AT_FDCWD, "/tmp/x1/f", AT_FDCWD, "/tmp/x2/d", 2),
			 0);
		CHECK_STR(read_file("/tmp/x2/d"), "F");
		CHECK_STR(read_file("/tmp/x1/f/in"), "I");
		CHECK_EQ(stat("/tmp/x1", &st), 0);
		CHECK_EQ(st.st_nlink, 3);
		CHECK_EQ(stat("/tmp/x2", &st), 0);
		CHECK_EQ(st.st_nlink, 2);
		CHECK_EQ(chdir("/tmp/x1/f/"), 0);
		CHECK_STR(getcwd(cwd, sizeof cwd), "/tmp/x1/f");
		CHECK_EQ(chdir(".."), 0);
		CHECK_STR(getcwd(cwd, sizeof cwd), "/tmp/x1");
		CHECK_EQ(chdir("/"), 0);
		CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "/tmp/x1/f", AT_FDCWD, "/tmp/x1/no", 2),
			  ENOENT);
		CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "/tmp/x1/f", AT_FDCWD, "/tmp/x2/d", 3),
			  EINVAL);
		CHECK_ERR(
			syscall(SYS_renameat2, AT_FDCWD, "/tmp/x1/f", AT_FDCWD, "/tmp/x1/f/in", 2),
			EINVAL);
		CHECK_EQ(syscall(SYS_renameat2, AT_FDCWD, "/tmp/x2/d", AT_FDCWD, "/tmp/x1/f/in", 1),
			 -1);
		CHECK_EQ(errno, EEXIST); /* RENAME_NOREPLACE */
		CHECK_EQ(unlink("/tmp/x1/f/in"), 0);
		CHECK_EQ(rmdir("/tmp/x1/f"), 0);
		CHECK_EQ(unlink("/tmp/x2/d"), 0);
		CHECK_EQ(rmdir("/tmp/x1"), 0);
		CHECK_EQ(rmdir("/tmp/x2"), 0);
	}

	/* hard links */
	CHECK_EQ(link("/tmp/renamed/moved", "/tmp/renamed/also"), 0);
	CHECK_EQ(stat("/tmp/renamed/also", &st), 0);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(rename("/tmp/renamed/moved", "/tmp/renamed/also"), 0); /* same file: nothing */
	CHECK_EQ(stat("/tmp/renamed/moved", &st), 0);
	CHECK_EQ(unlink("/tmp/renamed/moved"), 0);
	CHECK_STR(read_file("/tmp/renamed/also"), "first");
	CHECK_ERR(link("/tmp/renamed", "/tmp/renamed2"), EPERM);
	CHECK_ERR(link("/tmp/renamed/also", "/tmp/renamed/also"), EEXIST);
	CHECK_EQ(unlink("/tmp/renamed/also"), 0);
	CHECK_EQ(rmdir("/tmp/renamed"), 0);
}

static void symlinks(void)
{
	char buf[64];
	struct stat st;

	write_file("/tmp/target", "via link");
	CHECK_EQ(symlink("/tmp/target", "/tmp/abs"), 0);
	CHECK_EQ(symlink("target", "/tmp/rel"), 0);
	CHECK_EQ(symlink("/tmp", "/tmp/dirlink"), 0);
	CHECK_ERR(symlink("x", "/tmp/abs"), EEXIST);
	CHECK_STR(read_file("/tmp/abs"), "via link");
	CHECK_STR(read_file("/tmp/rel"), "via link");
	CHECK_STR(read_file("/tmp/dirlink/dirlink/rel"), "via link");
	CHECK_EQ(lstat("/tmp/rel", &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_size, 6);
	CHECK_EQ(stat("/tmp/rel", &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(fstatat(AT_FDCWD, "/tmp/rel", &st, AT_SYMLINK_NOFOLLOW), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(readlink("/tmp/rel", buf, sizeof buf), 6);
	CHECK(!memcmp(buf, "target", 6));
	CHECK_EQ(readlink("/tmp/abs", buf, 4), 4); /* truncated, no NUL */
	CHECK_ERR(readlink("/tmp/target", buf, sizeof buf), EINVAL);
	CHECK_ERR(open("/tmp/rel", O_RDONLY | O_NOFOLLOW), ELOOP);
	CHECK(realpath("/tmp/dirlink/rel", buf) != NULL);
	CHECK_STR(buf, "/tmp/target");

	/* loops and dangling links */
	CHECK_EQ(symlink("loop2", "/tmp/loop1"), 0);
	CHECK_EQ(symlink("loop1", "/tmp/loop2"), 0);
	CHECK_ERR(open("/tmp/loop1", O_RDONLY), ELOOP);
	CHECK_ERR(stat("/tmp/loop1/x", &st), ELOOP);
	CHECK_EQ(symlink("/tmp/created", "/tmp/dangling"), 0);
	CHECK_ERR(stat("/tmp/dangling", &st), ENOENT);
	write_file("/tmp/dangling", "made through the link");
	CHECK_STR(read_file("/tmp/created"), "made through the link");
	CHECK_ERR(open("/tmp/dangling", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);

	/* unlink removes the link, not its target */
	CHECK_EQ(unlink("/tmp/abs"), 0);
	CHECK_STR(read_file("/tmp/target"), "via link");
	CHECK_EQ(unlink("/tmp/rel"), 0);
	CHECK_EQ(unlink("/tmp/dirlink"), 0);
	CHECK_EQ(unlink("/tmp/loop1"), 0);
	CHECK_EQ(unlink("/tmp/loop2"), 0);
	CHECK_EQ(unlink("/tmp/dangling"), 0);
	CHECK_EQ(unlink("/tmp/created"), 0);
	CHECK_EQ(unlink("/tmp/target"), 0);
}

static void stdio(void)
{
	char line[128];
	FILE *f = fopen("/tmp/s.txt", "w+");
	long pos;
	int i;

	CHECK(f != NULL);
	for (i = 0; i < 1000; i++)
		CHECK(fprintf(f, "line %d\n", i) > 0);
	pos = ftell(f);
	CHECK(pos > 6000);
	CHECK_EQ(fseek(f, 0, SEEK_SET), 0);
	CHECK(fgets(line, sizeof line, f) != NULL);
	CHECK_STR(line, "line 0\n");
	CHECK_EQ(fseek(f, -9, SEEK_END), 0);
	CHECK(fgets(line, sizeof line, f) != NULL);
	CHECK_STR(line, "line 999\n");
	CHECK(fgets(line, sizeof line, f) == NULL && feof(f));
	CHECK_EQ(fclose(f), 0);

	f = fopen("/tmp/s.txt", "a");
	CHECK(f != NULL);
	fputs("appended\n", f);
	CHECK_EQ(fclose(f), 0);
	f = fopen("/tmp/s.txt", "r");
	CHECK(f != NULL);
	for (i = 0; fgets(line, sizeof line, f); i++)
		;
	CHECK_EQ(i, 1001);
	CHECK_STR(line, "appended\n");
	CHECK_EQ(fclose(f), 0);
	CHECK(fopen("/tmp/none/x", "w") == NULL && errno == ENOENT);
	CHECK_EQ(remove("/tmp/s.txt"), 0);

	f = tmpfile();
	CHECK(f != NULL);
	CHECK(fputs("scratch", f) >= 0);
	rewind(f);
	CHECK(fgets(line, sizeof line, f) != NULL);
	CHECK_STR(line, "scratch");
	CHECK_EQ(fclose(f), 0);
}

static void metadata(void)
{
	struct timespec ts[2] = { { 1000000000, 5 }, { 1234567890, 123456789 } };
	struct stat st;
	struct statfs sf;
	mode_t old;
	int fd;

	old = umask(077);
	CHECK_EQ(old, 022);
	write_file("/tmp/m", "m");
	CHECK_EQ(stat("/tmp/m", &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_EQ(umask(old), 077);
	CHECK_EQ(chmod("/tmp/m", 0755), 0);
	CHECK_EQ(stat("/tmp/m", &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0755);

	CHECK_EQ(utimensat(AT_FDCWD, "/tmp/m", ts, 0), 0);
	CHECK_EQ(stat("/tmp/m", &st), 0);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK_EQ(st.st_mtim.tv_sec, 1234567890);
	CHECK_EQ(st.st_mtim.tv_nsec, 123456789);
	ts[1].tv_nsec = UTIME_OMIT;
	ts[0].tv_nsec = UTIME_NOW;
	CHECK_EQ(utimensat(AT_FDCWD, "/tmp/m", ts, 0), 0);
	CHECK_EQ(stat("/tmp/m", &st), 0);
	CHECK_EQ(st.st_mtim.tv_sec, 1234567890);
	CHECK(st.st_atim.tv_sec > 1600000000);
	fd = open("/tmp/m", O_RDONLY);
	CHECK_EQ(futimens(fd, NULL), 0);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK(st.st_mtim.tv_sec > 1600000000);
	CHECK_EQ(close(fd), 0);
	ts[0].tv_nsec = 2000000000;
	CHECK_ERR(utimensat(AT_FDCWD, "/tmp/m", ts, 0), EINVAL);

	CHECK_EQ(access("/tmp/m", R_OK | W_OK | X_OK), 0);
	CHECK_EQ(chmod("/tmp/m", 0644), 0);
	CHECK_ERR(access("/tmp/m", X_OK), EACCES);
	CHECK_ERR(access("/tmp/none", F_OK), ENOENT);
	CHECK_EQ(faccessat(AT_FDCWD, "/tmp", X_OK, 0), 0);
	CHECK_EQ(unlink("/tmp/m"), 0);

	/* statx (through syscall(): musl 1.2.3 has no wrapper), with the
	 * birth time */
	{
		struct {
			uint32_t mask, blksize;
			uint64_t attributes;
			uint32_t nlink, uid, gid;
			uint16_t mode, pad1;
			uint64_t ino, size, blocks, attributes_mask;
			struct {
				int64_t sec;
				uint32_t nsec;
				int32_t pad;
			} atime, btime, ctime, mtime;
			uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
			uint64_t spare[14];
		} sx;

		write_file("/tmp/sx", "12345");
		CHECK_EQ(stat("/tmp/sx", &st), 0);
		CHECK_EQ(syscall(SYS_statx, AT_FDCWD, "/tmp/sx", 0, 0xfff, &sx), 0);
		CHECK_EQ(sx.mask & 0x7ff, 0x7ff);
		CHECK(sx.mask & 0x800);
		CHECK_EQ(sx.size, 5);
		CHECK_EQ(sx.ino, st.st_ino);
		CHECK_EQ(sx.mode, st.st_mode);
		CHECK_EQ(sx.mtime.sec, st.st_mtim.tv_sec);
		CHECK(sx.btime.sec > 1600000000 && sx.btime.sec <= st.st_mtim.tv_sec);
		CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "/tmp/none", 0, 0xfff, &sx), ENOENT);
		CHECK_EQ(unlink("/tmp/sx"), 0);
	}

	CHECK_EQ(statfs("/", &sf), 0);
	CHECK_EQ(sf.f_bsize, 4096);
	CHECK(sf.f_blocks > 0 && sf.f_bfree > 0 && sf.f_bfree <= sf.f_blocks);

	/* An open file outlives its name. */
	fd = open("/tmp/ghost", O_RDWR | O_CREAT, 0644);
	CHECK_EQ(write(fd, "boo", 3), 3);
	CHECK_EQ(unlink("/tmp/ghost"), 0);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(pread(fd, ts, 3, 0), 3);
	CHECK(!memcmp(ts, "boo", 3));
	CHECK_EQ(close(fd), 0);
}

static void vectors(void)
{
	char a[4], b[6];
	struct iovec w[2] = { { "abcd", 4 }, { "efghij", 6 } }, r[2] = { { a, 4 }, { b, 6 } };
	int fd = open("/tmp/v", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK_EQ(writev(fd, w, 2), 10);
	CHECK_EQ(pwritev(fd, w, 2, 10), 10);
	CHECK_EQ(preadv(fd, r, 2, 10), 10);
	CHECK(!memcmp(a, "abcd", 4) && !memcmp(b, "efghij", 6));
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(readv(fd, r, 2), 10);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(unlink("/tmp/v"), 0);
}

static void devices(void)
{
	unsigned char buf[64], buf2[64];
	struct stat st;
	int fd, i, nonzero = 0, n = 0;
	struct dirent *de;
	DIR *d;

	fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "gone", 4), 4);
	CHECK_EQ(read(fd, buf, sizeof buf), 0);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 1);
	CHECK_EQ(minor(st.st_rdev), 3);
	CHECK_EQ(close(fd), 0);

	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 0xff, sizeof buf);
	CHECK_EQ(read(fd, buf, sizeof buf), sizeof buf);
	for (i = 0; i < (int)sizeof buf; i++)
		nonzero |= buf[i];
	CHECK_EQ(nonzero, 0);
	CHECK_EQ(close(fd), 0);

	fd = open("/dev/full", O_WRONLY);
	CHECK_ERR(write(fd, "x", 1), ENOSPC);
	CHECK_EQ(close(fd), 0);

	fd = open("/dev/urandom", O_RDONLY);
	CHECK_EQ(read(fd, buf, sizeof buf), sizeof buf);
	CHECK_EQ(read(fd, buf2, sizeof buf2), sizeof buf2);
	CHECK(memcmp(buf, buf2, sizeof buf) != 0);
	CHECK_EQ(close(fd), 0);

	/* /dev/stdout is fd 1 itself */
	fd = open("/dev/stdout", O_WRONLY);
	CHECK(fd > 2);
	CHECK_EQ(write(fd, "via /dev/stdout\n", 16), 16);
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(lstat("/dev/stderr", &st), 0);

	fd = open("/dev/console", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "to the console\n", 15), 15);
	CHECK_EQ(close(fd), 0);

	CHECK_EQ(stat("/dev", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	d = opendir("/dev");
	CHECK(d != NULL);
	while ((de = readdir(d)))
		n += !strcmp(de->d_name, "null") || !strcmp(de->d_name, "zero") ||
		     !strcmp(de->d_name, "urandom") || !strcmp(de->d_name, "console");
	CHECK_EQ(n, 4);
	CHECK_EQ(closedir(d), 0);
	CHECK_EQ(chdir("/dev"), 0);
	CHECK_EQ(chdir(".."), 0);
	CHECK_EQ(stat("tmp", &st), 0); /* ".." of a mount point leads back */
	CHECK_ERR(rmdir("/dev"), EBUSY);
	CHECK_ERR(open("/dev/nonesuch", O_RDONLY), ENOENT);
}

/* Fill the file system: writes stop with ENOSPC, nothing is lost. */
static void full(void)
{
	static char chunk[65536];
	struct stat st;
	struct statfs sf;
	off_t total = 0, off;
	ssize_t n;
	int fd, i;

	write_file("/tmp/keep", "kept");
	fd = open("/tmp/big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	for (i = 0;; i++) {
		memset(chunk, 'a' + i % 26, sizeof chunk);
		n = write(fd, chunk, sizeof chunk);
		if (n < 0)
			break;
		total += n;
		CHECK(total < (off_t)1 << 32);
	}
	CHECK_EQ(errno, ENOSPC);
	CHECK(total > 4 << 20);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, total);
	CHECK_EQ(statfs("/tmp", &sf), 0);
	CHECK(sf.f_bfree < 16);
	printf("filled %lld KiB\n", (long long)total / 1024);
	/* every byte written before is there */
	for (off = 0; off < total; off += n) {
		n = pread(fd, chunk, sizeof chunk, off);
		CHECK(n > 0);
		for (i = 0; i < n; i++)
			if (chunk[i] != 'a' + (int)((off + i) / 65536 % 26))
				break;
		CHECK_EQ(i, n);
	}
	CHECK_STR(read_file("/tmp/keep"), "kept");
	CHECK_ERR(write(fd, "x", 1), ENOSPC);
	CHECK_EQ(close(fd), 0);
	/* removing the file gives its pages back */
	CHECK_EQ(unlink("/tmp/big"), 0);
	CHECK_EQ(statfs("/tmp", &sf), 0);
	CHECK(sf.f_bfree * 4096 >= (unsigned long long)total);
	write_file("/tmp/again", "room again");
	CHECK_STR(read_file("/tmp/again"), "room again");
}

/* sendfile, copy_file_range, fallocate, fadvise, flock, mknod, close_range */
static void extras(void)
{
	char buf[64];
	struct stat st;
	off_t off;
	int in, out;

	write_file("/tmp/src", "0123456789");
	in = open("/tmp/src", O_RDONLY);
	out = open("/tmp/dst", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(in >= 0 && out >= 0);
	off = 2;
	CHECK_EQ(sendfile(out, in, &off, 5), 5);
	CHECK_EQ(off, 7);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 0); /* with an offset: the file's stays */
	CHECK_EQ(sendfile(out, in, NULL, 100), 10);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 10);
	CHECK_STR(read_file("/tmp/dst"), "234560123456789");
	CHECK_ERR(sendfile(out, 99, NULL, 1), EBADF);
	off = 0;
	CHECK_EQ(copy_file_range(in, &off, out, NULL, 3, 0), 3);
	CHECK_STR(read_file("/tmp/dst"), "234560123456789012");
	CHECK_ERR(copy_file_range(in, NULL, 1, NULL, 3, 0), EINVAL);

	CHECK_EQ(posix_fallocate(out, 0, 3 * 4096), 0);
	CHECK_EQ(fstat(out, &st), 0);
	CHECK_EQ(st.st_size, 3 * 4096);
	CHECK_EQ(st.st_blocks, 3 * 8);
	CHECK_EQ(pread(out, buf, 3, 15), 3);
	CHECK(!memcmp(buf, "012", 3)); /* data kept */
	CHECK_EQ(fallocate(out, FALLOC_FL_KEEP_SIZE, 0, 5 * 4096), 0);
	CHECK_EQ(fstat(out, &st), 0);
	CHECK_EQ(st.st_size, 3 * 4096);
	CHECK_EQ(st.st_blocks, 5 * 8);
	CHECK_EQ(posix_fallocate(in, 0, 10), EBADF); /* read-only */
	CHECK_EQ(posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL), 0);
	CHECK_EQ(posix_fadvise(in, 0, 0, 99), EINVAL);
	CHECK_EQ(posix_fadvise(1, 0, 0, POSIX_FADV_NORMAL), ESPIPE);
	CHECK_EQ(flock(in, LOCK_EX | LOCK_NB), 0);
	CHECK_EQ(flock(in, LOCK_UN), 0);
	CHECK_ERR(flock(99, LOCK_SH), EBADF);

	/* close_range closes every fd in the range, skipping holes */
	CHECK_EQ(dup2(in, 70), 70);
	CHECK_EQ(dup2(in, 72), 72);
	CHECK_EQ(syscall(SYS_close_range, 70, 75, 0), 0);
	CHECK_ERR(fcntl(70, F_GETFD), EBADF);
	CHECK_ERR(fcntl(72, F_GETFD), EBADF);
	CHECK_EQ(fcntl(in, F_GETFD), 0);
	CHECK_ERR(syscall(SYS_close_range, 5, 4, 0), EINVAL);
	CHECK_EQ(close(in), 0);
	CHECK_EQ(close(out), 0);

	/* sendfile to the console, as cat-like programs do */
	in = open("/tmp/src", O_RDONLY);
	CHECK_EQ(sendfile(1, in, NULL, 4), 4);
	CHECK_EQ(write(1, "\n", 1), 1);
	CHECK_EQ(close(in), 0);

	/* the fd table fills up: EMFILE, and every fd closes again */
	{
		static int fds[1100];
		int n = 0, k;

		while ((k = open("/tmp/src", O_RDONLY)) >= 0)
			fds[n++] = k;
		CHECK_EQ(errno, EMFILE);
		CHECK(n > 1000 && n < 1024);
		CHECK_ERR(dup(0), EMFILE);
		while (n)
			CHECK_EQ(close(fds[--n]), 0);
		CHECK_EQ(dup2(0, 1023), 1023);
		CHECK_ERR(dup2(0, 1024), EBADF);
		CHECK_EQ(close(1023), 0);
	}

	/* O_TMPFILE: a file without a name until linkat gives it one */
	{
		int t = open("/tmp", O_TMPFILE | O_RDWR, 0600), seen = 0;
		struct dirent *de;
		DIR *d;

		CHECK(t >= 0);
		CHECK_EQ(write(t, "unnamed", 7), 7);
		CHECK_EQ(fstat(t, &st), 0);
		CHECK(S_ISREG(st.st_mode) && st.st_nlink == 0 && st.st_size == 7);
		d = opendir("/tmp");
		while ((de = readdir(d)))
			seen += strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
				strcmp(de->d_name, "src") && strcmp(de->d_name, "dst");
		CHECK_EQ(closedir(d), 0);
		CHECK_EQ(seen, 0);
		CHECK_EQ(linkat(t, "", AT_FDCWD, "/tmp/named", AT_EMPTY_PATH), 0);
		CHECK_STR(read_file("/tmp/named"), "unnamed");
		CHECK_EQ(close(t), 0);
		CHECK_EQ(unlink("/tmp/named"), 0);
		t = open("/tmp", O_TMPFILE | O_RDWR | O_EXCL, 0600);
		CHECK(t >= 0);
		CHECK_ERR(linkat(t, "", AT_FDCWD, "/tmp/named", AT_EMPTY_PATH), ENOENT);
		CHECK_EQ(close(t), 0);
		CHECK_ERR(open("/tmp", O_TMPFILE | O_RDONLY, 0600), EINVAL);
		CHECK_ERR(open("/tmp/src", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
	}

	CHECK_EQ(mknod("/tmp/node", S_IFREG | 0600, 0), 0);
	CHECK_EQ(stat("/tmp/node", &st), 0);
	CHECK(S_ISREG(st.st_mode) && st.st_size == 0);
	CHECK_ERR(mknod("/tmp/node", S_IFREG | 0600, 0), EEXIST);
	CHECK_ERR(mknod("/tmp/chr", S_IFCHR | 0600, makedev(1, 3)),
		  EPERM); /* keel: no device table */
	CHECK_EQ(unlink("/tmp/node"), 0);
	CHECK_EQ(unlink("/tmp/src"), 0);
	CHECK_EQ(unlink("/tmp/dst"), 0);
}

static void blockdev(unsigned long long sectors)
{
	static unsigned char big[100000], back[100000];
	unsigned long long size = 0;
	unsigned char buf[8192];
	struct stat st;
	int fd = open("/dev/vda", O_RDWR), i, same = 1;

	CHECK(fd >= 0);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK(S_ISBLK(st.st_mode));
	CHECK_EQ(ioctl(fd, BLKGETSIZE64, &size), 0);
	CHECK_EQ(size, sectors * 512);
	CHECK_EQ(lseek(fd, 0, SEEK_END), sectors * 512);

	/* unaligned: the sector around it keeps its other bytes */
	CHECK_EQ(pwrite(fd, "hello", 5, 1000), 5);
	CHECK_EQ(pread(fd, buf, 7, 999), 7);
	CHECK(!memcmp(buf, "\0hello\0", 7));

	/* aligned, through the file position */
	for (i = 0; i < (int)sizeof buf; i++)
		buf[i] = (unsigned char)(i / 512 + 'A');
	CHECK_EQ(lseek(fd, 40960, SEEK_SET), 40960);
	CHECK_EQ(write(fd, buf, sizeof buf), sizeof buf);
	CHECK_EQ(lseek(fd, 40960, SEEK_SET), 40960);
	memset(buf, 0, sizeof buf);
	CHECK_EQ(read(fd, buf, sizeof buf), sizeof buf);
	CHECK(buf[0] == 'A' && buf[8191] == 'P');

	/* unaligned and larger than keel's bounce buffer */
	for (i = 0; i < (int)sizeof big; i++)
		big[i] = (unsigned char)(i % 251);
	CHECK_EQ(pwrite(fd, big, sizeof big, 70001), sizeof big);
	CHECK_EQ(pread(fd, back, sizeof back, 70001), sizeof back);
	for (i = 0; i < (int)sizeof big; i++)
		same &= big[i] == back[i];
	CHECK(same);
	CHECK_EQ(fsync(fd), 0);

	/* the end of the device */
	CHECK_EQ(pread(fd, buf, 10, sectors * 512), 0);
	CHECK_ERR(pwrite(fd, "x", 1, sectors * 512), ENOSPC);
	CHECK_EQ(pread(fd, buf, 10, sectors * 512 - 4), 4);
	CHECK_EQ(close(fd), 0);
	CHECK_ERR(open("/dev/vdb", O_RDONLY), ENOENT);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "blk")) {
		blockdev(strtoull(argv[2], NULL, 10));
		return done();
	}
	if (argc > 1 && !strcmp(argv[1], "dev")) {
		devices();
		return done();
	}
	if (argc > 1 && !strcmp(argv[1], "full")) {
		full();
		return done();
	}
	basics();
	sparse();
	append_and_fcntl();
	redirect_stdout();
	directories();
	renames();
	symlinks();
	stdio();
	metadata();
	vectors();
	extras();
	return done();
}
