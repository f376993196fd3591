/*
 * An image with 8 MiB of .bss: the image counts against the budget, so
 * under --mem=16M the heap gets what is left and no more. argv[1] is
 * the budget in MiB.
 */
#include "check.h"

#define MiB (1UL << 20)

static char blob[8 * MiB];

int main(int argc, char **argv)
{
	size_t budget, total = 0;
	void *p;

	CHECK(argc == 2);
	budget = strtoul(argv[1], NULL, 0) * MiB;
	memset(blob, 1, sizeof blob);
	while ((p = malloc(MiB)))
		total += MiB;
	printf("heap: %zu MiB\n", total / MiB);
	CHECK(total + sizeof blob <= budget);
	CHECK(total >= budget - sizeof blob - 2 * MiB);
	return done();
}
