/*
 * Signals through musl: handlers for raise, kill, tgkill, pthread_kill
 * and sigqueue with their siginfo, masks (a blocked signal stays
 * pending and arrives when unblocked), SA_RESETHAND, SA_NODEFER,
 * SA_ONSTACK on an alternate stack, sigsuspend, sigtimedwait, waits
 * that a signal interrupts (sleeps, futexes, pipes, poll, select, epoll,
 * ppoll with its mask), SIGPIPE, and the default actions.
 * argv[1]: "handlers" (everything that returns; prints ok: N checks),
 * or one default action to die of: "abort", "abort-handled", "term",
 * "kill", "pipe", "usr1-thread", "blocked-then-unblocked"; or "proc"
 * (fork and its kin fail).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile int hits[65], last_code, last_pid, last_value, depth, max_depth, handler_tid;
static volatile uintptr_t handler_sp;
static sigset_t mask_in_handler;

static void on_info(int sig, siginfo_t *si, void *ctx)
{
	hits[sig]++;
	last_code = si->si_code;
	last_pid = si->si_pid;
	last_value = si->si_value.sival_int;
	handler_tid = gettid();
	handler_sp = (uintptr_t)&sig;
	CHECK_EQ(si->si_signo, sig);
	CHECK(ctx != NULL);
	sigprocmask(SIG_BLOCK, NULL, &mask_in_handler);
}

static void on_plain(int sig)
{
	hits[sig]++;
}

static volatile int reraised;

/* Raises its signal again, once: with SA_NODEFER the second handler runs
 * inside the first, else after it. */
static void on_nested(int sig)
{
	hits[sig]++;
	if (++depth > max_depth)
		max_depth = depth;
	if (!reraised++)
		raise(sig);
	depth--;
}

/* Adds SIGUSR2 to the mask the thread gets back (what sigreturn does). */
static void on_block_usr2(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	hits[sig]++;
	sigaddset(&uc->uc_sigmask, SIGUSR2);
}

static sigjmp_buf jump;
static void on_jump(int sig)
{
	hits[sig]++;
	siglongjmp(jump, sig);
}

static int blocked(int sig)
{
	sigset_t s;

	sigprocmask(SIG_BLOCK, NULL, &s);
	return sigismember(&s, sig);
}

static void senders(void)
{
	union sigval v = { .sival_int = 77 };

	handle(SIGUSR1, on_info, SA_SIGINFO);
	CHECK_EQ(raise(SIGUSR1), 0);
	CHECK_EQ(hits[SIGUSR1], 1);
	CHECK_EQ(last_code, SI_TKILL); /* musl's raise is tkill */
	CHECK_EQ(last_pid, getpid());
	CHECK(sigismember(&mask_in_handler, SIGUSR1)); /* blocked during its handler */
	CHECK(!blocked(SIGUSR1));		       /* and not after */

	CHECK_EQ(kill(getpid(), SIGUSR1), 0);
	CHECK_EQ(hits[SIGUSR1], 2);
	CHECK_EQ(last_code, SI_USER);
	CHECK_EQ(kill(0, SIGUSR1), 0); /* own process group */
	CHECK_EQ(kill(-1, SIGUSR1), 0);
	CHECK_EQ(hits[SIGUSR1], 4);
	CHECK_EQ(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1), 0);
	CHECK_EQ(hits[SIGUSR1], 5);
	CHECK_EQ(last_code, SI_TKILL);
	CHECK_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);
	CHECK_EQ(hits[SIGUSR1], 6);
	CHECK_EQ(sigqueue(getpid(), SIGUSR1, v), 0);
	CHECK_EQ(hits[SIGUSR1], 7);
	CHECK_EQ(last_code, SI_QUEUE);
	CHECK_EQ(last_value, 77);

	/* sa_mask is added during the handler. */
	{
		struct sigaction sa = { .sa_sigaction = on_info, .sa_flags = SA_SIGINFO };

		sigemptyset(&sa.sa_mask);
		sigaddset(&sa.sa_mask, SIGHUP);
		CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
		raise(SIGUSR1);
		CHECK(sigismember(&mask_in_handler, SIGHUP));
		CHECK(!blocked(SIGHUP));
	}

	/* Signal 0 and bad targets. */
	CHECK_EQ(kill(getpid(), 0), 0);
	CHECK_ERR(kill(2, SIGUSR1), ESRCH);
	CHECK_ERR(kill(12345, 0), ESRCH);
	CHECK_ERR(kill(getpid(), 65), EINVAL);
	CHECK_ERR(syscall(SYS_tkill, 9999, SIGUSR1), ESRCH);
	CHECK_ERR(syscall(SYS_tkill, 0, SIGUSR1), EINVAL);
	CHECK_ERR(syscall(SYS_tgkill, 2, gettid(), SIGUSR1), ESRCH);
	CHECK_ERR(syscall(SYS_tgkill, 0, gettid(), SIGUSR1), EINVAL);
	CHECK_EQ(hits[SIGUSR1], 8);
}

static void dispositions(void)
{
	struct sigaction sa = { .sa_handler = on_plain }, old;

	/* SIGKILL and SIGSTOP cannot be caught, nor ignored. */
	CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
	CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL);
	CHECK_ERR(sigaction(0, &sa, NULL), EINVAL);
	CHECK_ERR(sigaction(65, &sa, NULL), EINVAL);
	CHECK_EQ(sigaction(SIGKILL, NULL, &old), 0);
	CHECK(old.sa_handler == SIG_DFL);

	/* SA_RESETHAND: once, then back to the default. */
	handle(SIGUSR2, on_plain, SA_RESETHAND);
	raise(SIGUSR2);
	CHECK_EQ(hits[SIGUSR2], 1);
	CHECK_EQ(sigaction(SIGUSR2, NULL, &old), 0);
	CHECK(old.sa_handler == SIG_DFL);

	/* SA_NODEFER: the handler can be entered again from inside. */
	handle(SIGHUP, on_nested, SA_NODEFER);
	raise(SIGHUP);
	CHECK_EQ(hits[SIGHUP], 2);
	CHECK_EQ(max_depth, 2);
	/* Without it the second raise waits for the first handler's end. */
	max_depth = 0;
	reraised = 0;
	handle(SIGHUP, on_nested, 0);
	raise(SIGHUP);
	CHECK_EQ(hits[SIGHUP], 4);
	CHECK_EQ(max_depth, 1);

	/* Ignored, explicitly or by default: nothing happens. */
	handle(SIGUSR2, SIG_IGN, 0);
	CHECK_EQ(raise(SIGUSR2), 0);
	CHECK_EQ(raise(SIGCHLD), 0);
	CHECK_EQ(raise(SIGWINCH), 0);
	CHECK_EQ(raise(SIGURG), 0);
	CHECK_EQ(raise(SIGCONT), 0);
	CHECK_EQ(hits[SIGUSR2], 1);

	/* A handler's changes to uc_sigmask stay after it returns. */
	handle(SIGUSR2, on_block_usr2, SA_SIGINFO);
	raise(SIGUSR2);
	CHECK_EQ(hits[SIGUSR2], 2);
	CHECK(blocked(SIGUSR2));
	raise(SIGUSR2); /* blocked now: pending */
	CHECK_EQ(hits[SIGUSR2], 2);
	{
		sigset_t s;

		sigemptyset(&s);
		sigaddset(&s, SIGUSR2);
		handle(SIGUSR2, on_plain, 0);
		CHECK_EQ(sigprocmask(SIG_UNBLOCK, &s, NULL), 0);
		CHECK_EQ(hits[SIGUSR2], 3); /* delivered by the unblocking call */
	}

	/* Leaving a handler by siglongjmp restores the saved mask. */
	handle(SIGUSR2, on_jump, 0);
	if (sigsetjmp(jump, 1) == 0) {
		raise(SIGUSR2);
		CHECK(0); /* not reached */
	}
	CHECK_EQ(hits[SIGUSR2], 4);
	CHECK(!blocked(SIGUSR2));
}

static void masks(void)
{
	sigset_t s, p;

	handle(SIGUSR1, on_info, SA_SIGINFO);
	hits[SIGUSR1] = 0;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &s, NULL), 0);
	raise(SIGUSR1);
	raise(SIGUSR1); /* not queued: one pending */
	CHECK_EQ(hits[SIGUSR1], 0);
	CHECK_EQ(sigpending(&p), 0);
	CHECK(sigismember(&p, SIGUSR1));
	CHECK(!sigismember(&p, SIGUSR2));
	CHECK_EQ(sigprocmask(SIG_UNBLOCK, &s, NULL), 0);
	CHECK_EQ(hits[SIGUSR1], 1);
	CHECK_EQ(sigpending(&p), 0);
	CHECK(!sigismember(&p, SIGUSR1));

	/* Blocking SIGKILL is silently refused. */
	sigemptyset(&s);
	sigaddset(&s, SIGKILL);
	sigaddset(&s, SIGSTOP);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &s, NULL), 0);
	CHECK(!blocked(SIGKILL));
	CHECK(!blocked(SIGSTOP));
	CHECK_ERR(syscall(SYS_rt_sigprocmask, 99, &s, NULL, 8), EINVAL);

	/* A pending signal set to be ignored is discarded. */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGUSR1);
	handle(SIGUSR1, SIG_IGN, 0);
	sigpending(&p);
	CHECK(!sigismember(&p, SIGUSR1));
	handle(SIGUSR1, on_info, SA_SIGINFO);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	CHECK_EQ(hits[SIGUSR1], 1);
}

static char altstack[16384];

static void altstacks(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack }, old;

	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);
	CHECK_EQ(sigaltstack(&ss, NULL), 0);
	handle(SIGUSR2, on_info, SA_SIGINFO | SA_ONSTACK);
	raise(SIGUSR2);
	CHECK(handler_sp >= (uintptr_t)altstack &&
	      handler_sp < (uintptr_t)altstack + sizeof altstack);
	/* Without SA_ONSTACK the handler stays on the thread's stack. */
	handle(SIGUSR2, on_info, SA_SIGINFO);
	raise(SIGUSR2);
	CHECK(!(handler_sp >= (uintptr_t)altstack &&
		handler_sp < (uintptr_t)altstack + sizeof altstack));
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK(old.ss_sp == altstack);
	CHECK_EQ(old.ss_flags, 0);
	ss.ss_size = 100;
	CHECK_ERR(sigaltstack(&ss, NULL), ENOMEM);
	ss.ss_flags = SS_DISABLE;
	CHECK_EQ(sigaltstack(&ss, NULL), 0);
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);
}

/* A second thread that, after a pause, sends sig to the process or
 * (tid != 0) to one thread. */
struct shot {
	int sig, tid, delay_ms;
	sem_t *post;  /* posted after another pause, when not NULL */
	int write_fd; /* one byte written there after another pause (> 0) */
};

static void *shooter(void *arg)
{
	struct shot *s = arg;
	struct timespec d = { 0, s->delay_ms * 1000000L };

	nanosleep(&d, NULL);
	if (s->tid)
		syscall(SYS_tgkill, getpid(), s->tid, s->sig);
	else
		kill(getpid(), s->sig);
	if (s->post) {
		nanosleep(&d, NULL);
		sem_post(s->post);
	}
	if (s->write_fd > 0) {
		nanosleep(&d, NULL);
		CHECK_EQ(write(s->write_fd, "r", 1), 1);
	}
	return NULL;
}

static pthread_t shoot(struct shot *s)
{
	pthread_t t;

	CHECK_EQ(pthread_create(&t, NULL, shooter, s), 0);
	return t;
}

static volatile int sleeper_tid, sleeper_result;

static void *sleeper(void *arg)
{
	struct timespec d = { 10, 0 };

	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	sleeper_tid = gettid();
	sleeper_result = nanosleep(&d, NULL) ? errno : 0;
	return NULL;
}

static void waits(void)
{
	struct shot s = { SIGUSR1, gettid(), 30 }; /* to main */
	struct timespec long_sleep = { 10, 0 }, rem;
	struct timespec t0, t1;
	sigset_t set, old;
	siginfo_t si;
	pthread_t t;
	sem_t sem;

	handle(SIGUSR1, on_info, SA_SIGINFO);
	hits[SIGUSR1] = 0;

	/* A sleep a handler interrupts: EINTR and the time left. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = shoot(&s);
	CHECK_ERR(nanosleep(&long_sleep, &rem), EINTR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(t, NULL);
	CHECK_EQ(hits[SIGUSR1], 1);
	CHECK_EQ(handler_tid, gettid()); /* the sleeper took it */
	CHECK(rem.tv_sec >= 8 && rem.tv_sec <= 9);
	CHECK(t1.tv_sec - t0.tv_sec < 5);

	/* sem_wait (a futex) interrupted by a handler without SA_RESTART. */
	CHECK_EQ(sem_init(&sem, 0, 0), 0);
	t = shoot(&s);
	CHECK_ERR(sem_wait(&sem), EINTR);
	pthread_join(t, NULL);
	CHECK_EQ(hits[SIGUSR1], 2);

	/* With SA_RESTART the interrupted wait goes on after the handler. */
	handle(SIGUSR2, on_plain, SA_RESTART);
	hits[SIGUSR2] = 0;
	t = shoot(&(struct shot){ SIGUSR2, gettid(), 20, &sem });
	CHECK_EQ(sem_wait(&sem), 0);
	pthread_join(t, NULL);
	CHECK_EQ(hits[SIGUSR2], 1);

	/* sigsuspend: waits with SIGUSR1 unblocked, then the old mask. The
	 * shooters from here on block SIGUSR1 (created while main blocks
	 * it), so the signals they send the process are main's. */
	s.tid = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	t = shoot(&s);
	sigemptyset(&set);
	CHECK_ERR(sigsuspend(&set), EINTR);
	pthread_join(t, NULL);
	CHECK_EQ(hits[SIGUSR1], 3);
	CHECK(!sigismember(&mask_in_handler, SIGUSR2));
	CHECK(blocked(SIGUSR1));

	/* sigtimedwait takes a blocked signal without a handler. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	raise(SIGUSR1);
	CHECK_EQ(sigtimedwait(&set, &si, &(struct timespec){ 0, 0 }), SIGUSR1);
	CHECK_EQ(si.si_signo, SIGUSR1);
	CHECK_EQ(si.si_code, SI_TKILL);
	CHECK_ERR(sigtimedwait(&set, &si, &(struct timespec){ 0, 20000000 }), EAGAIN);
	t = shoot(&s);
	CHECK_EQ(sigwaitinfo(&set, &si), SIGUSR1); /* woken by the other thread */
	CHECK_EQ(si.si_code, SI_USER);
	pthread_join(t, NULL);
	CHECK_EQ(hits[SIGUSR1], 3);

	/* A signal to the process goes to a thread that does not block it:
	 * main blocks SIGUSR1, the other thread sleeps with it unblocked. */
	{
		struct timespec pause_ = { 0, 30000000 };

		hits[SIGUSR1] = 0;
		sleeper_tid = 0;
		CHECK_EQ(pthread_create(&t, NULL, sleeper, NULL), 0);
		nanosleep(&pause_, NULL); /* the sleeper is asleep now */
		CHECK_EQ(kill(getpid(), SIGUSR1), 0);
		CHECK_EQ(hits[SIGUSR1], 0); /* not main */
		pthread_join(t, NULL);
		CHECK_EQ(hits[SIGUSR1], 1);
		CHECK_EQ(handler_tid, sleeper_tid);
		CHECK_EQ(sleeper_result, EINTR);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);

	/* One thread signals another, which sleeps: its sleep ends. */
	CHECK(!blocked(SIGUSR1));
	{
		struct shot to_main = { SIGUSR1, gettid(), 30 };

		hits[SIGUSR1] = 0;
		t = shoot(&to_main);
		CHECK_ERR(nanosleep(&long_sleep, NULL), EINTR);
		pthread_join(t, NULL);
		CHECK_EQ(hits[SIGUSR1], 1);
		CHECK_EQ(handler_tid, gettid());
		CHECK_EQ(last_code, SI_TKILL);
	}
}

/* Waits on pipes and in poll/ppoll/select that signals end. */
static void io_waits(void)
{
	struct shot to_main = { SIGUSR1, gettid(), 30 };
	struct pollfd pfd;
	sigset_t set, old, now;
	pthread_t t;
	char c;
	int p[2];

	CHECK_EQ(pipe(p), 0);
	handle(SIGUSR1, on_info, SA_SIGINFO);
	hits[SIGUSR1] = 0;

	/* A read of an empty pipe: EINTR without SA_RESTART... */
	t = shoot(&to_main);
	CHECK_ERR(read(p[0], &c, 1), EINTR);
	pthread_join(t, NULL);
	CHECK_EQ(hits[SIGUSR1], 1);

	/* ...and with it the read goes on until the data come. */
	{
		struct shot s = { SIGUSR2, gettid(), 20, NULL, p[1] };

		handle(SIGUSR2, on_plain, SA_RESTART);
		hits[SIGUSR2] = 0;
		t = shoot(&s);
		CHECK_EQ(read(p[0], &c, 1), 1);
		CHECK_EQ(c, 'r');
		CHECK_EQ(hits[SIGUSR2], 1);
		pthread_join(t, NULL);
	}

	/* poll and select: EINTR. */
	pfd.fd = p[0];
	pfd.events = POLLIN;
	t = shoot(&to_main);
	CHECK_ERR(poll(&pfd, 1, 10000), EINTR);
	pthread_join(t, NULL);
	CHECK_EQ(hits[SIGUSR1], 2);
	{
		fd_set rs;

		FD_ZERO(&rs);
		FD_SET(p[0], &rs);
		t = shoot(&to_main);
		CHECK_ERR(select(p[0] + 1, &rs, NULL, NULL, NULL), EINTR);
		CHECK(FD_ISSET(p[0], &rs)); /* left as given */
		pthread_join(t, NULL);
		CHECK_EQ(hits[SIGUSR1], 3);
	}

	/* epoll_wait, and epoll_pwait under a mask that lets SIGUSR1 in. */
	{
		int ep = epoll_create1(0);
		struct epoll_event ev = { .events = EPOLLIN }, got;
		sigset_t in, own;

		CHECK(ep >= 0);
		CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
		t = shoot(&to_main);
		CHECK_ERR(epoll_wait(ep, &got, 1, 10000), EINTR);
		pthread_join(t, NULL);
		CHECK_EQ(hits[SIGUSR1], 4);
		sigemptyset(&in);
		sigaddset(&in, SIGUSR1);
		sigprocmask(SIG_BLOCK, &in, &own);
		sigemptyset(&in);
		raise(SIGUSR1); /* pending, blocked */
		CHECK_ERR(epoll_pwait(ep, &got, 1, 10000, &in), EINTR);
		CHECK_EQ(hits[SIGUSR1], 5);
		CHECK(blocked(SIGUSR1)); /* the own mask is back */
		sigprocmask(SIG_SETMASK, &own, NULL);
		close(ep);
		hits[SIGUSR1] = 3; /* the counts below go on from there */
	}

	/* ppoll under a mask that lets SIGUSR1 in: the handler runs with
	 * it, and the thread's own mask (SIGUSR1 blocked) comes back. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	t = shoot(&(struct shot){ SIGUSR1, 0, 30 });
	sigemptyset(&set);
	CHECK_ERR(ppoll(&pfd, 1, NULL, &set), EINTR);
	pthread_join(t, NULL);
	CHECK_EQ(hits[SIGUSR1], 4);
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1));
	/* A pending signal the ppoll mask lets in ends it at once. */
	raise(SIGUSR1);
	CHECK_ERR(ppoll(&pfd, 1, NULL, &set), EINTR);
	CHECK_EQ(hits[SIGUSR1], 5);
	/* Not interrupted: the mask comes back too. */
	CHECK_EQ(ppoll(&pfd, 1, &(struct timespec){ 0, 1000000 }, &set), 0);
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1));
	sigprocmask(SIG_SETMASK, &old, NULL);

	/* SIGPIPE ignored: the write says EPIPE. */
	handle(SIGPIPE, SIG_IGN, 0);
	close(p[0]);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	/* With a handler: it runs, then EPIPE. */
	handle(SIGPIPE, on_info, SA_SIGINFO);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	CHECK_EQ(hits[SIGPIPE], 1);
	CHECK_EQ(last_code, SI_USER);
	close(p[1]);
}

/* pthread_cancel of threads blocked in cancellation points: musl sends
 * SIGCANCEL, whose handler finds the thread inside a cancellation point
 * and the blocked call ends; cleanup handlers run. */
static volatile int cleanups;
static int cancel_pipe[2];
static sem_t cancel_sem;
static pthread_mutex_t cancel_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cancel_cv = PTHREAD_COND_INITIALIZER;

static void cleanup(void *arg)
{
	cleanups++;
	if (arg)
		pthread_mutex_unlock(arg);
}

static void *blocks_in(void *arg)
{
	const char *where = arg;
	struct timespec d = { 10, 0 };
	char c;

	pthread_cleanup_push(cleanup, NULL);
	if (!strcmp(where, "read"))
		read(cancel_pipe[0], &c, 1);
	else if (!strcmp(where, "sem"))
		sem_wait(&cancel_sem);
	else if (!strcmp(where, "sleep"))
		nanosleep(&d, NULL);
	else if (!strcmp(where, "poll"))
		poll(&(struct pollfd){ cancel_pipe[0], POLLIN, 0 }, 1, -1);
	pthread_cleanup_pop(0);
	return arg; /* not cancelled */
}

static void *blocks_in_cond(void *arg)
{
	pthread_mutex_lock(&cancel_mu);
	pthread_cleanup_push(cleanup, &cancel_mu);
	for (;;)
		pthread_cond_wait(&cancel_cv, &cancel_mu);
	pthread_cleanup_pop(1);
	return arg;
}

static volatile int may_go;

static void *cancel_disabled(void *arg)
{
	struct timespec d = { 0, 5000000 };

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	while (!may_go)
		nanosleep(&d, NULL); /* a cancellation point, but disabled */
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	pthread_testcancel();
	return arg;
}

static void cancels(void)
{
	static const char *const where[] = { "read", "sem", "sleep", "poll" };
	struct timespec soon = { 0, 30000000 };
	void *ret;
	pthread_t t;
	unsigned i;

	CHECK_EQ(pipe(cancel_pipe), 0);
	CHECK_EQ(sem_init(&cancel_sem, 0, 0), 0);
	for (i = 0; i < sizeof where / sizeof where[0]; i++) {
		cleanups = 0;
		CHECK_EQ(pthread_create(&t, NULL, blocks_in, (void *)where[i]), 0);
		nanosleep(&soon, NULL);
		CHECK_EQ(pthread_cancel(t), 0);
		CHECK_EQ(pthread_join(t, &ret), 0);
		CHECK(ret == PTHREAD_CANCELED);
		CHECK_EQ(cleanups, 1);
	}
	cleanups = 0;
	CHECK_EQ(pthread_create(&t, NULL, blocks_in_cond, NULL), 0);
	nanosleep(&soon, NULL);
	CHECK_EQ(pthread_cancel(t), 0);
	CHECK_EQ(pthread_join(t, &ret), 0);
	CHECK(ret == PTHREAD_CANCELED);
	CHECK_EQ(cleanups, 1);
	CHECK_EQ(pthread_mutex_trylock(&cancel_mu), 0); /* the cleanup unlocked it */
	pthread_mutex_unlock(&cancel_mu);

	/* Disabled, the cancel waits for the thread to enable it. */
	CHECK_EQ(pthread_create(&t, NULL, cancel_disabled, NULL), 0);
	nanosleep(&soon, NULL);
	CHECK_EQ(pthread_cancel(t), 0);
	nanosleep(&soon, NULL);
	may_go = 1;
	CHECK_EQ(pthread_join(t, &ret), 0);
	CHECK(ret == PTHREAD_CANCELED);
	close(cancel_pipe[0]);
	close(cancel_pipe[1]);
}

static void die_of(const char *how)
{
	printf("dying of %s\n", how);
	fflush(stdout);
	if (!strcmp(how, "abort"))
		abort();
	if (!strcmp(how, "abort-handled")) {
		/* A handler that returns does not stop abort(). */
		handle(SIGABRT, on_plain, 0);
		abort();
	}
	if (!strcmp(how, "term"))
		raise(SIGTERM);
	if (!strcmp(how, "kill"))
		kill(getpid(), SIGKILL);
	if (!strcmp(how, "pipe")) {
		int p[2];

		pipe(p);
		close(p[0]);
		write(p[1], "x", 1);
	}
	if (!strcmp(how, "usr1-thread")) {
		/* Sent by another thread while main sleeps. */
		pthread_t t = shoot(&(struct shot){ SIGUSR1, gettid(), 20 });

		sleep(10);
		pthread_join(t, NULL);
	}
	if (!strcmp(how, "blocked-then-unblocked")) {
		sigset_t s;

		sigemptyset(&s);
		sigaddset(&s, SIGTERM);
		sigprocmask(SIG_BLOCK, &s, NULL);
		raise(SIGTERM);
		printf("still here while blocked\n");
		fflush(stdout);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
	}
	printf("survived %s\n", how);
	exit(3);
}

static sem_t sync_sem;

static void *sync_waiter(void *arg)
{
	sem_wait(&sync_sem);
	return arg;
}

static void *sync_sleeper(void *arg)
{
	struct timespec d = { 0, 200000000 };

	nanosleep(&d, NULL);
	return arg;
}

/* What a unikernel cannot do: processes. And setuid in a program with
 * threads, which musl makes on every thread in turn (__synccall: a
 * signal to each, blocked where it is): it must come back, not hang. */
static void processes(void)
{
	pthread_t t[3];
	int i;

	CHECK_EQ(sem_init(&sync_sem, 0, 0), 0);
	CHECK_EQ(pthread_create(&t[0], NULL, sync_waiter, NULL), 0);
	CHECK_EQ(pthread_create(&t[1], NULL, sync_sleeper, NULL), 0);
	CHECK_EQ(pthread_create(&t[2], NULL, sync_waiter, NULL), 0);
	sched_yield();
	CHECK_ERR(setuid(0), ENOSYS);
	sem_post(&sync_sem);
	sem_post(&sync_sem);
	for (i = 0; i < 3; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);

	CHECK_ERR(fork(), ENOSYS);
	CHECK_ERR(vfork(), ENOSYS);
	CHECK_ERR(execve("/x", (char *[]){ "x", NULL }, (char *[]){ NULL }), ENOSYS);
	CHECK_ERR(waitpid(-1, NULL, 0), ENOSYS);
	CHECK_ERR(waitid(P_ALL, 0, NULL, WEXITED), ENOSYS);
	CHECK_ERR(fork(), ENOSYS); /* logged once */
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "handlers";

	if (!strcmp(what, "handlers")) {
		senders();
		dispositions();
		masks();
		altstacks();
		waits();
		io_waits();
		cancels();
		return done();
	}
	if (!strcmp(what, "proc")) {
		processes();
		return done();
	}
	die_of(what);
	return 0;
}
