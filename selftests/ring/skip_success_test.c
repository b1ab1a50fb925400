// SPDX-License-Identifier: GPL-2.0
/*
 * Description: ASYNCRT_SQE_SKIP_SUCCESS posts no completion for a
 * run-at-once entry that succeeds (NOP, WAKE, NOTIFY, CANCEL) and still
 * posts one that fails (a WAKE on a bad fd, a malformed NOP); a task
 * opcode or an entry of a chain with the flag fails with -EINVAL; a
 * skipped WAKE still wakes its waiter; and the CQ slot a skipped entry
 * reserved is given back, so after many skipped entries the CQ still
 * takes exactly cq_entries normal ones.
 */
#include <errno.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

#define ENTRIES	8

FIXTURE(skip) {
	struct asyncrt_ring ring;
	int wq;
};

FIXTURE_SETUP(skip)
{
	self->wq = -1;
	ASSERT_EQ(0, asyncrt_ring_init(&self->ring, ENTRIES));
	if (!asyncrt_ring_has_feature(&self->ring, ASYNCRT_FEAT_SKIP_SUCCESS))
		SKIP(return, "this module has no ASYNCRT_SQE_SKIP_SUCCESS");
	self->wq = asyncrt_wq_create(&self->ring, 0);
	ASSERT_LE(0, self->wq);
}

FIXTURE_TEARDOWN(skip)
{
	if (self->wq >= 0)
		close(self->wq);
	asyncrt_ring_exit(&self->ring);
}

static struct asyncrt_sqe *skip_nop(struct asyncrt_ring *ring, uint64_t user_data)
{
	struct asyncrt_sqe *sqe = asyncrt_get_sqe(ring);

	asyncrt_prep_nop(sqe, user_data);
	asyncrt_sqe_set_skip_success(sqe);
	return sqe;
}

/* Run-at-once entries that succeed post nothing; the others still do. */
TEST_F(skip, skipped_on_success)
{
	struct asyncrt_cqe cqe[4];
	struct asyncrt_sqe *sqe;

	skip_nop(&self->ring, 1);
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 2);
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_wake(sqe, self->wq, 0, 3);
	asyncrt_sqe_set_skip_success(sqe);
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_notify(sqe, self->wq, 4);
	asyncrt_sqe_set_skip_success(sqe);
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_cancel_all(sqe, 5);	/* -ENOENT: posted */
	asyncrt_sqe_set_skip_success(sqe);
	ASSERT_EQ(5, asyncrt_submit(&self->ring));
	ASSERT_EQ(2, reap(&self->ring, cqe, 4));
	EXPECT_EQ(2, cqe[0].user_data);
	EXPECT_EQ(0, cqe[0].res);
	EXPECT_EQ(5, cqe[1].user_data);
	EXPECT_EQ(-ENOENT, cqe[1].res);
}

/* A failure is what the flag still reports. */
TEST_F(skip, posted_on_error)
{
	struct asyncrt_cqe cqe[4];
	struct asyncrt_sqe *sqe;

	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_wake(sqe, -1, 1, 1);
	asyncrt_sqe_set_skip_success(sqe);
	sqe = skip_nop(&self->ring, 2);
	sqe->count = 1;			/* NOP takes no count */
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(2, reap(&self->ring, cqe, 4));
	EXPECT_EQ(1, cqe[0].user_data);
	EXPECT_EQ(-EBADF, cqe[0].res);
	EXPECT_EQ(2, cqe[1].user_data);
	EXPECT_EQ(-EINVAL, cqe[1].res);
}

/* A task's result is not known at submission; a chain's are all posted. */
TEST_F(skip, rejected_on_task_and_chain)
{
	struct asyncrt_cqe cqe[4];
	struct asyncrt_sqe *sqe;
	uint32_t word = 0;

	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_sleep(sqe, 1000, ASYNCRT_CLOCK_MONOTONIC, 0, 1);
	asyncrt_sqe_set_skip_success(sqe);
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_wait(sqe, self->wq, &word, 0, 2);
	asyncrt_sqe_set_skip_success(sqe);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(2, reap(&self->ring, cqe, 4));
	EXPECT_EQ(1, cqe[0].user_data);
	EXPECT_EQ(-EINVAL, cqe[0].res);
	EXPECT_EQ(2, cqe[1].user_data);
	EXPECT_EQ(-EINVAL, cqe[1].res);

	sqe = skip_nop(&self->ring, 3);
	asyncrt_sqe_set_link(sqe, ASYNCRT_SQE_LINK);
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 4);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(2, reap(&self->ring, cqe, 4));
	EXPECT_EQ(3, cqe[0].user_data);
	EXPECT_EQ(-EINVAL, cqe[0].res);
	EXPECT_EQ(4, cqe[1].user_data);
	EXPECT_EQ(-ECANCELED, cqe[1].res);
}

/* The bench's pattern: the waiter's completion is the only one. */
TEST_F(skip, wake_still_wakes)
{
	struct asyncrt_cqe cqe[4];
	struct asyncrt_sqe *sqe;

	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, NULL, 0, 1);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, reap(&self->ring, cqe, 4));
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_wake(sqe, self->wq, 1, 2);
	asyncrt_sqe_set_skip_success(sqe);
	ASSERT_EQ(1, asyncrt_submit_and_wait(&self->ring, 1));
	ASSERT_EQ(1, reap(&self->ring, cqe, 4));
	EXPECT_EQ(1, cqe[0].user_data);
	EXPECT_EQ(0, cqe[0].res);
}

/*
 * Many skipped entries, never reaped, leave the whole CQ to the normal
 * ones: exactly cq_entries of them fit, then ENTER refuses with EBUSY. A
 * skipped entry is accepted only with a slot free, like any other: its
 * result is known only once it ran.
 */
TEST_F(skip, cq_slots_given_back)
{
	unsigned int cq = self->ring.cq.entries, i;
	struct asyncrt_cqe cqe[64];

	ASSERT_GE(64, cq);
	ASSERT_LE(ENTRIES, cq);
	for (i = 0; i < 4 * cq; i++) {
		skip_nop(&self->ring, 100 + i);
		if ((i + 1) % ENTRIES == 0)
			ASSERT_EQ(ENTRIES, asyncrt_submit(&self->ring));
	}
	/* Half of the first ENTER skipped, half posted. */
	for (i = 0; i < ENTRIES / 2; i++) {
		asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), i);
		skip_nop(&self->ring, 1000 + i);
	}
	ASSERT_EQ(ENTRIES, asyncrt_submit(&self->ring));
	for (i = ENTRIES / 2; i < cq; i++) {
		asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), i);
		if ((i + 1) % ENTRIES == 0 || i == cq - 1)
			ASSERT_LT(0, asyncrt_submit(&self->ring));
	}
	skip_nop(&self->ring, 9999);
	EXPECT_EQ(-EBUSY, asyncrt_submit(&self->ring));
	ASSERT_EQ(cq, reap(&self->ring, cqe, 64));
	for (i = 0; i < cq; i++) {
		EXPECT_EQ(i, cqe[i].user_data);
		EXPECT_EQ(0, cqe[i].res);
	}
	/* Room again: the refused entry goes in now, and posts nothing. */
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 7);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(1, reap(&self->ring, cqe, 64));
	EXPECT_EQ(7, cqe[0].user_data);
}

TEST_HARNESS_MAIN
