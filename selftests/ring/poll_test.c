// SPDX-License-Identifier: GPL-2.0
/*
 * Description: POLL on pipes and sockets: waits for readiness, completes at
 * once when already ready, reports hang-up, multishot posts one F_MORE
 * completion per readiness edge until cancelled (posted by the wake itself,
 * with no task in between, when the wake names its events), a per-entry
 * timeout gives -ETIME, and bad fds or event masks are refused. A
 * multishot POLL of an epoll fd that watches an instance (its own, or
 * another polling it back) neither deadlocks the CPU nor posts forever:
 * a ring's completion ends it, as in io_uring.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

/*
 * Run @fn in a child and give it @secs: the deadlocks below would leave it
 * stuck in the kernel, and the test must fail, not hang. 0 if it passed,
 * its nonzero exit code if it failed, -1 if it hung (then it is left).
 */
static int run_bounded(int (*fn)(void), int secs)
{
	int status, i;
	pid_t pid = fork();

	if (pid < 0)
		return -2;
	if (pid == 0)
		_exit(fn());
	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(100 * 1000);
	}
	kill(pid, SIGKILL);
	return -1;
}

/* An epoll fd watching @fd for input, or -1. */
static int epoll_of(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	return ep;
}

/*
 * Submit what is queued, wait (5 s at most) for @n completions, and only
 * then reap them: unreaped, they keep the instance's epoll fd readable
 * for the POLL that is still to look at it.
 */
static int wait_n(struct asyncrt_ring *ring, struct asyncrt_cqe *c, int n)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + 5 * SEC;

	do {
		asyncrt_submit_and_wait_timeout(ring, n, 100 * MSEC);
		if (asyncrt_cq_ready(ring) >= n)
			return reap(ring, c, n);
	} while (now_ns(CLOCK_MONOTONIC) < end);
	return asyncrt_cq_ready(ring);
}

/* Is @c the terminal completion of a POLL that saw input? */
static int poll_ended_readable(const struct asyncrt_cqe *c, uint64_t ud)
{
	return c->user_data == ud && c->flags == 0 && c->res > 0 && (c->res & POLLIN);
}

/*
 * [epoll_ctl(ep, ADD, ringfd), multishot POLL of ep, NOP]: the NOP's
 * completion woke cq_wait, epoll's entry on it woke ep, and the POLL's
 * wake function posted from there and woke cq_wait again, under its own
 * lock: a hard lockup. Now the POLL ends, posted by its task.
 */
static int own_epoll(void)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe c[2], extra;
	int ep;

	if (asyncrt_ring_init(&ring, 16))
		return 2;
	ep = epoll_of(ring.fd);
	if (ep < 0)
		return 3;
	asyncrt_prep_poll(asyncrt_get_sqe(&ring), ep, POLLIN, ASYNCRT_POLL_MULTI, 1);
	if (asyncrt_submit(&ring) != 1)
		return 4;
	/* Let its first poll pass: armed, the wake is what we test. */
	usleep(50 * 1000);
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 2);
	if (wait_n(&ring, c, 2) != 2)
		return 5;
	if (c[0].user_data != 2 || c[0].res != 0)
		return 6;
	if (!poll_ended_readable(&c[1], 1))
		return 7;
	/* Ended: its own completion does not start it again. */
	if (next_cqe(&ring, &extra, 100 * MSEC) != -ETIME)
		return 8;
	return 0;
}

TEST_F(poll, multishot_on_epoll_of_own_instance_no_deadlock)
{
	EXPECT_EQ(0, run_bounded(own_epoll, 20));
}

/*
 * The same through a second source in the epoll set: a pipe's wake,
 * holding ep's poll_wait lock, made the POLL post, whose wake of cq_wait
 * reached ep's entry for the ring and took that lock again. Now the task
 * posts the F_MORE completion; that posting ends the POLL.
 */
static int own_epoll_and_pipe(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct asyncrt_ring ring;
	struct asyncrt_cqe c[2];
	int ep, p[2];

	if (asyncrt_ring_init(&ring, 16) || pipe(p))
		return 2;
	ep = epoll_of(ring.fd);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev))
		return 3;
	asyncrt_prep_poll(asyncrt_get_sqe(&ring), ep, POLLIN, ASYNCRT_POLL_MULTI, 1);
	if (asyncrt_submit(&ring) != 1)
		return 4;
	usleep(50 * 1000);
	if (write(p[1], "x", 1) != 1)
		return 5;
	if (wait_n(&ring, c, 2) != 2)
		return 6;
	if (c[0].user_data != 1 || c[0].flags != ASYNCRT_CQE_F_MORE || !(c[0].res & POLLIN))
		return 7;
	if (!poll_ended_readable(&c[1], 1))
		return 8;
	return 0;
}

TEST_F(poll, multishot_on_epoll_of_own_instance_and_pipe_no_deadlock)
{
	EXPECT_EQ(0, run_bounded(own_epoll_and_pipe, 20));
}

/*
 * Two instances, each with a multishot POLL of an epoll fd watching the
 * other: a completion in one used to recurse through both into the first
 * one's cq_wait lock. Now each POLL ends once, posted by its task.
 */
static int each_others_epoll(void)
{
	struct asyncrt_ring a, b;
	struct asyncrt_cqe c[2], cb;
	int epa, epb;

	if (asyncrt_ring_init(&a, 16) || asyncrt_ring_init(&b, 16))
		return 2;
	epa = epoll_of(a.fd);
	epb = epoll_of(b.fd);
	if (epa < 0 || epb < 0)
		return 3;
	asyncrt_prep_poll(asyncrt_get_sqe(&a), epb, POLLIN, ASYNCRT_POLL_MULTI, 1);
	asyncrt_prep_poll(asyncrt_get_sqe(&b), epa, POLLIN, ASYNCRT_POLL_MULTI, 1);
	if (asyncrt_submit(&a) != 1 || asyncrt_submit(&b) != 1)
		return 4;
	usleep(50 * 1000);
	/* a's NOP ends b's POLL, whose completion ends a's. */
	asyncrt_prep_nop(asyncrt_get_sqe(&a), 2);
	if (wait_n(&a, c, 2) != 2)
		return 5;
	if (c[0].user_data != 2 || !poll_ended_readable(&c[1], 1))
		return 6;
	if (next_cqe(&b, &cb, 5 * SEC) || !poll_ended_readable(&cb, 1))
		return 7;
	return 0;
}

TEST_F(poll, multishot_on_epolls_of_each_other_no_deadlock)
{
	EXPECT_EQ(0, run_bounded(each_others_epoll, 20));
}

TEST_HARNESS_MAIN
