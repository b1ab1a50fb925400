/* SPDX-License-Identifier: MIT */
/*
 * libasyncrt: the thin layer over /dev/asyncrt (the liburing of asyncrt).
 *
 * The hot path (get an SQE, prepare it, peek a CQE, mark it seen) is inline
 * here; lib/ring.c holds only setup and system calls. Ring indices shared
 * with the kernel use C11 acquire/release; each names the kernel access it
 * pairs with (kmod/ring/ring.c). Errors are negative errno values.
 */
#ifndef _ASYNCRT_H
#define _ASYNCRT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/asyncrt.h>

#ifdef __cplusplus
extern "C" {
#endif

struct asyncrt_sq {
	_Atomic uint32_t *khead;	/* kernel writes */
	_Atomic uint32_t *ktail;	/* we write */
	uint32_t *kdropped;
	uint32_t *array;
	struct asyncrt_sqe *sqes;
	uint32_t mask;
	uint32_t entries;
	uint32_t sqe_tail;		/* next SQE handed out, not yet published */
};

struct asyncrt_cq {
	_Atomic uint32_t *khead;	/* we write */
	_Atomic uint32_t *ktail;	/* kernel writes */
	uint32_t *kheld;
	struct asyncrt_cqe *cqes;
	uint32_t mask;
	uint32_t entries;
};

struct asyncrt_ring {
	int fd;
	uint32_t features;
	uint32_t max_inflight;
	struct asyncrt_sq sq;
	struct asyncrt_cq cq;
	void *rings_ptr;
	size_t rings_size;
	void *sqes_ptr;
	size_t sqes_size;
};

/* ring.c: setup, teardown and system calls */
int asyncrt_ring_init(struct asyncrt_ring *ring, unsigned int entries);
int asyncrt_ring_init_params(struct asyncrt_ring *ring, struct asyncrt_params *p);
void asyncrt_ring_exit(struct asyncrt_ring *ring);
int asyncrt_submit(struct asyncrt_ring *ring);
int asyncrt_submit_and_wait(struct asyncrt_ring *ring, unsigned int wait_nr);
int asyncrt_wait_cqe_timeout(struct asyncrt_ring *ring, struct asyncrt_cqe **cqe,
			     uint64_t timeout_ns);
int asyncrt_wait_cqe(struct asyncrt_ring *ring, struct asyncrt_cqe **cqe);
const char *asyncrt_strerror_hint(int err);

/* SQEs handed out by get_sqe but not yet given to the kernel. */
static inline uint32_t asyncrt_sq_pending(const struct asyncrt_ring *ring)
{
	/* Pairs with the kernel's release store of sq_head in art_ring_submit(). */
	return ring->sq.sqe_tail - atomic_load_explicit(ring->sq.khead, memory_order_acquire);
}

/* A zeroed SQE, or NULL when the SQ is full. */
static inline struct asyncrt_sqe *asyncrt_get_sqe(struct asyncrt_ring *ring)
{
	struct asyncrt_sq *sq = &ring->sq;
	struct asyncrt_sqe *sqe;

	if (asyncrt_sq_pending(ring) >= sq->entries)
		return NULL;
	sqe = &sq->sqes[sq->sqe_tail & sq->mask];
	sq->array[sq->sqe_tail & sq->mask] = sq->sqe_tail & sq->mask;
	sq->sqe_tail++;
	memset(sqe, 0, sizeof(*sqe));
	return sqe;
}

/* Publish every SQE handed out so far; returns how many are unsubmitted. */
static inline uint32_t asyncrt_sq_flush(struct asyncrt_ring *ring)
{
	/* Pairs with the kernel's acquire load of sq_tail in art_ring_submit(). */
	atomic_store_explicit(ring->sq.ktail, ring->sq.sqe_tail, memory_order_release);
	return asyncrt_sq_pending(ring);
}

/* The next CQE, or NULL. Does not consume it: call asyncrt_cqe_seen(). */
static inline struct asyncrt_cqe *asyncrt_peek_cqe(struct asyncrt_ring *ring)
{
	struct asyncrt_cq *cq = &ring->cq;
	uint32_t head = atomic_load_explicit(cq->khead, memory_order_relaxed);
	/* Pairs with the kernel's release store of cq_tail in art_ring_post(). */
	uint32_t tail = atomic_load_explicit(cq->ktail, memory_order_acquire);

	if (head == tail)
		return NULL;
	return &cq->cqes[head & cq->mask];
}

static inline uint32_t asyncrt_cq_ready(const struct asyncrt_ring *ring)
{
	return atomic_load_explicit(ring->cq.ktail, memory_order_acquire) -
	       atomic_load_explicit(ring->cq.khead, memory_order_relaxed);
}

static inline void asyncrt_cq_advance(struct asyncrt_ring *ring, uint32_t n)
{
	uint32_t head = atomic_load_explicit(ring->cq.khead, memory_order_relaxed);

	/* Pairs with the kernel's acquire load of cq_head in art_cq_unreaped(). */
	atomic_store_explicit(ring->cq.khead, head + n, memory_order_release);
}

static inline void asyncrt_cqe_seen(struct asyncrt_ring *ring, struct asyncrt_cqe *cqe)
{
	(void)cqe;
	asyncrt_cq_advance(ring, 1);
}

static inline void asyncrt_prep_nop(struct asyncrt_sqe *sqe, uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_NOP;
	sqe->user_data = user_data;
}

#ifdef __cplusplus
}
#endif

#endif /* _ASYNCRT_H */
