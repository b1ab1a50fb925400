// SPDX-License-Identifier: GPL-2.0
/*
 * Description: every thread asleep in ENTER on one instance, and a poll()
 * of it, wakes when a completion is posted. The first ENTER to wait sleeps
 * apart from the others (art_ring_wait(), kmod/ring/ring.c), so each way
 * of posting must reach both kinds of waiter and poll(): an entry that
 * completes at submission (a NOP from another thread), a WAIT posted by a
 * WAKE from another instance, and a SLEEP posted by its hrtimer. Rounds
 * repeat, so that the wake-up also races waiters still going to sleep.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

#define ENTER_WAITERS	3
#define ROUNDS		30

enum post { POST_NOP, POST_WAKE, POST_SLEEP };

FIXTURE(waiters) {
	struct asyncrt_ring ring;	/* the one everybody waits on */
	struct asyncrt_ring waker;
	int wq;
	int ret[ENTER_WAITERS + 1];	/* ENTER's result, then poll()'s */
};

FIXTURE_VARIANT(waiters) {
	enum post post;
};

FIXTURE_VARIANT_ADD(waiters, nop) { .post = POST_NOP };
FIXTURE_VARIANT_ADD(waiters, wake) { .post = POST_WAKE };
FIXTURE_VARIANT_ADD(waiters, sleep) { .post = POST_SLEEP };

FIXTURE_SETUP(waiters)
{
	ASSERT_EQ(0, asyncrt_ring_init(&self->ring, 8));
	if (!(self->ring.features & ASYNCRT_FEAT_WAITQ))
		SKIP(return, "this module has no wait queues");
	ASSERT_EQ(0, asyncrt_ring_init(&self->waker, 8));
	self->wq = asyncrt_wq_create(&self->waker, 0);
	ASSERT_LE(0, self->wq);
}

FIXTURE_TEARDOWN(waiters)
{
	close(self->wq);
	asyncrt_ring_exit(&self->waker);
	asyncrt_ring_exit(&self->ring);
}

struct waiter {
	FIXTURE_DATA(waiters) *self;
	int i;
};

/* Only wait, for one unreaped completion; a lost wake-up gives -ETIME. */
static void *enter_waiter(void *p)
{
	struct waiter *w = p;
	struct asyncrt_enter e = {
		.min_complete = 1,
		.flags = ASYNCRT_ENTER_GETEVENTS | ASYNCRT_ENTER_TIMEOUT,
		.timeout_ns = 10 * SEC,
	};
	int ret = ioctl(w->self->ring.fd, ASYNCRT_IOC_ENTER, &e);

	w->self->ret[w->i] = ret < 0 ? -errno : ret;
	return NULL;
}

static void *poller(void *p)
{
	struct waiter *w = p;
	struct pollfd pfd = { .fd = w->self->ring.fd, .events = POLLIN };

	w->self->ret[w->i] = poll(&pfd, 1, 10000);
	return NULL;
}

TEST_F(waiters, all_woken)
{
	struct waiter w[ENTER_WAITERS + 1];
	pthread_t t[ENTER_WAITERS + 1];
	struct asyncrt_cqe cqe;
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		/* The WAIT the WAKE posts, queued before anybody waits. */
		if (variant->post == POST_WAKE) {
			asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq,
					  NULL, 0, 1);
			ASSERT_EQ(1, asyncrt_submit(&self->ring));
		}
		for (i = 0; i <= ENTER_WAITERS; i++) {
			w[i] = (struct waiter){ .self = self, .i = i };
			self->ret[i] = -999;
			ASSERT_EQ(0, pthread_create(&t[i], NULL,
						    i < ENTER_WAITERS ? enter_waiter : poller,
						    &w[i]));
		}
		/* Most rounds: all asleep by now; the others race. */
		usleep(r % 3 ? 20000 : 0);
		switch (variant->post) {
		case POST_NOP:
			asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 1);
			ASSERT_EQ(1, asyncrt_submit(&self->ring));
			break;
		case POST_WAKE:
			asyncrt_prep_wake(asyncrt_get_sqe(&self->waker), self->wq, 1, 2);
			ASSERT_EQ(1, asyncrt_submit(&self->waker));
			ASSERT_EQ(0, next_cqe(&self->waker, &cqe, 10 * SEC));
			ASSERT_EQ(1, cqe.res);
			break;
		case POST_SLEEP:
			asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), MSEC,
					   ASYNCRT_CLOCK_MONOTONIC, 0, 1);
			ASSERT_EQ(1, asyncrt_submit(&self->ring));
			break;
		}
		for (i = 0; i <= ENTER_WAITERS; i++)
			ASSERT_EQ(0, pthread_join(t[i], NULL));
		for (i = 0; i < ENTER_WAITERS; i++)
			EXPECT_EQ(0, self->ret[i]);
		EXPECT_EQ(1, self->ret[ENTER_WAITERS]);
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 10 * SEC));
		EXPECT_EQ(1, cqe.user_data);
		EXPECT_EQ(0, cqe.res);
	}
}

TEST_HARNESS_MAIN
