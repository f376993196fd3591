/*
 * Sleeps: forever (argv[1] = "forever", for --timeout), or for argv[1]
 * milliseconds (the runner checks that sleeping costs no host CPU).
 */
#include <time.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv)
{
	struct timespec ts;
	long ms;

	CHECK(argc == 2);
	if (strcmp(argv[1], "forever") == 0) {
		printf("sleeping forever\n");
		fflush(stdout);
		for (;;)
			sleep(1000);
	}
	ms = atol(argv[1]);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = ms % 1000 * 1000000;
	CHECK(nanosleep(&ts, NULL) == 0);
	return done();
}
