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
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/wait.h>

#include "opdef.h"

struct art_ring;

enum {
	ART_GATE_OPEN,			/* run */
	ART_GATE_WAIT,			/* a linked predecessor has not ended */
	ART_GATE_CANCEL,		/* it failed: complete with -ECANCELED */
};

struct art_op {
	struct art_future fut;
	struct art_ring *ring;
	struct hlist_node node;		/* ring->ops, under ring->ops_lock */
	u64 user_data;
	struct art_op *next;		/* linked successor, under ops_lock */
	struct art_op *prev;		/* linked predecessor, under ops_lock */
	u8 opcode;
	u8 timeout_off;			/* 0, or where the timeout sleep is, / 8 */
	u8 gate;			/* ART_GATE_* */
	bool hardlink;			/* the successor runs however we end */
	bool deferred;			/* a run-at-once opcode, run by the worker */
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

struct art_sleep_op {
	struct art_op op;
	struct art_sleep sleep;
};

struct art_interval_op {
	struct art_op op;
	struct art_interval iv;
	struct art_held held;
	u64 due;			/* ticks fired */
	u64 posted;			/* ticks completed to the CQ */
	u64 count;			/* ticks wanted, 0 for forever */
};

struct art_wait_op {
	struct art_op op;
	struct file *file;		/* the wait queue's, referenced */
	struct list_head node;		/* the queue's waiters while waiting */
	bool woken;
	bool by_notify;
};

struct art_poll_entry {
	struct wait_queue_entry wait;
	struct wait_queue_head *head;	/* NULL once the file said POLLFREE */
	struct art_poll_op *po;
};

#define ART_POLL_PENDING	0	/* state bit: a wake to look at */

struct art_poll_op {
	struct art_op op;
	struct file *file;
	__poll_t events;
	bool multi;
	u8 nr_heads;
	int error;
	unsigned long state;
	struct art_held held;
	struct poll_table_struct pt;
	struct art_poll_entry e[2];
};

/* op.c */
int art_op_submit(struct art_ring *ring, const struct art_sqe *sqe,
		  struct art_op *next, bool gated, struct art_op **out);
void art_op_chain_release(struct art_ring *ring, struct art_op *op, bool ok);
struct art_task *art_op_task(struct art_op *op);
unsigned int art_ring_cancel(struct art_ring *ring, u64 user_data, bool all);

#endif /* _ASYNCRT_RING_OP_H */
