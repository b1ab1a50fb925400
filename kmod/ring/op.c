// SPDX-License-Identifier: GPL-2.0
/*
 * Ops: accepted entries running as tasks on their instance's runtime (the
 * life cycle is drawn in op.h). This file holds what every task opcode
 * shares: spawning, the per-entry timeout, the user_data hash that makes
 * CANCEL O(1), and the drop that posts the one terminal completion.
 */
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/slab.h>

#include "../core/core.h"
#include "ring.h"
#include "op.h"
#include "trace.h"

struct art_op_spawn {
	struct art_ring *ring;
	const struct art_opdef *def;
	const struct art_sqe *sqe;
	clockid_t timeout_clock;
	u8 timeout_off;			/* as in struct art_op */
	u8 link_off;
	struct art_op *next;		/* linked successor, already spawned */
	bool gated;
	struct art_op **out;
};

/* An op is the future of the task art_spawn() made for it. */
struct art_task *art_op_task(struct art_op *op)
{
	return (struct art_task *)((char *)&op->fut - offsetof(struct art_task, fut));
}

static struct art_sleep *art_op_timeout(struct art_op *op)
{
	return op->timeout_off ? (void *)op + op->timeout_off * 8 : NULL;
}

static struct art_op_link *art_op_link(struct art_op *op)
{
	return op->link_off ? (void *)op + op->link_off * 8 : NULL;
}

static enum art_poll art_op_poll(struct art_future *f, struct art_cx *cx, long *res)
{
	struct art_op *op = container_of(f, struct art_op, fut);
	struct art_sleep *timeout = art_op_timeout(op);
	long unused;

	/* Pairs with the release in art_op_release_locked(). */
	switch (smp_load_acquire(&op->gate)) {
	case ART_GATE_WAIT:
		return ART_PENDING;
	case ART_GATE_CANCEL:
		*res = -ECANCELED;
		return ART_READY;
	}
	if (timeout && art_sleep_poll(timeout, cx, &unused) == ART_READY) {
		*res = -ETIME;
		return ART_READY;
	}
	if (op->deferred) {
		struct art_deferred_op *d = container_of(op, struct art_deferred_op, op);

		*res = art_opdef(op->opcode)->issue(op->ring, &d->sqe, d->file);
		return ART_READY;
	}
	return art_opdef(op->opcode)->poll(op, cx, res);
}

/* Let a gated successor run, or cancel it. */
static void art_op_release_locked(struct art_op *succ, bool ok)
	__must_hold(&succ->ring->ops_lock)
{
	art_op_link(succ)->prev = NULL;
	/* Pairs with the acquire in art_op_poll(). */
	smp_store_release(&succ->gate, ok ? ART_GATE_OPEN : ART_GATE_CANCEL);
	art_wake(art_op_task(succ));
}

/*
 * The submission path's release of a chain whose first entry ran at once
 * or failed to start: @op is gated, so it is alive until we open its gate.
 */
void art_op_chain_release(struct art_ring *ring, struct art_op *op, bool ok)
{
	if (!op)
		return;
	spin_lock(&ring->ops_lock);
	art_op_release_locked(op, ok);
	spin_unlock(&ring->ops_lock);
}

/*
 * Exactly once per op, whatever ended it: clean up, unhash, complete, then
 * release the successor, so that a chain's completions come in order.
 */
static void art_op_drop(struct art_future *f, long res)
{
	struct art_op *op = container_of(f, struct art_op, fut);
	struct art_sleep *timeout = art_op_timeout(op);
	struct art_op_link *link = art_op_link(op);
	struct art_ring *ring = op->ring;

	if (op->deferred) {
		struct art_deferred_op *d = container_of(op, struct art_deferred_op, op);

		if (d->file)
			fput(d->file);
	} else {
		art_opdef(op->opcode)->drop(op, res);
	}
	if (timeout)
		art_sleep_drop(timeout);
	/*
	 * The opcode's drop took the lock that claims an early post, so
	 * posted is final here; what was posted (0) is the op's result, also
	 * for its successor, whatever ended the task since.
	 */
	if (op->posted)
		res = 0;

	spin_lock(&ring->ops_lock);
	hlist_del(&op->node);
	if (link && link->prev)
		art_op_link(link->prev)->next = NULL;
	if (!op->posted)
		art_ring_post(ring, op->user_data, clamp_t(long, res, S32_MIN, S32_MAX),
			      art_op_cqe_flags(op, res));
	if (link && link->next)
		art_op_release_locked(link->next, res >= 0 || op->hardlink);
	spin_unlock(&ring->ops_lock);
	/* Only now is its task's memory about to go: it stops counting. */
	if (op->posted)
		art_ring_early_done(ring, op);
}

static const struct art_future_ops art_op_future_ops = {
	.poll	= art_op_poll,
	.drop	= art_op_drop,
};

/* Runs inside art_spawn(), in the submitter's context, before any poll. */
static int art_op_init(struct art_future *f, void *arg)
{
	struct art_op *op = container_of(f, struct art_op, fut);
	const struct art_op_spawn *sp = arg;
	struct art_ring *ring = sp->ring;
	int ret = 0;

	op->fut.ops = &art_op_future_ops;
	op->ring = ring;
	op->user_data = sp->sqe->user_data;
	op->opcode = sp->sqe->opcode;
	op->gate = sp->gated ? ART_GATE_WAIT : ART_GATE_OPEN;
	op->hardlink = sp->sqe->flags & ASYNCRT_SQE_HARDLINK;
	op->link_off = sp->link_off;
	op->posted = false;
	if (sp->timeout_off) {
		u64 ns = sp->sqe->timeout_ns, now;
		unsigned int flags = 0;

		/* Counted from submission, or for a linked op from its start. */
		if (!sp->gated) {
			now = art_now(ring->rt, sp->timeout_clock);
			ns = ns > U64_MAX - now ? U64_MAX : now + ns;
			flags = ART_TIMER_ABS;
		}
		op->timeout_off = sp->timeout_off;
		art_sleep_init(art_op_timeout(op), sp->timeout_clock, ns, flags);
	}
	if (sp->def->issue) {
		struct art_deferred_op *d = container_of(op, struct art_deferred_op, op);

		op->deferred = true;
		d->sqe = *sp->sqe;
		if (sp->def->takes_fd) {
			d->file = fget(sp->sqe->fd);
			if (!d->file)
				return -EBADF;
			/*
			 * Held until the op runs, maybe forever: a WAKE of
			 * the instance's own fd would keep it from ever
			 * being released. Refuse now what issue would.
			 */
			if (sp->def->file_ok && !sp->def->file_ok(d->file)) {
				fput(d->file);
				return -EINVAL;
			}
		}
	} else {
		ret = sp->def->init(op, sp->sqe);
		if (ret < 0)
			return ret;
		/* The first poll is what arms the entry's timeout. */
		if (sp->timeout_off)
			ret = 0;
	}

	/* Last: from here on a CANCEL can find the op, and drop unhashes it. */
	spin_lock(&ring->ops_lock);
	art_op_hash_locked(ring, op);
	if (sp->next) {
		art_op_link(op)->next = sp->next;
		art_op_link(sp->next)->prev = op;
	}
	spin_unlock(&ring->ops_lock);
	*sp->out = op;
	return ret;
}

/*
 * Start an entry as a task: a task opcode, or a run-at-once opcode that a
 * link defers. With @gated it waits for art_op_release_locked(); @next is
 * its already spawned successor. On error nothing was started and the
 * caller posts the error as the entry's completion; on success the op's
 * drop will, and *@out is the op (valid while it is gated).
 */
int art_op_submit(struct art_ring *ring, const struct art_sqe *sqe,
		  struct art_op *next, bool gated, struct art_op **out)
{
	const struct art_opdef *def = art_opdef(sqe->opcode);
	struct art_op_spawn sp = {
		.ring = ring, .def = def, .sqe = sqe,
		.next = next, .gated = gated, .out = out,
	};
	size_t size = def->issue ? sizeof(struct art_deferred_op) : def->size;
	struct art_task *task;
	int ret;

	/* The parts only some ops have, at u8 counts of 8-byte words. */
	BUILD_BUG_ON(sizeof(struct art_interval_op) + sizeof(struct art_sleep) > 254 * 8);
	BUILD_BUG_ON(sizeof(struct art_poll_op) + sizeof(struct art_sleep) > 254 * 8);
	BUILD_BUG_ON(sizeof(struct art_deferred_op) > 254 * 8);
	if (sqe->flags & ASYNCRT_SQE_TIMEOUT) {
		ret = art_clock_from_uapi(sqe->clock, &sp.timeout_clock);
		if (ret)
			return ret;
		size = ALIGN(size, 8);
		sp.timeout_off = size / 8;
		size += sizeof(struct art_sleep);
	}
	if (gated || next) {
		size = ALIGN(size, 8);
		sp.link_off = size / 8;
		size += sizeof(struct art_op_link);
	}
	task = art_spawn(ring->rt, size, art_op_init, &sp, ART_SPAWN_DETACHED);
	return IS_ERR(task) ? PTR_ERR(task) : 0;
}

/*
 * Free bare WAITs that were posted early and that the caller (the reap of
 * an ENTER) took off ring->early_list: only CANCEL can still reach them,
 * through the hash, and it leaves a posted op alone.
 */
void art_ring_free_bare(struct art_ring *ring, struct list_head *posted)
{
	struct art_early_op *e, *tmp;
	unsigned int n = 0;

	spin_lock(&ring->ops_lock);
	list_for_each_entry(e, posted, node)
		hlist_del(&e->op.node);
	spin_unlock(&ring->ops_lock);
	list_for_each_entry_safe(e, tmp, posted, node) {
		art_wait_bare_free(&e->op);
		n++;
	}
	art_ring_early_freed(ring, n);
}

/*
 * Close: free the bare WAITs left, posted or not. Each leaves its queue
 * first, or early_list if its waker posted it; after that no waker can
 * reach this instance through it. No CQE: nobody reads the rings again.
 * No ENTER runs (close holds the last reference), so no reap holds one.
 */
void art_ring_release_bare(struct art_ring *ring)
{
	struct hlist_head dead = HLIST_HEAD_INIT;
	struct hlist_node *tmp;
	unsigned int i, n = 0;
	struct art_op *op;

	if (!ring->ops)
		return;
	spin_lock(&ring->ops_lock);
	for (i = 0; i < (1U << ring->ops_bits); i++) {
		hlist_for_each_entry_safe(op, tmp, &ring->ops[i], node) {
			if (!art_op_bare(op))
				continue;
			if (!art_wait_bare_detach(op)) {
				spin_lock_irq(&ring->cq_lock);
				list_del(&container_of(op, struct art_early_op, op)->node);
				ring->nr_early_bare--;
				spin_unlock_irq(&ring->cq_lock);
				n++;
			}
			hlist_del(&op->node);
			hlist_add_head(&op->node, &dead);
		}
	}
	spin_unlock(&ring->ops_lock);
	hlist_for_each_entry_safe(op, tmp, &dead, node)
		art_wait_bare_free(op);
	art_ring_early_freed(ring, n);
}

/*
 * CANCEL of one hashed op: abort its task, or end a bare WAIT right here
 * (off its queue, -ECANCELED posted, unhashed onto @dead for the caller to
 * free outside ops_lock). False if it completed already.
 */
static bool art_op_cancel_locked(struct art_ring *ring, struct art_op *op,
				 struct hlist_head *dead)
	__must_hold(&ring->ops_lock)
{
	/* Completed already: nothing to cancel. */
	if (READ_ONCE(op->posted))
		return false;
	if (!art_op_bare(op)) {
		art_task_abort(art_op_task(op));
		return true;
	}
	/* Its waker may have posted it since we looked: then it got 0. */
	if (!art_wait_bare_detach(op))
		return false;
	art_ring_post(ring, op->user_data, -ECANCELED, 0);
	hlist_del(&op->node);
	hlist_add_head(&op->node, dead);
	return true;
}

/*
 * Abort the in-flight ops with this user_data (or all of them). An op in
 * the hash has not been dropped, so its task is alive while ops_lock is
 * held; the abort makes the core drop it, which posts -ECANCELED unless
 * the op completed first. Either way it completes once. A bare WAIT has
 * no task: it is ended here, under its queue's lock. An op posted early
 * is still hashed until it is freed, but it has completed: it is
 * not counted (a posted flag read just before it is set counts an op that
 * then completes with 0, as when the task itself wins the race).
 */
unsigned int art_ring_cancel(struct art_ring *ring, u64 user_data, bool all)
{
	struct hlist_head dead = HLIST_HEAD_INIT;
	struct hlist_node *tmp;
	unsigned int i, n = 0;
	struct art_op *op;

	spin_lock(&ring->ops_lock);
	if (all) {
		for (i = 0; i < (1U << ring->ops_bits); i++)
			hlist_for_each_entry_safe(op, tmp, &ring->ops[i], node)
				n += art_op_cancel_locked(ring, op, &dead);
	} else {
		hlist_for_each_entry_safe(op, tmp, art_op_bucket(ring, user_data), node)
			if (op->user_data == user_data)
				n += art_op_cancel_locked(ring, op, &dead);
	}
	spin_unlock(&ring->ops_lock);
	hlist_for_each_entry_safe(op, tmp, &dead, node)
		art_wait_bare_free(op);
	atomic64_inc(&art_ring_stats.cancels);
	trace_asyncrt_cancel(ring->id, user_data, all, n);
	return n;
}
