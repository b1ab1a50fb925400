// SPDX-License-Identifier: GPL-2.0
/*
 * The executor: runtimes, their worker kthreads, run queues and work
 * stealing, parking, quiescence, shutdown and metrics.
 *
 * Each worker owns a local FIFO; wakes from a worker of the same runtime go
 * there (locality: what a task wakes usually runs next on the same CPU).
 * In a multi-thread runtime the last of those goes first to the worker's
 * LIFO slot, runs next and cannot be stolen, as in tokio: a task that
 * spawns and joins, or two tasks passing messages, take turns on one
 * worker without waking another to steal what is about to run here.
 * The default multi-thread runtime has one worker bound to each online CPU,
 * and wakes from anywhere else (process context, softirq, hardirq,
 * hrtimers, other runtimes) go to the local queue of the current CPU's
 * worker, so a wake or a spawn costs no inter-processor interrupt unless
 * that worker is busy. Other runtimes queue such wakes on the global
 * injection queue. A worker looks at its local queue, then the global
 * queue (first every 31st turn, so injected tasks are not starved by a
 * busy local queue), then steals half of another worker's queue, and
 * parks when all are empty.
 *
 * A current-thread runtime can also be driven by a guest: a thread about
 * to sleep until the runtime's tasks produce something (the ring's ENTER
 * waiting for completions) publishes itself, and wakes go to it instead of
 * the worker; it runs the ready tasks itself. The event then wakes the
 * thread that wants the result directly, on its own CPU, instead of a
 * worker that would wake it in turn. run_lock keeps the worker and the
 * guest from polling at the same time: tasks of a current-thread runtime
 * never run in parallel with each other.
 *
 * Parking protocol (no lost wake-ups): the worker sets its state to
 * TASK_IDLE, marks itself parked, then looks at the queues once more; a
 * waker first enqueues, then (after a full barrier) claims a parked worker
 * by clearing its flag and wakes its thread. A guest is published and
 * unpublished with the same pairing of barriers.
 *
 * Queue locks are irq-safe spinlocks because wakes come from any context;
 * they are never held while polling, nor nested with each other.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/module.h>

#include "core.h"

#define ART_DEFAULT_BUDGET	128
#define ART_GLOBAL_INTERVAL	31
/* LIFO slot tasks run in a row before the slot's task goes to the queue. */
#define ART_LIFO_MAX_RUNS	3

static int art_worker_fn(void *data);

static void art_queue_init(struct art_queue *q)
{
	spin_lock_init(&q->lock);
	q->head = NULL;
	q->tail = NULL;
	q->len = 0;
}

static void art_queue_push(struct art_queue *q, struct art_task *t)
{
	unsigned long flags;

	t->next = NULL;
	spin_lock_irqsave(&q->lock, flags);
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
	WRITE_ONCE(q->len, q->len + 1);
	spin_unlock_irqrestore(&q->lock, flags);
}

static struct art_task *art_queue_pop(struct art_queue *q)
{
	struct art_task *t;
	unsigned long flags;

	if (!READ_ONCE(q->len))
		return NULL;
	spin_lock_irqsave(&q->lock, flags);
	t = q->head;
	if (t) {
		q->head = t->next;
		if (!q->head)
			q->tail = NULL;
		WRITE_ONCE(q->len, q->len - 1);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return t;
}

/* Move half of @from's tasks (at least one) to @to. */
static unsigned int art_queue_steal(struct art_queue *from, struct art_queue *to)
{
	struct art_task *first, *last;
	unsigned int n, i;
	unsigned long flags;

	if (!READ_ONCE(from->len))
		return 0;
	spin_lock_irqsave(&from->lock, flags);
	n = DIV_ROUND_UP(from->len, 2);
	if (!n) {
		spin_unlock_irqrestore(&from->lock, flags);
		return 0;
	}
	first = from->head;
	last = first;
	for (i = 1; i < n; i++)
		last = last->next;
	from->head = last->next;
	if (!from->head)
		from->tail = NULL;
	WRITE_ONCE(from->len, from->len - n);
	spin_unlock_irqrestore(&from->lock, flags);

	last->next = NULL;
	spin_lock_irqsave(&to->lock, flags);
	if (to->tail)
		to->tail->next = first;
	else
		to->head = first;
	to->tail = last;
	WRITE_ONCE(to->len, to->len + n);
	spin_unlock_irqrestore(&to->lock, flags);
	return n;
}

/* The worker the caller runs on, if it is one (not in interrupts). */
struct art_worker *art_current_worker(void)
{
	if (!in_task() || !(current->flags & PF_KTHREAD))
		return NULL;
	if (kthread_func(current) != art_worker_fn)
		return NULL;
	return kthread_data(current);
}

/* Claim and wake @w if it is parked. After a full barrier. */
static bool art_unpark(struct art_runtime *rt, struct art_worker *w)
{
	if (!atomic_read(&w->parked) || !atomic_xchg(&w->parked, 0))
		return false;
	atomic_dec(&rt->nr_parked);
	atomic64_inc(&rt->unparks);
	wake_up_process(w->thread);
	return true;
}

/* Wake one parked worker other than @skip (which may be NULL). */
static void art_unpark_other(struct art_runtime *rt, struct art_worker *skip)
{
	unsigned int i;

	/* Pairs with the barrier in art_worker_park(). */
	smp_mb();
	if (!atomic_read(&rt->nr_parked))
		return;
	for (i = 0; i < rt->nr_workers; i++)
		if (&rt->workers[i] != skip && art_unpark(rt, &rt->workers[i]))
			return;
}

static void art_unpark_one(struct art_runtime *rt)
{
	art_unpark_other(rt, NULL);
}

/* Wake the published guest, if there is one. */
static bool art_wake_guest(struct art_runtime *rt)
{
	struct task_struct *guest;
	bool woken = false;

	/* Pairs with the barriers in art_rt_guest_begin() and _end(). */
	smp_mb();
	rcu_read_lock();
	guest = READ_ONCE(rt->guest);
	if (guest) {
		/*
		 * A guest spawning or waking from its own thread, not between
		 * setting a sleep state and sleeping, looks at the queue before
		 * it next sleeps: it needs no wake.
		 */
		if (guest != current || !in_task() || !task_is_running(current))
			wake_up_process(guest);
		woken = true;
	}
	rcu_read_unlock();
	return woken;
}

/*
 * A wake from interrupt context that interrupted a running thread, such as
 * a socket's data_ready in the softirq at the end of the sender's system
 * call. This CPU's worker would have to preempt that thread and then take
 * turns with it, the sender and the work it produces serialised on one
 * CPU. Such a wake goes to a worker of another CPU instead: an awake one
 * if there is one (it takes the task without a wake-up), else a parked
 * one. A wake on an idle CPU, or from a thread, which may wait for the
 * task next, stays with this CPU's worker: no IPI.
 */
static struct art_worker *art_wake_away(struct art_runtime *rt, struct art_worker *here)
{
	unsigned int i;

	/* @rt has other workers: the next one, unless one of them is awake. */
	for (i = 1; i < rt->nr_workers; i++) {
		struct art_worker *v = &rt->workers[(here->id + i) % rt->nr_workers];

		if (!atomic_read(&v->parked))
			return v;
	}
	return &rt->workers[(here->id + 1) % rt->nr_workers];
}

/* Queue a task that was just marked SCHEDULED. Any context. */
void art_sched_enqueue(struct art_runtime *rt, struct art_task *t)
{
	struct art_worker *w = art_current_worker();

	if (w && w->rt == rt) {
		/*
		 * The slot's task runs next, here: a sibling is woken to steal
		 * only what the slot pushes out to the queue.
		 */
		if (!(rt->flags & ART_RT_CURRENT_THREAD)) {
			struct art_task *prev = w->lifo;

			WRITE_ONCE(w->lifo, t);
			if (!prev)
				return;
			t = prev;
		}
		art_queue_push(&w->q, t);
		/* Let a parked sibling steal it if this worker is busy. */
		if (rt->nr_workers > 1)
			art_unpark_one(rt);
		return;
	}
	w = rt->cpu_worker ? rt->cpu_worker[raw_smp_processor_id()] : NULL;
	if (w) {
		struct art_worker *here = NULL;

		if (rt->nr_workers > 1 && !in_task() && !is_idle_task(current)) {
			here = w;
			w = art_wake_away(rt, here);
		}
		art_queue_push(&w->q, t);
		/* Pairs with the barrier in art_worker_park(). */
		smp_mb();
		/*
		 * It is busy: a parked sibling may steal the task, but not the
		 * worker of the busy CPU whose interrupt sent it away.
		 */
		if (!art_unpark(rt, w))
			art_unpark_other(rt, here);
		return;
	}
	art_queue_push(&rt->global, t);
	if ((rt->flags & ART_RT_CURRENT_THREAD) && art_wake_guest(rt))
		return;
	art_unpark_one(rt);
}

/*
 * Requeue a task its worker just polled (it was woken during the poll, by
 * itself when yielding or out of budget): pull injected tasks into the
 * local queue first, so that a yield really lets them run before it.
 */
void art_sched_requeue(struct art_worker *w, struct art_task *t)
{
	if (READ_ONCE(w->rt->global.len))
		art_queue_steal(&w->rt->global, &w->q);
	art_queue_push(&w->q, t);
	if (w->rt->nr_workers > 1)
		art_unpark_one(w->rt);
}

static bool art_work_available(struct art_runtime *rt)
{
	unsigned int i;

	if (READ_ONCE(rt->global.len))
		return true;
	for (i = 0; i < rt->nr_workers; i++)
		if (READ_ONCE(rt->workers[i].q.len))
			return true;
	return false;
}

static struct art_task *art_next_task(struct art_worker *w)
{
	struct art_runtime *rt = w->rt;
	struct art_task *t = w->lifo;
	unsigned int i, n;

	if (t) {
		WRITE_ONCE(w->lifo, NULL);
		/* Two tasks waking each other must not starve the queue. */
		if (++w->lifo_runs <= ART_LIFO_MAX_RUNS)
			return t;
		art_queue_push(&w->q, t);
	}
	w->lifo_runs = 0;
	if (++w->tick % ART_GLOBAL_INTERVAL == 0) {
		t = art_queue_pop(&rt->global);
		if (t)
			return t;
	}
	t = art_queue_pop(&w->q);
	if (t)
		return t;
	t = art_queue_pop(&rt->global);
	if (t)
		return t;
	for (i = 1; i < rt->nr_workers; i++) {
		struct art_worker *v = &rt->workers[(w->id + i) % rt->nr_workers];

		n = art_queue_steal(&v->q, &w->q);
		if (n) {
			w->steals += n;
			return art_queue_pop(&w->q);
		}
	}
	return NULL;
}

static void art_worker_park(struct art_worker *w)
{
	struct art_runtime *rt = w->rt;

	set_current_state(TASK_IDLE);
	atomic_set(&w->parked, 1);
	atomic_inc(&rt->nr_parked);
	/* Pairs with the barrier in art_unpark_one(). */
	smp_mb();
	if (!art_work_available(rt) && !kthread_should_stop())
		schedule();
	__set_current_state(TASK_RUNNING);
	if (atomic_xchg(&w->parked, 0))
		atomic_dec(&rt->nr_parked);
}

static int art_worker_fn(void *data)
{
	struct art_worker *w = data;
	bool serial = w->rt->flags & ART_RT_CURRENT_THREAD;
	struct art_task *t;

	while (!kthread_should_stop()) {
		if (serial)
			mutex_lock(&w->rt->run_lock);
		while ((t = art_next_task(w))) {
			art_task_run(w, t);
			cond_resched();
		}
		if (serial)
			mutex_unlock(&w->rt->run_lock);
		art_worker_park(w);
	}
	return 0;
}

/**
 * art_rt_guest_begin() - publish current as @rt's guest
 * @rt: a current-thread runtime
 *
 * Process context. From now on, until art_rt_guest_end(), wakes of @rt's
 * tasks wake current instead of the worker, and current calls
 * art_rt_guest_run() in its wait loop (art_task_wait() does). Use it
 * around a wait for something the runtime's tasks produce, or around a
 * loop that spawns tasks and joins them. @rt must not be destroyed before
 * art_rt_guest_end().
 *
 * Return: false if @rt is multi-thread or has a guest already (then wait
 * as usual: the worker runs the tasks).
 */
bool art_rt_guest_begin(struct art_runtime *rt)
{
	/*
	 * A successful cmpxchg() is fully ordered: it pairs with the barrier
	 * in art_wake_guest(), so what was queued before, we see.
	 */
	return (rt->flags & ART_RT_CURRENT_THREAD) &&
	       !cmpxchg(&rt->guest, NULL, current);
}
EXPORT_SYMBOL_GPL(art_rt_guest_begin);

/**
 * art_rt_guest_run() - poll @rt's ready tasks in the calling thread
 * @rt: a runtime whose guest is current
 *
 * Call it in the wait loop after setting the task state and checking the
 * condition, instead of sleeping when it returns true; or once before
 * that loop, still running, to save the loop a round. It never sleeps
 * before polling: if no task is ready, or the worker is polling them right
 * now (they run anyway, and a later wake wakes the guest again), it
 * returns false with the task state untouched. Otherwise it sets
 * TASK_RUNNING, polls at most a budget's worth of tasks, so that the
 * caller's condition is checked again soon, and returns true.
 */
bool art_rt_guest_run(struct art_runtime *rt)
{
	struct art_worker *w = &rt->workers[0];
	unsigned int n = rt->budget;
	struct art_task *t;

	if (!art_work_available(rt) || !mutex_trylock(&rt->run_lock))
		return false;
	__set_current_state(TASK_RUNNING);
	while (n-- && (t = art_next_task(w)))
		art_task_run(w, t);
	mutex_unlock(&rt->run_lock);
	return true;
}
EXPORT_SYMBOL_GPL(art_rt_guest_run);

/**
 * art_rt_guest_claim() - wake a task for the calling guest to run at once
 * @task: a task of a current-thread runtime whose guest is current
 *
 * Any context; the caller keeps @task alive. As art_wake(), but a task
 * that was idle is not queued: it is scheduled and claimed (in no queue,
 * so nobody else polls it and further wakes find it scheduled), and the
 * caller hands it to art_rt_guest_run_task(). A guest about to run what
 * it woke saves the round trip through the run queue.
 *
 * Return: true if claimed; false if @task was not idle, and then the wake
 * was done as art_wake() does it.
 */
bool art_rt_guest_claim(struct art_task *task)
{
	unsigned int s = atomic_read(&task->state);

	do {
		if (s & (ART_S_COMPLETE | ART_S_SCHEDULED | ART_S_RUNNING)) {
			art_wake(task);
			return false;
		}
	} while (!atomic_try_cmpxchg(&task->state, &s, s | ART_S_SCHEDULED));
	atomic64_inc(&art_cpu_shard(task->rt)->wakes);
	return true;
}
EXPORT_SYMBOL_GPL(art_rt_guest_claim);

/**
 * art_rt_guest_run_task() - poll a task that art_rt_guest_claim() claimed
 * @rt: a runtime whose guest is current
 * @task: the claimed task, one of @rt's
 *
 * Process context, running (not between setting a sleep state and
 * sleeping). If the worker is polling @rt's tasks right now, @task is
 * queued for it instead.
 */
void art_rt_guest_run_task(struct art_runtime *rt, struct art_task *task)
{
	if (!mutex_trylock(&rt->run_lock)) {
		art_sched_enqueue(rt, task);
		return;
	}
	art_task_run(&rt->workers[0], task);
	mutex_unlock(&rt->run_lock);
}
EXPORT_SYMBOL_GPL(art_rt_guest_run_task);

/**
 * art_rt_guest_end() - stop being @rt's guest
 * @rt: a runtime whose guest is current
 *
 * Tasks still queued, and those queued from now on, are the worker's.
 */
void art_rt_guest_end(struct art_runtime *rt)
{
	/* A fully ordered xchg() pairs with art_wake_guest(): one of us sees the other. */
	xchg(&rt->guest, NULL);
	if (art_work_available(rt))
		art_unpark_one(rt);
}
EXPORT_SYMBOL_GPL(art_rt_guest_end);

/*
 * Worker i on the i-th online CPU. CPUs that come online later have no
 * worker of their own: their wakes go to the global queue. A CPU going
 * offline takes its worker's affinity with it (the scheduler moves the
 * thread) and nothing else: its queue is still stolen from.
 */
static void art_rt_bind_workers(struct art_runtime *rt)
{
	unsigned int i = 0, cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (i == rt->nr_workers)
			break;
		kthread_bind(rt->workers[i].thread, cpu);
		rt->cpu_worker[cpu] = &rt->workers[i++];
	}
	cpus_read_unlock();
}

static void art_rt_stop_workers(struct art_runtime *rt, unsigned int n)
{
	while (n--)
		kthread_stop(rt->workers[n].thread);
}

/**
 * art_rt_create() - create a runtime (an executor with its workers)
 * @cfg: the configuration; see &struct art_rt_config
 *
 * Process context. Any number of runtimes may exist at once.
 *
 * Return: the runtime or an ERR_PTR: -EINVAL for unknown flags, -ENOMEM,
 * or the error of creating a worker thread.
 */
struct art_runtime *art_rt_create(const struct art_rt_config *cfg)
{
	struct art_runtime *rt;
	unsigned int i, n;
	int ret;

	if (cfg->flags & ~(ART_RT_CURRENT_THREAD | ART_RT_TEST_CLOCK))
		return ERR_PTR(-EINVAL);
	n = cfg->workers ? cfg->workers : num_online_cpus();
	if (cfg->flags & ART_RT_CURRENT_THREAD)
		n = 1;
	if (n > 1024)
		return ERR_PTR(-EINVAL);

	rt = art_should_fail() ? NULL : kzalloc(sizeof(*rt), GFP_KERNEL);
	if (!rt)
		return ERR_PTR(-ENOMEM);
	rt->workers = art_should_fail() ? NULL :
		kcalloc(n, sizeof(*rt->workers), GFP_KERNEL);
	if (!rt->workers) {
		ret = -ENOMEM;
		goto err_workers;
	}
	/*
	 * One worker per online CPU, bound to it, like a per-CPU workqueue:
	 * then a wake needs no IPI when that CPU's worker is idle.
	 */
	if (!cfg->workers && !(cfg->flags & ART_RT_CURRENT_THREAD)) {
		rt->cpu_worker = art_should_fail() ? NULL :
			kcalloc(nr_cpu_ids, sizeof(*rt->cpu_worker), GFP_KERNEL);
		if (!rt->cpu_worker) {
			ret = -ENOMEM;
			goto err_cpu_worker;
		}
	}
	/* A current-thread runtime's tasks never run in parallel: one shard. */
	rt->nr_shards = (cfg->flags & ART_RT_CURRENT_THREAD) ? 1 : nr_cpu_ids;
	rt->shards = art_should_fail() ? NULL :
		kcalloc(rt->nr_shards, sizeof(*rt->shards), GFP_KERNEL);
	if (!rt->shards) {
		ret = -ENOMEM;
		goto err_shards;
	}
	rt->flags = cfg->flags;
	rt->nr_workers = n;
	rt->budget = cfg->budget ? cfg->budget : ART_DEFAULT_BUDGET;
	rt->slack = cfg->timer_slack_ns;
	strscpy(rt->name, cfg->name ? cfg->name : "rt", sizeof(rt->name));
	art_queue_init(&rt->global);
	mutex_init(&rt->run_lock);
	for (i = 0; i < rt->nr_shards; i++) {
		spin_lock_init(&rt->shards[i].lock);
		INIT_LIST_HEAD(&rt->shards[i].tasks);
	}
	init_waitqueue_head(&rt->tasks_wq);
	spin_lock_init(&rt->clock.lock);
	INIT_LIST_HEAD(&rt->clock.timers);

	for (i = 0; i < n; i++) {
		struct art_worker *w = &rt->workers[i];
		struct task_struct *th;

		w->rt = rt;
		w->id = i;
		art_queue_init(&w->q);
		th = art_should_fail() ? ERR_PTR(-ENOMEM) :
			kthread_create(art_worker_fn, w, "art/%s/%u", rt->name, i);
		if (IS_ERR(th)) {
			ret = PTR_ERR(th);
			goto err_thread;
		}
		w->thread = th;
	}
	if (rt->cpu_worker)
		art_rt_bind_workers(rt);
	for (i = 0; i < n; i++)
		wake_up_process(rt->workers[i].thread);
	return rt;

err_thread:
	art_rt_stop_workers(rt, i);
	kfree(rt->shards);
err_shards:
	kfree(rt->cpu_worker);
err_cpu_worker:
	kfree(rt->workers);
err_workers:
	kfree(rt);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(art_rt_create);

/**
 * art_rt_destroy() - abort every task, wait for them, free the runtime
 * @rt: the runtime
 *
 * Process context, not from one of @rt's own tasks. Every live task is
 * aborted (its future dropped: timers cancelled, waiters unlinked) and
 * completes with -ECANCELED; join handles stay valid and must still be
 * put. New spawns fail with -ESHUTDOWN from the start of the call.
 */
void art_rt_destroy(struct art_runtime *rt)
{
	struct art_worker *w = art_current_worker();
	struct art_task_shard *sh;
	struct art_task *t;
	unsigned int i;

	if (WARN_ON_ONCE(w && w->rt == rt))
		return;

	/*
	 * Set under each shard's lock in turn: a spawn that takes a lock
	 * after it sees shutdown and fails, one before it is listed and
	 * aborted here; a completer that emptied a shard before saw no
	 * shutdown and woke nobody, but its count is read below.
	 */
	for (i = 0; i < rt->nr_shards; i++) {
		sh = &rt->shards[i];
		spin_lock(&sh->lock);
		WRITE_ONCE(rt->shutdown, true);
		list_for_each_entry(t, &sh->tasks, node)
			art_task_abort_locked(t);
		spin_unlock(&sh->lock);
	}

	wait_event(rt->tasks_wq, art_rt_nr_tasks(rt) == 0);
	/* The last completers may still be inside their critical sections. */
	for (i = 0; i < rt->nr_shards; i++) {
		spin_lock(&rt->shards[i].lock);
		spin_unlock(&rt->shards[i].lock);
	}

	art_rt_stop_workers(rt, rt->nr_workers);
	/* Wakers that raced with the last completions (see art_wake()). */
	synchronize_rcu();
	WARN_ON_ONCE(!list_empty(&rt->clock.timers));
	kfree(rt->shards);
	kfree(rt->cpu_worker);
	kfree(rt->workers);
	kfree(rt);
}
EXPORT_SYMBOL_GPL(art_rt_destroy);

/*
 * Whether a live task is scheduled or running, from the tasks' own state:
 * no counter for this on the hot path, where every wake and every poll's
 * end would write one line shared by all workers.
 */
static bool art_rt_busy(struct art_runtime *rt)
{
	struct art_task_shard *sh;
	struct art_task *t;
	bool busy = false;
	unsigned int i;

	for (i = 0; i < rt->nr_shards && !busy; i++) {
		sh = &rt->shards[i];
		spin_lock(&sh->lock);
		list_for_each_entry(t, &sh->tasks, node) {
			if (atomic_read(&t->state) & (ART_S_SCHEDULED | ART_S_RUNNING)) {
				busy = true;
				break;
			}
		}
		spin_unlock(&sh->lock);
	}
	return busy;
}

/**
 * art_rt_quiesce() - wait until no task of @rt is scheduled or running
 * @rt: the runtime
 * @timeout: in jiffies
 *
 * With a test clock this makes timer tests deterministic: advance the
 * clock, quiesce, then assert. Process context.
 *
 * Return: 0, or -ETIMEDOUT.
 */
int art_rt_quiesce(struct art_runtime *rt, unsigned long timeout)
{
	unsigned long deadline = jiffies + timeout;

	while (art_rt_busy(rt)) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(100, 200);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(art_rt_quiesce);

/**
 * art_rt_metrics() - read a runtime's counters
 * @rt: the runtime
 * @m: filled with a snapshot (counters are read without stopping workers,
 *	so they are individually, not mutually, consistent)
 */
void art_rt_metrics(struct art_runtime *rt, struct art_rt_metrics *m)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < rt->nr_shards; i++) {
		struct art_task_shard *sh = &rt->shards[i];

		m->spawned += READ_ONCE(sh->spawned);
		m->wakes += atomic64_read(&sh->wakes);
		m->live += READ_ONCE(sh->nr);
	}
	m->unparks = atomic64_read(&rt->unparks);
	m->global_depth = READ_ONCE(rt->global.len);
	m->parked = atomic_read(&rt->nr_parked);
	for (i = 0; i < rt->nr_workers; i++) {
		struct art_worker *w = &rt->workers[i];

		m->completed += READ_ONCE(w->completed);
		m->aborted += READ_ONCE(w->aborted);
		m->polls += READ_ONCE(w->polls);
		m->steals += READ_ONCE(w->steals);
		m->forced_yields += READ_ONCE(w->forced);
		m->stalls += READ_ONCE(w->stalls);
		m->local_depth += READ_ONCE(w->q.len) + !!READ_ONCE(w->lifo);
	}
}
EXPORT_SYMBOL_GPL(art_rt_metrics);
