// SPDX-License-Identifier: GPL-2.0
/*
 * Blocking work off the executor (like tokio's spawn_blocking), and the
 * struct completion bridge built on it.
 *
 * A job is a separate refcounted allocation shared by the future and the
 * work item, because a running blocking function cannot be interrupted:
 * dropping the future only detaches it (the function runs to the end and
 * its result is discarded), and the job is freed by whichever side lets go
 * last. The job lock orders "work finished, wake the task" against "future
 * dropped", so a dropped future's task is never woken through the job.
 *
 * A struct completion only wakes threads, so awaiting one needs a thread:
 * a job on the unbound workqueue waits on the completion's swait queue and
 * wakes the task. Dropping the future wakes that job and, unlike a plain
 * blocking job, waits for it, since the driver may free the completion
 * right after; a count the job consumed for the dropped future is given
 * back, by the job if it sees the cancel, else by the drop.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/swait.h>
#include <linux/workqueue.h>

#include "core.h"

struct art_blocking_job {
	struct work_struct work;
	refcount_t ref;
	spinlock_t lock;		/* orders completion against drop */
	struct art_task *task;		/* NULL once the future is dropped */
	long (*fn)(void *arg);
	void *arg;
	long res;
	bool done;
	bool cancelled;
	struct completion *x;		/* completion bridge only */
};

static struct workqueue_struct *art_blocking_wq;

int art_blocking_init_wq(void)
{
	art_blocking_wq = alloc_workqueue("art_blocking", WQ_UNBOUND, 0);
	return art_blocking_wq ? 0 : -ENOMEM;
}

void art_blocking_exit_wq(void)
{
	destroy_workqueue(art_blocking_wq);
}

static void art_job_put(struct art_blocking_job *job)
{
	if (refcount_dec_and_test(&job->ref))
		kfree(job);
}

static void art_job_fn(struct work_struct *work)
{
	struct art_blocking_job *job = container_of(work, struct art_blocking_job, work);
	unsigned long flags;
	long res;

	res = job->fn(job->arg);
	spin_lock_irqsave(&job->lock, flags);
	job->res = res;
	job->done = true;
	if (job->task)
		art_wake(job->task);
	spin_unlock_irqrestore(&job->lock, flags);
	art_job_put(job);
}

static struct art_blocking_job *art_job_start(struct art_task *task,
					      long (*fn)(void *arg), void *arg,
					      struct completion *x)
{
	struct art_blocking_job *job;

	job = art_should_fail() ? NULL : kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return NULL;
	INIT_WORK(&job->work, art_job_fn);
	refcount_set(&job->ref, 2);	/* the future and the work */
	spin_lock_init(&job->lock);
	job->task = task;
	job->fn = fn;
	/* The completion bridge's function waits on the job itself. */
	job->arg = x ? job : arg;
	job->x = x;
	queue_work(art_blocking_wq, &job->work);
	return job;
}

/* READY with the job's result, or PENDING; consumes the job when READY. */
static enum art_poll art_job_poll(struct art_blocking_job **jobp, long *res)
{
	struct art_blocking_job *job = *jobp;
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&job->lock, flags);
	done = job->done;
	if (done) {
		*res = job->res;
		job->task = NULL;
	}
	spin_unlock_irqrestore(&job->lock, flags);
	if (!done)
		return ART_PENDING;
	*jobp = NULL;
	art_job_put(job);
	return ART_READY;
}

static void art_job_cancel(struct art_blocking_job *job)
{
	unsigned long flags;

	spin_lock_irqsave(&job->lock, flags);
	job->task = NULL;
	WRITE_ONCE(job->cancelled, true);
	spin_unlock_irqrestore(&job->lock, flags);
	if (job->x) {
		swake_up_all(&job->x->wait);
		/*
		 * The driver may free its completion once we return, and the
		 * work uses it until it returns: wait for it. Never started,
		 * it will not drop its reference itself.
		 */
		if (cancel_work_sync(&job->work))
			art_job_put(job);
		/* It consumed a count before it saw the cancel: give it back. */
		else if (job->done && job->res == 0)
			complete(job->x);
	}
	art_job_put(job);
}

static enum art_poll art_blocking_fpoll(struct art_future *f,
					struct art_cx *cx, long *res)
{
	return art_blocking_poll(container_of(f, struct art_blocking, fut), cx, res);
}

static void art_blocking_fdrop(struct art_future *f, long res)
{
	art_blocking_drop(container_of(f, struct art_blocking, fut));
}

static const struct art_future_ops art_blocking_ops = {
	.poll = art_blocking_fpoll,
	.drop = art_blocking_fdrop,
};

/**
 * art_blocking_init() - a future that runs @fn on an unbound workqueue
 * @b: the future
 * @fn: may sleep; its return value is the future's result
 * @arg: for @fn
 *
 * @fn starts at the first poll. If the future is dropped first, @fn still
 * runs to its end (it cannot be interrupted) and its result is discarded;
 * @arg must stay valid until then.
 */
void art_blocking_init(struct art_blocking *b, long (*fn)(void *arg), void *arg)
{
	b->fut.ops = &art_blocking_ops;
	b->fn = fn;
	b->arg = arg;
	b->job = NULL;
}
EXPORT_SYMBOL_GPL(art_blocking_init);

/**
 * art_blocking_poll() - poll a blocking future
 * @b: the future
 * @cx: poll context
 * @res: @fn's result, or -ENOMEM if the job could not be allocated
 *
 * Return: %ART_READY when @fn has returned.
 */
enum art_poll art_blocking_poll(struct art_blocking *b, struct art_cx *cx,
				long *res)
{
	if (!art_cx_consume_budget(cx))
		return ART_PENDING;
	if (!b->fn)
		return ART_READY;	/* polled after completion */
	if (!b->job) {
		b->job = art_job_start(art_cx_task(cx), b->fn, b->arg, NULL);
		if (!b->job) {
			b->fn = NULL;
			*res = -ENOMEM;
			return ART_READY;
		}
		return ART_PENDING;
	}
	if (art_job_poll(&b->job, res) == ART_PENDING)
		return ART_PENDING;
	b->fn = NULL;
	return ART_READY;
}
EXPORT_SYMBOL_GPL(art_blocking_poll);

/**
 * art_blocking_drop() - detach from a running blocking function; idempotent
 * @b: the future
 */
void art_blocking_drop(struct art_blocking *b)
{
	if (b->job) {
		art_job_cancel(b->job);
		b->job = NULL;
	}
}
EXPORT_SYMBOL_GPL(art_blocking_drop);

/* The completion bridge's blocking function: @arg is the job itself. */
static long art_completion_job(void *arg)
{
	struct art_blocking_job *job = arg;
	struct completion *x = job->x;

	for (;;) {
		swait_event_idle_exclusive(x->wait, READ_ONCE(x->done) ||
					   READ_ONCE(job->cancelled));
		if (READ_ONCE(job->cancelled))
			return -ECANCELED;
		if (try_wait_for_completion(x))
			break;
	}
	/* Consumed a count for a future that was dropped meanwhile: give it back. */
	if (READ_ONCE(job->cancelled)) {
		complete(x);
		return -ECANCELED;
	}
	return 0;
}

static enum art_poll art_completion_wait_fpoll(struct art_future *f,
					       struct art_cx *cx, long *res)
{
	return art_completion_wait_poll(container_of(f, struct art_completion_wait, fut),
					cx, res);
}

static void art_completion_wait_fdrop(struct art_future *f, long res)
{
	art_completion_wait_drop(container_of(f, struct art_completion_wait, fut));
}

static const struct art_future_ops art_completion_wait_ops = {
	.poll = art_completion_wait_fpoll,
	.drop = art_completion_wait_fdrop,
};

/**
 * art_completion_wait_init() - a future that awaits a struct completion
 * @w: the future
 * @done: the driver's completion; one count is consumed when READY
 *
 * A completion wakes only threads, so the wait itself runs on the unbound
 * workqueue (one sleeping work item per pending future); the task does
 * not hold a runtime worker. Dropping the future waits until the work item
 * has let go of @done, so it sleeps: see art_completion_wait_drop().
 */
void art_completion_wait_init(struct art_completion_wait *w,
			      struct completion *done)
{
	w->fut.ops = &art_completion_wait_ops;
	w->done = done;
	w->job = NULL;
}
EXPORT_SYMBOL_GPL(art_completion_wait_init);

/**
 * art_completion_wait_poll() - poll a completion wait
 * @w: the future
 * @cx: poll context
 * @res: 0, or -ENOMEM if the wait could not be set up
 *
 * Return: %ART_READY once a count of the completion was consumed.
 */
enum art_poll art_completion_wait_poll(struct art_completion_wait *w,
				       struct art_cx *cx, long *res)
{
	if (!art_cx_consume_budget(cx))
		return ART_PENDING;
	if (!w->done)
		return ART_READY;
	if (!w->job) {
		/* Fast path: already completed. */
		if (try_wait_for_completion(w->done))
			goto ready;
		w->job = art_job_start(art_cx_task(cx), art_completion_job, NULL,
				       w->done);
		if (!w->job) {
			w->done = NULL;
			*res = -ENOMEM;
			return ART_READY;
		}
		return ART_PENDING;
	}
	if (art_job_poll(&w->job, res) == ART_PENDING)
		return ART_PENDING;
ready:
	w->done = NULL;
	*res = 0;
	return ART_READY;
}
EXPORT_SYMBOL_GPL(art_completion_wait_poll);

/**
 * art_completion_wait_drop() - stop waiting; idempotent
 * @w: the future
 *
 * Process context, no spinlock held: it waits for the work item to let go
 * of the completion (the runtime drops futures from its workers, so a
 * task's abort, runtime destruction and the combinators comply). Once it
 * returns the completion may be freed. A count consumed for @w but not
 * yet reported by a poll is given back.
 */
void art_completion_wait_drop(struct art_completion_wait *w)
{
	if (w->job) {
		art_job_cancel(w->job);
		w->job = NULL;
	}
}
EXPORT_SYMBOL_GPL(art_completion_wait_drop);
