// SPDX-License-Identifier: GPL-2.0
/*
 * The instance's SLEEP timers: one hrtimer per clock, and the pending
 * SLEEPs of that clock in a timerqueue (an rbtree by deadline) behind it.
 * A pending SLEEP then costs a tree node and a deadline (32 bytes), not an
 * hrtimer of its own (64), which keeps the whole entry in a 128-byte task.
 *
 * Invariant, under tq->lock: while the tree is not empty, the hrtimer is
 * armed no later than the earliest deadline in it, or its callback is
 * running and will re-arm it. Adding a new earliest entry re-arms it;
 * removing one leaves it armed (a spurious expiry finds nothing due and
 * re-arms for what is left). The callback takes every due entry out of the
 * tree, marks it fired, posts its completion and wakes its task; an entry
 * is in the tree only while its op has not been dropped (drop removes it
 * under the lock), so the task is alive when the callback wakes it.
 */
#include <linux/hrtimer.h>
#include <linux/timerqueue.h>

#include "../core/core.h"
#include "ring.h"
#include "op.h"

static struct art_sleep_op *art_tq_entry(struct timerqueue_node *tn)
{
	return container_of(tn, struct art_sleep_op, tn);
}

/*
 * Post each due SLEEP's completion here, in deadline order, and wake its
 * task only to free it (op.h, "posted early"): the program's wait then
 * ends with the expiry, not after a poll of the task. The claim is tq->lock,
 * which the op's drop takes before it would post. cq_lock is taken once
 * for all the due entries, so the work per entry under it is the few
 * stores of a CQE beside the task wake the callback did already; that
 * wake's queue lock is the heavier part, and bounds what a storm of
 * expiries costs with interrupts off just as it did before.
 */
static enum hrtimer_restart art_tq_fire(struct hrtimer *timer)
{
	struct art_tq *tq = container_of(timer, struct art_tq, timer);
	ktime_t now = hrtimer_cb_get_time(timer);
	struct art_ring *ring = tq->ring;
	struct timerqueue_node *tn;
	unsigned long flags;
	bool posted = false;

	spin_lock_irqsave(&tq->lock, flags);
	tn = timerqueue_getnext(&tq->q);
	if (tn && tn->expires <= now) {
		spin_lock(&ring->cq_lock);
		do {
			struct art_sleep_op *so = art_tq_entry(tn);

			timerqueue_del(&tq->q, tn);
			so->op.priv |= ART_SLEEP_FIRED;
			art_ring_post_early_locked(ring, &so->op);
		} while ((tn = timerqueue_getnext(&tq->q)) && tn->expires <= now);
		spin_unlock(&ring->cq_lock);
		posted = true;
	}
	/* Restarting from the callback is allowed and keeps the invariant. */
	if (tn)
		hrtimer_start(&tq->timer, tn->expires, HRTIMER_MODE_ABS);
	spin_unlock_irqrestore(&tq->lock, flags);
	if (posted)
		art_ring_wake_waiters(ring);
	return HRTIMER_NORESTART;
}

void art_tq_init(struct art_ring *ring)
{
	static const clockid_t clocks[ART_RING_CLOCKS] = {
		[ASYNCRT_CLOCK_MONOTONIC] = CLOCK_MONOTONIC,
		[ASYNCRT_CLOCK_BOOTTIME] = CLOCK_BOOTTIME,
		[ASYNCRT_CLOCK_REALTIME] = CLOCK_REALTIME,
	};
	unsigned int i;

	for (i = 0; i < ART_RING_CLOCKS; i++) {
		struct art_tq *tq = &ring->tq[i];

		spin_lock_init(&tq->lock);
		tq->ring = ring;
		timerqueue_init_head(&tq->q);
		hrtimer_init(&tq->timer, clocks[i], HRTIMER_MODE_ABS);
		tq->timer.function = art_tq_fire;
	}
}

/* Every op has been dropped, so the trees are empty: stop the hrtimers. */
void art_tq_exit(struct art_ring *ring)
{
	unsigned int i;

	for (i = 0; i < ART_RING_CLOCKS; i++) {
		WARN_ON_ONCE(!RB_EMPTY_ROOT(&ring->tq[i].q.rb_root.rb_root));
		hrtimer_cancel(&ring->tq[i].timer);
	}
}

/*
 * Make a sleep op pending until @deadline (ns of its clock's origin). A
 * deadline already past makes the hrtimer fire at once; not reading the
 * clock here keeps a SLEEP's submission to the one read per ENTER.
 */
void art_tq_arm(struct art_ring *ring, struct art_sleep_op *so, u8 clock,
		u64 deadline)
{
	struct art_tq *tq = &ring->tq[clock];
	unsigned long flags;

	timerqueue_init(&so->tn);
	so->tn.expires = min_t(u64, deadline, KTIME_MAX);
	spin_lock_irqsave(&tq->lock, flags);
	so->op.priv = clock | ART_SLEEP_ARMED;
	if (timerqueue_add(&tq->q, &so->tn))
		hrtimer_start(&tq->timer, so->tn.expires, HRTIMER_MODE_ABS);
	spin_unlock_irqrestore(&tq->lock, flags);
}

bool art_tq_armed(struct art_sleep_op *so)
{
	return so->op.priv & ART_SLEEP_ARMED;
}

/* Has the deadline of an armed sleep op passed? */
bool art_tq_fired(struct art_ring *ring, struct art_sleep_op *so)
{
	struct art_tq *tq = &ring->tq[so->op.priv & ART_SLEEP_CLOCK];
	unsigned long flags;
	bool fired;

	spin_lock_irqsave(&tq->lock, flags);
	fired = so->op.priv & ART_SLEEP_FIRED;
	spin_unlock_irqrestore(&tq->lock, flags);
	return fired;
}

/* The op is being dropped: take it out of the tree if it is still there. */
void art_tq_cancel(struct art_ring *ring, struct art_sleep_op *so)
{
	struct art_tq *tq = &ring->tq[so->op.priv & ART_SLEEP_CLOCK];
	unsigned long flags;

	if (!(so->op.priv & ART_SLEEP_ARMED))
		return;
	spin_lock_irqsave(&tq->lock, flags);
	if (!(so->op.priv & ART_SLEEP_FIRED))
		timerqueue_del(&tq->q, &so->tn);
	spin_unlock_irqrestore(&tq->lock, flags);
}
