/* Waiting for a child process (the image on linux, QEMU) under --timeout. */
#ifndef KEEL_MONITOR_CHILD_H
#define KEEL_MONITOR_CHILD_H

#include <sys/types.h>

#define CHILD_TIMED_OUT (-1)

/* Waits for pid, at most timeout seconds (0: no limit; then the child
 * is killed). Stores the raw wait status in *ws and returns 0, or
 * returns CHILD_TIMED_OUT. */
int child_wait(pid_t pid, double timeout, int *ws);

/* A wait status as keel-run's exit status: the exit code, or 128+N
 * for death by signal N (with a line on stderr naming what died). */
int child_status(int ws, const char *what);

double monotonic_now(void);

#endif
