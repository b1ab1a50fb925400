// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the thin layer's every function against the module: each
 * prep helper fills exactly the fields its opcode takes, batch reaping,
 * submit-and-wait with a timeout, the opcode probe agreeing with setup's
 * features, a wait with the CQ all reserved (it waits, no -EBUSY), wait
 * queue creation, and bad input: NULL, oversized counts, and
 * a closed ring (no crash, NULL from the hot path, -EBADF from the rest).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "asyncrt.h"

FIXTURE(thin) {
	struct asyncrt_ring ring;
};

FIXTURE_SETUP(thin)
{
	int ret = asyncrt_ring_init(&self->ring, 16);

	ASSERT_EQ(0, ret) TH_LOG("ring init: %s", asyncrt_strerror_hint(ret));
}

FIXTURE_TEARDOWN(thin)
{
	asyncrt_ring_exit(&self->ring);
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return 0;
	return 1;
}

TEST(prep_helpers_fill_only_their_fields)
{
	struct asyncrt_sqe sqe;
	uint32_t word;

	memset(&sqe, 0, sizeof(sqe));
	asyncrt_prep_sleep(&sqe, 5, ASYNCRT_CLOCK_BOOTTIME, ASYNCRT_TIMER_ABS, 9);
	EXPECT_EQ(ASYNCRT_OP_SLEEP, sqe.opcode);
	EXPECT_EQ(ASYNCRT_CLOCK_BOOTTIME, sqe.clock);
	EXPECT_EQ(5, sqe.ns);
	EXPECT_EQ(ASYNCRT_TIMER_ABS, sqe.op_flags);
	EXPECT_EQ(9, sqe.user_data);
	EXPECT_EQ(0, sqe.fd);
	EXPECT_EQ(0, sqe.count);

	memset(&sqe, 0, sizeof(sqe));
	asyncrt_prep_interval(&sqe, 7, 3, ASYNCRT_CLOCK_MONOTONIC, ASYNCRT_TICK_SKIP, 1);
	EXPECT_EQ(ASYNCRT_OP_INTERVAL, sqe.opcode);
	EXPECT_EQ(7, sqe.ns);
	EXPECT_EQ(3, sqe.count);
	EXPECT_EQ(ASYNCRT_TICK_SKIP, sqe.op_flags);

	memset(&sqe, 0, sizeof(sqe));
	asyncrt_prep_wait(&sqe, 4, NULL, 0, 2);
	EXPECT_EQ(ASYNCRT_OP_WAIT, sqe.opcode);
	EXPECT_EQ(4, sqe.fd);
	EXPECT_EQ(0, sqe.addr);
	EXPECT_EQ(0, sqe.op_flags);
	asyncrt_prep_wait(&sqe, 4, &word, 11, 2);
	EXPECT_EQ((uintptr_t)&word, sqe.addr);
	EXPECT_EQ(11, sqe.value);
	EXPECT_EQ(ASYNCRT_WAIT_CMP, sqe.op_flags);

	memset(&sqe, 0, sizeof(sqe));
	asyncrt_prep_wake(&sqe, 4, 3, 0);
	EXPECT_EQ(ASYNCRT_OP_WAKE, sqe.opcode);
	EXPECT_EQ(3, sqe.count);
	memset(&sqe, 0, sizeof(sqe));
	asyncrt_prep_notify(&sqe, 4, 0);
	EXPECT_EQ(ASYNCRT_OP_NOTIFY, sqe.opcode);
	EXPECT_EQ(4, sqe.fd);

	memset(&sqe, 0, sizeof(sqe));
	asyncrt_prep_poll(&sqe, 3, POLLIN | POLLOUT, ASYNCRT_POLL_MULTI, 5);
	EXPECT_EQ(ASYNCRT_OP_POLL, sqe.opcode);
	EXPECT_EQ(POLLIN | POLLOUT, sqe.events);
	EXPECT_EQ(ASYNCRT_POLL_MULTI, sqe.op_flags);

	memset(&sqe, 0, sizeof(sqe));
	asyncrt_prep_cancel(&sqe, 77, 6);
	EXPECT_EQ(ASYNCRT_OP_CANCEL, sqe.opcode);
	EXPECT_EQ(77, sqe.target);
	EXPECT_EQ(0, sqe.op_flags);
	memset(&sqe, 0, sizeof(sqe));
	asyncrt_prep_cancel_all(&sqe, 6);
	EXPECT_EQ(ASYNCRT_CANCEL_ALL, sqe.op_flags);
	EXPECT_EQ(0, sqe.target);

	asyncrt_sqe_set_timeout(&sqe, 1000);
	asyncrt_sqe_set_link(&sqe, ASYNCRT_SQE_LINK);
	EXPECT_EQ(ASYNCRT_SQE_TIMEOUT | ASYNCRT_SQE_LINK, sqe.flags);
	asyncrt_sqe_set_skip_success(&sqe);
	EXPECT_EQ(ASYNCRT_SQE_TIMEOUT | ASYNCRT_SQE_LINK |
		  ASYNCRT_SQE_SKIP_SUCCESS, sqe.flags);
	EXPECT_EQ(1000, sqe.timeout_ns);
	EXPECT_TRUE(all_zero(&sqe.resv2, sizeof(sqe.resv2)));
	EXPECT_EQ(0, sqe.resv0);
	EXPECT_EQ(0, sqe.resv1);
}

TEST_F(thin, peek_batch_reaps_many_at_once)
{
	struct asyncrt_cqe *cqes[32];
	unsigned int i, n;

	for (i = 0; i < 16; i++)
		asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), i);
	ASSERT_EQ(16, asyncrt_submit_and_wait_timeout(&self->ring, 16, 2000000000ULL));
	n = asyncrt_peek_batch_cqe(&self->ring, cqes, 10);
	ASSERT_EQ(10, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(i, cqes[i]->user_data);
	asyncrt_cq_advance(&self->ring, n);
	n = asyncrt_peek_batch_cqe(&self->ring, cqes, 32);
	ASSERT_EQ(6, n);
	EXPECT_EQ(10, cqes[0]->user_data);
	asyncrt_cq_advance(&self->ring, n);
	EXPECT_EQ(0, asyncrt_peek_batch_cqe(&self->ring, cqes, 32));
}

TEST_F(thin, submit_and_wait_timeout_times_out)
{
	EXPECT_EQ(-ETIME, asyncrt_submit_and_wait_timeout(&self->ring, 1, 1000000));
	/* Submitting without waiting returns what was consumed. */
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 1);
	EXPECT_EQ(1, asyncrt_submit_and_wait_timeout(&self->ring, 0, 0));
}

TEST_F(thin, oversized_counts_are_einval)
{
	struct asyncrt_ring r;

	EXPECT_EQ(-EINVAL, asyncrt_submit_and_wait_timeout(&self->ring,
							   self->ring.cq.entries + 1, 0));
	EXPECT_EQ(-EINVAL, asyncrt_ring_init(&r, 0));
	EXPECT_EQ(-1, r.fd);
	EXPECT_EQ(-EINVAL, asyncrt_ring_init(&r, ASYNCRT_MAX_SQ_ENTRIES + 1));
	EXPECT_EQ(-EINVAL, asyncrt_ring_init(&r, ~0U));
	EXPECT_EQ(NULL, asyncrt_get_sqe(&r));
	EXPECT_EQ(-EINVAL, asyncrt_wq_create(&self->ring, 0x7fffffff));
}

TEST_F(thin, closed_ring_is_inert)
{
	struct asyncrt_cqe *cqes[4], *cqe;

	asyncrt_ring_exit(&self->ring);
	EXPECT_EQ(-1, self->ring.fd);
	EXPECT_EQ(NULL, asyncrt_get_sqe(&self->ring));
	EXPECT_EQ(NULL, asyncrt_peek_cqe(&self->ring));
	EXPECT_EQ(0, asyncrt_peek_batch_cqe(&self->ring, cqes, 4));
	EXPECT_EQ(0, asyncrt_cq_ready(&self->ring));
	EXPECT_EQ(0, asyncrt_sq_pending(&self->ring));
	EXPECT_EQ(-EBADF, asyncrt_submit(&self->ring));
	EXPECT_EQ(-EBADF, asyncrt_submit_and_wait(&self->ring, 1));
	EXPECT_EQ(-EBADF, asyncrt_submit_and_wait_timeout(&self->ring, 1, 1));
	EXPECT_EQ(-EBADF, asyncrt_wait_cqe(&self->ring, &cqe));
	EXPECT_EQ(-EBADF, asyncrt_wq_create(&self->ring, 0));
	asyncrt_ring_exit(&self->ring);	/* twice is harmless */
}

TEST_F(thin, null_arguments_are_einval)
{
	uint32_t ops;

	EXPECT_EQ(-EINVAL, asyncrt_wait_cqe(&self->ring, NULL));
	EXPECT_EQ(-EINVAL, asyncrt_wait_cqe_timeout(&self->ring, NULL, 1));
	EXPECT_EQ(-EINVAL, asyncrt_submit_and_wait_timeout(NULL, 1, 1));
	EXPECT_EQ(-EINVAL, asyncrt_wq_create(NULL, 0));
	EXPECT_EQ(-EINVAL, asyncrt_probe_ops(NULL));
	EXPECT_EQ(-EINVAL, asyncrt_ring_init(NULL, 8));
	EXPECT_EQ(0, asyncrt_probe_ops(&ops));
}

TEST_F(thin, probe_agrees_with_setup_features)
{
	static const struct { uint8_t op; uint32_t feat; } map[] = {
		{ ASYNCRT_OP_SLEEP, ASYNCRT_FEAT_SLEEP },
		{ ASYNCRT_OP_INTERVAL, ASYNCRT_FEAT_INTERVAL },
		{ ASYNCRT_OP_WAIT, ASYNCRT_FEAT_WAITQ },
		{ ASYNCRT_OP_POLL, ASYNCRT_FEAT_POLL },
		{ ASYNCRT_OP_CANCEL, ASYNCRT_FEAT_CANCEL },
		{ ASYNCRT_OP_SEND, ASYNCRT_FEAT_SOCK },
		{ ASYNCRT_OP_RECV, ASYNCRT_FEAT_SOCK },
	};
	uint32_t ops = 0;
	unsigned int i;

	ASSERT_EQ(0, asyncrt_probe_ops(&ops));
	EXPECT_TRUE(ops & ASYNCRT_OP_BIT(ASYNCRT_OP_NOP));
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		EXPECT_EQ(!!(ops & ASYNCRT_OP_BIT(map[i].op)),
			  asyncrt_ring_has_feature(&self->ring, map[i].feat))
			TH_LOG("opcode %u", map[i].op);
}

TEST_F(thin, sleep_and_cancel_through_the_ring)
{
	struct asyncrt_cqe *cqe;
	uint32_t ops;
	int got = 0, cancelled = 0;

	ASSERT_EQ(0, asyncrt_probe_ops(&ops));
	if (!(ops & ASYNCRT_OP_BIT(ASYNCRT_OP_SLEEP)) ||
	    !(ops & ASYNCRT_OP_BIT(ASYNCRT_OP_CANCEL)))
		SKIP(return, "the module lacks SLEEP or CANCEL (not implemented yet)");
	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 60000000000ULL,
			   ASYNCRT_CLOCK_MONOTONIC, 0, 1);
	asyncrt_prep_cancel(asyncrt_get_sqe(&self->ring), 1, 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	while (got < 2) {
		ASSERT_EQ(0, asyncrt_wait_cqe_timeout(&self->ring, &cqe, 5000000000ULL));
		if (cqe->user_data == 1) {
			EXPECT_EQ(-ECANCELED, cqe->res);
		} else {
			cancelled = cqe->res;
		}
		asyncrt_cqe_seen(&self->ring, cqe);
		got++;
	}
	EXPECT_EQ(1, cancelled);
}

/*
 * Every CQ slot is reserved by a SLEEP in flight, so the kernel accepts no
 * entry: waiting with one prepared must still wait, for the first SLEEP,
 * not return the submission's -EBUSY at once.
 */
TEST(wait_cqe_with_the_cq_reserved_still_waits)
{
	struct asyncrt_params p = { .sq_entries = 16, .cq_entries = 32 };
	struct asyncrt_ring ring;
	struct asyncrt_cqe *cqe;
	unsigned int i;
	uint32_t ops;
	int ret;

	ASSERT_EQ(0, asyncrt_probe_ops(&ops));
	if (!(ops & ASYNCRT_OP_BIT(ASYNCRT_OP_SLEEP)))
		SKIP(return, "the module lacks SLEEP (not implemented yet)");
	ret = asyncrt_ring_init_params(&ring, &p);
	ASSERT_EQ(0, ret) TH_LOG("ring init: %s", asyncrt_strerror_hint(ret));
	ASSERT_EQ(32, ring.cq.entries);
	if (ring.max_inflight < 32)
		SKIP(asyncrt_ring_exit(&ring); return, "max_inflight %u < 32", ring.max_inflight);
	for (i = 0; i < 32; i++) {
		asyncrt_prep_sleep(asyncrt_get_sqe(&ring), (100 + i) * 1000000ULL,
				   ASYNCRT_CLOCK_MONOTONIC, 0, i);
		if (i % 16 == 15)
			ASSERT_EQ(16, asyncrt_submit(&ring));
	}
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 99);
	ret = asyncrt_wait_cqe(&ring, &cqe);
	ASSERT_EQ(0, ret) TH_LOG("wait_cqe: %s", asyncrt_strerror_hint(ret));
	EXPECT_EQ(0, cqe->user_data);
	EXPECT_EQ(0, cqe->res);
	asyncrt_cqe_seen(&ring, cqe);
	asyncrt_ring_exit(&ring);
}

TEST_F(thin, wq_create_gives_a_new_fd)
{
	int fd;

	if (!asyncrt_ring_has_feature(&self->ring, ASYNCRT_FEAT_WAITQ))
		SKIP(return, "the module lacks wait queues (not implemented yet)");
	fd = asyncrt_wq_create(&self->ring, O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST_HARNESS_MAIN
