// SPDX-License-Identifier: GPL-2.0
/*
 * Description: linked entries. A LINK successor runs only after its
 * predecessor succeeds and completes after it (an absolute SLEEP too);
 * a failure cancels the rest of the chain (-ECANCELED) unless the link is
 * a HARDLINK; a malformed entry, or one that fails to start, fails its
 * whole chain, still in chain order; cancelling the head or a waiting
 * successor ends the chain cleanly; a chain is cut at the end of the
 * entries one ENTER consumes; and closing an instance with chains in
 * flight frees them.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

/* The chain's completions, in order: { user_data, res } each. */
#define EXPECT_CQES(c, ...) do {						\
	const long long want_[][2] = { __VA_ARGS__ };			\
	size_t i_;							\
									\
	for (i_ = 0; i_ < ARRAY_SIZE(want_); i_++) {			\
		EXPECT_EQ(want_[i_][0], (long long)(c)[i_].user_data);	\
		EXPECT_EQ(want_[i_][1], (c)[i_].res);			\
	}								\
} while (0)

FIXTURE(link) {
	struct asyncrt_ring ring;
};

FIXTURE_SETUP(link)
{
	struct asyncrt_params p = { .sq_entries = 16, .cq_entries = 64 };

	ASSERT_EQ(0, asyncrt_ring_init_params(&self->ring, &p));
	if (!(self->ring.features & ASYNCRT_FEAT_LINK))
		SKIP(return, "this module has no links");
}

FIXTURE_TEARDOWN(link)
{
	asyncrt_ring_exit(&self->ring);
}

static struct asyncrt_sqe *linked(struct asyncrt_sqe *sqe, unsigned int flag)
{
	sqe->flags |= flag;
	return sqe;
}

/* Collect @n completions in arrival order, with their arrival times. */
static int collect(struct asyncrt_ring *ring, struct asyncrt_cqe *c, uint64_t *t, int n)
{
	for (int i = 0; i < n; i++) {
		if (next_cqe(ring, &c[i], 30 * SEC))
			return -1;
		if (t)
			t[i] = now_ns(CLOCK_MONOTONIC);
	}
	return 0;
}

TEST_F(link, successor_waits_for_predecessor)
{
	struct asyncrt_cqe c[2];
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), t[2];

	asyncrt_prep_sleep(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 20 * MSEC, 0, 0, 1);
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, t, 2));
	EXPECT_CQES(c, { 1, 0 }, { 2, 0 });
	EXPECT_LE(t0 + 20 * MSEC, t[1]);
}

/*
 * One ENTER waiting for both completions of a chain: the SLEEP's expiry
 * posts its completion itself, and the successor must still start while
 * the thread waits, not only at its next ENTER.
 */
TEST_F(link, one_wait_sees_the_successor_of_a_posted_sleep)
{
	struct asyncrt_cqe c[2];

	asyncrt_prep_sleep(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 20 * MSEC, 0, 0, 1);
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 2);
	asyncrt_submit_and_wait_timeout(&self->ring, 2, 30 * SEC);
	/* Both are there when that one wait returns, with no call since. */
	ASSERT_EQ(2, asyncrt_cq_ready(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, NULL, 2));
	EXPECT_EQ(1, c[0].user_data);
	EXPECT_EQ(2, c[1].user_data);
	EXPECT_EQ(0, c[1].res);
}

TEST_F(link, chain_of_sleeps_runs_in_sequence)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), t[3];
	struct asyncrt_cqe c[3];
	int i;

	for (i = 0; i < 3; i++)
		asyncrt_prep_sleep(linked(asyncrt_get_sqe(&self->ring), i < 2 ? ASYNCRT_SQE_LINK : 0),
			  10 * MSEC, 0, 0, i);
	ASSERT_EQ(3, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, t, 3));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(i, c[i].user_data);
		EXPECT_EQ(0, c[i].res);
	}
	/* Each sleep started when the one before it ended. */
	EXPECT_LE(t0 + 30 * MSEC, t[2]);
}

TEST_F(link, failure_cancels_the_rest)
{
	struct asyncrt_sqe *sqe = linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK);
	struct asyncrt_cqe c[3];

	asyncrt_prep_sleep(sqe, 3600 * SEC, 0, 0, 1);
	sqe->flags |= ASYNCRT_SQE_TIMEOUT;
	sqe->timeout_ns = 10 * MSEC;
	asyncrt_prep_nop(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 2);
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 3);
	ASSERT_EQ(3, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, NULL, 3));
	EXPECT_CQES(c, { 1, -ETIME }, { 2, -ECANCELED }, { 3, -ECANCELED });
}

/*
 * An absolute SLEEP behind a closed gate must not expire there: its
 * deadline passes long before its predecessor fails, and it must still
 * complete after that one, with -ECANCELED, and cancel the rest.
 */
TEST_F(link, linked_absolute_sleep_waits_for_its_gate)
{
	struct asyncrt_sqe *sqe = linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK);
	struct asyncrt_cqe c[3];

	asyncrt_prep_sleep(sqe, 3600 * SEC, ASYNCRT_CLOCK_MONOTONIC, 0, 1);
	asyncrt_sqe_set_timeout(sqe, 50 * MSEC);
	asyncrt_prep_sleep(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK),
			   now_ns(CLOCK_MONOTONIC) + MSEC, ASYNCRT_CLOCK_MONOTONIC,
			   ASYNCRT_TIMER_ABS, 2);
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 3);
	ASSERT_EQ(3, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, NULL, 3));
	EXPECT_CQES(c, { 1, -ETIME }, { 2, -ECANCELED }, { 3, -ECANCELED });
}

/* A linked absolute SLEEP whose gate opens does sleep until its deadline. */
TEST_F(link, linked_absolute_sleep_runs_after_predecessor)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), t[2];
	struct asyncrt_cqe c[2];

	asyncrt_prep_sleep(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK),
			   20 * MSEC, ASYNCRT_CLOCK_MONOTONIC, 0, 1);
	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), t0 + 40 * MSEC,
			   ASYNCRT_CLOCK_MONOTONIC, ASYNCRT_TIMER_ABS, 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, t, 2));
	EXPECT_CQES(c, { 1, 0 }, { 2, 0 });
	EXPECT_LE(t0 + 40 * MSEC, t[1]);
}

TEST_F(link, hardlink_runs_after_failure)
{
	struct asyncrt_sqe *sqe = linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_HARDLINK);
	struct asyncrt_cqe c[2];

	asyncrt_prep_sleep(sqe, 3600 * SEC, 0, 0, 1);
	sqe->flags |= ASYNCRT_SQE_TIMEOUT;
	sqe->timeout_ns = 10 * MSEC;
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, NULL, 2));
	EXPECT_EQ(-ETIME, c[0].res);
	EXPECT_EQ(2, c[1].user_data);
	EXPECT_EQ(0, c[1].res);
}

TEST_F(link, run_at_once_head_failure_cancels)
{
	struct asyncrt_cqe c[2];

	/* CANCEL of nothing fails with -ENOENT: the linked NOP must not run. */
	sqe_cancel(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 999, 0, 1);
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, NULL, 2));
	EXPECT_EQ(-ENOENT, c[0].res);
	EXPECT_EQ(-ECANCELED, c[1].res);
}

TEST_F(link, malformed_entry_fails_whole_chain)
{
	struct asyncrt_cqe c[3];

	asyncrt_prep_nop(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 1);
	linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK)->opcode = 200;
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 3);
	ASSERT_EQ(3, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, NULL, 3));
	EXPECT_EQ(-ECANCELED, c[0].res);
	EXPECT_EQ(-EINVAL, c[1].res);
	EXPECT_EQ(-ECANCELED, c[2].res);
}

/*
 * An entry that fails to start (a WAIT on no wait queue) fails its chain
 * as a malformed one does, and the completions still come in chain order.
 */
TEST_F(link, entry_failing_to_start_completes_in_order)
{
	struct asyncrt_cqe c[3];

	asyncrt_prep_nop(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 1);
	asyncrt_prep_nop(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 2);
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), -1, NULL, 0, 3);
	ASSERT_EQ(3, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, NULL, 3));
	EXPECT_CQES(c, { 1, -ECANCELED }, { 2, -ECANCELED }, { 3, -EBADF });
}

/* The same in the middle: what follows the failed entry is cancelled after it. */
TEST_F(link, middle_entry_failing_to_start_completes_in_order)
{
	struct asyncrt_cqe c[4];

	asyncrt_prep_nop(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 1);
	asyncrt_prep_wait(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), -1, NULL, 0, 2);
	asyncrt_prep_sleep(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK),
			   MSEC, 0, 0, 3);
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 4);
	ASSERT_EQ(4, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, NULL, 4));
	EXPECT_CQES(c, { 1, -ECANCELED }, { 2, -EBADF }, { 3, -ECANCELED }, { 4, -ECANCELED });
}

TEST_F(link, sleep_then_wake_wakes_late)
{
	int wq = asyncrt_wq_create(&self->ring, O_CLOEXEC);
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), t[3];
	struct asyncrt_cqe c[3];
	struct asyncrt_sqe *sqe;
	int i;

	ASSERT_LE(0, wq);
	sqe = asyncrt_get_sqe(&self->ring);
	sqe->opcode = ASYNCRT_OP_WAIT;
	sqe->fd = wq;
	sqe->user_data = 1;
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	asyncrt_prep_sleep(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 20 * MSEC, 0, 0, 2);
	sqe = asyncrt_get_sqe(&self->ring);
	sqe->opcode = ASYNCRT_OP_WAKE;
	sqe->fd = wq;
	sqe->user_data = 3;
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, t, 3));
	for (i = 0; i < 3; i++) {
		if (c[i].user_data == 1) {
			EXPECT_EQ(0, c[i].res);
			EXPECT_LE(t0 + 20 * MSEC, t[i]);
		} else if (c[i].user_data == 3) {
			EXPECT_EQ(1, c[i].res);
		}
	}
	close(wq);
}

TEST_F(link, cancel_head_cancels_chain)
{
	struct asyncrt_cqe c[3];
	int i, cancelled = 0;

	asyncrt_prep_sleep(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 3600 * SEC, 0, 0, 1);
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	sqe_cancel(asyncrt_get_sqe(&self->ring), 1, 0, 3);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, NULL, 3));
	for (i = 0; i < 3; i++)
		cancelled += c[i].res == -ECANCELED;
	EXPECT_EQ(2, cancelled);
}

TEST_F(link, cancel_waiting_successor)
{
	struct asyncrt_cqe c[3];
	int i;

	asyncrt_prep_sleep(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 30 * MSEC, 0, 0, 1);
	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 3600 * SEC, 0, 0, 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	sqe_cancel(asyncrt_get_sqe(&self->ring), 2, 0, 3);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, collect(&self->ring, c, NULL, 3));
	for (i = 0; i < 3; i++) {
		if (c[i].user_data == 1)
			EXPECT_EQ(0, c[i].res);
		if (c[i].user_data == 2)
			EXPECT_EQ(-ECANCELED, c[i].res);
		if (c[i].user_data == 3)
			EXPECT_EQ(1, c[i].res);
	}
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &c[0], 50 * MSEC));
}

TEST_F(link, chain_cut_at_end_of_submission)
{
	struct asyncrt_cqe c;

	asyncrt_prep_nop(linked(asyncrt_get_sqe(&self->ring), ASYNCRT_SQE_LINK), 1);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &c, 30 * SEC));
	EXPECT_EQ(0, c.res);
}

TEST_F(link, close_with_chains_in_flight)
{
	int i;

	for (i = 0; i < 12; i++)
		asyncrt_prep_sleep(linked(asyncrt_get_sqe(&self->ring), i % 4 != 3 ? ASYNCRT_SQE_LINK : 0),
			  3600 * SEC, 0, 0, i);
	ASSERT_EQ(12, asyncrt_submit(&self->ring));
	/* Teardown closes the instance with three chains waiting. */
}

TEST_HARNESS_MAIN
