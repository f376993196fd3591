/*
 * Signals (signal.h): dispositions, per-thread masks, pending sets, and
 * delivery when a system call returns. A handler is a plain C call made
 * from inside keel_syscall, on the thread's stack or its alternate
 * stack: no signal frame is built and sa_restorer is never called; when
 * the handler returns, the thread's mask becomes the ucontext's
 * uc_sigmask (as sigreturn would make it) and the system call returns
 * to its caller. A handler may leave by longjmp/siglongjmp as usual.
 * Other changes a handler makes to the ucontext are not followed, but
 * one that moves the pc elsewhere makes an interrupted call return
 * -EINTR rather than restart: that is how musl's cancellation handler
 * ends a blocked cancellation point (libc/src/thread/keel/syscall_cp.s).
 *
 * Default actions: SIGCHLD, SIGURG, SIGWINCH and SIGCONT are ignored,
 * and so are the stop signals (no job control: nothing could continue
 * the machine); every other signal ends the machine with status
 * 128 + sig and one line on the console. Signals are not queued: a
 * signal already pending is not sent again (real-time ones included).
 * Faults (SIGSEGV, SIGFPE, ...) are reported by the base, not
 * delivered to handlers.
 *
 * Signals from outside the machine (a host kill, Ctrl-C on keel-run):
 * SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1 and SIGUSR2 follow the
 * application's disposition on bases that offer host_signal. With a
 * handler installed the base catches them and they are sent to the
 * process (SI_USER) when the machine next idles or a system call
 * returns; with SIG_IGN the base ignores them; with SIG_DFL the host's
 * default stands and the machine ends at once, as a process would.
 *
 * Above: dispatch.c (signal_return), the blocking calls (signal_pending),
 * fd.c (SIGPIPE), itimer.c (timers). Below: the scheduler.
 */
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "kernel.h"
#include "sched.h"
#include "signal.h"
#include "wait.h"

#define NEVER_BLOCKED (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))
#define DEFAULT_IGNORED                                                                            \
	(SIG_BIT(SIGCHLD) | SIG_BIT(SIGURG) | SIG_BIT(SIGWINCH) | SIG_BIT(SIGCONT) |               \
	 SIG_BIT(SIGSTOP) | SIG_BIT(SIGTSTP) | SIG_BIT(SIGTTIN) | SIG_BIT(SIGTTOU))

/* The kernel's struct sigaction (musl's struct k_sigaction). */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static struct ksigaction actions[SIG_NMAX];
static uint64_t ignored = DEFAULT_IGNORED; /* dispositions that ignore now */
static uint64_t shared_pending;		   /* sent to the process */
static struct sig_info shared_info[SIG_NMAX];
static int timers_armed;
int signal_work;

/* Signals from outside: which the base catches for us, and the waiter
 * that takes them when the machine idles (KEEL_EV_SIGNAL). */
#define FROM_OUTSIDE                                                                               \
	(SIG_BIT(SIGHUP) | SIG_BIT(SIGINT) | SIG_BIT(SIGQUIT) | SIG_BIT(SIGTERM) |                 \
	 SIG_BIT(SIGUSR1) | SIG_BIT(SIGUSR2))
static uint64_t host_caught;
static struct waiter host_waiter;
static int in_signal_wait; /* threads in pause, sigsuspend, sigtimedwait */

static const char *const names[32] = {
	[SIGHUP] = "SIGHUP",	   [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",	   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",	   [SIGFPE] = "SIGFPE",	  [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1",	   [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE",	   [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
	[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGIO] = "SIGIO",
	[SIGPWR] = "SIGPWR",	   [SIGSYS] = "SIGSYS",
};

/* Calls fn(sig, si, uc) with the stack pointer at top (the alternate
 * stack), then comes back to the caller's stack. */
void signal_call_on_stack(uintptr_t top, void *fn, int sig, siginfo_t *si, void *uc);
__asm__(".text\n"
	".global signal_call_on_stack\n"
	".type signal_call_on_stack,@function\n"
	"signal_call_on_stack:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	and $-16, %rdi\n"
	"	mov %rdi, %rsp\n"
	"	mov %rsi, %rax\n"
	"	mov %edx, %edi\n"
	"	mov %rcx, %rsi\n"
	"	mov %r8, %rdx\n"
	"	call *%rax\n"
	"	mov %rbp, %rsp\n"
	"	pop %rbp\n"
	"	ret\n");

static int valid(int sig)
{
	return sig >= 1 && sig <= SIG_NMAX;
}

static void work_update(void)
{
	struct thread *t;

	signal_work = 1;
	if (shared_pending || timers_armed || host_caught)
		return;
	for (t = sched_first(); t; t = t->next)
		if (t->state != T_DEAD && t->sig.pending)
			return;
	signal_work = 0;
}

void signal_timers_armed(int delta)
{
	timers_armed += delta;
	work_update();
}

struct thread *signal_find_thread(int tid)
{
	struct thread *t;

	for (t = sched_first(); t; t = t->next)
		if (t->tid == tid && t->state != T_DEAD && !t->kernel)
			return t;
	return NULL;
}

/* Whether t takes sig now (unblocked) or waits for it (sigtimedwait). */
static int takes(const struct thread *t, uint64_t bit)
{
	return (bit & ~t->sig.mask) || (bit & t->sig.waiting);
}

static uint64_t deliverable(const struct thread *t)
{
	return (t->sig.pending | shared_pending) & ~t->sig.mask & ~ignored;
}

int signal_pending(void)
{
	return signal_work && deliverable(sched_current);
}

void signal_send_thread(struct thread *t, int sig, const struct sig_info *si)
{
	uint64_t bit = SIG_BIT(sig);

	if ((ignored & bit) && !(t->sig.mask & bit) && !(t->sig.waiting & bit))
		return; /* discarded, as Linux does */
	if (!(t->sig.pending & bit)) {
		t->sig.pending |= bit;
		t->sig.info[sig - 1] = *si;
	}
	signal_work = 1;
	if (t->state == T_BLOCKED && takes(t, bit))
		sched_wake(t);
}

void signal_send_process(int sig, const struct sig_info *si)
{
	uint64_t bit = SIG_BIT(sig);
	struct thread *t, *sleeper = NULL;
	int wanted = !(ignored & bit);

	for (t = sched_first(); t && !wanted; t = t->next)
		if (t->state != T_DEAD && !t->kernel && ((t->sig.mask | t->sig.waiting) & bit))
			wanted = 1;
	if (!wanted)
		return;
	if (!(shared_pending & bit)) {
		shared_pending |= bit;
		shared_info[sig - 1] = *si;
	}
	signal_work = 1;
	/* A thread that runs or is ready takes it at its next system call
	 * return; otherwise wake one that can. keel's own threads (the
	 * network's) make no system calls: never them. */
	for (t = sched_first(); t; t = t->next) {
		if (t->state == T_DEAD || t->kernel || !takes(t, bit))
			continue;
		if (t->state != T_BLOCKED)
			return;
		if (!sleeper)
			sleeper = t;
	}
	if (sleeper)
		sched_wake(sleeper);
}

int signal_timer_pending(const struct thread *t, int sig, int id)
{
	uint64_t bit = SIG_BIT(sig);
	const struct sig_info *in;

	if (t) {
		if (!(t->sig.pending & bit))
			return 0;
		in = &t->sig.info[sig - 1];
	} else {
		if (!(shared_pending & bit))
			return 0;
		in = &shared_info[sig - 1];
	}
	return id < 0 || (in->code == SI_TIMER && in->timerid == id);
}

void signal_pipe(void)
{
	struct sig_info si = { .code = SI_USER, .pid = 1 };

	signal_send_thread(sched_current, SIGPIPE, &si);
}

void signal_thread_init(struct thread *t, const struct thread *parent)
{
	memset(&t->sig, 0, sizeof t->sig);
	t->sig.mask = parent->sig.mask;
}

/* Takes sig off the thread's pending set, or else the process's. */
static void take(struct thread *t, int sig, struct sig_info *out)
{
	uint64_t bit = SIG_BIT(sig);

	if (t->sig.pending & bit) {
		t->sig.pending &= ~bit;
		*out = t->sig.info[sig - 1];
	} else {
		shared_pending &= ~bit;
		*out = shared_info[sig - 1];
	}
	if (out->code == SI_TIMER)
		out->overrun = itimer_taken(out->timerid);
}

/* The lowest signal t takes now; unblocked ignored ones are dropped. */
static int next_signal(struct thread *t)
{
	uint64_t p = t->sig.pending | shared_pending;
	uint64_t drop = p & ~t->sig.mask & ignored;

	if (drop) {
		t->sig.pending &= ~drop;
		shared_pending &= ~drop;
	}
	p &= ~t->sig.mask & ~ignored;
	return p ? __builtin_ctzll(p) + 1 : 0;
}

static void fill_siginfo(siginfo_t *si, int sig, const struct sig_info *in)
{
	memset(si, 0, sizeof *si);
	si->si_signo = sig;
	si->si_code = in->code;
	if (in->code == SI_TIMER) {
		si->si_timerid = in->timerid;
		si->si_overrun = in->overrun;
	} else {
		si->si_pid = in->pid;
		si->si_uid = in->uid;
	}
	si->si_value = in->value;
}

/* Sends the signals from outside that came to the process. */
static void host_take(void)
{
	uint64_t p = keel_platform->host_signals();

	while (p) {
		int sig = __builtin_ctzll(p) + 1;

		p &= p - 1;
		signal_send_process(sig, &(struct sig_info){ .code = SI_USER });
	}
}

static void host_wake(struct waiter *w)
{
	host_take();
	if (host_caught)
		waitq_add(waitq_event(KEEL_EV_SIGNAL), w);
}

/* The base follows sig's disposition, when it comes from outside. */
static void host_follow(int sig)
{
	uint64_t bit = SIG_BIT(sig);
	void (*h)(int) = actions[sig - 1].handler;
	int how = h == SIG_IGN ? KEEL_HOSTSIG_IGNORE : h == SIG_DFL ? KEEL_HOSTSIG_DEFAULT :
								       KEEL_HOSTSIG_CATCH;

	if (!(bit & FROM_OUTSIDE) || !keel_platform->host_signal ||
	    keel_platform->host_signal(sig, how) < 0)
		return;
	if (how == KEEL_HOSTSIG_CATCH)
		host_caught |= bit;
	else
		host_caught &= ~bit;
	if (host_caught && !host_waiter.q) {
		host_waiter.fn = host_wake;
		waitq_add(waitq_event(KEEL_EV_SIGNAL), &host_waiter);
	} else if (!host_caught) {
		waitq_del(&host_waiter);
	}
	work_update();
}

int signal_waiting(void)
{
	return in_signal_wait;
}

static void set_disposition(int sig, const struct ksigaction *ka)
{
	uint64_t bit = SIG_BIT(sig);
	struct thread *t;

	actions[sig - 1] = *ka;
	actions[sig - 1].mask &= ~NEVER_BLOCKED;
	if (ka->handler == SIG_IGN || (ka->handler == SIG_DFL && (DEFAULT_IGNORED & bit)))
		ignored |= bit;
	else
		ignored &= ~bit;
	host_follow(sig);
	if (!(ignored & bit))
		return;
	/* POSIX: a pending signal set to be ignored is discarded, blocked
	 * or not. */
	shared_pending &= ~bit;
	for (t = sched_first(); t; t = t->next)
		t->sig.pending &= ~bit;
	work_update();
}

static void terminate(int sig) __attribute__((noreturn));
static void terminate(int sig)
{
	const char *name = sig < 32 && names[sig] ? names[sig] : "a real-time signal";

	keel_log("terminated by signal %d (%s)", sig, name);
	proc_exit(128 + sig);
}

static int on_altstack(const struct thread_signals *s, uintptr_t sp)
{
	return s->ss_size && sp - (uintptr_t)s->ss_sp < s->ss_size;
}

/* Returns whether the handler moved the ucontext's pc. */
static int run_handler(struct thread *t, int sig, const struct sig_info *in, long r, uintptr_t pc,
		       uintptr_t sp)
{
	struct thread_signals *s = &t->sig;
	struct ksigaction *ka = &actions[sig - 1];
	void *fn = (void *)ka->handler;
	unsigned long flags = ka->flags;
	uint64_t after = s->restore_saved ? s->saved : s->mask;
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	char fx[512] __attribute__((aligned(16)));
	siginfo_t si;
	ucontext_t uc;

	s->restore_saved = 0;
	fill_siginfo(&si, sig, in);
	memset(&uc, 0, sizeof uc);
	memcpy(&uc.uc_sigmask, &after, sizeof after);
	uc.uc_stack.ss_sp = s->ss_sp;
	uc.uc_stack.ss_size = s->ss_size;
	uc.uc_stack.ss_flags =
		!s->ss_size ? SS_DISABLE : (on_altstack(s, here) ? SS_ONSTACK : 0) | s->ss_flags;
	uc.uc_mcontext.gregs[REG_RIP] = (long long)pc;
	uc.uc_mcontext.gregs[REG_RSP] = (long long)sp;
	uc.uc_mcontext.gregs[REG_RAX] = r;
	__asm__ volatile("fxsave64 %0" : "=m"(fx));
	memcpy(uc.__fpregs_mem, fx, sizeof fx);
	uc.uc_mcontext.fpregs = (void *)uc.__fpregs_mem;

	s->mask = (s->mask | ka->mask | ((flags & SA_NODEFER) ? 0 : SIG_BIT(sig))) & ~NEVER_BLOCKED;
	if (flags & SA_RESETHAND)
		set_disposition(sig, &(struct ksigaction){ .handler = SIG_DFL });

	if ((flags & SA_ONSTACK) && s->ss_size && !on_altstack(s, here)) {
		uintptr_t top = (uintptr_t)s->ss_sp + s->ss_size;

		if (s->ss_flags & SS_AUTODISARM)
			s->ss_size = 0; /* given back from uc_stack below */
		signal_call_on_stack(top, fn, sig, &si, &uc);
		if (uc.uc_stack.ss_flags & SS_AUTODISARM) {
			s->ss_sp = uc.uc_stack.ss_sp;
			s->ss_size = uc.uc_stack.ss_size;
			s->ss_flags = SS_AUTODISARM;
		}
	} else {
		((void (*)(int, siginfo_t *, void *))fn)(sig, &si, &uc);
	}
	memcpy(&s->mask, &uc.uc_sigmask, sizeof s->mask);
	s->mask &= ~NEVER_BLOCKED;
	return uc.uc_mcontext.gregs[REG_RIP] != (long long)pc;
}

long signal_return(long r, uintptr_t pc, uintptr_t sp)
{
	struct thread *t = sched_current;
	struct sig_info in;
	int sig;

	if (timers_armed)
		itimer_run_due();
	if (host_caught)
		host_take();
	while ((sig = next_signal(t))) {
		take(t, sig, &in);
		if (actions[sig - 1].handler == SIG_DFL)
			terminate(sig); /* the ignored ones were dropped */
		if (r == -ERESTARTSYS && !(actions[sig - 1].flags & SA_RESTART))
			r = -EINTR;
		if (run_handler(t, sig, &in, r, pc, sp) && r == -ERESTARTSYS)
			r = -EINTR;
	}
	if (t->sig.restore_saved) {
		t->sig.mask = t->sig.saved;
		t->sig.restore_saved = 0;
	}
	work_update();
	return r;
}

SYSCALL_DEFINE4(rt_sigaction, int, sig, const struct ksigaction *, act, struct ksigaction *, old,
		size_t, size)
{
	struct ksigaction ka;

	if (size != sizeof(uint64_t) || !valid(sig))
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (act)
		ka = *act;
	if (old)
		*old = actions[sig - 1];
	if (act)
		set_disposition(sig, &ka);
	return 0;
}

SYSCALL_DEFINE4(rt_sigprocmask, int, how, const uint64_t *, set, uint64_t *, old, size_t, size)
{
	struct thread_signals *s = &sched_current->sig;
	uint64_t prev = s->mask;

	if (size != sizeof(uint64_t))
		return -EINVAL;
	if (set) {
		switch (how) {
		case SIG_BLOCK:
			s->mask |= *set;
			break;
		case SIG_UNBLOCK:
			s->mask &= ~*set;
			break;
		case SIG_SETMASK:
			s->mask = *set;
			break;
		default:
			return -EINVAL;
		}
		s->mask &= ~NEVER_BLOCKED;
	}
	if (old)
		*old = prev;
	return 0;
}

SYSCALL_DEFINE2(rt_sigpending, uint64_t *, set, size_t, size)
{
	uint64_t p = (sched_current->sig.pending | shared_pending) & sched_current->sig.mask;

	if (size > sizeof p)
		return -EINVAL;
	memcpy(set, &p, size);
	return 0;
}

void signal_mask_begin(uint64_t mask)
{
	struct thread_signals *s = &sched_current->sig;

	s->saved = s->mask;
	s->mask = mask & ~NEVER_BLOCKED;
}

void signal_mask_end(int interrupted)
{
	struct thread_signals *s = &sched_current->sig;

	if (interrupted)
		s->restore_saved = 1; /* signal_return puts it back */
	else
		s->mask = s->saved;
}

/* Until a signal the thread takes (a handler or a default action). */
static long wait_for_signal(void)
{
	in_signal_wait++;
	while (!signal_pending())
		sched_block(UINT64_MAX, 0);
	in_signal_wait--;
	return -EINTR;
}

SYSCALL_DEFINE2(rt_sigsuspend, const uint64_t *, set, size_t, size)
{
	struct thread_signals *s = &sched_current->sig;

	if (size != sizeof(uint64_t))
		return -EINVAL;
	s->saved = s->mask;
	s->restore_saved = 1;
	s->mask = *set & ~NEVER_BLOCKED;
	return wait_for_signal();
}

SYSCALL_DEFINE0(pause)
{
	return wait_for_signal();
}

SYSCALL_DEFINE4(rt_sigtimedwait, const uint64_t *, set, siginfo_t *, info, const struct timespec *,
		ts, size_t, size)
{
	struct thread *t = sched_current;
	uint64_t want, deadline = UINT64_MAX, p;
	struct sig_info in;
	int sig;

	if (size != sizeof(uint64_t))
		return -EINVAL;
	want = *set & ~NEVER_BLOCKED;
	if (ts) {
		if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
			return -EINVAL;
		deadline = time_now() + (uint64_t)ts->tv_sec * 1000000000 + (uint64_t)ts->tv_nsec;
	}
	for (;;) {
		p = (t->sig.pending | shared_pending) & want;
		if (p) {
			sig = __builtin_ctzll(p) + 1;
			take(t, sig, &in);
			work_update();
			if (info)
				fill_siginfo(info, sig, &in);
			return sig;
		}
		if (signal_pending())
			return -EINTR;
		if (time_now() >= deadline)
			return -EAGAIN;
		t->sig.waiting = want;
		in_signal_wait++;
		sched_block(deadline, 0);
		in_signal_wait--;
		t->sig.waiting = 0;
	}
}

SYSCALL_DEFINE2(sigaltstack, const stack_t *, ss, stack_t *, old)
{
	struct thread_signals *s = &sched_current->sig;
	int on = on_altstack(s, (uintptr_t)__builtin_frame_address(0));
	stack_t want;

	if (ss)
		want = *ss;
	if (old) {
		old->ss_sp = s->ss_sp;
		old->ss_size = s->ss_size;
		old->ss_flags = !s->ss_size ? SS_DISABLE : (on ? SS_ONSTACK : 0) | s->ss_flags;
	}
	if (!ss)
		return 0;
	if (on)
		return -EPERM;
	switch (want.ss_flags & ~SS_AUTODISARM) {
	case SS_DISABLE:
		s->ss_sp = NULL;
		s->ss_size = 0;
		s->ss_flags = 0;
		return 0;
	case 0:
	case SS_ONSTACK: /* old programs pass it; Linux accepts it */
		break;
	default:
		return -EINVAL;
	}
	if (want.ss_size < MINSIGSTKSZ)
		return -ENOMEM;
	s->ss_sp = want.ss_sp;
	s->ss_size = want.ss_size;
	s->ss_flags = want.ss_flags & SS_AUTODISARM;
	return 0;
}

/* The process is pid 1, in process group and session 1. */
static int is_self(int pid)
{
	return pid == 1 || pid == 0 || pid == -1;
}

SYSCALL_DEFINE2(kill, int, pid, int, sig)
{
	struct sig_info si = { .code = SI_USER, .pid = 1 };

	if (sig < 0 || sig > SIG_NMAX)
		return -EINVAL;
	if (!is_self(pid))
		return -ESRCH;
	if (sig)
		signal_send_process(sig, &si);
	return 0;
}

/* tgid 0: any (tkill); else it must be the process's, 1. */
static long thread_kill(int tgid, int tid, int sig, const struct sig_info *si)
{
	struct thread *t;

	if (tid <= 0 || tgid < 0 || sig < 0 || sig > SIG_NMAX)
		return -EINVAL;
	if (tgid && tgid != 1)
		return -ESRCH;
	if (!(t = signal_find_thread(tid)))
		return -ESRCH;
	if (sig)
		signal_send_thread(t, sig, si);
	return 0;
}

SYSCALL_DEFINE2(tkill, int, tid, int, sig)
{
	struct sig_info si = { .code = SI_TKILL, .pid = 1 };

	return thread_kill(0, tid, sig, &si);
}

SYSCALL_DEFINE3(tgkill, int, tgid, int, tid, int, sig)
{
	struct sig_info si = { .code = SI_TKILL, .pid = 1 };

	return tgid <= 0 ? -EINVAL : thread_kill(tgid, tid, sig, &si);
}

/* sigqueue: the caller chooses si_code and si_value (Linux lets a
 * process send itself any code). */
static void queued_info(const siginfo_t *u, struct sig_info *si)
{
	memset(si, 0, sizeof *si);
	si->code = u->si_code;
	si->timerid = -1; /* no timer's overrun to take, whatever the code */
	si->pid = u->si_pid;
	si->uid = u->si_uid;
	si->value = u->si_value;
}

SYSCALL_DEFINE3(rt_sigqueueinfo, int, pid, int, sig, const siginfo_t *, uinfo)
{
	struct sig_info si;

	if (!valid(sig))
		return -EINVAL;
	if (!is_self(pid) || pid <= 0)
		return -ESRCH;
	queued_info(uinfo, &si);
	signal_send_process(sig, &si);
	return 0;
}

SYSCALL_DEFINE4(rt_tgsigqueueinfo, int, tgid, int, tid, int, sig, const siginfo_t *, uinfo)
{
	struct sig_info si;

	if (!valid(sig))
		return -EINVAL;
	if (tgid <= 0)
		return -EINVAL;
	queued_info(uinfo, &si);
	return thread_kill(tgid, tid, sig, &si);
}
