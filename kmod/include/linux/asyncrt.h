/* SPDX-License-Identifier: GPL-2.0 */
/*
 * asyncrt: an asynchronous runtime for kernel code. This is the one header
 * other modules include. It defines futures (a state struct plus a poll
 * function), the stackless-coroutine macros that let poll functions read
 * sequentially, tasks and their join handles, runtimes (executors), timers,
 * wait queues, channels, combinators, task groups and blocking work.
 *
 * Documentation/kernel-api.rst teaches the model with a complete example.
 */
#ifndef _LINUX_ASYNCRT_H
#define _LINUX_ASYNCRT_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/list.h>
#include <linux/hrtimer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/spinlock.h>
#include <linux/completion.h>

struct art_runtime;
struct art_task;
struct art_cx;
struct art_future;

/* ---------------------------------------------------------------------- */
/* Futures                                                                 */
/* ---------------------------------------------------------------------- */

/**
 * enum art_poll - what a poll function reports
 * @ART_PENDING: not done; the future registered the task's waker (via the
 *	&struct art_cx it was polled with) and will wake it when it can make
 *	progress.
 * @ART_READY: done; the result was stored through the @res argument.
 */
enum art_poll {
	ART_PENDING = 0,
	ART_READY = 1,
};

/**
 * struct art_future_ops - the behaviour of a future type
 * @poll: make progress. Returns %ART_READY with *@res set to a value (>= 0)
 *	or a negative errno, or %ART_PENDING after arranging a wake of
 *	art_cx_task(@cx). Runs in process context on a runtime worker
 *	kthread, or on the thread of a current-thread runtime's guest (see
 *	art_rt_guest_begin()), so it must not depend on current: it may
 *	allocate with GFP_KERNEL and take sleeping locks briefly
 *	(lock_sock(), a mutex), but must never wait for an event.
 * @drop: optional. Called exactly once for a task's top-level future when
 *	the task ends, with the final result (-ECANCELED if it was aborted
 *	before completing); combinators call it for children they cancel.
 *	Must release everything the future holds (timers, waiter links).
 *	Must be harmless on a zero-filled or already-completed future.
 */
struct art_future_ops {
	enum art_poll (*poll)(struct art_future *f, struct art_cx *cx, long *res);
	void (*drop)(struct art_future *f, long res);
};

/**
 * struct art_future - the head of every future that is polled through a
 * pointer (by a task or a combinator). Embed it as the first member.
 * @ops: the future's type.
 */
struct art_future {
	const struct art_future_ops *ops;
};

static inline enum art_poll art_future_poll(struct art_future *f,
					    struct art_cx *cx, long *res)
{
	return f->ops->poll(f, cx, res);
}

static inline void art_future_drop(struct art_future *f, long res)
{
	if (f->ops && f->ops->drop)
		f->ops->drop(f, res);
}

/**
 * struct art_cx - the context a poll function runs in
 * @task: the task being polled: the waker every leaf future registers.
 * @budget: leaf futures that are ready spend one unit; at zero they report
 *	PENDING and wake the task so that it yields (cooperative fairness).
 * @forced: set when the budget ran out during this poll (metrics).
 */
struct art_cx {
	struct art_task *task;
	unsigned int budget;
	bool forced;
};

static inline struct art_task *art_cx_task(struct art_cx *cx)
{
	return cx->task;
}

void art_wake(struct art_task *task);

/**
 * art_cx_consume_budget() - spend one unit of the poll budget
 * @cx: the poll context
 *
 * Leaf futures call this when they are about to report READY. When the
 * budget is exhausted the task is woken (so it runs again after others) and
 * false is returned: the leaf must then report PENDING without consuming
 * its readiness.
 *
 * Return: true if the future may complete now.
 */
static inline bool art_cx_consume_budget(struct art_cx *cx)
{
	if (likely(cx->budget)) {
		cx->budget--;
		return true;
	}
	cx->forced = true;
	art_wake(cx->task);
	return false;
}

/* ---------------------------------------------------------------------- */
/* Stackless coroutines                                                    */
/* ---------------------------------------------------------------------- */

/*
 * A poll function written as a coroutine keeps a struct art_co in its state
 * and brackets its body with art_co_begin() / art_co_end(). Local variables
 * do not survive an await or a yield: keep state in the struct. Only one
 * await/yield per source line. Example:
 *
 *	static enum art_poll tick_poll(struct art_future *f, struct art_cx *cx,
 *				       long *res)
 *	{
 *		struct tick *t = container_of(f, struct tick, fut);
 *
 *		art_co_begin(&t->co);
 *		for (t->i = 0; t->i < 3; t->i++) {
 *			art_sleep_init(&t->sleep, CLOCK_MONOTONIC, NSEC_PER_MSEC, 0);
 *			art_co_await(&t->co, art_sleep_poll(&t->sleep, cx, &t->r));
 *		}
 *		art_co_return(&t->co, res, t->i);
 *		art_co_end(&t->co, res);
 *	}
 */
struct art_co {
	int line;
};

#define art_co_begin(co)	switch ((co)->line) { case 0:

/* Poll @pollexpr (an enum art_poll expression) until it is READY. */
#define art_co_await(co, pollexpr)					\
	do {								\
		(co)->line = __LINE__;					\
		fallthrough;						\
	case __LINE__:							\
		if ((pollexpr) == ART_PENDING)				\
			return ART_PENDING;				\
	} while (0)

/* Give other tasks a turn: wake ourselves and return PENDING once. */
#define art_co_yield(co, cx)						\
	do {								\
		(co)->line = __LINE__;					\
		art_wake(art_cx_task(cx));				\
		return ART_PENDING;					\
	case __LINE__:							\
		;							\
	} while (0)

/* Complete the coroutine with @value. */
#define art_co_return(co, res, value)					\
	do {								\
		(co)->line = -1;					\
		*(res) = (value);					\
		return ART_READY;					\
	} while (0)

static inline enum art_poll art_co_finish(struct art_co *co, long *res)
{
	co->line = -1;
	*res = 0;
	return ART_READY;
}

/* Falling off the end completes with 0; polling after READY returns 0. */
#define art_co_end(co, res)	} return art_co_finish(co, res)

/* ---------------------------------------------------------------------- */
/* Runtimes                                                                */
/* ---------------------------------------------------------------------- */

/* art_rt_config.flags */
#define ART_RT_CURRENT_THREAD	BIT(0) /* one worker, no stealing */
#define ART_RT_TEST_CLOCK	BIT(1) /* timers use a manual clock */

/**
 * struct art_rt_config - how to build a runtime
 * @name: worker thread names are "art/<name>/<n>"; at most 15 bytes used.
 * @flags: ART_RT_*.
 * @workers: multi-thread flavour: number of workers, 0 for one per online
 *	CPU. Ignored with %ART_RT_CURRENT_THREAD.
 * @budget: poll budget per task poll, 0 for the default (128).
 * @timer_slack_ns: slack given to every hrtimer of the runtime, so that
 *	nearby expiries coalesce; 0 for exact (the default).
 */
struct art_rt_config {
	const char *name;
	unsigned int flags;
	unsigned int workers;
	unsigned int budget;
	u64 timer_slack_ns;
};

struct art_runtime *art_rt_create(const struct art_rt_config *cfg);
void art_rt_destroy(struct art_runtime *rt);
int art_rt_quiesce(struct art_runtime *rt, unsigned long timeout);

/**
 * struct art_rt_metrics - a snapshot of a runtime's counters
 * @spawned: tasks spawned
 * @completed: tasks that completed (including aborted ones)
 * @aborted: tasks that ended because of an abort or shutdown
 * @polls: task polls
 * @steals: tasks stolen from another worker's queue
 * @wakes: wakes that scheduled a task
 * @unparks: wake-ups of a parked (idle) worker thread
 * @forced_yields: polls that ended because the budget ran out
 * @live: tasks alive now
 * @global_depth: tasks in the injection queue now
 * @local_depth: tasks in all local queues and LIFO slots now
 * @stalls: polls that exceeded the stall threshold
 * @parked: workers parked (idle) now
 */
struct art_rt_metrics {
	u64 spawned;
	u64 completed;
	u64 aborted;
	u64 polls;
	u64 steals;
	u64 wakes;
	u64 unparks;
	u64 forced_yields;
	u64 live;
	u64 global_depth;
	u64 local_depth;
	u64 stalls;
	u64 parked;
};

void art_rt_metrics(struct art_runtime *rt, struct art_rt_metrics *m);

/* A thread waiting for a current-thread runtime's tasks can run them. */
bool art_rt_guest_begin(struct art_runtime *rt);
bool art_rt_guest_run(struct art_runtime *rt);
bool art_rt_guest_claim(struct art_task *task);
void art_rt_guest_run_task(struct art_runtime *rt, struct art_task *task);
void art_rt_guest_end(struct art_runtime *rt);

/* ---------------------------------------------------------------------- */
/* Tasks and join handles                                                  */
/* ---------------------------------------------------------------------- */

/* art_spawn() flags */
#define ART_SPAWN_DETACHED	BIT(0) /* return no handle */

/* What art_spawn()'s init returns when its wakers are registered already. */
#define ART_INIT_IDLE		1 /* no first poll: idle until woken */

struct art_task *art_spawn(struct art_runtime *rt, size_t size,
			   int (*init)(struct art_future *f, void *arg),
			   void *arg, unsigned int flags);
struct art_task *art_spawn_copy(struct art_runtime *rt,
				const struct art_future *proto, size_t size,
				unsigned int flags);
struct art_future *art_task_future(struct art_task *task);
void art_task_get(struct art_task *task);
void art_task_put(struct art_task *task);
void art_task_abort(struct art_task *task);
bool art_task_is_finished(struct art_task *task);
long art_task_result(struct art_task *task);
long art_task_wait(struct art_task *task, long timeout);

/**
 * art_task_detach() - drop a join handle; the task runs on
 * @task: the handle
 */
static inline void art_task_detach(struct art_task *task)
{
	art_task_put(task);
}

/**
 * struct art_join_waiter - a callback run once when a task completes
 * @node: internal (a hashed list of waiters, so tasks stay small)
 * @target: the task waited for
 * @fn: called once, in any context (possibly hardirq), with internal
 *	locks held: it may only wake or complete; it must not free @w.
 * @data: for @fn
 */
struct art_join_waiter {
	struct hlist_node node;
	struct art_task *target;
	void (*fn)(struct art_join_waiter *w);
	void *data;
};

bool art_join_waiter_add(struct art_join_waiter *w);
void art_join_waiter_del(struct art_join_waiter *w);

/**
 * struct art_join - a future that completes with another task's result
 * @fut: future head
 * @w: registration with the target
 */
struct art_join {
	struct art_future fut;
	struct art_join_waiter w;
};

void art_join_init(struct art_join *j, struct art_task *target);
enum art_poll art_join_poll(struct art_join *j, struct art_cx *cx, long *res);
void art_join_drop(struct art_join *j);

/* ---------------------------------------------------------------------- */
/* Timers                                                                  */
/* ---------------------------------------------------------------------- */

#define ART_TIMER_ABS		BIT(0) /* ns is an absolute deadline */

/**
 * struct art_sleep - a future that completes at a deadline
 * @fut: future head (so a sleep can be spawned or used in a combinator)
 * @timer: the hrtimer, once armed on a real clock
 * @tc: internal: the test-clock entry, or the deadline before arming
 * @state: internal: the waker task and ART_SLEEP_* bits
 *
 * 80 bytes: with a task header of 48 bytes a pending sleep task is 128.
 */
struct art_sleep {
	struct art_future fut;
	union {
		struct hrtimer timer;
		struct {
			struct list_head node;
			u64 deadline;
			clockid_t clock;
			u32 flags;
		} tc;
	};
	unsigned long state;
};

void art_sleep_init(struct art_sleep *s, clockid_t clock, u64 ns,
		    unsigned int flags);
enum art_poll art_sleep_poll(struct art_sleep *s, struct art_cx *cx, long *res);
void art_sleep_reset(struct art_sleep *s, u64 ns, unsigned int flags);
void art_sleep_drop(struct art_sleep *s);
u64 art_now(struct art_runtime *rt, clockid_t clock);

/**
 * enum art_tick_policy - what an interval does after missing ticks
 * @ART_TICK_BURST: (default) deliver every missed tick back to back, so a
 *	consumer that counts ticks stays exact; the schedule keeps its phase.
 * @ART_TICK_DELAY: next tick one period after the late one was seen.
 * @ART_TICK_SKIP: drop missed ticks; next tick on the original schedule.
 */
enum art_tick_policy {
	ART_TICK_BURST,
	ART_TICK_DELAY,
	ART_TICK_SKIP,
};

/**
 * struct art_interval - a future that completes once per period
 * @sleep: the current tick's timer
 * @next: absolute deadline of the next tick (0 until first poll)
 * @period: nanoseconds
 * @policy: enum art_tick_policy
 * @clock: the clock of @next
 */
struct art_interval {
	struct art_sleep sleep;
	u64 next;
	u64 period;
	u32 policy;
	clockid_t clock;
};

void art_interval_init(struct art_interval *iv, clockid_t clock, u64 period,
		       enum art_tick_policy policy);
enum art_poll art_interval_poll(struct art_interval *iv, struct art_cx *cx,
				long *res);
void art_interval_drop(struct art_interval *iv);

void art_clock_advance(struct art_runtime *rt, u64 ns);

/* ---------------------------------------------------------------------- */
/* Wait queues                                                             */
/* ---------------------------------------------------------------------- */

/**
 * struct art_notify - wake tasks; remembers one permit
 * @lock: protects the rest
 * @waiters: struct art_notified, oldest first
 * @permit: a notify_one() that found no waiter
 */
struct art_notify {
	spinlock_t lock;		/* protects the waiters and the permit */
	struct list_head waiters;
	bool permit;
};

/**
 * struct art_notified - the future returned by waiting on a notify
 * @fut: future head
 * @n: the notify
 * @node: on @n->waiters while waiting
 * @task: the waker
 * @state: internal
 */
struct art_notified {
	struct art_future fut;
	struct art_notify *n;
	struct list_head node;
	struct art_task *task;
	u32 state;
};

void art_notify_init(struct art_notify *n);
void art_notify_one(struct art_notify *n);
void art_notify_all(struct art_notify *n);
void art_notified_init(struct art_notified *w, struct art_notify *n);
enum art_poll art_notified_poll(struct art_notified *w, struct art_cx *cx,
				long *res);
void art_notified_drop(struct art_notified *w);

/**
 * struct art_wq_wait - await a condition on an existing wait_queue_head_t
 * @fut: future head
 * @wqh: the driver's wait queue
 * @wqe: our entry on it while pending
 * @cond: the condition; called in poll context and must not sleep
 * @arg: for @cond
 * @task: the waker
 */
struct art_wq_wait {
	struct art_future fut;
	struct wait_queue_head *wqh;
	struct wait_queue_entry wqe;
	bool (*cond)(void *arg);
	void *arg;
	struct art_task *task;
};

void art_wq_wait_init(struct art_wq_wait *w, struct wait_queue_head *wqh,
		      bool (*cond)(void *arg), void *arg);
enum art_poll art_wq_wait_poll(struct art_wq_wait *w, struct art_cx *cx,
			       long *res);
void art_wq_wait_drop(struct art_wq_wait *w);

struct art_blocking_job;

/**
 * struct art_completion_wait - await an existing struct completion
 * @fut: future head
 * @done: the completion (one count is consumed when this is READY)
 * @job: internal
 */
struct art_completion_wait {
	struct art_future fut;
	struct completion *done;
	struct art_blocking_job *job;
};

void art_completion_wait_init(struct art_completion_wait *w,
			      struct completion *done);
enum art_poll art_completion_wait_poll(struct art_completion_wait *w,
				       struct art_cx *cx, long *res);
void art_completion_wait_drop(struct art_completion_wait *w);

/* ---------------------------------------------------------------------- */
/* Channels                                                                */
/* ---------------------------------------------------------------------- */

struct art_oneshot;

struct art_oneshot *art_oneshot_new(void);
int art_oneshot_send(struct art_oneshot *os, long value);
void art_oneshot_close_tx(struct art_oneshot *os);
void art_oneshot_close_rx(struct art_oneshot *os);

/**
 * struct art_oneshot_recv - a future that completes with the sent value
 * @fut: future head
 * @os: the channel
 */
struct art_oneshot_recv {
	struct art_future fut;
	struct art_oneshot *os;
};

void art_oneshot_recv_init(struct art_oneshot_recv *r, struct art_oneshot *os);
enum art_poll art_oneshot_recv_poll(struct art_oneshot_recv *r,
				    struct art_cx *cx, long *res);
void art_oneshot_recv_drop(struct art_oneshot_recv *r);

struct art_mpsc;

struct art_mpsc *art_mpsc_new(unsigned int capacity, size_t item_size);
void art_mpsc_sender_get(struct art_mpsc *ch);
void art_mpsc_sender_put(struct art_mpsc *ch);
void art_mpsc_close_rx(struct art_mpsc *ch);
int art_mpsc_try_send(struct art_mpsc *ch, const void *item);
int art_mpsc_try_recv(struct art_mpsc *ch, void *item);

/**
 * struct art_mpsc_send - a future that sends one item, awaiting capacity
 * @fut: future head
 * @ch: the channel
 * @item: the caller's item, copied when sent; valid until READY or drop
 * @space: waiting for room
 * @waiting: @space is in use
 */
struct art_mpsc_send {
	struct art_future fut;
	struct art_mpsc *ch;
	const void *item;
	struct art_notified space;
	bool waiting;
};

/**
 * struct art_mpsc_recv - a future that receives one item
 * @fut: future head
 * @ch: the channel
 * @item: where the item is copied
 * @data: waiting for an item
 * @waiting: @data is in use
 */
struct art_mpsc_recv {
	struct art_future fut;
	struct art_mpsc *ch;
	void *item;
	struct art_notified data;
	bool waiting;
};

void art_mpsc_send_init(struct art_mpsc_send *s, struct art_mpsc *ch,
			const void *item);
enum art_poll art_mpsc_send_poll(struct art_mpsc_send *s, struct art_cx *cx,
				 long *res);
void art_mpsc_send_drop(struct art_mpsc_send *s);
void art_mpsc_recv_init(struct art_mpsc_recv *r, struct art_mpsc *ch,
			void *item);
enum art_poll art_mpsc_recv_poll(struct art_mpsc_recv *r, struct art_cx *cx,
				 long *res);
void art_mpsc_recv_drop(struct art_mpsc_recv *r);

struct art_broadcast;

/**
 * struct art_broadcast_rx - a receiver of a broadcast channel (caller-owned)
 * @ch: the channel while subscribed, NULL after unsubscribing
 * @next: sequence number of the next value this receiver reads
 * @lagged: values this receiver missed, set when a receive reports
 *	-EOVERFLOW
 */
struct art_broadcast_rx {
	struct art_broadcast *ch;
	u64 next;
	u64 lagged;
};

struct art_broadcast *art_broadcast_new(unsigned int capacity, size_t item_size);
void art_broadcast_sender_get(struct art_broadcast *ch);
void art_broadcast_sender_put(struct art_broadcast *ch);
int art_broadcast_send(struct art_broadcast *ch, const void *item);
void art_broadcast_subscribe(struct art_broadcast *ch, struct art_broadcast_rx *rx);
void art_broadcast_unsubscribe(struct art_broadcast_rx *rx);
int art_broadcast_try_recv(struct art_broadcast_rx *rx, void *item);

/**
 * struct art_broadcast_recv - a future that receives the next value
 * @fut: future head
 * @rx: the receiver
 * @item: where the value is copied
 * @data: waiting for a value
 * @waiting: @data is in use
 */
struct art_broadcast_recv {
	struct art_future fut;
	struct art_broadcast_rx *rx;
	void *item;
	struct art_notified data;
	bool waiting;
};

/**
 * struct art_broadcast_closed - a future that completes when no receiver is
 * left
 * @fut: future head
 * @ch: the channel
 * @idle: waiting for the last receiver to leave
 * @waiting: @idle is in use
 */
struct art_broadcast_closed {
	struct art_future fut;
	struct art_broadcast *ch;
	struct art_notified idle;
	bool waiting;
};

void art_broadcast_recv_init(struct art_broadcast_recv *r,
			     struct art_broadcast_rx *rx, void *item);
enum art_poll art_broadcast_recv_poll(struct art_broadcast_recv *r,
				      struct art_cx *cx, long *res);
void art_broadcast_recv_drop(struct art_broadcast_recv *r);
void art_broadcast_closed_init(struct art_broadcast_closed *c,
			       struct art_broadcast *ch);
enum art_poll art_broadcast_closed_poll(struct art_broadcast_closed *c,
					struct art_cx *cx, long *res);
void art_broadcast_closed_drop(struct art_broadcast_closed *c);

struct art_watch;

/**
 * struct art_watch_rx - a receiver of a watch channel (caller-owned)
 * @ch: the channel while subscribed, NULL after unsubscribing
 * @seen: the version of the newest value this receiver has seen
 */
struct art_watch_rx {
	struct art_watch *ch;
	u64 seen;
};

struct art_watch *art_watch_new(size_t item_size, const void *init);
void art_watch_sender_get(struct art_watch *ch);
void art_watch_sender_put(struct art_watch *ch);
int art_watch_send(struct art_watch *ch, const void *item);
void art_watch_subscribe(struct art_watch *ch, struct art_watch_rx *rx);
void art_watch_unsubscribe(struct art_watch_rx *rx);
u64 art_watch_get(struct art_watch_rx *rx, void *item);
int art_watch_has_changed(struct art_watch_rx *rx);

/**
 * struct art_watch_changed - a future: a value the receiver has not seen
 * @fut: future head
 * @rx: the receiver
 * @item: where the newest value is copied, or NULL
 * @changed: waiting for a send
 * @waiting: @changed is in use
 */
struct art_watch_changed {
	struct art_future fut;
	struct art_watch_rx *rx;
	void *item;
	struct art_notified changed;
	bool waiting;
};

/**
 * struct art_watch_closed - a future that completes when no receiver is left
 * @fut: future head
 * @ch: the channel
 * @idle: waiting for the last receiver to leave
 * @waiting: @idle is in use
 */
struct art_watch_closed {
	struct art_future fut;
	struct art_watch *ch;
	struct art_notified idle;
	bool waiting;
};

void art_watch_changed_init(struct art_watch_changed *c,
			    struct art_watch_rx *rx, void *item);
enum art_poll art_watch_changed_poll(struct art_watch_changed *c,
				     struct art_cx *cx, long *res);
void art_watch_changed_drop(struct art_watch_changed *c);
void art_watch_closed_init(struct art_watch_closed *c, struct art_watch *ch);
enum art_poll art_watch_closed_poll(struct art_watch_closed *c,
				    struct art_cx *cx, long *res);
void art_watch_closed_drop(struct art_watch_closed *c);

/* ---------------------------------------------------------------------- */
/* Combinators                                                             */
/* ---------------------------------------------------------------------- */

#define ART_COMB_MAX	64

/**
 * struct art_join_all - completes when every child has completed
 * @fut: future head
 * @futs: the children (owned by the caller's state)
 * @res: their results, filled in as they complete
 * @n: number of children, at most %ART_COMB_MAX
 * @done: bitmap of completed children
 */
struct art_join_all {
	struct art_future fut;
	struct art_future **futs;
	long *res;
	unsigned int n;
	u64 done;
};

/**
 * struct art_select - completes with the first child to complete
 * @fut: future head
 * @futs: the children
 * @n: number of children, at most %ART_COMB_MAX
 * @winner: index of the child that completed, -1 before
 * @ended: the losers have been dropped
 */
struct art_select {
	struct art_future fut;
	struct art_future **futs;
	unsigned int n;
	int winner;
	bool ended;
};

/**
 * struct art_timeout - a child with a deadline; -ETIME if it passes
 * @fut: future head
 * @child: the future with a deadline
 * @sleep: the deadline
 * @ended: the child has been completed or dropped
 */
struct art_timeout {
	struct art_future fut;
	struct art_future *child;
	struct art_sleep sleep;
	bool ended;
};

/* art_chain_init() flags */
#define ART_CHAIN_ALWAYS	BIT(0) /* run second even if first failed */

/**
 * struct art_chain - run @first, then @second
 * @fut: future head
 * @first: runs first
 * @second: runs when @first completed with res >= 0, or always with
 *	%ART_CHAIN_ALWAYS; otherwise it is dropped with -ECANCELED
 * @flags: ART_CHAIN_*
 * @stage: 0 first, 1 second, 2 done
 * @first_res: the first's result
 */
struct art_chain {
	struct art_future fut;
	struct art_future *first;
	struct art_future *second;
	u32 flags;
	u32 stage;
	long first_res;
};

void art_join_all_init(struct art_join_all *j, struct art_future **futs,
		       long *res, unsigned int n);
void art_select_init(struct art_select *s, struct art_future **futs,
		     unsigned int n);
void art_timeout_init(struct art_timeout *t, struct art_future *child,
		      clockid_t clock, u64 ns, unsigned int flags);
void art_chain_init(struct art_chain *c, struct art_future *first,
		    struct art_future *second, unsigned int flags);

/**
 * struct art_yield - a future that is PENDING once, then READY
 * @fut: future head
 * @yielded: set after the first poll
 */
struct art_yield {
	struct art_future fut;
	bool yielded;
};

void art_yield_init(struct art_yield *y);
enum art_poll art_yield_now(struct art_yield *y, struct art_cx *cx, long *res);

/* ---------------------------------------------------------------------- */
/* Task groups                                                             */
/* ---------------------------------------------------------------------- */

/**
 * struct art_group - a set of tasks joined in completion order (JoinSet)
 * @rt: where the tasks run
 * @lock: protects the lists
 * @running: members not yet finished
 * @finished: members finished, oldest first
 * @ready: notified when a member finishes
 * @nr: members not yet joined
 */
struct art_group {
	struct art_runtime *rt;
	spinlock_t lock;		/* protects the lists and @nr */
	struct list_head running;
	struct list_head finished;
	struct art_notify ready;
	unsigned int nr;
};

void art_group_init(struct art_group *g, struct art_runtime *rt);
int art_group_spawn(struct art_group *g, size_t size,
		    int (*init)(struct art_future *f, void *arg), void *arg);
void art_group_abort_all(struct art_group *g);
void art_group_shutdown(struct art_group *g);

/**
 * struct art_group_next - a future: the result of the next member to finish
 * @fut: future head
 * @g: the group
 * @ready: waiting for a member
 * @waiting: @ready is in use
 */
struct art_group_next {
	struct art_future fut;
	struct art_group *g;
	struct art_notified ready;
	bool waiting;
};

void art_group_next_init(struct art_group_next *n, struct art_group *g);
enum art_poll art_group_next_poll(struct art_group_next *n, struct art_cx *cx,
				  long *res);
void art_group_next_drop(struct art_group_next *n);

/* ---------------------------------------------------------------------- */
/* Blocking work                                                           */
/* ---------------------------------------------------------------------- */

/**
 * struct art_blocking - run a function that may sleep, off the executor
 * @fut: future head
 * @fn: the function; runs on an unbound workqueue
 * @arg: for @fn
 * @job: internal
 */
struct art_blocking {
	struct art_future fut;
	long (*fn)(void *arg);
	void *arg;
	struct art_blocking_job *job;
};

void art_blocking_init(struct art_blocking *b, long (*fn)(void *arg),
		       void *arg);
enum art_poll art_blocking_poll(struct art_blocking *b, struct art_cx *cx,
				long *res);
void art_blocking_drop(struct art_blocking *b);

/* ---------------------------------------------------------------------- */
/* Testing                                                                 */
/* ---------------------------------------------------------------------- */

void art_fault_inject(unsigned int nth);

#endif /* _LINUX_ASYNCRT_H */
