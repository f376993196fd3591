/*
 * Host unit tests of the kernel timers (sys/timer.c): deadline order,
 * disarming, re-arming and how many fire per round.
 */
#include <stdint.h>

#include "../../sys/timer.h"
#include "unit.h"

static int fired[8], order[16], norder;

static void note(struct ktimer *t)
{
	int i = (int)(intptr_t)t->priv;

	fired[i]++;
	order[norder++] = i;
}

static struct ktimer tm[8];

static void setup(void)
{
	int i;

	for (i = 0; i < 8; i++) {
		tm[i].fn = note;
		tm[i].priv = (void *)(intptr_t)i;
	}
}

TEST(fires_in_deadline_order)
{
	setup();
	CHECK_EQ(ktimer_next(), UINT64_MAX);
	ktimer_add(&tm[0], 300);
	ktimer_add(&tm[1], 100);
	ktimer_add(&tm[2], 200);
	ktimer_add(&tm[3], 200);
	CHECK_EQ(ktimer_next(), 100);
	CHECK_EQ(ktimer_run(99), 0);
	CHECK_EQ(ktimer_run(200), 3);
	CHECK_EQ(norder, 3);
	CHECK_EQ(order[0], 1);
	CHECK_EQ(order[1], 2); /* equal deadlines: in the order armed */
	CHECK_EQ(order[2], 3);
	CHECK(!tm[1].armed && tm[0].armed);
	CHECK_EQ(ktimer_next(), 300);
	CHECK_EQ(ktimer_run(1000), 1);
	CHECK_EQ(ktimer_next(), UINT64_MAX);
}

TEST(del_and_move)
{
	setup();
	ktimer_add(&tm[0], 100);
	ktimer_add(&tm[1], 200);
	ktimer_del(&tm[0]);
	ktimer_del(&tm[0]); /* twice: a no-op */
	CHECK_EQ(ktimer_next(), 200);
	ktimer_add(&tm[1], 50); /* an armed timer moves */
	CHECK_EQ(ktimer_next(), 50);
	ktimer_add(&tm[1], UINT64_MAX); /* disarms */
	CHECK_EQ(ktimer_next(), UINT64_MAX);
	CHECK(!tm[1].armed);
	CHECK_EQ(ktimer_run(1000), 0);
	CHECK_EQ(fired[0] + fired[1], 0);
}

/* A periodic timer re-arms itself from its callback. */
static void again(struct ktimer *t)
{
	fired[0]++;
	ktimer_add(t, t->deadline + 10);
}

TEST(rearm_from_callback)
{
	struct ktimer p = { .fn = again };

	ktimer_add(&p, 10);
	CHECK_EQ(ktimer_run(35), 1); /* once per round, though due again */
	CHECK_EQ(ktimer_next(), 20);
	CHECK_EQ(ktimer_run(35), 1);
	CHECK_EQ(ktimer_run(35), 1);
	CHECK_EQ(ktimer_run(35), 0);
	CHECK_EQ(fired[0], 3);
	CHECK_EQ(ktimer_next(), 40);
}

/* A callback disarming another due timer: that one does not fire. */
static struct ktimer *victim;
static void kill_other(struct ktimer *t)
{
	fired[7]++;
	ktimer_del(victim);
}

TEST(callback_disarms_another)
{
	struct ktimer a = { .fn = kill_other };

	setup();
	victim = &tm[1];
	ktimer_add(&a, 10);
	ktimer_add(&tm[1], 20);
	ktimer_add(&tm[2], 30);
	CHECK_EQ(ktimer_run(100), 2);
	CHECK_EQ(fired[7], 1);
	CHECK_EQ(fired[1], 0);
	CHECK_EQ(fired[2], 1);
	CHECK_EQ(ktimer_next(), UINT64_MAX);
}

UNIT_MAIN("timer")
