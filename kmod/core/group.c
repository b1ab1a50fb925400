// SPDX-License-Identifier: GPL-2.0
/*
 * Task groups (like tokio's JoinSet): spawn into a group, join members in
 * the order they finish, abort them all, shut the group down.
 *
 * Each member is a small allocation holding the task's join handle and a
 * join waiter; when the task completes, the waiter's callback (any
 * context) moves the member from the running list to the finished list and
 * notifies the group, so joining the next finished member is O(1).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sched.h>

#include "core.h"

struct art_group_member {
	struct list_head node;		/* g->running, then g->finished */
	struct art_group *g;
	struct art_join_waiter w;
};

/**
 * art_group_init() - initialise an empty group
 * @g: the group
 * @rt: the runtime its tasks run on
 */
void art_group_init(struct art_group *g, struct art_runtime *rt)
{
	g->rt = rt;
	spin_lock_init(&g->lock);
	INIT_LIST_HEAD(&g->running);
	INIT_LIST_HEAD(&g->finished);
	art_notify_init(&g->ready);
	g->nr = 0;
}
EXPORT_SYMBOL_GPL(art_group_init);

/*
 * A member's task completed: any context, join bucket lock held. Notify
 * under g->lock: once the member is on the finished list, a shutdown or
 * the last art_group_next may end and the owner free @g, which they
 * cannot do before taking g->lock after us. Lock order: join bucket,
 * g->lock, g->ready.lock, then the run queues' (art_wake()); nothing
 * takes them the other way round.
 */
static void art_group_member_done(struct art_join_waiter *w)
{
	struct art_group_member *m = container_of(w, struct art_group_member, w);
	struct art_group *g = m->g;
	unsigned long flags;

	spin_lock_irqsave(&g->lock, flags);
	list_move_tail(&m->node, &g->finished);
	art_notify_one(&g->ready);
	spin_unlock_irqrestore(&g->lock, flags);
}

/**
 * art_group_spawn() - spawn a task into the group
 * @g: the group
 * @size: as for art_spawn()
 * @init: as for art_spawn()
 * @arg: as for art_spawn()
 *
 * Process context.
 *
 * Return: 0, or the error of art_spawn() (-ENOMEM, -ESHUTDOWN, ...).
 */
int art_group_spawn(struct art_group *g, size_t size,
		    int (*init)(struct art_future *f, void *arg), void *arg)
{
	struct art_group_member *m;
	struct art_task *t;
	unsigned long flags;

	m = art_should_fail() ? NULL : kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	t = art_spawn(g->rt, size, init, arg, 0);
	if (IS_ERR(t)) {
		kfree(m);
		return PTR_ERR(t);
	}
	m->g = g;
	INIT_HLIST_NODE(&m->w.node);
	m->w.target = t;
	m->w.fn = art_group_member_done;

	spin_lock_irqsave(&g->lock, flags);
	list_add_tail(&m->node, &g->running);
	g->nr++;
	spin_unlock_irqrestore(&g->lock, flags);
	if (art_join_waiter_add(&m->w))
		art_group_member_done(&m->w);
	return 0;
}
EXPORT_SYMBOL_GPL(art_group_spawn);

/**
 * art_group_abort_all() - abort every member still running
 * @g: the group
 *
 * Any context. Aborted members still have to be joined or shut down.
 */
void art_group_abort_all(struct art_group *g)
{
	struct art_group_member *m;
	unsigned long flags;

	spin_lock_irqsave(&g->lock, flags);
	list_for_each_entry(m, &g->running, node)
		art_task_abort(m->w.target);
	spin_unlock_irqrestore(&g->lock, flags);
}
EXPORT_SYMBOL_GPL(art_group_abort_all);

static void art_group_member_free(struct art_group_member *m)
{
	art_task_put(m->w.target);
	kfree(m);
}

/**
 * art_group_shutdown() - abort all members, wait for them, release the group
 * @g: the group; no art_group_next future may be pending on it
 *
 * Process context, not from a task of the group's runtime. The group is
 * empty (and reusable) afterwards.
 */
void art_group_shutdown(struct art_group *g)
{
	struct art_group_member *m, *tmp;
	struct art_task *t;
	unsigned long flags;
	LIST_HEAD(done);

	art_group_abort_all(g);
	for (;;) {
		spin_lock_irqsave(&g->lock, flags);
		m = list_first_entry_or_null(&g->running,
					     struct art_group_member, node);
		t = m ? m->w.target : NULL;
		if (t)
			art_task_get(t);
		spin_unlock_irqrestore(&g->lock, flags);
		if (!t)
			break;
		/* The member moves to finished just after the task completes. */
		art_task_wait(t, MAX_SCHEDULE_TIMEOUT);
		art_task_put(t);
		cond_resched();
	}
	spin_lock_irqsave(&g->lock, flags);
	list_splice_init(&g->finished, &done);
	g->nr = 0;
	spin_unlock_irqrestore(&g->lock, flags);
	list_for_each_entry_safe(m, tmp, &done, node)
		art_group_member_free(m);
}
EXPORT_SYMBOL_GPL(art_group_shutdown);

static enum art_poll art_group_next_fpoll(struct art_future *f,
					  struct art_cx *cx, long *res)
{
	return art_group_next_poll(container_of(f, struct art_group_next, fut),
				   cx, res);
}

static void art_group_next_fdrop(struct art_future *f, long res)
{
	art_group_next_drop(container_of(f, struct art_group_next, fut));
}

static const struct art_future_ops art_group_next_ops = {
	.poll = art_group_next_fpoll,
	.drop = art_group_next_fdrop,
};

/**
 * art_group_next_init() - a future: the result of the next member to finish
 * @n: the future
 * @g: the group
 */
void art_group_next_init(struct art_group_next *n, struct art_group *g)
{
	n->fut.ops = &art_group_next_ops;
	n->g = g;
	n->waiting = false;
}
EXPORT_SYMBOL_GPL(art_group_next_init);

/**
 * art_group_next_poll() - poll a group join
 * @n: the future
 * @cx: poll context
 * @res: the member's result (-ECANCELED if aborted), or -ENOENT if the
 *	group has no members
 *
 * The joined member leaves the group.
 *
 * Return: %ART_READY or %ART_PENDING.
 */
enum art_poll art_group_next_poll(struct art_group_next *n, struct art_cx *cx,
				  long *res)
{
	struct art_group *g = n->g;
	struct art_group_member *m;
	unsigned long flags;
	enum art_poll p;
	bool empty;
	long r;

	for (;;) {
		if (!n->waiting) {
			art_notified_init(&n->ready, &g->ready);
			n->waiting = true;
		}
		p = art_notified_poll(&n->ready, cx, &r);
		spin_lock_irqsave(&g->lock, flags);
		m = list_first_entry_or_null(&g->finished,
					     struct art_group_member, node);
		if (m) {
			list_del(&m->node);
			g->nr--;
		}
		empty = !g->nr;
		spin_unlock_irqrestore(&g->lock, flags);
		if (m || empty) {
			art_group_next_drop(n);
			if (!m) {
				*res = -ENOENT;
				return ART_READY;
			}
			*res = art_task_result(m->w.target);
			art_group_member_free(m);
			return ART_READY;
		}
		if (p == ART_PENDING)
			return ART_PENDING;
		n->waiting = false;
	}
}
EXPORT_SYMBOL_GPL(art_group_next_poll);

/**
 * art_group_next_drop() - stop waiting; idempotent
 * @n: the future
 */
void art_group_next_drop(struct art_group_next *n)
{
	if (n->waiting) {
		art_notified_drop(&n->ready);
		n->waiting = false;
	}
}
EXPORT_SYMBOL_GPL(art_group_next_drop);
