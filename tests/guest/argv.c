/*
 * argv and the exit status. The runner passes the expected arguments
 * after a mode word and checks the status:
 *   argv return N ARGS...   checks argv, prints them, returns N from main
 *   argv exit N             exit(N)     (status is N & 0xff)
 *   argv _exit N            _exit(N)
 */
#include <limits.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv)
{
	const char *base;
	int i, n;

	CHECK(argc >= 3);
	CHECK(argv[argc] == NULL);
	base = strrchr(argv[0], '/');
	CHECK_STR(base ? base + 1 : argv[0], "argv");
	n = atoi(argv[2]);
	if (strcmp(argv[1], "exit") == 0) {
		printf("exiting with %d\n", n); /* exit() must flush this */
		exit(n);
	}
	if (strcmp(argv[1], "_exit") == 0) {
		fflush(stdout);
		_exit(n);
	}
	CHECK_STR(argv[1], "return");
	for (i = 3; i < argc; i++)
		printf("arg%d=[%s]\n", i, argv[i]);
	printf("argc=%d\n", argc);
	done();
	return n;
}
