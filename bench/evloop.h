/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer of libasyncrt's executor in bench/exec.c: a minimal event loop
 * on epoll and timerfd with the executor's structure (tasks polled from a
 * FIFO run queue, join handles, sleeps served by the kernel), written the
 * way a C programmer without a runtime would. A task is a poll function
 * returning EV_PENDING or EV_READY; it keeps its progress in its state.
 */
#ifndef _BENCH_EVLOOP_H
#define _BENCH_EVLOOP_H

#include <stddef.h>
#include <stdint.h>

enum { EV_PENDING, EV_READY };

struct ev_loop;
struct ev_task;
typedef int (*ev_task_fn)(struct ev_loop *l, struct ev_task *t, long *res);

struct ev_task {
	struct ev_task *next;		/* run queue */
	ev_task_fn fn;
	struct ev_task *joiner;		/* a task waiting in ev_join() */
	void *state;
	long result;
	long err;			/* a sleep's error */
	uint64_t deadline;		/* heap mode: when to fire */
	int tfd;			/* timerfd mode: this sleep's timer */
	uint8_t queued, done, fired;
};

/* @heap: one timerfd behind a userspace heap; else one timerfd per sleep. */
struct ev_loop *ev_loop_new(int heap);
void ev_loop_free(struct ev_loop *l);
/* A task whose state is a copy of @size bytes at @init (zeroes if NULL). */
struct ev_task *ev_spawn(struct ev_loop *l, ev_task_fn fn, const void *init, size_t size);
/* Await @target's result; READY frees it (the handle is used up). */
int ev_join(struct ev_loop *l, struct ev_task *self, struct ev_task *target, long *res);
/* Sleep until @deadline (CLOCK_MONOTONIC ns); errors land in self->err. */
int ev_sleep_until(struct ev_loop *l, struct ev_task *self, uint64_t deadline);
/* Run the loop until a task polling @fn on @state (borrowed) completes. */
long ev_block_on(struct ev_loop *l, ev_task_fn fn, void *state);

#endif /* _BENCH_EVLOOP_H */
