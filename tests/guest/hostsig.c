/*
 * Signals from outside the machine (a host kill of keel-run): the
 * runner (cases-signal.sh, tests/tools/signal-when-ready.sh) waits for
 * "ready" on stdout, then sends the signals.
 *
 *   hostsig term      a SIGTERM handler, the only thread in pause()
 *   hostsig busy      a SIGUSR1 handler, the thread busy in system calls
 *   hostsig ignore    SIGINT ignored, then a SIGTERM handler as in term
 *   hostsig sleep     no handler: the host's default ends the machine
 *   hostsig thread    a SIGHUP handler, main in pthread_join of a thread
 *                     blocked in read() on a pipe nobody writes
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t got;

static void note(int sig)
{
	got = sig;
}

static void ready(void)
{
	printf("ready\n");
	fflush(stdout);
}

static void *reader(void *arg)
{
	char c;
	int *p = arg;

	/* woken by nothing: the handler runs in main's join or here, and
	 * main then ends the machine */
	return (void *)(long)read(p[0], &c, 1);
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	CHECK(argc == 2);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = note;
	if (strcmp(argv[1], "term") == 0 || strcmp(argv[1], "ignore") == 0) {
		if (argv[1][0] == 'i')
			CHECK(signal(SIGINT, SIG_IGN) != SIG_ERR);
		CHECK(sigaction(SIGTERM, &sa, NULL) == 0);
		ready();
		while (!got)
			pause();
		CHECK(got == SIGTERM);
		printf("got SIGTERM in pause\n");
	} else if (strcmp(argv[1], "busy") == 0) {
		unsigned long calls = 0;

		CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
		ready();
		while (!got) {
			getppid();
			calls++;
		}
		CHECK(got == SIGUSR1);
		printf("got SIGUSR1 after %s system calls\n", calls > 1000 ? "many" : "few");
	} else if (strcmp(argv[1], "sleep") == 0) {
		ready();
		sleep(20);
		printf("survived\n");
	} else if (strcmp(argv[1], "thread") == 0) {
		pthread_t t;
		int p[2];

		CHECK(sigaction(SIGHUP, &sa, NULL) == 0);
		CHECK(pipe(p) == 0);
		CHECK(pthread_create(&t, NULL, reader, p) == 0);
		ready();
		while (!got)
			usleep(1000 * 1000);
		CHECK(got == SIGHUP);
		printf("got SIGHUP with a thread blocked\n");
	} else {
		CHECK(!"a mode");
	}
	printf("ok: %u checks\n", checks_done);
	return 0;
}
