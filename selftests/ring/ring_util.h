/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers the ring tests share: reap into an array, clocks in ns,
 * and prep helpers for entries the tests build by hand.
 */
#ifndef _ASYNCRT_SELFTESTS_RING_UTIL_H
#define _ASYNCRT_SELFTESTS_RING_UTIL_H

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "asyncrt.h"

static inline uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Copy out and consume up to @max ready completions. */
static inline int reap(struct asyncrt_ring *ring, struct asyncrt_cqe *out, int max)
{
	struct asyncrt_cqe *cqe;
	int n = 0;

	while (n < max && (cqe = asyncrt_peek_cqe(ring))) {
		out[n++] = *cqe;
		asyncrt_cqe_seen(ring, cqe);
	}
	return n;
}

/* Wait for and consume one completion; 0 or a negative errno. */
static inline int next_cqe(struct asyncrt_ring *ring, struct asyncrt_cqe *out,
			   uint64_t timeout_ns)
{
	struct asyncrt_cqe *cqe;
	int ret = asyncrt_wait_cqe_timeout(ring, &cqe, timeout_ns);

	if (ret)
		return ret;
	*out = *cqe;
	asyncrt_cqe_seen(ring, cqe);
	return 0;
}

static inline void sqe_sleep(struct asyncrt_sqe *sqe, uint64_t ns, uint8_t clock,
			     uint32_t flags, uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_SLEEP;
	sqe->ns = ns;
	sqe->clock = clock;
	sqe->op_flags = flags;
	sqe->user_data = user_data;
}

static inline void sqe_cancel(struct asyncrt_sqe *sqe, uint64_t target,
			      uint32_t flags, uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_CANCEL;
	sqe->target = target;
	sqe->op_flags = flags;
	sqe->user_data = user_data;
}

#define SEC	1000000000ULL
#define MSEC	1000000ULL

#endif /* _ASYNCRT_SELFTESTS_RING_UTIL_H */
