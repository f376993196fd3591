/*
 * Memory faults end the image with status 139 and a "keel: memory
 * fault" line. argv[1]: null (write to address 0), stack (unbounded
 * recursion into the guard page).
 */
#include "check.h"

static volatile int forever = 1;

static int depth(volatile char *prev)
{
	volatile char frame[256];

	frame[0] = prev ? prev[0] + 1 : 0;
	return forever ? depth(frame) + frame[1] : 0;
}

int main(int argc, char **argv)
{
	CHECK(argc == 2);
	printf("faulting\n");
	fflush(stdout);
	if (strcmp(argv[1], "null") == 0)
		*(volatile int *)0 = 1;
	else if (strcmp(argv[1], "stack") == 0)
		return depth(NULL);
	printf("still alive\n");
	return 1;
}
