/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers the ring tests share: reap into an array, clocks in ns,
 * and a CANCEL with any op_flags (the tests need malformed ones too). The
 * other entries are prepared with libasyncrt's asyncrt_prep_*().
 */
#ifndef _ASYNCRT_SELFTESTS_RING_UTIL_H
#define _ASYNCRT_SELFTESTS_RING_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asyncrt.h"

/* A "key value" or "key:\tvalue" line of a stats or fdinfo file, or -1. */
static inline long long field(const char *path, const char *key)
{
	char line[256];
	long long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && (line[n] == ':' || line[n] == ' ')) {
			v = strtoll(line + n + 1, NULL, 0);
			break;
		}
	}
	fclose(f);
	return v;
}

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

static inline void sqe_cancel(struct asyncrt_sqe *sqe, uint64_t target,
			      uint32_t flags, uint64_t user_data)
{
	asyncrt_prep_cancel(sqe, target, user_data);
	sqe->op_flags = flags;
}

/*
 * Queue one mixed round of 16 entries, user_data 0..15: NOPs and malformed
 * entries (completed by the submission path itself), SLEEPs of @sleep_ns
 * (completed by the instance's worker) and CANCELs of nothing.
 */
static inline void queue_mixed_round(struct asyncrt_ring *ring, uint64_t sleep_ns)
{
	for (int j = 0; j < 16; j++) {
		struct asyncrt_sqe *sqe = asyncrt_get_sqe(ring);

		switch (j % 4) {
		case 0:
			asyncrt_prep_nop(sqe, j);
			break;
		case 1:
			asyncrt_prep_sleep(sqe, sleep_ns, 0, 0, j);
			break;
		case 2:
			sqe->opcode = 77;
			sqe->user_data = j;
			break;
		default:
			sqe_cancel(sqe, 12345, 0, j);
		}
	}
}

#define SEC	1000000000ULL
#define MSEC	1000000ULL

#endif /* _ASYNCRT_SELFTESTS_RING_UTIL_H */
