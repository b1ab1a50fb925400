// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite asyncrt_waitq: Notify permit semantics (one stored permit,
 * notify_all without permit, a cancelled waiter passing its notification
 * on), and the bridges to wait_queue_head_t and struct completion.
 */
#include <linux/wait.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/slab.h>

#include "kunit_util.h"

struct nwaiter {
	struct art_future fut;
	struct art_notified w;
};

static enum art_poll nwaiter_poll(struct art_future *f, struct art_cx *cx,
				  long *res)
{
	return art_notified_poll(&container_of(f, struct nwaiter, fut)->w, cx, res);
}

static void nwaiter_drop(struct art_future *f, long res)
{
	art_notified_drop(&container_of(f, struct nwaiter, fut)->w);
}

static const struct art_future_ops nwaiter_ops = {
	.poll = nwaiter_poll,
	.drop = nwaiter_drop,
};

static struct art_task *spawn_nwaiter(struct art_runtime *rt,
				      struct art_notify *n)
{
	struct nwaiter w = { .fut.ops = &nwaiter_ops };

	art_notified_init(&w.w, n);
	return art_spawn_copy(rt, &w.fut, sizeof(w), 0);
}

/* notify_one with nobody waiting stores one permit, not two. */
static void art_notify_one_stores_single_permit(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_notify n;
	struct art_task *a, *b;

	art_notify_init(&n);
	art_notify_one(&n);
	art_notify_one(&n);
	a = spawn_nwaiter(rt, &n);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(a), 0);
	b = spawn_nwaiter(rt, &n);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, art_task_wait(b, HZ / 5), -ETIMEDOUT);
	art_notify_one(&n);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(b), 0);
	art_task_put(a);
	art_task_put(b);
}

/* notify_all wakes every current waiter and leaves no permit behind. */
static void art_notify_all_wakes_current_waiters_only(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_task *t[5], *late;
	struct art_notify n;
	int i;

	art_notify_init(&n);
	for (i = 0; i < 5; i++) {
		t[i] = spawn_nwaiter(rt, &n);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
	}
	art_kunit_quiesce(test, rt);	/* all five are waiting */
	art_notify_all(&n);
	for (i = 0; i < 5; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(t[i]), 0);
		art_task_put(t[i]);
	}
	KUNIT_EXPECT_FALSE(test, n.permit);
	late = spawn_nwaiter(rt, &n);
	KUNIT_ASSERT_FALSE(test, IS_ERR(late));
	KUNIT_EXPECT_EQ(test, art_task_wait(late, HZ / 5), -ETIMEDOUT);
	art_task_abort(late);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(late), -ECANCELED);
	art_task_put(late);
}

/*
 * Cancelling a waiter that was picked by notify_one passes the
 * notification to the next waiter; one picked by notify_all does not.
 * Done inside one poll, so the order of events is exact.
 */
struct passon {
	struct art_future fut;
	struct art_notify n;
};

static enum art_poll passon_poll(struct art_future *f, struct art_cx *cx,
				 long *res)
{
	struct passon *p = container_of(f, struct passon, fut);
	struct art_notified a, b;
	long r, code = 0;

	art_notify_init(&p->n);
	art_notified_init(&a, &p->n);
	art_notified_init(&b, &p->n);
	if (art_notified_poll(&a, cx, &r) != ART_PENDING)
		code |= 1;
	if (art_notified_poll(&b, cx, &r) != ART_PENDING)
		code |= 2;
	art_notify_one(&p->n);		/* picks a, the oldest */
	art_notified_drop(&a);		/* a never saw it: b gets it */
	if (art_notified_poll(&b, cx, &r) != ART_READY)
		code |= 4;
	art_notified_drop(&b);
	if (p->n.permit)
		code |= 8;

	/* notify_one with a single waiter that is then dropped: permit. */
	art_notified_init(&a, &p->n);
	art_notified_poll(&a, cx, &r);
	art_notify_one(&p->n);
	art_notified_drop(&a);
	if (!p->n.permit)
		code |= 16;
	p->n.permit = false;

	/* notify_all: a dropped waiter passes nothing on. */
	art_notified_init(&a, &p->n);
	art_notified_init(&b, &p->n);
	art_notified_poll(&a, cx, &r);
	art_notified_poll(&b, cx, &r);
	art_notify_all(&p->n);
	art_notified_drop(&a);
	if (art_notified_poll(&b, cx, &r) != ART_READY)
		code |= 32;
	art_notified_drop(&b);
	if (p->n.permit)
		code |= 64;
	*res = code;
	return ART_READY;
}

static const struct art_future_ops passon_ops = { .poll = passon_poll };

static void art_notified_drop_passes_notification_on(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct passon proto = { .fut.ops = &passon_ops };
	struct art_task *t;

	t = art_spawn_copy(rt, &proto.fut, sizeof(proto), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
	art_task_put(t);
}

/* Awaiting a driver's wait_queue_head_t with a condition. */
struct wqw {
	struct art_future fut;
	struct art_wq_wait w;
};

static enum art_poll wqw_poll(struct art_future *f, struct art_cx *cx, long *res)
{
	return art_wq_wait_poll(&container_of(f, struct wqw, fut)->w, cx, res);
}

static void wqw_drop(struct art_future *f, long res)
{
	art_wq_wait_drop(&container_of(f, struct wqw, fut)->w);
}

static const struct art_future_ops wqw_ops = {
	.poll = wqw_poll,
	.drop = wqw_drop,
};

static bool flag_set(void *arg)
{
	return READ_ONCE(*(bool *)arg);
}

static void art_wq_wait_poll_completes_when_condition_holds(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wqh);
	struct wqw w = { .fut.ops = &wqw_ops };
	struct art_task *t, *u;
	bool flag = false;

	art_wq_wait_init(&w.w, &wqh, flag_set, &flag);
	t = art_spawn_copy(rt, &w.fut, sizeof(w), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	u = art_spawn_copy(rt, &w.fut, sizeof(w), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(u));
	art_kunit_quiesce(test, rt);
	wake_up(&wqh);		/* condition still false */
	art_kunit_quiesce(test, rt);
	KUNIT_EXPECT_FALSE(test, art_task_is_finished(t));
	/* An aborted waiter leaves the queue. */
	art_task_abort(u);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(u), -ECANCELED);
	WRITE_ONCE(flag, true);
	wake_up(&wqh);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
	/* Nobody else touches wqh now: an unlocked look is exact. */
	KUNIT_EXPECT_FALSE(test, waitqueue_active(&wqh));
	art_task_put(t);
	art_task_put(u);
}

/* Awaiting a struct completion consumes one count per waiter. */
struct cw {
	struct art_future fut;
	struct art_completion_wait w;
};

static enum art_poll cw_poll(struct art_future *f, struct art_cx *cx, long *res)
{
	return art_completion_wait_poll(&container_of(f, struct cw, fut)->w, cx, res);
}

static void cw_drop(struct art_future *f, long res)
{
	art_completion_wait_drop(&container_of(f, struct cw, fut)->w);
}

static const struct art_future_ops cw_ops = {
	.poll = cw_poll,
	.drop = cw_drop,
};

static void art_completion_wait_poll_consumes_one_count(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct completion *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	struct cw w = { .fut.ops = &cw_ops };
	struct art_task *a, *b, *c;
	int done;

	KUNIT_ASSERT_NOT_NULL(test, x);
	init_completion(x);
	art_completion_wait_init(&w.w, x);
	a = art_spawn_copy(rt, &w.fut, sizeof(w), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	b = art_spawn_copy(rt, &w.fut, sizeof(w), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	c = art_spawn_copy(rt, &w.fut, sizeof(w), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c));
	art_kunit_quiesce(test, rt);
	/* Aborting a waiter releases its sleeping work item. */
	art_task_abort(c);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(c), -ECANCELED);
	complete(x);
	for (done = 0; done < 6000; done++) {
		if (art_task_is_finished(a) || art_task_is_finished(b))
			break;
		usleep_range(10000, 20000);
	}
	msleep(200);	/* a second wrong completion would show by now */
	done = art_task_is_finished(a) + art_task_is_finished(b);
	KUNIT_EXPECT_EQ(test, done, 1);
	complete(x);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(a), 0);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(b), 0);
	/* Both counts went to the two waiters, none to the aborted one. */
	KUNIT_EXPECT_FALSE(test, try_wait_for_completion(x));
	art_task_put(a);
	art_task_put(b);
	art_task_put(c);
}

/*
 * Regression: the drop of a completion wait returned while its work item
 * could still be in the completion's swait queue, so a driver that freed
 * the completion once the aborted task was joined left the work item
 * taking a freed lock (KASAN). A few rounds, since the window is a wake-up
 * or the start of a queued work item.
 */
static void art_completion_wait_drop_then_free_completion(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct cw w = { .fut.ops = &cw_ops };
	struct completion *x;
	struct art_task *t;
	int i;

	for (i = 0; i < 8; i++) {
		x = kmalloc(sizeof(*x), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, x);
		init_completion(x);
		art_completion_wait_init(&w.w, x);
		t = art_spawn_copy(rt, &w.fut, sizeof(w), 0);
		if (IS_ERR(t))
			kfree(x);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		/* Odd rounds abort while the work may not have started. */
		if (!(i & 1))
			art_kunit_quiesce(test, rt);
		art_task_abort(t);
		KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -ECANCELED);
		art_task_put(t);
		kfree(x);
	}
	msleep(100);	/* a late work item would touch x by now */
}

/* select(notified, completion wait), polled only by the test (the guest). */
struct cw_sel {
	struct art_future fut;
	struct art_co co;
	struct art_notified nw;
	struct art_completion_wait cw;
	struct art_future *futs[2];
	struct art_select sel;
	long res;
};

static enum art_poll cw_sel_poll(struct art_future *f, struct art_cx *cx,
				 long *res)
{
	struct cw_sel *s = container_of(f, struct cw_sel, fut);

	art_co_begin(&s->co);
	s->futs[0] = &s->nw.fut;
	s->futs[1] = &s->cw.fut;
	art_select_init(&s->sel, s->futs, 2);
	art_co_await(&s->co, art_future_poll(&s->sel.fut, cx, &s->res));
	art_co_return(&s->co, res, s->sel.winner * 1000 + s->res);
	art_co_end(&s->co, res);
}

static void cw_sel_drop(struct art_future *f, long res)
{
	struct cw_sel *s = container_of(f, struct cw_sel, fut);

	if (s->sel.fut.ops)
		art_future_drop(&s->sel.fut, -ECANCELED);
}

static const struct art_future_ops cw_sel_ops = {
	.poll = cw_sel_poll,
	.drop = cw_sel_drop,
};

/*
 * Regression: a count the completion job consumed for a future that was
 * then dropped unpolled (here: it lost a select to a notify that came
 * before the task ran again) was lost; the drop must give it back.
 */
static void art_completion_wait_drop_gives_back_consumed_count(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	struct completion *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	struct cw_sel *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct art_notify n;
	struct art_task *t;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_NOT_NULL(test, s);
	init_completion(x);
	art_notify_init(&n);
	s->fut.ops = &cw_sel_ops;
	art_notified_init(&s->nw, &n);
	art_completion_wait_init(&s->cw, x);
	/* As the guest we get the task's wakes: the worker stays parked. */
	KUNIT_ASSERT_TRUE(test, art_rt_guest_begin(rt));
	t = art_spawn_copy(rt, &s->fut, sizeof(*s), 0);
	if (IS_ERR(t))
		art_rt_guest_end(rt);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	/* The first poll registers the waiter and starts the job. */
	while (art_rt_guest_run(rt))
		;
	art_kunit_quiesce(test, rt);
	msleep(20);	/* let the worker park */
	complete(x);
	for (i = 0; i < 6000 && completion_done(x); i++)
		usleep_range(1000, 2000);
	msleep(50);	/* the job has returned and woken the task */
	art_notify_one(&n);
	/* The notify wins the tie; the completion wait is dropped. */
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
	art_rt_guest_end(rt);
	KUNIT_EXPECT_TRUE(test, try_wait_for_completion(x));
	art_task_put(t);
}

static struct kunit_case art_waitq_cases[] = {
	KUNIT_CASE(art_notify_one_stores_single_permit),
	KUNIT_CASE(art_notify_all_wakes_current_waiters_only),
	KUNIT_CASE(art_notified_drop_passes_notification_on),
	KUNIT_CASE(art_wq_wait_poll_completes_when_condition_holds),
	KUNIT_CASE(art_completion_wait_poll_consumes_one_count),
	KUNIT_CASE(art_completion_wait_drop_then_free_completion),
	KUNIT_CASE(art_completion_wait_drop_gives_back_consumed_count),
	{}
};

static struct kunit_suite art_waitq_suite = {
	.name = "asyncrt_waitq",
	.test_cases = art_waitq_cases,
};

kunit_test_suite(art_waitq_suite);
