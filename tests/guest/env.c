/*
 * The environment is exactly what keel-run's --env options say: the
 * runner sets HOST_ONLY in keel-run's own environment and passes
 * --env=KEEL_A=1 --env=KEEL_B=x=y --env=KEEL_EMPTY=.
 */
#include "check.h"

extern char **environ;

int main(int argc, char **argv)
{
	int n = 0;
	char **e;

	for (e = environ; *e; e++) {
		printf("env: %s\n", *e);
		n++;
	}
	CHECK_STR(getenv("KEEL_A"), "1");
	CHECK_STR(getenv("KEEL_B"), "x=y");
	CHECK_STR(getenv("KEEL_EMPTY"), "");
	CHECK(getenv("HOST_ONLY") == NULL);
	CHECK(getenv("PATH") == NULL);
	CHECK(getenv("HOME") == NULL);
	CHECK(getenv("KEEL_OPTS") == NULL); /* keel-run's, removed before main */
	CHECK_EQ(n, 3);
	CHECK(setenv("KEEL_NEW", "v", 1) == 0);
	CHECK_STR(getenv("KEEL_NEW"), "v");
	return done();
}
