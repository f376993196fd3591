/*
 * reap: runs a command and accounts for every process it leaves behind.
 * A test helper (host program) for tests that must show keel-run ends
 * cleanly: keel-run's KVM monitor runs the VM in a child that outlives
 * keel-run itself for its teardown, so "the process exited" is not
 * enough.
 *
 *   reap SECONDS COMMAND [ARGS...]
 *
 * reap becomes a child subreaper, runs COMMAND, and waits for COMMAND
 * and then for every descendant orphaned onto it, for at most SECONDS
 * after COMMAND ended. On stderr, one line starting "reap: " for each
 * descendant that died of a signal or dumped core, and for each still
 * running after SECONDS (reap then kills it). Exit status: COMMAND's
 * (128+N if a signal N ended it); 125 if reap itself failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void comm_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	buf[0] = 0;
	if ((f = fopen(path, "r"))) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

/* Reports a process that died of a signal (a descendant) or dumped
 * core; returns the status a shell would give. */
static int ended(pid_t pid, int ws, pid_t cmd)
{
	if (WIFSIGNALED(ws) && (pid != cmd || WCOREDUMP(ws)))
		fprintf(stderr, "reap: process %d %s died of signal %d (%s)%s\n", (int)pid,
			pid == cmd ? "(the command)" : "(a descendant)", WTERMSIG(ws),
			strsignal(WTERMSIG(ws)), WCOREDUMP(ws) ? ", core dumped" : "");
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
}

/* Our remaining children, from /proc: each task's "children" list. */
static int kill_leftovers(double seconds)
{
	char path[300], comm[32];
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (!(d = opendir("/proc/self/task")))
		return 0;
	while ((e = readdir(d))) {
		FILE *f;
		int pid;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while (fscanf(f, "%d", &pid) == 1) {
			comm_of(pid, comm, sizeof comm);
			fprintf(stderr,
				"reap: process %d (%s) still running %g s after the command ended; "
				"killing it\n",
				pid, comm, seconds);
			kill(pid, SIGKILL);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	double seconds, deadline = 0;
	pid_t cmd, pid;
	int ws, status = 125, cmd_done = 0, killed = 0;

	if (argc < 3 || (seconds = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: reap SECONDS COMMAND [ARGS...]\n");
		return 125;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("reap: PR_SET_CHILD_SUBREAPER");
		return 125;
	}
	cmd = fork();
	if (cmd < 0) {
		perror("reap: fork");
		return 125;
	}
	if (cmd == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "reap: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	for (;;) {
		pid = waitpid(-1, &ws, cmd_done ? WNOHANG : 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;	/* ECHILD: every process is accounted for */
		if (pid == 0) { /* some still running */
			if (!killed && now() >= deadline) {
				killed = kill_leftovers(seconds);
				if (!killed)
					break;
			}
			usleep(1000);
			continue;
		}
		if (pid == cmd) {
			status = ended(pid, ws, cmd);
			cmd_done = 1;
			deadline = now() + seconds;
		} else if (!killed) {
			ended(pid, ws, cmd);
		}
	}
	return status;
}
