// SPDX-License-Identifier: GPL-2.0
/*
 * Spawn+join against the kernel's workqueues. A round trip is spawning a
 * no-op task and waiting for its result (art_spawn + art_task_wait), or
 * queueing a no-op work item and flushing it (queue_work + flush_work) on a
 * per-CPU or an unbound workqueue. Rates are measured from one kthread and
 * from one kthread per online CPU at once; the scale run puts 1 .. count
 * tasks (work items) in flight before joining (flushing) them all. The
 * asyncrt_guest kind is the same round trip from a thread that is the guest
 * of a current-thread runtime of its own (art_rt_guest_begin()), and the
 * asyncrt_task kind from a task on a worker, which spawns the no-op task
 * and awaits its join handle (art_join), as async code in tokio spawns and
 * awaits: the round trip stays on that worker, with no thread woken.
 */
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/asyncrt.h>

#include "bench.h"

enum artb_kind {
	ARTB_ART, ARTB_ART_GUEST, ARTB_ART_TASK, ARTB_WQ_PERCPU, ARTB_WQ_UNBOUND,
	ARTB_NR_KINDS
};

static const char *const artb_kind_name[ARTB_NR_KINDS] = {
	"asyncrt", "asyncrt_guest", "asyncrt_task", "wq_percpu", "wq_unbound",
};

static bool artb_kind_is_art(enum artb_kind kind)
{
	return kind == ARTB_ART || kind == ARTB_ART_GUEST || kind == ARTB_ART_TASK;
}

/* The runtime a guest kind's thread drives itself. */
static const struct art_rt_config artb_guest_cfg = {
	.name = "artb_guest", .flags = ART_RT_CURRENT_THREAD,
};

struct artb_runner {
	enum artb_kind kind;
	struct art_runtime *rt;
	struct workqueue_struct *wq;
	struct work_struct work;
	u64 ns;
	u64 ops;
	long err;
	struct completion done;
};

static enum art_poll artb_noop_poll(struct art_future *f, struct art_cx *cx,
				    long *res)
{
	*res = 0;
	return ART_READY;
}

static const struct art_future_ops artb_noop_ops = {
	.poll = artb_noop_poll,
};

static int artb_noop_init(struct art_future *f, void *arg)
{
	f->ops = &artb_noop_ops;
	return 0;
}

static struct art_task *artb_spawn_noop(struct art_runtime *rt)
{
	return art_spawn(rt, sizeof(struct art_future), artb_noop_init, NULL, 0);
}

static void artb_noop_work(struct work_struct *w)
{
}

static long artb_round_trip(struct artb_runner *r)
{
	struct art_task *t;
	long ret;

	if (!artb_kind_is_art(r->kind)) {
		queue_work(r->wq, &r->work);
		flush_work(&r->work);
		return 0;
	}
	t = artb_spawn_noop(r->rt);
	if (IS_ERR(t))
		return PTR_ERR(t);
	ret = art_task_wait(t, MAX_SCHEDULE_TIMEOUT);
	art_task_put(t);
	return ret;
}

/*
 * The task kind's driver: a task that does the runner's round trips itself
 * for its duration, each a spawn and an await of the join handle.
 */
struct artb_driver {
	struct art_future fut;
	struct art_co co;
	struct artb_runner *r;
	struct art_task *child;
	struct art_join join;
	u64 start;
	long res;
};

static enum art_poll artb_driver_poll(struct art_future *f, struct art_cx *cx,
				      long *res)
{
	struct artb_driver *d = container_of(f, struct artb_driver, fut);
	struct artb_runner *r = d->r;

	art_co_begin(&d->co);
	d->start = ktime_get_ns();
	do {
		d->child = artb_spawn_noop(r->rt);
		if (IS_ERR(d->child)) {
			d->res = PTR_ERR(d->child);
			d->child = NULL;
			art_co_return(&d->co, res, d->res);
		}
		art_join_init(&d->join, d->child);
		art_co_await(&d->co, art_join_poll(&d->join, cx, &d->res));
		art_task_put(d->child);
		d->child = NULL;
		if (d->res)
			art_co_return(&d->co, res, d->res);
		r->ops++;
	} while (ktime_get_ns() - d->start < r->ns);
	r->ns = ktime_get_ns() - d->start;
	art_co_end(&d->co, res);
}

static void artb_driver_drop(struct art_future *f, long res)
{
	struct artb_driver *d = container_of(f, struct artb_driver, fut);

	if (d->child) {
		art_join_drop(&d->join);
		art_task_put(d->child);
	}
}

static const struct art_future_ops artb_driver_ops = {
	.poll = artb_driver_poll,
	.drop = artb_driver_drop,
};

static int artb_driver_init(struct art_future *f, void *arg)
{
	struct artb_driver *d = container_of(f, struct artb_driver, fut);

	d->fut.ops = &artb_driver_ops;
	d->r = arg;
	return 0;
}

/* Spawned from a kthread on this CPU, the driver runs on this CPU's worker. */
static void artb_run_driver(struct artb_runner *r)
{
	struct art_task *t;

	t = art_spawn(r->rt, sizeof(struct artb_driver), artb_driver_init, r, 0);
	if (IS_ERR(t)) {
		r->err = PTR_ERR(t);
		return;
	}
	r->err = art_task_wait(t, MAX_SCHEDULE_TIMEOUT);
	art_task_put(t);
}

/*
 * The guest kind: each kthread drives a current-thread runtime of its own
 * as its guest (the block_on pattern), so spawn and join run the task in
 * the joining thread; the asyncrt kind hands it to the worker on the
 * spawner's CPU, like queue_work() to a kworker.
 */
static int artb_runner_fn(void *arg)
{
	struct artb_runner *r = arg;
	u64 start;
	unsigned int i;

	if (r->kind == ARTB_ART_TASK) {
		artb_run_driver(r);
		kthread_complete_and_exit(&r->done, 0);
	}
	if (r->kind == ARTB_ART_GUEST) {
		r->rt = art_rt_create(&artb_guest_cfg);
		if (IS_ERR(r->rt)) {
			r->err = PTR_ERR(r->rt);
			kthread_complete_and_exit(&r->done, 0);
		}
		art_rt_guest_begin(r->rt);
	}
	start = ktime_get_ns();
	do {
		for (i = 0; i < 64 && !r->err; i++)
			r->err = artb_round_trip(r);
		r->ops += i;
		cond_resched();
	} while (!r->err && ktime_get_ns() - start < r->ns);
	r->ns = ktime_get_ns() - start;
	if (r->kind == ARTB_ART_GUEST) {
		art_rt_guest_end(r->rt);
		art_rt_destroy(r->rt);
	}
	kthread_complete_and_exit(&r->done, 0);
}

/* Round trips per second of one kind from @threads kthreads at once. */
static int artb_rate_one(struct art_runtime *rt, struct workqueue_struct *wq,
			 enum artb_kind kind, unsigned int threads, u64 ns)
{
	struct artb_runner *r;
	struct task_struct *tsk;
	unsigned int i, cpu, started = 0;
	u64 ops = 0, max_ns = 1;
	char param[16];
	int ret = 0;

	r = kcalloc(threads, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	i = 0;
	for_each_online_cpu(cpu) {
		if (i == threads)
			break;
		r[i] = (struct artb_runner){ .kind = kind, .rt = rt, .wq = wq, .ns = ns };
		INIT_WORK(&r[i].work, artb_noop_work);
		init_completion(&r[i].done);
		tsk = kthread_create(artb_runner_fn, &r[i], "artb/%u", cpu);
		if (IS_ERR(tsk)) {
			ret = PTR_ERR(tsk);
			break;
		}
		if (threads > 1)
			kthread_bind(tsk, cpu);
		wake_up_process(tsk);
		started = ++i;
	}
	for (i = 0; i < started; i++) {
		wait_for_completion(&r[i].done);
		ops += r[i].ops;
		max_ns = max(max_ns, r[i].ns);
		if (r[i].err && !ret)
			ret = r[i].err;
	}
	kfree(r);
	if (ret)
		return ret;
	snprintf(param, sizeof(param), "%u", threads);
	artb_result("kspawn", artb_kind_name[kind], param, "ops_per_s",
		    div64_u64(ops * NSEC_PER_SEC, max_ns));
	return 0;
}

/**
 * artb_spawn_rate() - round trips per second, each kind in turn
 * @rt: the runtime under test (one worker per CPU)
 * @ms: duration of each measurement
 *
 * Return: 0 or a negative errno.
 */
int artb_spawn_rate(struct art_runtime *rt, unsigned int ms)
{
	struct workqueue_struct *wq[ARTB_NR_KINDS] = { NULL };
	unsigned int threads[2] = { 1, num_online_cpus() }, t;
	int kind, ret = -ENOMEM;

	wq[ARTB_WQ_PERCPU] = alloc_workqueue("artb_percpu", 0, 0);
	wq[ARTB_WQ_UNBOUND] = alloc_workqueue("artb_unbound", WQ_UNBOUND, 0);
	if (!wq[ARTB_WQ_PERCPU] || !wq[ARTB_WQ_UNBOUND])
		goto out;
	for (t = 0; t < ARRAY_SIZE(threads); t++) {
		for (kind = 0; kind < ARTB_NR_KINDS; kind++) {
			ret = artb_rate_one(rt, wq[kind], kind, threads[t],
					    (u64)ms * NSEC_PER_MSEC);
			if (ret)
				goto out;
		}
	}
out:
	if (wq[ARTB_WQ_UNBOUND])
		destroy_workqueue(wq[ARTB_WQ_UNBOUND]);
	if (wq[ARTB_WQ_PERCPU])
		destroy_workqueue(wq[ARTB_WQ_PERCPU]);
	return ret;
}

/* Spawn @n tasks, then join them all; nanoseconds per task. */
static long artb_scale_art(struct art_runtime *rt, struct art_task **tasks,
			   unsigned int n, u64 *ns)
{
	unsigned int i, spawned;
	u64 start = ktime_get_ns();
	long ret = 0;

	for (spawned = 0; spawned < n; spawned++) {
		tasks[spawned] = artb_spawn_noop(rt);
		if (IS_ERR(tasks[spawned])) {
			ret = PTR_ERR(tasks[spawned]);
			break;
		}
	}
	for (i = 0; i < spawned; i++) {
		long r = art_task_wait(tasks[i], MAX_SCHEDULE_TIMEOUT);

		if (r && !ret)
			ret = r;
		art_task_put(tasks[i]);
		if (!(i & 1023))
			cond_resched();
	}
	*ns = ktime_get_ns() - start;
	return ret;
}

/* The same from the guest of a current-thread runtime of our own. */
static long artb_scale_guest(struct art_task **tasks, unsigned int n, u64 *ns)
{
	struct art_runtime *rt = art_rt_create(&artb_guest_cfg);
	long ret;

	if (IS_ERR(rt))
		return PTR_ERR(rt);
	art_rt_guest_begin(rt);
	ret = artb_scale_art(rt, tasks, n, ns);
	art_rt_guest_end(rt);
	art_rt_destroy(rt);
	return ret;
}

/* Queue @n work items, then flush the workqueue; nanoseconds per item. */
static void artb_scale_wq(struct workqueue_struct *wq, struct work_struct *works,
			  unsigned int n, u64 *ns)
{
	u64 start = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < n; i++) {
		INIT_WORK(&works[i], artb_noop_work);
		queue_work(wq, &works[i]);
		if (!(i & 1023))
			cond_resched();
	}
	flush_workqueue(wq);
	*ns = ktime_get_ns() - start;
}

/**
 * artb_spawn_scale() - cost per task as the number in flight grows
 * @rt: the runtime under test
 * @count: the largest number in flight (powers of ten up to it)
 *
 * Return: 0 or a negative errno.
 */
int artb_spawn_scale(struct art_runtime *rt, unsigned int count)
{
	struct workqueue_struct *wq[ARTB_NR_KINDS] = { NULL };
	struct work_struct *works = NULL;
	struct art_task **tasks = NULL;
	unsigned int n;
	char param[16];
	int kind, ret = -ENOMEM;
	u64 ns;

	wq[ARTB_WQ_PERCPU] = alloc_workqueue("artb_percpu", 0, 0);
	wq[ARTB_WQ_UNBOUND] = alloc_workqueue("artb_unbound", WQ_UNBOUND, 0);
	tasks = kvmalloc_array(count, sizeof(*tasks), GFP_KERNEL);
	works = kvmalloc_array(count, sizeof(*works), GFP_KERNEL);
	if (!wq[ARTB_WQ_PERCPU] || !wq[ARTB_WQ_UNBOUND] || !tasks || !works)
		goto out;
	ret = 0;
	for (n = 1; ; n = min(n * 10, count)) {
		snprintf(param, sizeof(param), "%u", n);
		for (kind = 0; kind < ARTB_NR_KINDS; kind++) {
			/* In flight from one task: not this run's question. */
			if (kind == ARTB_ART_TASK)
				continue;
			if (kind == ARTB_ART || kind == ARTB_ART_GUEST) {
				ret = kind == ARTB_ART ?
				      artb_scale_art(rt, tasks, n, &ns) :
				      artb_scale_guest(tasks, n, &ns);
				if (ret)
					goto out;
			} else {
				artb_scale_wq(wq[kind], works, n, &ns);
			}
			artb_result("kscale", artb_kind_name[kind], param,
				    "ns_per_task", div_u64(ns, n));
		}
		if (n == count)
			break;
	}
out:
	kvfree(works);
	kvfree(tasks);
	if (wq[ARTB_WQ_UNBOUND])
		destroy_workqueue(wq[ARTB_WQ_UNBOUND]);
	if (wq[ARTB_WQ_PERCPU])
		destroy_workqueue(wq[ARTB_WQ_PERCPU]);
	return ret;
}
