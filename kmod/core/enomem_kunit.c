// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite asyncrt_enomem: every allocation site of the core fails
 * cleanly. Each site checks art_should_fail() (armed per thread with
 * art_fault_inject()), so a case can fail exactly that allocation, assert
 * a clean -ENOMEM, and then show the runtime still works; kmemleak on the
 * debug kernel checks that nothing leaked. The sites, and who tests them:
 *
 *   sched.c   art_rt_create(): runtime, workers, CPU map (default
 *             runtime only), task shards, each worker kthread
 *                                      asyncrt_task art_spawn_enomem_at_every_site
 *   task.c    art_spawn(): task cache  asyncrt_task art_spawn_enomem_at_every_site
 *             art_spawn(): kmalloc     art_spawn_large_future_enomem
 *   group.c   art_group_spawn() member asyncrt_combinators art_group_abort_all_then_shutdown
 *   chan.c    oneshot, mpsc            asyncrt_chan art_chan_new_enomem
 *   broadcast.c, watch.c               art_broadcast_new_enomem, art_watch_new_enomem
 *   blocking.c blocking job            art_blocking_poll_job_enomem
 *             completion bridge job    art_completion_wait_poll_job_enomem
 *   all of the above a driver reaches at set-up, in turn:
 *                                      art_fault_inject_each_setup_site
 *
 * Not covered here: the module-load allocations (the task cache, the
 * blocking workqueue). They happen once, before any test can arm the
 * hook; core.c unwinds them with goto and insmod reports -ENOMEM, but no
 * test fails them yet.
 */
#include <linux/slab.h>
#include <linux/delay.h>

#include "kunit_util.h"

/* A future that arms the fault hook on its own worker, then polls a leaf. */
struct faulty {
	struct art_future fut;
	struct art_blocking b;
	struct art_completion_wait cw;
	bool completion;	/* poll cw, else b */
	bool inject;		/* fail the first allocation of the first poll */
};

static enum art_poll faulty_poll(struct art_future *f, struct art_cx *cx,
				 long *res)
{
	struct faulty *y = container_of(f, struct faulty, fut);
	bool inject = y->inject;
	enum art_poll p;

	/* The hook is per thread: this worker's next allocation fails. */
	if (inject)
		art_fault_inject(1);
	y->inject = false;
	if (y->completion)
		p = art_completion_wait_poll(&y->cw, cx, res);
	else
		p = art_blocking_poll(&y->b, cx, res);
	if (inject)
		art_fault_inject(0);
	return p;
}

static void faulty_drop(struct art_future *f, long res)
{
	struct faulty *y = container_of(f, struct faulty, fut);

	art_blocking_drop(&y->b);
	art_completion_wait_drop(&y->cw);
}

static const struct art_future_ops faulty_ops = {
	.poll = faulty_poll,
	.drop = faulty_drop,
};

static long count_call(void *arg)
{
	atomic_inc(arg);
	return 42;
}

/*
 * Live tasks of @rt once the last one has left its list (a join sees the
 * result a moment before that), for "nothing left behind".
 */
static u64 live_tasks(struct art_runtime *rt)
{
	struct art_rt_metrics m;
	int i;

	for (i = 0; i < 1000; i++) {
		art_rt_metrics(rt, &m);
		if (!m.live)
			break;
		usleep_range(5000, 10000);
	}
	return m.live;
}

/* The blocking job's allocation fails: -ENOMEM, the function never runs. */
static void art_blocking_poll_job_enomem(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct faulty y = { .fut.ops = &faulty_ops, .inject = true };
	atomic_t calls = ATOMIC_INIT(0);
	struct art_task *t;

	art_blocking_init(&y.b, count_call, &calls);
	t = art_spawn_copy(rt, &y.fut, sizeof(y), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -ENOMEM);
	art_task_put(t);
	KUNIT_EXPECT_EQ(test, atomic_read(&calls), 0);
	KUNIT_EXPECT_EQ(test, live_tasks(rt), 0ULL);

	/* Nothing damaged: the same future without the fault runs. */
	y.inject = false;
	t = art_spawn_copy(rt, &y.fut, sizeof(y), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 42);
	art_task_put(t);
	KUNIT_EXPECT_EQ(test, atomic_read(&calls), 1);
}

/*
 * The completion bridge's job allocation fails: -ENOMEM, no count of the
 * completion consumed, and a later waiter gets the next count.
 */
static void art_completion_wait_poll_job_enomem(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct completion *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	struct faulty y = {
		.fut.ops = &faulty_ops, .completion = true, .inject = true,
	};
	struct art_task *t;

	KUNIT_ASSERT_NOT_NULL(test, x);
	init_completion(x);
	art_completion_wait_init(&y.cw, x);
	t = art_spawn_copy(rt, &y.fut, sizeof(y), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -ENOMEM);
	art_task_put(t);
	KUNIT_EXPECT_EQ(test, live_tasks(rt), 0ULL);
	complete(x);
	KUNIT_EXPECT_TRUE(test, try_wait_for_completion(x));

	y.inject = false;
	t = art_spawn_copy(rt, &y.fut, sizeof(y), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_task_wait(t, HZ / 10), -ETIMEDOUT);
	complete(x);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
	art_task_put(t);
	KUNIT_EXPECT_FALSE(test, try_wait_for_completion(x));
}

/* A future too big for the task cache: the kmalloc'ed task fails cleanly. */
struct big_kfn {
	struct art_kfn k;
	u8 pad[512];
};

static long big_result(void *arg)
{
	return 512;
}

static void art_spawn_large_future_enomem(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct big_kfn *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct art_rt_metrics before, after;
	struct art_task *t;

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->k.fut.ops = &art_kfn_ops;
	b->k.fn = big_result;
	art_rt_metrics(rt, &before);
	art_fault_inject(1);
	t = art_spawn_copy(rt, &b->k.fut, sizeof(*b), 0);
	art_fault_inject(0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(t), -ENOMEM);
	art_rt_metrics(rt, &after);
	KUNIT_EXPECT_EQ(test, after.spawned, before.spawned);
	KUNIT_EXPECT_EQ(test, after.live, 0ULL);

	t = art_spawn_copy(rt, &b->k.fut, sizeof(*b), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 512);
	art_task_put(t);
}

/* What a driver sets up: a runtime, one of each channel, a task, a group. */
struct setup {
	struct art_runtime *rt;
	struct art_oneshot *os;
	struct art_mpsc *mpsc;
	struct art_broadcast *bc;
	struct art_watch *w;
	struct art_task *t;
	struct art_group g;
};

static int kfn_init(struct art_future *f, void *arg)
{
	f->ops = &art_kfn_ops;
	return 0;
}

/* Unwinds in reverse on failure, like a module's init. */
static int setup_all(struct setup *s)
{
	struct art_rt_config cfg = { .name = "enomem", .workers = 2 };
	int ret = -ENOMEM;

	s->rt = art_rt_create(&cfg);
	if (IS_ERR(s->rt))
		return PTR_ERR(s->rt);
	s->os = art_oneshot_new();
	if (!s->os)
		goto err_os;
	s->mpsc = art_mpsc_new(4, sizeof(u64));
	if (!s->mpsc)
		goto err_mpsc;
	s->bc = art_broadcast_new(4, sizeof(u64));
	if (!s->bc)
		goto err_bc;
	s->w = art_watch_new(sizeof(u64), NULL);
	if (!s->w)
		goto err_w;
	s->t = art_spawn(s->rt, sizeof(struct art_kfn), kfn_init, NULL, 0);
	if (IS_ERR(s->t)) {
		ret = PTR_ERR(s->t);
		goto err_t;
	}
	art_group_init(&s->g, s->rt);
	ret = art_group_spawn(&s->g, sizeof(struct art_kfn), kfn_init, NULL);
	if (ret)
		goto err_g;
	return 0;

err_g:
	art_task_put(s->t);
err_t:
	art_watch_sender_put(s->w);
err_w:
	art_broadcast_sender_put(s->bc);
err_bc:
	art_mpsc_sender_put(s->mpsc);
	art_mpsc_close_rx(s->mpsc);
err_mpsc:
	art_oneshot_close_tx(s->os);
	art_oneshot_close_rx(s->os);
err_os:
	art_rt_destroy(s->rt);
	return ret;
}

static void teardown_all(struct setup *s)
{
	art_group_shutdown(&s->g);
	art_task_put(s->t);
	art_watch_sender_put(s->w);
	art_broadcast_sender_put(s->bc);
	art_mpsc_sender_put(s->mpsc);
	art_mpsc_close_rx(s->mpsc);
	art_oneshot_close_tx(s->os);
	art_oneshot_close_rx(s->os);
	art_rt_destroy(s->rt);
}

/*
 * Fail the 1st, 2nd, ... allocation of the whole set-up until it
 * succeeds: each attempt returns -ENOMEM with everything before it
 * unwound. 12 sites: runtime, workers array, task shards, two kthreads,
 * four channels, a task, a group member and its task. A new site changes
 * the count: add it to the table above with its own case.
 */
static void art_fault_inject_each_setup_site(struct kunit *test)
{
	struct setup *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned int nth, failures = 0;
	int ret = -ENOMEM;

	KUNIT_ASSERT_NOT_NULL(test, s);
	for (nth = 1; nth < 32; nth++) {
		art_fault_inject(nth);
		ret = setup_all(s);
		art_fault_inject(0);
		if (!ret)
			break;
		KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
		failures++;
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, failures, 12U);
	/* The survivor works. */
	KUNIT_EXPECT_EQ(test, art_kunit_wait(s->t), 0);
	teardown_all(s);
}

static struct kunit_case art_enomem_cases[] = {
	KUNIT_CASE(art_blocking_poll_job_enomem),
	KUNIT_CASE(art_completion_wait_poll_job_enomem),
	KUNIT_CASE(art_spawn_large_future_enomem),
	KUNIT_CASE(art_fault_inject_each_setup_site),
	{}
};

static struct kunit_suite art_enomem_suite = {
	.name = "asyncrt_enomem",
	.test_cases = art_enomem_cases,
};

kunit_test_suite(art_enomem_suite);
