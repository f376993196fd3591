/* Child processes of keel-run: waiting with a deadline, exit statuses. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int child_wait(pid_t pid, double timeout, int *ws)
{
	double deadline = monotonic_now() + timeout;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		double left = deadline - monotonic_now();
		struct pollfd p = { pfd, POLLIN, 0 };

		if (timeout > 0 && left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, ws, 0);
			if (pfd >= 0)
				close(pfd);
			return CHILD_TIMED_OUT;
		}
		if (timeout <= 0) {
			if (waitpid(pid, ws, 0) == pid)
				break;
			continue;
		}
		if (pfd < 0) { /* no pidfd: look every 10 ms */
			if (waitpid(pid, ws, WNOHANG) == pid)
				break;
			usleep(10000);
			continue;
		}
		if (poll(&p, 1, (int)(left * 1000) + 1) > 0 && waitpid(pid, ws, 0) == pid)
			break;
	}
	if (pfd >= 0)
		close(pfd);
	return 0;
}

static const int outside[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };
static pid_t passed_to;

int signal_from_outside(int sig)
{
	unsigned i;

	for (i = 0; i < sizeof outside / sizeof outside[0]; i++)
		if (outside[i] == sig)
			return 1;
	return 0;
}

void signals_from_outside(sigset_t *set)
{
	unsigned i;

	sigemptyset(set);
	for (i = 0; i < sizeof outside / sizeof outside[0]; i++)
		sigaddset(set, outside[i]);
}

static void pass_on(int sig)
{
	kill(passed_to, sig);
}

void child_pass_signals(pid_t pid)
{
	struct sigaction sa;
	unsigned i;

	passed_to = pid;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = pass_on;
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof outside / sizeof outside[0]; i++)
		sigaction(outside[i], &sa, NULL);
}

int child_status(int ws, const char *what)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws)) {
		/* one from outside, at the child's default: as if keel-run
		 * itself had died of it, without a word */
		if (!signal_from_outside(WTERMSIG(ws)))
			fprintf(stderr, "keel-run: %s was killed by signal %d (%s)\n", what,
				WTERMSIG(ws), strsignal(WTERMSIG(ws)));
		return 128 + WTERMSIG(ws);
	}
	return 1;
}
