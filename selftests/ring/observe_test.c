// SPDX-License-Identifier: GPL-2.0
/*
 * Description: what an operator can see: /proc/<pid>/fdinfo shows the
 * ring's heads, tails and in-flight count; debugfs shows module-wide
 * counters; the asyncrt:* tracepoints follow a future from submit to
 * completion; and no completion, shared ring field or fdinfo value ever
 * carries a kernel address.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

/* Value of "key:\t<n>" in a text file, or -1. */
static int is_kernel_address(uint64_t v)
{
	return v >= 0xffff800000000000ULL;
}

TEST(fdinfo_shows_ring_state)
{
	struct asyncrt_ring ring;
	char path[64];
	int i;

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 16));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ring.fd);
	EXPECT_EQ(16, field(path, "sq-entries"));
	EXPECT_EQ(32, field(path, "cq-entries"));
	EXPECT_EQ(0, field(path, "inflight"));
	for (i = 0; i < 5; i++)
		asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 3600 * SEC, 0, 0, i);
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 9);
	ASSERT_EQ(6, asyncrt_submit(&ring));
	EXPECT_EQ(6, field(path, "sq-head"));
	EXPECT_EQ(6, field(path, "sq-tail"));
	EXPECT_EQ(1, field(path, "cq-tail"));
	EXPECT_EQ(5, field(path, "inflight"));
	EXPECT_LE(1, field(path, "asyncrt-instance"));
	asyncrt_ring_exit(&ring);
}

TEST(debugfs_counts_instances_and_entries)
{
	const char *stats = "/sys/kernel/debug/asyncrt/stats";
	long long open0, sub0, comp0;
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;

	if (access(stats, R_OK))
		SKIP(return, "no %s (debugfs not mounted?)", stats);
	open0 = field(stats, "instances_open");
	sub0 = field(stats, "submitted");
	comp0 = field(stats, "completed");
	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	EXPECT_EQ(open0 + 1, field(stats, "instances_open"));
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 1);
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 2);
	ASSERT_EQ(2, asyncrt_submit_and_wait(&ring, 2));
	ASSERT_EQ(0, next_cqe(&ring, &cqe, SEC));
	EXPECT_LE(sub0 + 2, field(stats, "submitted"));
	EXPECT_LE(comp0 + 2, field(stats, "completed"));
	asyncrt_ring_exit(&ring);
	EXPECT_EQ(open0, field(stats, "instances_open"));
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	int ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -EIO;
}

TEST(tracepoints_follow_a_future)
{
	const char *t = "/sys/kernel/tracing";
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	char path[128], buf[65536];
	ssize_t n;
	int fd;

	mkdir(t, 0755);
	mount("tracefs", t, "tracefs", 0, NULL);
	snprintf(path, sizeof(path), "%s/events/asyncrt/enable", t);
	if (access(path, W_OK))
		SKIP(return, "no asyncrt tracepoints here (tracing off in this kernel?)");
	snprintf(path, sizeof(path), "%s/trace", t);
	ASSERT_EQ(0, write_file(path, ""));
	snprintf(path, sizeof(path), "%s/events/asyncrt/enable", t);
	ASSERT_EQ(0, write_file(path, "1"));

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 3600 * SEC, 0, 0, 0xabc);
	sqe_cancel(asyncrt_get_sqe(&ring), 0xabc, 0, 0xdef);
	ASSERT_EQ(2, asyncrt_submit(&ring));
	ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
	ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
	asyncrt_ring_exit(&ring);
	ASSERT_EQ(0, write_file(path, "0"));

	snprintf(path, sizeof(path), "%s/trace", t);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_LT(0, n);
	buf[n] = 0;
	EXPECT_NE(NULL, strstr(buf, "asyncrt_submit: instance="));
	EXPECT_NE(NULL, strstr(buf, "opcode=1 flags=0x0 user_data=0xabc"));
	EXPECT_NE(NULL, strstr(buf, "asyncrt_cancel:"));
	EXPECT_NE(NULL, strstr(buf, "user_data=0xabc res=-125"));
	EXPECT_NE(NULL, strstr(buf, "user_data=0xdef res=1"));
}

TEST(no_kernel_address_in_shared_memory)
{
	struct asyncrt_params p = { .sq_entries = 64, .cq_entries = 256 };
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	uint64_t *w;
	size_t i;
	int round, j;

	ASSERT_EQ(0, asyncrt_ring_init_params(&ring, &p));
	/* Exercise every path that writes shared memory. */
	for (round = 0; round < 4; round++) {
		queue_mixed_round(&ring, 1000);
		ASSERT_EQ(16, asyncrt_submit(&ring));
		for (j = 0; j < 16; j++) {
			ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
			EXPECT_FALSE(is_kernel_address(cqe.user_data));
			EXPECT_GT(16, cqe.user_data);
		}
	}
	w = ring.rings_ptr;
	for (i = 0; i < ring.rings_size / 8; i++)
		ASSERT_FALSE(is_kernel_address(w[i])) TH_LOG("word %zu: %#lx", i, (unsigned long)w[i]);
	asyncrt_ring_exit(&ring);
}

TEST(poll_on_an_instance_refused)
{
	struct asyncrt_ring ring;
	struct asyncrt_sqe *sqe;
	struct asyncrt_cqe cqe;

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	sqe = asyncrt_get_sqe(&ring);
	sqe->opcode = ASYNCRT_OP_POLL;
	sqe->fd = ring.fd;
	sqe->events = 1;
	ASSERT_EQ(1, asyncrt_submit(&ring));
	ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC));
	EXPECT_EQ(-EINVAL, cqe.res);
	asyncrt_ring_exit(&ring);
}

TEST_HARNESS_MAIN
