// SPDX-License-Identifier: GPL-2.0
/*
 * Tasks: one allocation holding a 48-byte header and the top-level future,
 * the atomic state machine that decides who polls a task and when, join
 * handles (refcounts), abort, and join waiters.
 *
 * The state word packs flags (low byte) and the reference count (the rest),
 * so that a wake is a single compare-and-swap from any context:
 *
 *   from \ event   wake            poll starts       poll ends PENDING
 *   idle           -> SCHEDULED    -                 -
 *   SCHEDULED      (nothing)       -> RUNNING        -
 *   RUNNING        -> +NOTIFIED    -                 -> idle
 *   RUNNING+NOT.   (nothing)       -                 -> SCHEDULED (requeue)
 *   COMPLETE       (nothing)       -                 -
 *
 * Only the worker that moved a task from SCHEDULED to RUNNING polls it, so a
 * task never runs concurrently with itself; a wake during a poll sets
 * NOTIFIED and the worker requeues the task when the poll returns, so no
 * wake is lost. Abort sets CANCELLED and wakes: the next poll does not call
 * the future but drops it and completes the task with -ECANCELED.
 *
 * References: the runtime's task list holds one until the task completes;
 * each join handle holds one. The result lives where the future was: a
 * future is always dropped before COMPLETE is published.
 *
 * Join waiters are hashed by task address (like the kernel's bit wait
 * tables), so a task that nobody joins carries no wait queue at all. A
 * task that has some keeps RUNNING with COMPLETE until they are woken, so
 * that art_rt_quiesce() finds it or a woken joiner busy throughout.
 */
#include <linux/slab.h>
#include <linux/hash.h>
#include <linux/wait_bit.h>
#include <linux/completion.h>
#include <linux/sched/signal.h>
#include <linux/ktime.h>
#include <linux/module.h>

#include "core.h"

static struct kmem_cache *art_task_cache;

#define ART_JOIN_BITS	8
static struct art_join_bucket {
	spinlock_t lock;		/* irq-safe: completion wakes from anywhere */
	struct hlist_head head;
} art_join_table[1 << ART_JOIN_BITS];

static struct art_join_bucket *art_join_bucket(struct art_task *t)
{
	return &art_join_table[hash_ptr(t, ART_JOIN_BITS)];
}

int art_task_cache_init(void)
{
	unsigned int i;

	/* Packed, not cache-aligned: the 128-byte budget per sleep is the point. */
	art_task_cache = kmem_cache_create("art_task", ART_TASK_OBJ_SIZE,
					   sizeof(long), SLAB_ACCOUNT, NULL);
	if (!art_task_cache)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(art_join_table); i++) {
		spin_lock_init(&art_join_table[i].lock);
		INIT_HLIST_HEAD(&art_join_table[i].head);
	}
	return 0;
}

void art_task_cache_exit(void)
{
	kmem_cache_destroy(art_task_cache);
}

static void art_task_free(struct art_task *t)
{
	if (t->flags & ART_TF_KMALLOC)
		kfree(t);
	else
		kmem_cache_free(art_task_cache, t);
}

/**
 * art_task_get() - take another reference to a task (a join handle)
 * @task: the task
 *
 * Needed by code that keeps a task pointer to wake or abort it later from
 * outside its futures. Any context.
 */
void art_task_get(struct art_task *task)
{
	atomic_add(ART_S_REF_ONE, &task->state);
}
EXPORT_SYMBOL_GPL(art_task_get);

/**
 * art_task_put() - drop a reference (a join handle); the task runs on
 * @task: the task
 *
 * Any context. The memory is freed when the task has completed and the
 * last handle is gone.
 */
void art_task_put(struct art_task *task)
{
	if ((atomic_sub_return(ART_S_REF_ONE, &task->state) >> ART_S_REF_SHIFT) == 0)
		art_task_free(task);
}
EXPORT_SYMBOL_GPL(art_task_put);

/**
 * art_task_future() - the future embedded in a task
 * @task: a task that has not completed
 *
 * Return: the top-level future, e.g. to container_of() a driver's state.
 */
struct art_future *art_task_future(struct art_task *task)
{
	return task->fut;
}
EXPORT_SYMBOL_GPL(art_task_future);

/**
 * art_wake() - make a task run again
 * @task: the task (the waker a future registered from its &struct art_cx)
 *
 * Callable from any context, including hardirq and hrtimer callbacks. A
 * wake of a running task makes it run once more after the current poll; a
 * wake of a completed task does nothing. The caller must hold a reference
 * or be a registration that the task's future removes in its drop.
 */
void art_wake(struct art_task *task)
{
	bool fenced = false;
	unsigned int s, n;

	s = atomic_read(&task->state);
	for (;;) {
		if (s & ART_S_COMPLETE)
			return;
		if (s & ART_S_RUNNING)
			n = s | ART_S_NOTIFIED;
		else
			n = s | ART_S_SCHEDULED;
		if (n == s) {
			/* Already notified, or already scheduled. */
			if (fenced)
				return;
			/*
			 * Our caller's condition store (a timer's set_bit(),
			 * say) must be visible to the poll that this state
			 * promises, before we rely on it: pairs with the fully
			 * ordered cmpxchg in art_task_run() that starts that
			 * poll before it reads the condition. Then look again.
			 */
			smp_mb();
			fenced = true;
			s = atomic_read(&task->state);
			continue;
		}
		/* A successful cmpxchg is fully ordered: no fence needed. */
		if (atomic_try_cmpxchg(&task->state, &s, n))
			break;
	}

	if (s & ART_S_RUNNING)
		return;
	/*
	 * We scheduled it, so it cannot complete before it is dequeued, but
	 * the runtime may be destroyed as soon as it has completed: the RCU
	 * read side keeps the runtime alive until the enqueue is finished
	 * (art_rt_destroy() waits for a grace period).
	 */
	rcu_read_lock();
	atomic64_inc(&art_cpu_shard(task->rt)->wakes);
	art_sched_enqueue(task->rt, task);
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(art_wake);

/**
 * art_task_abort() - cancel a task at its next poll
 * @task: the task
 *
 * Any context. The task's future is dropped (releasing its timers and
 * waiter links) before the next poll would have run, and joins report
 * -ECANCELED. A task that completed already is unaffected: its result
 * stays.
 */
void art_task_abort(struct art_task *task)
{
	if (atomic_fetch_or(ART_S_CANCELLED, &task->state) & ART_S_COMPLETE)
		return;
	art_wake(task);
}
EXPORT_SYMBOL_GPL(art_task_abort);

/**
 * art_task_is_finished() - has the task completed
 * @task: the task
 *
 * Return: true once the result is available through art_task_result().
 */
bool art_task_is_finished(struct art_task *task)
{
	return atomic_read_acquire(&task->state) & ART_S_COMPLETE;
}
EXPORT_SYMBOL_GPL(art_task_is_finished);

/**
 * art_task_result() - the result of a completed task
 * @task: a task for which art_task_is_finished() returned true
 *
 * Return: the future's result, or -ECANCELED if it was aborted, or -EBUSY
 * if the task has not completed.
 */
long art_task_result(struct art_task *task)
{
	if (!art_task_is_finished(task))
		return -EBUSY;
	return *(long *)task->fut;
}
EXPORT_SYMBOL_GPL(art_task_result);

static struct art_task *art_task_alloc(struct art_runtime *rt, size_t size,
				       unsigned int flags)
{
	size_t total = sizeof(struct art_task) + max(size, sizeof(long));
	struct art_task *t;

	if (art_should_fail())
		return NULL;
	if (total <= ART_TASK_OBJ_SIZE) {
		t = kmem_cache_zalloc(art_task_cache, GFP_KERNEL);
		if (!t)
			return NULL;
	} else {
		t = kzalloc(total, GFP_KERNEL | __GFP_ACCOUNT);
		if (!t)
			return NULL;
		t->flags = ART_TF_KMALLOC;
	}
	/* The list reference, plus the handle unless detached. */
	atomic_set(&t->state, ART_S_SCHEDULED |
		   ((flags & ART_SPAWN_DETACHED) ? 1 : 2) * ART_S_REF_ONE);
	t->rt = rt;
	return t;
}

/*
 * Publish a fully initialised task: list it, then give it its first poll.
 * A task whose init ran holds RUNNING, as if init were its first poll:
 * that poll now ends, idle if init said so (ART_INIT_IDLE) and nothing
 * woke the task meanwhile, else scheduled.
 */
static struct art_task *art_task_start(struct art_runtime *rt,
				       struct art_task *t, unsigned int flags,
				       bool idle)
{
	struct art_task_shard *sh;
	unsigned int s, n;

	/* Any shard is correct; this CPU's is the one others rarely write. */
	sh = art_cpu_shard(rt);
	spin_lock(&sh->lock);
	if (unlikely(rt->shutdown)) {
		spin_unlock(&sh->lock);
		art_future_drop(t->fut, -ECANCELED);
		art_task_free(t);
		return ERR_PTR(-ESHUTDOWN);
	}
	t->shard = sh - rt->shards;
	list_add_tail(&t->node, &sh->tasks);
	sh->nr++;
	sh->spawned++;
	spin_unlock(&sh->lock);

	s = atomic_read(&t->state);
	if (s & ART_S_RUNNING) {
		do {
			if (idle && !(s & ART_S_NOTIFIED))
				n = s & ~ART_S_RUNNING;
			else
				n = (s & ~(ART_S_RUNNING | ART_S_NOTIFIED)) | ART_S_SCHEDULED;
		} while (!atomic_try_cmpxchg(&t->state, &s, n));
		if (!(n & ART_S_SCHEDULED))
			goto out;
	}
	/* A detached task may be gone as soon as it is queued. */
	art_sched_enqueue(rt, t);
out:
	return (flags & ART_SPAWN_DETACHED) ? NULL : t;
}

/**
 * art_spawn() - start a task whose future lives inside the task
 * @rt: the runtime
 * @size: size of the future's state struct (which begins with a
 *	&struct art_future)
 * @init: fills in the zeroed state, including ops; a negative return
 *	aborts the spawn with that error; %ART_INIT_IDLE says that init
 *	already registered whatever will wake the task, which then needs
 *	no poll until woken
 * @arg: for @init
 * @flags: %ART_SPAWN_DETACHED to get no handle back
 *
 * One allocation per task: tasks whose future fits (80 bytes, e.g. a
 * &struct art_sleep) come from a 128-byte slab cache. Process context.
 *
 * Return: a join handle (release it with art_task_put() or
 * art_task_detach()), NULL when detached, or an ERR_PTR: -ENOMEM,
 * -ESHUTDOWN if the runtime is being destroyed, or @init's error. After
 * @init succeeded, -ESHUTDOWN means the future's drop already ran: a
 * resource handed to the task in @init is the drop's to release, so @init
 * should take it over (clear the caller's pointer) rather than share it.
 */
struct art_task *art_spawn(struct art_runtime *rt, size_t size,
			   int (*init)(struct art_future *f, void *arg),
			   void *arg, unsigned int flags)
{
	struct art_task *t;
	int ret;

	if (unlikely(flags & ~ART_SPAWN_DETACHED || size < sizeof(struct art_future)))
		return ERR_PTR(-EINVAL);
	if (READ_ONCE(rt->shutdown))
		return ERR_PTR(-ESHUTDOWN);

	t = art_task_alloc(rt, size, flags);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->spawn_ip = _RET_IP_;
	/*
	 * Init may register wakers that fire before the task is started:
	 * holding RUNNING turns such a wake into NOTIFIED, which
	 * art_task_start() honours, instead of a queueing we would undo.
	 */
	atomic_set(&t->state, (atomic_read(&t->state) & ~ART_S_SCHEDULED) |
		   ART_S_RUNNING);
	ret = init(t->fut, arg);
	if (ret < 0)
		goto err_init;
	if (WARN_ON_ONCE(!t->fut->ops || !t->fut->ops->poll)) {
		ret = -EINVAL;
		goto err_init;
	}
	return art_task_start(rt, t, flags, ret == ART_INIT_IDLE);

err_init:
	art_task_free(t);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(art_spawn);

/**
 * art_spawn_copy() - start a task running a copy of a not-yet-polled future
 * @rt: the runtime
 * @proto: an initialised future that has never been polled
 * @size: size of @proto's state struct
 * @flags: as for art_spawn()
 *
 * Convenient for futures built with their _init() on the stack, e.g.
 * art_sleep_init(). Return: as for art_spawn().
 */
struct art_task *art_spawn_copy(struct art_runtime *rt,
				const struct art_future *proto, size_t size,
				unsigned int flags)
{
	struct art_task *t;

	if (unlikely(flags & ~ART_SPAWN_DETACHED || size < sizeof(*proto) ||
		     !proto->ops || !proto->ops->poll))
		return ERR_PTR(-EINVAL);
	if (READ_ONCE(rt->shutdown))
		return ERR_PTR(-ESHUTDOWN);

	t = art_task_alloc(rt, size, flags);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->spawn_ip = _RET_IP_;
	memcpy(t->fut, proto, size);
	return art_task_start(rt, t, flags, false);
}
EXPORT_SYMBOL_GPL(art_spawn_copy);

static void art_join_wake_all(struct art_task *t)
{
	struct art_join_bucket *b = art_join_bucket(t);
	struct art_join_waiter *w;
	struct hlist_node *tmp;
	unsigned long irqflags;

	spin_lock_irqsave(&b->lock, irqflags);
	hlist_for_each_entry_safe(w, tmp, &b->head, node) {
		if (w->target != t)
			continue;
		hlist_del_init(&w->node);
		w->fn(w);
	}
	spin_unlock_irqrestore(&b->lock, irqflags);
}

/* The task's poll ended READY (or it was cancelled): publish the result. */
static void art_task_complete(struct art_worker *w, struct art_task *t,
			      long res, bool cancelled)
{
	struct art_runtime *rt = t->rt;
	struct art_task_shard *sh;
	unsigned int s, n;

	art_future_drop(t->fut, res);
	*(long *)t->fut = res;

	s = atomic_read(&t->state);
	do {
		n = (s & ~(ART_S_RUNNING | ART_S_NOTIFIED)) | ART_S_COMPLETE;
		/* Busy for art_rt_quiesce() until its joiners are scheduled. */
		if (s & ART_S_JOINWAIT)
			n |= ART_S_RUNNING;
	} while (!atomic_try_cmpxchg(&t->state, &s, n));	/* orders the result */

	if (s & ART_S_JOINWAIT) {
		art_join_wake_all(t);
		atomic_andnot(ART_S_RUNNING, &t->state);
	}

	w->completed++;
	if (cancelled)
		w->aborted++;

	sh = &rt->shards[t->shard];
	spin_lock(&sh->lock);
	list_del(&t->node);
	/* Read under the lock art_rt_destroy() set it under. */
	if (!--sh->nr && rt->shutdown)
		wake_up(&rt->tasks_wq);
	spin_unlock(&sh->lock);
	/* rt may be gone now: art_rt_destroy() was waiting for nr_tasks. */
	art_task_put(t);
}

/*
 * Timed in jiffies, not with ktime_get(): every poll is timed, and reading
 * the clocksource twice per poll cost more than a short poll itself where
 * it is slow (HPET, and any clocksource under emulation). A tick's
 * resolution is plenty against a threshold of many milliseconds.
 */
static void art_stall_check(struct art_worker *w, struct art_task *t,
			    unsigned long start)
{
	unsigned int ms = jiffies_to_msecs(jiffies - start);

	if (likely(ms < art_stall_ms))
		return;
	w->stalls++;
	if (t->flags & ART_TF_STALLED)
		return;
	t->flags |= ART_TF_STALLED;
	pr_warn("runtime %s: a poll of %ps ran %u ms (threshold %u ms), task spawned at %pS\n",
		w->rt->name, t->fut->ops->poll, ms, art_stall_ms,
		(void *)t->spawn_ip);
}

/* Poll a task the worker dequeued. Called only by workers. */
void art_task_run(struct art_worker *w, struct art_task *t)
{
	struct art_runtime *rt = w->rt;
	struct art_cx cx = { .task = t, .budget = rt->budget };
	unsigned int s, n;
	enum art_poll p;
	unsigned long start = 0;
	long res = 0;

	s = atomic_read(&t->state);
	do {
		n = (s & ~(ART_S_SCHEDULED | ART_S_NOTIFIED)) | ART_S_RUNNING;
	} while (!atomic_try_cmpxchg(&t->state, &s, n));

	if (unlikely(s & ART_S_CANCELLED)) {
		art_task_complete(w, t, -ECANCELED, true);
		return;
	}

	if (art_stall_ms)
		start = jiffies;
	w->polls++;
	p = t->fut->ops->poll(t->fut, &cx, &res);
	if (art_stall_ms)
		art_stall_check(w, t, start);
	if (cx.forced)
		w->forced++;

	if (p == ART_READY) {
		art_task_complete(w, t, res, false);
		return;
	}

	s = atomic_read(&t->state);
	do {
		if (s & ART_S_NOTIFIED)
			n = (s & ~(ART_S_RUNNING | ART_S_NOTIFIED)) | ART_S_SCHEDULED;
		else
			n = s & ~ART_S_RUNNING;
	} while (!atomic_try_cmpxchg(&t->state, &s, n));

	if (n & ART_S_SCHEDULED) {
		/* Woken during its poll: run again, after what is queued. */
		art_sched_requeue(w, t);
		return;
	}
}

/* Shutdown: abort a listed task (its shard's lock held, so it is alive). */
void art_task_abort_locked(struct art_task *t)
{
	art_task_abort(t);
}

/**
 * art_join_waiter_add() - call @w->fn once when @w->target completes
 * @w: the waiter, with @target, @fn and @data set and @node unhashed
 *
 * Any context.
 *
 * Return: true if the target had already completed (@w was not added and
 * @fn will not be called); false if @w is registered.
 */
bool art_join_waiter_add(struct art_join_waiter *w)
{
	struct art_join_bucket *b = art_join_bucket(w->target);
	unsigned long irqflags;

	spin_lock_irqsave(&b->lock, irqflags);
	/* Pairs with the COMPLETE cmpxchg in art_task_complete(). */
	if (atomic_fetch_or(ART_S_JOINWAIT, &w->target->state) & ART_S_COMPLETE) {
		spin_unlock_irqrestore(&b->lock, irqflags);
		return true;
	}
	hlist_add_head(&w->node, &b->head);
	spin_unlock_irqrestore(&b->lock, irqflags);
	return false;
}
EXPORT_SYMBOL_GPL(art_join_waiter_add);

/**
 * art_join_waiter_del() - unregister a join waiter
 * @w: a waiter, registered or not
 *
 * Any context. After this returns @w->fn is not running and will not run.
 */
void art_join_waiter_del(struct art_join_waiter *w)
{
	struct art_join_bucket *b;
	unsigned long irqflags;

	if (!w->target)
		return;
	b = art_join_bucket(w->target);
	spin_lock_irqsave(&b->lock, irqflags);
	if (!hlist_unhashed(&w->node))
		hlist_del_init(&w->node);
	spin_unlock_irqrestore(&b->lock, irqflags);
}
EXPORT_SYMBOL_GPL(art_join_waiter_del);

static void art_wait_wake(struct art_join_waiter *w)
{
	wake_up_process(w->data);
}

/**
 * art_task_wait() - wait in process context for a task to complete
 * @task: a join handle (still owned by the caller afterwards)
 * @timeout: in jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Sleeps killably. Must not be called from a task of the same runtime.
 * If the caller is the guest of @task's (current-thread) runtime, it polls
 * the runtime's ready tasks, @task included, instead of sleeping until the
 * worker has: a thread that spawns and joins in a loop between
 * art_rt_guest_begin() and art_rt_guest_end() runs its tasks itself and
 * wakes no other thread (the block_on pattern).
 *
 * Return: the task's result (-ECANCELED if aborted), -ETIMEDOUT, or
 * -ERESTARTSYS if a fatal signal arrived.
 */
long art_task_wait(struct art_task *task, long timeout)
{
	struct art_join_waiter w = {
		.target = task, .fn = art_wait_wake, .data = current,
	};
	unsigned long deadline = jiffies + timeout;
	struct art_runtime *rt = task->rt;
	bool guest = false, waiting = false;
	long left = timeout, ret = 0;

	might_sleep();
	/*
	 * A task not complete at some point inside an RCU read section keeps
	 * its runtime from being freed until the section ends (art_rt_destroy()
	 * waits for a grace period after the last completion), so rt->guest
	 * can be read there; a guest keeps its runtime alive until
	 * art_rt_guest_end().
	 */
	rcu_read_lock();
	if (!art_task_is_finished(task))
		guest = READ_ONCE(rt->guest) == current;
	rcu_read_unlock();

	for (;;) {
		/* Pairs with the wake in art_wait_wake() and art_wake_guest(). */
		set_current_state(TASK_KILLABLE);
		if (art_task_is_finished(task))
			break;
		if (fatal_signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (timeout != MAX_SCHEDULE_TIMEOUT)
			left = (long)(deadline - jiffies);
		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		if (guest && art_rt_guest_run(rt)) {
			cond_resched();
			continue;
		}
		/* Only now: a guest that polled the task to completion needs none. */
		if (!waiting) {
			waiting = true;
			if (art_join_waiter_add(&w))
				break;
			continue;
		}
		schedule_timeout(left);
	}
	__set_current_state(TASK_RUNNING);
	/* After this, art_wait_wake() no longer touches current. */
	if (waiting)
		art_join_waiter_del(&w);
	if (art_task_is_finished(task))
		return art_task_result(task);
	return ret;
}
EXPORT_SYMBOL_GPL(art_task_wait);

static void art_join_wake_fn(struct art_join_waiter *w)
{
	art_wake(w->data);
}

static enum art_poll art_join_fpoll(struct art_future *f, struct art_cx *cx,
				    long *res)
{
	return art_join_poll(container_of(f, struct art_join, fut), cx, res);
}

static void art_join_fdrop(struct art_future *f, long res)
{
	art_join_drop(container_of(f, struct art_join, fut));
}

static const struct art_future_ops art_join_ops = {
	.poll = art_join_fpoll,
	.drop = art_join_fdrop,
};

/**
 * art_join_init() - a future that completes with @target's result
 * @j: the future
 * @target: a join handle that the caller keeps until @j is done
 */
void art_join_init(struct art_join *j, struct art_task *target)
{
	j->fut.ops = &art_join_ops;
	INIT_HLIST_NODE(&j->w.node);
	j->w.target = target;
	j->w.fn = art_join_wake_fn;
	j->w.data = NULL;
}
EXPORT_SYMBOL_GPL(art_join_init);

/**
 * art_join_poll() - poll a join future
 * @j: the future
 * @cx: poll context
 * @res: the target's result when READY
 *
 * Return: %ART_READY or %ART_PENDING.
 */
enum art_poll art_join_poll(struct art_join *j, struct art_cx *cx, long *res)
{
	if (!art_cx_consume_budget(cx))
		return ART_PENDING;
	if (art_task_is_finished(j->w.target))
		goto ready;
	if (!j->w.data) {
		j->w.data = art_cx_task(cx);
		if (art_join_waiter_add(&j->w))
			goto ready;
	}
	return ART_PENDING;

ready:
	art_join_waiter_del(&j->w);
	*res = art_task_result(j->w.target);
	return ART_READY;
}
EXPORT_SYMBOL_GPL(art_join_poll);

/**
 * art_join_drop() - release a join future (the target runs on)
 * @j: the future
 */
void art_join_drop(struct art_join *j)
{
	art_join_waiter_del(&j->w);
}
EXPORT_SYMBOL_GPL(art_join_drop);
