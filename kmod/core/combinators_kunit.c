// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite asyncrt_combinators: select completes with the first child
 * and drops the losers (their timer and waiter registrations are gone),
 * join collects every result, timeout expires with -ETIME or passes the
 * child's result, chain runs the second future only when it should, and
 * task groups join in completion order, abort all and shut down.
 */
#include <linux/slab.h>

#include "kunit_util.h"

/* select(notified, 1 h sleep, oneshot): the oneshot wins. */
struct sel {
	struct art_future fut;
	struct art_co co;
	struct art_notified w;
	struct art_sleep s;
	struct art_oneshot_recv r;
	struct art_future *futs[3];
	struct art_select sel;
	long res;
};

static enum art_poll sel_poll(struct art_future *f, struct art_cx *cx, long *res)
{
	struct sel *s = container_of(f, struct sel, fut);

	art_co_begin(&s->co);
	s->futs[0] = &s->w.fut;
	s->futs[1] = &s->s.fut;
	s->futs[2] = &s->r.fut;
	art_select_init(&s->sel, s->futs, 3);
	art_co_await(&s->co, art_future_poll(&s->sel.fut, cx, &s->res));
	art_co_return(&s->co, res, s->sel.winner * 1000 + s->res);
	art_co_end(&s->co, res);
}

static void sel_drop(struct art_future *f, long res)
{
	struct sel *s = container_of(f, struct sel, fut);

	if (s->sel.fut.ops)
		art_future_drop(&s->sel.fut, -ECANCELED);
}

static const struct art_future_ops sel_ops = {
	.poll = sel_poll,
	.drop = sel_drop,
};

static void art_select_init_drops_losers(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_oneshot *os = art_oneshot_new();
	struct sel *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct art_notify n;
	struct art_task *t;

	KUNIT_ASSERT_NOT_NULL(test, os);
	KUNIT_ASSERT_NOT_NULL(test, s);
	art_notify_init(&n);
	s->fut.ops = &sel_ops;
	art_notified_init(&s->w, &n);
	art_sleep_init(&s->s, CLOCK_MONOTONIC, 3600ULL * NSEC_PER_SEC, 0);
	art_oneshot_recv_init(&s->r, os);
	t = art_spawn_copy(rt, &s->fut, sizeof(*s), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_task_wait(t, HZ / 5), -ETIMEDOUT);
	art_oneshot_send(os, 5);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 2005);
	/* The losing waiter was unlinked: this notify finds nobody. */
	art_notify_one(&n);
	KUNIT_EXPECT_TRUE(test, n.permit);
	art_oneshot_close_rx(os);
	art_task_put(t);
}

/* join over three leaves: completes when all have, with each result. */
struct joinf {
	struct art_future fut;
	struct art_co co;
	struct art_sleep s;
	struct art_oneshot_recv r;
	struct art_notified w;
	struct art_future *futs[3];
	long res[3];
	struct art_join_all j;
	long r0;
};

static enum art_poll joinf_poll(struct art_future *f, struct art_cx *cx,
				long *res)
{
	struct joinf *j = container_of(f, struct joinf, fut);

	art_co_begin(&j->co);
	j->futs[0] = &j->s.fut;
	j->futs[1] = &j->r.fut;
	j->futs[2] = &j->w.fut;
	art_join_all_init(&j->j, j->futs, j->res, 3);
	art_co_await(&j->co, art_future_poll(&j->j.fut, cx, &j->r0));
	art_co_return(&j->co, res, j->res[0] + j->res[1] + j->res[2]);
	art_co_end(&j->co, res);
}

static void joinf_drop(struct art_future *f, long res)
{
	struct joinf *j = container_of(f, struct joinf, fut);

	if (j->j.fut.ops)
		art_future_drop(&j->j.fut, -ECANCELED);
}

static const struct art_future_ops joinf_ops = {
	.poll = joinf_poll,
	.drop = joinf_drop,
};

static void art_join_all_init_waits_for_every_child(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_TEST_CLOCK, 0);
	struct art_oneshot *os = art_oneshot_new();
	struct joinf *j = kunit_kzalloc(test, sizeof(*j), GFP_KERNEL);
	struct art_notify n;
	struct art_task *t;

	KUNIT_ASSERT_NOT_NULL(test, os);
	KUNIT_ASSERT_NOT_NULL(test, j);
	art_notify_init(&n);
	j->fut.ops = &joinf_ops;
	art_sleep_init(&j->s, CLOCK_MONOTONIC, NSEC_PER_SEC, 0);
	art_oneshot_recv_init(&j->r, os);
	art_notified_init(&j->w, &n);
	t = art_spawn_copy(rt, &j->fut, sizeof(*j), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	art_kunit_quiesce(test, rt);
	art_oneshot_send(os, 40);
	art_notify_one(&n);
	art_kunit_quiesce(test, rt);
	KUNIT_EXPECT_FALSE(test, art_task_is_finished(t));	/* sleep left */
	art_clock_advance(rt, NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 40);
	art_oneshot_close_rx(os);
	art_task_put(t);
}

/* timeout: -ETIME when the deadline passes first, else the child's result. */
struct tmo {
	struct art_future fut;
	struct art_oneshot_recv r;
	struct art_timeout t;
};

static enum art_poll tmo_poll(struct art_future *f, struct art_cx *cx, long *res)
{
	struct tmo *t = container_of(f, struct tmo, fut);

	if (!t->t.fut.ops)
		art_timeout_init(&t->t, &t->r.fut, CLOCK_MONOTONIC, NSEC_PER_SEC, 0);
	return art_future_poll(&t->t.fut, cx, res);
}

static void tmo_drop(struct art_future *f, long res)
{
	struct tmo *t = container_of(f, struct tmo, fut);

	if (t->t.fut.ops)
		art_future_drop(&t->t.fut, -ECANCELED);
}

static const struct art_future_ops tmo_ops = {
	.poll = tmo_poll,
	.drop = tmo_drop,
};

static void art_timeout_init_expires_or_passes_result(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_TEST_CLOCK, 0);
	struct art_oneshot *os1 = art_oneshot_new(), *os2 = art_oneshot_new();
	struct tmo proto = { .fut.ops = &tmo_ops };
	struct art_task *a, *b;

	KUNIT_ASSERT_NOT_NULL(test, os1);
	KUNIT_ASSERT_NOT_NULL(test, os2);
	art_oneshot_recv_init(&proto.r, os1);
	a = art_spawn_copy(rt, &proto.fut, sizeof(proto), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	art_oneshot_recv_init(&proto.r, os2);
	b = art_spawn_copy(rt, &proto.fut, sizeof(proto), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	art_kunit_quiesce(test, rt);
	art_oneshot_send(os2, 8);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(b), 8);
	art_clock_advance(rt, NSEC_PER_SEC - 1);
	art_kunit_quiesce(test, rt);
	KUNIT_EXPECT_FALSE(test, art_task_is_finished(a));
	art_clock_advance(rt, 1);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(a), -ETIME);
	/* The receiver was dropped: its channel is still usable. */
	KUNIT_EXPECT_EQ(test, art_oneshot_send(os1, 1), 0);
	art_oneshot_close_rx(os1);
	art_oneshot_close_rx(os2);
	art_task_put(a);
	art_task_put(b);
}

/* chain: second runs after success, is dropped after failure unless ALWAYS. */
struct counted {
	struct art_future fut;
	long value;
	int *polls, *drops;
};

static enum art_poll counted_poll(struct art_future *f, struct art_cx *cx,
				  long *res)
{
	struct counted *c = container_of(f, struct counted, fut);

	(*c->polls)++;
	*res = c->value;
	return ART_READY;
}

static void counted_drop(struct art_future *f, long res)
{
	(*container_of(f, struct counted, fut)->drops)++;
}

static const struct art_future_ops counted_ops = {
	.poll = counted_poll,
	.drop = counted_drop,
};

struct chained {
	struct art_future fut;
	struct counted a, b;
	unsigned int flags;
	struct art_chain c;
};

static enum art_poll chained_poll(struct art_future *f, struct art_cx *cx,
				  long *res)
{
	struct chained *c = container_of(f, struct chained, fut);

	/* Children are addressed inside the task's copy: set up at first poll. */
	if (!c->c.fut.ops)
		art_chain_init(&c->c, &c->a.fut, &c->b.fut, c->flags);
	return art_future_poll(&c->c.fut, cx, res);
}

static const struct art_future_ops chained_ops = { .poll = chained_poll };

static void art_chain_init_runs_second_when_it_should(struct kunit *test)
{
	static const struct {
		long first;
		unsigned int flags;
		long want;
		int second_polls;
	} cases[] = {
		{ 1, 0, 2, 1 },
		{ -EIO, 0, -EIO, 0 },
		{ -EIO, ART_CHAIN_ALWAYS, 2, 1 },
	};
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int *polls = kunit_kzalloc(test, 2 * sizeof(int), GFP_KERNEL);
		int *drops = kunit_kzalloc(test, 2 * sizeof(int), GFP_KERNEL);
		struct chained c = { .fut.ops = &chained_ops, .flags = cases[i].flags };
		struct art_task *t;

		KUNIT_ASSERT_NOT_NULL(test, polls);
		KUNIT_ASSERT_NOT_NULL(test, drops);
		c.a = (struct counted){ .fut.ops = &counted_ops,
			.value = cases[i].first, .polls = &polls[0], .drops = &drops[0] };
		c.b = (struct counted){ .fut.ops = &counted_ops,
			.value = 2, .polls = &polls[1], .drops = &drops[1] };
		t = art_spawn_copy(rt, &c.fut, sizeof(c), 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		KUNIT_EXPECT_EQ_MSG(test, art_kunit_wait(t), cases[i].want, "case %d", i);
		KUNIT_EXPECT_EQ(test, polls[0], 1);
		KUNIT_EXPECT_EQ(test, polls[1], cases[i].second_polls);
		/* Each child is dropped exactly once, run or not. */
		KUNIT_EXPECT_EQ(test, drops[0], 1);
		KUNIT_EXPECT_EQ(test, drops[1], 1);
		art_task_put(t);
	}
}

/* Group members: a oneshot receiver each, so the test picks the order. */
struct member {
	struct art_future fut;
	struct art_oneshot_recv r;
};

static enum art_poll member_poll(struct art_future *f, struct art_cx *cx,
				 long *res)
{
	return art_oneshot_recv_poll(&container_of(f, struct member, fut)->r, cx, res);
}

static void member_drop(struct art_future *f, long res)
{
	art_oneshot_recv_drop(&container_of(f, struct member, fut)->r);
}

static const struct art_future_ops member_ops = {
	.poll = member_poll,
	.drop = member_drop,
};

static int member_init(struct art_future *f, void *arg)
{
	struct member *m = container_of(f, struct member, fut);

	m->fut.ops = &member_ops;
	art_oneshot_recv_init(&m->r, arg);
	return 0;
}

/* Joins group members in completion order; reports how many it joined. */
struct collector {
	struct art_future fut;
	struct art_co co;
	struct art_group *g;
	struct art_group_next next;
	long order[8];
	int n;
	long r;
};

static enum art_poll collector_poll(struct art_future *f, struct art_cx *cx,
				    long *res)
{
	struct collector *c = container_of(f, struct collector, fut);

	art_co_begin(&c->co);
	for (;;) {
		art_group_next_init(&c->next, c->g);
		art_co_await(&c->co, art_group_next_poll(&c->next, cx, &c->r));
		if (c->r == -ENOENT)
			break;
		if (c->n < 8)
			c->order[c->n] = c->r;
		c->n++;
	}
	art_co_return(&c->co, res, c->n);
	art_co_end(&c->co, res);
}

static void collector_drop(struct art_future *f, long res)
{
	art_group_next_drop(&container_of(f, struct collector, fut)->next);
}

static const struct art_future_ops collector_ops = {
	.poll = collector_poll,
	.drop = collector_drop,
};

static void art_group_next_poll_joins_in_completion_order(struct kunit *test)
{
	static const int order[] = { 3, 0, 4, 1, 2 };
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_group *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	struct collector *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct art_oneshot *os[5];
	struct art_task *t;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, g);
	KUNIT_ASSERT_NOT_NULL(test, c);
	art_group_init(g, rt);
	for (i = 0; i < 5; i++) {
		os[i] = art_oneshot_new();
		KUNIT_ASSERT_NOT_NULL(test, os[i]);
		KUNIT_ASSERT_EQ(test, art_group_spawn(g, sizeof(struct member),
						      member_init, os[i]), 0);
	}
	c->fut.ops = &collector_ops;
	c->g = g;
	t = art_spawn_copy(rt, &c->fut, sizeof(*c), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (i = 0; i < 5; i++) {
		art_oneshot_send(os[order[i]], 10 + order[i]);
		art_kunit_quiesce(test, rt);	/* one at a time */
	}
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 5);
	c = container_of(art_task_future(t), struct collector, fut);
	art_task_put(t);
	for (i = 0; i < 5; i++)
		art_oneshot_close_rx(os[i]);
	art_group_shutdown(g);
}

static void art_group_abort_all_then_shutdown(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_group *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	struct collector c = { .fut.ops = &collector_ops };
	struct art_oneshot *os[6];
	struct art_task *t;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, g);
	art_group_init(g, rt);
	for (i = 0; i < 6; i++) {
		os[i] = art_oneshot_new();
		KUNIT_ASSERT_NOT_NULL(test, os[i]);
		KUNIT_ASSERT_EQ(test, art_group_spawn(g, sizeof(struct member),
						      member_init, os[i]), 0);
	}
	art_oneshot_send(os[0], 1);
	art_kunit_quiesce(test, rt);
	/* One finished, five pending: shutdown aborts and frees them all. */
	art_group_shutdown(g);
	KUNIT_EXPECT_EQ(test, g->nr, 0U);
	for (i = 0; i < 6; i++) {
		if (i)
			art_oneshot_close_tx(os[i]);
		art_oneshot_close_rx(os[i]);
	}
	/* -ENOMEM from the member allocation and from the task. */
	art_fault_inject(1);
	KUNIT_EXPECT_EQ(test, art_group_spawn(g, sizeof(struct member),
					      member_init, NULL), -ENOMEM);
	art_fault_inject(2);
	KUNIT_EXPECT_EQ(test, art_group_spawn(g, sizeof(struct member),
					      member_init, NULL), -ENOMEM);
	art_fault_inject(0);
	KUNIT_EXPECT_EQ(test, g->nr, 0U);
	/* Nothing damaged: the group still takes and joins a member. */
	os[0] = art_oneshot_new();
	KUNIT_ASSERT_NOT_NULL(test, os[0]);
	KUNIT_ASSERT_EQ(test, art_group_spawn(g, sizeof(struct member),
					      member_init, os[0]), 0);
	art_oneshot_send(os[0], 5);
	c.g = g;
	t = art_spawn_copy(rt, &c.fut, sizeof(c), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 1);
	art_task_put(t);
	art_group_shutdown(g);
	art_oneshot_close_rx(os[0]);
}

static int ready_member_init(struct art_future *f, void *arg)
{
	struct art_kfn *k = container_of(f, struct art_kfn, fut);

	k->fut.ops = &art_kfn_ops;
	return 0;
}

/*
 * Regression: a member's completion notified the group after releasing its
 * lock, so a shutdown that saw the member finished could return, and the
 * owner free the group, before that notify touched it (KASAN). Stress:
 * members that complete at once, shut down and freed straight away.
 */
static void art_group_shutdown_then_free_races_member_done(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_group *g;
	int i, j;

	for (i = 0; i < 100; i++) {
		g = kmalloc(sizeof(*g), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, g);
		art_group_init(g, rt);
		for (j = 0; j < 4; j++)
			KUNIT_EXPECT_EQ(test, art_group_spawn(g, sizeof(struct art_kfn),
							      ready_member_init, NULL), 0);
		art_group_shutdown(g);
		kfree(g);
	}
}

/*
 * The example of Documentation/kernel-api.rst, on a test clock: each
 * round selects between a doorbell and an interval tick; the interval
 * loses some rounds and must keep its schedule.
 */
struct beat {
	struct art_future fut;
	struct art_co co;
	struct art_interval tick;
	struct art_notified bell;
	struct art_future *arms[2];
	struct art_select sel;
	struct art_oneshot_recv stop;
	struct art_notify *doorbell;
	long r;
	atomic_t *ticks, *rings;
};

static enum art_poll beat_poll(struct art_future *f, struct art_cx *cx,
			       long *res)
{
	struct beat *b = container_of(f, struct beat, fut);

	art_co_begin(&b->co);
	art_interval_init(&b->tick, CLOCK_MONOTONIC, 100 * NSEC_PER_MSEC,
			  ART_TICK_SKIP);
	for (;;) {
		if (art_oneshot_recv_poll(&b->stop, cx, &b->r) == ART_READY)
			break;
		art_notified_init(&b->bell, b->doorbell);
		b->arms[0] = &b->bell.fut;
		b->arms[1] = &b->tick.sleep.fut;
		art_select_init(&b->sel, b->arms, 2);
		art_co_await(&b->co, art_future_poll(&b->sel.fut, cx, &b->r));
		if (b->sel.winner == 0)
			atomic_inc(b->rings);
		else
			atomic_inc(b->ticks);
	}
	art_co_return(&b->co, res, atomic_read(b->ticks));
	art_co_end(&b->co, res);
}

static void beat_drop(struct art_future *f, long res)
{
	struct beat *b = container_of(f, struct beat, fut);

	art_interval_drop(&b->tick);
	art_notified_drop(&b->bell);
	art_oneshot_recv_drop(&b->stop);
}

static const struct art_future_ops beat_ops = {
	.poll = beat_poll,
	.drop = beat_drop,
};

static void art_select_init_interval_keeps_schedule_when_losing(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_TEST_CLOCK, 0);
	struct art_notify *bell = kunit_kzalloc(test, sizeof(*bell), GFP_KERNEL);
	atomic_t *cnt = kunit_kcalloc(test, 2, sizeof(*cnt), GFP_KERNEL);
	struct art_oneshot *stop = art_oneshot_new();
	struct beat b = { .fut.ops = &beat_ops };
	struct art_task *t;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, bell);
	KUNIT_ASSERT_NOT_NULL(test, cnt);
	KUNIT_ASSERT_NOT_NULL(test, stop);
	art_notify_init(bell);
	b.doorbell = bell;
	b.ticks = &cnt[0];
	b.rings = &cnt[1];
	art_oneshot_recv_init(&b.stop, stop);
	t = art_spawn_copy(rt, &b.fut, sizeof(b), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	art_kunit_quiesce(test, rt);
	for (i = 0; i < 3; i++) {
		art_notify_one(bell);		/* the bell wins this round */
		art_kunit_quiesce(test, rt);
		art_clock_advance(rt, 50 * NSEC_PER_MSEC);
		art_kunit_quiesce(test, rt);
		KUNIT_EXPECT_EQ(test, atomic_read(&cnt[0]), i);
		art_clock_advance(rt, 50 * NSEC_PER_MSEC);	/* tick i + 1 */
		art_kunit_quiesce(test, rt);
		KUNIT_EXPECT_EQ(test, atomic_read(&cnt[0]), i + 1);
		KUNIT_EXPECT_EQ(test, atomic_read(&cnt[1]), i + 1);
	}
	art_oneshot_send(stop, 0);
	art_notify_one(bell);	/* end the pending select */
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 3);
	art_oneshot_close_rx(stop);
	art_task_put(t);
}

static struct kunit_case art_combinators_cases[] = {
	KUNIT_CASE(art_select_init_drops_losers),
	KUNIT_CASE(art_join_all_init_waits_for_every_child),
	KUNIT_CASE(art_timeout_init_expires_or_passes_result),
	KUNIT_CASE(art_chain_init_runs_second_when_it_should),
	KUNIT_CASE(art_group_next_poll_joins_in_completion_order),
	KUNIT_CASE(art_group_abort_all_then_shutdown),
	KUNIT_CASE(art_group_shutdown_then_free_races_member_done),
	KUNIT_CASE(art_select_init_interval_keeps_schedule_when_losing),
	{}
};

static struct kunit_suite art_combinators_suite = {
	.name = "asyncrt_combinators",
	.test_cases = art_combinators_cases,
};

kunit_test_suite(art_combinators_suite);
