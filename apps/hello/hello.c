/* The smallest keel demo: an ordinary C program, unchanged. */
#include <stdio.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	struct utsname u;

	uname(&u);
	printf("hello, world from %s (%s)\n", u.sysname, u.version);
	return 0;
}
