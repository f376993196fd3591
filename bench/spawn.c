/*
 * Wall time of whole processes, for bench/run.sh: runs each command
 * RUNS times (after WARMUP untimed runs), interleaved A B C, then
 * C B A, so that drift on a busy machine falls on every command alike.
 * Each run is posix_spawn .. waitpid, stdin and stdout on /dev/null; a
 * run that does not exit with its expected status (0, or N after a
 * leading --exit=N: QEMU's isa-debug-exit turns the guest's 0 into 1)
 * aborts the benchmark.
 *
 *   spawn RUNS WARMUP -- [--exit=N] CMD [ARGS] [-- [--exit=N] CMD [ARGS]]...
 *
 * prints one line per command: median p25 p75 min (microseconds).
 * A host program (built with the host's cc), not a keel image.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_CMDS 8

extern char **environ;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double run(char **argv, int want, posix_spawn_file_actions_t *fa)
{
	double t0 = now_us(), t;
	pid_t pid;
	int ws, e;

	e = posix_spawn(&pid, argv[0], fa, NULL, argv, environ);
	if (e) {
		fprintf(stderr, "spawn: %s: %s\n", argv[0], strerror(e));
		exit(1);
	}
	if (waitpid(pid, &ws, 0) != pid) {
		perror("spawn: waitpid");
		exit(1);
	}
	t = now_us() - t0;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != want) {
		fprintf(stderr, "spawn: %s: did not exit %d (wait status %#x)\n", argv[0], want,
			ws);
		exit(1);
	}
	return t;
}

int main(int argc, char **argv)
{
	char **cmd[MAX_CMDS];
	int want[MAX_CMDS];
	double *t[MAX_CMDS];
	posix_spawn_file_actions_t fa;
	int runs, warm, ncmd = 0, i, c, k;

	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: spawn RUNS WARMUP -- [--exit=N] CMD [ARGS] [-- [--exit=N] "
				"CMD [ARGS]]...\n");
		return 2;
	}
	runs = atoi(argv[1]);
	warm = atoi(argv[2]);
	if (runs <= 0 || warm < 0) {
		fprintf(stderr, "spawn: bad RUNS or WARMUP\n");
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--") != 0)
			continue;
		argv[i] = NULL; /* ends the previous command's argv */
		if (i + 1 < argc && strcmp(argv[i + 1], "--") != 0) {
			if (ncmd == MAX_CMDS) {
				fprintf(stderr, "spawn: at most %d commands\n", MAX_CMDS);
				return 2;
			}
			want[ncmd] = 0;
			if (strncmp(argv[i + 1], "--exit=", 7) == 0) {
				want[ncmd] = atoi(argv[i + 1] + 7);
				i++;
				if (i + 1 >= argc || strcmp(argv[i + 1], "--") == 0) {
					fprintf(stderr, "spawn: --exit=N without a command\n");
					return 2;
				}
			}
			cmd[ncmd++] = &argv[i + 1];
		}
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (c = 0; c < ncmd; c++) {
		t[c] = calloc((size_t)runs, sizeof(double));
		if (!t[c])
			return 1;
	}
	for (i = 0; i < warm; i++)
		for (c = 0; c < ncmd; c++)
			run(cmd[c], want[c], &fa);
	for (i = 0; i < runs; i++)
		for (k = 0; k < ncmd; k++) {
			c = i % 2 ? ncmd - 1 - k : k;
			t[c][i] = run(cmd[c], want[c], &fa);
		}
	for (c = 0; c < ncmd; c++) {
		qsort(t[c], (size_t)runs, sizeof(double), cmp);
		printf("%.1f %.1f %.1f %.1f\n", t[c][runs / 2], t[c][runs / 4], t[c][runs * 3 / 4],
		       t[c][0]);
	}
	return 0;
}
