// SPDX-License-Identifier: GPL-2.0
/*
 * Description: NOP end to end through the rings, and the submission path's
 * guarantees: one completion per accepted entry, bad entries complete with
 * -EINVAL, out-of-range SQ indices are dropped and counted, and a full CQ
 * makes ENTER consume fewer entries (-EBUSY for none) without losing any.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "asyncrt.h"

FIXTURE(ring) {
	struct asyncrt_ring ring;
};

FIXTURE_VARIANT(ring) {
	unsigned int sq, cq;
};

FIXTURE_VARIANT_ADD(ring, small) { .sq = 4, .cq = 8 };
FIXTURE_VARIANT_ADD(ring, large) { .sq = 256, .cq = 512 };

FIXTURE_SETUP(ring)
{
	struct asyncrt_params p = {
		.sq_entries = variant->sq,
		.cq_entries = variant->cq,
	};
	int ret = asyncrt_ring_init_params(&self->ring, &p);

	ASSERT_EQ(0, ret) TH_LOG("ring init: %s", asyncrt_strerror_hint(ret));
}

FIXTURE_TEARDOWN(ring)
{
	asyncrt_ring_exit(&self->ring);
}

static int reap(struct asyncrt_ring *ring, struct asyncrt_cqe *out, int max)
{
	struct asyncrt_cqe *cqe;
	int n = 0;

	while (n < max && (cqe = asyncrt_peek_cqe(ring))) {
		out[n++] = *cqe;
		asyncrt_cqe_seen(ring, cqe);
	}
	return n;
}

TEST_F(ring, nop_completes_with_user_data)
{
	struct asyncrt_sqe *sqe = asyncrt_get_sqe(&self->ring);
	struct asyncrt_cqe *cqe;

	ASSERT_NE(NULL, sqe);
	asyncrt_prep_nop(sqe, 0xdeadbeefcafe);
	ASSERT_EQ(1, asyncrt_submit_and_wait(&self->ring, 1));
	ASSERT_EQ(0, asyncrt_wait_cqe(&self->ring, &cqe));
	EXPECT_EQ(0xdeadbeefcafeULL, cqe->user_data);
	EXPECT_EQ(0, cqe->res);
	EXPECT_EQ(0, cqe->flags);
	asyncrt_cqe_seen(&self->ring, cqe);
	EXPECT_EQ(NULL, asyncrt_peek_cqe(&self->ring));
}

TEST_F(ring, nop_batch_each_completes_once)
{
	unsigned int n = self->ring.sq.entries, i, rounds;
	struct asyncrt_cqe cqes[256];
	unsigned char seen[256];

	for (rounds = 0; rounds < 10; rounds++) {
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < n; i++)
			asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), i);
		ASSERT_EQ(n, asyncrt_submit_and_wait(&self->ring, n));
		ASSERT_EQ(n, reap(&self->ring, cqes, 256));
		for (i = 0; i < n; i++) {
			ASSERT_GT(n, cqes[i].user_data);
			EXPECT_EQ(0, cqes[i].res);
			EXPECT_EQ(0, seen[cqes[i].user_data]);
			seen[cqes[i].user_data] = 1;
		}
	}
	EXPECT_EQ(NULL, asyncrt_get_sqe(&self->ring) ? NULL : (void *)1);
}

TEST_F(ring, bad_entries_complete_with_einval)
{
	struct asyncrt_cqe cqes[8];
	struct asyncrt_sqe *sqe;
	int i;

	sqe = asyncrt_get_sqe(&self->ring);
	sqe->opcode = ASYNCRT_OP_LAST;		/* unknown opcode */
	sqe->user_data = 1;
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_nop(sqe, 2);
	sqe->flags = 1U << 7;			/* unknown flag */
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_nop(sqe, 3);
	sqe->resv2[1] = 1;			/* reserved field set */
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_nop(sqe, 4);
	sqe->fd = 3;				/* field NOP does not take */
	ASSERT_EQ(4, asyncrt_submit_and_wait(&self->ring, 4));
	ASSERT_EQ(4, reap(&self->ring, cqes, 8));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(i + 1, cqes[i].user_data);
		EXPECT_EQ(-EINVAL, cqes[i].res);
	}
}

TEST_F(ring, out_of_range_index_dropped_and_counted)
{
	struct asyncrt_cqe cqes[8];
	struct asyncrt_sqe *sqe;

	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_nop(sqe, 1);
	/* Point the slot at an SQE that does not exist. */
	self->ring.sq.array[(self->ring.sq.sqe_tail - 1) & self->ring.sq.mask] = 0xffff0000;
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_nop(sqe, 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(1, asyncrt_submit_and_wait(&self->ring, 1) >= 0);
	ASSERT_EQ(1, reap(&self->ring, cqes, 8));
	EXPECT_EQ(2, cqes[0].user_data);
	EXPECT_EQ(1, *self->ring.sq.kdropped);
}

TEST_F(ring, cq_full_consumes_fewer_and_loses_nothing)
{
	unsigned int cq = self->ring.cq.entries, sq = self->ring.sq.entries;
	unsigned int i, total = 0, got = 0;
	struct asyncrt_cqe cqes[512];
	int ret;

	/* Fill the CQ without reaping. */
	while (total < cq) {
		for (i = 0; i < sq; i++)
			asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), total + i);
		ASSERT_EQ(sq, asyncrt_submit(&self->ring));
		total += sq;
	}
	ASSERT_EQ(cq, asyncrt_cq_ready(&self->ring));

	/* No room: nothing is consumed and the entries stay queued. */
	for (i = 0; i < sq; i++)
		asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), total + i);
	ret = asyncrt_submit(&self->ring);
	EXPECT_EQ(-EBUSY, ret);
	EXPECT_EQ(sq, asyncrt_sq_pending(&self->ring));

	/* Reap one: exactly one more entry fits. */
	ASSERT_EQ(1, reap(&self->ring, cqes, 1));
	got++;
	EXPECT_EQ(1, asyncrt_submit(&self->ring));
	EXPECT_EQ(sq - 1, asyncrt_sq_pending(&self->ring));

	/* Drain everything; every entry completes exactly once, in order. */
	while (got < total + sq) {
		int n = reap(&self->ring, cqes, 512);

		for (i = 0; i < (unsigned int)n; i++)
			ASSERT_EQ(got + i, cqes[i].user_data);
		got += n;
		if (asyncrt_sq_pending(&self->ring)) {
			ASSERT_LT(0, asyncrt_submit(&self->ring));
		} else if (!n) {
			break;
		}
	}
	EXPECT_EQ(total + sq, got);
}

TEST_F(ring, wait_times_out_with_etime)
{
	struct asyncrt_cqe *cqe;

	EXPECT_EQ(-ETIME, asyncrt_wait_cqe_timeout(&self->ring, &cqe, 1000000));
}

TEST_F(ring, poll_readable_when_cq_nonempty)
{
	struct pollfd pfd = { .fd = self->ring.fd, .events = POLLIN };

	EXPECT_EQ(0, poll(&pfd, 1, 0));
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 7);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	EXPECT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_TRUE(pfd.revents & POLLIN);
}

TEST_HARNESS_MAIN
