// SPDX-License-Identifier: GPL-2.0
/*
 * Description: what interrupts ENTER's wait. A signal whose handler was
 * installed without SA_RESTART ends it with EINTR; with SA_RESTART an
 * untimed wait goes on as if nothing happened, a timed one still ends with
 * EINTR (a restart would wait its whole timeout again). What is no signal
 * at all, the task work the kernel's io_uring sends a thread that used one
 * of its rings when the ring goes, must not end an untimed wait, and ends
 * a timed one early without an error, which the library waits again
 * after. Each wait is for a SLEEP of SLEEP_NS, submitted first.
 */
#include <errno.h>
#include <liburing.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "ring_util.h"

#define SLEEP_NS	300000000ULL	/* what the wait waits for */
#define ALARM_US	50000		/* when the signal comes */

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

FIXTURE(sig) {
	struct asyncrt_ring ring;
};

FIXTURE_SETUP(sig)
{
	alarms = 0;
	ASSERT_EQ(0, asyncrt_ring_init(&self->ring, 8));
	asyncrt_prep_sleep(asyncrt_get_sqe(&self->ring), SLEEP_NS,
			   ASYNCRT_CLOCK_MONOTONIC, 0, 7);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
}

FIXTURE_TEARDOWN(sig)
{
	signal(SIGALRM, SIG_DFL);
	asyncrt_ring_exit(&self->ring);
}

/* SIGALRM once, in ALARM_US, to a handler installed with @flags. */
static void alarm_soon(struct __test_metadata *_metadata, int flags)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = flags };
	struct itimerval it = { .it_value = { .tv_usec = ALARM_US } };

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
}

/* One ENTER that waits for one completion, nothing to submit: -errno or n. */
static int enter_wait(struct asyncrt_ring *ring, uint64_t timeout_ns)
{
	struct asyncrt_enter e = {
		.min_complete = 1,
		.flags = ASYNCRT_ENTER_GETEVENTS |
			 (timeout_ns ? ASYNCRT_ENTER_TIMEOUT : 0),
		.timeout_ns = timeout_ns,
	};

	return ioctl(ring->fd, ASYNCRT_IOC_ENTER, &e) < 0 ? -errno : 0;
}

/*
 * Use an io_uring and drop it: the ring's teardown then sends this thread
 * task work, which interrupts its waits as a signal would, soon after.
 */
static void io_uring_used_and_dropped(struct __test_metadata *_metadata)
{
	struct io_uring uring;
	struct io_uring_cqe *cqe;

	ASSERT_EQ(0, io_uring_queue_init(4, &uring, 0));
	io_uring_prep_nop(io_uring_get_sqe(&uring));
	ASSERT_EQ(1, io_uring_submit_and_wait(&uring, 1));
	ASSERT_EQ(0, io_uring_peek_cqe(&uring, &cqe));
	io_uring_cqe_seen(&uring, cqe);
	io_uring_queue_exit(&uring);
}

TEST_F(sig, handler_without_sa_restart_ends_the_wait_with_eintr)
{
	alarm_soon(_metadata, 0);
	EXPECT_EQ(-EINTR, enter_wait(&self->ring, 0));
	EXPECT_EQ(1, alarms);
	EXPECT_EQ(NULL, asyncrt_peek_cqe(&self->ring));
}

TEST_F(sig, handler_with_sa_restart_lets_an_untimed_wait_go_on)
{
	struct asyncrt_cqe c;

	alarm_soon(_metadata, SA_RESTART);
	EXPECT_EQ(0, enter_wait(&self->ring, 0));
	EXPECT_EQ(1, alarms);
	ASSERT_EQ(1, reap(&self->ring, &c, 1));
	EXPECT_EQ(7, c.user_data);
	EXPECT_EQ(0, c.res);
}

TEST_F(sig, handler_with_sa_restart_still_ends_a_timed_wait)
{
	alarm_soon(_metadata, SA_RESTART);
	EXPECT_EQ(-EINTR, enter_wait(&self->ring, 10 * SLEEP_NS));
	EXPECT_EQ(1, alarms);
	EXPECT_EQ(NULL, asyncrt_peek_cqe(&self->ring));
}

TEST_F(sig, io_uring_task_work_does_not_end_an_untimed_wait)
{
	struct asyncrt_cqe c;

	io_uring_used_and_dropped(_metadata);
	EXPECT_EQ(0, enter_wait(&self->ring, 0));
	ASSERT_EQ(1, reap(&self->ring, &c, 1));
	EXPECT_EQ(7, c.user_data);
}

TEST_F(sig, io_uring_task_work_does_not_end_a_timed_wait_in_the_library)
{
	struct asyncrt_cqe c;

	io_uring_used_and_dropped(_metadata);
	/* The library's timed wait looks again until its deadline. */
	ASSERT_EQ(0, next_cqe(&self->ring, &c, 10 * SLEEP_NS));
	EXPECT_EQ(7, c.user_data);
}

TEST_HARNESS_MAIN
