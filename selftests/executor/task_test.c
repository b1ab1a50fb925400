// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the executor's tasks without timers: spawn and join, yield
 * order, abort (pending, finished, self), detach, block_on of a task and of
 * a bare future, -EDEADLK for a loop that can never progress, groups
 * (JoinSet, and one going with the task state that holds it), metrics,
 * a runtime destroyed with tasks still pending, a joined task's memory
 * reused by the next spawn (the task cache), and bad input. Waits here
 * are channels, so only NOP is needed from the module.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "executor/rt_helpers.h"

RT_FIXTURE(task);

/* A task that returns its argument. */
struct value_task {
	long v;
};

static enum asyncrt_poll value_task(struct asyncrt_cx *cx, void *state, long *res)
{
	*res = ((struct value_task *)state)->v;
	return ASYNCRT_READY;
}

/* Spawns a child returning 42 and returns what joining it gave. */
struct spawn_join {
	struct asyncrt_co co;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	long r;
};

static enum asyncrt_poll spawn_join(struct asyncrt_cx *cx, void *state, long *res)
{
	struct spawn_join *s = state;
	struct value_task v = { .v = 42 };

	asyncrt_co_begin(&s->co);
	if (asyncrt_spawn(cx->rt, value_task, &v, sizeof(v), &s->h))
		asyncrt_co_return(&s->co, res, -1);
	asyncrt_join_init(&s->j, s->h);
	asyncrt_co_await(&s->co, asyncrt_join_poll(&s->j, cx, &s->r));
	asyncrt_co_return(&s->co, res, s->r);
	asyncrt_co_end(&s->co, res);
}

TEST_F(task, spawn_join_gives_the_result)
{
	long res = 0;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, spawn_join, NULL,
				      sizeof(struct spawn_join), &res));
	EXPECT_EQ(42, res);
}

/* Spawns and joins two children in turn; returns 1 if they shared memory. */
struct reuse {
	struct asyncrt_co co;
	struct asyncrt_task *h, *first;
	struct asyncrt_join j;
	long r, sum;
	int i;
};

static enum asyncrt_poll reuse(struct asyncrt_cx *cx, void *state, long *res)
{
	struct reuse *s = state;
	struct value_task v = { .v = 20 };

	asyncrt_co_begin(&s->co);
	for (s->i = 0; s->i < 2; s->i++) {
		if (asyncrt_spawn(cx->rt, value_task, &v, sizeof(v), &s->h))
			asyncrt_co_return(&s->co, res, -1);
		if (!s->first)
			s->first = s->h;
		asyncrt_join_init(&s->j, s->h);
		asyncrt_co_await(&s->co, asyncrt_join_poll(&s->j, cx, &s->r));
		s->sum += s->r;
	}
	asyncrt_co_return(&s->co, res, s->sum + (s->h == s->first));
	asyncrt_co_end(&s->co, res);
}

TEST_F(task, joined_task_object_is_reused_by_the_next_spawn)
{
	struct asyncrt_metrics m;
	long res = 0;

	/* 20 + 20, and 1 for the second child reusing the first's object. */
	ASSERT_EQ(0, asyncrt_block_on(self->rt, reuse, NULL, sizeof(struct reuse), &res));
	EXPECT_EQ(41, res);
	ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
	EXPECT_EQ(3, m.tasks_spawned);
	EXPECT_EQ(0, m.tasks_alive);
}

TEST_F(task, block_on_future_of_a_join)
{
	struct value_task v = { .v = -7 };
	struct asyncrt_task *h;
	struct asyncrt_join j;
	long res = 0;

	ASSERT_EQ(0, asyncrt_spawn(self->rt, value_task, &v, sizeof(v), &h));
	asyncrt_join_init(&j, h);
	ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &j.fut, &res));
	EXPECT_EQ(-7, res);
}

/* Two tasks that yield between steps interleave, each step logged. */
struct yielder {
	struct asyncrt_co co;
	char *log;
	int *pos;
	char name;
	int i;
};

static enum asyncrt_poll yielder(struct asyncrt_cx *cx, void *state, long *res)
{
	struct yielder *y = state;

	asyncrt_co_begin(&y->co);
	for (y->i = 0; y->i < 3; y->i++) {
		y->log[(*y->pos)++] = y->name;
		asyncrt_co_yield(&y->co, cx);
	}
	asyncrt_co_end(&y->co, res);
}

struct two_yielders {
	struct asyncrt_co co;
	char *log;
	int *pos;
	struct asyncrt_task *a, *b;
	struct asyncrt_join j;
	long r;
};

static enum asyncrt_poll two_yielders(struct asyncrt_cx *cx, void *state, long *res)
{
	struct two_yielders *t = state;
	struct yielder y = { .log = t->log, .pos = t->pos };

	asyncrt_co_begin(&t->co);
	y.name = 'a';
	asyncrt_spawn(cx->rt, yielder, &y, sizeof(y), &t->a);
	y.name = 'b';
	asyncrt_spawn(cx->rt, yielder, &y, sizeof(y), &t->b);
	asyncrt_join_init(&t->j, t->a);
	asyncrt_co_await(&t->co, asyncrt_join_poll(&t->j, cx, &t->r));
	asyncrt_join_init(&t->j, t->b);
	asyncrt_co_await(&t->co, asyncrt_join_poll(&t->j, cx, &t->r));
	asyncrt_co_end(&t->co, res);
}

TEST_F(task, yield_lets_the_other_task_run)
{
	char log[16] = { 0 };
	int pos = 0;
	struct two_yielders t = { .log = log, .pos = &pos };
	long res;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, two_yielders, &t, sizeof(t), &res));
	EXPECT_STREQ("ababab", log);
}

/* Waits on a oneshot forever; counts its drops. */
struct blocked {
	struct asyncrt_co co;
	struct asyncrt_oneshot_recv rx;
	struct asyncrt_oneshot *ch;
	int *dropped;
	long buf, r;
};

static enum asyncrt_poll blocked(struct asyncrt_cx *cx, void *state, long *res)
{
	struct blocked *b = state;

	asyncrt_co_begin(&b->co);
	asyncrt_oneshot_recv_init(&b->rx, b->ch, &b->buf);
	asyncrt_co_await(&b->co, asyncrt_oneshot_recv_poll(&b->rx, cx, &b->r));
	asyncrt_co_return(&b->co, res, b->r);
	asyncrt_co_end(&b->co, res);
}

static void blocked_drop(void *state)
{
	(*((struct blocked *)state)->dropped)++;
}

/* Spawns a blocked task, lets it park, aborts it, joins it. */
struct abort_blocked {
	struct asyncrt_co co;
	struct blocked b;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	long r;
	int abort_ret;
};

static enum asyncrt_poll abort_blocked(struct asyncrt_cx *cx, void *state, long *res)
{
	struct abort_blocked *a = state;

	asyncrt_co_begin(&a->co);
	asyncrt_spawn_drop(cx->rt, blocked, blocked_drop, &a->b, sizeof(a->b), &a->h);
	asyncrt_co_yield(&a->co, cx);		/* it runs and parks */
	asyncrt_co_yield(&a->co, cx);
	a->abort_ret = asyncrt_task_abort(a->h);
	asyncrt_join_init(&a->j, a->h);
	asyncrt_co_await(&a->co, asyncrt_join_poll(&a->j, cx, &a->r));
	asyncrt_co_return(&a->co, res, a->r);
	asyncrt_co_end(&a->co, res);
}

TEST_F(task, abort_of_task_blocked_in_channel_recv_joins_ecanceled)
{
	struct abort_blocked a = { 0 };
	struct asyncrt_metrics m;
	int dropped = 0;
	long res = 0;

	ASSERT_EQ(0, asyncrt_oneshot_new(&a.b.ch, sizeof(long)));
	a.b.dropped = &dropped;
	ASSERT_EQ(0, asyncrt_block_on(self->rt, abort_blocked, &a, sizeof(a), &res));
	EXPECT_EQ(-ECANCELED, res);
	EXPECT_EQ(1, dropped);
	ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
	EXPECT_EQ(1, m.tasks_aborted);
	EXPECT_EQ(0, m.tasks_alive);
	/* The channel lost its waiter: sending now wakes nobody, and works. */
	asyncrt_oneshot_close_rx(a.b.ch);
	EXPECT_EQ(-EPIPE, asyncrt_oneshot_send(a.b.ch, &res));
}

/* Aborting a finished task changes nothing: join gives its result. */
struct abort_finished {
	struct asyncrt_co co;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	long r;
	int abort_ret;
};

static enum asyncrt_poll abort_finished(struct asyncrt_cx *cx, void *state, long *res)
{
	struct abort_finished *a = state;
	struct value_task v = { .v = 5 };

	asyncrt_co_begin(&a->co);
	asyncrt_spawn(cx->rt, value_task, &v, sizeof(v), &a->h);
	asyncrt_co_yield(&a->co, cx);
	a->abort_ret = asyncrt_task_abort(a->h);
	asyncrt_join_init(&a->j, a->h);
	asyncrt_co_await(&a->co, asyncrt_join_poll(&a->j, cx, &a->r));
	asyncrt_co_return(&a->co, res, a->r);
	asyncrt_co_end(&a->co, res);
}

TEST_F(task, abort_after_finish_keeps_the_result)
{
	long res = 0;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, abort_finished, NULL,
				      sizeof(struct abort_finished), &res));
	EXPECT_EQ(5, res);
}

/* A task that aborts itself mid-poll ends as cancelled. */
struct self_abort {
	struct asyncrt_task **me;
};

static enum asyncrt_poll self_abort(struct asyncrt_cx *cx, void *state, long *res)
{
	struct self_abort *s = state;

	asyncrt_task_abort(*s->me);
	*res = 1;
	return ASYNCRT_READY;
}

TEST_F(task, task_aborting_itself_joins_ecanceled)
{
	struct asyncrt_task *h = NULL;
	struct self_abort s = { .me = &h };
	struct asyncrt_join j;
	long res = 0;

	ASSERT_EQ(0, asyncrt_spawn(self->rt, self_abort, &s, sizeof(s), &h));
	asyncrt_join_init(&j, h);
	ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &j.fut, &res));
	EXPECT_EQ(-ECANCELED, res);
}

/* Detached tasks still run; they count into a shared int. */
struct counter_task {
	int *n;
};

static enum asyncrt_poll counter_task(struct asyncrt_cx *cx, void *state, long *res)
{
	(*((struct counter_task *)state)->n)++;
	*res = 0;
	return ASYNCRT_READY;
}

struct spawn_detached {
	struct asyncrt_co co;
	int *n;
	int i;
};

static enum asyncrt_poll spawn_detached(struct asyncrt_cx *cx, void *state, long *res)
{
	struct spawn_detached *s = state;
	struct counter_task c = { .n = s->n };
	struct asyncrt_task *h;

	asyncrt_co_begin(&s->co);
	asyncrt_spawn(cx->rt, counter_task, &c, sizeof(c), NULL);
	asyncrt_spawn(cx->rt, counter_task, &c, sizeof(c), &h);
	asyncrt_task_detach(h);
	for (s->i = 0; s->i < 4; s->i++)
		asyncrt_co_yield(&s->co, cx);
	asyncrt_co_end(&s->co, res);
}

TEST_F(task, detached_tasks_run_to_completion)
{
	int n = 0;
	struct spawn_detached s = { .n = &n };
	struct asyncrt_metrics m;
	long res;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, spawn_detached, &s, sizeof(s), &res));
	EXPECT_EQ(2, n);
	ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
	EXPECT_EQ(3, m.tasks_spawned);
	EXPECT_EQ(0, m.tasks_alive);
}

TEST_F(task, block_on_that_can_never_finish_is_edeadlk)
{
	struct blocked b = { 0 };
	int dropped = 0;
	long res = 0;

	ASSERT_EQ(0, asyncrt_oneshot_new(&b.ch, sizeof(long)));
	b.dropped = &dropped;
	EXPECT_EQ(-EDEADLK, asyncrt_block_on(self->rt, blocked, &b, sizeof(b), &res));
	EXPECT_EQ(-ECANCELED, res);
	asyncrt_oneshot_close_tx(b.ch);
	asyncrt_oneshot_close_rx(b.ch);
}

static enum asyncrt_poll nested(struct asyncrt_cx *cx, void *state, long *res)
{
	long r;

	*res = asyncrt_block_on(cx->rt, value_task, NULL, sizeof(struct value_task), &r);
	return ASYNCRT_READY;
}

TEST_F(task, block_on_inside_a_task_is_ebusy)
{
	long res = 0;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, nested, NULL, 0, &res));
	EXPECT_EQ(-EBUSY, res);
}

/* A group of n tasks returning i; sums the results taken with next(). */
struct group_sum {
	struct asyncrt_co co;
	struct asyncrt_group g;
	struct asyncrt_group_next next;
	int n, i;
	long sum, r;
	int abort;
};

static enum asyncrt_poll group_sum(struct asyncrt_cx *cx, void *state, long *res)
{
	struct group_sum *s = state;
	struct value_task v;

	asyncrt_co_begin(&s->co);
	asyncrt_group_init(&s->g, cx->rt);
	for (s->i = 1; s->i <= s->n; s->i++) {
		v.v = s->i;
		if (asyncrt_group_spawn(&s->g, value_task, &v, sizeof(v), NULL))
			asyncrt_co_return(&s->co, res, -ENOMEM);
	}
	if (s->abort)
		asyncrt_group_abort_all(&s->g);
	for (;;) {
		asyncrt_group_next_init(&s->next, &s->g);
		asyncrt_co_await(&s->co, asyncrt_group_next_poll(&s->next, cx, &s->r));
		if (s->r == -ENOENT)
			break;
		s->sum += s->next.value;
	}
	asyncrt_group_destroy(&s->g);
	asyncrt_co_return(&s->co, res, s->sum);
	asyncrt_co_end(&s->co, res);
}

TEST_F(task, group_next_takes_every_result_then_enoent)
{
	struct group_sum s = { .n = 1000 };
	long res = 0;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, group_sum, &s, sizeof(s), &res));
	EXPECT_EQ(1000 * 1001 / 2, res);
}

TEST_F(task, group_abort_all_gives_ecanceled_each)
{
	struct group_sum s = { .n = 10, .abort = 1 };
	long res = 0;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, group_sum, &s, sizeof(s), &res));
	EXPECT_EQ(-10L * ECANCELED, res);
}

/*
 * Holds in its state groups (one, or ngroups) of n tasks in all that never
 * finish (each waits on a channel nobody sends on), plus an aborter if
 * asked, and then either waits for the first group's next or returns 7,
 * never destroying a group.
 */
struct group_owner {
	struct asyncrt_co co;
	struct asyncrt_group g[3];
	struct asyncrt_group_next next;
	struct blocked b;
	struct asyncrt_task **self;	/* for the aborter */
	int n, i, ngroups, wait, aborter;
	long r;
};

/* A member that aborts the task holding its group, then returns 9. */
static enum asyncrt_poll owner_aborter(struct asyncrt_cx *cx, void *state, long *res)
{
	*res = asyncrt_task_abort(**(struct asyncrt_task ***)state) ?: 9;
	return ASYNCRT_READY;
}

static enum asyncrt_poll group_owner(struct asyncrt_cx *cx, void *state, long *res)
{
	struct group_owner *o = state;

	asyncrt_co_begin(&o->co);
	o->ngroups = o->ngroups ?: 1;
	for (o->i = 0; o->i < o->ngroups; o->i++)
		asyncrt_group_init(&o->g[o->i], cx->rt);
	for (o->i = 0; o->i < o->n; o->i++)
		if (asyncrt_group_spawn(&o->g[o->i % o->ngroups], blocked, &o->b,
					sizeof(o->b), NULL))
			asyncrt_co_return(&o->co, res, -ENOMEM);
	if (o->aborter &&
	    asyncrt_group_spawn(&o->g[0], owner_aborter, &o->self, sizeof(o->self), NULL))
		asyncrt_co_return(&o->co, res, -ENOMEM);
	if (o->wait) {
		asyncrt_group_next_init(&o->next, &o->g[0]);
		asyncrt_co_await(&o->co, asyncrt_group_next_poll(&o->next, cx, &o->r));
	}
	asyncrt_co_yield(&o->co, cx);		/* the members run and park */
	asyncrt_co_return(&o->co, res, 7);
	asyncrt_co_end(&o->co, res);
}

/* Spawns a group_owner, aborts it once its members park (if asked), joins it. */
struct own_group {
	struct asyncrt_co co;
	struct group_owner o;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	int abort;
	long r;
};

static enum asyncrt_poll own_group(struct asyncrt_cx *cx, void *state, long *res)
{
	struct own_group *s = state;

	asyncrt_co_begin(&s->co);
	s->o.self = &s->h;
	if (asyncrt_spawn(cx->rt, group_owner, &s->o, sizeof(s->o), &s->h))
		asyncrt_co_return(&s->co, res, -ENOMEM);
	asyncrt_co_yield(&s->co, cx);		/* it spawns its group */
	asyncrt_co_yield(&s->co, cx);		/* which parks */
	if (s->abort)
		asyncrt_task_abort(s->h);
	asyncrt_join_init(&s->j, s->h);
	asyncrt_co_await(&s->co, asyncrt_join_poll(&s->j, cx, &s->r));
	asyncrt_co_yield(&s->co, cx);		/* a member ending on its own */
	asyncrt_co_return(&s->co, res, s->r);
	asyncrt_co_end(&s->co, res);
}

/*
 * Runs own_group and checks that only the root is left alive after it,
 * with @aborted tasks counted as aborted: a group goes with the task
 * state that holds it, as tokio's JoinSet aborts its tasks when dropped.
 */
static void check_group_goes_with_its_task(struct __test_metadata *_metadata,
					   struct asyncrt_rt *rt, struct own_group *s,
					   long want, uint64_t aborted)
{
	struct asyncrt_metrics m;
	long res = 0;

	ASSERT_EQ(0, asyncrt_oneshot_new(&s->o.b.ch, sizeof(long)));
	ASSERT_EQ(0, asyncrt_block_on(rt, own_group, s, sizeof(*s), &res));
	EXPECT_EQ(want, res);
	ASSERT_EQ(0, asyncrt_rt_metrics(rt, &m, sizeof(m)));
	EXPECT_EQ(0, m.tasks_alive);
	EXPECT_EQ(aborted, m.tasks_aborted);
	asyncrt_oneshot_close_tx(s->o.b.ch);
	asyncrt_oneshot_close_rx(s->o.b.ch);
}

TEST_F(task, group_goes_with_the_aborted_task_that_holds_it)
{
	struct own_group s = { .abort = 1, .o = { .n = 5, .wait = 1 } };

	check_group_goes_with_its_task(_metadata, self->rt, &s, -ECANCELED, 6);
}

TEST_F(task, group_goes_with_the_task_that_returns_holding_it)
{
	struct own_group s = { .o = { .n = 5 } };

	check_group_goes_with_its_task(_metadata, self->rt, &s, 7, 5);
}

TEST_F(task, groups_go_with_the_task_that_returns_holding_three)
{
	struct own_group s = { .o = { .n = 7, .ngroups = 3 } };

	check_group_goes_with_its_task(_metadata, self->rt, &s, 7, 7);
}

/* The member that aborts the group's owner is being polled: it ends after. */
TEST_F(task, group_member_that_aborts_its_owner_ends_after_its_poll)
{
	struct own_group s = { .o = { .n = 3, .wait = 1, .aborter = 1 } };

	check_group_goes_with_its_task(_metadata, self->rt, &s, -ECANCELED, 5);
}

TEST_F(task, metrics_count_polls_and_tasks)
{
	struct asyncrt_metrics m, small;
	long res;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, spawn_join, NULL,
				      sizeof(struct spawn_join), &res));
	ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
	EXPECT_EQ(2, m.tasks_spawned);
	EXPECT_EQ(2, m.tasks_completed);
	EXPECT_LE(3, m.polls);
	EXPECT_EQ(0, m.ops_inflight);
	/* An older, smaller struct gets its prefix. */
	ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &small, 16));
	EXPECT_EQ(m.tasks_spawned, small.tasks_spawned);
}

TEST_F(task, destroy_with_tasks_pending_drops_them)
{
	struct blocked b = { 0 };
	struct asyncrt_task *h;
	int dropped = 0, i;

	ASSERT_EQ(0, asyncrt_oneshot_new(&b.ch, sizeof(long)));
	b.dropped = &dropped;
	for (i = 0; i < 100; i++)
		ASSERT_EQ(0, asyncrt_spawn_drop(self->rt, blocked, blocked_drop, &b,
						sizeof(b), i ? NULL : &h));
	asyncrt_rt_destroy(self->rt);
	self->rt = NULL;
	EXPECT_EQ(100, dropped);
	asyncrt_oneshot_close_tx(b.ch);
	asyncrt_oneshot_close_rx(b.ch);
}

TEST_F(task, bad_input_is_einval)
{
	struct asyncrt_rt_config cfg = { .flags = 1 };
	struct asyncrt_rt *rt = (void *)1;
	struct asyncrt_task *h = (void *)1;
	struct asyncrt_group g;
	struct asyncrt_join j;
	long res = 0;

	EXPECT_EQ(-EINVAL, asyncrt_rt_create(NULL, NULL));
	EXPECT_EQ(-EINVAL, asyncrt_rt_create(&rt, &cfg));
	EXPECT_EQ(NULL, rt);
	EXPECT_EQ(-EINVAL, asyncrt_spawn(NULL, value_task, NULL, 0, &h));
	EXPECT_EQ(NULL, h);
	EXPECT_EQ(-EINVAL, asyncrt_spawn(self->rt, NULL, NULL, 0, NULL));
	EXPECT_EQ(-ENOMEM, asyncrt_spawn(self->rt, value_task, NULL, (size_t)-1, NULL));
	EXPECT_EQ(-EINVAL, asyncrt_block_on(NULL, value_task, NULL, 0, &res));
	EXPECT_EQ(-EINVAL, asyncrt_block_on(self->rt, NULL, NULL, 0, &res));
	EXPECT_EQ(-EINVAL, asyncrt_block_on_future(self->rt, NULL, &res));
	EXPECT_EQ(-EINVAL, asyncrt_task_abort(NULL));
	EXPECT_EQ(-EINVAL, asyncrt_rt_metrics(self->rt, NULL, 8));
	EXPECT_EQ(-EINVAL, asyncrt_group_init(NULL, self->rt));
	EXPECT_EQ(-EINVAL, asyncrt_group_init(&g, NULL));
	asyncrt_task_detach(NULL);
	asyncrt_rt_destroy(NULL);
	/* Joining no handle completes at once with -EINVAL. */
	asyncrt_join_init(&j, NULL);
	ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &j.fut, &res));
	EXPECT_EQ(-EINVAL, res);
}

TEST_HARNESS_MAIN
