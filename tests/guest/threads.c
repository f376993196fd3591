/*
 * musl's pthreads on keel's cooperative scheduler: create/join/detach,
 * mutexes, condition variables (and their timeouts), rwlocks, __thread
 * and pthread keys, sleeps that block only their own thread; a thread
 * that waits for ever with nothing left to wake it is a reported
 * deadlock, not a hang.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_key_t key;
static int counter, arrived, key_destroyed;
static __thread int mine;

static void destroy(void *p)
{
	__atomic_add_fetch(&key_destroyed, 1, __ATOMIC_SEQ_CST);
}

static void *counter_thread(void *arg)
{
	long id = (long)arg;
	int i;

	mine = (int)id;
	pthread_setspecific(key, (void *)(id + 1));
	for (i = 0; i < 1000; i++) {
		pthread_mutex_lock(&m);
		counter++;
		pthread_mutex_unlock(&m);
		if (i % 97 == 0)
			sched_yield();
	}
	pthread_rwlock_rdlock(&rw);
	pthread_rwlock_unlock(&rw);
	pthread_mutex_lock(&m);
	arrived++;
	pthread_cond_broadcast(&c);
	pthread_mutex_unlock(&m);
	if ((long)pthread_getspecific(key) != id + 1 || mine != id)
		return (void *)-1L;
	return (void *)(id * 3);
}

static void *sleeper(void *arg)
{
	usleep(200000);
	return arg;
}

static void *exits_early(void *arg)
{
	pthread_exit((void *)42L);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[16], s[4], d;
	pthread_attr_t a;
	struct timespec until;
	double t0;
	void *r;
	long i, sum = 0;

	if (argc > 1 && strcmp(argv[1], "deadlock") == 0) {
		/* Joining oneself waits for ever: keel says so instead of hanging. */
		pthread_join(pthread_self(), &r);
		return 3;
	}
	CHECK_EQ(pthread_key_create(&key, destroy), 0);
	mine = -1;
	for (i = 0; i < 16; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, counter_thread, (void *)i), 0);
	pthread_mutex_lock(&m);
	while (arrived < 16)
		pthread_cond_wait(&c, &m);
	pthread_mutex_unlock(&m);
	for (i = 0; i < 16; i++) {
		CHECK_EQ(pthread_join(t[i], &r), 0);
		CHECK((long)r != -1);
		sum += (long)r;
	}
	CHECK_EQ(counter, 16000);
	CHECK_EQ(sum, 3 * 120);
	CHECK_EQ(mine, -1); /* each thread had its own */
	CHECK_EQ(key_destroyed, 16);

	/* Four threads sleeping 200 ms at once take about 200 ms, not 800. */
	t0 = now();
	for (i = 0; i < 4; i++)
		CHECK_EQ(pthread_create(&s[i], NULL, sleeper, (void *)i), 0);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(pthread_join(s[i], &r), 0);
		CHECK_EQ((long)r, i);
	}
	CHECK(now() - t0 >= 0.2);
	CHECK(now() - t0 < 0.6);

	/* A timed wait nobody signals times out. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 50000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	t0 = now();
	pthread_mutex_lock(&m);
	CHECK_EQ(pthread_cond_timedwait(&c, &m, &until), ETIMEDOUT);
	pthread_mutex_unlock(&m);
	CHECK(now() - t0 >= 0.045);

	CHECK_EQ(pthread_create(&d, NULL, exits_early, NULL), 0);
	CHECK_EQ(pthread_join(d, &r), 0);
	CHECK_EQ((long)r, 42);

	/* Detached threads come and go; their stacks go back to the heap. */
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < 100; i++)
		CHECK_EQ(pthread_create(&d, &a, sleeper, NULL), 0);
	usleep(400000);
	CHECK(gettid() == getpid());
	printf("ok: %u checks\n", checks_done);
	return 0;
}
