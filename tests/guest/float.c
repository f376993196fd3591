/*
 * Floating point, SSE and big memory moves on every base: on the VM
 * bases this is ring 3 code using x87 and SSE state the base must have
 * enabled (CR4.OSFXSR, a clean FPU), and on nested KVM the one thing
 * ring 0 could not do. Inputs are volatile so that the compiler cannot
 * fold the libm calls into constants: they run here.
 */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "check.h"

static volatile double v_two = 2.0, v_tenth = 0.1, v_third = 1.0 / 3.0, v_big = 12345.678;
static volatile float v_twof = 2.0f;
static volatile long double v_ltwo = 2.0L, v_lthree = 3.0L;

static uint64_t bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	return u;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void) /* xorshift64* */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void printing(void)
{
	char s[64];

	snprintf(s, sizeof s, "%.17g", v_tenth);
	CHECK_STR(s, "0.10000000000000001");
	snprintf(s, sizeof s, "%e", v_big);
	CHECK_STR(s, "1.234568e+04");
	snprintf(s, sizeof s, "%.3f|%g|%a", v_third, v_big * 1e300 * 1e10, v_two);
	CHECK_STR(s, "0.333|inf|0x1p+1");
	snprintf(s, sizeof s, "%.17g", sqrt(v_two));
	CHECK_STR(s, "1.4142135623730951");
	snprintf(s, sizeof s, "%g", -v_third * 0.0);
	CHECK_STR(s, "-0");
	printf("printf: %.17g %e %.3f\n", v_tenth, v_big, v_third);
}

/* Random bit patterns (every finite double) print and read back exactly. */
static void round_trips(void)
{
	char s[64], *end;
	unsigned i, n = 0;

	for (i = 0; i < 20000; i++) {
		uint64_t u = next();
		double d, back;

		memcpy(&d, &u, sizeof d);
		if (!isfinite(d))
			continue;
		snprintf(s, sizeof s, "%.17g", d);
		back = strtod(s, &end);
		if (*end || bits(back) != bits(d)) {
			fprintf(stderr, "round trip of %#llx: \"%s\" read back as %#llx\n",
				(unsigned long long)u, s, (unsigned long long)bits(back));
			CHECK(0);
		}
		n++;
	}
	CHECK(n > 19000);
	checks_done += n;
	CHECK_EQ(bits(strtod("0.1", 0)), bits(0.1));
	CHECK_EQ(bits(strtod("2.2250738585072014e-308", 0)), bits(DBL_MIN));
	CHECK_EQ(bits(strtod("4.9406564584124654e-324", 0)), 1); /* the smallest denormal */
	CHECK_EQ(bits(strtod("1e400", 0)), bits(INFINITY));
	CHECK(isnan(strtod("nan", 0)));
	printf("strtod: %u round trips\n", n);
}

static void sums(void)
{
	volatile double step = 0.5;
	double s = 0, h = 0;
	long i;

	/* Every partial sum is a multiple of 0.5 below 2^53: exact. */
	for (i = 0; i < 1000000; i++)
		s += (double)i * step;
	CHECK(s == 249999750000.0);
	for (i = 1; i <= 1000000; i++)
		h += 1.0 / (double)i;
	CHECK(fabs(h - 14.392726722865723631) < 1e-9);
	printf("sums: %.1f %.12f\n", s, h);
}

static void libm(void)
{
	volatile double x;
	int i;

	CHECK_EQ(bits(sqrt(v_two)), bits(1.4142135623730951)); /* correctly rounded */
	CHECK(sqrtf(v_twof) == 1.41421356f);
	x = M_PI / 6;
	CHECK(fabs(sin(x) - 0.5) < 1e-15);
	CHECK(fabs(cos(x * 2) - 0.5) < 1e-15);
	CHECK(fabs(exp(log(v_two * 5)) - 10) < 1e-14);
	CHECK(fabs(pow(v_two, 0.5) - sqrt(v_two)) < 1e-16);
	CHECK(fabs(atan2(v_two, v_two) - M_PI / 4) < 1e-16);
	CHECK(fabsf(sinf((float)x) - 0.5f) < 1e-6f);
	for (i = 0; i < 1000; i++) {
		x = (double)i * 0.731 - 300;
		CHECK(fabs(sin(x) * sin(x) + cos(x) * cos(x) - 1) < 1e-15);
	}
	printf("libm: sqrt(2)=%.17g sin(pi/6)=%.17g\n", sqrt(v_two), sin(M_PI / 6 + v_two * 0));
}

/* The SSE control and status register: rounding modes and sticky flags. */
static void sse_state(void)
{
	volatile double one = 1.0, zero = 0.0, three = 3.0, r_up, r_down;

	CHECK_EQ(fegetround(), FE_TONEAREST);
	CHECK_EQ(fesetround(FE_UPWARD), 0);
	r_up = one / three;
	CHECK_EQ(fesetround(FE_DOWNWARD), 0);
	r_down = one / three;
	CHECK_EQ(fesetround(FE_TONEAREST), 0);
	CHECK(r_up > r_down);
	CHECK_EQ(bits(r_up) - bits(r_down), 1);
	feclearexcept(FE_ALL_EXCEPT);
	CHECK(!fetestexcept(FE_DIVBYZERO));
	r_up = one / zero;
	CHECK(isinf(r_up));
	CHECK(fetestexcept(FE_DIVBYZERO));
	feclearexcept(FE_ALL_EXCEPT);
	CHECK(!fetestexcept(FE_ALL_EXCEPT));
	{
		/* Packed SSE arithmetic. */
		typedef double v2d __attribute__((vector_size(16)));
		volatile v2d a = { 1.5, 2.5 }, b = { 4.0, 0.25 };
		v2d c = a * b + a;

		CHECK(c[0] == 7.5 && c[1] == 3.125);
	}
}

/* x87 extended precision: a 64-bit mantissa that double does not have. */
static void x87(void)
{
	long double big = ldexpl(1.0L, 63), third = 1.0L / v_lthree;
	char s[64];

	CHECK(LDBL_MANT_DIG == 64);
	CHECK((big + 1.0L) - big == 1.0L);
	CHECK((double)(big + 1.0L) - (double)big == 0.0);
	CHECK(fabsl(third * v_lthree - 1.0L) <= LDBL_EPSILON);
	CHECK(1.0L + LDBL_EPSILON > 1.0L);
	snprintf(s, sizeof s, "%.20Lg", third);
	CHECK_STR(s, "0.33333333333333333334");
	snprintf(s, sizeof s, "%.21Lg", sqrtl(v_ltwo));
	CHECK_STR(s, "1.41421356237309504876"); /* glibc agrees */
	CHECK(fabsl(sinl(v_ltwo) - 0.909297426825681695396L) < 1e-18L);
	printf("x87: %.20Lg %.21Lg\n", third, sqrtl(v_ltwo));
}

/* Large copies, overlapping moves and fills, checked byte by byte. */
#define MOVE_LEN (8u << 20)

static uint8_t pat(size_t i)
{
	return (uint8_t)(i * 2654435761u >> 13);
}

static void moves(void)
{
	uint8_t *a = malloc(MOVE_LEN + 64), *b = malloc(MOVE_LEN + 64);
	size_t i, bad = 0, d;

	CHECK(a && b);
	for (i = 0; i < MOVE_LEN + 64; i++)
		a[i] = pat(i);
	/* Copies at every alignment of source and destination. */
	for (d = 0; d < 16; d += 5) {
		memset(b, 0xee, MOVE_LEN + 64);
		memcpy(b + d, a + 3, MOVE_LEN);
		for (i = 0; i < d; i++)
			bad += b[i] != 0xee;
		for (i = 0; i < MOVE_LEN; i++)
			bad += b[d + i] != pat(i + 3);
		for (i = d + MOVE_LEN; i < MOVE_LEN + 64; i++)
			bad += b[i] != 0xee;
		CHECK_EQ(bad, 0);
	}
	/* Overlapping forward (dst above src) and backward moves. */
	memcpy(b, a, MOVE_LEN + 64);
	memmove(b + 1, b, MOVE_LEN);
	for (i = 0; i < MOVE_LEN; i++)
		bad += b[i + 1] != pat(i);
	CHECK_EQ(b[0], pat(0));
	CHECK_EQ(bad, 0);
	memcpy(b, a, MOVE_LEN + 64);
	memmove(b, b + 4097, MOVE_LEN - 4097);
	for (i = 0; i < MOVE_LEN - 4097; i++)
		bad += b[i] != pat(i + 4097);
	for (i = MOVE_LEN - 4097; i < MOVE_LEN + 64; i++)
		bad += b[i] != pat(i);
	CHECK_EQ(bad, 0);
	memcpy(b, a, MOVE_LEN + 64);
	memmove(b + 33, b + 7, MOVE_LEN - 100);
	for (i = 0; i < MOVE_LEN - 100; i++)
		bad += b[i + 33] != pat(i + 7);
	CHECK_EQ(bad, 0);
	/* A fill of an odd range leaves its neighbours alone. */
	memcpy(b, a, MOVE_LEN + 64);
	memset(b + 13, 0xa5, MOVE_LEN - 29);
	for (i = 0; i < MOVE_LEN + 64; i++)
		bad += b[i] != (i >= 13 && i < MOVE_LEN - 16 ? 0xa5 : pat(i));
	CHECK_EQ(bad, 0);
	CHECK(memcmp(a, a, MOVE_LEN) == 0);
	b[MOVE_LEN - 1] = (uint8_t)(a[MOVE_LEN - 1] + 1);
	memcpy(b, a, MOVE_LEN - 1);
	CHECK(memcmp(a, b, MOVE_LEN) != 0);
	free(a);
	free(b);
	printf("moves: %u MiB copied, moved and filled\n", MOVE_LEN >> 20);
}

int main(void)
{
	printing();
	round_trips();
	sums();
	libm();
	sse_state();
	x87();
	moves();
	return done();
}
