// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the executor's timers over kernel SLEEP and INTERVAL: sleep
 * and sleep_until wait at least as long as asked, a thousand concurrent
 * sleeps all end, interval ticks arrive numbered and in order (every one,
 * even after a stall, with the BURST policy), timeout(any future) gives
 * -ETIME or the inner result, the kernel's per-entry timeout works through
 * the executor, aborting a task blocked in a sleep cancels the kernel entry,
 * and destroying a runtime with sleeping tasks returns at once.
 * Timing checks are lower bounds; upper bounds are seconds, for an emulated
 * guest.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "executor/rt_helpers.h"

RT_FIXTURE(timer);

struct sleeper {
	struct asyncrt_co co;
	struct asyncrt_sleep s;
	uint64_t ns;
	int absolute;
	long r;
};

static enum asyncrt_poll sleeper(struct asyncrt_cx *cx, void *state, long *res)
{
	struct sleeper *s = state;

	asyncrt_co_begin(&s->co);
	if (s->absolute)
		asyncrt_sleep_until_init(&s->s, s->ns);
	else
		asyncrt_sleep_init(&s->s, s->ns);
	asyncrt_co_await(&s->co, asyncrt_sleep_poll(&s->s, cx, &s->r));
	asyncrt_co_return(&s->co, res, s->r);
	asyncrt_co_end(&s->co, res);
}

TEST_F(timer, sleep_waits_at_least_its_duration)
{
	struct sleeper s = { .ns = 20 * MS };
	uint64_t t0 = asyncrt_now_ns();
	long res = -1;

	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	ASSERT_EQ(0, asyncrt_block_on(self->rt, sleeper, &s, sizeof(s), &res));
	EXPECT_EQ(0, res);
	EXPECT_LE(20 * MS, asyncrt_now_ns() - t0);
	EXPECT_GT(5000 * MS, asyncrt_now_ns() - t0);
}

TEST_F(timer, sleep_until_waits_for_the_deadline)
{
	struct sleeper s = { .absolute = 1 };
	uint64_t t0 = asyncrt_now_ns();
	long res = -1;

	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	s.ns = t0 + 30 * MS;
	ASSERT_EQ(0, asyncrt_block_on(self->rt, sleeper, &s, sizeof(s), &res));
	EXPECT_EQ(0, res);
	EXPECT_LE(t0 + 30 * MS, asyncrt_now_ns());
	/* A deadline in the past completes at once. */
	s.ns = t0;
	memset(&s.co, 0, sizeof(s.co));
	ASSERT_EQ(0, asyncrt_block_on(self->rt, sleeper, &s, sizeof(s), &res));
	EXPECT_EQ(0, res);
}

/* A group of n sleepers of 1..50 ms; every one must end with 0. */
struct many_sleeps {
	struct asyncrt_co co;
	struct asyncrt_group g;
	struct asyncrt_group_next next;
	int n, i, ok;
	long r;
};

static enum asyncrt_poll many_sleeps(struct asyncrt_cx *cx, void *state, long *res)
{
	struct many_sleeps *m = state;
	struct sleeper s = { 0 };

	asyncrt_co_begin(&m->co);
	asyncrt_group_init(&m->g, cx->rt);
	for (m->i = 0; m->i < m->n; m->i++) {
		s.ns = (1 + m->i % 50) * MS;
		asyncrt_group_spawn(&m->g, sleeper, &s, sizeof(s), NULL);
	}
	for (;;) {
		asyncrt_group_next_init(&m->next, &m->g);
		asyncrt_co_await(&m->co, asyncrt_group_next_poll(&m->next, cx, &m->r));
		if (m->r)
			break;
		m->ok += m->next.value == 0;
	}
	asyncrt_group_destroy(&m->g);
	asyncrt_co_return(&m->co, res, m->ok);
	asyncrt_co_end(&m->co, res);
}

TEST_F(timer, thousand_concurrent_sleeps_all_end)
{
	struct many_sleeps m = { .n = 1000 };
	struct asyncrt_metrics mt;
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	ASSERT_EQ(0, asyncrt_block_on(self->rt, many_sleeps, &m, sizeof(m), &res));
	EXPECT_EQ(1000, res);
	ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &mt, sizeof(mt)));
	EXPECT_EQ(1000, mt.ops_submitted);
	EXPECT_EQ(0, mt.ops_inflight);
}

/* Takes ticks of an interval into an array; stalls the thread once. */
struct ticker {
	struct asyncrt_co co;
	struct asyncrt_interval iv;
	uint64_t period, count;
	uint32_t policy;
	int take, n, stall_at;
	long ticks[64];
	long r;
};

static enum asyncrt_poll ticker(struct asyncrt_cx *cx, void *state, long *res)
{
	struct ticker *t = state;

	asyncrt_co_begin(&t->co);
	asyncrt_interval_init(&t->iv, t->period, t->count, t->policy);
	for (;;) {
		asyncrt_co_await(&t->co, asyncrt_interval_tick(&t->iv, cx, &t->r));
		if (t->r <= 0 || t->n == 64)
			break;
		t->ticks[t->n++] = t->r;
		if (t->n == t->stall_at)
			usleep(30000);	/* miss several ticks */
		if (t->n == t->take) {
			asyncrt_drop(&t->iv.op.fut);
			t->r = 1;
			break;
		}
	}
	asyncrt_co_return(&t->co, res, t->r);
	asyncrt_co_end(&t->co, res);
}

TEST_F(timer, interval_ticks_in_order_then_ends)
{
	struct ticker t = { .period = 5 * MS, .count = 5 };
	long res = -1;
	int i;

	REQUIRE_OP(self->rt, ASYNCRT_OP_INTERVAL, "INTERVAL");
	ASSERT_EQ(0, asyncrt_block_on(self->rt, ticker, &t, 0, &res));
	EXPECT_EQ(0, res);
	ASSERT_EQ(5, t.n);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(i + 1, t.ticks[i]);
}

TEST_F(timer, interval_burst_delivers_every_missed_tick)
{
	struct ticker t = { .period = 2 * MS, .count = 30, .stall_at = 2,
			    .policy = ASYNCRT_TICK_BURST };
	long res = -1;
	int i;

	REQUIRE_OP(self->rt, ASYNCRT_OP_INTERVAL, "INTERVAL");
	ASSERT_EQ(0, asyncrt_block_on(self->rt, ticker, &t, 0, &res));
	EXPECT_EQ(0, res);
	ASSERT_EQ(30, t.n);
	for (i = 0; i < 30; i++)
		EXPECT_EQ(i + 1, t.ticks[i]);
}

TEST_F(timer, interval_delay_and_skip_policies_tick)
{
	uint32_t policies[] = { ASYNCRT_TICK_DELAY, ASYNCRT_TICK_SKIP };
	unsigned int p;

	REQUIRE_OP(self->rt, ASYNCRT_OP_INTERVAL, "INTERVAL");
	for (p = 0; p < 2; p++) {
		struct ticker t = { .period = 2 * MS, .take = 6, .stall_at = 2,
				    .policy = policies[p] };
		long res = -1;
		int i;

		ASSERT_EQ(0, asyncrt_block_on(self->rt, ticker, &t, 0, &res));
		EXPECT_EQ(1, res);
		ASSERT_EQ(6, t.n);
		for (i = 1; i < 6; i++)
			EXPECT_LT(t.ticks[i - 1], t.ticks[i]);
	}
}

/* Runs the loop a little so completions of cancelled entries are reaped. */
static void settle(struct asyncrt_rt *rt)
{
	struct sleeper s = { .ns = 20 * MS };
	long res;

	asyncrt_block_on(rt, sleeper, &s, sizeof(s), &res);
}

TEST_F(timer, dropped_endless_interval_is_cancelled)
{
	struct ticker t = { .period = 2 * MS, .take = 3 };
	struct asyncrt_metrics m;
	long res = -1;

	REQUIRE_OP(self->rt, ASYNCRT_OP_INTERVAL, "INTERVAL");
	REQUIRE_OP(self->rt, ASYNCRT_OP_CANCEL, "CANCEL");
	ASSERT_EQ(0, asyncrt_block_on(self->rt, ticker, &t, 0, &res));
	EXPECT_EQ(1, res);
	settle(self->rt);
	ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
	EXPECT_EQ(1, m.cancels);
	EXPECT_EQ(0, m.ops_inflight);
}

/* timeout(inner): the inner future is one of a sleep, a channel, a join. */
struct timed {
	struct asyncrt_co co;
	struct asyncrt_timeout to;
	struct asyncrt_sleep s;
	struct asyncrt_oneshot_recv rx;
	struct asyncrt_join j;
	struct asyncrt_oneshot *ch;
	struct asyncrt_task *h;
	uint64_t inner_ns, limit_ns;
	int kind;
	long buf, r;
};

static enum asyncrt_poll timed(struct asyncrt_cx *cx, void *state, long *res)
{
	struct timed *t = state;
	struct sleeper s = { .ns = 1 * MS };
	struct asyncrt_future *inner;

	asyncrt_co_begin(&t->co);
	switch (t->kind) {
	case 0:
		asyncrt_sleep_init(&t->s, t->inner_ns);
		inner = &t->s.op.fut;
		break;
	case 1:
		asyncrt_oneshot_recv_init(&t->rx, t->ch, &t->buf);
		inner = &t->rx.fut;
		break;
	default:
		asyncrt_spawn(cx->rt, sleeper, &s, sizeof(s), &t->h);
		asyncrt_join_init(&t->j, t->h);
		inner = &t->j.fut;
		break;
	}
	asyncrt_timeout_init(&t->to, inner, t->limit_ns);
	asyncrt_co_await(&t->co, asyncrt_timeout_poll(&t->to, cx, &t->r));
	asyncrt_co_return(&t->co, res, t->r);
	asyncrt_co_end(&t->co, res);
}

TEST_F(timer, timeout_of_a_long_sleep_is_etime_and_cancels_it)
{
	struct timed t = { .kind = 0, .inner_ns = 60000 * MS, .limit_ns = 20 * MS };
	uint64_t t0 = asyncrt_now_ns();
	struct asyncrt_metrics m;
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	REQUIRE_OP(self->rt, ASYNCRT_OP_CANCEL, "CANCEL");
	ASSERT_EQ(0, asyncrt_block_on(self->rt, timed, &t, sizeof(t), &res));
	EXPECT_EQ(-ETIME, res);
	EXPECT_LE(20 * MS, asyncrt_now_ns() - t0);
	settle(self->rt);
	ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
	EXPECT_EQ(0, m.ops_inflight);
	EXPECT_GT(30000 * MS, asyncrt_now_ns() - t0);
}

TEST_F(timer, timeout_of_a_quick_future_gives_its_result)
{
	struct timed t = { .kind = 0, .inner_ns = 1 * MS, .limit_ns = 10000 * MS };
	long res = -1;

	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	ASSERT_EQ(0, asyncrt_block_on(self->rt, timed, &t, sizeof(t), &res));
	EXPECT_EQ(0, res);
	t = (struct timed){ .kind = 2, .limit_ns = 10000 * MS };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, timed, &t, sizeof(t), &res));
	EXPECT_EQ(0, res);
}

TEST_F(timer, timeout_of_a_channel_recv_is_etime)
{
	struct timed t = { .kind = 1, .limit_ns = 10 * MS };
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	ASSERT_EQ(0, asyncrt_oneshot_new(&t.ch, sizeof(long)));
	ASSERT_EQ(0, asyncrt_block_on(self->rt, timed, &t, sizeof(t), &res));
	EXPECT_EQ(-ETIME, res);
	/* The receiver was unhooked: the send finds nobody waiting. */
	EXPECT_EQ(0, asyncrt_oneshot_send(t.ch, &res));
	asyncrt_oneshot_close_rx(t.ch);
}

/* The kernel's own per-entry timeout, set on an op before its first poll. */
struct kernel_timed {
	struct asyncrt_co co;
	struct asyncrt_sleep s;
	long r;
};

static enum asyncrt_poll kernel_timed(struct asyncrt_cx *cx, void *state, long *res)
{
	struct kernel_timed *k = state;

	asyncrt_co_begin(&k->co);
	asyncrt_sleep_init(&k->s, 60000 * MS);
	asyncrt_op_set_timeout(&k->s.op, 20 * MS);
	asyncrt_co_await(&k->co, asyncrt_sleep_poll(&k->s, cx, &k->r));
	asyncrt_co_return(&k->co, res, k->r);
	asyncrt_co_end(&k->co, res);
}

TEST_F(timer, kernel_entry_timeout_is_etime)
{
	uint64_t t0 = asyncrt_now_ns();
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	if (!asyncrt_ring_has_feature(asyncrt_rt_ring(self->rt), ASYNCRT_FEAT_TIMEOUT))
		SKIP(return, "the module lacks ASYNCRT_SQE_TIMEOUT (not implemented yet)");
	ASSERT_EQ(0, asyncrt_block_on(self->rt, kernel_timed, NULL,
				      sizeof(struct kernel_timed), &res));
	EXPECT_EQ(-ETIME, res);
	EXPECT_GT(30000 * MS, asyncrt_now_ns() - t0);
}

/* Spawns a 60 s sleeper, lets it submit, aborts it, joins it. */
struct abort_sleeper {
	struct asyncrt_co co;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	long r;
};

static enum asyncrt_poll abort_sleeper(struct asyncrt_cx *cx, void *state, long *res)
{
	struct abort_sleeper *a = state;
	struct sleeper s = { .ns = 60000 * MS };

	asyncrt_co_begin(&a->co);
	asyncrt_spawn(cx->rt, sleeper, &s, sizeof(s), &a->h);
	asyncrt_co_yield(&a->co, cx);
	asyncrt_co_yield(&a->co, cx);
	asyncrt_task_abort(a->h);
	asyncrt_join_init(&a->j, a->h);
	asyncrt_co_await(&a->co, asyncrt_join_poll(&a->j, cx, &a->r));
	asyncrt_co_return(&a->co, res, a->r);
	asyncrt_co_end(&a->co, res);
}

TEST_F(timer, abort_of_task_blocked_in_sleep_cancels_the_entry)
{
	uint64_t t0 = asyncrt_now_ns();
	struct asyncrt_metrics m;
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	REQUIRE_OP(self->rt, ASYNCRT_OP_CANCEL, "CANCEL");
	ASSERT_EQ(0, asyncrt_block_on(self->rt, abort_sleeper, NULL,
				      sizeof(struct abort_sleeper), &res));
	EXPECT_EQ(-ECANCELED, res);
	settle(self->rt);
	ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
	EXPECT_EQ(1, m.cancels);
	EXPECT_EQ(1, m.tasks_aborted);
	EXPECT_EQ(0, m.ops_inflight);
	EXPECT_GT(30000 * MS, asyncrt_now_ns() - t0);
}

TEST_F(timer, destroy_with_tasks_sleeping_returns_at_once)
{
	struct sleeper s = { .ns = 60000 * MS };
	uint64_t t0 = asyncrt_now_ns();
	struct sleeper quick = { .ns = 10 * MS };
	long res;
	int i;

	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	for (i = 0; i < 500; i++)
		ASSERT_EQ(0, asyncrt_spawn(self->rt, sleeper, &s, sizeof(s), NULL));
	/* Run once so all 500 entries are in the kernel. */
	ASSERT_EQ(0, asyncrt_block_on(self->rt, sleeper, &quick, sizeof(quick), &res));
	asyncrt_rt_destroy(self->rt);
	self->rt = NULL;
	EXPECT_GT(30000 * MS, asyncrt_now_ns() - t0);
}

TEST_HARNESS_MAIN
