/*
 * The cooperative scheduler (sched.h). Switching saves the callee-saved
 * registers, the x87 control word and MXCSR on the outgoing stack; the
 * thread pointer is reloaded through the platform when it changes.
 */
#include <string.h>

#include <sys/syscall.h>

#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "timer.h"
#include "wait.h"

struct thread *sched_current;
static struct thread main_thread;
static struct thread *threads; /* every thread not yet reaped */
static struct thread *zombie;  /* dead, to free once off its stack */
static int next_tid = 2;
static int live = 1;    /* the application's threads */
static int nkernel;     /* keel's own (sched_spawn_kernel): never "live" */

void sched_switch(uint64_t *save_rsp, uint64_t new_rsp);
void sched_trampoline(void);

__asm__(".text\n"
	".global sched_switch\n"
	".type sched_switch,@function\n"
	"sched_switch:\n"
	"	push %rbp\n"
	"	push %rbx\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	sub $16, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	fnstcw 4(%rsp)\n"
	"	mov %rsp, (%rdi)\n"
	"	mov %rsi, %rsp\n"
	"	ldmxcsr (%rsp)\n"
	"	fldcw 4(%rsp)\n"
	"	add $16, %rsp\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbx\n"
	"	pop %rbp\n"
	"	ret\n"
	".global sched_trampoline\n"
	"sched_trampoline:\n"
	"	call sched_thread_main\n"
	"	ud2\n");

void sched_init(void)
{
	main_thread.tid = 1;
	main_thread.state = T_RUNNING;
	sched_current = threads = &main_thread;
}

struct thread *sched_first(void)
{
	return threads;
}

int sched_live_threads(void)
{
	return live;
}

static void reap(void)
{
	struct thread **p;

	if (!zombie || zombie == sched_current)
		return;
	for (p = &threads; *p; p = &(*p)->next) {
		if (*p == zombie) {
			*p = zombie->next;
			break;
		}
	}
	if (zombie != &main_thread)
		mm_free(zombie, 1);
	zombie = NULL;
}

static void switch_to(struct thread *t)
{
	struct thread *prev = sched_current;

	if (t == prev) {
		t->state = T_RUNNING;
		return;
	}
	/* A kernel thread has no thread pointer of its own: it keeps the
	 * one loaded, so switching back to its owner costs no reload. */
	if (t->kernel)
		t->tls = prev->tls;
	else if (t->tls != prev->tls && t->tls)
		keel_platform->set_tls(t->tls);
	t->state = T_RUNNING;
	sched_current = t;
	sched_switch(&prev->rsp, t->rsp);
	reap(); /* back on prev's stack: the dead can go */
}

/* Wakes what the clock and the events allow (due kernel timers first);
 * returns a ready thread (the one after the current in order, so all
 * get a turn), or NULL. The clock is read only when a deadline is
 * armed: on some bases a read is dear, and a switch between
 * threads that wait for each other needs none. */
static struct thread *pick(unsigned events)
{
	uint64_t now = 0;
	struct thread *t, *first = NULL, *after = NULL;
	int seen_current = 0;

	if (ktimer_next() != UINT64_MAX && ktimer_run(now = time_now()))
		now = 0; /* the callbacks took time: read again if needed */
	for (t = threads; t; t = t->next) {
		if (t->state == T_BLOCKED) {
			if (t->mask & events) {
				t->events = t->mask & events;
				t->state = T_READY;
			} else if (t->deadline != UINT64_MAX &&
				   t->deadline <= (now ? now : (now = time_now()))) {
				t->state = T_READY;
			}
		}
		if (t == sched_current)
			seen_current = 1;
		if (t->state == T_READY) {
			if (!first)
				first = t;
			if (seen_current && t != sched_current && !after)
				after = t;
		}
	}
	return after ? after : first;
}

/* Whether an idle machine waiting for the events of mask until
 * deadline is deadlocked: no deadline, no event, and no thread waiting
 * for a signal (pause, sigsuspend) that one from outside could bring.
 * Threads that only wait on each other stay a reported deadlock even
 * while signals from outside are caught. */
static int nothing_wakes(uint64_t deadline, unsigned mask)
{
	return deadline == UINT64_MAX && !(mask & ~KEEL_EV_SIGNAL) &&
	       (!(mask & KEEL_EV_SIGNAL) || !signal_waiting());
}

/* Nothing can run: idle until the earliest deadline (a thread's or a
 * kernel timer's) or a wanted event. */
static unsigned idle(void)
{
	uint64_t deadline = ktimer_next();
	unsigned mask = 0, ev;
	struct thread *t;

	for (t = threads; t; t = t->next) {
		if (t->state != T_BLOCKED)
			continue;
		if (t->deadline < deadline)
			deadline = t->deadline;
		mask |= t->mask;
	}
	mask |= waitq_event_mask();
	if (nothing_wakes(deadline, mask))
		keel_panic("every thread waits for ever: deadlock");
	ev = time_idle(deadline, mask);
	waitq_event_wake(ev);
	return ev;
}

unsigned sched_block(uint64_t deadline, unsigned mask)
{
	struct thread *self = sched_current, *t;
	unsigned events = 0;

	self->deadline = deadline;
	self->mask = mask;
	self->events = 0;
	self->woken = 0;
	self->state = T_BLOCKED;
	if (live == 1 && !nkernel && !zombie) {
		/* The common case, one thread: straight to the platform, until
		 * an event of mask, a wake (from a queue or a timer's
		 * callback) or the deadline. */
		for (;;) {
			unsigned qmask = waitq_event_mask();
			uint64_t until = ktimer_next();

			if (deadline < until)
				until = deadline;
			if (nothing_wakes(until, mask | qmask))
				keel_panic("the only thread waits for ever: deadlock");
			events = time_idle(until, mask | qmask);
			waitq_event_wake(events & qmask);
			if (ktimer_next() != UINT64_MAX)
				ktimer_run(time_now());
			if ((events & mask) || self->state != T_BLOCKED ||
			    (deadline != UINT64_MAX && time_now() >= deadline))
				break;
		}
		self->state = T_RUNNING;
		return events & mask;
	}
	while (!(t = pick(events)))
		events = idle();
	switch_to(t);
	return self->events;
}

void sched_wake(struct thread *t)
{
	if (t->state == T_BLOCKED) {
		t->woken = 1;
		t->state = T_READY;
	}
}

void sched_yield_now(void)
{
	struct thread *t;

	sched_current->state = T_READY;
	t = pick(0);
	switch_to(t ? t : sched_current);
}

void sched_thread_main(void)
{
	struct thread *self = sched_current;

	reap();
	keel_syscall(SYS_exit, self->fn(self->arg), 0, 0, 0, 0, 0);
	keel_panic("thread %d returned from exit", self->tid);
}

int sched_spawn(int (*fn)(void *), void *arg, void *stack, void *tls, struct thread **out)
{
	struct thread *t = mm_alloc(1, MM_KERNEL), **p;
	uint64_t *sp;

	if (!t)
		return -EAGAIN;
	memset(t, 0, sizeof *t);
	t->tid = next_tid++;
	t->tls = tls;
	t->fn = fn;
	t->arg = arg;
	t->state = T_READY;
	/* A frame sched_switch can return through into sched_trampoline. */
	sp = (uint64_t *)((uintptr_t)stack & ~15UL);
	*--sp = (uint64_t)(uintptr_t)sched_trampoline;
	sp -= 6;                   /* rbp rbx r12 r13 r14 r15 */
	memset(sp, 0, 6 * 8);
	sp -= 2;                   /* MXCSR and x87 control word */
	((uint32_t *)sp)[0] = 0x1f80;
	((uint16_t *)sp)[2] = 0x37f;
	t->rsp = (uint64_t)(uintptr_t)sp;
	for (p = &threads; *p; p = &(*p)->next)
		;
	*p = t;
	live++;
	*out = t;
	return t->tid;
}

int sched_spawn_kernel(int (*fn)(void *), void *arg, void *stack, struct thread **out)
{
	int tid = sched_spawn(fn, arg, stack, NULL, out);

	if (tid >= 0) {
		(*out)->kernel = 1;
		live--;
		nkernel++;
	}
	return tid;
}

int sched_exit_thread(void)
{
	struct thread *self = sched_current, *t;
	unsigned events = 0;

	if (live == 1)
		return 0;
	live--;
	self->state = T_DEAD;
	reap();
	zombie = self;
	while (!(t = pick(events)))
		events = idle();
	switch_to(t);
	keel_panic("a dead thread ran again");
}
