// SPDX-License-Identifier: GPL-2.0
/*
 * Timer futures: sleep and sleep_until on CLOCK_MONOTONIC, CLOCK_BOOTTIME
 * and CLOCK_REALTIME with nanosecond hrtimers (or the runtime's test
 * clock), and intervals with a missed-tick policy.
 *
 * A sleep is armed lazily by its first poll, because only then is its
 * task (the waker) and runtime (real or test clock, slack) known; a
 * relative duration therefore counts from the first poll. The hrtimer
 * callback only sets FIRED and wakes the task: task code never runs in
 * hardirq context.
 *
 *   state bits   meaning
 *   (none)       initialised; tc.{deadline,clock,flags} hold the request
 *   ARMED        hrtimer (or test-clock entry) queued; task pointer set
 *   ARMED|FIRED  deadline passed; the next poll is READY
 *   TC           the timer lives on the runtime's test clock
 *
 * Cancel and reset are O(1) (a hrtimer cancel or a list_del); drop waits
 * for a running callback, so the task cannot be freed under it.
 */
#include <linux/hrtimer.h>
#include <linux/module.h>

#include "core.h"

#define ART_SLEEP_ARMED		0
#define ART_SLEEP_FIRED		1
#define ART_SLEEP_TC		2
#define ART_SLEEP_BITS		7UL

static struct art_task *art_sleep_task(struct art_sleep *s)
{
	return (struct art_task *)(READ_ONCE(s->state) & ~ART_SLEEP_BITS);
}

/* From the hrtimer callback or art_clock_advance(): only wake. */
void art_sleep_fire(struct art_sleep *s)
{
	set_bit(ART_SLEEP_FIRED, &s->state);
	art_wake(art_sleep_task(s));
}

static enum hrtimer_restart art_sleep_timer_fn(struct hrtimer *h)
{
	art_sleep_fire(container_of(h, struct art_sleep, timer));
	return HRTIMER_NORESTART;
}

/* (Re)load an unarmed sleep with a request; ops (sleep or interval) stay. */
static void art_sleep_set(struct art_sleep *s, clockid_t clock, u64 ns,
			  unsigned int flags)
{
	s->state = 0;
	INIT_LIST_HEAD(&s->tc.node);
	s->tc.deadline = ns;
	s->tc.clock = clock;
	s->tc.flags = flags;
}

static enum art_poll art_sleep_fpoll(struct art_future *f, struct art_cx *cx,
				     long *res)
{
	return art_sleep_poll(container_of(f, struct art_sleep, fut), cx, res);
}

static void art_sleep_fdrop(struct art_future *f, long res)
{
	art_sleep_drop(container_of(f, struct art_sleep, fut));
}

static const struct art_future_ops art_sleep_ops = {
	.poll = art_sleep_fpoll,
	.drop = art_sleep_fdrop,
};

/**
 * art_sleep_init() - a future that completes after a duration or at a deadline
 * @s: the future
 * @clock: CLOCK_MONOTONIC, CLOCK_BOOTTIME or CLOCK_REALTIME
 * @ns: duration from the first poll, or with %ART_TIMER_ABS a deadline in
 *	art_now() units
 * @flags: 0 or %ART_TIMER_ABS
 *
 * The sleep completes with 0. Until it is polled it holds nothing, so it
 * may be copied (art_spawn_copy()).
 */
void art_sleep_init(struct art_sleep *s, clockid_t clock, u64 ns,
		    unsigned int flags)
{
	s->fut.ops = &art_sleep_ops;
	art_sleep_set(s, clock, ns, flags);
}
EXPORT_SYMBOL_GPL(art_sleep_init);

static void art_sleep_arm(struct art_sleep *s, struct art_task *task)
{
	struct art_runtime *rt = task->rt;
	clockid_t clock = s->tc.clock;
	u64 ns = s->tc.deadline;

	if (!(s->tc.flags & ART_TIMER_ABS)) {
		u64 now = art_now(rt, clock);

		ns = ns > U64_MAX - now ? U64_MAX : now + ns;
	}
	if (rt->flags & ART_RT_TEST_CLOCK) {
		s->state = (unsigned long)task | BIT(ART_SLEEP_ARMED) |
			   BIT(ART_SLEEP_TC);
		INIT_LIST_HEAD(&s->tc.node);
		if (!art_clock_insert(&rt->clock, s, ns))
			set_bit(ART_SLEEP_FIRED, &s->state);
		return;
	}
	if (clock != CLOCK_BOOTTIME && clock != CLOCK_REALTIME)
		clock = CLOCK_MONOTONIC;
	s->state = (unsigned long)task | BIT(ART_SLEEP_ARMED);
	hrtimer_init(&s->timer, clock, HRTIMER_MODE_ABS);
	s->timer.function = art_sleep_timer_fn;
	hrtimer_start_range_ns(&s->timer, ns_to_ktime(min_t(u64, ns, KTIME_MAX)),
			       rt->slack, HRTIMER_MODE_ABS);
}

/**
 * art_sleep_poll() - poll a sleep
 * @s: the future
 * @cx: poll context
 * @res: 0 when READY
 *
 * Return: %ART_READY once the deadline has passed, else %ART_PENDING.
 */
enum art_poll art_sleep_poll(struct art_sleep *s, struct art_cx *cx, long *res)
{
	if (!art_cx_consume_budget(cx))
		return ART_PENDING;
	if (!test_bit(ART_SLEEP_ARMED, &s->state))
		art_sleep_arm(s, art_cx_task(cx));
	if (test_bit(ART_SLEEP_FIRED, &s->state)) {
		*res = 0;
		return ART_READY;
	}
	return ART_PENDING;
}
EXPORT_SYMBOL_GPL(art_sleep_poll);

static void art_sleep_disarm(struct art_sleep *s)
{
	struct art_task *task = art_sleep_task(s);

	if (test_bit(ART_SLEEP_TC, &s->state))
		art_clock_remove(&task->rt->clock, s);
	else
		hrtimer_cancel(&s->timer);
}

/**
 * art_sleep_reset() - move a sleep's deadline; O(1)
 * @s: the future, initialised; called from its task's poll or process
 *	context
 * @ns: as for art_sleep_init()
 * @flags: as for art_sleep_init()
 *
 * A sleep that already completed becomes pending again.
 */
void art_sleep_reset(struct art_sleep *s, u64 ns, unsigned int flags)
{
	struct art_task *task;
	clockid_t clock;

	if (!test_bit(ART_SLEEP_ARMED, &s->state)) {
		s->tc.deadline = ns;
		s->tc.flags = flags;
		return;
	}
	task = art_sleep_task(s);
	art_sleep_disarm(s);
	clock = test_bit(ART_SLEEP_TC, &s->state) ? s->tc.clock :
		s->timer.base->clockid;
	art_sleep_set(s, clock, ns, flags);
	art_sleep_arm(s, task);
	if (test_bit(ART_SLEEP_FIRED, &s->state))
		art_wake(task);
}
EXPORT_SYMBOL_GPL(art_sleep_reset);

/**
 * art_sleep_drop() - cancel a sleep; idempotent
 * @s: the future (zero-filled, initialised, pending or completed)
 *
 * Waits for a running hrtimer callback, so may spin briefly; not from
 * hardirq context. A dropped sleep that is polled again re-arms for the
 * same deadline (this is what lets an interval lose a select and keep its
 * schedule).
 */
void art_sleep_drop(struct art_sleep *s)
{
	clockid_t clock;
	u64 deadline;

	if (!test_bit(ART_SLEEP_ARMED, &s->state))
		return;
	art_sleep_disarm(s);
	if (test_bit(ART_SLEEP_TC, &s->state)) {
		clock = s->tc.clock;
		deadline = s->tc.deadline;
	} else {
		clock = s->timer.base->clockid;
		deadline = ktime_to_ns(hrtimer_get_softexpires(&s->timer));
	}
	art_sleep_set(s, clock, deadline, ART_TIMER_ABS);
}
EXPORT_SYMBOL_GPL(art_sleep_drop);

static enum art_poll art_interval_fpoll(struct art_future *f,
					struct art_cx *cx, long *res)
{
	return art_interval_poll(container_of(f, struct art_interval, sleep.fut),
				 cx, res);
}

static void art_interval_fdrop(struct art_future *f, long res)
{
	art_interval_drop(container_of(f, struct art_interval, sleep.fut));
}

static const struct art_future_ops art_interval_ops = {
	.poll = art_interval_fpoll,
	.drop = art_interval_fdrop,
};

/**
 * art_interval_init() - a future that completes once per period
 * @iv: the future
 * @clock: CLOCK_MONOTONIC, CLOCK_BOOTTIME or CLOCK_REALTIME
 * @period: nanoseconds, > 0
 * @policy: what to do after missed ticks; %ART_TICK_BURST is the default
 *	(value 0) because it never loses a tick: a consumer counting ticks
 *	stays exact and the schedule keeps its phase (tokio's default too)
 *
 * The first tick is one period after the first poll. Each READY reports the
 * number of periods the tick accounts for (1, or more after missed ticks
 * with DELAY or SKIP); poll again for the next tick.
 */
void art_interval_init(struct art_interval *iv, clockid_t clock, u64 period,
		       enum art_tick_policy policy)
{
	art_sleep_init(&iv->sleep, clock, 0, ART_TIMER_ABS);
	iv->sleep.fut.ops = &art_interval_ops;
	iv->next = 0;
	iv->period = max_t(u64, period, 1);
	iv->policy = policy;
	iv->clock = clock;
}
EXPORT_SYMBOL_GPL(art_interval_init);

/**
 * art_interval_poll() - poll an interval
 * @iv: the future
 * @cx: poll context
 * @res: ticks accounted for, when READY
 *
 * Return: %ART_READY at each tick, else %ART_PENDING.
 */
enum art_poll art_interval_poll(struct art_interval *iv, struct art_cx *cx,
				long *res)
{
	struct art_runtime *rt = art_cx_task(cx)->rt;
	u64 now, missed;
	long r;

	if (!iv->next) {
		iv->next = art_now(rt, iv->clock) + iv->period;
		iv->sleep.tc.deadline = iv->next;
	}
	if (art_sleep_poll(&iv->sleep, cx, &r) == ART_PENDING)
		return ART_PENDING;

	now = art_now(rt, iv->clock);
	missed = now > iv->next ? div64_u64(now - iv->next, iv->period) : 0;
	switch (iv->policy) {
	case ART_TICK_DELAY:
		*res = 1 + missed;
		iv->next = now + iv->period;
		break;
	case ART_TICK_SKIP:
		*res = 1 + missed;
		iv->next += (missed + 1) * iv->period;
		break;
	default:
		*res = 1;
		iv->next += iv->period;
		break;
	}
	art_sleep_reset(&iv->sleep, iv->next, ART_TIMER_ABS);
	return ART_READY;
}
EXPORT_SYMBOL_GPL(art_interval_poll);

/**
 * art_interval_drop() - cancel an interval; idempotent
 * @iv: the future
 */
void art_interval_drop(struct art_interval *iv)
{
	art_sleep_drop(&iv->sleep);
}
EXPORT_SYMBOL_GPL(art_interval_drop);
