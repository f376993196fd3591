/* The smallest guest test: exact bytes on stdout and on stderr. */
#include <stdio.h>

int main(void)
{
	printf("hello, world\n");
	fprintf(stderr, "hello, stderr\n");
	printf("no newline at exit");
	return 0;
}
