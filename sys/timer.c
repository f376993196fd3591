/*
 * Kernel timers (timer.h): one list sorted by deadline. Few timers are
 * armed at once in a unikernel, so arming walks the list.
 */
#include <stddef.h>

#include "timer.h"

static struct ktimer *head;

void ktimer_del(struct ktimer *t)
{
	struct ktimer **p;

	if (!t->armed)
		return;
	for (p = &head; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->next = NULL;
	t->armed = 0;
}

void ktimer_add(struct ktimer *t, uint64_t deadline)
{
	struct ktimer **p;

	ktimer_del(t);
	if (deadline == UINT64_MAX)
		return;
	t->deadline = deadline;
	for (p = &head; *p && (*p)->deadline <= deadline; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	t->armed = 1;
}

uint64_t ktimer_next(void)
{
	return head ? head->deadline : UINT64_MAX;
}

int ktimer_run(uint64_t now)
{
	struct ktimer *t;
	int due = 0, n;

	/* Only as many as were due on entry: a callback may re-arm its own
	 * timer for a deadline already past, or disarm another due one. */
	for (t = head; t && t->deadline <= now; t = t->next)
		due++;
	for (n = 0; n < due && head && head->deadline <= now; n++) {
		t = head;
		head = t->next;
		t->next = NULL;
		t->armed = 0;
		t->fn(t);
	}
	return n;
}
