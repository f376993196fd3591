/* getrandom: bytes differ between calls; the runner also compares runs. */
#include <sys/random.h>

#include "check.h"

int main(void)
{
	unsigned char a[32], b[32], big[4096];
	size_t i, zeros = 0;

	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	CHECK_EQ(getrandom(a, sizeof a, 0), sizeof a);
	CHECK_EQ(getrandom(b, sizeof b, GRND_NONBLOCK), sizeof b);
	CHECK(memcmp(a, b, sizeof a) != 0);
	CHECK_EQ(getrandom(big, sizeof big, 0), sizeof big);
	for (i = 0; i < sizeof big; i++)
		zeros += big[i] == 0;
	CHECK(zeros < 64); /* expected 16 */
	CHECK_EQ(getrandom(a, 0, 0), 0);
	CHECK_ERR(getrandom(a, sizeof a, 0x100), EINVAL);
	for (i = 0; i < sizeof a; i++)
		printf("%02x", a[i]);
	printf("\n");
	return done();
}
