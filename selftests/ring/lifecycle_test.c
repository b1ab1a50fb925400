// SPDX-License-Identifier: GPL-2.0
/*
 * Description: instances and the module's life: rmmod is refused while an
 * instance is open; fork shares an instance (the child submits through the
 * inherited mapping and both see one CQ); an instance outlives a close of
 * its fd while mapped; many threads submit to one instance under a lock
 * and every entry completes once; a linked WAKE or NOTIFY naming the
 * instance's own fd is refused at submission, so it cannot keep the
 * instance alive after exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

TEST(rmmod_refused_while_open)
{
	struct asyncrt_ring ring;
	int status;

	if (access("/proc/modules", R_OK) || system("grep -q '^asyncrt ' /proc/modules"))
		SKIP(return, "asyncrt is not a loaded module here");
	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	status = system("rmmod asyncrt 2>/dev/null");
	EXPECT_NE(0, status);
	EXPECT_EQ(0, system("grep -q '^asyncrt ' /proc/modules"));
	EXPECT_EQ(0, access(ASYNCRT_DEVICE, F_OK));
	asyncrt_ring_exit(&ring);
}

TEST(fork_shares_the_instance)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int status;
	pid_t pid;

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		asyncrt_prep_nop(asyncrt_get_sqe(&ring), 0xc41d);
		_exit(asyncrt_submit(&ring) == 1 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* The child's entry completed into the CQ we share. */
	ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
	EXPECT_EQ(0xc41d, cqe.user_data);
	/* The child's view of the SQ moved ours: resynchronise, as documented. */
	ring.sq.sqe_tail = atomic_load(ring.sq.ktail);
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 1);
	EXPECT_EQ(1, asyncrt_submit(&ring));
	asyncrt_ring_exit(&ring);
}

TEST(child_exit_cancels_nothing_of_the_parent)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int status;
	pid_t pid;

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 50 * MSEC, 0, 0, 5);
	ASSERT_EQ(1, asyncrt_submit(&ring));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);	/* drops its fd and mappings: not the last ones */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
	EXPECT_EQ(5, cqe.user_data);
	EXPECT_EQ(0, cqe.res);
	asyncrt_ring_exit(&ring);
}

TEST(instance_lives_while_mapped)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int fd2;

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	fd2 = dup(ring.fd);
	close(ring.fd);
	ring.fd = fd2;
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 3);
	ASSERT_EQ(1, asyncrt_submit(&ring));
	ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
	EXPECT_EQ(3, cqe.user_data);
	asyncrt_ring_exit(&ring);
}

struct shared {
	struct asyncrt_ring ring;
	pthread_mutex_t lock;
	_Atomic int submitted;
};

static void *submitter(void *p)
{
	struct shared *s = p;
	int i;

	for (i = 0; i < 500; i++) {
		pthread_mutex_lock(&s->lock);
		struct asyncrt_sqe *sqe = asyncrt_get_sqe(&s->ring);

		if (sqe) {
			asyncrt_prep_nop(sqe, 1);
			if (asyncrt_submit(&s->ring) == 1)
				atomic_fetch_add(&s->submitted, 1);
			else
				s->ring.sq.sqe_tail--;
		}
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

TEST(many_threads_one_instance)
{
	struct asyncrt_params p = { .sq_entries = 64, .cq_entries = 4096 };
	static struct shared s;
	struct asyncrt_cqe cqe;
	pthread_t t[8];
	int i, got = 0;

	ASSERT_EQ(0, asyncrt_ring_init_params(&s.ring, &p));
	pthread_mutex_init(&s.lock, NULL);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, submitter, &s));
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(4000, atomic_load(&s.submitted));
	while (!next_cqe(&s.ring, &cqe, 100 * MSEC))
		got++;
	EXPECT_EQ(atomic_load(&s.submitted), got);
	asyncrt_ring_exit(&s.ring);
}

static const char *stats = "/sys/kernel/debug/asyncrt/stats";

/* Submit [@head | LINK, @op fd=@fd]; 0 if @op fails with -EINVAL, @head cancelled. */
static int linked_op_refused(struct asyncrt_ring *ring, struct asyncrt_sqe *head,
			     int op, int fd)
{
	struct asyncrt_sqe *sqe;
	struct asyncrt_cqe cqe;
	int i, bad = 0;

	head->flags |= ASYNCRT_SQE_LINK;
	head->user_data = 1;
	sqe = asyncrt_get_sqe(ring);
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->user_data = 2;
	if (asyncrt_submit(ring) != 2)
		return -1;
	for (i = 0; i < 2; i++) {
		/* Bounded: unfixed, neither entry ever completes. */
		if (next_cqe(ring, &cqe, 5 * SEC))
			return -1;
		if (cqe.res != (cqe.user_data == 2 ? -EINVAL : -ECANCELED))
			bad++;
	}
	return bad;
}

/*
 * A WAKE or NOTIFY that a link defers used to take a reference to any
 * file at submission; naming the instance's own fd, behind an entry that
 * never ends, that reference kept the instance open after its process
 * exited, with its tasks, pages and worker, and the module pinned.
 */
TEST(linked_wake_of_own_fd_does_not_pin_the_instance)
{
	long long before = field(stats, "instances_open"), now = -1;
	int status, i;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct asyncrt_ring ring;
		struct asyncrt_sqe *sqe;
		int wq, bad = 0;

		if (asyncrt_ring_init(&ring, 8))
			_exit(2);
		wq = ioctl(ring.fd, ASYNCRT_IOC_WQ_CREATE, O_CLOEXEC);
		if (wq < 0)
			_exit(3);
		sqe = asyncrt_get_sqe(&ring);
		asyncrt_prep_sleep(sqe, 3600 * SEC, 0, 0, 0);
		bad |= linked_op_refused(&ring, sqe, ASYNCRT_OP_WAKE, ring.fd);
		sqe = asyncrt_get_sqe(&ring);
		asyncrt_prep_wait(sqe, wq, NULL, 0, 0);
		bad |= linked_op_refused(&ring, sqe, ASYNCRT_OP_NOTIFY, ring.fd);
		/* Exit with the instance open: exit's close must free it. */
		_exit(bad ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	if (before < 0)
		SKIP(return, "no %s (debugfs not mounted?)", stats);
	/* The last fput() may release the instance a little later. */
	for (i = 0; i < 100; i++) {
		now = field(stats, "instances_open");
		if (now <= before)
			break;
		usleep(50 * 1000);
	}
	EXPECT_EQ(before, now);
}

TEST_HARNESS_MAIN
