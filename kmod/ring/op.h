/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An op: an accepted SQE that runs as a task on its instance's runtime.
 *
 * The op is the task's future, allocated with the task in one piece. Its
 * life, and who posts its one terminal completion:
 *
 *   submit --init--> hashed by user_data --poll...--> READY / abort / close
 *                                                        |
 *                        drop(res): opcode cleanup, unhash, post CQE(res)
 *
 * The core calls drop exactly once, with the future's result, -ECANCELED
 * after an abort (CANCEL, close) or -ETIME from the entry's own timeout; so
 * every accepted entry completes exactly once, whoever wins a race.
 *
 * Posted early: a SLEEP's expiry and a WAIT's wake-up post the op's
 * terminal completion (res 0) from the event's own context, an hrtimer
 * callback or the waker's ENTER, set op->posted and put the op on the
 * instance's early_list instead of waking its task: the next ENTER wakes
 * it (the guest then drops it while it would otherwise sleep), and the
 * drop, whenever it runs, only cleans up and leaves the list. The claim is the
 * opcode's own lock, which the event and the opcode's drop both take
 * (tq->lock, the wait queue's list_lock): whichever comes first decides
 * the result, so a CANCEL racing the event gives 0 or -ECANCELED, once.
 * An op posted early counts against max_inflight (ring->early) until its
 * drop, and CANCEL no longer counts it.
 *
 * Bare WAITs: a WAIT alone (not in a chain) and without a timeout needs
 * no task, since nothing but its wake-up or a CANCEL ends it. It is only
 * its op, allocated by itself (op->fut unused, priv ART_WAIT_BARE), hashed
 * by user_data like any op and queued on its wait queue (waitq.c). The
 * waker posts it early as above; CANCEL takes it off its queue and posts
 * -ECANCELED itself; ENTER frees posted ones where it would wake a task,
 * a batch at a time (ring.h, ART_BARE_BATCH: they only wait for their
 * memory), and close frees every one left. Who decides is again the queue's
 * list_lock: under it, posted says whether the waker took the op.
 *
 * Links: the entries of a chain are spawned last to first, each but the
 * first behind a closed gate, and each knows its successor (next). A drop
 * posts its op's completion and then opens its successor's gate (success,
 * or any end with HARDLINK) or cancels it, all under ops_lock, so a chain
 * completes in order and an op that is gone is never released. A gated op
 * does nothing until its gate opens: a SLEEP's clock, a POLL's readiness
 * and the entry's own timeout start then. Run-at-once opcodes (NOP, WAKE,
 * NOTIFY, CANCEL) after the first become deferred ops, run by the worker.
 */
#ifndef _ASYNCRT_RING_OP_H
#define _ASYNCRT_RING_OP_H

#include <linux/asyncrt.h>
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/poll.h>
#include <linux/timerqueue.h>
#include <linux/wait.h>

#include "opdef.h"
#include "ring.h"

enum {
	ART_GATE_OPEN,			/* run */
	ART_GATE_WAIT,			/* a linked predecessor has not ended */
	ART_GATE_CANCEL,		/* it failed: complete with -ECANCELED */
};

/*
 * 48 bytes. What only some ops need follows the opcode's own state, at
 * offsets counted in 8-byte words: the entry's timeout and, for an entry
 * of a chain, its links. A pending SLEEP is then 48 + 32 bytes, and with
 * the task's 48-byte header fits the core's 128-byte task objects.
 */
struct art_op {
	struct art_future fut;
	struct art_ring *ring;
	struct hlist_node node;		/* ring->ops, under ring->ops_lock */
	u64 user_data;
	u8 opcode;
	u8 timeout_off;			/* 0, or where the timeout sleep is, / 8 */
	u8 link_off;			/* 0, or where struct art_op_link is, / 8 */
	u8 gate;			/* ART_GATE_* */
	bool hardlink;			/* the successor runs however we end */
	bool deferred;			/* a run-at-once opcode, run by the worker */
	u8 priv;			/* the opcode's own bits */
	bool posted;			/* the event posted our CQE (res 0) already */
};

/* An entry of a chain: its neighbours, under ring->ops_lock. */
struct art_op_link {
	struct art_op *next;		/* linked successor */
	struct art_op *prev;		/* linked predecessor */
};

/* A run-at-once opcode that a link made wait for its predecessor. */
struct art_deferred_op {
	struct art_op op;
	struct art_sqe sqe;
	struct file *file;		/* resolved at submission, if it takes one */
};

/* A multishot op's place on ring->held while its CQE waits for room. */
struct art_held {
	struct list_head node;		/* under ring->cq_lock */
	struct art_op *op;
};

/*
 * An op posted early waits on ring->early_list (under cq_lock) until an
 * ENTER wakes its task to drop it. The link reuses what the event retired:
 * a SLEEP's tree node, a WAIT's place on its queue; each opcode puts that
 * member right after the op (pinned in ring.c).
 */
struct art_early_op {
	struct art_op op;
	struct list_head node;
};

/*
 * A SLEEP: its deadline in the instance's timer queue of its clock. Until
 * it is armed, tn.expires holds a linked sleep's duration, or with
 * ART_SLEEP_ABS its deadline.
 */
struct art_sleep_op {
	struct art_op op;
	union {
		struct timerqueue_node tn;
		struct list_head early;		/* fired and posted */
	};
};

/* A SLEEP's op->priv, written under its clock's tq->lock once armed. */
#define ART_SLEEP_CLOCK		0x3	/* the ASYNCRT_CLOCK_* */
#define ART_SLEEP_ARMED		BIT(2)	/* in the tree, or fired */
#define ART_SLEEP_FIRED		BIT(3)	/* out of the tree: the deadline passed */
#define ART_SLEEP_ABS		BIT(4)	/* not armed yet: tn.expires is a deadline */

struct art_interval_op {
	struct art_op op;
	struct art_interval iv;
	struct art_held held;
	u64 due;			/* ticks fired */
	u64 posted;			/* ticks completed to the CQ */
	u64 count;			/* ticks wanted, 0 for forever */
};

/* A WAIT's op->priv: no task, the op is all there is (see above). */
#define ART_WAIT_BARE		BIT(0)

struct art_wait_op {
	struct art_op op;
	union {
		struct list_head node;	/* the queue's waiters while waiting */
		struct list_head early;	/* woken and posted */
		struct llist_node free;	/* on ring->bare_free */
	};
	struct file *file;		/* the wait queue's, referenced */
	bool woken;
	bool by_notify;
};

struct art_poll_entry {
	struct wait_queue_entry wait;
	struct wait_queue_head *head;	/* NULL once the file said POLLFREE */
	struct art_poll_op *po;
};

#define ART_POLL_PENDING	0	/* state bit: a wake to look at */
#define ART_POLL_LAST		1	/* a ring's posting woke it: end when ready */

struct art_poll_op {
	struct art_op op;
	struct file *file;
	__poll_t events;
	bool multi;
	bool direct;			/* its wakes may post (poll.c) */
	u8 nr_heads;
	int error;
	unsigned long state;
	struct art_held held;
	struct poll_table_struct pt;
	struct art_poll_entry e[2];
};

static inline bool art_op_bare(const struct art_op *op)
{
	return op->opcode == ASYNCRT_OP_WAIT && (op->priv & ART_WAIT_BARE);
}

/*
 * The flags of an op's terminal completion with @res: a WAIT's success
 * says whether NOTIFY gave it, so that whoever no longer wants it knows
 * whether to pass it on (a WAKE's is not a permit).
 */
static inline u32 art_op_cqe_flags(const struct art_op *op, long res)
{
	if (op->opcode != ASYNCRT_OP_WAIT || res)
		return 0;
	return container_of(op, struct art_wait_op, op)->by_notify ?
	       ASYNCRT_CQE_F_NOTIFY : 0;
}

static inline struct hlist_head *art_op_bucket(struct art_ring *ring, u64 user_data)
{
	return &ring->ops[hash_64(user_data, ring->ops_bits)];
}

/*
 * Make @op findable by CANCEL; its drop, or a bare op's free, unhashes it.
 * Inline: every bare WAIT of a wake-up's ping-pong is hashed.
 */
static inline void art_op_hash_locked(struct art_ring *ring, struct art_op *op)
	__must_hold(&ring->ops_lock)
{
	hlist_add_head(&op->node, art_op_bucket(ring, op->user_data));
}

/* op.c */
void art_ring_free_bare(struct art_ring *ring, struct list_head *posted);
void art_ring_release_bare(struct art_ring *ring);
int art_op_submit(struct art_ring *ring, const struct art_sqe *sqe,
		  struct art_op *next, bool gated, struct art_op **out);
void art_op_chain_release(struct art_ring *ring, struct art_op *op, bool ok);
struct art_task *art_op_task(struct art_op *op);
unsigned int art_ring_cancel(struct art_ring *ring, u64 user_data, bool all);

/* waitq.c */
bool art_wait_bare_detach(struct art_op *op);
void art_wait_bare_free(struct art_op *op);

/* timer.c */
void art_tq_init(struct art_ring *ring);
void art_tq_exit(struct art_ring *ring);
void art_tq_arm(struct art_ring *ring, struct art_sleep_op *so, u8 clock,
		u64 deadline);
bool art_tq_armed(struct art_sleep_op *so);
bool art_tq_fired(struct art_ring *ring, struct art_sleep_op *so);
void art_tq_cancel(struct art_ring *ring, struct art_sleep_op *so);

#endif /* _ASYNCRT_RING_OP_H */
