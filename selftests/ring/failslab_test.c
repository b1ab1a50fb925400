// SPDX-License-Identifier: GPL-2.0
/*
 * Description: allocation failure at every slab allocation the ring makes
 * for one program's worth of work (open, setup, a SLEEP, a NOP, a wait
 * queue, a WAIT with a timeout and one without, which has no task, a POLL,
 * a linked pair, close). Fail the 1st allocation,
 * then the 2nd, and so on until a run hits none: each step must either
 * succeed or fail with -ENOMEM (as its return or its completion), and the
 * harness's kmemleak scan after rmmod must find nothing. Needs the debug
 * kernel's FAILSLAB; elsewhere it skips and says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

#define FS "/sys/kernel/debug/failslab/"

static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/*
 * Fail the @nth slab allocation this thread makes from now on (0: none),
 * through the kernel's per-thread fail-nth (Documentation/fault-injection).
 */
static int arm(int nth)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", nth);
	return put("/proc/thread-self/fail-nth", buf);
}

/* Did the armed failure fire? fail-nth reads 0 once it has. */
static int fired(void)
{
	char buf[16] = "";
	int fd = open("/proc/thread-self/fail-nth", O_RDONLY);

	if (fd < 0)
		return 0;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return atoi(buf) == 0;
}

static int ok_or_enomem(long v)
{
	return v >= 0 || v == -ENOMEM;
}

/*
 * One program's worth of ring work. Returns 1 if every step succeeded, 0 if
 * some step failed with -ENOMEM only, -1 (with *what set) on anything else.
 */
static int workload(const char **what, const int *p)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	struct asyncrt_sqe *sqe;
	static uint32_t word = 1;
	int ret, clean = 1, wq, got = 0;

	ret = asyncrt_ring_init(&ring, 8);
	if (ret)
		return (*what = "ring init", ok_or_enomem(ret) ? 0 : -1);
	wq = ioctl(ring.fd, ASYNCRT_IOC_WQ_CREATE, O_CLOEXEC);
	if (wq < 0 && errno != ENOMEM)
		return (*what = "WQ_CREATE", -1);
	clean &= wq >= 0;

	asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 1000, 0, 0, 1);
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 2);
	sqe = asyncrt_get_sqe(&ring);
	sqe->opcode = ASYNCRT_OP_WAIT;
	sqe->fd = wq;
	sqe->user_data = 3;
	sqe->flags = ASYNCRT_SQE_TIMEOUT;
	sqe->timeout_ns = 1000;
	sqe = asyncrt_get_sqe(&ring);
	sqe->opcode = ASYNCRT_OP_POLL;
	sqe->fd = p[1];
	sqe->events = 4;	/* POLLOUT: ready at once */
	sqe->user_data = 4;
	asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 1000, 0, 0, 5);
	ring.sq.sqes[(ring.sq.sqe_tail - 1) & ring.sq.mask].flags = ASYNCRT_SQE_LINK;
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 6);
	/* A lone WAIT (no task) whose compare fails: -EAGAIN once allocated. */
	asyncrt_prep_wait(asyncrt_get_sqe(&ring), wq, &word, 0, 7);
	ret = asyncrt_submit(&ring);
	if (ret != 7)
		return (*what = "submit", -1);
	while (got < 7 && !next_cqe(&ring, &cqe, 30 * SEC)) {
		got++;
		if (cqe.res == -EAGAIN && cqe.user_data == 7)
			continue;
		/* WAIT times out; a chain with a failed member is cancelled. */
		if (cqe.res == -ETIME && cqe.user_data == 3)
			continue;
		if (cqe.res == -ECANCELED && cqe.user_data >= 5) {
			clean = 0;
			continue;
		}
		if (!ok_or_enomem(cqe.res) &&
		    !(wq < 0 && (cqe.user_data == 3 || cqe.user_data == 7) && cqe.res == -EBADF)) {
			*what = "a completion";
			return -1;
		}
		clean &= cqe.res >= 0;
	}
	if (got != 7)
		return (*what = "completions lost", -1);
	if (wq >= 0)
		close(wq);
	asyncrt_ring_exit(&ring);
	return clean;
}

TEST(every_allocation_fails_cleanly)
{
	const char *what = NULL;
	int nth, ret = 0, failed_runs = 0, p[2];

	if (access(FS "probability", W_OK))
		SKIP(return, "no failslab here (CONFIG_FAILSLAB is only in the debug kernel)");
	/* fail-nth decides; failslab must only not exempt GFP_KERNEL. */
	ASSERT_EQ(0, put(FS "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, put(FS "verbose", "0"));

	ASSERT_EQ(0, pipe(p));

	/* Fail allocation 1, 2, ... until one run makes fewer allocations. */
	for (nth = 1; nth < 2000; nth++) {
		int hit;

		ASSERT_EQ(0, arm(nth));
		ret = workload(&what, p);
		hit = fired();
		arm(0);
		ASSERT_LE(0, ret) TH_LOG("failing allocation %d: %s went wrong", nth, what);
		if (!hit) {
			EXPECT_EQ(1, ret) TH_LOG("nothing failed, yet the run was not clean");
			break;
		}
		failed_runs += !ret;
	}
	TH_LOG("%d allocations failed one at a time; %d of those runs saw -ENOMEM",
	       nth - 1, failed_runs);
	EXPECT_LT(nth, 2000);
	EXPECT_LT(0, failed_runs);
	put(FS "ignore-gfp-wait", "Y");
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN
