/*
 * Threads: a cooperative scheduler on one vCPU. A thread runs until it
 * blocks (sched_block) or yields; when no thread can run, the machine
 * idles in the platform's wait_until until the earliest deadline or an
 * event some blocked thread waits for. Above: thread.c (clone, exit,
 * futex), time.c (sleeps), fd.c (blocking reads). Below: the platform's
 * set_tls and wait_until.
 */
#ifndef KEEL_SYS_SCHED_H
#define KEEL_SYS_SCHED_H

#include <stdint.h>

#include "signal.h"

enum thread_state { T_READY, T_RUNNING, T_BLOCKED, T_DEAD };

struct thread {
	struct thread *next; /* all threads, in creation order */
	uint64_t rsp;        /* saved stack pointer while switched out */
	int tid;
	enum thread_state state;
	void *tls;
	int *clear_tid; /* zeroed and woken at exit (CLONE_CHILD_CLEARTID) */
	/* while blocked */
	uint64_t deadline;
	unsigned mask;     /* KEEL_EV_* that end the block */
	unsigned events;   /* what ended it */
	const int *futex;  /* the word waited on, or NULL */
	uint32_t bitset;
	int woken;         /* set by sched_wake */
	int kernel;        /* keel's own thread (sched_spawn_kernel) */
	/* a new thread's start */
	int (*fn)(void *);
	void *arg;
	struct thread_signals sig; /* signal.c */
};

extern struct thread *sched_current;

void sched_init(void);
/* Blocks the current thread until sched_wake, the deadline (monotonic
 * ns; UINT64_MAX: none) or an event of mask. Returns the events that
 * ended the block (0 for a wake or a timeout). */
unsigned sched_block(uint64_t deadline, unsigned mask);
void sched_wake(struct thread *t);
void sched_yield_now(void);
/* A new thread that runs fn(arg) on stack; -errno. */
int sched_spawn(int (*fn)(void *), void *arg, void *stack, void *tls, struct thread **out);
/* A thread of keel's own (the network's): it does not count among the
 * application's threads, so the machine ends when they have all ended,
 * and it must never exit. It runs with no thread pointer of its own
 * (no TLS, no errno). */
int sched_spawn_kernel(int (*fn)(void *), void *arg, void *stack, struct thread **out);
/* Ends the current thread (never returns); the last one ends nothing:
 * the caller exits the machine. Returns 0 if it was the last. */
int sched_exit_thread(void);
int sched_live_threads(void);
struct thread *sched_first(void);

#endif
