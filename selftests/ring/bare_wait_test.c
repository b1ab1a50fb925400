// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a WAIT alone and without a timeout runs without a task (a
 * "bare WAIT", kmod/ring/op.h) and keeps every guarantee of one that has
 * a task: it costs no task and no poll, counts as in flight until freed,
 * a CANCEL racing its wake-up gives exactly one result (and counts it
 * exactly), posted ones freed a batch at a time never hold the in-flight
 * bound, and closing the instance takes the waits off their queue and
 * frees them, queued or posted, also while another thread wakes the
 * queue (KASAN and kmemleak on the debug kernel). A WAIT with a timeout
 * still has its task, not polled until woken.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

FIXTURE(bare) {
	struct asyncrt_ring ring;	/* the waiter's */
	struct asyncrt_ring waker;
	int wq;
	char fdinfo[64];
};

FIXTURE_SETUP(bare)
{
	ASSERT_EQ(0, asyncrt_ring_init(&self->ring, 64));
	if (!(self->ring.features & ASYNCRT_FEAT_WAITQ))
		SKIP(return, "this module has no wait queues");
	ASSERT_EQ(0, asyncrt_ring_init(&self->waker, 8));
	self->wq = asyncrt_wq_create(&self->waker, 0);
	ASSERT_LE(0, self->wq);
	snprintf(self->fdinfo, sizeof(self->fdinfo), "/proc/self/fdinfo/%d",
		 self->ring.fd);
}

FIXTURE_TEARDOWN(bare)
{
	close(self->wq);
	asyncrt_ring_exit(&self->waker);
	asyncrt_ring_exit(&self->ring);
}

/* WAKE up to @n (0: all) waiters of @wq from @ring; how many it woke. */
static int wake(struct asyncrt_ring *ring, int wq, uint64_t n)
{
	struct asyncrt_cqe cqe;

	asyncrt_prep_wake(asyncrt_get_sqe(ring), wq, n, 999);
	if (asyncrt_submit(ring) != 1 || next_cqe(ring, &cqe, 30 * SEC))
		return -999;
	return cqe.res;
}

/* ART_BARE_BATCH in kmod/ring/ring.h: posted bare WAITs freed at a time. */
#define BARE_BATCH	8

/*
 * Queued, it is an entry in flight with no task: nothing spawned, nothing
 * polled. Its wake-up posts it, and it counts as posted early (against
 * max_inflight) until an ENTER frees it, with the batch it completes,
 * polling nothing either.
 */
TEST_F(bare, queued_wait_has_no_task)
{
	long long spawned, polls;
	struct asyncrt_cqe cqe;
	int i;

	spawned = field(self->fdinfo, "tasks-spawned");
	polls = field(self->fdinfo, "polls");
	ASSERT_LE(0, spawned);
	ASSERT_LE(0, polls);
	for (i = 1; i <= BARE_BATCH; i++) {
		asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, NULL, 0, i);
		ASSERT_EQ(1, asyncrt_submit(&self->ring));
		EXPECT_EQ(1, field(self->fdinfo, "inflight"));
		EXPECT_EQ(0, field(self->fdinfo, "tasks-live"));

		EXPECT_EQ(1, wake(&self->waker, self->wq, 1));
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(i, cqe.user_data);
		EXPECT_EQ(0, cqe.res);
		if (i == BARE_BATCH)
			break;
		/* Short of a batch, an ENTER leaves them posted and counted. */
		ASSERT_EQ(0, asyncrt_submit(&self->ring));
		EXPECT_EQ(i, field(self->fdinfo, "posted-early"));
	}
	/* next_cqe() may have entered: posted and counted, or freed. */
	EXPECT_GE(BARE_BATCH, field(self->fdinfo, "posted-early"));
	ASSERT_EQ(0, asyncrt_submit(&self->ring));
	EXPECT_EQ(0, field(self->fdinfo, "posted-early"));
	EXPECT_EQ(0, field(self->fdinfo, "inflight"));
	EXPECT_EQ(spawned, field(self->fdinfo, "tasks-spawned"));
	EXPECT_EQ(polls, field(self->fdinfo, "polls"));
}

/*
 * With a timeout the WAIT has a task: polled once to arm the timeout, then
 * not until its wake-up, which posts its completion; one more poll then
 * frees it.
 */
TEST_F(bare, timed_wait_has_a_task_polled_twice)
{
	struct asyncrt_sqe *sqe;
	struct asyncrt_cqe cqe;
	long long polls;
	int i;

	polls = field(self->fdinfo, "polls");
	ASSERT_LE(0, polls);
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_wait(sqe, self->wq, NULL, 0, 1);
	asyncrt_sqe_set_timeout(sqe, 3600 * SEC);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	usleep(50 * 1000);
	EXPECT_EQ(1, field(self->fdinfo, "tasks-live"));
	EXPECT_EQ(polls + 1, field(self->fdinfo, "polls"));
	EXPECT_EQ(1, wake(&self->waker, self->wq, 1));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(0, cqe.res);
	/* An ENTER hands the woken op to its task, which drops it. */
	for (i = 0; i < 3000 && field(self->fdinfo, "tasks-live"); i++) {
		ASSERT_EQ(0, asyncrt_submit(&self->ring));
		usleep(1000);
	}
	EXPECT_EQ(0, field(self->fdinfo, "tasks-live"));
	EXPECT_EQ(polls + 2, field(self->fdinfo, "polls"));
}

/* A compare that fails, or a stored permit, completes the WAIT at once. */
TEST_F(bare, completed_at_submission)
{
	struct asyncrt_cqe cqe;
	uint32_t word = 7;

	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, &word, 6, 1);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(-EAGAIN, cqe.res);
	asyncrt_prep_notify(asyncrt_get_sqe(&self->waker), self->wq, 2);
	ASSERT_EQ(1, asyncrt_submit(&self->waker));
	ASSERT_EQ(0, next_cqe(&self->waker, &cqe, 30 * SEC));
	EXPECT_EQ(0, cqe.res);		/* nobody waited: a permit */
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, &word, 7, 3);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(3, cqe.user_data);
	EXPECT_EQ(0, cqe.res);
	EXPECT_EQ(0, field(self->fdinfo, "inflight"));
	EXPECT_EQ(0, field(self->fdinfo, "tasks-live"));
}

/* In flight until freed: max_inflight bounds queued and posted ones. */
TEST(bare_waits_count_against_max_inflight)
{
	struct asyncrt_params p = { .sq_entries = 8, .max_inflight = 4 };
	struct asyncrt_ring ring, waker;
	int wq, i, cancelled = 0, woken = 0;
	struct asyncrt_cqe cqe;

	ASSERT_EQ(0, asyncrt_ring_init_params(&ring, &p));
	ASSERT_EQ(0, asyncrt_ring_init(&waker, 8));
	wq = asyncrt_wq_create(&waker, 0);
	ASSERT_LE(0, wq);
	for (i = 0; i < 6; i++)
		asyncrt_prep_wait(asyncrt_get_sqe(&ring), wq, NULL, 0, i);
	EXPECT_EQ(4, asyncrt_submit(&ring));
	EXPECT_EQ(-EBUSY, asyncrt_submit(&ring));
	EXPECT_EQ(2, asyncrt_sq_pending(&ring));
	/* Two posted: the next ENTER frees them and takes the other two. */
	EXPECT_EQ(2, wake(&waker, wq, 2));
	EXPECT_EQ(2, asyncrt_submit(&ring));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
		EXPECT_EQ(0, cqe.res);
		EXPECT_GT(2, cqe.user_data);
	}
	/* Four in flight: the CANCEL gets in once one more is posted. */
	EXPECT_EQ(1, wake(&waker, wq, 1));
	sqe_cancel(asyncrt_get_sqe(&ring), 0, ASYNCRT_CANCEL_ALL, 100);
	EXPECT_EQ(1, asyncrt_submit(&ring));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
		if (cqe.user_data == 100) {
			EXPECT_EQ(3, cqe.res);
		} else {
			cancelled += cqe.res == -ECANCELED;
			woken += cqe.res == 0;
		}
	}
	EXPECT_EQ(3, cancelled);
	EXPECT_EQ(1, woken);
	EXPECT_EQ(-ETIME, next_cqe(&ring, &cqe, 20 * MSEC));
	EXPECT_EQ(0, wake(&waker, wq, 0));
	close(wq);
	asyncrt_ring_exit(&waker);
	asyncrt_ring_exit(&ring);
}

/*
 * Posted bare WAITs are freed a batch at a time (ART_BARE_BATCH in
 * kmod/ring/ring.h), so with a bound smaller than the batch they fill it:
 * the next submission must free them, not fail with EBUSY.
 */
TEST(bare_waits_freed_in_batches_never_block_the_bound)
{
	struct asyncrt_params p = { .sq_entries = 4, .max_inflight = 2 };
	struct asyncrt_ring ring, waker;
	struct asyncrt_cqe cqe;
	int wq, round;

	ASSERT_EQ(0, asyncrt_ring_init_params(&ring, &p));
	ASSERT_EQ(2, p.max_inflight);
	ASSERT_EQ(0, asyncrt_ring_init(&waker, 8));
	wq = asyncrt_wq_create(&waker, 0);
	ASSERT_LE(0, wq);
	for (round = 0; round < 50; round++) {
		asyncrt_prep_wait(asyncrt_get_sqe(&ring), wq, NULL, 0, round);
		ASSERT_EQ(1, asyncrt_submit(&ring)) TH_LOG("round %d", round);
		ASSERT_EQ(1, wake(&waker, wq, 1)) TH_LOG("round %d", round);
		ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
		EXPECT_EQ(round, cqe.user_data);
		EXPECT_EQ(0, cqe.res);
	}
	close(wq);
	asyncrt_ring_exit(&waker);
	asyncrt_ring_exit(&ring);
}

struct waker {
	int wq;
	atomic_int stop;
	long woken;
	int err;
};

/* Wake the queue, one waiter at a time, as fast as possible until told. */
static void *waker_thread(void *arg)
{
	struct waker *w = arg;
	struct asyncrt_ring ring;
	int n;

	if (asyncrt_ring_init(&ring, 8)) {
		w->err = 1;
		return NULL;
	}
	while (!atomic_load(&w->stop)) {
		n = wake(&ring, w->wq, 1);
		if (n < 0) {
			w->err = n;
			break;
		}
		w->woken += n;
	}
	asyncrt_ring_exit(&ring);
	return NULL;
}

/*
 * A CANCEL racing the wake-up from another thread: the WAIT completes
 * once, with 0 or -ECANCELED, and the CANCEL counts exactly the WAITs it
 * ended (1 and -ECANCELED, or -ENOENT and 0): a bare WAIT is decided
 * under its queue's lock.
 */
TEST_F(bare, cancel_racing_wake_one_result)
{
	struct waker w = { .wq = self->wq };
	int i, j, won_wake = 0, won_cancel = 0;
	struct asyncrt_cqe cqe[2];
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, waker_thread, &w));
	for (i = 0; i < 500; i++) {
		int wait_res = 1, cancel_res = 1;

		asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, NULL, 0, 1);
		ASSERT_EQ(1, asyncrt_submit(&self->ring));
		/* Give the waker a chance at it, a different one each round. */
		for (j = 0; j < i % 50; j++)
			sched_yield();
		sqe_cancel(asyncrt_get_sqe(&self->ring), 1, 0, 2);
		ASSERT_EQ(1, asyncrt_submit(&self->ring));
		for (j = 0; j < 2; j++) {
			ASSERT_EQ(0, next_cqe(&self->ring, &cqe[j], 30 * SEC));
			if (cqe[j].user_data == 1)
				wait_res = cqe[j].res;
			else
				cancel_res = cqe[j].res;
		}
		ASSERT_NE(1, wait_res);
		if (wait_res == 0) {
			EXPECT_EQ(-ENOENT, cancel_res);
			won_wake++;
		} else {
			EXPECT_EQ(-ECANCELED, wait_res);
			EXPECT_EQ(1, cancel_res);
			won_cancel++;
		}
	}
	atomic_store(&w.stop, 1);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, w.err);
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &cqe[0], 1 * MSEC));
	TH_LOG("wake won %d rounds, cancel won %d; %ld woken", won_wake,
	       won_cancel, w.woken);
	EXPECT_EQ(won_wake, w.woken);
	EXPECT_EQ(500, won_wake + won_cancel);
}

/*
 * Close with bare WAITs queued and posted (never freed by an ENTER): they
 * leave the queue, a WAKE then finds nobody, and all is freed.
 */
TEST_F(bare, close_takes_them_off_the_queue)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int i;

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 64));
	for (i = 0; i < 50; i++)
		asyncrt_prep_wait(asyncrt_get_sqe(&ring), self->wq, NULL, 0, i);
	ASSERT_EQ(50, asyncrt_submit(&ring));
	EXPECT_EQ(20, wake(&self->waker, self->wq, 20));
	/* Posted by the WAKE, seen without entering: none freed yet. */
	for (i = 0; i < 20; i++) {
		struct asyncrt_cqe *c = asyncrt_peek_cqe(&ring);

		ASSERT_NE(NULL, c);
		EXPECT_EQ(i, c->user_data);
		EXPECT_EQ(0, c->res);
		asyncrt_cqe_seen(&ring, c);
	}
	asyncrt_ring_exit(&ring);
	EXPECT_EQ(0, wake(&self->waker, self->wq, 0));
	/* A cancel in the waker's instance finds none of them either. */
	sqe_cancel(asyncrt_get_sqe(&self->waker), 0, ASYNCRT_CANCEL_ALL, 5);
	ASSERT_EQ(1, asyncrt_submit(&self->waker));
	ASSERT_EQ(0, next_cqe(&self->waker, &cqe, 30 * SEC));
	EXPECT_EQ(-ENOENT, cqe.res);
}

/*
 * Instances close while another thread keeps waking their queue: each
 * bare WAIT is either posted by the waker or taken off the queue by the
 * close, and the waker never touches an instance that is gone (KASAN).
 */
TEST_F(bare, close_racing_wakes)
{
	struct waker w = { .wq = self->wq };
	struct asyncrt_ring ring;
	pthread_t t;
	int i, j;

	ASSERT_EQ(0, pthread_create(&t, NULL, waker_thread, &w));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, asyncrt_ring_init(&ring, 16));
		for (j = 0; j < 8; j++)
			asyncrt_prep_wait(asyncrt_get_sqe(&ring), self->wq, NULL, 0, j);
		ASSERT_EQ(8, asyncrt_submit(&ring));
		for (j = 0; j < i % 20; j++)
			sched_yield();
		asyncrt_ring_exit(&ring);
	}
	atomic_store(&w.stop, 1);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, w.err);
	EXPECT_LT(0, w.woken);
	EXPECT_EQ(0, wake(&self->waker, self->wq, 0));
}

TEST_HARNESS_MAIN
