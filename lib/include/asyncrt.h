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
int asyncrt_submit_and_wait_timeout(struct asyncrt_ring *ring, unsigned int wait_nr,
				    uint64_t timeout_ns);
int asyncrt_wait_cqe_timeout(struct asyncrt_ring *ring, struct asyncrt_cqe **cqe,
			     uint64_t timeout_ns);
int asyncrt_wait_cqe(struct asyncrt_ring *ring, struct asyncrt_cqe **cqe);
const char *asyncrt_strerror_hint(int err);
int asyncrt_wq_create(struct asyncrt_ring *ring, int flags);
int asyncrt_wq_wake(int wqfd, unsigned int n);	/* woken, or -errno */
int asyncrt_wq_notify(int wqfd);		/* 1 if one woke, 0 if stored */
int asyncrt_probe_ops(uint32_t *ops);

/* Opcodes this module implements, as (1U << ASYNCRT_OP_*), from a probe. */
#define ASYNCRT_OP_BIT(op)	(1U << (op))

/* True when setup advertised every bit of @feat (ASYNCRT_FEAT_*). */
static inline int asyncrt_ring_has_feature(const struct asyncrt_ring *ring, uint32_t feat)
{
	return (ring->features & feat) == feat;
}

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

/*
 * Up to @count completions at once, without consuming them: hand them back
 * with asyncrt_cq_advance(ring, n). Returns how many were stored in @cqes.
 */
static inline unsigned int asyncrt_peek_batch_cqe(struct asyncrt_ring *ring,
						  struct asyncrt_cqe **cqes,
						  unsigned int count)
{
	struct asyncrt_cq *cq = &ring->cq;
	uint32_t head = atomic_load_explicit(cq->khead, memory_order_relaxed);
	/* Pairs with the kernel's release store of cq_tail in art_ring_post(). */
	uint32_t ready = atomic_load_explicit(cq->ktail, memory_order_acquire) - head;
	unsigned int i;

	if (ready > count)
		ready = count;
	for (i = 0; i < ready; i++)
		cqes[i] = &cq->cqes[(head + i) & cq->mask];
	return ready;
}

/*
 * Prep helpers: one per opcode, each filling every field the opcode takes
 * and leaving the rest zero (asyncrt_get_sqe() zeroes the entry), so the
 * kernel's "unused fields must be zero" rule holds by construction.
 */
static inline void asyncrt_prep_nop(struct asyncrt_sqe *sqe, uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_NOP;
	sqe->user_data = user_data;
}

/* SLEEP for @ns on @clock, or until @ns with ASYNCRT_TIMER_ABS in @flags. */
static inline void asyncrt_prep_sleep(struct asyncrt_sqe *sqe, uint64_t ns,
				      uint8_t clock, uint32_t flags,
				      uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_SLEEP;
	sqe->clock = clock;
	sqe->ns = ns;
	sqe->op_flags = flags;
	sqe->user_data = user_data;
}

/* INTERVAL: a tick every @period_ns, @count ticks (0: until cancelled). */
static inline void asyncrt_prep_interval(struct asyncrt_sqe *sqe, uint64_t period_ns,
					 uint64_t count, uint8_t clock,
					 uint32_t flags, uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_INTERVAL;
	sqe->clock = clock;
	sqe->ns = period_ns;
	sqe->count = count;
	sqe->op_flags = flags;
	sqe->user_data = user_data;
}

/* WAIT on wait queue @wqfd; with @addr, only while *addr == @value. */
static inline void asyncrt_prep_wait(struct asyncrt_sqe *sqe, int wqfd,
				     const uint32_t *addr, uint32_t value,
				     uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_WAIT;
	sqe->fd = wqfd;
	if (addr) {
		sqe->addr = (uint64_t)(uintptr_t)addr;
		sqe->value = value;
		sqe->op_flags = ASYNCRT_WAIT_CMP;
	}
	sqe->user_data = user_data;
}

/* WAKE up to @n waiters of @wqfd (0: all). */
static inline void asyncrt_prep_wake(struct asyncrt_sqe *sqe, int wqfd, uint64_t n,
				     uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_WAKE;
	sqe->fd = wqfd;
	sqe->count = n;
	sqe->user_data = user_data;
}

/* NOTIFY one waiter of @wqfd, or store a permit. */
static inline void asyncrt_prep_notify(struct asyncrt_sqe *sqe, int wqfd,
				       uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_NOTIFY;
	sqe->fd = wqfd;
	sqe->user_data = user_data;
}

/* POLL @fd for @events; ASYNCRT_POLL_MULTI in @flags for multishot. */
static inline void asyncrt_prep_poll(struct asyncrt_sqe *sqe, int fd, uint32_t events,
				     uint32_t flags, uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_POLL;
	sqe->fd = fd;
	sqe->events = events;
	sqe->op_flags = flags;
	sqe->user_data = user_data;
}

/* SEND and RECV: one socket, one user buffer. */
static inline void __asyncrt_prep_sock(struct asyncrt_sqe *sqe, uint8_t opcode, int fd,
				       const void *buf, size_t len, uint64_t user_data)
{
	sqe->opcode = opcode;
	sqe->fd = fd;
	sqe->addr = (uint64_t)(uintptr_t)buf;
	sqe->len = len;
	sqe->user_data = user_data;
}

/*
 * SEND @len bytes of @buf on the socket @fd, at submission and without
 * blocking: res the bytes sent, or -EAGAIN when the socket is full.
 */
static inline void asyncrt_prep_send(struct asyncrt_sqe *sqe, int fd, const void *buf,
				     size_t len, uint64_t user_data)
{
	__asyncrt_prep_sock(sqe, ASYNCRT_OP_SEND, fd, buf, len, user_data);
}

/*
 * RECV up to @len bytes into @buf from the socket @fd, at submission and
 * without blocking: res the bytes received, 0 at end of stream, or -EAGAIN.
 */
static inline void asyncrt_prep_recv(struct asyncrt_sqe *sqe, int fd, void *buf,
				     size_t len, uint64_t user_data)
{
	__asyncrt_prep_sock(sqe, ASYNCRT_OP_RECV, fd, buf, len, user_data);
}

/* CANCEL the entries whose user_data is @target. */
static inline void asyncrt_prep_cancel(struct asyncrt_sqe *sqe, uint64_t target,
				       uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_CANCEL;
	sqe->target = target;
	sqe->user_data = user_data;
}

/* CANCEL every in-flight entry of the instance. */
static inline void asyncrt_prep_cancel_all(struct asyncrt_sqe *sqe, uint64_t user_data)
{
	sqe->opcode = ASYNCRT_OP_CANCEL;
	sqe->op_flags = ASYNCRT_CANCEL_ALL;
	sqe->user_data = user_data;
}

/* Any entry: complete with -ETIME unless done within @ns (on sqe->clock). */
static inline void asyncrt_sqe_set_timeout(struct asyncrt_sqe *sqe, uint64_t ns)
{
	sqe->flags |= ASYNCRT_SQE_TIMEOUT;
	sqe->timeout_ns = ns;
}

/* ASYNCRT_SQE_LINK or ASYNCRT_SQE_HARDLINK: chain the next entry to this. */
static inline void asyncrt_sqe_set_link(struct asyncrt_sqe *sqe, uint32_t link)
{
	sqe->flags |= (uint8_t)link;
}

/*
 * A run-at-once entry (NOP, WAKE, NOTIFY, CANCEL, SEND, RECV) not in a
 * chain: post its completion only if it fails (ASYNCRT_FEAT_SKIP_SUCCESS).
 */
static inline void asyncrt_sqe_set_skip_success(struct asyncrt_sqe *sqe)
{
	sqe->flags |= ASYNCRT_SQE_SKIP_SUCCESS;
}

#ifdef __cplusplus
}
#endif

#endif /* _ASYNCRT_H */
