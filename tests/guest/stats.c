/*
 * Under --stats: takes 4 MiB of heap, gives it back, exits with 3; the
 * runner reads the statistics lines on stderr.
 */
#include <sys/mman.h>

#include "check.h"

int main(void)
{
	size_t len = 4 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	memset(p, 1, len);
	CHECK(munmap(p, len) == 0);
	done();
	return 3;
}
