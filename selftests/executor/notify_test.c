// SPDX-License-Identifier: GPL-2.0
/*
 * Description: notify/wait through kernel wait queues, from the executor:
 * a task woken by another thread, and by another process (the queue's fd
 * inherited across fork), a stored permit taken by a later wait, WAKE of
 * every waiting task with the count reported, the compare-value wait
 * refusing a changed word, and the abort of a task blocked in a wait; a
 * dropped wait's wake-up handed on if NOTIFY's, not if WAKE's.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "executor/rt_helpers.h"

FIXTURE(notify) {
	struct asyncrt_rt *rt;
	int wq;
};

FIXTURE_SETUP(notify)
{
	int ret = asyncrt_rt_create(&self->rt, NULL);

	ASSERT_EQ(0, ret) TH_LOG("rt: %s", asyncrt_strerror_hint(ret));
	self->wq = -1;
	if (asyncrt_rt_ops(self->rt) & ASYNCRT_OP_BIT(ASYNCRT_OP_WAIT)) {
		self->wq = asyncrt_wq_new(self->rt);
		ASSERT_LE(0, self->wq);
	}
}

FIXTURE_TEARDOWN(notify)
{
	if (self->wq >= 0)
		close(self->wq);
	asyncrt_rt_destroy(self->rt);
}

/* One wait-queue op as a task: 0 wait, 1 notify, 2 wake all, 3 wait_cmp. */
struct wq_task {
	struct asyncrt_co co;
	struct asyncrt_op op;
	int kind, wq;
	uint32_t *word, value;
	long r;
};

static enum asyncrt_poll wq_task(struct asyncrt_cx *cx, void *state, long *res)
{
	struct wq_task *t = state;

	asyncrt_co_begin(&t->co);
	switch (t->kind) {
	case 0:
		asyncrt_wq_wait_init(&t->op, t->wq);
		break;
	case 1:
		asyncrt_wq_notify_init(&t->op, t->wq);
		break;
	case 2:
		asyncrt_wq_wake_init(&t->op, t->wq, 0);
		break;
	default:
		asyncrt_wq_wait_cmp_init(&t->op, t->wq, t->word, t->value);
		break;
	}
	asyncrt_co_await(&t->co, asyncrt_op_poll(&t->op, cx, &t->r));
	asyncrt_co_return(&t->co, res, t->r);
	asyncrt_co_end(&t->co, res);
}

/* Another thread, with a runtime of its own, notifies after a while. */
static void *notifier(void *arg)
{
	struct wq_task t = { .kind = 1, .wq = *(int *)arg };
	struct asyncrt_rt *rt;
	long res = -1;

	usleep(20000);
	if (asyncrt_rt_create(&rt, NULL))
		return (void *)-1L;
	asyncrt_block_on(rt, wq_task, &t, sizeof(t), &res);
	asyncrt_rt_destroy(rt);
	return (void *)res;
}

TEST_F(notify, task_woken_by_another_thread)
{
	struct wq_task t = { .kind = 0 };
	pthread_t th;
	void *tres;
	long res = -1;

	REQUIRE_OP(self->rt, ASYNCRT_OP_WAIT, "wait queues");
	t.wq = self->wq;
	ASSERT_EQ(0, pthread_create(&th, NULL, notifier, &self->wq));
	ASSERT_EQ(0, asyncrt_block_on(self->rt, wq_task, &t, sizeof(t), &res));
	EXPECT_EQ(0, res);
	ASSERT_EQ(0, pthread_join(th, &tres));
	/* 1 if it woke our waiter, 0 if it stored a permit we took. */
	EXPECT_LE(0, (long)tres);
}

TEST_F(notify, task_woken_by_another_process)
{
	struct wq_task t = { .kind = 0 };
	int status;
	long res = -1;
	pid_t pid;

	REQUIRE_OP(self->rt, ASYNCRT_OP_WAIT, "wait queues");
	t.wq = self->wq;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* A child makes its own runtime; the queue fd came with fork. */
		_exit(notifier(&self->wq) == (void *)-1L ? 1 : 0);
	}
	ASSERT_EQ(0, asyncrt_block_on(self->rt, wq_task, &t, sizeof(t), &res));
	EXPECT_EQ(0, res);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(notify, stored_permit_is_taken_by_the_next_wait)
{
	struct wq_task t = { .kind = 1 };
	long res = -1;

	REQUIRE_OP(self->rt, ASYNCRT_OP_WAIT, "wait queues");
	t.wq = self->wq;
	ASSERT_EQ(0, asyncrt_block_on(self->rt, wq_task, &t, sizeof(t), &res));
	EXPECT_EQ(0, res);		/* nobody waited: a permit is stored */
	t = (struct wq_task){ .kind = 0, .wq = self->wq };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, wq_task, &t, sizeof(t), &res));
	EXPECT_EQ(0, res);
}

TEST_F(notify, compare_wait_refuses_a_changed_word)
{
	uint32_t word = 5;
	struct wq_task t = { .kind = 3, .word = &word, .value = 4 };
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_WAIT, "wait queues");
	t.wq = self->wq;
	ASSERT_EQ(0, asyncrt_block_on(self->rt, wq_task, &t, sizeof(t), &res));
	EXPECT_EQ(-EAGAIN, res);
}

/* Spawns n waiters, lets them reach the kernel, wakes all, joins them. */
struct wake_all {
	struct asyncrt_co co;
	struct asyncrt_task *h[3];
	struct asyncrt_join j;
	struct asyncrt_sleep nap;
	struct wq_task waker;
	int wq, i, ok;
	long r, woken;
};

static enum asyncrt_poll wake_all(struct asyncrt_cx *cx, void *state, long *res)
{
	struct wake_all *w = state;
	struct wq_task t = { .kind = 0, .wq = w->wq };

	asyncrt_co_begin(&w->co);
	for (w->i = 0; w->i < 3; w->i++)
		asyncrt_spawn(cx->rt, wq_task, &t, sizeof(t), &w->h[w->i]);
	asyncrt_sleep_init(&w->nap, 20 * MS);
	asyncrt_co_await(&w->co, asyncrt_sleep_poll(&w->nap, cx, &w->r));
	w->waker = (struct wq_task){ .kind = 2, .wq = w->wq };
	asyncrt_co_await(&w->co, wq_task(cx, &w->waker, &w->woken));
	for (w->i = 0; w->i < 3; w->i++) {
		asyncrt_join_init(&w->j, w->h[w->i]);
		asyncrt_co_await(&w->co, asyncrt_join_poll(&w->j, cx, &w->r));
		w->ok += w->r == 0;
	}
	asyncrt_co_return(&w->co, res, w->woken);
	asyncrt_co_end(&w->co, res);
}

TEST_F(notify, wake_all_wakes_every_waiting_task)
{
	struct wake_all w = { 0 };
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_WAIT, "wait queues");
	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	w.wq = self->wq;
	ASSERT_EQ(0, asyncrt_block_on(self->rt, wake_all, &w, 0, &res));
	EXPECT_EQ(3, res);
	EXPECT_EQ(3, w.ok);
}

/* Spawns a waiter, aborts it once it waits, joins it. */
struct abort_waiter {
	struct asyncrt_co co;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	int wq;
	long r;
};

static enum asyncrt_poll abort_waiter(struct asyncrt_cx *cx, void *state, long *res)
{
	struct abort_waiter *a = state;
	struct wq_task t = { .kind = 0, .wq = a->wq };

	asyncrt_co_begin(&a->co);
	asyncrt_spawn(cx->rt, wq_task, &t, sizeof(t), &a->h);
	asyncrt_co_yield(&a->co, cx);
	asyncrt_co_yield(&a->co, cx);
	asyncrt_task_abort(a->h);
	asyncrt_join_init(&a->j, a->h);
	asyncrt_co_await(&a->co, asyncrt_join_poll(&a->j, cx, &a->r));
	asyncrt_co_return(&a->co, res, a->r);
	asyncrt_co_end(&a->co, res);
}

/*
 * A wait bounded by a timeout, generous unless @ms says otherwise, so a
 * lost wake fails, not hangs.
 */
struct bounded_wait {
	struct asyncrt_co co;
	struct asyncrt_op op;
	struct asyncrt_timeout to;
	int wq, ms;
	long r;
};

static enum asyncrt_poll bounded_wait(struct asyncrt_cx *cx, void *state, long *res)
{
	struct bounded_wait *b = state;

	asyncrt_co_begin(&b->co);
	asyncrt_wq_wait_init(&b->op, b->wq);
	asyncrt_timeout_init(&b->to, &b->op.fut, (b->ms ? b->ms : 5000) * MS);
	asyncrt_co_await(&b->co, asyncrt_timeout_poll(&b->to, cx, &b->r));
	asyncrt_co_return(&b->co, res, b->r);
	asyncrt_co_end(&b->co, res);
}

TEST_F(notify, abort_of_task_blocked_in_wait_loses_no_notify)
{
	struct abort_waiter a = { 0 };
	struct wq_task t = { .kind = 1 };
	struct bounded_wait b = { 0 };
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_WAIT, "wait queues");
	REQUIRE_OP(self->rt, ASYNCRT_OP_CANCEL, "CANCEL");
	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	a.wq = self->wq;
	ASSERT_EQ(0, asyncrt_block_on(self->rt, abort_waiter, &a, 0, &res));
	EXPECT_EQ(-ECANCELED, res);
	/*
	 * A notify right after the abort may still reach the dying wait; the
	 * runtime then hands it on, so the next wait gets it either way.
	 */
	t.wq = self->wq;
	ASSERT_EQ(0, asyncrt_block_on(self->rt, wq_task, &t, sizeof(t), &res));
	EXPECT_LE(0, res);
	b.wq = self->wq;
	ASSERT_EQ(0, asyncrt_block_on(self->rt, bounded_wait, &b, 0, &res));
	EXPECT_EQ(0, res);
}

/*
 * Spawns a waiter, lets it reach the kernel, then wakes it through a ring
 * of its own (WAKE or NOTIFY, @op) and aborts it before the runtime
 * reaps: the completion comes for a dropped wait. The runtime hands a
 * NOTIFY's wake-up on, and a WAKE's is no permit (ASYNCRT_CQE_F_NOTIFY).
 */
struct orphan_wake {
	struct asyncrt_co co;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	struct asyncrt_sleep nap;
	int wq, op;
	long r, woke;
};

static long wake_from_own_ring(int wq, int op)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe *cqe;
	long res;

	if (asyncrt_ring_init(&ring, 4))
		return -1000;
	if (op == ASYNCRT_OP_WAKE)
		asyncrt_prep_wake(asyncrt_get_sqe(&ring), wq, 1, 1);
	else
		asyncrt_prep_notify(asyncrt_get_sqe(&ring), wq, 1);
	res = asyncrt_submit(&ring) == 1 && !asyncrt_wait_cqe(&ring, &cqe) ? cqe->res : -1001;
	asyncrt_ring_exit(&ring);
	return res;
}

static enum asyncrt_poll orphan_wake(struct asyncrt_cx *cx, void *state, long *res)
{
	struct orphan_wake *o = state;
	struct wq_task t = { .kind = 0, .wq = o->wq };

	asyncrt_co_begin(&o->co);
	asyncrt_spawn(cx->rt, wq_task, &t, sizeof(t), &o->h);
	asyncrt_sleep_init(&o->nap, 20 * MS);
	asyncrt_co_await(&o->co, asyncrt_sleep_poll(&o->nap, cx, &o->r));
	/* No await from here to the abort: the runtime reaps nothing. */
	o->woke = wake_from_own_ring(o->wq, o->op);
	asyncrt_task_abort(o->h);
	asyncrt_join_init(&o->j, o->h);
	asyncrt_co_await(&o->co, asyncrt_join_poll(&o->j, cx, &o->r));
	asyncrt_co_return(&o->co, res, o->r);
	asyncrt_co_end(&o->co, res);
}

TEST_F(notify, dropped_wait_hands_on_notify_but_no_wake)
{
	static const int ops[2] = { ASYNCRT_OP_NOTIFY, ASYNCRT_OP_WAKE };
	long res;

	REQUIRE_OP(self->rt, ASYNCRT_OP_WAIT, "wait queues");
	REQUIRE_OP(self->rt, ASYNCRT_OP_CANCEL, "CANCEL");
	REQUIRE_OP(self->rt, ASYNCRT_OP_SLEEP, "SLEEP");
	for (int i = 0; i < 2; i++) {
		struct orphan_wake o = { .wq = self->wq, .op = ops[i] };
		struct bounded_wait b = { .wq = self->wq, .ms = 200 };

		res = 0;
		ASSERT_EQ(0, asyncrt_block_on(self->rt, orphan_wake, &o, 0, &res));
		/* The waiter was queued, woken, then dropped. */
		EXPECT_EQ(1, o.woke) TH_LOG("op %d", ops[i]);
		EXPECT_EQ(-ECANCELED, res) TH_LOG("op %d", ops[i]);
		res = 1;
		ASSERT_EQ(0, asyncrt_block_on(self->rt, bounded_wait, &b, 0, &res));
		/* NOTIFY's wake-up handed on; nothing stored for WAKE's. */
		EXPECT_EQ(ops[i] == ASYNCRT_OP_NOTIFY ? 0 : -ETIME, res) TH_LOG("op %d", ops[i]);
	}
}

TEST_F(notify, wq_new_bad_input)
{
	EXPECT_EQ(-EINVAL, asyncrt_wq_new(NULL));
}

TEST_HARNESS_MAIN
