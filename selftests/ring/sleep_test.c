// SPDX-License-Identifier: GPL-2.0
/*
 * Description: SLEEP on each clock, relative and absolute: it never
 * completes early, completes once with res 0, rejects bad clocks and
 * flags, and many concurrent sleeps complete in deadline order. Also the
 * per-entry timeout (ASYNCRT_SQE_TIMEOUT) turning a long sleep into -ETIME.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "ring_util.h"

FIXTURE(sleep) {
	struct asyncrt_ring ring;
};

FIXTURE_SETUP(sleep)
{
	int ret = asyncrt_ring_init(&self->ring, 64);

	ASSERT_EQ(0, ret) TH_LOG("%s", asyncrt_strerror_hint(ret));
	if (!(self->ring.features & ASYNCRT_FEAT_SLEEP))
		SKIP(return, "this module has no SLEEP");
}

FIXTURE_TEARDOWN(sleep)
{
	asyncrt_ring_exit(&self->ring);
}

FIXTURE_VARIANT(sleep) {
	uint8_t uclock;
	clockid_t clock;
};
FIXTURE_VARIANT_ADD(sleep, monotonic) { ASYNCRT_CLOCK_MONOTONIC, CLOCK_MONOTONIC };
FIXTURE_VARIANT_ADD(sleep, boottime) { ASYNCRT_CLOCK_BOOTTIME, CLOCK_BOOTTIME };
FIXTURE_VARIANT_ADD(sleep, realtime) { ASYNCRT_CLOCK_REALTIME, CLOCK_REALTIME };

TEST_F(sleep, relative_never_early)
{
	uint64_t t0 = now_ns(variant->clock);
	struct asyncrt_cqe cqe;

	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 20 * MSEC, variant->uclock, 0, 5);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_LE(t0 + 20 * MSEC, now_ns(variant->clock));
	EXPECT_EQ(5, cqe.user_data);
	EXPECT_EQ(0, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	EXPECT_EQ(0, asyncrt_cq_ready(&self->ring));
}

TEST_F(sleep, absolute_deadline)
{
	uint64_t deadline = now_ns(variant->clock) + 20 * MSEC;
	struct asyncrt_cqe cqe;

	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), deadline, variant->uclock,
		  ASYNCRT_TIMER_ABS, 6);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_LE(deadline, now_ns(variant->clock));
	EXPECT_EQ(0, cqe.res);
}

TEST_F(sleep, absolute_past_completes_at_once)
{
	struct asyncrt_cqe cqe;

	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 1, variant->uclock, ASYNCRT_TIMER_ABS, 7);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(0, cqe.res);
}

TEST_F(sleep, many_complete_in_deadline_order)
{
	struct asyncrt_cqe cqes[64];
	int i, n = 0;

	/* Submitted in reverse: completions must come back sorted. */
	for (i = 0; i < 32; i++)
		asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), (32 - i) * 5 * MSEC,
			  variant->uclock, 0, 32 - i);
	ASSERT_EQ(32, asyncrt_submit(&self->ring));
	while (n < 32) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqes[n], 30 * SEC));
		n++;
	}
	for (i = 0; i < 32; i++) {
		EXPECT_EQ(0, cqes[i].res);
		EXPECT_EQ(i + 1, cqes[i].user_data);
	}
}

TEST_F(sleep, bad_clock_and_flags_einval)
{
	struct asyncrt_cqe cqe;
	struct asyncrt_sqe *sqe;

	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), MSEC, 3, 0, 1);
	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), MSEC, variant->uclock, 1U << 5, 2);
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_sleep(sqe, MSEC, variant->uclock, 0, 3);
	sqe->count = 1;		/* a field SLEEP does not take */
	ASSERT_EQ(3, asyncrt_submit(&self->ring));
	for (int i = 1; i <= 3; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(i, cqe.user_data);
		EXPECT_EQ(-EINVAL, cqe.res);
	}
}

TEST_F(sleep, entry_timeout_gives_etime)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	struct asyncrt_sqe *sqe = asyncrt_get_sqe(&self->ring);
	struct asyncrt_cqe cqe;

	asyncrt_prep_sleep(sqe, 3600 * SEC, variant->uclock, 0, 9);
	sqe->flags = ASYNCRT_SQE_TIMEOUT;
	sqe->timeout_ns = 20 * MSEC;
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 60 * SEC));
	EXPECT_EQ(9, cqe.user_data);
	EXPECT_EQ(-ETIME, cqe.res);
	EXPECT_LE(t0 + 20 * MSEC, now_ns(CLOCK_MONOTONIC));
}

TEST_F(sleep, entry_timeout_not_reached_keeps_result)
{
	struct asyncrt_sqe *sqe = asyncrt_get_sqe(&self->ring);
	struct asyncrt_cqe cqe;

	asyncrt_prep_sleep(sqe, 10 * MSEC, variant->uclock, 0, 10);
	sqe->flags = ASYNCRT_SQE_TIMEOUT;
	sqe->timeout_ns = 3600 * SEC;
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 60 * SEC));
	EXPECT_EQ(0, cqe.res);
}

TEST_F(sleep, timeout_on_run_at_once_opcode_einval)
{
	struct asyncrt_sqe *sqe = asyncrt_get_sqe(&self->ring);
	struct asyncrt_cqe cqe;

	asyncrt_prep_nop(sqe, 11);
	sqe->flags = ASYNCRT_SQE_TIMEOUT;
	sqe->timeout_ns = SEC;
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(-EINVAL, cqe.res);
}

TEST_HARNESS_MAIN
