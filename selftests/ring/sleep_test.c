// SPDX-License-Identifier: GPL-2.0
/*
 * Description: SLEEP on each clock, relative and absolute: it never
 * completes early, completes once with res 0, rejects bad clocks and
 * flags, and many concurrent sleeps complete in deadline order. Also the
 * per-entry timeout (ASYNCRT_SQE_TIMEOUT) turning a long sleep into -ETIME.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

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
	bool seen[33] = { false };
	uint64_t t0, took;
	int i, j, n = 0;

	/* Submitted in reverse: completions must come back sorted. */
	for (i = 0; i < 32; i++)
		asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), (32 - i) * 5 * MSEC,
			  variant->uclock, 0, 32 - i);
	t0 = now_ns(variant->clock);
	ASSERT_EQ(32, asyncrt_submit(&self->ring));
	took = now_ns(variant->clock) - t0;
	while (n < 32) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqes[n], 30 * SEC));
		n++;
	}
	/*
	 * Each relative sleep counts from its own start, so a longer one
	 * submitted first may end first, but only by less than the ENTER
	 * took (the debug kernel under TCG once took over 10 ms for a few of
	 * them). Usually it takes well under the 5 ms gaps: then the order is
	 * exact.
	 */
	for (i = 0; i < 32; i++) {
		EXPECT_EQ(0, cqes[i].res);
		/* Each sleep exactly once. */
		ASSERT_GE(32, cqes[i].user_data);
		ASSERT_LE(1, cqes[i].user_data);
		EXPECT_FALSE(seen[cqes[i].user_data]);
		seen[cqes[i].user_data] = true;
		for (j = i + 1; j < 32; j++) {
			uint64_t ahead = cqes[i].user_data > cqes[j].user_data ?
				(cqes[i].user_data - cqes[j].user_data) * 5 * MSEC : 0;

			EXPECT_LE(ahead, took) {
				TH_LOG("%llu ended before %llu, ENTER took %llu ns",
				       (unsigned long long)cqes[i].user_data,
				       (unsigned long long)cqes[j].user_data,
				       (unsigned long long)took);
			}
		}
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

/*
 * Pending sleeps share one timer per clock: cancelling the earliest must
 * leave the others armed, and a later submission with an earlier deadline
 * must not wait for the one armed before it.
 */
TEST_F(sleep, cancel_earliest_rearms_the_rest)
{
	uint64_t t0 = now_ns(variant->clock);
	struct asyncrt_cqe cqe;

	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 3600 * SEC, variant->uclock, 0, 1);
	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 30 * MSEC, variant->uclock, 0, 2);
	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 10 * MSEC, variant->uclock, 0, 3);
	ASSERT_EQ(3, asyncrt_submit(&self->ring));
	sqe_cancel(asyncrt_get_sqe(&self->ring), 3, 0, 4);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	/* The CANCEL and its target, in either order. */
	if (cqe.user_data == 4) {
		EXPECT_EQ(1, cqe.res);
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(3, cqe.user_data);
		EXPECT_EQ(-ECANCELED, cqe.res);
	} else {
		EXPECT_EQ(3, cqe.user_data);
		EXPECT_EQ(-ECANCELED, cqe.res);
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(4, cqe.user_data);
		EXPECT_EQ(1, cqe.res);
	}
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(2, cqe.user_data);
	EXPECT_EQ(0, cqe.res);
	EXPECT_LE(t0 + 30 * MSEC, now_ns(variant->clock));
	EXPECT_EQ(0, asyncrt_cq_ready(&self->ring));
}

/* A sleep on another clock is not held back by this clock's timer. */
TEST_F(sleep, clocks_fire_independently)
{
	uint8_t other = variant->uclock == ASYNCRT_CLOCK_MONOTONIC ?
			ASYNCRT_CLOCK_REALTIME : ASYNCRT_CLOCK_MONOTONIC;
	struct asyncrt_cqe cqe;

	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 3600 * SEC, variant->uclock, 0, 1);
	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 10 * MSEC, other, 0, 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(2, cqe.user_data);
	EXPECT_EQ(0, cqe.res);
	EXPECT_EQ(0, asyncrt_cq_ready(&self->ring));
}

#define MAX_INFLIGHT_PARAM	"/sys/module/asyncrt/parameters/max_inflight"
/* More than the 131,072 entries the CQ was once limited to. */
#define MANY_PENDING		140000

static long read_param(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_param(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%ld\n", v) < 0 ? -1 : 0;
	return fclose(f) ? -1 : ret;
}

FIXTURE(many) {
	struct asyncrt_ring ring;
	bool ring_up;
	long saved;
};

FIXTURE_SETUP(many)
{
	struct asyncrt_params p = {
		.sq_entries = 4096,
		.cq_entries = 2 * MANY_PENDING,
		.max_inflight = MANY_PENDING,
	};
	int ret;

	self->ring_up = false;
	self->saved = read_param(MAX_INFLIGHT_PARAM);
	if (self->saved < 0)
		SKIP(return, "cannot read %s", MAX_INFLIGHT_PARAM);
	if (self->saved < MANY_PENDING && write_param(MAX_INFLIGHT_PARAM, MANY_PENDING))
		SKIP(return, "max_inflight is %ld and not writable (not root?)", self->saved);
	ret = asyncrt_ring_init_params(&self->ring, &p);
	ASSERT_EQ(0, ret) TH_LOG("%s", asyncrt_strerror_hint(ret));
	self->ring_up = true;
}

FIXTURE_TEARDOWN(many)
{
	if (self->ring_up)
		asyncrt_ring_exit(&self->ring);
	if (self->saved >= 0 && self->saved < MANY_PENDING)
		write_param(MAX_INFLIGHT_PARAM, self->saved);
}

/*
 * Every pending entry holds a CQ slot, so this many pending sleeps needs a
 * CQ larger than the old limit; the in-flight bound still holds after it.
 */
TEST_F_TIMEOUT(many, sleeps_pending_beyond_old_cq_limit, 600)
{
	struct asyncrt_sqe *sqe;
	int done = 0, ret;

	while (done < MANY_PENDING) {
		while (done < MANY_PENDING && (sqe = asyncrt_get_sqe(&self->ring)))
			asyncrt_prep_sleep(sqe, 3600 * SEC, ASYNCRT_CLOCK_MONOTONIC, 0, done++);
		ret = asyncrt_submit(&self->ring);
		ASSERT_LT(0, ret) TH_LOG("submit after %d: %d", done, ret);
	}
	EXPECT_EQ(0, asyncrt_cq_ready(&self->ring));
	/* At max_inflight: one more entry stays in the SQ. */
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), ~0ULL);
	EXPECT_EQ(-EBUSY, asyncrt_submit(&self->ring));
	EXPECT_EQ(0, asyncrt_cq_ready(&self->ring));
}

TEST_HARNESS_MAIN
