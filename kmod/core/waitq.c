// SPDX-License-Identifier: GPL-2.0
/*
 * Wait queues for tasks: Notify (wake one or all, with a stored permit) and
 * bridges that let a task await what drivers already have: a
 * wait_queue_head_t with a condition, and a struct completion.
 *
 * A notified waiter moves through:
 *
 *   INIT --poll, permit stored--------------------------------> DONE
 *   INIT --poll, no permit--> WAITING --notify_one--> ONE --poll--> DONE
 *                                     --notify_all--> ALL --poll--> DONE
 *   drop in WAITING: unlink.   drop in ONE: pass the notification on
 *   (to the next waiter, or as the permit), so cancelling a waiter never
 *   loses a notify_one() meant for someone. drop in ALL: nothing, since
 *   notify_all() was meant for every waiter present at the time.
 */
#include <linux/module.h>
#include <linux/wait.h>
#include <linux/swait.h>

#include "core.h"

enum {
	ART_N_INIT,
	ART_N_WAITING,
	ART_N_ONE,
	ART_N_ALL,
	ART_N_DONE,
};

/**
 * art_notify_init() - initialise a notify
 * @n: the notify
 */
void art_notify_init(struct art_notify *n)
{
	spin_lock_init(&n->lock);
	INIT_LIST_HEAD(&n->waiters);
	n->permit = false;
}
EXPORT_SYMBOL_GPL(art_notify_init);

static void art_notify_one_locked(struct art_notify *n)
{
	struct art_notified *w;

	w = list_first_entry_or_null(&n->waiters, struct art_notified, node);
	if (!w) {
		n->permit = true;
		return;
	}
	list_del_init(&w->node);
	w->state = ART_N_ONE;
	art_wake(w->task);
}

/**
 * art_notify_one() - wake the oldest waiter, or store a permit
 * @n: the notify
 *
 * If no task waits, a single permit is stored (several calls still store
 * one) and the next wait completes at once. Any context.
 */
void art_notify_one(struct art_notify *n)
{
	unsigned long flags;

	spin_lock_irqsave(&n->lock, flags);
	art_notify_one_locked(n);
	spin_unlock_irqrestore(&n->lock, flags);
}
EXPORT_SYMBOL_GPL(art_notify_one);

/**
 * art_notify_all() - wake every task waiting now; stores no permit
 * @n: the notify
 *
 * Any context.
 */
void art_notify_all(struct art_notify *n)
{
	struct art_notified *w, *tmp;
	unsigned long flags;

	spin_lock_irqsave(&n->lock, flags);
	list_for_each_entry_safe(w, tmp, &n->waiters, node) {
		list_del_init(&w->node);
		w->state = ART_N_ALL;
		art_wake(w->task);
	}
	spin_unlock_irqrestore(&n->lock, flags);
}
EXPORT_SYMBOL_GPL(art_notify_all);

static enum art_poll art_notified_fpoll(struct art_future *f,
					struct art_cx *cx, long *res)
{
	return art_notified_poll(container_of(f, struct art_notified, fut),
				 cx, res);
}

static void art_notified_fdrop(struct art_future *f, long res)
{
	art_notified_drop(container_of(f, struct art_notified, fut));
}

static const struct art_future_ops art_notified_ops = {
	.poll = art_notified_fpoll,
	.drop = art_notified_fdrop,
};

/**
 * art_notified_init() - a future that completes when @n is notified
 * @w: the future
 * @n: the notify; must outlive @w's pending life
 */
void art_notified_init(struct art_notified *w, struct art_notify *n)
{
	w->fut.ops = &art_notified_ops;
	w->n = n;
	INIT_LIST_HEAD(&w->node);
	w->task = NULL;
	w->state = ART_N_INIT;
}
EXPORT_SYMBOL_GPL(art_notified_init);

/**
 * art_notified_poll() - poll a notified future
 * @w: the future
 * @cx: poll context
 * @res: 0 when READY
 *
 * Return: %ART_READY once notified (or a permit was taken).
 */
enum art_poll art_notified_poll(struct art_notified *w, struct art_cx *cx,
				long *res)
{
	struct art_notify *n = w->n;
	enum art_poll ret = ART_PENDING;
	unsigned long flags;

	if (!art_cx_consume_budget(cx))
		return ART_PENDING;
	spin_lock_irqsave(&n->lock, flags);
	switch (w->state) {
	case ART_N_INIT:
		if (n->permit) {
			n->permit = false;
			w->state = ART_N_DONE;
			ret = ART_READY;
			break;
		}
		w->task = art_cx_task(cx);
		list_add_tail(&w->node, &n->waiters);
		w->state = ART_N_WAITING;
		break;
	case ART_N_WAITING:
		break;
	default:
		w->state = ART_N_DONE;
		ret = ART_READY;
		break;
	}
	spin_unlock_irqrestore(&n->lock, flags);
	if (ret == ART_READY)
		*res = 0;
	return ret;
}
EXPORT_SYMBOL_GPL(art_notified_poll);

/**
 * art_notified_drop() - stop waiting; idempotent
 * @w: the future (zero-filled, initialised, waiting or done)
 *
 * A notify_one() this waiter received but never reported is passed on.
 */
void art_notified_drop(struct art_notified *w)
{
	struct art_notify *n = w->n;
	unsigned long flags;

	if (!n)
		return;
	spin_lock_irqsave(&n->lock, flags);
	if (w->state == ART_N_WAITING)
		list_del_init(&w->node);
	else if (w->state == ART_N_ONE)
		art_notify_one_locked(n);
	w->state = ART_N_DONE;
	spin_unlock_irqrestore(&n->lock, flags);
}
EXPORT_SYMBOL_GPL(art_notified_drop);

/**
 * art_notify_wait() - await a state change announced through @n
 * @w: the waiter, owned by the calling future
 * @waiting: @w is in use; false when @w is free (zero-filled is fine)
 * @n: notified (one or all) whenever what @try tests may have changed
 * @cx: poll context
 * @res: @try's result when READY
 * @try: tests the state; -EAGAIN means "not yet", anything else is final
 * @arg: for @try
 *
 * The loop every channel future uses: register on @n first, test second,
 * so a change between the test and the wait wakes the task (notify_one's
 * permit and notify_all's wake both reach a registered waiter). A waiter
 * that was notified but lost the race to another task registers again.
 *
 * Return: %ART_READY with *@res set, or %ART_PENDING.
 */
enum art_poll art_notify_wait(struct art_notified *w, bool *waiting,
			      struct art_notify *n, struct art_cx *cx, long *res,
			      long (*try)(void *arg), void *arg)
{
	enum art_poll p;
	long r;

	for (;;) {
		if (!*waiting) {
			art_notified_init(w, n);
			*waiting = true;
		}
		p = art_notified_poll(w, cx, &r);
		r = try(arg);
		if (r != -EAGAIN) {
			art_notified_drop(w);
			*waiting = false;
			*res = r;
			return ART_READY;
		}
		if (p == ART_PENDING)
			return ART_PENDING;
		*waiting = false;
	}
}

/* Called by the driver's wake_up*() under its wait queue lock. */
static int art_wq_wake_fn(struct wait_queue_entry *wqe, unsigned int mode,
			  int sync, void *key)
{
	art_wake(container_of(wqe, struct art_wq_wait, wqe)->task);
	return 0;
}

static enum art_poll art_wq_wait_fpoll(struct art_future *f,
				       struct art_cx *cx, long *res)
{
	return art_wq_wait_poll(container_of(f, struct art_wq_wait, fut), cx, res);
}

static void art_wq_wait_fdrop(struct art_future *f, long res)
{
	art_wq_wait_drop(container_of(f, struct art_wq_wait, fut));
}

static const struct art_future_ops art_wq_wait_ops = {
	.poll = art_wq_wait_fpoll,
	.drop = art_wq_wait_fdrop,
};

/**
 * art_wq_wait_init() - await @cond on a driver's wait queue
 * @w: the future
 * @wqh: the wait queue the driver wakes when @cond may have changed
 * @cond: evaluated in poll context (never in the waker's context)
 * @arg: for @cond
 *
 * Like wait_event(), without a thread: the task's entry on @wqh wakes the
 * task, whose poll re-evaluates @cond.
 */
void art_wq_wait_init(struct art_wq_wait *w, struct wait_queue_head *wqh,
		      bool (*cond)(void *arg), void *arg)
{
	w->fut.ops = &art_wq_wait_ops;
	w->wqh = wqh;
	init_waitqueue_func_entry(&w->wqe, art_wq_wake_fn);
	w->wqe.private = NULL;
	w->cond = cond;
	w->arg = arg;
	w->task = NULL;
}
EXPORT_SYMBOL_GPL(art_wq_wait_init);

/**
 * art_wq_wait_poll() - poll a wait-queue wait
 * @w: the future
 * @cx: poll context
 * @res: 0 when READY
 *
 * Return: %ART_READY once @cond is true.
 */
enum art_poll art_wq_wait_poll(struct art_wq_wait *w, struct art_cx *cx,
			       long *res)
{
	if (!art_cx_consume_budget(cx))
		return ART_PENDING;
	if (w->cond(w->arg))
		goto ready;
	if (!w->wqe.private) {
		w->task = art_cx_task(cx);
		w->wqe.private = w;
		add_wait_queue(w->wqh, &w->wqe);
		/*
		 * A wake between the test above and the add was missed: test
		 * again. The barrier orders our queueing before that load, as
		 * set_current_state() does in prepare_to_wait(); it pairs with
		 * wakers that check for sleepers locklessly (wq_has_sleeper(),
		 * skwq_has_sleeper()) after changing the condition.
		 */
		smp_mb();
		if (w->cond(w->arg))
			goto ready;
	}
	return ART_PENDING;

ready:
	art_wq_wait_drop(w);
	*res = 0;
	return ART_READY;
}
EXPORT_SYMBOL_GPL(art_wq_wait_poll);

/**
 * art_wq_wait_drop() - leave the wait queue; idempotent
 * @w: the future
 */
void art_wq_wait_drop(struct art_wq_wait *w)
{
	if (!w->wqe.private)
		return;
	remove_wait_queue(w->wqh, &w->wqe);
	w->wqe.private = NULL;
}
EXPORT_SYMBOL_GPL(art_wq_wait_drop);
