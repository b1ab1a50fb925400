// SPDX-License-Identifier: GPL-2.0
/*
 * What one system call of the wake-up path costs, without any sleep: the
 * pieces of a half round trip (bench wake), each timed alone in a loop on
 * one CPU, so the ring's overheads can be set beside futex's.
 *
 *	getppid     the system call floor
 *	futex_wake  FUTEX_WAKE of a word nobody waits on (private with
 *	            threads, as bench wake does)
 *	badioctl    an ioctl() on the instance that the driver refuses
 *	            (ENOTTY): the ioctl() layer alone
 *	enter0      ENTER with nothing to submit and no wait
 *	wake        ENTER with one WAKE (SKIP_SUCCESS) of a queue nobody
 *	            waits on
 *	wakewait    ENTER with that WAKE and a WAIT whose compare fails at
 *	            once (-EAGAIN), reaped: the ENTER of bench wake, minus the
 *	            sleep and the peer's wake-up
 *
 * usage: syscost <thread|process> <n> [name]
 * With "thread" an idle second thread exists, so the file table is shared
 * (fdget() takes references) and futexes are private, as in bench wake's
 * thread mode. Each test runs <n> calls per round, five rounds with the
 * tests interleaved, and keeps its best round; [name] runs one test alone.
 * Prints R syscost_<mode> <name> call ns <ns per call>.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "asyncrt.h"
#include "common.h"

static struct asyncrt_ring ring;
static int wqfd, threaded;
static uint32_t word;

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

static void one_getppid(void)
{
	getppid();
}

static void one_futex_wake(void)
{
	syscall(SYS_futex, &word, FUTEX_WAKE | (threaded ? FUTEX_PRIVATE_FLAG : 0),
		1, NULL, NULL, 0);
}

static void one_badioctl(void)
{
	ioctl(ring.fd, _IO('x', 0x7f), 0);
}

static void one_enter0(void)
{
	int ret = asyncrt_submit(&ring);

	if (ret < 0)
		bench_die("enter0", ret);
}

static void one_wake(void)
{
	struct asyncrt_sqe *sqe = asyncrt_get_sqe(&ring);
	int ret;

	asyncrt_prep_wake(sqe, wqfd, 1, 1);
	asyncrt_sqe_set_skip_success(sqe);
	ret = asyncrt_submit(&ring);
	if (ret != 1)
		bench_die("wake", ret < 0 ? ret : EPROTO);
}

static void one_wakewait(void)
{
	struct asyncrt_sqe *sqe = asyncrt_get_sqe(&ring);
	struct asyncrt_cqe *cqe;
	int ret;

	asyncrt_prep_wake(sqe, wqfd, 1, 1);
	asyncrt_sqe_set_skip_success(sqe);
	/* word is 0: a compare against 1 fails at once. */
	asyncrt_prep_wait(asyncrt_get_sqe(&ring), wqfd, &word, 1, 2);
	ret = asyncrt_submit_and_wait(&ring, 1);
	if (ret != 2)
		bench_die("wakewait", ret < 0 ? ret : EPROTO);
	cqe = asyncrt_peek_cqe(&ring);
	if (!cqe || cqe->res != -EAGAIN)
		bench_die("wakewait completion", EPROTO);
	asyncrt_cqe_seen(&ring, cqe);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "getppid", one_getppid },
	{ "futex_wake", one_futex_wake },
	{ "badioctl", one_badioctl },
	{ "enter0", one_enter0 },
	{ "wake", one_wake },
	{ "wakewait", one_wakewait },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "thread";
	const char *only = argc > 3 ? argv[3] : NULL;
	uint64_t n = bench_arg_u64(argc, argv, 2, 100000), i, t;
	double best[NTESTS];
	pthread_t thread;
	char bench[32];
	unsigned int k, r;
	int ret;

	threaded = !strcmp(mode, "thread");
	ret = asyncrt_ring_init(&ring, 8);
	if (ret)
		bench_die("asyncrt_ring_init", ret);
	wqfd = asyncrt_wq_create(&ring, 0);
	if (wqfd < 0)
		bench_die("asyncrt_wq_create", wqfd);
	if (threaded && pthread_create(&thread, NULL, idle_thread, NULL))
		bench_die("pthread_create", EAGAIN);
	/* Five rounds, the tests interleaved: drift hits them all alike. */
	for (r = 0; r < 5; r++) {
		for (k = 0; k < NTESTS; k++) {
			if (only && strcmp(only, tests[k].name))
				continue;
			t = bench_now_ns();
			for (i = 0; i < n; i++)
				tests[k].fn();
			t = bench_now_ns() - t;
			if (!r || (double)t / n < best[k])
				best[k] = (double)t / n;
		}
	}
	snprintf(bench, sizeof(bench), "syscost_%s", mode);
	for (k = 0; k < NTESTS; k++)
		if (!only || !strcmp(only, tests[k].name))
			bench_result(bench, tests[k].name, "call", "ns", best[k]);
	return 0;
}
