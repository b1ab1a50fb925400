// SPDX-License-Identifier: GPL-2.0
/*
 * Memory and accuracy of the kernel runtime's timers. The memory run
 * spawns count tasks that stay pending (idle on a Notify nobody notifies,
 * or in a one-hour sleep) and reads the slab growth per task, beside the
 * same number of bare hrtimers in kmalloc'd memory. The lateness run sleeps
 * count times, one at a time, to a deadline 10 us .. 1 ms ahead, in a task
 * and, as peers, in a kthread on a bare hrtimer (schedule_hrtimeout) and in
 * a bare hrtimer callback (the floor: no thread is woken).
 */
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/asyncrt.h>

#include "bench.h"

#define ARTB_HOUR_NS	(3600ULL * NSEC_PER_SEC)

struct artb_idle {
	struct art_future fut;
	struct art_notified w;
};

static enum art_poll artb_idle_poll(struct art_future *f, struct art_cx *cx,
				    long *res)
{
	struct artb_idle *t = container_of(f, struct artb_idle, fut);

	return art_notified_poll(&t->w, cx, res);
}

static void artb_idle_drop(struct art_future *f, long res)
{
	art_notified_drop(&container_of(f, struct artb_idle, fut)->w);
}

static const struct art_future_ops artb_idle_ops = {
	.poll = artb_idle_poll,
	.drop = artb_idle_drop,
};

static int artb_idle_init(struct art_future *f, void *arg)
{
	struct artb_idle *t = container_of(f, struct artb_idle, fut);

	f->ops = &artb_idle_ops;
	art_notified_init(&t->w, arg);
	return 0;
}

static int artb_sleep_init(struct art_future *f, void *arg)
{
	art_sleep_init(container_of(f, struct art_sleep, fut), CLOCK_MONOTONIC,
		       ARTB_HOUR_NS, 0);
	return 0;
}

/* Wait until every task spawned so far has been polled (armed) once. */
static void artb_settle(struct art_runtime *rt, u64 polls)
{
	struct art_rt_metrics m;
	unsigned int i;

	for (i = 0; i < 1500; i++) {
		art_rt_metrics(rt, &m);
		if (m.polls >= polls && !m.global_depth && !m.local_depth)
			return;
		msleep(20);
	}
}

static int artb_mem_tasks(struct art_runtime *rt, struct art_task **tasks,
			  unsigned int n, bool sleep, struct art_notify *never)
{
	struct art_rt_metrics m;
	unsigned int i, spawned;
	long before, after;
	char param[16];
	int ret = 0;

	before = artb_slab_bytes_settled();
	art_rt_metrics(rt, &m);
	for (spawned = 0; spawned < n; spawned++) {
		tasks[spawned] = sleep ?
			art_spawn(rt, sizeof(struct art_sleep), artb_sleep_init, NULL, 0) :
			art_spawn(rt, sizeof(struct artb_idle), artb_idle_init, never, 0);
		if (IS_ERR(tasks[spawned])) {
			ret = PTR_ERR(tasks[spawned]);
			break;
		}
		if (!(spawned & 1023))
			cond_resched();
	}
	artb_settle(rt, m.polls + spawned);
	after = artb_slab_bytes();
	if (!ret && after <= before) {
		pr_info("# kmem: slab did not grow over %u tasks, no figure\n", n);
	} else if (!ret) {
		snprintf(param, sizeof(param), "%u", n);
		artb_result("kmem", sleep ? "asyncrt_sleep" : "asyncrt_idle_task",
			    param, "slab_bytes_per_op", div_u64(after - before, n));
	}
	for (i = 0; i < spawned; i++)
		art_task_abort(tasks[i]);
	for (i = 0; i < spawned; i++) {
		art_task_wait(tasks[i], MAX_SCHEDULE_TIMEOUT);
		art_task_put(tasks[i]);
		if (!(i & 1023))
			cond_resched();
	}
	return ret;
}

static enum hrtimer_restart artb_hrtimer_never(struct hrtimer *t)
{
	return HRTIMER_NORESTART;
}

static int artb_mem_hrtimers(struct hrtimer **timers, unsigned int n)
{
	unsigned int i, made;
	long before, after;
	char param[16];
	int ret = 0;

	before = artb_slab_bytes_settled();
	for (made = 0; made < n; made++) {
		timers[made] = kmalloc(sizeof(*timers[made]), GFP_KERNEL);
		if (!timers[made]) {
			ret = -ENOMEM;
			break;
		}
		hrtimer_init(timers[made], CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		timers[made]->function = artb_hrtimer_never;
		hrtimer_start(timers[made], ns_to_ktime(ARTB_HOUR_NS), HRTIMER_MODE_REL);
	}
	after = artb_slab_bytes();
	if (!ret && after <= before) {
		pr_info("# kmem: slab did not grow over %u hrtimers, no figure\n", n);
	} else if (!ret) {
		snprintf(param, sizeof(param), "%u", n);
		artb_result("kmem", "hrtimer", param, "slab_bytes_per_op",
			    div_u64(after - before, n));
	}
	for (i = 0; i < made; i++) {
		hrtimer_cancel(timers[i]);
		kfree(timers[i]);
	}
	return ret;
}

/**
 * artb_memory() - slab bytes per idle task, per pending sleep, per hrtimer
 * @rt: the runtime under test
 * @count: objects of each kind pending at once
 *
 * Return: 0 or a negative errno.
 */
int artb_memory(struct art_runtime *rt, unsigned int count)
{
	struct art_notify never;
	void **objs;
	int ret;

	art_notify_init(&never);
	objs = kvmalloc_array(count, sizeof(*objs), GFP_KERNEL);
	if (!objs)
		return -ENOMEM;
	ret = artb_mem_tasks(rt, (struct art_task **)objs, count, false, &never);
	if (!ret)
		ret = artb_mem_tasks(rt, (struct art_task **)objs, count, true, NULL);
	if (!ret)
		ret = artb_mem_hrtimers((struct hrtimer **)objs, count);
	kvfree(objs);
	return ret;
}

static u64 artb_deadline(u64 *seed)
{
	return ktime_get_ns() + 10000 + (u32)artb_rand(seed) % 990000;
}

static u64 artb_late(u64 deadline)
{
	u64 now = ktime_get_ns();

	return now > deadline ? now - deadline : 0;
}

/* A task that sleeps n times in a row and records each lateness. */
struct artb_sleeper {
	struct art_future fut;
	struct art_co co;
	struct art_sleep sleep;
	u64 *lat;
	u64 seed;
	u64 deadline;
	unsigned int i;
	unsigned int n;
	long r;
};

static enum art_poll artb_sleeper_poll(struct art_future *f, struct art_cx *cx,
				       long *res)
{
	struct artb_sleeper *s = container_of(f, struct artb_sleeper, fut);

	art_co_begin(&s->co);
	for (s->i = 0; s->i < s->n; s->i++) {
		s->deadline = artb_deadline(&s->seed);
		art_sleep_init(&s->sleep, CLOCK_MONOTONIC, s->deadline, ART_TIMER_ABS);
		art_co_await(&s->co, art_sleep_poll(&s->sleep, cx, &s->r));
		s->lat[s->i] = artb_late(s->deadline);
	}
	art_co_return(&s->co, res, 0);
	art_co_end(&s->co, res);
}

static void artb_sleeper_drop(struct art_future *f, long res)
{
	art_sleep_drop(&container_of(f, struct artb_sleeper, fut)->sleep);
}

static const struct art_future_ops artb_sleeper_ops = {
	.poll = artb_sleeper_poll,
	.drop = artb_sleeper_drop,
};

static int artb_sleeper_init(struct art_future *f, void *arg)
{
	struct artb_sleeper *s = container_of(f, struct artb_sleeper, fut);
	const struct artb_sleeper *proto = arg;

	*s = *proto;
	f->ops = &artb_sleeper_ops;
	return 0;
}

static int artb_lat_art(struct art_runtime *rt, u64 *lat, unsigned int n)
{
	struct artb_sleeper proto = { .lat = lat, .seed = 42, .n = n };
	struct art_task *t;
	long ret;

	t = art_spawn(rt, sizeof(proto), artb_sleeper_init, &proto, 0);
	if (IS_ERR(t))
		return PTR_ERR(t);
	ret = art_task_wait(t, MAX_SCHEDULE_TIMEOUT);
	art_task_put(t);
	return ret;
}

static void artb_lat_thread(u64 *lat, unsigned int n)
{
	u64 seed = 42, deadline;
	unsigned int i;
	ktime_t kt;

	for (i = 0; i < n; i++) {
		deadline = artb_deadline(&seed);
		kt = ns_to_ktime(deadline);
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule_hrtimeout_range(&kt, 0, HRTIMER_MODE_ABS);
		lat[i] = artb_late(deadline);
	}
}

struct artb_irq_timer {
	struct hrtimer timer;
	struct completion done;
	u64 deadline;
	u64 late;
};

static enum hrtimer_restart artb_irq_fn(struct hrtimer *timer)
{
	struct artb_irq_timer *t = container_of(timer, struct artb_irq_timer, timer);

	t->late = artb_late(t->deadline);
	complete(&t->done);
	return HRTIMER_NORESTART;
}

static void artb_lat_irq(u64 *lat, unsigned int n)
{
	struct artb_irq_timer t;
	u64 seed = 42;
	unsigned int i;

	init_completion(&t.done);
	hrtimer_init_on_stack(&t.timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	t.timer.function = artb_irq_fn;
	for (i = 0; i < n; i++) {
		reinit_completion(&t.done);
		t.deadline = artb_deadline(&seed);
		hrtimer_start(&t.timer, ns_to_ktime(t.deadline), HRTIMER_MODE_ABS);
		wait_for_completion(&t.done);
		lat[i] = t.late;
	}
	hrtimer_cancel(&t.timer);
	destroy_hrtimer_on_stack(&t.timer);
}

/**
 * artb_lateness() - sleep lateness of a task vs bare hrtimers
 * @rt: the runtime under test
 * @count: sleeps per implementation
 *
 * Return: 0 or a negative errno.
 */
int artb_lateness(struct art_runtime *rt, unsigned int count)
{
	u64 *lat;
	int ret;

	lat = kvmalloc_array(count, sizeof(*lat), GFP_KERNEL);
	if (!lat)
		return -ENOMEM;
	ret = artb_lat_art(rt, lat, count);
	if (!ret) {
		artb_latency("klateness", "asyncrt", "all", lat, count);
		artb_lat_thread(lat, count);
		artb_latency("klateness", "hrtimer_thread", "all", lat, count);
		artb_lat_irq(lat, count);
		artb_latency("klateness", "hrtimer_irq", "all", lat, count);
	}
	kvfree(lat);
	return ret;
}
