/* uname and the rest of the process personality: pid 1, uid 0. */
#include <sys/utsname.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	struct utsname u;

	CHECK(uname(&u) == 0);
	CHECK_STR(u.sysname, "keel");
	CHECK_STR(u.machine, "x86_64");
	CHECK(strncmp(u.version, "keel ", 5) == 0);
	printf("sysname=%s\nrelease=%s\nversion=%s\nmachine=%s\n", u.sysname, u.release, u.version,
	       u.machine);
	CHECK_EQ(getpid(), 1);
	CHECK_EQ(getppid(), 0);
	CHECK_EQ(getuid(), 0);
	CHECK_EQ(geteuid(), 0);
	CHECK_EQ(getgid(), 0);
	CHECK_EQ(getegid(), 0);
	return done();
}
