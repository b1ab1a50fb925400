// SPDX-License-Identifier: GPL-2.0
/*
 * Description: POLL on pipes and sockets: waits for readiness, completes at
 * once when already ready, reports hang-up, multishot posts one F_MORE
 * completion per readiness edge until cancelled (posted by the wake itself,
 * with no task in between, when the wake names its events), a per-entry
 * timeout gives -ETIME, and bad fds or event masks are refused.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

FIXTURE(poll) {
	struct asyncrt_ring ring;
	int p[2];
};

FIXTURE_SETUP(poll)
{
	ASSERT_EQ(0, asyncrt_ring_init(&self->ring, 32));
	if (!(self->ring.features & ASYNCRT_FEAT_POLL))
		SKIP(return, "this module has no POLL");
	ASSERT_EQ(0, pipe(self->p));
}

FIXTURE_TEARDOWN(poll)
{
	close(self->p[0]);
	close(self->p[1]);
	asyncrt_ring_exit(&self->ring);
}

TEST_F(poll, waits_for_data)
{
	struct asyncrt_cqe cqe;

	asyncrt_prep_poll(asyncrt_get_sqe(&self->ring), self->p[0], POLLIN, 0, 1);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &cqe, 20 * MSEC));
	ASSERT_EQ(1, write(self->p[1], "x", 1));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(1, cqe.user_data);
	EXPECT_EQ(POLLIN, cqe.res & POLLIN);
	EXPECT_EQ(0, cqe.flags);
}

TEST_F(poll, ready_already_completes_at_once)
{
	struct asyncrt_cqe cqe;

	asyncrt_prep_poll(asyncrt_get_sqe(&self->ring), self->p[1], POLLOUT, 0, 2);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(POLLOUT, cqe.res & POLLOUT);
}

TEST_F(poll, hangup_reported)
{
	struct asyncrt_cqe cqe;

	asyncrt_prep_poll(asyncrt_get_sqe(&self->ring), self->p[0], POLLIN, 0, 3);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	close(self->p[1]);
	self->p[1] = dup(self->p[0]);	/* keep teardown's close harmless */
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_TRUE(cqe.res & POLLHUP);
}

TEST_F(poll, multishot_edge_per_write_until_cancel)
{
	struct asyncrt_cqe cqe;
	char c;
	int i;

	asyncrt_prep_poll(asyncrt_get_sqe(&self->ring), self->p[0], POLLIN, ASYNCRT_POLL_MULTI, 4);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, write(self->p[1], "y", 1));
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(4, cqe.user_data);
		EXPECT_EQ(ASYNCRT_CQE_F_MORE, cqe.flags);
		EXPECT_TRUE(cqe.res & POLLIN);
		ASSERT_EQ(1, read(self->p[0], &c, 1));
	}
	sqe_cancel(asyncrt_get_sqe(&self->ring), 4, 0, 5);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		if (cqe.user_data == 4) {
			EXPECT_EQ(-ECANCELED, cqe.res);
			EXPECT_EQ(0, cqe.flags);
		} else {
			EXPECT_EQ(1, cqe.res);
		}
	}
}

TEST_F(poll, multishot_posted_by_the_wake_itself)
{
	const char *stats = "/sys/kernel/debug/asyncrt/stats";
	struct asyncrt_cqe cqe;
	long long before, completed;
	char c;
	int i;

	before = field(stats, "poll_direct");
	if (before < 0)
		SKIP(return, "no %s (debugfs not mounted?)", stats);
	completed = field(stats, "completed");
	asyncrt_prep_poll(asyncrt_get_sqe(&self->ring), self->p[0], POLLIN, ASYNCRT_POLL_MULTI, 4);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	/* Let the op's first poll pass: a wake during it goes the task's way. */
	usleep(100 * 1000);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, write(self->p[1], "y", 1));
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(ASYNCRT_CQE_F_MORE, cqe.flags);
		EXPECT_EQ(POLLIN, cqe.res);
		ASSERT_EQ(1, read(self->p[0], &c, 1));
	}
	/* The pipe's wakes say POLLIN: each was posted without the task. */
	EXPECT_LE(before + 3, field(stats, "poll_direct"));
	/* An F_MORE completion is a completion: counted as the others are. */
	EXPECT_LE(completed + 3, field(stats, "completed"));
	sqe_cancel(asyncrt_get_sqe(&self->ring), 4, 0, 5);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(0, cqe.flags);
		EXPECT_EQ(cqe.user_data == 4 ? -ECANCELED : 1, cqe.res);
	}
}

TEST_F(poll, socket_readable)
{
	struct asyncrt_cqe cqe;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	asyncrt_prep_poll(asyncrt_get_sqe(&self->ring), sv[0], POLLIN, 0, 6);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(5, send(sv[1], "hello", 5, 0));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_TRUE(cqe.res & POLLIN);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(poll, timeout_etime)
{
	struct asyncrt_sqe *sqe = asyncrt_get_sqe(&self->ring);
	struct asyncrt_cqe cqe;

	asyncrt_prep_poll(sqe, self->p[0], POLLIN, 0, 7);
	sqe->flags = ASYNCRT_SQE_TIMEOUT;
	sqe->timeout_ns = 20 * MSEC;
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(-ETIME, cqe.res);
}

TEST_F(poll, close_fd_while_polling_is_safe)
{
	struct asyncrt_cqe cqe;

	/* The op holds its own reference: closing our fd changes nothing. */
	asyncrt_prep_poll(asyncrt_get_sqe(&self->ring), self->p[0], POLLIN, 0, 8);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	close(self->p[0]);
	self->p[0] = dup(self->p[1]);
	ASSERT_EQ(1, write(self->p[1], "z", 1));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_TRUE(cqe.res & POLLIN);
}

TEST_F(poll, bad_input)
{
	struct asyncrt_cqe cqe;

	asyncrt_prep_poll(asyncrt_get_sqe(&self->ring), 9999, POLLIN, 0, 1);
	asyncrt_prep_poll(asyncrt_get_sqe(&self->ring), self->p[0], 0, 0, 2);
	asyncrt_prep_poll(asyncrt_get_sqe(&self->ring), self->p[0], POLLIN, 1U << 3, 3);
	ASSERT_EQ(3, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(-EBADF, cqe.res);
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(-EINVAL, cqe.res);
}

TEST_HARNESS_MAIN
