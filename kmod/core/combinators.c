// SPDX-License-Identifier: GPL-2.0
/*
 * Combinators over futures polled through pointers: join (all), select
 * (first wins, the losers are dropped), timeout (a child with a deadline),
 * chain (one after another, like linked ring entries), and yield_now.
 *
 * All children share the parent task's waker, so a wake re-polls every
 * pending child; with a handful of children that is cheaper than a waker
 * per child, and it keeps the combinators allocation-free. A child that
 * completed is never polled again, and every child that did not complete
 * is dropped with -ECANCELED exactly once.
 */
#include <linux/module.h>

#include "core.h"

static enum art_poll art_join_all_poll(struct art_future *f, struct art_cx *cx,
				       long *res)
{
	struct art_join_all *j = container_of(f, struct art_join_all, fut);
	u64 all = j->n == 64 ? ~0ULL : BIT_ULL(j->n) - 1;
	unsigned int i;

	for (i = 0; i < j->n; i++) {
		if (j->done & BIT_ULL(i))
			continue;
		if (art_future_poll(j->futs[i], cx, &j->res[i]) == ART_READY) {
			j->done |= BIT_ULL(i);
			art_future_drop(j->futs[i], j->res[i]);
		}
	}
	if (j->done != all)
		return ART_PENDING;
	*res = 0;
	return ART_READY;
}

static void art_join_all_drop(struct art_future *f, long res)
{
	struct art_join_all *j = container_of(f, struct art_join_all, fut);
	unsigned int i;

	for (i = 0; i < j->n; i++) {
		if (j->done & BIT_ULL(i))
			continue;
		j->done |= BIT_ULL(i);
		art_future_drop(j->futs[i], -ECANCELED);
	}
}

static const struct art_future_ops art_join_all_ops = {
	.poll = art_join_all_poll,
	.drop = art_join_all_drop,
};

/**
 * art_join_all_init() - a future that completes when all children have
 * @j: the future
 * @futs: @n initialised children, owned by the caller
 * @res: @n results, filled in as children complete
 * @n: 1 to %ART_COMB_MAX
 *
 * Completes with 0; the children's results are in @res. Dropping it
 * drops the children still pending.
 */
void art_join_all_init(struct art_join_all *j, struct art_future **futs,
		       long *res, unsigned int n)
{
	j->fut.ops = &art_join_all_ops;
	j->futs = futs;
	j->res = res;
	j->n = min_t(unsigned int, n, ART_COMB_MAX);
	j->done = 0;
	WARN_ON_ONCE(n > ART_COMB_MAX);
}
EXPORT_SYMBOL_GPL(art_join_all_init);

static void art_select_drop_losers(struct art_select *s)
{
	unsigned int i;

	if (s->ended)
		return;
	s->ended = true;
	for (i = 0; i < s->n; i++)
		if ((int)i != s->winner)
			art_future_drop(s->futs[i], -ECANCELED);
}

static enum art_poll art_select_poll(struct art_future *f, struct art_cx *cx,
				     long *res)
{
	struct art_select *s = container_of(f, struct art_select, fut);
	unsigned int i;
	long r;

	if (s->ended)
		return ART_READY;
	for (i = 0; i < s->n; i++) {
		if (art_future_poll(s->futs[i], cx, &r) == ART_READY) {
			s->winner = i;
			art_future_drop(s->futs[i], r);
			art_select_drop_losers(s);
			*res = r;
			return ART_READY;
		}
	}
	return ART_PENDING;
}

static void art_select_drop(struct art_future *f, long res)
{
	art_select_drop_losers(container_of(f, struct art_select, fut));
}

static const struct art_future_ops art_select_ops = {
	.poll = art_select_poll,
	.drop = art_select_drop,
};

/**
 * art_select_init() - a future that completes with the first child to complete
 * @s: the future; @s->winner tells which child won
 * @futs: @n initialised children, polled in order (earlier ones win ties)
 * @n: 1 to %ART_COMB_MAX
 *
 * When one child completes, every other child is dropped with -ECANCELED
 * (timers cancelled, waiters unlinked) before the select reports READY
 * with the winner's result.
 */
void art_select_init(struct art_select *s, struct art_future **futs,
		     unsigned int n)
{
	s->fut.ops = &art_select_ops;
	s->futs = futs;
	s->n = min_t(unsigned int, n, ART_COMB_MAX);
	s->winner = -1;
	s->ended = false;
	WARN_ON_ONCE(n > ART_COMB_MAX);
}
EXPORT_SYMBOL_GPL(art_select_init);

static enum art_poll art_timeout_poll(struct art_future *f, struct art_cx *cx,
				      long *res)
{
	struct art_timeout *t = container_of(f, struct art_timeout, fut);
	long r;

	if (t->ended)
		return ART_READY;
	if (art_future_poll(t->child, cx, &r) == ART_READY) {
		t->ended = true;
		art_future_drop(t->child, r);
		art_sleep_drop(&t->sleep);
		*res = r;
		return ART_READY;
	}
	if (art_sleep_poll(&t->sleep, cx, &r) == ART_READY) {
		t->ended = true;
		art_future_drop(t->child, -ECANCELED);
		art_sleep_drop(&t->sleep);
		*res = -ETIME;
		return ART_READY;
	}
	return ART_PENDING;
}

static void art_timeout_drop(struct art_future *f, long res)
{
	struct art_timeout *t = container_of(f, struct art_timeout, fut);

	art_sleep_drop(&t->sleep);
	if (!t->ended) {
		t->ended = true;
		art_future_drop(t->child, -ECANCELED);
	}
}

static const struct art_future_ops art_timeout_ops = {
	.poll = art_timeout_poll,
	.drop = art_timeout_drop,
};

/**
 * art_timeout_init() - give @child a deadline
 * @t: the future
 * @child: an initialised future
 * @clock: clock of the deadline
 * @ns: duration from the first poll, or an absolute deadline with
 *	%ART_TIMER_ABS
 * @flags: 0 or %ART_TIMER_ABS
 *
 * Completes with @child's result, or with -ETIME (the child dropped) if
 * the deadline passes first.
 */
void art_timeout_init(struct art_timeout *t, struct art_future *child,
		      clockid_t clock, u64 ns, unsigned int flags)
{
	t->fut.ops = &art_timeout_ops;
	t->child = child;
	art_sleep_init(&t->sleep, clock, ns, flags);
	t->ended = false;
}
EXPORT_SYMBOL_GPL(art_timeout_init);

static enum art_poll art_chain_poll(struct art_future *f, struct art_cx *cx,
				    long *res)
{
	struct art_chain *c = container_of(f, struct art_chain, fut);
	long r;

	if (c->stage == 0) {
		if (art_future_poll(c->first, cx, &r) == ART_PENDING)
			return ART_PENDING;
		art_future_drop(c->first, r);
		c->first_res = r;
		c->stage = 1;
		if (r < 0 && !(c->flags & ART_CHAIN_ALWAYS)) {
			c->stage = 2;
			art_future_drop(c->second, -ECANCELED);
			*res = r;
			return ART_READY;
		}
	}
	if (c->stage == 1) {
		if (art_future_poll(c->second, cx, &r) == ART_PENDING)
			return ART_PENDING;
		art_future_drop(c->second, r);
		c->stage = 2;
		*res = r;
		return ART_READY;
	}
	*res = c->first_res;
	return ART_READY;
}

static void art_chain_drop(struct art_future *f, long res)
{
	struct art_chain *c = container_of(f, struct art_chain, fut);

	if (c->stage == 0)
		art_future_drop(c->first, -ECANCELED);
	if (c->stage <= 1)
		art_future_drop(c->second, -ECANCELED);
	c->stage = 2;
}

static const struct art_future_ops art_chain_ops = {
	.poll = art_chain_poll,
	.drop = art_chain_drop,
};

/**
 * art_chain_init() - run @first, then @second
 * @c: the future
 * @first: runs first
 * @second: runs after @first completed with a result >= 0 (or whatever
 *	the result with %ART_CHAIN_ALWAYS); otherwise it is dropped and the
 *	chain completes with @first's error
 * @flags: 0 or %ART_CHAIN_ALWAYS
 *
 * Completes with @second's result when it ran.
 */
void art_chain_init(struct art_chain *c, struct art_future *first,
		    struct art_future *second, unsigned int flags)
{
	c->fut.ops = &art_chain_ops;
	c->first = first;
	c->second = second;
	c->flags = flags;
	c->stage = 0;
	c->first_res = 0;
}
EXPORT_SYMBOL_GPL(art_chain_init);

static enum art_poll art_yield_fpoll(struct art_future *f, struct art_cx *cx,
				     long *res)
{
	return art_yield_now(container_of(f, struct art_yield, fut), cx, res);
}

static const struct art_future_ops art_yield_ops = {
	.poll = art_yield_fpoll,
};

/**
 * art_yield_init() - a future that lets other tasks run once
 * @y: the future
 */
void art_yield_init(struct art_yield *y)
{
	y->fut.ops = &art_yield_ops;
	y->yielded = false;
}
EXPORT_SYMBOL_GPL(art_yield_init);

/**
 * art_yield_now() - poll a yield: PENDING (after a self-wake) once, then READY
 * @y: the future
 * @cx: poll context
 * @res: 0
 *
 * The task goes to the back of its run queue, behind what is ready.
 *
 * Return: %ART_PENDING the first time, %ART_READY after.
 */
enum art_poll art_yield_now(struct art_yield *y, struct art_cx *cx, long *res)
{
	if (!y->yielded) {
		y->yielded = true;
		art_wake(art_cx_task(cx));
		return ART_PENDING;
	}
	*res = 0;
	return ART_READY;
}
EXPORT_SYMBOL_GPL(art_yield_now);
