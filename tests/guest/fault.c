/*
 * Faults end the image as the signal would end a Linux process, with
 * one "keel: ..." line. argv[1]: null (write to address 0: 139), stack
 * (unbounded recursion into the guard page: 139), div0 (integer
 * division by zero: 136), ill (an undefined instruction: 132).
 */
#include "check.h"

static volatile int forever = 1, seven = 7, zero;

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
	else if (strcmp(argv[1], "div0") == 0)
		return seven / zero;
	else if (strcmp(argv[1], "ill") == 0)
		__builtin_trap();
	printf("still alive\n");
	return 1;
}
