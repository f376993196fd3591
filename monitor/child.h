/* Waiting for a child process (the image on linux, QEMU) under --timeout. */
#ifndef KEEL_MONITOR_CHILD_H
#define KEEL_MONITOR_CHILD_H

#include <signal.h>
#include <sys/types.h>

#define CHILD_TIMED_OUT (-1)

/* Waits for pid, at most timeout seconds (0: no limit; then the child
 * is killed). Stores the raw wait status in *ws and returns 0, or
 * returns CHILD_TIMED_OUT. */
int child_wait(pid_t pid, double timeout, int *ws);

/* A wait status as keel-run's exit status: the exit code, or 128+N
 * for death by signal N (with a line on stderr naming what died, but
 * for a signal from outside). */
int child_status(int ws, const char *what);

double monotonic_now(void);

/* Signals from outside (SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1,
 * SIGUSR2): whether sig is one, the set of them, and passing them on
 * from keel-run's own process to the child that runs the image or VM.
 * A child that dies of one at its default ends keel-run the same way,
 * without a line (child_status). */
int signal_from_outside(int sig);
void signals_from_outside(sigset_t *set);
void child_pass_signals(pid_t pid);

#endif
