// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a SLEEP's expiry and a WAIT's wake-up post the entry's
 * completion themselves, before the entry's task runs ("posted early" in
 * kmod/ring/op.h). The completion shows up in the CQ with no ENTER from the
 * program; a CANCEL after it finds nothing; a NOTIFY taken that way is not
 * passed on when the instance closes before the task ran; tasks that only
 * wait to be freed never make ENTER fail with EBUSY; a thread waiting in
 * ENTER frees them itself, without waking the instance's kernel thread;
 * and closing an instance with such tasks frees them (kmemleak on the
 * debug kernel).
 */
#include <errno.h>
#include <sched.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

static const char *const stats = "/sys/kernel/debug/asyncrt/stats";

/*
 * Spin in userspace, never entering the kernel through the ring, until a
 * completion is in the CQ; copy it out and consume it. 0, or -ETIME after
 * a bound that only a broken kernel reaches.
 */
static int spin_cqe(struct asyncrt_ring *ring, struct asyncrt_cqe *out)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + 30 * SEC;
	struct asyncrt_cqe *cqe;

	while (!(cqe = asyncrt_peek_cqe(ring))) {
		if (now_ns(CLOCK_MONOTONIC) > end)
			return -ETIME;
		sched_yield();
	}
	*out = *cqe;
	asyncrt_cqe_seen(ring, cqe);
	return 0;
}

/* Every expired SLEEP is posted by the timer: the counter says so. */
TEST(sleep_posted_by_its_expiry)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	long long before;
	int i;

	if (field(stats, "instances_open") < 0)
		SKIP(return, "no %s (debugfs not mounted?)", stats);
	/* Missing only from a kernel whose events do not post. */
	before = field(stats, "posted_early");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	for (i = 0; i < 4; i++)
		asyncrt_prep_sleep(asyncrt_get_sqe(&ring), (i + 1) * MSEC, 0, 0, i);
	ASSERT_EQ(4, asyncrt_submit(&ring));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, spin_cqe(&ring, &cqe));
		EXPECT_EQ(i, cqe.user_data);	/* still in duration order */
		EXPECT_EQ(0, cqe.res);
	}
	EXPECT_LE(before + 4, field(stats, "posted_early"));
	asyncrt_ring_exit(&ring);
}

/*
 * The op stays hashed until its task drops it, but it has completed: a
 * CANCEL of it, even one whose ENTER is the first since, finds nothing.
 */
TEST(cancel_after_early_completion_finds_nothing)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int round;

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	for (round = 0; round < 50; round++) {
		asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 0, 0, 0, 1);
		ASSERT_EQ(1, asyncrt_submit(&ring));
		ASSERT_EQ(0, spin_cqe(&ring, &cqe));
		EXPECT_EQ(1, cqe.user_data);
		EXPECT_EQ(0, cqe.res);
		sqe_cancel(asyncrt_get_sqe(&ring), 1, 0, 2);
		ASSERT_EQ(1, asyncrt_submit(&ring));
		ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
		EXPECT_EQ(2, cqe.user_data);
		EXPECT_EQ(-ENOENT, cqe.res);
	}
	/* Nothing else comes: each SLEEP completed once. */
	EXPECT_EQ(-ETIME, next_cqe(&ring, &cqe, 10 * MSEC));
	asyncrt_ring_exit(&ring);
}

/*
 * A CANCEL in its own ENTER against a SLEEP expiring around then, at
 * staggered points: the SLEEP completes exactly once, 0 or -ECANCELED,
 * and the CANCEL's count agrees with which won.
 */
TEST(cancel_racing_expiry_one_result)
{
	int round, won_sleep = 0, won_cancel = 0;
	struct asyncrt_ring ring;

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	for (round = 0; round < 300; round++) {
		struct asyncrt_cqe c[2], extra;
		int sleep_res = 99, cancel_res = 99, i;
		uint64_t until;

		asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 50000, 0, 0, 1);
		ASSERT_EQ(1, asyncrt_submit(&ring));
		until = now_ns(CLOCK_MONOTONIC) + (round % 10) * 10000;
		while (now_ns(CLOCK_MONOTONIC) < until)
			;
		sqe_cancel(asyncrt_get_sqe(&ring), 1, 0, 2);
		ASSERT_EQ(1, asyncrt_submit(&ring));
		for (i = 0; i < 2; i++) {
			ASSERT_EQ(0, next_cqe(&ring, &c[i], 30 * SEC));
			if (c[i].user_data == 1) {
				ASSERT_EQ(99, sleep_res) TH_LOG("SLEEP completed twice");
				sleep_res = c[i].res;
			} else {
				ASSERT_EQ(2, c[i].user_data);
				cancel_res = c[i].res;
			}
		}
		ASSERT_NE(99, sleep_res);
		ASSERT_NE(99, cancel_res);
		if (sleep_res == -ECANCELED) {
			EXPECT_EQ(1, cancel_res);
			won_cancel++;
		} else {
			ASSERT_EQ(0, sleep_res);
			/* Found just before the post, or not at all. */
			EXPECT_TRUE(cancel_res == 1 || cancel_res == -ENOENT);
			won_sleep++;
		}
		ASSERT_EQ(-ETIME, next_cqe(&ring, &extra, 1 * MSEC));
	}
	TH_LOG("sleep won %d rounds, cancel won %d", won_sleep, won_cancel);
	EXPECT_EQ(300, won_sleep + won_cancel);
	asyncrt_ring_exit(&ring);
}

/* A WAKE from another instance posts the waiter's completion itself. */
TEST(wait_posted_by_the_wake)
{
	struct asyncrt_ring a, b;
	struct asyncrt_cqe cqe;
	long long before;
	int wq, i;

	if (field(stats, "instances_open") < 0)
		SKIP(return, "no %s (debugfs not mounted?)", stats);
	/* Missing only from a kernel whose events do not post. */
	before = field(stats, "posted_early");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, asyncrt_ring_init(&a, 8));
	ASSERT_EQ(0, asyncrt_ring_init(&b, 8));
	wq = asyncrt_wq_create(&a, 0);
	ASSERT_LE(0, wq);
	for (i = 0; i < 3; i++) {
		asyncrt_prep_wait(asyncrt_get_sqe(&a), wq, NULL, 0, 10 + i);
		ASSERT_EQ(1, asyncrt_submit(&a));
		asyncrt_prep_wake(asyncrt_get_sqe(&b), wq, 1, 20 + i);
		ASSERT_EQ(1, asyncrt_submit(&b));
		ASSERT_EQ(0, next_cqe(&b, &cqe, 30 * SEC));
		EXPECT_EQ(1, cqe.res);
		/* The waiter's program has not entered the kernel since. */
		ASSERT_EQ(0, spin_cqe(&a, &cqe));
		EXPECT_EQ(10 + i, cqe.user_data);
		EXPECT_EQ(0, cqe.res);
	}
	EXPECT_LE(before + 3, field(stats, "posted_early"));
	close(wq);
	asyncrt_ring_exit(&b);
	asyncrt_ring_exit(&a);
}

/*
 * NOTIFY completes a WAIT from the notifier's ENTER; the instance closes
 * before the WAIT's task ran, so the task ends with -ECANCELED. The wake
 * was taken all the same (its completion said 0): no permit may be left
 * for the next waiter.
 */
TEST(notify_taken_early_not_passed_on_at_close)
{
	struct asyncrt_ring a, b;
	struct asyncrt_cqe cqe;
	struct asyncrt_sqe *sqe;
	int wq;

	ASSERT_EQ(0, asyncrt_ring_init(&a, 8));
	ASSERT_EQ(0, asyncrt_ring_init(&b, 8));
	wq = asyncrt_wq_create(&b, 0);
	ASSERT_LE(0, wq);
	asyncrt_prep_wait(asyncrt_get_sqe(&a), wq, NULL, 0, 1);
	ASSERT_EQ(1, asyncrt_submit(&a));
	asyncrt_prep_notify(asyncrt_get_sqe(&b), wq, 2);
	ASSERT_EQ(1, asyncrt_submit(&b));
	ASSERT_EQ(0, next_cqe(&b, &cqe, 30 * SEC));
	EXPECT_EQ(1, cqe.res);		/* it woke a waiter */
	ASSERT_EQ(0, spin_cqe(&a, &cqe));
	EXPECT_EQ(0, cqe.res);
	asyncrt_ring_exit(&a);

	sqe = asyncrt_get_sqe(&b);
	asyncrt_prep_wait(sqe, wq, NULL, 0, 3);
	asyncrt_sqe_set_timeout(sqe, 50 * MSEC);
	ASSERT_EQ(1, asyncrt_submit(&b));
	ASSERT_EQ(0, next_cqe(&b, &cqe, 30 * SEC));
	EXPECT_EQ(3, cqe.user_data);
	EXPECT_EQ(-ETIME, cqe.res);
	close(wq);
	asyncrt_ring_exit(&b);
}

/*
 * With max_inflight 1, a SLEEP whose completion was posted and reaped but
 * whose task has not been freed still holds the one place; the next ENTER
 * must free it and accept the next entry, not fail with EBUSY.
 */
TEST(inflight_bound_never_blocked_by_freed_entries)
{
	struct asyncrt_params p = { .sq_entries = 4, .max_inflight = 1 };
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int round;

	ASSERT_EQ(0, asyncrt_ring_init_params(&ring, &p));
	ASSERT_EQ(1, p.max_inflight);
	for (round = 0; round < 100; round++) {
		asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 0, 0, 0, round);
		ASSERT_EQ(1, asyncrt_submit(&ring)) TH_LOG("round %d", round);
		ASSERT_EQ(0, spin_cqe(&ring, &cqe));
		EXPECT_EQ(round, cqe.user_data);
		EXPECT_EQ(0, cqe.res);
	}
	asyncrt_ring_exit(&ring);
}

/*
 * A thread waiting in ENTER frees the tasks of ops posted early itself,
 * even when what it waits for was posted before it got to wait (a SLEEP
 * already due when submitted): the instance's kernel thread is not woken
 * for them. It used to be, once per such ENTER, on another CPU.
 */
TEST(waiter_frees_posted_tasks_itself)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	long long before, after;
	char fdinfo[64];
	int i;

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	snprintf(fdinfo, sizeof(fdinfo), "/proc/self/fdinfo/%d", ring.fd);
	before = field(fdinfo, "worker-wakes");
	ASSERT_LE(0, before);
	for (i = 0; i < 200; i++) {
		/* Deadline 1 ns after boot: due at submission. */
		asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 1, ASYNCRT_CLOCK_MONOTONIC,
				   ASYNCRT_TIMER_ABS, i);
		ASSERT_EQ(1, asyncrt_submit_and_wait(&ring, 1));
		ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
		EXPECT_EQ(i, cqe.user_data);
		EXPECT_EQ(0, cqe.res);
	}
	/*
	 * The last SLEEP's task may still wait for the next ENTER (its
	 * expiry can come after this ENTER's reap); that ENTER frees it.
	 */
	EXPECT_GE(1, field(fdinfo, "tasks-live"));
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 1000);
	ASSERT_EQ(1, asyncrt_submit_and_wait(&ring, 1));
	ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
	EXPECT_EQ(0, field(fdinfo, "tasks-live")) TH_LOG("posted task not freed");
	after = field(fdinfo, "worker-wakes");
	/* Not 0: the first ENTER hands a task over if the worker polls it. */
	EXPECT_GT(5, after - before) TH_LOG("%lld worker wakes", after - before);
	asyncrt_ring_exit(&ring);
}

/*
 * Close with thousands of completions posted and reaped whose tasks never
 * ran since (no ENTER after them): every task is freed, and the debug
 * kernel's kmemleak and KASAN see nothing.
 */
TEST(close_with_posted_tasks_not_freed)
{
	struct asyncrt_params p = { .sq_entries = 1024, .cq_entries = 4096 };
	struct asyncrt_ring ring, b;
	struct asyncrt_cqe cqe;
	int i, j, wq;

	ASSERT_EQ(0, asyncrt_ring_init_params(&ring, &p));
	ASSERT_EQ(0, asyncrt_ring_init(&b, 8));
	wq = asyncrt_wq_create(&b, 0);
	ASSERT_LE(0, wq);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 1000; j++)
			asyncrt_prep_sleep(asyncrt_get_sqe(&ring), j * 1000, 0, 0, j);
		ASSERT_EQ(1000, asyncrt_submit(&ring));
	}
	for (j = 0; j < 100; j++)
		asyncrt_prep_wait(asyncrt_get_sqe(&ring), wq, NULL, 0, 5000 + j);
	ASSERT_EQ(100, asyncrt_submit(&ring));
	asyncrt_prep_wake(asyncrt_get_sqe(&b), wq, 0, 1);
	ASSERT_EQ(1, asyncrt_submit(&b));
	ASSERT_EQ(0, next_cqe(&b, &cqe, 30 * SEC));
	for (i = 0; i < 3100; i++)
		ASSERT_EQ(0, spin_cqe(&ring, &cqe));
	asyncrt_ring_exit(&ring);
	close(wq);
	asyncrt_ring_exit(&b);
}

TEST_HARNESS_MAIN
