// SPDX-License-Identifier: GPL-2.0
/*
 * Description: INTERVAL, the multishot timer: one F_MORE completion per tick
 * numbered from 1, then exactly one terminal completion; cancel ends it with
 * -ECANCELED; when the CQ is full, ticks are held back (counted in the
 * held field), not dropped, and arrive in order once userspace reaps.
 */
#include <errno.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

static int open_ring(struct __test_metadata *_metadata, struct asyncrt_ring *ring,
		     unsigned int sq, unsigned int cq)
{
	struct asyncrt_params p = { .sq_entries = sq, .cq_entries = cq };
	int ret = asyncrt_ring_init_params(ring, &p);

	if (ret)
		return ret;
	return ring->features & ASYNCRT_FEAT_INTERVAL ? 0 : -EOPNOTSUPP;
}

TEST(count_ticks_then_terminal)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int i, ret = open_ring(_metadata, &ring, 8, 16);

	if (ret == -EOPNOTSUPP)
		SKIP(return, "this module has no INTERVAL");
	ASSERT_EQ(0, ret);
	asyncrt_prep_interval(asyncrt_get_sqe(&ring), 5 * MSEC, 3, 0, ASYNCRT_TICK_BURST, 42);
	ASSERT_EQ(1, asyncrt_submit(&ring));
	for (i = 1; i <= 3; i++) {
		ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
		EXPECT_EQ(42, cqe.user_data);
		EXPECT_EQ(i, cqe.res);
		EXPECT_EQ(ASYNCRT_CQE_F_MORE, cqe.flags);
	}
	ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
	EXPECT_EQ(42, cqe.user_data);
	EXPECT_EQ(3, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	EXPECT_EQ(-ETIME, next_cqe(&ring, &cqe, 50 * MSEC));
	asyncrt_ring_exit(&ring);
}

TEST(cancel_ends_with_ecanceled)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int ticks = 0, ret = open_ring(_metadata, &ring, 8, 64);

	if (ret == -EOPNOTSUPP)
		SKIP(return, "this module has no INTERVAL");
	ASSERT_EQ(0, ret);
	asyncrt_prep_interval(asyncrt_get_sqe(&ring), 2 * MSEC, 0, 0, ASYNCRT_TICK_SKIP, 1);
	ASSERT_EQ(1, asyncrt_submit(&ring));
	while (ticks < 3) {
		ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
		ASSERT_EQ(ASYNCRT_CQE_F_MORE, cqe.flags);
		ticks++;
	}
	sqe_cancel(asyncrt_get_sqe(&ring), 1, 0, 2);
	ASSERT_EQ(1, asyncrt_submit(&ring));
	for (;;) {
		ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
		if (cqe.user_data == 1 && !(cqe.flags & ASYNCRT_CQE_F_MORE))
			break;
	}
	EXPECT_EQ(-ECANCELED, cqe.res);
	asyncrt_ring_exit(&ring);
}

TEST(full_cq_holds_ticks_back_loses_none)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	uint64_t t0;
	int i, ret = open_ring(_metadata, &ring, 1, 2);

	if (ret == -EOPNOTSUPP)
		SKIP(return, "this module has no INTERVAL");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(2, ring.cq.entries);
	asyncrt_prep_interval(asyncrt_get_sqe(&ring), 1 * MSEC, 10, 0, ASYNCRT_TICK_BURST, 9);
	ASSERT_EQ(1, asyncrt_submit(&ring));

	/* One slot is reserved for the terminal completion: one tick fits. */
	t0 = now_ns(CLOCK_MONOTONIC);
	while (!*ring.cq.kheld && now_ns(CLOCK_MONOTONIC) - t0 < 30 * SEC)
		usleep(1000);
	EXPECT_LT(0, *ring.cq.kheld);
	EXPECT_EQ(1, asyncrt_cq_ready(&ring));

	for (i = 1; i <= 10; i++) {
		ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
		EXPECT_EQ(i, cqe.res);
		EXPECT_EQ(ASYNCRT_CQE_F_MORE, cqe.flags);
	}
	ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
	EXPECT_EQ(10, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	asyncrt_ring_exit(&ring);
}

TEST(bad_period_and_policy_einval)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int ret = open_ring(_metadata, &ring, 8, 16);

	if (ret == -EOPNOTSUPP)
		SKIP(return, "this module has no INTERVAL");
	ASSERT_EQ(0, ret);
	asyncrt_prep_interval(asyncrt_get_sqe(&ring), 999, 1, 0, 0, 1);
	asyncrt_prep_interval(asyncrt_get_sqe(&ring), MSEC, 1, 0, 3U << 1, 2);
	asyncrt_prep_interval(asyncrt_get_sqe(&ring), MSEC, 1, 0, 1U << 7, 3);
	ASSERT_EQ(3, asyncrt_submit(&ring));
	for (int i = 1; i <= 3; i++) {
		ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
		EXPECT_EQ(i, cqe.user_data);
		EXPECT_EQ(-EINVAL, cqe.res);
	}
	asyncrt_ring_exit(&ring);
}

TEST_HARNESS_MAIN
