// SPDX-License-Identifier: GPL-2.0
/*
 * The minimal epoll+timerfd event loop of evloop.h. The loop polls every
 * queued task, and when none is left waits in epoll_wait() for timers:
 *
 *   spawn ──> queued ──poll──> PENDING (a timer armed, or a join) ──fire──> queued
 *                        └──> READY: result kept for the joiner, who frees it
 *
 * Timer mode "per sleep" gives each sleep its own timerfd in the epoll set
 * (created, armed, added; closed when it fires). Heap mode keeps sleeping
 * tasks in a binary min-heap on their deadlines and arms one timerfd for
 * the earliest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common.h"
#include "evloop.h"

struct ev_loop {
	int epfd;
	int heap_tfd;			/* heap mode: the one timer, else -1 */
	struct ev_task *head, *tail;	/* run queue */
	size_t pending;			/* sleeps not yet fired */
	struct ev_task **heap;
	size_t nheap, heap_cap;
	uint64_t armed;			/* heap mode: the timer's deadline */
};

static void ev_wake(struct ev_loop *l, struct ev_task *t)
{
	if (t->queued || t->done)
		return;
	t->queued = 1;
	t->next = NULL;
	if (l->tail)
		l->tail->next = t;
	else
		l->head = t;
	l->tail = t;
}

struct ev_loop *ev_loop_new(int heap)
{
	struct ev_loop *l = calloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (!l)
		return NULL;
	l->heap_tfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		goto err_free;
	if (!heap)
		return l;
	l->heap_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->heap_tfd < 0)
		goto err_epoll;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->heap_tfd, &ev))
		goto err_tfd;
	return l;

err_tfd:
	close(l->heap_tfd);
err_epoll:
	close(l->epfd);
err_free:
	free(l);
	return NULL;
}

void ev_loop_free(struct ev_loop *l)
{
	if (l->heap_tfd >= 0)
		close(l->heap_tfd);
	close(l->epfd);
	free(l->heap);
	free(l);
}

struct ev_task *ev_spawn(struct ev_loop *l, ev_task_fn fn, const void *init, size_t size)
{
	struct ev_task *t = malloc(sizeof(*t) + size);

	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->tfd = -1;
	t->state = t + 1;
	if (init && !size)
		t->state = (void *)init;
	else if (init)
		memcpy(t->state, init, size);
	else
		memset(t->state, 0, size);
	ev_wake(l, t);
	return t;
}

int ev_join(struct ev_loop *l, struct ev_task *self, struct ev_task *target, long *res)
{
	(void)l;
	if (!target->done) {
		target->joiner = self;
		return EV_PENDING;
	}
	*res = target->result;
	free(target);
	return EV_READY;
}

/* ---------------------------------------------------------------------- */
/* Timers                                                                  */
/* ---------------------------------------------------------------------- */

static int ev_arm(int tfd, uint64_t deadline)
{
	struct itimerspec its = {
		.it_value.tv_sec = deadline / 1000000000ull,
		.it_value.tv_nsec = deadline % 1000000000ull,
	};

	/* A zero it_value would disarm: a deadline of 0 is long past anyway. */
	if (!deadline)
		its.it_value.tv_nsec = 1;
	return timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) ? -errno : 0;
}

static void heap_swap(struct ev_task **h, size_t a, size_t b)
{
	struct ev_task *t = h[a];

	h[a] = h[b];
	h[b] = t;
}

static int heap_push(struct ev_loop *l, struct ev_task *t)
{
	size_t i;

	if (l->nheap == l->heap_cap) {
		size_t cap = l->heap_cap ? 2 * l->heap_cap : 1024;
		struct ev_task **h = realloc(l->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->heap_cap = cap;
	}
	i = l->nheap++;
	l->heap[i] = t;
	while (i && l->heap[(i - 1) / 2]->deadline > l->heap[i]->deadline) {
		heap_swap(l->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

static struct ev_task *heap_pop(struct ev_loop *l)
{
	struct ev_task *top = l->heap[0];
	size_t i = 0, c;

	l->heap[0] = l->heap[--l->nheap];
	while ((c = 2 * i + 1) < l->nheap) {
		if (c + 1 < l->nheap && l->heap[c + 1]->deadline < l->heap[c]->deadline)
			c++;
		if (l->heap[i]->deadline <= l->heap[c]->deadline)
			break;
		heap_swap(l->heap, i, c);
		i = c;
	}
	return top;
}

/* Heap mode: the timer follows the earliest deadline. */
static int heap_rearm(struct ev_loop *l)
{
	int ret;

	if (!l->nheap || l->heap[0]->deadline == l->armed)
		return 0;
	ret = ev_arm(l->heap_tfd, l->heap[0]->deadline);
	if (!ret)
		l->armed = l->heap[0]->deadline;
	return ret;
}

static void ev_fire(struct ev_loop *l, struct ev_task *t)
{
	t->fired = 1;
	l->pending--;
	ev_wake(l, t);
}

int ev_sleep_until(struct ev_loop *l, struct ev_task *self, uint64_t deadline)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = self };
	int ret;

	if (self->fired) {
		self->fired = 0;
		return EV_READY;
	}
	if (l->heap_tfd >= 0) {
		self->deadline = deadline;
		ret = heap_push(l, self);
		if (!ret)
			ret = heap_rearm(l);
	} else {
		self->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		ret = self->tfd < 0 ? -errno : ev_arm(self->tfd, deadline);
		if (!ret && epoll_ctl(l->epfd, EPOLL_CTL_ADD, self->tfd, &ev))
			ret = -errno;
		if (ret && self->tfd >= 0) {
			close(self->tfd);
			self->tfd = -1;
		}
	}
	if (ret) {
		self->err = ret;
		return EV_READY;
	}
	l->pending++;
	return EV_PENDING;
}

/* Wait for timers and queue the tasks whose time has come. */
static int ev_wait(struct ev_loop *l)
{
	struct epoll_event evs[256];
	uint64_t v, now;
	int n, i;

	n = epoll_wait(l->epfd, evs, 256, -1);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct ev_task *t = evs[i].data.ptr;

		if (t) {
			close(t->tfd);
			t->tfd = -1;
			ev_fire(l, t);
			continue;
		}
		/* The heap's timer: fire everything due. */
		if (read(l->heap_tfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return -errno;
		l->armed = 0;
		now = bench_now_ns();
		while (l->nheap && l->heap[0]->deadline <= now)
			ev_fire(l, heap_pop(l));
		if (heap_rearm(l))
			return -errno;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The loop                                                                */
/* ---------------------------------------------------------------------- */

static void ev_poll(struct ev_loop *l, struct ev_task *t)
{
	long res = 0;

	if (t->fn(l, t, &res) == EV_PENDING)
		return;
	t->done = 1;
	t->result = res;
	if (t->joiner)
		ev_wake(l, t->joiner);
}

long ev_block_on(struct ev_loop *l, ev_task_fn fn, void *state)
{
	struct ev_task *root = ev_spawn(l, fn, state, 0);
	long res;
	int ret;

	if (!root)
		return -ENOMEM;
	while (!root->done) {
		while (l->head && !root->done) {
			struct ev_task *t = l->head;

			l->head = t->next;
			if (!l->head)
				l->tail = NULL;
			t->queued = 0;
			ev_poll(l, t);
		}
		if (root->done)
			break;
		if (!l->pending) {
			free(root);
			return -EDEADLK;
		}
		ret = ev_wait(l);
		if (ret) {
			free(root);
			return ret;
		}
	}
	res = root->result;
	free(root);
	return res;
}
