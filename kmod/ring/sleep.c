// SPDX-License-Identifier: GPL-2.0
/*
 * SLEEP, on the instance's timer queue (timer.c), and INTERVAL, on the
 * core's hrtimer future.
 *
 * INTERVAL is multishot. Each tick is posted as an ASYNCRT_CQE_F_MORE
 * completion in the CQ space left over after every reservation; when there
 * is none the tick is held back (counted in cq_held), the op parks on the
 * instance's held list, and the next ENTER or poll() wakes it to try again.
 * Ticks are never dropped and never overtake each other, and the terminal
 * completion, whose slot was reserved at submission, comes after them.
 */
#include <linux/errno.h>
#include <linux/time.h>

#include "../core/core.h"
#include "ring.h"
#include "op.h"

int art_clock_from_uapi(u8 clock, clockid_t *out)
{
	switch (clock) {
	case ASYNCRT_CLOCK_MONOTONIC:
		*out = CLOCK_MONOTONIC;
		return 0;
	case ASYNCRT_CLOCK_BOOTTIME:
		*out = CLOCK_BOOTTIME;
		return 0;
	case ASYNCRT_CLOCK_REALTIME:
		*out = CLOCK_REALTIME;
		return 0;
	}
	return -EINVAL;
}

int art_sleep_op_prep(const struct art_sqe *sqe)
{
	clockid_t clock;

	if (sqe->fd || sqe->arg2 || sqe->op_flags & ~ASYNCRT_TIMER_ABS)
		return -EINVAL;
	return art_clock_from_uapi(sqe->clock, &clock);
}

/*
 * Arm a SLEEP for @ns from now, or with @abs at the deadline @ns. Each
 * relative sleep reads its clock when it starts: entries submitted together
 * then keep the order of their durations unless the ENTER stalls between
 * two of them for longer than their durations differ. A clock read shared
 * by the batch broke it whenever submitting took longer than the gaps: a
 * later, shorter sleep was queued after longer ones had come due.
 */
static void art_sleep_op_start(struct art_ring *ring, struct art_sleep_op *so,
			       u64 ns, bool abs)
{
	u8 clock = so->op.priv & ART_SLEEP_CLOCK;
	clockid_t id;

	if (!abs) {
		u64 now;

		art_clock_from_uapi(clock, &id);
		now = art_now(ring->rt, id);
		ns = ns > U64_MAX - now ? U64_MAX : now + ns;
	}
	art_tq_arm(ring, so, clock, ns);
}

/*
 * A SLEEP waits in its instance's timer queue (timer.c). A relative sleep
 * counts from its submission, not from whenever the worker first polls it;
 * a linked one counts from its start, when its predecessor releases it, so
 * it stays unarmed until its first poll with the gate open. So does a
 * linked absolute one: the queue's expiry posts the completion itself and
 * would complete it before its predecessor, or despite that one failing.
 */
int art_sleep_op_init(struct art_op *op, const struct art_sqe *sqe)
{
	struct art_sleep_op *so = container_of(op, struct art_sleep_op, op);

	/* The point of the timer queue: a pending SLEEP in one task object. */
	BUILD_BUG_ON(sizeof(struct art_task) + sizeof(struct art_sleep_op) >
		     ART_TASK_OBJ_SIZE);
	op->priv = sqe->clock;
	if (op->gate != ART_GATE_OPEN) {
		so->tn.expires = min_t(u64, sqe->arg, KTIME_MAX);
		if (sqe->op_flags & ASYNCRT_TIMER_ABS)
			op->priv |= ART_SLEEP_ABS;
		return 0;
	}
	art_sleep_op_start(op->ring, so, sqe->arg,
			   sqe->op_flags & ASYNCRT_TIMER_ABS);
	return 0;
}

enum art_poll art_sleep_op_poll(struct art_op *op, struct art_cx *cx, long *res)
{
	struct art_sleep_op *so = container_of(op, struct art_sleep_op, op);

	/* A linked sleep starts when its predecessor releases it. */
	if (!art_tq_armed(so))
		art_sleep_op_start(op->ring, so, so->tn.expires,
				   op->priv & ART_SLEEP_ABS);
	if (!art_tq_fired(op->ring, so))
		return ART_PENDING;
	*res = 0;
	return ART_READY;
}

void art_sleep_op_drop(struct art_op *op, long res)
{
	art_tq_cancel(op->ring, container_of(op, struct art_sleep_op, op));
}

/* Shorter periods would only measure how fast the CQ fills. */
#define ART_INTERVAL_MIN_NS	1000

int art_interval_op_prep(const struct art_sqe *sqe)
{
	clockid_t clock;

	if (sqe->fd || sqe->op_flags & ~ASYNCRT_TICK_MASK ||
	    (sqe->op_flags & ASYNCRT_TICK_MASK) > ASYNCRT_TICK_SKIP ||
	    sqe->arg < ART_INTERVAL_MIN_NS)
		return -EINVAL;
	return art_clock_from_uapi(sqe->clock, &clock);
}

int art_interval_op_init(struct art_op *op, const struct art_sqe *sqe)
{
	struct art_interval_op *io = container_of(op, struct art_interval_op, op);
	static const enum art_tick_policy policy[] = {
		[ASYNCRT_TICK_BURST >> 1] = ART_TICK_BURST,
		[ASYNCRT_TICK_DELAY >> 1] = ART_TICK_DELAY,
		[ASYNCRT_TICK_SKIP >> 1] = ART_TICK_SKIP,
	};
	clockid_t clock;

	art_clock_from_uapi(sqe->clock, &clock);
	art_interval_init(&io->iv, clock, sqe->arg,
			  policy[(sqe->op_flags & ASYNCRT_TICK_MASK) >> 1]);
	INIT_LIST_HEAD(&io->held.node);
	io->held.op = op;
	io->count = sqe->arg2;
	return 0;
}

enum art_poll art_interval_op_poll(struct art_op *op, struct art_cx *cx, long *res)
{
	struct art_interval_op *io = container_of(op, struct art_interval_op, op);
	long unused;

	for (;;) {
		while (io->posted < io->due) {
			if (!art_ring_post_more(op->ring, op->user_data,
						min_t(u64, io->posted + 1, S32_MAX),
						&io->held))
				return ART_PENDING;
			io->posted++;
		}
		if (io->count && io->posted >= io->count) {
			*res = min_t(u64, io->posted, S32_MAX);
			return ART_READY;
		}
		if (art_interval_poll(&io->iv, cx, &unused) == ART_PENDING)
			return ART_PENDING;
		io->due++;
	}
}

void art_interval_op_drop(struct art_op *op, long res)
{
	struct art_interval_op *io = container_of(op, struct art_interval_op, op);

	art_ring_unpark(op->ring, &io->held);
	art_interval_drop(&io->iv);
}
