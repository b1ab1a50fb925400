// SPDX-License-Identifier: GPL-2.0
/*
 * The test clock: a runtime created with ART_RT_TEST_CLOCK keeps a manual
 * time (starting at 0, shared by all clock ids) that only
 * art_clock_advance() moves. Timers of such a runtime sit on a list sorted
 * by deadline instead of an hrtimer; advancing fires the due ones in
 * deadline order, in the caller's context. Paired with art_rt_quiesce(),
 * timer logic is tested deterministically, like tokio's paused time.
 */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/module.h>

#include "core.h"

/* Queue @s for @deadline; false (not queued) if that is not in the future. */
bool art_clock_insert(struct art_clock *c, struct art_sleep *s, u64 deadline)
{
	struct art_sleep *pos;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	if (deadline <= c->now) {
		spin_unlock_irqrestore(&c->lock, flags);
		return false;
	}
	s->tc.deadline = deadline;
	/* Timers are mostly added in deadline order: search from the end. */
	list_for_each_entry_reverse(pos, &c->timers, tc.node)
		if (pos->tc.deadline <= deadline)
			break;
	list_add(&s->tc.node, &pos->tc.node);
	spin_unlock_irqrestore(&c->lock, flags);
	return true;
}

/* O(1); after this returns the timer cannot fire. */
void art_clock_remove(struct art_clock *c, struct art_sleep *s)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	if (!list_empty(&s->tc.node))
		list_del_init(&s->tc.node);
	spin_unlock_irqrestore(&c->lock, flags);
}

/**
 * art_clock_advance() - move a test clock forward, firing due timers
 * @rt: a runtime created with %ART_RT_TEST_CLOCK
 * @ns: how far
 *
 * Due timers fire in deadline order before this returns (their tasks are
 * woken); call art_rt_quiesce() to let the tasks run. Any context.
 */
void art_clock_advance(struct art_runtime *rt, u64 ns)
{
	struct art_clock *c = &rt->clock;
	struct art_sleep *s, *tmp;
	unsigned long flags;

	if (WARN_ON_ONCE(!(rt->flags & ART_RT_TEST_CLOCK)))
		return;
	spin_lock_irqsave(&c->lock, flags);
	WRITE_ONCE(c->now, c->now + ns);
	list_for_each_entry_safe(s, tmp, &c->timers, tc.node) {
		if (s->tc.deadline > c->now)
			break;
		list_del_init(&s->tc.node);
		art_sleep_fire(s);
	}
	spin_unlock_irqrestore(&c->lock, flags);
}
EXPORT_SYMBOL_GPL(art_clock_advance);

/**
 * art_now() - the current time of a clock, as a runtime's timers see it
 * @rt: the runtime (its test clock, if it has one), or NULL
 * @clock: CLOCK_MONOTONIC, CLOCK_BOOTTIME or CLOCK_REALTIME
 *
 * Return: nanoseconds; deadlines of &struct art_sleep with %ART_TIMER_ABS
 * are in this unit and origin.
 */
u64 art_now(struct art_runtime *rt, clockid_t clock)
{
	if (rt && (rt->flags & ART_RT_TEST_CLOCK))
		return READ_ONCE(rt->clock.now);
	switch (clock) {
	case CLOCK_BOOTTIME:
		return ktime_get_boottime_ns();
	case CLOCK_REALTIME:
		return ktime_get_real_ns();
	default:
		return ktime_get_ns();
	}
}
EXPORT_SYMBOL_GPL(art_now);
