// SPDX-License-Identifier: GPL-2.0
/*
 * Description: CANCEL by user_data and CANCEL_ALL: a cancelled entry
 * completes exactly once with -ECANCELED, CANCEL reports how many it hit or
 * -ENOENT, a cancel racing an expiring sleep yields either result but never
 * both, and closing an instance with thousands of entries in flight
 * frees them all (the harness's leak check sees the rest).
 */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

FIXTURE(cancel) {
	struct asyncrt_ring ring;
};

FIXTURE_SETUP(cancel)
{
	struct asyncrt_params p = { .sq_entries = 256, .cq_entries = 8192 };
	int ret = asyncrt_ring_init_params(&self->ring, &p);

	ASSERT_EQ(0, ret) TH_LOG("%s", asyncrt_strerror_hint(ret));
	if (!(self->ring.features & ASYNCRT_FEAT_CANCEL) ||
	    !(self->ring.features & ASYNCRT_FEAT_SLEEP))
		SKIP(return, "this module has no CANCEL or SLEEP");
}

FIXTURE_TEARDOWN(cancel)
{
	asyncrt_ring_exit(&self->ring);
}

TEST_F(cancel, by_user_data_once)
{
	struct asyncrt_cqe a, b;

	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 3600 * SEC, 0, 0, 100);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	sqe_cancel(asyncrt_get_sqe(&self->ring), 100, 0, 200);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &a, 30 * SEC));
	ASSERT_EQ(0, next_cqe(&self->ring, &b, 30 * SEC));
	if (a.user_data == 100) {
		struct asyncrt_cqe t = a;

		a = b;
		b = t;
	}
	EXPECT_EQ(200, a.user_data);
	EXPECT_EQ(1, a.res);
	EXPECT_EQ(100, b.user_data);
	EXPECT_EQ(-ECANCELED, b.res);
	/* Nothing more: the cancelled entry completed exactly once. */
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &a, 50 * MSEC));
}

TEST_F(cancel, unknown_user_data_enoent)
{
	struct asyncrt_cqe cqe;

	sqe_cancel(asyncrt_get_sqe(&self->ring), 12345, 0, 1);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(-ENOENT, cqe.res);
}

TEST_F(cancel, bad_fields_einval)
{
	struct asyncrt_cqe cqe;

	sqe_cancel(asyncrt_get_sqe(&self->ring), 5, ASYNCRT_CANCEL_ALL, 1);
	sqe_cancel(asyncrt_get_sqe(&self->ring), 5, 1U << 4, 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(-EINVAL, cqe.res);
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(-EINVAL, cqe.res);
}

TEST_F(cancel, duplicates_all_cancelled)
{
	struct asyncrt_cqe cqe;
	int i, cancelled = 0;

	for (i = 0; i < 10; i++)
		asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 3600 * SEC, 0, 0, 77);
	ASSERT_EQ(10, asyncrt_submit(&self->ring));
	sqe_cancel(asyncrt_get_sqe(&self->ring), 77, 0, 1);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (i = 0; i < 11; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		if (cqe.user_data == 1) {
			EXPECT_EQ(10, cqe.res);
		} else if (cqe.res == -ECANCELED) {
			cancelled++;
		}
	}
	EXPECT_EQ(10, cancelled);
}

TEST_F(cancel, all_in_flight)
{
	struct asyncrt_cqe cqe;
	int i, j, cancelled = 0, total = 2000;

	for (i = 0; i < total; i += 200) {
		for (j = 0; j < 200; j++)
			asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), 3600 * SEC, 0, 0, i + j);
		ASSERT_EQ(200, asyncrt_submit(&self->ring));
	}
	sqe_cancel(asyncrt_get_sqe(&self->ring), 0, ASYNCRT_CANCEL_ALL, ~0ULL);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (i = 0; i < total + 1; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 60 * SEC));
		if (cqe.user_data == ~0ULL) {
			EXPECT_EQ(total, cqe.res);
		} else if (cqe.res == -ECANCELED) {
			cancelled++;
		}
	}
	EXPECT_EQ(total, cancelled);
}

/* Each round either the sleep or the cancel wins; never both, never none. */
TEST_F(cancel, race_with_expiry_exactly_once)
{
	int round, won_sleep = 0, won_cancel = 0;

	for (round = 0; round < 200; round++) {
		struct asyncrt_cqe c[2];
		int got = 0, sleep_seen = 0;

		asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), (round % 5) * 20000, 0, 0, 1);
		sqe_cancel(asyncrt_get_sqe(&self->ring), 1, 0, 2);
		ASSERT_EQ(2, asyncrt_submit(&self->ring));
		while (got < 2)
			ASSERT_EQ(0, next_cqe(&self->ring, &c[got++], 30 * SEC));
		for (int i = 0; i < 2; i++) {
			if (c[i].user_data != 1)
				continue;
			sleep_seen++;
			if (c[i].res == 0) {
				won_sleep++;
			} else if (c[i].res == -ECANCELED) {
				won_cancel++;
			} else {
				ASSERT_TRUE(0) TH_LOG("sleep completed with %d", c[i].res);
			}
		}
		ASSERT_EQ(1, sleep_seen);
		ASSERT_EQ(-ETIME, next_cqe(&self->ring, &c[0], 1 * MSEC));
	}
	TH_LOG("sleep won %d rounds, cancel won %d", won_sleep, won_cancel);
	EXPECT_EQ(200, won_sleep + won_cancel);
}

TEST(close_with_thousands_in_flight)
{
	struct asyncrt_params p = { .sq_entries = 1024, .cq_entries = 8192 };
	struct asyncrt_ring ring;
	int i, j;

	ASSERT_EQ(0, asyncrt_ring_init_params(&ring, &p));
	for (i = 0; i < 5000; i += 1000) {
		for (j = 0; j < 1000; j++)
			asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 3600 * SEC, 0, 0, i + j);
		ASSERT_EQ(1000, asyncrt_submit(&ring));
	}
	asyncrt_ring_exit(&ring);
}

TEST(sigkill_mid_flight)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct asyncrt_ring ring;
		int i;

		if (asyncrt_ring_init(&ring, 256))
			_exit(1);
		for (i = 0; i < 256; i++)
			asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 3600 * SEC, 0, 0, i);
		asyncrt_submit(&ring);
		for (;;)
			pause();
	}
	usleep(200000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
}

TEST_HARNESS_MAIN
