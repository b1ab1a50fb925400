// SPDX-License-Identifier: GPL-2.0
/*
 * Description: many rounds of mixed batches (NOPs and malformed entries
 * completed by the submission path itself, short SLEEPs completed by the
 * instance's worker, CANCELs of nothing): every entry of every round must
 * complete exactly once. A regression test for a completion that went
 * missing once in CI.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "ring_util.h"

TEST(mixed_batches_complete_exactly_once)
{
	struct asyncrt_params p = { .sq_entries = 64, .cq_entries = 256 };
	struct asyncrt_ring ring;
	struct asyncrt_cqe cqe;
	int round, j;

	ASSERT_EQ(0, asyncrt_ring_init_params(&ring, &p));
	for (round = 0; round < 2000; round++) {
		unsigned int seen = 0;

		queue_mixed_round(&ring, 1000 * (round % 7));
		ASSERT_EQ(16, asyncrt_submit(&ring));
		for (j = 0; j < 16; j++) {
			ASSERT_EQ(0, next_cqe(&ring, &cqe, 30 * SEC))
				TH_LOG("round %d: %d of 16 completions, seen mask %#x, ready %u",
				       round, j, seen, asyncrt_cq_ready(&ring));
			ASSERT_GT(16, cqe.user_data);
			ASSERT_FALSE(seen & (1U << cqe.user_data)) TH_LOG("duplicate");
			seen |= 1U << cqe.user_data;
		}
	}
	asyncrt_ring_exit(&ring);
}

TEST_HARNESS_MAIN
