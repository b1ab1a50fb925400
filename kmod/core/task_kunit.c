// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite asyncrt_task: spawning, joining (from process context and
 * from another task), abort (before a poll, while pending, racing
 * completion), wakes during a poll, detached tasks, 100,000 tasks, the
 * memory layout promise, -ENOMEM at every allocation site, tasks whose
 * init needs no first poll (ART_INIT_IDLE), and a guest claiming a task.
 */
#include <linux/vmalloc.h>
#include <linux/delay.h>
#include <linux/slab.h>

#include "core.h"
#include "kunit_util.h"

/* A coroutine that yields @n times, then completes with @value. */
struct yielder {
	struct art_future fut;
	struct art_co co;
	unsigned int i, n;
	long value;
	atomic_t *drops;
};

static enum art_poll yielder_poll(struct art_future *f, struct art_cx *cx,
				  long *res)
{
	struct yielder *y = container_of(f, struct yielder, fut);

	art_co_begin(&y->co);
	for (y->i = 0; y->i < y->n; y->i++)
		art_co_yield(&y->co, cx);
	art_co_return(&y->co, res, y->value);
	art_co_end(&y->co, res);
}

static void yielder_drop(struct art_future *f, long res)
{
	struct yielder *y = container_of(f, struct yielder, fut);

	if (y->drops)
		atomic_inc(y->drops);
}

static const struct art_future_ops yielder_ops = {
	.poll = yielder_poll,
	.drop = yielder_drop,
};

struct yielder_arg {
	unsigned int n;
	long value;
	atomic_t *drops;
};

static int yielder_init(struct art_future *f, void *arg)
{
	struct yielder *y = container_of(f, struct yielder, fut);
	struct yielder_arg *a = arg;

	y->fut.ops = &yielder_ops;
	y->n = a->n;
	y->value = a->value;
	y->drops = a->drops;
	return 0;
}

static struct art_task *spawn_yielder(struct art_runtime *rt, unsigned int n,
				      long value, atomic_t *drops,
				      unsigned int flags)
{
	struct yielder_arg a = { .n = n, .value = value, .drops = drops };

	return art_spawn(rt, sizeof(struct yielder), yielder_init, &a, flags);
}

/* A future that waits on a notify forever (until aborted). */
struct waiter {
	struct art_future fut;
	struct art_notified w;
	atomic_t *drops;
};

static enum art_poll waiter_poll(struct art_future *f, struct art_cx *cx,
				 long *res)
{
	struct waiter *w = container_of(f, struct waiter, fut);

	return art_notified_poll(&w->w, cx, res);
}

static void waiter_drop(struct art_future *f, long res)
{
	struct waiter *w = container_of(f, struct waiter, fut);

	art_notified_drop(&w->w);
	atomic_inc(w->drops);
}

static const struct art_future_ops waiter_ops = {
	.poll = waiter_poll,
	.drop = waiter_drop,
};

struct waiter_arg {
	struct art_notify *n;
	atomic_t *drops;
};

static int waiter_init(struct art_future *f, void *arg)
{
	struct waiter *w = container_of(f, struct waiter, fut);
	struct waiter_arg *a = arg;

	w->fut.ops = &waiter_ops;
	art_notified_init(&w->w, a->n);
	w->drops = a->drops;
	return 0;
}

/* The smallest task completes and art_task_wait() reports its value. */
static void art_spawn_ready_future_reports_result(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_task *t;

	t = spawn_yielder(rt, 0, 42, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 42);
	KUNIT_EXPECT_TRUE(test, art_task_is_finished(t));
	KUNIT_EXPECT_EQ(test, art_task_result(t), 42);
	art_task_put(t);
}

/* A coroutine that yields many times resumes at the right point each time. */
static void art_co_yield_resumes_after_each_yield(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	struct art_rt_metrics m;
	struct art_task *t;

	t = spawn_yielder(rt, 1000, 7, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 7);
	art_task_put(t);
	art_rt_metrics(rt, &m);
	/* One poll per yield plus the final one: wakes during polls requeue. */
	KUNIT_EXPECT_EQ(test, m.polls, 1001ULL);
}

#define NR_MANY 100000

/* 100,000 tasks spawned, all joined, every result accounted for. */
static void art_spawn_100k_tasks_all_joined(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_rt_metrics m;
	struct art_task **t;
	u64 sum = 0, want = 0;
	unsigned int i, spawned = 0;
	long r;

	t = vcalloc(NR_MANY, sizeof(*t));
	KUNIT_ASSERT_NOT_NULL(test, t);
	for (i = 0; i < NR_MANY; i++) {
		t[i] = spawn_yielder(rt, i & 1, i, NULL, 0);
		if (IS_ERR(t[i]))
			break;
		spawned++;
		want += i;
		if (!(i % 1024))
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, spawned, NR_MANY);
	for (i = 0; i < spawned; i++) {
		r = art_kunit_wait(t[i]);
		if (r >= 0)
			sum += r;
		art_task_put(t[i]);
	}
	vfree(t);
	KUNIT_EXPECT_EQ(test, sum, want);
	art_rt_metrics(rt, &m);
	KUNIT_EXPECT_EQ(test, m.spawned, (u64)NR_MANY);
	KUNIT_EXPECT_EQ(test, m.completed, (u64)NR_MANY);
	KUNIT_EXPECT_EQ(test, m.live, 0ULL);
	kunit_info(test, "polls %llu steals %llu wakes %llu", m.polls, m.steals,
		   m.wakes);
}

/* Abort of a pending task drops its future once; joins see -ECANCELED. */
static void art_task_abort_pending_task_reports_ecanceled(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_notify n;
	atomic_t drops = ATOMIC_INIT(0);
	struct waiter_arg a = { .n = &n, .drops = &drops };
	struct art_task *t;

	art_notify_init(&n);
	t = art_spawn(rt, sizeof(struct waiter), waiter_init, &a, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_task_wait(t, HZ / 10), -ETIMEDOUT);
	art_task_abort(t);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
	/* The waiter was unlinked: a notify now stores a permit. */
	art_notify_one(&n);
	KUNIT_EXPECT_TRUE(test, n.permit);
	/* Abort after completion changes nothing. */
	art_task_abort(t);
	KUNIT_EXPECT_EQ(test, art_task_result(t), -ECANCELED);
	art_task_put(t);
}

/* Abort racing completion: the result is the value or -ECANCELED, one drop. */
static void art_task_abort_racing_completion_is_consistent(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	atomic_t drops = ATOMIC_INIT(0);
	unsigned int i, cancelled = 0, done = 0;
	struct art_task *t;
	long r;

	for (i = 0; i < 2000; i++) {
		t = spawn_yielder(rt, i % 3, 5, &drops, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		if (i % 4)
			udelay(i % 7);
		art_task_abort(t);
		r = art_kunit_wait(t);
		if (r == -ECANCELED)
			cancelled++;
		else if (r == 5)
			done++;
		art_task_put(t);
	}
	KUNIT_EXPECT_EQ(test, cancelled + done, 2000U);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 2000);
	kunit_info(test, "%u cancelled, %u completed first", cancelled, done);
}

/* art_task_wait() times out on a pending task and then sees the result. */
static void art_task_wait_times_out_then_succeeds(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_notify n;
	atomic_t drops = ATOMIC_INIT(0);
	struct waiter_arg a = { .n = &n, .drops = &drops };
	struct art_task *t;

	art_notify_init(&n);
	t = art_spawn(rt, sizeof(struct waiter), waiter_init, &a, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_task_wait(t, 1), -ETIMEDOUT);
	art_notify_one(&n);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
	art_task_put(t);
}

/* A task awaiting another's join handle gets its result. */
struct joiner {
	struct art_future fut;
	struct art_co co;
	struct art_join j;
	long r;
};

static enum art_poll joiner_poll(struct art_future *f, struct art_cx *cx,
				 long *res)
{
	struct joiner *j = container_of(f, struct joiner, fut);

	art_co_begin(&j->co);
	art_co_await(&j->co, art_join_poll(&j->j, cx, &j->r));
	art_co_return(&j->co, res, j->r + 1);
	art_co_end(&j->co, res);
}

static void joiner_drop(struct art_future *f, long res)
{
	art_join_drop(&container_of(f, struct joiner, fut)->j);
}

static const struct art_future_ops joiner_ops = {
	.poll = joiner_poll,
	.drop = joiner_drop,
};

static int joiner_init(struct art_future *f, void *arg)
{
	struct joiner *j = container_of(f, struct joiner, fut);

	j->fut.ops = &joiner_ops;
	art_join_init(&j->j, arg);
	return 0;
}

static void art_join_poll_from_another_task_gets_result(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_notify n;
	atomic_t drops = ATOMIC_INIT(0);
	struct waiter_arg a = { .n = &n, .drops = &drops };
	struct art_task *target, *j[4];
	int i;

	art_notify_init(&n);
	target = art_spawn(rt, sizeof(struct waiter), waiter_init, &a, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(target));
	for (i = 0; i < 4; i++) {
		j[i] = art_spawn(rt, sizeof(struct joiner), joiner_init, target, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(j[i]));
	}
	KUNIT_EXPECT_EQ(test, art_task_wait(j[0], HZ / 10), -ETIMEDOUT);
	art_notify_one(&n);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(j[i]), 1);
		art_task_put(j[i]);
	}
	art_task_put(target);
}

/*
 * Regression: a completing task stopped counting as running before it
 * woke its joiners, so art_rt_quiesce() could return with a joiner about
 * to be scheduled, and "wake, quiesce, assert" tests were flaky. Looped,
 * since the window is a few instructions.
 */
static void art_rt_quiesce_waits_for_woken_joiner(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 2);
	struct art_notify n;
	atomic_t drops = ATOMIC_INIT(0);
	struct waiter_arg a = { .n = &n, .drops = &drops };
	struct art_task *target, *j;
	int i, late = 0;

	art_notify_init(&n);
	for (i = 0; i < 100; i++) {
		target = art_spawn(rt, sizeof(struct waiter), waiter_init, &a, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(target));
		j = art_spawn(rt, sizeof(struct joiner), joiner_init, target, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(j));
		art_kunit_quiesce(test, rt);
		art_notify_one(&n);
		art_kunit_quiesce(test, rt);
		late += !art_task_is_finished(j);
		KUNIT_EXPECT_EQ(test, art_kunit_wait(j), 1);
		art_task_put(j);
		art_task_put(target);
	}
	KUNIT_EXPECT_EQ(test, late, 0);
}

/* A detached task runs to the end; its drop hook sees the final result. */
struct reporter {
	struct art_future fut;
	struct completion *done;
	long *out;
};

static enum art_poll reporter_poll(struct art_future *f, struct art_cx *cx,
				   long *res)
{
	*res = 99;
	return ART_READY;
}

static void reporter_drop(struct art_future *f, long res)
{
	struct reporter *r = container_of(f, struct reporter, fut);

	*r->out = res;
	complete(r->done);
}

static const struct art_future_ops reporter_ops = {
	.poll = reporter_poll,
	.drop = reporter_drop,
};

static void art_spawn_detached_reports_through_drop(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	DECLARE_COMPLETION_ONSTACK(done);
	struct reporter proto = { .fut.ops = &reporter_ops, .done = &done };
	long out = 0;

	proto.out = &out;
	KUNIT_EXPECT_NULL(test, art_spawn_copy(rt, &proto.fut, sizeof(proto),
					       ART_SPAWN_DETACHED));
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&done, 60 * HZ), 0UL);
	KUNIT_EXPECT_EQ(test, out, 99L);
}

/* The memory promise: a pending sleep task fits a 128-byte object. */
static void art_spawn_copy_sleep_fits_128_bytes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct art_task), 48UL);
	KUNIT_EXPECT_LE(test, sizeof(struct art_task) + sizeof(struct art_sleep),
			(size_t)ART_TASK_OBJ_SIZE);
}

/* Fail the 1st, 2nd, ... allocation of art_rt_create(@cfg) until it works. */
static unsigned int rt_create_failures(struct kunit *test,
				       const struct art_rt_config *cfg)
{
	struct art_runtime *rt;
	unsigned int nth;

	for (nth = 1; nth < 1024; nth++) {
		art_fault_inject(nth);
		rt = art_rt_create(cfg);
		art_fault_inject(0);
		if (!IS_ERR(rt)) {
			art_rt_destroy(rt);
			break;
		}
		KUNIT_EXPECT_EQ(test, PTR_ERR(rt), -ENOMEM);
	}
	return nth - 1;
}

/* Every allocation site of spawn and runtime creation fails cleanly. */
static void art_spawn_enomem_at_every_site(struct kunit *test)
{
	struct art_rt_config cfg = { .name = "enomem", .workers = 2 };
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_task *t;

	/* runtime, workers array, task shards, two threads */
	KUNIT_EXPECT_EQ(test, rt_create_failures(test, &cfg), 5U);
	/* The default runtime also maps CPUs to its bound workers. */
	cfg.workers = 0;
	/* runtime, workers array, CPU map, task shards, a thread per CPU */
	KUNIT_EXPECT_EQ(test, rt_create_failures(test, &cfg), 4 + num_online_cpus());

	art_fault_inject(1);
	t = spawn_yielder(rt, 0, 1, NULL, 0);
	art_fault_inject(0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(t), -ENOMEM);
	t = spawn_yielder(rt, 0, 1, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 1);
	art_task_put(t);
}

/* Spawning into a runtime that is being destroyed fails with -ESHUTDOWN. */
static int fail_init(struct art_future *f, void *arg)
{
	return -EIO;
}

static void art_spawn_init_error_is_returned(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_task *t;

	t = art_spawn(rt, sizeof(struct art_future), fail_init, NULL, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(t), -EIO);
	t = art_spawn(rt, 4, fail_init, NULL, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(t), -EINVAL);
}

/* A future whose init registered its waker: it needs no first poll. */
struct idler {
	struct art_future fut;
	atomic_t *polls;
	bool wake_in_init;
};

static enum art_poll idler_poll(struct art_future *f, struct art_cx *cx,
				long *res)
{
	struct idler *i = container_of(f, struct idler, fut);

	atomic_inc(i->polls);
	*res = 7;
	return ART_READY;
}

static const struct art_future_ops idler_ops = { .poll = idler_poll };

static int idler_init(struct art_future *f, void *arg)
{
	struct idler *i = container_of(f, struct idler, fut);

	*i = *(struct idler *)arg;
	i->fut.ops = &idler_ops;
	/* As the event it waits for would, before the task is started. */
	if (i->wake_in_init)
		art_wake((struct art_task *)((char *)f - offsetof(struct art_task, fut)));
	return ART_INIT_IDLE;
}

/* An ART_INIT_IDLE task is not polled until something wakes it. */
static void art_spawn_idle_init_polls_only_when_woken(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	atomic_t polls = ATOMIC_INIT(0);
	struct idler proto = { .polls = &polls };
	struct art_task *t;

	t = art_spawn(rt, sizeof(proto), idler_init, &proto, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(t));
	msleep(50);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 0);
	KUNIT_EXPECT_FALSE(test, art_task_is_finished(t));
	art_wake(t);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 7);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
	art_task_put(t);
}

/* A wake that comes while init runs is not lost to the idle start. */
static void art_spawn_idle_init_keeps_wake_from_init(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	atomic_t polls = ATOMIC_INIT(0);
	struct idler proto = { .polls = &polls, .wake_in_init = true };
	struct art_task *t;

	t = art_spawn(rt, sizeof(proto), idler_init, &proto, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 7);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
	art_task_put(t);
}

/* An idle task that is aborted completes with -ECANCELED, never polled. */
static void art_spawn_idle_init_abort_reports_ecanceled(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	atomic_t polls = ATOMIC_INIT(0);
	struct idler proto = { .polls = &polls };
	struct art_task *t;

	t = art_spawn(rt, sizeof(proto), idler_init, &proto, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(t));
	art_task_abort(t);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 0);
	art_task_put(t);
}

/*
 * A guest claims an idle task (later wakes find it scheduled, and nothing
 * is queued) and polls it itself; a task that is not idle is not claimed.
 */
static void art_rt_guest_claim_keeps_task_out_of_queue(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	atomic_t polls = ATOMIC_INIT(0);
	struct idler proto = { .polls = &polls };
	struct art_rt_metrics m;
	struct art_task *t, *busy;

	t = art_spawn(rt, sizeof(proto), idler_init, &proto, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(t));
	KUNIT_ASSERT_TRUE(test, art_rt_guest_begin(rt));
	busy = spawn_yielder(rt, 0, 1, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(busy));
	KUNIT_EXPECT_FALSE(test, art_rt_guest_claim(busy));
	KUNIT_EXPECT_TRUE(test, art_rt_guest_claim(t));
	art_wake(t);
	art_rt_metrics(rt, &m);
	KUNIT_EXPECT_LE(test, m.global_depth + m.local_depth, 1ULL);
	art_rt_guest_run_task(rt, t);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 7);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
	KUNIT_EXPECT_FALSE(test, art_rt_guest_claim(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(busy), 1);
	art_rt_guest_end(rt);
	art_task_put(busy);
	art_task_put(t);
}

/* A big future (kmalloc'ed task) works like a small one. */
struct big {
	struct art_future fut;
	u8 pad[1000];
};

static enum art_poll big_poll(struct art_future *f, struct art_cx *cx, long *res)
{
	struct big *b = container_of(f, struct big, fut);

	*res = b->pad[999];
	return ART_READY;
}

static const struct art_future_ops big_ops = { .poll = big_poll };

static void art_spawn_copy_large_future_works(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct big *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct art_task *t;

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->fut.ops = &big_ops;
	b->pad[999] = 77;
	t = art_spawn_copy(rt, &b->fut, sizeof(*b), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 77);
	art_task_put(t);
}

static struct kunit_case art_task_cases[] = {
	KUNIT_CASE(art_spawn_ready_future_reports_result),
	KUNIT_CASE(art_co_yield_resumes_after_each_yield),
	KUNIT_CASE(art_spawn_100k_tasks_all_joined),
	KUNIT_CASE(art_task_abort_pending_task_reports_ecanceled),
	KUNIT_CASE(art_task_abort_racing_completion_is_consistent),
	KUNIT_CASE(art_task_wait_times_out_then_succeeds),
	KUNIT_CASE(art_join_poll_from_another_task_gets_result),
	KUNIT_CASE(art_rt_quiesce_waits_for_woken_joiner),
	KUNIT_CASE(art_spawn_detached_reports_through_drop),
	KUNIT_CASE(art_spawn_copy_sleep_fits_128_bytes),
	KUNIT_CASE(art_spawn_enomem_at_every_site),
	KUNIT_CASE(art_spawn_init_error_is_returned),
	KUNIT_CASE(art_spawn_copy_large_future_works),
	KUNIT_CASE(art_spawn_idle_init_polls_only_when_woken),
	KUNIT_CASE(art_spawn_idle_init_keeps_wake_from_init),
	KUNIT_CASE(art_spawn_idle_init_abort_reports_ecanceled),
	KUNIT_CASE(art_rt_guest_claim_keeps_task_out_of_queue),
	{}
};

static struct kunit_suite art_task_suite = {
	.name = "asyncrt_task",
	.test_cases = art_task_cases,
};

kunit_test_suite(art_task_suite);
