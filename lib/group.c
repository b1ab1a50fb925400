// SPDX-License-Identifier: MIT
/*
 * Groups, tokio's JoinSet: spawn tasks into a group, take their results in
 * the order they finish, abort them all at once. A group's tasks are on its
 * running list until they end, then on its done list until next() takes
 * them; the group, not a join handle, owns them. A group kept in a task's
 * state goes with it when the task ends (asyncrt_task_drop_groups()).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

int asyncrt_group_init(struct asyncrt_group *g, struct asyncrt_rt *rt)
{
	if (!g || !rt)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	g->rt = rt;
	asyncrt_list_init(&g->running);
	asyncrt_list_init(&g->done);
	return 0;
}

/*
 * The task whose state holds @g, if it is the one being polled: a task's
 * state is where a group is usually kept, and spawned into from.
 */
static struct asyncrt_task *group_owner(const struct asyncrt_group *g)
{
	struct asyncrt_task *o = g->rt->cx.task;
	uintptr_t p = (uintptr_t)g, s;

	if (!o || o->size < sizeof(*g))
		return NULL;
	s = (uintptr_t)o->state;
	return p >= s && p - s <= o->size - sizeof(*g) ? o : NULL;
}

/* Note @g among the groups @o's end drops, once. */
static int group_own(struct asyncrt_task *o, struct asyncrt_group *g)
{
	struct asyncrt_owned *w = o->owned;
	uint32_t i, cap;

	for (i = 0; w && i < w->n; i++)
		if (w->g[i] == g)
			return 0;
	if (!w || w->n == w->cap) {
		cap = w ? 2 * w->cap : 2;
		w = realloc(w, sizeof(*w) + cap * sizeof(w->g[0]));
		if (!w)
			return -ENOMEM;
		if (!o->owned)
			w->n = 0;
		w->cap = cap;
		o->owned = w;
	}
	w->g[w->n++] = g;
	return 0;
}

int asyncrt_group_spawn(struct asyncrt_group *g, asyncrt_task_fn fn, const void *init,
			size_t size, uint64_t *id)
{
	struct asyncrt_task *t, *owner;

	if (!g || !g->rt || !fn)
		return -EINVAL;
	owner = group_owner(g);
	if (owner && group_own(owner, g))
		return -ENOMEM;
	t = asyncrt_task_new(g->rt, fn, NULL, init, size);
	if (!t)
		return -ENOMEM;
	t->group = g;
	asyncrt_list_add_tail(&t->gnode, &g->running);
	g->nrunning++;
	if (id)
		*id = t->id;
	return 0;
}

size_t asyncrt_group_len(const struct asyncrt_group *g)
{
	return g ? g->nrunning + g->ndone : 0;
}

/*
 * Abort every task of @g. One of them may be the task being polled (the
 * caller, or the task that aborted the group's holder): it ends after its
 * poll. With @keep it stays in the group, to be taken when it ends;
 * otherwise it leaves the group, whose memory is about to go.
 */
static void group_abort(struct asyncrt_group *g, bool keep)
{
	while (!asyncrt_list_empty(&g->running)) {
		struct asyncrt_task *t =
			asyncrt_container_of(g->running.next, struct asyncrt_task, gnode);

		if (!asyncrt_task_running(t)) {
			asyncrt_task_abort(t);
			continue;
		}
		t->abort_pending = 1;
		asyncrt_list_del(&t->gnode);
		if (!keep) {
			g->nrunning--;
			t->group = NULL;
			continue;
		}
		asyncrt_list_add_tail(&t->gnode, &g->running);
		if (g->running.next == &t->gnode)
			break;
	}
}

void asyncrt_group_abort_all(struct asyncrt_group *g)
{
	if (g)
		group_abort(g, true);
}

static void group_take(struct asyncrt_group *g, struct asyncrt_task *t)
{
	asyncrt_list_del(&t->gnode);
	g->ndone--;
	t->group = NULL;
	asyncrt_task_free(t);
}

static void group_take_done(struct asyncrt_group *g)
{
	while (!asyncrt_list_empty(&g->done))
		group_take(g, asyncrt_container_of(g->done.next, struct asyncrt_task, gnode));
}

void asyncrt_group_destroy(struct asyncrt_group *g)
{
	if (!g)
		return;
	group_abort(g, true);
	group_take_done(g);
	g->waiter = NULL;
}

/*
 * @g's memory goes with the state of the task that holds it: what
 * asyncrt_group_destroy() does, except that a task of the group being
 * polled cannot be waited for.
 */
static void group_drop(struct asyncrt_group *g)
{
	/* Its next() went with the holder's parked futures: wake nobody. */
	g->waiter = NULL;
	group_abort(g, false);
	group_take_done(g);
}

/* @t ends, and with its state go the groups it holds. */
void asyncrt_task_drop_groups(struct asyncrt_task *t)
{
	struct asyncrt_owned *w = t->owned;
	uint32_t i;

	t->owned = NULL;
	for (i = 0; i < w->n; i++)
		group_drop(w->g[i]);
	free(w);
}

static void group_next_drop(struct asyncrt_future *f)
{
	struct asyncrt_group_next *n =
		asyncrt_container_of(f, struct asyncrt_group_next, fut);

	if (n->g && n->g->waiter == f)
		n->g->waiter = NULL;
	asyncrt_future_unpark(f);
}

static enum asyncrt_poll group_next_poll(struct asyncrt_future *f, struct asyncrt_cx *cx,
					 long *res)
{
	struct asyncrt_group_next *n =
		asyncrt_container_of(f, struct asyncrt_group_next, fut);
	struct asyncrt_group *g = n->g;
	struct asyncrt_task *t;

	if (!g) {
		*res = -EINVAL;
		return ASYNCRT_READY;
	}
	if (asyncrt_list_empty(&g->done)) {
		if (!g->nrunning) {
			if (g->waiter == f)
				g->waiter = NULL;
			asyncrt_future_unpark(f);
			*res = -ENOENT;
			return ASYNCRT_READY;
		}
		g->waiter = f;
		asyncrt_future_park(f, cx);
		return ASYNCRT_PENDING;
	}
	t = asyncrt_container_of(g->done.next, struct asyncrt_task, gnode);
	n->value = t->result;
	n->id = t->id;
	group_take(g, t);
	if (g->waiter == f)
		g->waiter = NULL;
	asyncrt_future_unpark(f);
	*res = 0;
	return ASYNCRT_READY;
}

void asyncrt_group_next_init(struct asyncrt_group_next *n, struct asyncrt_group *g)
{
	memset(n, 0, sizeof(*n));
	n->fut.poll = group_next_poll;
	n->fut.drop = group_next_drop;
	n->g = g;
}

enum asyncrt_poll asyncrt_group_next_poll(struct asyncrt_group_next *n,
					  struct asyncrt_cx *cx, long *res)
{
	return group_next_poll(&n->fut, cx, res);
}
