// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite asyncrt_timer: sleeps on the three clocks (relative and
 * absolute), the test clock (nothing fires until advanced, then exactly
 * what is due), intervals under each missed-tick policy driven by the test
 * clock, reset, and cancellation racing expiry.
 */
#include <linux/ktime.h>
#include <linux/delay.h>

#include "kunit_util.h"

struct sleeper {
	struct art_future fut;
	struct art_sleep s;
};

static enum art_poll sleeper_poll(struct art_future *f, struct art_cx *cx,
				  long *res)
{
	return art_sleep_poll(&container_of(f, struct sleeper, fut)->s, cx, res);
}

static void sleeper_drop(struct art_future *f, long res)
{
	art_sleep_drop(&container_of(f, struct sleeper, fut)->s);
}

static const struct art_future_ops sleeper_ops = {
	.poll = sleeper_poll,
	.drop = sleeper_drop,
};

static struct art_task *spawn_sleep(struct art_runtime *rt, clockid_t clock,
				    u64 ns, unsigned int flags)
{
	struct sleeper sl = { .fut.ops = &sleeper_ops };

	art_sleep_init(&sl.s, clock, ns, flags);
	return art_spawn_copy(rt, &sl.fut, sizeof(sl), 0);
}

/* Relative and absolute sleeps on each clock last at least their time. */
static void art_sleep_poll_waits_on_each_clock(struct kunit *test)
{
	static const clockid_t clocks[] = {
		CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME,
	};
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	u64 d = 20 * NSEC_PER_MSEC;
	struct art_task *t;
	int i, abs;
	u64 start;

	for (i = 0; i < ARRAY_SIZE(clocks); i++) {
		for (abs = 0; abs < 2; abs++) {
			start = ktime_get_ns();
			t = spawn_sleep(rt, clocks[i],
					abs ? art_now(rt, clocks[i]) + d : d,
					abs ? ART_TIMER_ABS : 0);
			KUNIT_ASSERT_FALSE(test, IS_ERR(t));
			KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
			KUNIT_EXPECT_GE(test, ktime_get_ns() - start, d);
			art_task_put(t);
		}
	}
}

/* On a test clock a sleep completes exactly when the clock reaches it. */
static void art_clock_advance_fires_only_due_timers(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_TEST_CLOCK, 0);
	struct art_task *a, *b;

	a = spawn_sleep(rt, CLOCK_MONOTONIC, NSEC_PER_SEC, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	b = spawn_sleep(rt, CLOCK_BOOTTIME, 2 * NSEC_PER_SEC, ART_TIMER_ABS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	art_kunit_quiesce(test, rt);
	KUNIT_EXPECT_EQ(test, art_now(rt, CLOCK_MONOTONIC), 0ULL);
	art_clock_advance(rt, NSEC_PER_SEC - 1);
	art_kunit_quiesce(test, rt);
	KUNIT_EXPECT_FALSE(test, art_task_is_finished(a));
	art_clock_advance(rt, 1);
	art_kunit_quiesce(test, rt);
	KUNIT_EXPECT_TRUE(test, art_task_is_finished(a));
	KUNIT_EXPECT_FALSE(test, art_task_is_finished(b));
	art_clock_advance(rt, NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(b), 0);
	art_task_put(a);
	art_task_put(b);
}

/* Resetting a pending sleep moves its deadline. */
static void art_sleep_reset_moves_deadline(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_TEST_CLOCK, 0);
	struct sleeper *sl;
	struct art_task *t;

	t = spawn_sleep(rt, CLOCK_MONOTONIC, NSEC_PER_SEC, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	art_kunit_quiesce(test, rt);
	sl = container_of(art_task_future(t), struct sleeper, fut);
	art_sleep_reset(&sl->s, 5 * NSEC_PER_SEC, ART_TIMER_ABS);
	art_clock_advance(rt, NSEC_PER_SEC);
	art_kunit_quiesce(test, rt);
	KUNIT_EXPECT_FALSE(test, art_task_is_finished(t));
	art_clock_advance(rt, 4 * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
	art_task_put(t);
}

/* Aborting sleeps while their hrtimers expire: no callback after the drop. */
static void art_sleep_drop_races_expiry_safely(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_task *t;
	int i, fired = 0, cancelled = 0;
	long r;

	for (i = 0; i < 300; i++) {
		t = spawn_sleep(rt, CLOCK_MONOTONIC, (i % 50) * NSEC_PER_USEC, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		udelay(i % 40);
		art_task_abort(t);
		r = art_kunit_wait(t);
		KUNIT_EXPECT_TRUE(test, r == 0 || r == -ECANCELED);
		fired += r == 0;
		cancelled += r == -ECANCELED;
		art_task_put(t);
	}
	KUNIT_EXPECT_EQ(test, fired + cancelled, 300);
	kunit_info(test, "%d fired first, %d cancelled", fired, cancelled);
}

/* Counts the ticks of an interval until aborted. */
struct ticker {
	struct art_future fut;
	struct art_interval iv;
	atomic_t *ticks;
	atomic_t *periods;
};

static enum art_poll ticker_poll(struct art_future *f, struct art_cx *cx,
				 long *res)
{
	struct ticker *tk = container_of(f, struct ticker, fut);
	long r;

	while (art_interval_poll(&tk->iv, cx, &r) == ART_READY) {
		atomic_inc(tk->ticks);
		atomic_add(r, tk->periods);
	}
	return ART_PENDING;
}

static void ticker_drop(struct art_future *f, long res)
{
	art_interval_drop(&container_of(f, struct ticker, fut)->iv);
}

static const struct art_future_ops ticker_ops = {
	.poll = ticker_poll,
	.drop = ticker_drop,
};

#define MS	NSEC_PER_MSEC

/*
 * Period 100 ms, first tick due at 100. The clock jumps to 1050 (ten
 * ticks late), then to 1100, then 1150. Expected ticks after each step:
 *   BURST 10 11 11 (every missed tick, back to back; schedule kept)
 *   DELAY  1  1  2 (one late tick, next at 1050 + 100)
 *   SKIP   1  2  2 (one late tick, next at the schedule's 1100)
 */
static const struct {
	enum art_tick_policy policy;
	int ticks[3];
	int periods;
} art_tick_cases[] = {
	{ ART_TICK_BURST, { 10, 11, 11 }, 11 },
	{ ART_TICK_DELAY, { 1, 1, 2 }, 11 },
	{ ART_TICK_SKIP, { 1, 2, 2 }, 11 },
};

static void art_interval_poll_each_missed_tick_policy(struct kunit *test)
{
	static const u64 steps[] = { 1050 * MS, 50 * MS, 50 * MS };
	int c, i;

	for (c = 0; c < ARRAY_SIZE(art_tick_cases); c++) {
		struct art_rt_config cfg = {
			.name = "tick", .flags = ART_RT_TEST_CLOCK,
		};
		atomic_t ticks = ATOMIC_INIT(0), periods = ATOMIC_INIT(0);
		struct ticker tk = {
			.fut.ops = &ticker_ops, .ticks = &ticks, .periods = &periods,
		};
		struct art_runtime *rt;
		struct art_task *t;

		rt = art_rt_create(&cfg);
		KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
		art_interval_init(&tk.iv, CLOCK_MONOTONIC, 100 * MS,
				  art_tick_cases[c].policy);
		t = art_spawn_copy(rt, &tk.fut, sizeof(tk), 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		KUNIT_EXPECT_EQ(test, art_rt_quiesce(rt, 60 * HZ), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&ticks), 0);
		for (i = 0; i < 3; i++) {
			art_clock_advance(rt, steps[i]);
			KUNIT_EXPECT_EQ(test, art_rt_quiesce(rt, 60 * HZ), 0);
			KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ticks),
					    art_tick_cases[c].ticks[i],
					    "policy %d step %d", c, i);
		}
		/* Every policy accounts for every period that passed. */
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&periods),
				    art_tick_cases[c].periods, "policy %d", c);
		art_task_abort(t);
		KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -ECANCELED);
		art_task_put(t);
		art_rt_destroy(rt);
	}
}

/* A real-clock interval ticks repeatedly with the runtime's slack. */
static void art_interval_poll_real_clock_ticks(struct kunit *test)
{
	struct art_rt_config cfg = {
		.name = "slack", .timer_slack_ns = 100 * NSEC_PER_USEC,
	};
	atomic_t ticks = ATOMIC_INIT(0), periods = ATOMIC_INIT(0);
	struct ticker tk = {
		.fut.ops = &ticker_ops, .ticks = &ticks, .periods = &periods,
	};
	struct art_runtime *rt;
	struct art_task *t;
	int i;

	rt = art_rt_create(&cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	art_interval_init(&tk.iv, CLOCK_MONOTONIC, 2 * MS, ART_TICK_SKIP);
	t = art_spawn_copy(rt, &tk.fut, sizeof(tk), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (i = 0; i < 600 && atomic_read(&ticks) < 5; i++)
		msleep(100);
	KUNIT_EXPECT_GE(test, atomic_read(&ticks), 5);
	art_rt_destroy(rt);	/* with the interval armed */
	KUNIT_EXPECT_EQ(test, art_task_result(t), -ECANCELED);
	art_task_put(t);
}

static struct kunit_case art_timer_cases[] = {
	KUNIT_CASE(art_sleep_poll_waits_on_each_clock),
	KUNIT_CASE(art_clock_advance_fires_only_due_timers),
	KUNIT_CASE(art_sleep_reset_moves_deadline),
	KUNIT_CASE(art_sleep_drop_races_expiry_safely),
	KUNIT_CASE(art_interval_poll_each_missed_tick_policy),
	KUNIT_CASE(art_interval_poll_real_clock_ticks),
	{}
};

static struct kunit_suite art_timer_suite = {
	.name = "asyncrt_timer",
	.test_cases = art_timer_cases,
};

kunit_test_suite(art_timer_suite);
