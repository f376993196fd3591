/*
 * isatty and TIOCGWINSZ. argv[1] = "pipe": the runner connects every
 * stream to a pipe, so none is a terminal (ENOTTY); "pty": stdin and
 * stdout are a terminal (the runner uses script(1)).
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv)
{
	struct winsize ws;

	CHECK(argc == 2);
	if (strcmp(argv[1], "pty") == 0) {
		CHECK_EQ(isatty(0), 1);
		CHECK_EQ(isatty(1), 1);
		CHECK(ioctl(1, TIOCGWINSZ, &ws) == 0);
		return done();
	}
	CHECK_STR(argv[1], "pipe");
	CHECK_ERR(ioctl(0, TIOCGWINSZ, &ws), ENOTTY);
	CHECK_ERR(ioctl(1, TIOCGWINSZ, &ws), ENOTTY);
	CHECK_ERR(ioctl(2, TIOCGWINSZ, &ws), ENOTTY);
	errno = 0;
	CHECK(isatty(0) == 0 && errno == ENOTTY);
	errno = 0;
	CHECK(isatty(1) == 0 && errno == ENOTTY);
	errno = 0;
	CHECK(isatty(9) == 0 && errno == EBADF);
	CHECK_ERR(ioctl(1, 0x12345678, &ws), ENOTTY);
	CHECK_ERR(ioctl(9, TIOCGWINSZ, &ws), EBADF);
	return done();
}
