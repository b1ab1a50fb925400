// SPDX-License-Identifier: GPL-2.0
/*
 * Description: shared wait queues: WAIT/WAKE/NOTIFY semantics (one stored
 * permit, given back by a WAIT that took it and failed; wake n or all; a
 * WAIT's completion marked when NOTIFY gave it),
 * the compare-value that makes a lost wake-up impossible (also on a page
 * not faulted in yet), bad fds and addresses (a linked WAKE refuses at
 * submission what it would refuse when run), and sharing the queue with
 * another thread, with a forked child, and with a process that received
 * the fd over a unix socket; one WAKE of the waiters of a dozen instances.
 * WAKE and NOTIFY as ioctl()s of the queue's fd (ASYNCRT_IOC_WQ_WAKE and
 * _NOTIFY, no ring): the same results, the same completions, from a
 * thread or a process with no instance of its own.
 * What a queued WAIT costs (no task alone, with a timeout a task not
 * polled until woken) is in bare_wait_test.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

static void sqe_wake(struct asyncrt_sqe *sqe, int op, int wq, uint64_t n,
		     uint64_t user_data)
{
	sqe->opcode = op;
	sqe->fd = wq;
	sqe->count = n;
	sqe->user_data = user_data;
}

/* Submit one entry and return its result. */
static int run1(struct asyncrt_ring *ring, struct asyncrt_sqe *sqe)
{
	struct asyncrt_cqe cqe;

	(void)sqe;
	if (asyncrt_submit(ring) != 1 || next_cqe(ring, &cqe, 30 * SEC))
		return -999;
	return cqe.res;
}

FIXTURE(wq) {
	struct asyncrt_ring ring;
	int wq;
};

FIXTURE_SETUP(wq)
{
	ASSERT_EQ(0, asyncrt_ring_init(&self->ring, 64));
	if (!(self->ring.features & ASYNCRT_FEAT_WAITQ))
		SKIP(return, "this module has no wait queues");
	self->wq = ioctl(self->ring.fd, ASYNCRT_IOC_WQ_CREATE, O_CLOEXEC);
	ASSERT_LE(0, self->wq);
}

FIXTURE_TEARDOWN(wq)
{
	close(self->wq);
	asyncrt_ring_exit(&self->ring);
}

TEST_F(wq, create_rejects_unknown_flags)
{
	EXPECT_EQ(-1, ioctl(self->ring.fd, ASYNCRT_IOC_WQ_CREATE, O_NONBLOCK));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(fcntl(self->wq, F_GETFD) & FD_CLOEXEC);
}

TEST_F(wq, wait_then_wake)
{
	struct asyncrt_cqe cqe;

	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, NULL, 0, 1);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &cqe, 20 * MSEC));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, self->wq, 0, 2);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		if (cqe.user_data == 2) {
			EXPECT_EQ(1, cqe.res);
		} else {
			EXPECT_EQ(1, cqe.user_data);
			EXPECT_EQ(0, cqe.res);
		}
	}
}

TEST_F(wq, wake_nobody_stores_nothing)
{
	struct asyncrt_cqe cqe;

	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, self->wq, 0, 1);
	EXPECT_EQ(0, run1(&self->ring, NULL));
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, NULL, 0, 2);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &cqe, 20 * MSEC));
}

TEST_F(wq, notify_stores_one_permit)
{
	struct asyncrt_cqe cqe;

	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_NOTIFY, self->wq, 0, 1);
	EXPECT_EQ(0, run1(&self->ring, NULL));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_NOTIFY, self->wq, 0, 1);
	EXPECT_EQ(0, run1(&self->ring, NULL));
	/* Two notifies, one permit: the first WAIT takes it at once... */
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, NULL, 0, 2);
	EXPECT_EQ(0, run1(&self->ring, NULL));
	/* ...and the second waits. */
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, NULL, 0, 3);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &cqe, 20 * MSEC));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_NOTIFY, self->wq, 0, 4);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(cqe.user_data == 4 ? 1 : 0, cqe.res);
	}
}

/*
 * A WAIT's 0 says whether NOTIFY gave it (woken, or the stored permit),
 * for a WAIT alone and for one with a timeout (a task): a WAKE's is no
 * permit, and whoever drops the wake-up must know which to pass on.
 */
static void wait_sqe(struct asyncrt_ring *ring, int wq, bool timed, uint64_t ud)
{
	struct asyncrt_sqe *sqe = asyncrt_get_sqe(ring);

	asyncrt_prep_wait(sqe, wq, NULL, 0, ud);
	if (timed) {
		sqe->flags |= ASYNCRT_SQE_TIMEOUT;
		sqe->timeout_ns = 30 * SEC;
	}
}

/* The next two completions, into c[0] (user_data @ud) and c[1] (the other). */
static int two_cqes(struct asyncrt_ring *ring, uint64_t ud, struct asyncrt_cqe *c)
{
	struct asyncrt_cqe cqe;

	for (int i = 0; i < 2; i++) {
		if (next_cqe(ring, &cqe, 30 * SEC))
			return -1;
		c[cqe.user_data != ud] = cqe;
	}
	return 0;
}

TEST_F(wq, wait_completion_says_whether_notify_woke_it)
{
	struct asyncrt_cqe c[2];

	ASSERT_TRUE(asyncrt_ring_has_feature(&self->ring, ASYNCRT_FEAT_CQE_NOTIFY));
	for (int timed = 0; timed < 2; timed++) {
		/* Woken by NOTIFY. */
		wait_sqe(&self->ring, self->wq, timed, 10);
		ASSERT_EQ(1, asyncrt_submit(&self->ring));
		sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_NOTIFY, self->wq, 0, 11);
		ASSERT_EQ(1, asyncrt_submit(&self->ring));
		ASSERT_EQ(0, two_cqes(&self->ring, 10, c));
		EXPECT_EQ(0, c[0].res);
		EXPECT_EQ(ASYNCRT_CQE_F_NOTIFY, c[0].flags) TH_LOG("timed %d", timed);
		EXPECT_EQ(1, c[1].res);
		EXPECT_EQ(0, c[1].flags);

		/* Woken by WAKE. */
		wait_sqe(&self->ring, self->wq, timed, 20);
		ASSERT_EQ(1, asyncrt_submit(&self->ring));
		sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, self->wq, 1, 21);
		ASSERT_EQ(1, asyncrt_submit(&self->ring));
		ASSERT_EQ(0, two_cqes(&self->ring, 20, c));
		EXPECT_EQ(0, c[0].res);
		EXPECT_EQ(0, c[0].flags) TH_LOG("timed %d", timed);
		EXPECT_EQ(1, c[1].res);

		/* The stored permit taken. */
		sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_NOTIFY, self->wq, 0, 30);
		EXPECT_EQ(0, run1(&self->ring, NULL));
		wait_sqe(&self->ring, self->wq, timed, 31);
		ASSERT_EQ(1, asyncrt_submit(&self->ring));
		ASSERT_EQ(0, next_cqe(&self->ring, &c[0], 30 * SEC));
		EXPECT_EQ(31, c[0].user_data);
		EXPECT_EQ(0, c[0].res);
		EXPECT_EQ(ASYNCRT_CQE_F_NOTIFY, c[0].flags) TH_LOG("timed %d", timed);
	}
}

/*
 * A linked WAIT takes the stored permit at submission; when its chain then
 * fails, it ends with -ECANCELED and must give the permit back.
 */
TEST_F(wq, permit_taken_by_failed_wait_is_passed_on)
{
	struct asyncrt_sqe *sqe;
	struct asyncrt_cqe cqe;

	asyncrt_prep_notify(asyncrt_get_sqe(&self->ring), self->wq, 1);
	EXPECT_EQ(0, run1(&self->ring, NULL));
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_sleep(sqe, 3600 * SEC, ASYNCRT_CLOCK_MONOTONIC, 0, 2);
	asyncrt_sqe_set_timeout(sqe, 20 * MSEC);
	sqe->flags |= ASYNCRT_SQE_LINK;
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, NULL, 0, 3);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(2, cqe.user_data);
	EXPECT_EQ(-ETIME, cqe.res);
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(3, cqe.user_data);
	EXPECT_EQ(-ECANCELED, cqe.res);
	/* The permit is back: the next WAIT takes it at once. */
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_wait(sqe, self->wq, NULL, 0, 4);
	asyncrt_sqe_set_timeout(sqe, 200 * MSEC);
	EXPECT_EQ(0, run1(&self->ring, NULL));
}

TEST_F(wq, wake_n_then_all)
{
	struct asyncrt_cqe cqe;
	int i, woken = 0;

	for (i = 0; i < 5; i++)
		asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, NULL, 0, 10 + i);
	ASSERT_EQ(5, asyncrt_submit(&self->ring));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, self->wq, 2, 1);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		if (cqe.user_data == 1) {
			EXPECT_EQ(2, cqe.res);
		} else {
			/* Oldest first. */
			EXPECT_EQ(10 + woken, cqe.user_data);
			woken++;
		}
	}
	EXPECT_EQ(2, woken);
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, self->wq, 0, 2);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		if (cqe.user_data == 2)
			EXPECT_EQ(3, cqe.res);
	}
}

/*
 * One WAKE of all the waiters of more instances than a waker defers the
 * wake-up of (ART_WAKEUPS, 8): each waits in its own thread and ENTER,
 * and every one of them must complete, whether it was woken after the
 * queue's lock or, past the eighth, under it.
 */
#define WAKE_ALL_THREADS	12

struct wake_all_arg {
	int wq;
	_Atomic int *queued;
	int res;
};

static void *wake_all_waiter(void *p)
{
	struct wake_all_arg *a = p;
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;

	a->res = -999;
	if (asyncrt_ring_init(&ring, 8))
		return NULL;
	asyncrt_prep_wait(asyncrt_get_sqe(&ring), a->wq, NULL, 0, 7);
	if (asyncrt_submit(&ring) == 1) {
		/* Queued: a WAIT alone is, once its ENTER returns. */
		atomic_fetch_add(a->queued, 1);
		if (!next_cqe(&ring, &cqe, 60 * SEC) && cqe.user_data == 7)
			a->res = cqe.res;
	}
	asyncrt_ring_exit(&ring);
	return NULL;
}

TEST_F(wq, wake_all_of_many_instances)
{
	struct wake_all_arg a[WAKE_ALL_THREADS];
	pthread_t t[WAKE_ALL_THREADS];
	_Atomic int queued = 0;
	int i;

	for (i = 0; i < WAKE_ALL_THREADS; i++) {
		a[i] = (struct wake_all_arg){ .wq = self->wq, .queued = &queued };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, wake_all_waiter, &a[i]));
	}
	for (i = 0; atomic_load(&queued) < WAKE_ALL_THREADS && i < 6000; i++)
		usleep(10000);
	ASSERT_EQ(WAKE_ALL_THREADS, atomic_load(&queued));
	/* Time to fall asleep in their ENTERs, not needed to pass. */
	usleep(100000);
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, self->wq, 0, 1);
	EXPECT_EQ(WAKE_ALL_THREADS, run1(&self->ring, NULL));
	for (i = 0; i < WAKE_ALL_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, a[i].res) TH_LOG("waiter %d", i);
	}
}

TEST_F(wq, compare_mismatch_eagain)
{
	uint32_t word = 5;

	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, &word, 4, 1);
	EXPECT_EQ(-EAGAIN, run1(&self->ring, NULL));
}

TEST_F(wq, bad_address_efault)
{
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, (uint32_t *)8, 0, 1);
	EXPECT_EQ(-EFAULT, run1(&self->ring, NULL));
}

/*
 * The word is read under the queue's lock with page faults disabled: a
 * word on a page not faulted in yet is faulted in and read again, not
 * reported as -EFAULT.
 */
TEST_F(wq, compare_word_on_untouched_page)
{
	struct asyncrt_cqe cqe;
	uint32_t *page;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, page, 1, 1);
	EXPECT_EQ(-EAGAIN, run1(&self->ring, NULL));
	ASSERT_EQ(0, munmap(page, 4096));

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, page, 0, 2);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &cqe, 20 * MSEC));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, self->wq, 0, 3);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(cqe.user_data == 2 ? 0 : 1, cqe.res);
	}
	ASSERT_EQ(0, munmap(page, 4096));
}

TEST_F(wq, bad_fds)
{
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), 9999, NULL, 0, 1);
	EXPECT_EQ(-EBADF, run1(&self->ring, NULL));
	/* A file that is not a wait queue. */
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->ring.fd, NULL, 0, 1);
	EXPECT_EQ(-EINVAL, run1(&self->ring, NULL));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, 0, 0, 1);
	EXPECT_EQ(-EINVAL, run1(&self->ring, NULL));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_NOTIFY, -1, 0, 1);
	EXPECT_EQ(-EBADF, run1(&self->ring, NULL));
}

/*
 * The instance keeps the queue its last WAKE woke and the one its last
 * bare WAIT waited on, to skip the fd lookup's atomics (art_waitq_cached(),
 * kmod/ring/waitq.c): each must still act on what its fd names now. Here
 * the fd number is closed and reused, by another queue, by nothing, and
 * by a file that is not a queue.
 */
static void wait_and_wake(struct __test_metadata *_metadata,
			  struct asyncrt_ring *ring, int fd, uint64_t user_data)
{
	struct asyncrt_cqe cqe;

	asyncrt_prep_wait(asyncrt_get_sqe(ring), fd, NULL, 0, user_data);
	ASSERT_EQ(1, asyncrt_submit(ring));
	EXPECT_EQ(-ETIME, next_cqe(ring, &cqe, 20 * MSEC));
	sqe_wake(asyncrt_get_sqe(ring), ASYNCRT_OP_WAKE, fd, 0, user_data + 1);
	ASSERT_EQ(1, asyncrt_submit(ring));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, next_cqe(ring, &cqe, 30 * SEC));
		/* The WAKE woke one: the WAIT, on the queue it named. */
		EXPECT_EQ(cqe.user_data == user_data + 1 ? 1 : 0, cqe.res);
	}
}

TEST_F(wq, wait_and_wake_follow_the_fd_not_the_queue_used_last)
{
	int fd = self->wq;

	wait_and_wake(_metadata, &self->ring, fd, 1);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(fd, ioctl(self->ring.fd, ASYNCRT_IOC_WQ_CREATE, O_CLOEXEC));
	wait_and_wake(_metadata, &self->ring, fd, 3);

	ASSERT_EQ(0, close(fd));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, fd, 0, 5);
	EXPECT_EQ(-EBADF, run1(&self->ring, NULL));
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), fd, NULL, 0, 6);
	EXPECT_EQ(-EBADF, run1(&self->ring, NULL));
	ASSERT_EQ(fd, dup2(self->ring.fd, fd));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, fd, 0, 7);
	EXPECT_EQ(-EINVAL, run1(&self->ring, NULL));
	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), fd, NULL, 0, 8);
	EXPECT_EQ(-EINVAL, run1(&self->ring, NULL));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_NOTIFY, fd, 0, 9);
	EXPECT_EQ(-EINVAL, run1(&self->ring, NULL));
	/* The fixture closes it. */
}

/*
 * Linked, a WAKE is refused a file that is not a queue at submission, as
 * it is unlinked, not when it runs: it must hold no reference meanwhile.
 */
TEST_F(wq, linked_wake_of_other_file_fails_the_chain)
{
	struct asyncrt_sqe *sqe;
	struct asyncrt_cqe cqe;
	int i, p[2];

	ASSERT_EQ(0, pipe(p));
	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_nop(sqe, 1);
	sqe->flags = ASYNCRT_SQE_LINK;
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, p[0], 0, 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	/* The NOP did not run: the chain failed as a malformed one does. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(cqe.user_data == 2 ? -EINVAL : -ECANCELED, cqe.res);
	}
	close(p[0]);
	close(p[1]);
}

TEST_F(wq, wait_cancel_leaves_queue)
{
	struct asyncrt_cqe cqe;

	asyncrt_prep_wait(asyncrt_get_sqe(&self->ring), self->wq, NULL, 0, 1);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	sqe_cancel(asyncrt_get_sqe(&self->ring), 1, 0, 2);
	ASSERT_EQ(1, asyncrt_submit(&self->ring));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(cqe.user_data == 1 ? -ECANCELED : 1, cqe.res);
	}
	/* The cancelled waiter is gone: a WAKE finds nobody. */
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, self->wq, 0, 3);
	EXPECT_EQ(0, run1(&self->ring, NULL));
}

/*
 * Ping-pong on a shared word between two parties: each waits while the
 * word holds the other's turn, then flips it and wakes, with a WAKE entry
 * or, @by_ioctl, with ASYNCRT_IOC_WQ_WAKE. With the compare value no round
 * can lose its wake-up, so all rounds finish.
 */
static int __pingpong(int wq, _Atomic uint32_t *word, uint32_t me, int rounds,
		      bool by_ioctl)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int i, ret;

	if (asyncrt_ring_init(&ring, 8))
		return -1;
	for (i = 0; i < rounds; i++) {
		while (atomic_load(word) != me) {
			asyncrt_prep_wait(asyncrt_get_sqe(&ring), wq, (uint32_t *)word, !me, 1);
			asyncrt_submit(&ring);
			ret = next_cqe(&ring, &cqe, 60 * SEC);
			if (ret || (cqe.res && cqe.res != -EAGAIN))
				return -2;
		}
		atomic_store(word, !me);
		if (by_ioctl) {
			if (asyncrt_wq_wake(wq, 0) < 0)
				return -4;
			continue;
		}
		sqe_wake(asyncrt_get_sqe(&ring), ASYNCRT_OP_WAKE, wq, 0, 2);
		asyncrt_submit(&ring);
		if (next_cqe(&ring, &cqe, 60 * SEC) || cqe.res < 0)
			return -3;
	}
	asyncrt_ring_exit(&ring);
	return 0;
}

static int pingpong(int wq, _Atomic uint32_t *word, uint32_t me, int rounds)
{
	return __pingpong(wq, word, me, rounds, false);
}

struct pp_arg {
	int wq;
	_Atomic uint32_t *word;
	bool by_ioctl;
	int ret;
};

static void *pp_thread(void *p)
{
	struct pp_arg *a = p;

	a->ret = __pingpong(a->wq, a->word, 1, 300, a->by_ioctl);
	return NULL;
}

static void pingpong_threads(struct __test_metadata *_metadata, int wq, bool by_ioctl)
{
	static _Atomic uint32_t word;
	struct pp_arg a = { .wq = wq, .word = &word, .by_ioctl = by_ioctl };
	pthread_t t;

	atomic_store(&word, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, pp_thread, &a));
	EXPECT_EQ(0, __pingpong(wq, &word, 0, 300, by_ioctl));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, a.ret);
}

static void pingpong_forked_child(struct __test_metadata *_metadata, int wq,
				  bool by_ioctl)
{
	_Atomic uint32_t *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, word);
	atomic_store(word, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(__pingpong(wq, word, 1, 300, by_ioctl) ? 1 : 0);
	EXPECT_EQ(0, __pingpong(wq, word, 0, 300, by_ioctl));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap(word, 4096);
}

TEST_F(wq, pingpong_threads)
{
	pingpong_threads(_metadata, self->wq, false);
}

TEST_F(wq, pingpong_forked_child)
{
	pingpong_forked_child(_metadata, self->wq, false);
}

TEST_F(wq, pingpong_threads_waking_by_ioctl)
{
	pingpong_threads(_metadata, self->wq, true);
}

TEST_F(wq, pingpong_forked_child_waking_by_ioctl)
{
	pingpong_forked_child(_metadata, self->wq, true);
}

/* A WAIT alone (no task), or with a timeout (a task), in flight as @ud. */
static int start_wait(struct asyncrt_ring *ring, int wq, bool timed, uint64_t ud)
{
	wait_sqe(ring, wq, timed, ud);
	return asyncrt_submit(ring);
}

TEST_F(wq, wake_ioctl_posts_the_waiters_completions)
{
	struct asyncrt_cqe c[2];

	ASSERT_TRUE(asyncrt_ring_has_feature(&self->ring, ASYNCRT_FEAT_WQ_IOCTL));
	ASSERT_EQ(1, start_wait(&self->ring, self->wq, false, 1));
	ASSERT_EQ(1, start_wait(&self->ring, self->wq, true, 2));
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &c[0], 20 * MSEC));
	/* No entry of ours: the only completions are the waiters'. */
	EXPECT_EQ(2, asyncrt_wq_wake(self->wq, 0));
	ASSERT_EQ(0, two_cqes(&self->ring, 1, c));
	EXPECT_EQ(1, c[0].user_data);
	EXPECT_EQ(0, c[0].res);
	EXPECT_EQ(0, c[0].flags);
	EXPECT_EQ(2, c[1].user_data);
	EXPECT_EQ(0, c[1].res);
	EXPECT_EQ(0, c[1].flags);
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &c[0], 20 * MSEC));
}

TEST_F(wq, wake_ioctl_wakes_n_oldest_first_then_all_and_stores_nothing)
{
	struct asyncrt_cqe cqe;

	for (uint64_t ud = 1; ud <= 4; ud++)
		ASSERT_EQ(1, start_wait(&self->ring, self->wq, false, ud));
	EXPECT_EQ(1, asyncrt_wq_wake(self->wq, 1));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(1, cqe.user_data);
	EXPECT_EQ(2, asyncrt_wq_wake(self->wq, 2));
	for (uint64_t ud = 2; ud <= 3; ud++) {
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
		EXPECT_EQ(ud, cqe.user_data);
	}
	EXPECT_EQ(1, asyncrt_wq_wake(self->wq, 0));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(4, cqe.user_data);
	/* Nobody left: woken none, and nothing kept for the next WAIT. */
	EXPECT_EQ(0, asyncrt_wq_wake(self->wq, 0));
	EXPECT_EQ(0, asyncrt_wq_wake(self->wq, 5));
	ASSERT_EQ(1, start_wait(&self->ring, self->wq, false, 5));
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &cqe, 20 * MSEC));
	EXPECT_EQ(1, asyncrt_wq_wake(self->wq, 1));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(5, cqe.user_data);
}

TEST_F(wq, notify_ioctl_stores_one_permit_and_marks_its_wakes)
{
	struct asyncrt_cqe cqe;

	EXPECT_EQ(0, asyncrt_wq_notify(self->wq));
	EXPECT_EQ(0, asyncrt_wq_notify(self->wq));
	/* Two notifies, one permit: the first WAIT takes it at once... */
	ASSERT_EQ(1, start_wait(&self->ring, self->wq, false, 1));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(1, cqe.user_data);
	EXPECT_EQ(0, cqe.res);
	EXPECT_EQ(ASYNCRT_CQE_F_NOTIFY, cqe.flags);
	/* ...the second waits, and the next notify wakes it, marked. */
	ASSERT_EQ(1, start_wait(&self->ring, self->wq, true, 2));
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, &cqe, 20 * MSEC));
	EXPECT_EQ(1, asyncrt_wq_notify(self->wq));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(2, cqe.user_data);
	EXPECT_EQ(0, cqe.res);
	EXPECT_EQ(ASYNCRT_CQE_F_NOTIFY, cqe.flags);
	/* A permit it stored is no wake: a WAKE entry still finds nobody. */
	EXPECT_EQ(0, asyncrt_wq_notify(self->wq));
	sqe_wake(asyncrt_get_sqe(&self->ring), ASYNCRT_OP_WAKE, self->wq, 0, 3);
	EXPECT_EQ(0, run1(&self->ring, NULL));
}

TEST_F(wq, queue_ioctls_refuse_what_they_do_not_know)
{
	int p[2];

	EXPECT_EQ(-1, ioctl(self->wq, ASYNCRT_IOC_WQ_NOTIFY, 1UL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->wq, _IO(ASYNCRT_IOC_MAGIC, 0x7f), 0UL));
	EXPECT_EQ(ENOTTY, errno);
	/* The instance's commands are not the queue's, nor the reverse. */
	EXPECT_EQ(-1, ioctl(self->wq, ASYNCRT_IOC_WQ_CREATE, 0UL));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-ENOTTY, asyncrt_wq_wake(self->ring.fd, 1));
	EXPECT_EQ(-ENOTTY, asyncrt_wq_notify(self->ring.fd));
	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-ENOTTY, asyncrt_wq_wake(p[0], 1));
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(-EBADF, asyncrt_wq_wake(p[0], 1));
	EXPECT_EQ(-EBADF, asyncrt_wq_notify(-1));
	/* None of it stored a permit. */
	ASSERT_EQ(1, start_wait(&self->ring, self->wq, false, 1));
	EXPECT_EQ(-ETIME, next_cqe(&self->ring, (struct asyncrt_cqe[1]){}, 20 * MSEC));
}

/* The waker needs the queue's fd and nothing else: no instance at all. */
TEST_F(wq, wake_ioctl_from_a_process_without_an_instance)
{
	struct asyncrt_cqe cqe;
	int status;
	pid_t pid;

	ASSERT_EQ(1, start_wait(&self->ring, self->wq, false, 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Close the inherited instance: the wake must not need it. */
		close(self->ring.fd);
		_exit(asyncrt_wq_wake(self->wq, 1) == 1 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, next_cqe(&self->ring, &cqe, 30 * SEC));
	EXPECT_EQ(1, cqe.user_data);
	EXPECT_EQ(0, cqe.res);
}

/* A waiter whose instance is gone is off the queue: the wake finds none. */
TEST_F(wq, wake_ioctl_after_the_waiters_instance_closed)
{
	struct asyncrt_ring other;

	ASSERT_EQ(0, asyncrt_ring_init(&other, 8));
	ASSERT_EQ(1, start_wait(&other, self->wq, false, 1));
	ASSERT_EQ(1, start_wait(&other, self->wq, true, 2));
	asyncrt_ring_exit(&other);
	EXPECT_EQ(0, asyncrt_wq_wake(self->wq, 0));
}

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	int fd;

	if (recvmsg(sock, &msg, 0) != 1 || !CMSG_FIRSTHDR(&msg))
		return -1;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(fd));
	return fd;
}

static int send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* The child creates nothing and inherits nothing but a socket. */
TEST(fd_passed_over_unix_socket)
{
	_Atomic uint32_t *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct asyncrt_ring ring;
	int sv[2], status, wq;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	atomic_store(word, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = recv_fd(sv[1]);

		_exit(fd < 0 || pingpong(fd, word, 1, 100) ? 1 : 0);
	}
	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	if (!(ring.features & ASYNCRT_FEAT_WAITQ))
		SKIP(return, "this module has no wait queues");
	wq = ioctl(ring.fd, ASYNCRT_IOC_WQ_CREATE, 0);
	ASSERT_LE(0, wq);
	ASSERT_EQ(0, send_fd(sv[0], wq));
	EXPECT_EQ(0, pingpong(wq, word, 0, 100));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(wq);
	asyncrt_ring_exit(&ring);
}

TEST_HARNESS_MAIN
