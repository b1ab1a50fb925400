// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite asyncrt_sched: the executor. Both flavours run tasks; many
 * runtimes coexist; wake storms from an hrtimer and from threads on other
 * CPUs never lose a wake nor run a task concurrently with itself; the poll
 * budget makes a busy task yield; yield_now; the LIFO slot; destroying a
 * runtime with live tasks and armed timers; blocking work; stall reports;
 * metrics.
 */
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/slab.h>

#include "kunit_util.h"

/* Runs a function on each poll; completes when it returns >= 0. */
struct stepper {
	struct art_future fut;
	long (*step)(struct stepper *s, struct art_cx *cx);
	void *ctx;
	atomic_t *drops;
};

static enum art_poll stepper_poll(struct art_future *f, struct art_cx *cx,
				  long *res)
{
	struct stepper *s = container_of(f, struct stepper, fut);
	long r = s->step(s, cx);

	if (r < 0)
		return ART_PENDING;
	*res = r;
	return ART_READY;
}

static void stepper_drop(struct art_future *f, long res)
{
	struct stepper *s = container_of(f, struct stepper, fut);

	if (s->drops)
		atomic_inc(s->drops);
}

static const struct art_future_ops stepper_ops = {
	.poll = stepper_poll,
	.drop = stepper_drop,
};

static struct art_task *spawn_stepper(struct art_runtime *rt,
				      long (*step)(struct stepper *, struct art_cx *),
				      void *ctx, atomic_t *drops)
{
	struct stepper s = {
		.fut.ops = &stepper_ops, .step = step, .ctx = ctx, .drops = drops,
	};

	return art_spawn_copy(rt, &s.fut, sizeof(s), 0);
}

static long step_double(struct stepper *s, struct art_cx *cx)
{
	return 2 * (long)(uintptr_t)s->ctx;
}

/* Both flavours, and several runtimes at once, run their tasks. */
static void art_rt_create_each_flavour_runs_tasks(struct kunit *test)
{
	struct art_task *(*t)[50] = kunit_kcalloc(test, 4, sizeof(*t), GFP_KERNEL);
	struct art_runtime *rt[4];
	int i, k;

	KUNIT_ASSERT_NOT_NULL(test, t);

	rt[0] = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	rt[1] = art_kunit_rt(test, 0, 0);
	rt[2] = art_kunit_rt(test, 0, 3);
	rt[3] = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	for (k = 0; k < 4; k++)
		for (i = 0; i < 50; i++) {
			t[k][i] = spawn_stepper(rt[k], step_double,
						(void *)(uintptr_t)(i + k), NULL);
			KUNIT_ASSERT_FALSE(test, IS_ERR(t[k][i]));
		}
	for (k = 0; k < 4; k++)
		for (i = 0; i < 50; i++) {
			KUNIT_EXPECT_EQ(test, art_kunit_wait(t[k][i]), 2L * (i + k));
			art_task_put(t[k][i]);
		}
}

/* Wake storm: counts wakes from an hrtimer and two kthreads. */
struct storm {
	atomic_t fired;		/* wakes sent */
	atomic_t inpoll;	/* > 1 means the task ran concurrently */
	atomic_t overlap;
	atomic_t polls;
	struct art_task *task;
	struct hrtimer timer;
	bool stop;
	unsigned int target;
};

static long step_storm(struct stepper *s, struct art_cx *cx)
{
	struct storm *st = s->ctx;
	long r = -1;

	if (atomic_inc_return(&st->inpoll) != 1)
		atomic_inc(&st->overlap);
	atomic_inc(&st->polls);
	udelay(2);	/* widen the window for concurrent wakes */
	if (atomic_read(&st->fired) >= st->target)
		r = 0;
	atomic_dec(&st->inpoll);
	return r;
}

static enum hrtimer_restart storm_timer_fn(struct hrtimer *h)
{
	struct storm *st = container_of(h, struct storm, timer);

	if (READ_ONCE(st->stop))
		return HRTIMER_NORESTART;
	atomic_inc(&st->fired);
	art_wake(st->task);
	hrtimer_forward_now(h, ns_to_ktime(20 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int storm_thread(void *data)
{
	struct storm *st = data;

	while (!kthread_should_stop()) {
		atomic_inc(&st->fired);
		art_wake(st->task);
		cond_resched();
	}
	return 0;
}

static void art_wake_storm_from_hrtimer_and_cpus_loses_nothing(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 2);
	struct storm *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct task_struct *th[2];
	struct art_task *t;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, st);
	st->target = 20000;
	t = spawn_stepper(rt, step_storm, st, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	st->task = t;	/* our handle keeps it valid for the wakers */
	hrtimer_init(&st->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	st->timer.function = storm_timer_fn;
	hrtimer_start(&st->timer, ns_to_ktime(20 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	for (i = 0; i < 2; i++) {
		th[i] = kthread_run(storm_thread, st, "art_storm/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(th[i]));
	}
	/* Wakes keep coming after the target: the last one must be seen. */
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
	for (i = 0; i < 2; i++)
		kthread_stop(th[i]);
	WRITE_ONCE(st->stop, true);
	hrtimer_cancel(&st->timer);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->overlap), 0);
	KUNIT_EXPECT_GE(test, atomic_read(&st->fired), 20000);
	/* Wakes coalesce, but the task never polled more often than woken. */
	KUNIT_EXPECT_LE(test, atomic_read(&st->polls), atomic_read(&st->fired) + 1);
	kunit_info(test, "%d wakes, %d polls", atomic_read(&st->fired),
		   atomic_read(&st->polls));
	art_task_put(t);
}

/* A task whose leaf futures are always ready is made to yield by the budget. */
struct hog {
	atomic_t progress;
	atomic_t seen;		/* progress observed by the other task */
	struct art_notify n;
};

static long step_hog(struct stepper *s, struct art_cx *cx)
{
	struct hog *h = s->ctx;
	struct art_notified w;
	enum art_poll p;
	long r;

	/* An always-ready leaf: a notify whose permit is stored. */
	while (atomic_read(&h->progress) < 1000) {
		art_notify_one(&h->n);
		art_notified_init(&w, &h->n);
		p = art_notified_poll(&w, cx, &r);
		art_notified_drop(&w);
		if (p == ART_PENDING)
			return -1;	/* budget spent: the runtime woke us */
		atomic_inc(&h->progress);
	}
	return 0;
}

static long step_observer(struct stepper *s, struct art_cx *cx)
{
	struct hog *h = s->ctx;

	atomic_set(&h->seen, atomic_read(&h->progress));
	return 0;
}

static void art_cx_consume_budget_forces_busy_task_to_yield(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	struct hog *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct art_rt_metrics m;
	struct art_task *a, *b;

	KUNIT_ASSERT_NOT_NULL(test, h);
	art_notify_init(&h->n);
	atomic_set(&h->seen, -1);
	a = spawn_stepper(rt, step_hog, h, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	b = spawn_stepper(rt, step_observer, h, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(a), 0);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(b), 0);
	/* One worker: the observer ran while the hog was part way through. */
	KUNIT_EXPECT_GT(test, atomic_read(&h->seen), 0);
	KUNIT_EXPECT_LT(test, atomic_read(&h->seen), 1000);
	art_rt_metrics(rt, &m);
	KUNIT_EXPECT_GE(test, m.forced_yields, 1000ULL / 128);
	art_task_put(a);
	art_task_put(b);
}

/* yield_now: two tasks on one worker interleave. */
struct pingpong {
	struct art_future fut;
	struct art_co co;
	struct art_yield y;
	unsigned int i;
	int me;
	int *log;
	atomic_t *pos;
	long r;
};

static enum art_poll pingpong_poll(struct art_future *f, struct art_cx *cx,
				   long *res)
{
	struct pingpong *p = container_of(f, struct pingpong, fut);

	art_co_begin(&p->co);
	for (p->i = 0; p->i < 4; p->i++) {
		p->log[atomic_inc_return(p->pos) - 1] = p->me;
		art_yield_init(&p->y);
		art_co_await(&p->co, art_yield_now(&p->y, cx, &p->r));
	}
	art_co_end(&p->co, res);
}

static const struct art_future_ops pingpong_ops = { .poll = pingpong_poll };

static long step_hold(struct stepper *s, struct art_cx *cx)
{
	bool *go = s->ctx;
	int i;

	for (i = 0; i < 60000 && !READ_ONCE(*go); i++)
		usleep_range(1000, 2000);
	return 0;
}

static void art_yield_now_interleaves_tasks(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	int log[8] = { 0 };
	atomic_t pos = ATOMIC_INIT(0);
	struct pingpong p = { .fut.ops = &pingpong_ops, .log = log, .pos = &pos };
	struct art_task *t[2], *hold;
	bool go = false;
	int i;

	/* Hold the only worker so that both tasks are queued before either runs. */
	hold = spawn_stepper(rt, step_hold, &go, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hold));
	for (i = 0; i < 2; i++) {
		p.me = i + 1;
		t[i] = art_spawn_copy(rt, &p.fut, sizeof(p), 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
	}
	WRITE_ONCE(go, true);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(hold), 0);
	art_task_put(hold);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(t[i]), 0);
		art_task_put(t[i]);
	}
	/* FIFO run queue and yield to the back: strict alternation. */
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, log[i], 1 + (i & 1));
}

/* Destroying a runtime with live tasks and armed timers drops them all. */
struct sleeper {
	struct art_future fut;
	struct art_sleep s;
	atomic_t *drops;
};

static enum art_poll sleeper_poll(struct art_future *f, struct art_cx *cx,
				  long *res)
{
	return art_sleep_poll(&container_of(f, struct sleeper, fut)->s, cx, res);
}

static void sleeper_drop(struct art_future *f, long res)
{
	struct sleeper *s = container_of(f, struct sleeper, fut);

	art_sleep_drop(&s->s);
	atomic_inc(s->drops);
}

static const struct art_future_ops sleeper_ops = {
	.poll = sleeper_poll,
	.drop = sleeper_drop,
};

static long step_forever(struct stepper *s, struct art_cx *cx)
{
	return -1;
}

/* A task that wakes itself 999 times: scheduled again after each poll. */
static long step_yield_count(struct stepper *s, struct art_cx *cx)
{
	atomic_t *polls = s->ctx;

	if (atomic_inc_return(polls) < 1000) {
		art_wake(art_cx_task(cx));
		return -1;
	}
	return 0;
}

/*
 * Quiesce waits for the tasks that are running or scheduled, on any
 * worker, and not for an idle one.
 */
static void art_rt_quiesce_waits_for_running_and_scheduled_tasks(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 2);
	atomic_t polls = ATOMIC_INIT(0);
	struct art_task *idle, *hold, *yielder;
	bool go = false;

	idle = spawn_stepper(rt, step_forever, NULL, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(idle));
	hold = spawn_stepper(rt, step_hold, &go, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hold));
	/* hold is in its poll (or queued for it) until go. */
	KUNIT_EXPECT_EQ(test, art_rt_quiesce(rt, HZ / 10), -ETIMEDOUT);
	yielder = spawn_stepper(rt, step_yield_count, &polls, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(yielder));
	WRITE_ONCE(go, true);
	KUNIT_EXPECT_EQ(test, art_rt_quiesce(rt, 60 * HZ), 0);
	KUNIT_EXPECT_TRUE(test, art_task_is_finished(hold));
	KUNIT_EXPECT_TRUE(test, art_task_is_finished(yielder));
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1000);
	KUNIT_EXPECT_FALSE(test, art_task_is_finished(idle));
	art_task_put(yielder);
	art_task_put(hold);
	art_task_put(idle);
}

static void art_rt_destroy_with_live_tasks_and_armed_timers(struct kunit *test)
{
	struct art_rt_config cfg = { .name = "doomed" };
	static const clockid_t clocks[] = {
		CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME,
	};
	atomic_t drops = ATOMIC_INIT(0);
	struct art_task *kept[3];
	struct art_runtime *rt;
	struct sleeper sl;
	int i, n = 0;

	rt = art_rt_create(&cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	sl.fut.ops = &sleeper_ops;
	sl.drops = &drops;
	for (i = 0; i < 300; i++) {
		struct art_task *t;

		art_sleep_init(&sl.s, clocks[i % 3], 3600ULL * NSEC_PER_SEC, 0);
		t = art_spawn_copy(rt, &sl.fut, sizeof(sl),
				   i < 3 ? 0 : ART_SPAWN_DETACHED);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		if (i < 3)
			kept[i] = t;
		n++;
	}
	for (i = 0; i < 100; i++) {
		struct art_task *t = spawn_stepper(rt, step_forever, NULL, &drops);

		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		art_task_detach(t);
		n++;
	}
	/* Let the sleeps arm their hrtimers. */
	KUNIT_EXPECT_EQ(test, art_rt_quiesce(rt, 60 * HZ), 0);
	art_rt_destroy(rt);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), n);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, art_task_result(kept[i]), -ECANCELED);
		art_task_put(kept[i]);
	}
}

/* Blocking work runs off the executor and its result is awaited. */
static long blocking_fn(void *arg)
{
	msleep(20);	/* sleeping here is the point */
	return (long)(uintptr_t)arg;
}

struct blocker {
	struct art_future fut;
	struct art_blocking b;
};

static enum art_poll blocker_poll(struct art_future *f, struct art_cx *cx,
				  long *res)
{
	return art_blocking_poll(&container_of(f, struct blocker, fut)->b, cx, res);
}

static void blocker_drop(struct art_future *f, long res)
{
	art_blocking_drop(&container_of(f, struct blocker, fut)->b);
}

static const struct art_future_ops blocker_ops = {
	.poll = blocker_poll,
	.drop = blocker_drop,
};

static void art_blocking_poll_runs_off_executor(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	struct blocker b = { .fut.ops = &blocker_ops };
	struct art_task *t[8], *quick;
	int i;

	for (i = 0; i < 8; i++) {
		art_blocking_init(&b.b, blocking_fn, (void *)(uintptr_t)i);
		t[i] = art_spawn_copy(rt, &b.fut, sizeof(b), 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
	}
	/* The single worker is free while the functions sleep. */
	quick = spawn_stepper(rt, step_double, (void *)21, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(quick));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(quick), 42);
	art_task_put(quick);
	for (i = 0; i < 8; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(t[i]), i);
		art_task_put(t[i]);
	}
	/* Abort while the function runs: the result is dropped, no leak. */
	art_blocking_init(&b.b, blocking_fn, (void *)1);
	t[0] = art_spawn_copy(rt, &b.fut, sizeof(b), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t[0]));
	art_task_abort(t[0]);
	KUNIT_EXPECT_TRUE(test, art_kunit_wait(t[0]) == -ECANCELED ||
			  art_task_result(t[0]) == 1);
	art_task_put(t[0]);
}

/* A poll longer than the stall threshold is counted (and reported once). */
static long step_stall(struct stepper *s, struct art_cx *cx)
{
	mdelay(150);	/* > the 100 ms default of asyncrt.stall_ms */
	return 0;
}

static void art_task_run_reports_stall(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_rt_metrics m;
	struct art_task *t;

	t = spawn_stepper(rt, step_stall, NULL, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
	art_task_put(t);
	art_rt_metrics(rt, &m);
	KUNIT_EXPECT_GE(test, m.stalls, 1ULL);
}

/* Wait until @n workers of @rt are parked, so only what we wake runs. */
static void wait_parked(struct kunit *test, struct art_runtime *rt,
			unsigned int n)
{
	struct art_rt_metrics m;
	int i;

	for (i = 0; i < 500; i++) {
		art_rt_metrics(rt, &m);
		if (m.parked == n)
			return;
		msleep(20);
	}
	KUNIT_FAIL(test, "%llu of %u workers parked after 10 s", m.parked, n);
}

/* Where a task was polled. */
struct poll_site {
	struct task_struct *thread;
	int cpu;
};

static long step_record_site(struct stepper *s, struct art_cx *cx)
{
	struct poll_site *site = s->ctx;

	site->thread = current;
	site->cpu = raw_smp_processor_id();
	return 0;
}

/*
 * A guest runs the tasks that become ready while it is published, in its
 * own thread; the parked worker is not woken for them. One guest at a time.
 */
static void art_rt_guest_run_polls_in_the_waiting_thread(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	struct poll_site site[20] = {};
	struct art_task *t[20];
	struct art_rt_metrics m;
	int i;

	wait_parked(test, rt, 1);
	KUNIT_ASSERT_TRUE(test, art_rt_guest_begin(rt));
	KUNIT_EXPECT_FALSE(test, art_rt_guest_begin(rt));
	for (i = 0; i < 20; i++) {
		t[i] = spawn_stepper(rt, step_record_site, &site[i], NULL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
	}
	KUNIT_EXPECT_TRUE(test, art_rt_guest_run(rt));
	KUNIT_EXPECT_FALSE(test, art_rt_guest_run(rt));	/* nothing ready */
	art_rt_metrics(rt, &m);
	KUNIT_EXPECT_EQ(test, m.parked, 1ULL);
	art_rt_guest_end(rt);
	for (i = 0; i < 20; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(t[i]), 0L);
		KUNIT_EXPECT_PTR_EQ(test, site[i].thread, current);
		art_task_put(t[i]);
	}
}

/* What a guest leaves queued, and what is woken after it left, the worker runs. */
static void art_rt_guest_end_hands_tasks_to_the_worker(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	struct poll_site site[2] = {};
	struct art_task *t[2];

	wait_parked(test, rt, 1);
	KUNIT_ASSERT_TRUE(test, art_rt_guest_begin(rt));
	t[0] = spawn_stepper(rt, step_record_site, &site[0], NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t[0]));
	art_rt_guest_end(rt);
	t[1] = spawn_stepper(rt, step_record_site, &site[1], NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t[1]));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t[0]), 0L);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t[1]), 0L);
	KUNIT_EXPECT_PTR_NE(test, site[0].thread, current);
	KUNIT_EXPECT_PTR_NE(test, site[1].thread, current);
	art_task_put(t[0]);
	art_task_put(t[1]);
	/* A multi-thread runtime has no guests. */
	KUNIT_EXPECT_FALSE(test, art_rt_guest_begin(art_kunit_rt(test, 0, 2)));
}

/* A task that waits for one wake from a kthread, recording who polled it. */
struct woken_once {
	struct art_task *task;
	atomic_t armed;
	struct task_struct *poller[2];
};

static long step_woken_once(struct stepper *s, struct art_cx *cx)
{
	struct woken_once *o = s->ctx;
	int n = atomic_read(&o->armed);

	o->poller[n] = current;
	if (n)
		return 0;
	o->task = cx->task;
	atomic_set_release(&o->armed, 1);
	return -1;
}

static int woken_once_thread(void *data)
{
	struct woken_once *o = data;

	while (!atomic_read_acquire(&o->armed))
		usleep_range(1000, 2000);
	art_wake(o->task);
	return 0;
}

/*
 * A guest that joins a task polls it in its own thread, before and after
 * it sleeps in art_task_wait() for a wake from elsewhere; the runtime's
 * worker stays parked throughout.
 */
static void art_task_wait_runs_the_task_in_its_guest(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	struct woken_once o = { .armed = ATOMIC_INIT(0) };
	struct task_struct *waker;
	struct art_rt_metrics m;
	struct art_task *t;

	wait_parked(test, rt, 1);
	KUNIT_ASSERT_TRUE(test, art_rt_guest_begin(rt));
	t = spawn_stepper(rt, step_woken_once, &o, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	waker = kthread_run(woken_once_thread, &o, "art_kunit_waker");
	KUNIT_ASSERT_FALSE(test, IS_ERR(waker));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0L);
	art_rt_metrics(rt, &m);
	art_rt_guest_end(rt);
	KUNIT_EXPECT_PTR_EQ(test, o.poller[0], current);
	KUNIT_EXPECT_PTR_EQ(test, o.poller[1], current);
	KUNIT_EXPECT_EQ(test, m.parked, 1ULL);
	KUNIT_EXPECT_EQ(test, m.polls, 2ULL);
	art_task_put(t);
}

/* Two tasks woken by a storm from a kthread, polled by worker and guest. */
struct serial_probe {
	atomic_t inpoll;
	atomic_t overlap;
	atomic_t polls;
	atomic_t guest_polls;
	struct task_struct *guest;
	struct art_task *task[2];
};

static long step_serial(struct stepper *s, struct art_cx *cx)
{
	struct serial_probe *p = s->ctx;

	if (atomic_inc_return(&p->inpoll) != 1)
		atomic_inc(&p->overlap);
	udelay(2);
	atomic_dec(&p->inpoll);
	atomic_inc(&p->polls);
	if (current == p->guest)
		atomic_inc(&p->guest_polls);
	return -1;	/* until aborted */
}

static int serial_storm_thread(void *data)
{
	struct serial_probe *p = data;

	while (!kthread_should_stop()) {
		art_wake(p->task[0]);
		art_wake(p->task[1]);
		usleep_range(20, 50);
	}
	return 0;
}

/*
 * The worker and a guest that comes and goes never poll two tasks of a
 * current-thread runtime at the same time, and both do poll.
 */
static void art_rt_guest_and_worker_never_poll_in_parallel(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, ART_RT_CURRENT_THREAD, 0);
	struct serial_probe p = { .guest = current };
	unsigned long end = jiffies + 60 * HZ;
	struct task_struct *storm;
	int guest, i;

	for (i = 0; i < 2; i++) {
		p.task[i] = spawn_stepper(rt, step_serial, &p, NULL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(p.task[i]));
	}
	storm = kthread_run(serial_storm_thread, &p, "art_kunit_storm");
	KUNIT_ASSERT_FALSE(test, IS_ERR(storm));
	do {
		if (art_rt_guest_begin(rt)) {
			art_rt_guest_run(rt);
			art_rt_guest_end(rt);
		}
		cond_resched();
		guest = atomic_read(&p.guest_polls);
	} while ((atomic_read(&p.polls) < 2000 || !guest ||
		  atomic_read(&p.polls) == guest) && time_before(jiffies, end));
	kthread_stop(storm);
	for (i = 0; i < 2; i++) {
		art_task_abort(p.task[i]);
		KUNIT_EXPECT_EQ(test, art_kunit_wait(p.task[i]), (long)-ECANCELED);
		art_task_put(p.task[i]);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&p.overlap), 0);
	KUNIT_EXPECT_GT(test, guest, 0);
	KUNIT_EXPECT_GT(test, atomic_read(&p.polls), guest);
	kunit_info(test, "%d polls, %d by the guest", atomic_read(&p.polls), guest);
}

/*
 * The default runtime's workers are bound one per CPU, and a spawn from
 * outside the runtime runs on the spawner's CPU when its worker is idle.
 */
struct local_spawn {
	struct art_runtime *rt;
	struct poll_site site;
	long ret;
	struct completion done;
};

static int local_spawn_thread(void *data)
{
	struct local_spawn *ls = data;
	struct art_task *t = spawn_stepper(ls->rt, step_record_site, &ls->site, NULL);

	if (IS_ERR(t)) {
		ls->ret = PTR_ERR(t);
	} else {
		ls->ret = art_kunit_wait(t);
		art_task_put(t);
	}
	complete(&ls->done);
	return 0;
}

static void art_sched_enqueue_runs_spawn_on_the_spawners_cpu(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	unsigned int cpu, n = num_online_cpus();

	for_each_online_cpu(cpu) {
		struct local_spawn ls = { .rt = rt };
		struct task_struct *th;

		init_completion(&ls.done);
		wait_parked(test, rt, n);
		th = kthread_create(local_spawn_thread, &ls, "art_kunit_spawn");
		KUNIT_ASSERT_FALSE(test, IS_ERR(th));
		kthread_bind(th, cpu);
		wake_up_process(th);
		wait_for_completion(&ls.done);
		KUNIT_EXPECT_EQ(test, ls.ret, 0L);
		KUNIT_EXPECT_EQ(test, ls.site.cpu, (int)cpu);
	}
}

/*
 * A wake from an interrupt that finds its CPU busy with a thread is run by
 * another CPU's worker: this CPU's would have to preempt that thread. The
 * task first polls (and waits) on this CPU; then a pinned hrtimer wakes it
 * while a thread bound to this CPU spins.
 */
struct away_wake {
	int ran_on;		/* CPU of the poll after the wake */
	atomic_t polls;
	struct art_task *task;
	struct hrtimer timer;
	atomic_t fired;
	int cpu;
	struct completion spun;
};

static long step_wait_then_record(struct stepper *s, struct art_cx *cx)
{
	struct away_wake *aw = s->ctx;

	if (atomic_inc_return(&aw->polls) == 1)
		return -1;	/* woken by the timer below */
	aw->ran_on = raw_smp_processor_id();
	return 0;
}

static enum hrtimer_restart away_timer_fn(struct hrtimer *h)
{
	struct away_wake *aw = container_of(h, struct away_wake, timer);

	atomic_set(&aw->fired, raw_smp_processor_id() + 1);
	art_wake(aw->task);
	return HRTIMER_NORESTART;
}

/* Busy on @aw->cpu until the timer fired and a while after: a thread, not idle. */
static int away_spin_thread(void *data)
{
	struct away_wake *aw = data;
	unsigned long end = jiffies + 5 * HZ;

	hrtimer_start(&aw->timer, ns_to_ktime(2 * NSEC_PER_MSEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
	while (!atomic_read(&aw->fired) && time_before(jiffies, end))
		cpu_relax();
	mdelay(20);
	complete(&aw->spun);
	return 0;
}

static void art_sched_wake_from_busy_cpu_irq_runs_elsewhere(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct away_wake *aw = kunit_kzalloc(test, sizeof(*aw), GFP_KERNEL);
	struct task_struct *th;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, aw);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	aw->cpu = cpumask_first(cpu_online_mask);
	init_completion(&aw->spun);
	hrtimer_init(&aw->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	aw->timer.function = away_timer_fn;
	wait_parked(test, rt, num_online_cpus());
	aw->task = spawn_stepper(rt, step_wait_then_record, aw, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(aw->task));
	for (i = 0; i < 5000 && atomic_read(&aw->polls) < 1; i++)
		usleep_range(1000, 2000);
	KUNIT_ASSERT_EQ(test, atomic_read(&aw->polls), 1);
	th = kthread_create(away_spin_thread, aw, "art_kunit_spin");
	KUNIT_ASSERT_FALSE(test, IS_ERR(th));
	kthread_bind(th, aw->cpu);
	wake_up_process(th);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(aw->task), 0L);
	wait_for_completion(&aw->spun);
	hrtimer_cancel(&aw->timer);
	KUNIT_EXPECT_EQ(test, atomic_read(&aw->fired), aw->cpu + 1);
	KUNIT_EXPECT_NE(test, aw->ran_on, aw->cpu);
	art_task_put(aw->task);
}

/*
 * A task that spawns a task and awaits its join handle, again and again:
 * each child goes to the worker's LIFO slot and runs next on that worker,
 * and no sibling is woken to steal it (tokio's LIFO slot).
 */
struct lifo_parent {
	struct art_future fut;
	struct art_co co;
	struct art_runtime *rt;
	struct art_task *child;
	struct art_join join;
	struct poll_site site;
	int i, cpu, moved;
	long r;
};

#define LIFO_ROUNDS 200

static enum art_poll lifo_parent_poll(struct art_future *f, struct art_cx *cx,
				      long *res)
{
	struct lifo_parent *p = container_of(f, struct lifo_parent, fut);

	art_co_begin(&p->co);
	for (p->i = 0; p->i < LIFO_ROUNDS; p->i++) {
		p->cpu = raw_smp_processor_id();
		p->child = spawn_stepper(p->rt, step_record_site, &p->site, NULL);
		if (IS_ERR(p->child))
			art_co_return(&p->co, res, PTR_ERR(p->child));
		art_join_init(&p->join, p->child);
		art_co_await(&p->co, art_join_poll(&p->join, cx, &p->r));
		art_task_put(p->child);
		p->child = NULL;
		if (p->site.cpu != p->cpu)
			p->moved++;
	}
	art_co_end(&p->co, res);
}

static void lifo_parent_drop(struct art_future *f, long res)
{
	struct lifo_parent *p = container_of(f, struct lifo_parent, fut);

	if (p->child) {
		art_join_drop(&p->join);
		art_task_put(p->child);
	}
}

static const struct art_future_ops lifo_parent_ops = {
	.poll = lifo_parent_poll,
	.drop = lifo_parent_drop,
};

static void art_sched_spawn_and_join_from_a_task_stay_on_its_worker(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct lifo_parent proto = { .fut.ops = &lifo_parent_ops, .rt = rt };
	struct art_rt_metrics before, after;
	struct lifo_parent *p;
	struct art_task *t;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	wait_parked(test, rt, num_online_cpus());
	art_rt_metrics(rt, &before);
	t = art_spawn_copy(rt, &proto.fut, sizeof(proto), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0L);
	art_rt_metrics(rt, &after);
	p = container_of(art_task_future(t), struct lifo_parent, fut);
	KUNIT_EXPECT_EQ(test, p->i, LIFO_ROUNDS);
	KUNIT_EXPECT_EQ(test, p->moved, 0);
	/* The parent's own spawn woke one worker; its children woke none. */
	KUNIT_EXPECT_LE(test, after.unparks - before.unparks, 2ULL);
	KUNIT_EXPECT_EQ(test, after.steals, before.steals);
	art_task_put(t);
}

/*
 * Two tasks that wake each other take turns through the LIFO slot; a task
 * waiting in the queue still runs: the slot gives way after a few turns.
 */
struct lifo_pingpong {
	struct art_task *task[2];
	bool go;
	atomic_t stop;
	atomic_t polls;
};

static long step_lifo_pingpong(struct stepper *s, struct art_cx *cx)
{
	struct lifo_pingpong *pp = s->ctx;
	struct art_task *me = art_cx_task(cx);

	if (!READ_ONCE(pp->go))
		return -1;	/* until both exist */
	atomic_inc(&pp->polls);
	art_wake(me == pp->task[0] ? pp->task[1] : pp->task[0]);
	return atomic_read(&pp->stop) ? 0 : -1;
}

static long step_lifo_stop(struct stepper *s, struct art_cx *cx)
{
	struct lifo_pingpong *pp = s->ctx;

	atomic_set(&pp->stop, 1);
	return 0;
}

static void art_sched_lifo_slot_lets_queued_tasks_run(struct kunit *test)
{
	/* One worker, not current-thread: it has a LIFO slot to itself. */
	struct art_runtime *rt = art_kunit_rt(test, 0, 1);
	struct lifo_pingpong pp = { };
	struct art_task *stopper;
	int i;

	for (i = 0; i < 2; i++) {
		pp.task[i] = spawn_stepper(rt, step_lifo_pingpong, &pp, NULL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(pp.task[i]));
	}
	WRITE_ONCE(pp.go, true);
	art_wake(pp.task[0]);
	for (i = 0; i < 5000 && atomic_read(&pp.polls) < 100; i++)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_GE(test, atomic_read(&pp.polls), 100);
	stopper = spawn_stepper(rt, step_lifo_stop, &pp, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(stopper));
	/* Seconds, not the suite's two minutes: starved, it would never run. */
	KUNIT_EXPECT_EQ(test, art_task_wait(stopper, 10 * HZ), 0L);
	atomic_set(&pp.stop, 1);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(pp.task[i]), 0L);
		art_task_put(pp.task[i]);
	}
	art_task_put(stopper);
}

/*
 * Destroying a runtime whose tasks keep waking each other, so that its
 * workers' LIFO slots and queues are never empty: every task is dropped
 * once and every join reports -ECANCELED.
 */
#define CHAIN_TASKS 64

struct wake_chain {
	struct art_task *task[CHAIN_TASKS];
	bool go;
	atomic_t polls;
};

static long step_wake_next(struct stepper *s, struct art_cx *cx)
{
	struct wake_chain *c = s->ctx;
	struct art_task *me = art_cx_task(cx);
	int i;

	if (!READ_ONCE(c->go))
		return -1;
	atomic_inc(&c->polls);
	for (i = 0; i < CHAIN_TASKS; i++)
		if (c->task[i] == me)
			break;
	art_wake(c->task[(i + 1) % CHAIN_TASKS]);
	return -1;
}

static void art_rt_destroy_while_tasks_wake_each_other(struct kunit *test)
{
	struct art_rt_config cfg = { .name = "churn" };
	struct wake_chain *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	atomic_t drops = ATOMIC_INIT(0);
	struct art_runtime *rt;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	rt = art_rt_create(&cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	for (i = 0; i < CHAIN_TASKS; i++) {
		c->task[i] = spawn_stepper(rt, step_wake_next, c, &drops);
		if (IS_ERR(c->task[i])) {
			KUNIT_FAIL(test, "spawn: %ld", PTR_ERR(c->task[i]));
			c->task[i] = NULL;
			break;
		}
	}
	if (i == CHAIN_TASKS) {
		WRITE_ONCE(c->go, true);
		/* Four chains at once, so that both workers have some. */
		for (i = 0; i < CHAIN_TASKS; i += CHAIN_TASKS / 4)
			art_wake(c->task[i]);
		for (i = 0; i < 5000 && atomic_read(&c->polls) < 10000; i++)
			usleep_range(1000, 2000);
		KUNIT_EXPECT_GE(test, atomic_read(&c->polls), 10000);
	}
	art_rt_destroy(rt);
	for (i = 0; i < CHAIN_TASKS && c->task[i]; i++) {
		KUNIT_EXPECT_EQ(test, art_task_result(c->task[i]), (long)-ECANCELED);
		art_task_put(c->task[i]);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), i);
}

static struct kunit_case art_sched_cases[] = {
	KUNIT_CASE(art_rt_create_each_flavour_runs_tasks),
	KUNIT_CASE(art_wake_storm_from_hrtimer_and_cpus_loses_nothing),
	KUNIT_CASE(art_cx_consume_budget_forces_busy_task_to_yield),
	KUNIT_CASE(art_yield_now_interleaves_tasks),
	KUNIT_CASE(art_rt_quiesce_waits_for_running_and_scheduled_tasks),
	KUNIT_CASE(art_rt_destroy_with_live_tasks_and_armed_timers),
	KUNIT_CASE(art_blocking_poll_runs_off_executor),
	KUNIT_CASE(art_task_run_reports_stall),
	KUNIT_CASE(art_rt_guest_run_polls_in_the_waiting_thread),
	KUNIT_CASE(art_rt_guest_end_hands_tasks_to_the_worker),
	KUNIT_CASE(art_task_wait_runs_the_task_in_its_guest),
	KUNIT_CASE(art_rt_guest_and_worker_never_poll_in_parallel),
	KUNIT_CASE(art_sched_enqueue_runs_spawn_on_the_spawners_cpu),
	KUNIT_CASE(art_sched_wake_from_busy_cpu_irq_runs_elsewhere),
	KUNIT_CASE(art_sched_spawn_and_join_from_a_task_stay_on_its_worker),
	KUNIT_CASE(art_sched_lifo_slot_lets_queued_tasks_run),
	KUNIT_CASE(art_rt_destroy_while_tasks_wake_each_other),
	{}
};

static struct kunit_suite art_sched_suite = {
	.name = "asyncrt_sched",
	.test_cases = art_sched_cases,
};

kunit_test_suite(art_sched_suite);
