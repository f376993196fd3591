/*
 * Signals inside keel's core. A signal is delivered at a safe point:
 * when a system call returns (keel_syscall calls signal_return), which
 * includes a blocking call that a signal woke. A handler then runs as a
 * plain C call on the thread's stack (or its alternate stack), with the
 * mask of its sigaction; nothing is ever delivered in the middle of a
 * computation. Above: dispatch.c (delivery), the blocking calls
 * (signal_pending: return -EINTR or -ERESTARTSYS), fd.c (SIGPIPE), the
 * timers (timer.c's owners). Below: the scheduler (waking a thread).
 */
#ifndef KEEL_SYS_SIGNAL_H
#define KEEL_SYS_SIGNAL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* A blocking call a signal interrupted and that Linux restarts after a
 * handler installed with SA_RESTART: keel_syscall calls it again, or
 * turns it into -EINTR. Never seen by the application. */
#define ERESTARTSYS 512

#define SIG_BIT(sig) (1ULL << ((sig)-1))
#define SIG_NMAX 64

/* What a pending signal carries into its siginfo_t. */
struct sig_info {
	int code; /* SI_USER, SI_TKILL, SI_QUEUE, SI_TIMER, SI_KERNEL */
	int pid, uid;
	int timerid; /* SI_TIMER: the timer's id and its overrun count */
	int overrun;
	union sigval value;
};

/* Each thread's part (struct thread, sched.h). */
struct thread_signals {
	uint64_t mask;
	uint64_t pending; /* sent to this thread */
	uint64_t waiting; /* the set rt_sigtimedwait waits for */
	uint64_t saved;	  /* rt_sigsuspend: the mask after the handler */
	int restore_saved;
	void *ss_sp; /* the alternate stack (sigaltstack) */
	size_t ss_size;
	int ss_flags; /* SS_DISABLE, SS_AUTODISARM */
	struct sig_info info[SIG_NMAX];
};

struct thread;

/* Nonzero while a signal may be pending anywhere or a signal timer is
 * armed: keel_syscall then calls signal_return on the way out. */
extern int signal_work;

/* The tail of every system call: runs the due timers, delivers what the
 * current thread can take (handlers, default actions) and turns r (the
 * call's result) into what the caller sees. Returns -ERESTARTSYS when
 * the call must be made again. pc and sp: where the call returns to. */
long signal_return(long r, uintptr_t pc, uintptr_t sp);

/* Whether the current thread has a signal to take now: a blocking call
 * returns -EINTR (or -ERESTARTSYS) when it does. */
int signal_pending(void);

/* Sends sig to one thread or to the process (any thread that does not
 * block it takes it); wakes a blocked thread that can take it. */
void signal_send_thread(struct thread *t, int sig, const struct sig_info *si);
void signal_send_process(int sig, const struct sig_info *si);

/* The mask a call waits under (ppoll, pselect6, epoll_pwait): begin
 * sets it, keeping the thread's own; end puts the own one back — after
 * the handlers have run when the wait was interrupted (-EINTR), so the
 * signal the call's mask let in is delivered, as on Linux. */
void signal_mask_begin(uint64_t mask);
void signal_mask_end(int interrupted);

/* SIGPIPE for the calling thread: a write found no reader (-EPIPE). */
void signal_pipe(void);

/* How many threads wait for a signal (pause, sigsuspend,
 * sigtimedwait): with signals from outside caught, not a deadlock. */
int signal_waiting(void);

/* The live thread tid, or NULL. */
struct thread *signal_find_thread(int tid);

/* For the timers (itimer.c): an armed timer keeps signal_work set so
 * that due timers fire as system calls return; whether a timer's
 * signal (timer id, or -1 for any) is still pending for t (NULL: the
 * process); when a SI_TIMER signal is taken, itimer_taken(id) gives
 * its overrun count; itimer_run_due fires the timers that are due. */
void signal_timers_armed(int delta);
int signal_timer_pending(const struct thread *t, int sig, int id);
int itimer_taken(int id);
void itimer_run_due(void);

/* A new thread starts with its creator's mask and nothing pending. */
void signal_thread_init(struct thread *t, const struct thread *parent);

#endif
