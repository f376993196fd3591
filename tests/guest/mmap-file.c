/*
 * Private file mappings (sys/mem.c): the file's bytes, zeros past its
 * end, writes that stay in the mapping, PROT_READ kept, and the errors
 * Linux gives (shared mappings of files are ENODEV in keel).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	static char data[10000];
	char back[16];
	int fd, p[2], i;
	char *m;

	for (i = 0; i < (int)sizeof data; i++)
		data[i] = (char)(i * 7 + i / 300);
	fd = open("/tmp/mapped", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, data, sizeof data), sizeof data);

	m = mmap(NULL, sizeof data, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(memcmp(m, data, sizeof data) == 0);
	for (i = sizeof data; i < 12288; i++) /* the last page's tail */
		CHECK_EQ(m[i], 0);
	CHECK_EQ(munmap(m, sizeof data), 0);

	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 8192);
	CHECK(m != MAP_FAILED);
	CHECK(memcmp(m, data + 8192, sizeof data - 8192) == 0);
	m[0] = 'X'; /* private: the file keeps its byte */
	CHECK_EQ(pread(fd, back, 1, 8192), 1);
	CHECK_EQ(back[0], data[8192]);
	CHECK_EQ(munmap(m, 4096), 0);

	/* past the end: all zeros, as Linux gives up to the page boundary */
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 16384);
	CHECK(m != MAP_FAILED);
	CHECK_EQ(m[0], 0);
	CHECK_EQ(munmap(m, 4096), 0);

	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == ENODEV);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 77, 0) == MAP_FAILED && errno == EBADF);
	close(fd);
	fd = open("/tmp/mapped", O_WRONLY);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EACCES);
	close(fd);
	CHECK_EQ(pipe(p), 0);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, p[0], 0) == MAP_FAILED && errno == ENODEV);
	return done();
}
