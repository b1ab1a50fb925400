// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the rings are shared with a hostile process. Random bytes in
 * every SQE, while another thread scribbles random values over the ring
 * indices and the SQ array, for a bounded time: the kernel must neither
 * crash nor warn (the harness reads the log), every ENTER returns a count
 * or an errno, and closing the instance afterwards frees everything. Also
 * the per-instance in-flight limit and absurd ENTER arguments.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64*: reproducible from the seed printed in the log. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

struct scribbler {
	struct asyncrt_ring *ring;
	_Atomic int stop;
	uint64_t seed;
};

static void *scribble(void *p)
{
	struct scribbler *s = p;
	struct asyncrt_ring *ring = s->ring;

	while (!atomic_load(&s->stop)) {
		uint64_t r = rnd(&s->seed);

		switch (r % 4) {
		case 0:
			atomic_store(ring->sq.ktail, (uint32_t)(r >> 8));
			break;
		case 1:
			atomic_store(ring->cq.khead, (uint32_t)(r >> 8));
			break;
		default:
			ring->sq.array[(r >> 8) & ring->sq.mask] = (uint32_t)(r >> 20);
		}
	}
	return NULL;
}

TEST(random_sqes_and_scribbled_indices)
{
	struct asyncrt_params p = { .sq_entries = 64, .cq_entries = 128 };
	struct scribbler s = { .seed = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid() };
	uint64_t seed = s.seed * 3, t0;
	struct asyncrt_ring ring;
	pthread_t t;
	long enters = 0, errors = 0;

	TH_LOG("seed %#llx", (unsigned long long)s.seed);
	ASSERT_EQ(0, asyncrt_ring_init_params(&ring, &p));
	s.ring = &ring;
	ASSERT_EQ(0, pthread_create(&t, NULL, scribble, &s));
	t0 = now_ns(CLOCK_MONOTONIC);
	while (now_ns(CLOCK_MONOTONIC) - t0 < 3 * SEC) {
		struct asyncrt_enter e = { 0 };
		uint64_t *w = (uint64_t *)ring.sq.sqes;
		unsigned int i;
		int ret;

		for (i = 0; i < 64 * 8; i++) {
			uint64_t r = rnd(&seed);

			/* Mostly valid opcodes and small fields, so deep paths run. */
			if (i % 8 == 0)
				r = (r & ~0xffULL) | (r % (ASYNCRT_OP_LAST + 2));
			if (r & 1)
				r &= 0xffff00ffULL;
			w[i] = r;
		}
		e.to_submit = rnd(&seed) % 4 ? rnd(&seed) % 80 : ~0U;
		e.min_complete = rnd(&seed) % 200;
		e.flags = ASYNCRT_ENTER_GETEVENTS | ASYNCRT_ENTER_TIMEOUT;
		e.timeout_ns = 100000;
		ret = ioctl(ring.fd, ASYNCRT_IOC_ENTER, &e);
		ASSERT_TRUE(ret >= 0 || errno == EBUSY || errno == ETIME || errno == EINTR)
			TH_LOG("ENTER: %s", strerror(errno));
		enters++;
		errors += ret < 0;
	}
	atomic_store(&s.stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%ld ENTERs, %ld returned an errno, %u dropped", enters, errors,
	       *ring.sq.kdropped);
	EXPECT_LT(0, enters);
	asyncrt_ring_exit(&ring);
}

TEST(inflight_limit_is_a_clear_error)
{
	struct asyncrt_params p = { .sq_entries = 8, .max_inflight = 4 };
	struct asyncrt_ring ring;
	int i;

	ASSERT_EQ(0, asyncrt_ring_init_params(&ring, &p));
	EXPECT_EQ(4, p.max_inflight);
	for (i = 0; i < 6; i++)
		asyncrt_prep_sleep(asyncrt_get_sqe(&ring), 3600 * SEC, 0, 0, i);
	EXPECT_EQ(4, asyncrt_submit(&ring));
	EXPECT_EQ(-EBUSY, asyncrt_submit(&ring));
	EXPECT_EQ(2, asyncrt_sq_pending(&ring));
	asyncrt_ring_exit(&ring);
}

TEST(enter_with_absurd_counts)
{
	struct asyncrt_ring ring;
	struct asyncrt_enter e = {
		.to_submit = ~0U,
		.min_complete = ~0U,
		.flags = ASYNCRT_ENTER_GETEVENTS | ASYNCRT_ENTER_TIMEOUT,
		.timeout_ns = 10 * MSEC,
	};

	ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
	/* Nothing queued: nothing consumed, and the wait times out. */
	EXPECT_EQ(-1, ioctl(ring.fd, ASYNCRT_IOC_ENTER, &e));
	EXPECT_EQ(ETIME, errno);
	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 1);
	asyncrt_sq_flush(&ring);
	EXPECT_EQ(1, ioctl(ring.fd, ASYNCRT_IOC_ENTER, &e));
	asyncrt_ring_exit(&ring);
}

TEST_HARNESS_MAIN
