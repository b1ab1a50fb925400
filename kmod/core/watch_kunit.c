// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite asyncrt_watch: a waiting receiver wakes with the newest
 * value; the sender's close wakes every receiver with -EPIPE, but only
 * after a value it has not seen; the last receiver leaving wakes a waiting
 * sender; a dropped pending wait loses no change; a kthread sending on
 * another CPU to receivers on two workers: values only grow and every
 * receiver ends on the last one; -ENOMEM.
 */
#include <linux/kthread.h>

#include "kunit_util.h"

/*
 * A task awaiting changes until -EPIPE (or @once): returns the last value
 * seen, -EILSEQ if a value did not grow.
 */
struct wrx {
	struct art_future fut;
	struct art_co co;
	struct art_watch_rx *rx;
	struct art_watch_changed c;
	atomic_t *changes;
	u64 *last_out;		/* the last value seen, stored at the end */
	u64 item, last;
	bool once;
	long res;
};

static enum art_poll wrx_poll(struct art_future *f, struct art_cx *cx, long *res)
{
	struct wrx *w = container_of(f, struct wrx, fut);

	art_co_begin(&w->co);
	for (;;) {
		art_watch_changed_init(&w->c, w->rx, &w->item);
		art_co_await(&w->co, art_watch_changed_poll(&w->c, cx, &w->res));
		if (w->res)
			break;
		if (w->item <= w->last)
			art_co_return(&w->co, res, -EILSEQ);
		w->last = w->item;
		if (w->changes)
			atomic_inc(w->changes);
		if (w->once)
			break;
	}
	if (w->last_out)
		*w->last_out = w->last;
	art_co_return(&w->co, res, w->res ? w->res : (long)w->last);
	art_co_end(&w->co, res);
}

static void wrx_drop(struct art_future *f, long res)
{
	art_watch_changed_drop(&container_of(f, struct wrx, fut)->c);
}

static const struct art_future_ops wrx_ops = {
	.poll = wrx_poll,
	.drop = wrx_drop,
};

static struct art_task *spawn_wrx(struct art_runtime *rt, struct art_watch_rx *rx,
				  bool once, atomic_t *changes)
{
	struct wrx w = {
		.fut.ops = &wrx_ops, .rx = rx, .once = once, .changes = changes,
	};

	return art_spawn_copy(rt, &w.fut, sizeof(w), 0);
}

/* Receivers start having seen the current value; a send wakes a waiter. */
static void art_watch_changed_poll_wakes_with_newest_value(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	u64 init = 3, v = 0;
	struct art_watch *ch = art_watch_new(sizeof(u64), &init);
	struct art_watch_rx rx;
	struct art_task *t;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	art_watch_subscribe(ch, &rx);
	KUNIT_EXPECT_EQ(test, art_watch_has_changed(&rx), 0);
	KUNIT_EXPECT_EQ(test, art_watch_get(&rx, &v), 0ULL);
	KUNIT_EXPECT_EQ(test, v, 3ULL);
	t = spawn_wrx(rt, &rx, true, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_task_wait(t, HZ / 5), -ETIMEDOUT);
	v = 8;
	KUNIT_EXPECT_EQ(test, art_watch_send(ch, &v), 0);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 8);
	/* The future marked it seen; two more sends read as one change. */
	KUNIT_EXPECT_EQ(test, art_watch_has_changed(&rx), 0);
	v = 9;
	art_watch_send(ch, &v);
	v = 10;
	art_watch_send(ch, &v);
	KUNIT_EXPECT_EQ(test, art_watch_has_changed(&rx), 1);
	KUNIT_EXPECT_EQ(test, art_watch_get(&rx, &v), 3ULL);
	KUNIT_EXPECT_EQ(test, v, 10ULL);
	KUNIT_EXPECT_EQ(test, art_watch_has_changed(&rx), 0);
	art_task_put(t);
	art_watch_unsubscribe(&rx);
	art_watch_sender_put(ch);
}

/* The sender's close wakes every waiter with -EPIPE; unseen values first. */
static void art_watch_sender_put_wakes_receivers_with_epipe(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_watch *ch = art_watch_new(sizeof(u64), NULL);
	struct art_watch_rx rx[4], late;
	struct art_task *t[4];
	u64 v = 0;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	for (i = 0; i < 4; i++) {
		art_watch_subscribe(ch, &rx[i]);
		t[i] = spawn_wrx(rt, &rx[i], false, NULL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
	}
	art_watch_subscribe(ch, &late);
	art_kunit_quiesce(test, rt);
	v = 42;
	art_watch_send(ch, &v);
	art_watch_sender_put(ch);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(t[i]), -EPIPE);
		art_task_put(t[i]);
	}
	/* A receiver that had not looked still gets the last value. */
	KUNIT_EXPECT_EQ(test, art_watch_has_changed(&late), 1);
	t[0] = spawn_wrx(rt, &late, true, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t[0]));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t[0]), 42);
	art_task_put(t[0]);
	KUNIT_EXPECT_EQ(test, art_watch_has_changed(&late), -EPIPE);
	for (i = 0; i < 4; i++)
		art_watch_unsubscribe(&rx[i]);
	art_watch_unsubscribe(&late);
}

/* A sender awaiting "no receiver left". */
struct wclosed {
	struct art_future fut;
	struct art_watch_closed c;
};

static enum art_poll wclosed_poll(struct art_future *f, struct art_cx *cx,
				  long *res)
{
	return art_watch_closed_poll(&container_of(f, struct wclosed, fut)->c,
				     cx, res);
}

static void wclosed_drop(struct art_future *f, long res)
{
	art_watch_closed_drop(&container_of(f, struct wclosed, fut)->c);
}

static const struct art_future_ops wclosed_ops = {
	.poll = wclosed_poll,
	.drop = wclosed_drop,
};

/*
 * The last receiver leaving wakes the waiting sender; later sends report
 * -EPIPE but still store the value for a later subscriber.
 */
static void art_watch_unsubscribe_last_wakes_sender(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_watch *ch = art_watch_new(sizeof(u64), NULL);
	struct wclosed c = { .fut.ops = &wclosed_ops };
	struct art_watch_rx a, b;
	struct art_task *t;
	u64 v = 1;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	art_watch_subscribe(ch, &a);
	art_watch_subscribe(ch, &b);
	art_watch_closed_init(&c.c, ch);
	t = art_spawn_copy(rt, &c.fut, sizeof(c), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	art_watch_unsubscribe(&a);
	KUNIT_EXPECT_EQ(test, art_task_wait(t, HZ / 5), -ETIMEDOUT);
	art_watch_unsubscribe(&b);
	art_watch_unsubscribe(&b);	/* idempotent */
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
	v = 77;
	KUNIT_EXPECT_EQ(test, art_watch_send(ch, &v), -EPIPE);
	art_watch_subscribe(ch, &a);
	v = 0;
	art_watch_get(&a, &v);
	KUNIT_EXPECT_EQ(test, v, 77ULL);
	art_task_put(t);
	art_watch_unsubscribe(&a);
	art_watch_sender_put(ch);
}

/* Aborting a task pending on "changed" loses no change for that receiver. */
static void art_watch_changed_drop_pending_loses_no_value(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_watch *ch = art_watch_new(sizeof(u64), NULL);
	struct art_watch_rx rx;
	struct art_task *t;
	u64 v = 6;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	art_watch_subscribe(ch, &rx);
	t = spawn_wrx(rt, &rx, true, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	art_kunit_quiesce(test, rt);
	art_task_abort(t);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -ECANCELED);
	art_watch_send(ch, &v);
	KUNIT_EXPECT_EQ(test, art_watch_has_changed(&rx), 1);
	art_task_put(t);
	/* A new wait gets the change the aborted one never reported. */
	t = spawn_wrx(rt, &rx, true, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 6);
	art_task_put(t);
	art_watch_unsubscribe(&rx);
	art_watch_sender_put(ch);
}

#define W_STORM_VALUES	5000
#define W_STORM_RX	8

static int wstorm_thread(void *data)
{
	struct art_watch *ch = data;
	u64 v;

	for (v = 1; v <= W_STORM_VALUES; v++) {
		art_watch_send(ch, &v);
		if (!(v % 64))
			cond_resched();
	}
	art_watch_sender_put(ch);	/* receivers hold references */
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

/*
 * A kthread sends 1..5000 then closes; eight receivers on two workers see
 * only growing values, and each ends on 5000 (the last value is never
 * lost to the close), having seen between 1 and 5000 changes.
 */
static void art_watch_send_storm_from_kthread_ends_on_last_value(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 2);
	struct art_watch_rx *rx = kunit_kcalloc(test, W_STORM_RX, sizeof(*rx),
						GFP_KERNEL);
	struct art_watch *ch = art_watch_new(sizeof(u64), NULL);
	u64 *last = kunit_kcalloc(test, W_STORM_RX, sizeof(*last), GFP_KERNEL);
	struct art_task *t[W_STORM_RX];
	struct task_struct *th;
	atomic_t changes = ATOMIC_INIT(0);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, rx);
	KUNIT_ASSERT_NOT_NULL(test, last);
	KUNIT_ASSERT_NOT_NULL(test, ch);
	for (i = 0; i < W_STORM_RX; i++) {
		struct wrx w = {
			.fut.ops = &wrx_ops, .rx = &rx[i], .changes = &changes,
			.last_out = &last[i],
		};

		art_watch_subscribe(ch, &rx[i]);
		t[i] = art_spawn_copy(rt, &w.fut, sizeof(w), 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
	}
	th = kthread_run(wstorm_thread, ch, "art_wstorm");
	KUNIT_ASSERT_FALSE(test, IS_ERR(th));
	for (i = 0; i < W_STORM_RX; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(t[i]), -EPIPE);
		KUNIT_EXPECT_EQ(test, last[i], (u64)W_STORM_VALUES);
		art_task_put(t[i]);
	}
	kthread_stop(th);
	for (i = 0; i < W_STORM_RX; i++) {
		KUNIT_EXPECT_EQ(test, rx[i].seen, (u64)W_STORM_VALUES);
		art_watch_unsubscribe(&rx[i]);
	}
	KUNIT_EXPECT_GE(test, atomic_read(&changes), W_STORM_RX);
	KUNIT_EXPECT_LE(test, atomic_read(&changes), W_STORM_RX * W_STORM_VALUES);
	kunit_info(test, "%d changes seen by %d receivers",
		   atomic_read(&changes), W_STORM_RX);
}

/* Allocation failure: NULL, and the next one works. */
static void art_watch_new_enomem(struct kunit *test)
{
	struct art_watch *ch;
	struct art_watch_rx rx;
	u64 v = 4;

	art_fault_inject(1);
	ch = art_watch_new(sizeof(u64), &v);
	art_fault_inject(0);
	KUNIT_EXPECT_NULL(test, ch);
	KUNIT_EXPECT_NULL(test, art_watch_new(0, NULL));
	ch = art_watch_new(sizeof(u64), &v);
	KUNIT_ASSERT_NOT_NULL(test, ch);
	art_watch_subscribe(ch, &rx);
	v = 0;
	KUNIT_EXPECT_EQ(test, art_watch_get(&rx, &v), 0ULL);
	KUNIT_EXPECT_EQ(test, v, 4ULL);
	art_watch_unsubscribe(&rx);
	art_watch_sender_put(ch);
}

static struct kunit_case art_watch_cases[] = {
	KUNIT_CASE(art_watch_changed_poll_wakes_with_newest_value),
	KUNIT_CASE(art_watch_sender_put_wakes_receivers_with_epipe),
	KUNIT_CASE(art_watch_unsubscribe_last_wakes_sender),
	KUNIT_CASE(art_watch_changed_drop_pending_loses_no_value),
	KUNIT_CASE(art_watch_send_storm_from_kthread_ends_on_last_value),
	KUNIT_CASE(art_watch_new_enomem),
	{}
};

static struct kunit_suite art_watch_suite = {
	.name = "asyncrt_watch",
	.test_cases = art_watch_cases,
};

kunit_test_suite(art_watch_suite);
