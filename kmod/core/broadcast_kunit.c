// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite asyncrt_broadcast: every receiver sees every value sent after
 * it subscribed, in order; a receiver that falls more than the capacity
 * behind gets -EOVERFLOW with the exact count and resumes at the oldest
 * value retained; closing the senders ends receivers after what they have
 * not read, closing the receivers ends senders; a dropped pending receive
 * loses no value; a storm of sends from an hrtimer (hardirq) to receivers
 * on two workers loses nothing it should not; -ENOMEM.
 */
#include <linux/hrtimer.h>

#include "kunit_util.h"

/* What a receiver task saw; read by the test once the task has ended. */
struct bcrx_out {
	u64 expect;		/* the value it expects next */
	u64 got;
	u64 lag;		/* sum of the -EOVERFLOW counts */
	u64 bad;		/* values other than expected */
};

/* A task receiving until the channel ends; the values sent are 0, 1, ... */
struct bcrx {
	struct art_future fut;
	struct art_co co;
	struct art_broadcast_rx *rx;
	struct art_broadcast_recv r;
	struct bcrx_out *out;
	u64 item;
	long res;
};

static enum art_poll bcrx_poll(struct art_future *f, struct art_cx *cx, long *res)
{
	struct bcrx *b = container_of(f, struct bcrx, fut);
	struct bcrx_out *o = b->out;

	art_co_begin(&b->co);
	for (;;) {
		art_broadcast_recv_init(&b->r, b->rx, &b->item);
		art_co_await(&b->co, art_broadcast_recv_poll(&b->r, cx, &b->res));
		if (b->res == -EOVERFLOW) {
			o->lag += b->rx->lagged;
			o->expect += b->rx->lagged;
			continue;
		}
		if (b->res)
			break;
		if (b->item != o->expect)
			o->bad++;
		o->expect = b->item + 1;
		o->got++;
	}
	art_co_return(&b->co, res, b->res);
	art_co_end(&b->co, res);
}

static void bcrx_drop(struct art_future *f, long res)
{
	art_broadcast_recv_drop(&container_of(f, struct bcrx, fut)->r);
}

static const struct art_future_ops bcrx_ops = {
	.poll = bcrx_poll,
	.drop = bcrx_drop,
};

static struct art_task *spawn_bcrx(struct art_runtime *rt,
				   struct art_broadcast_rx *rx,
				   struct bcrx_out *out)
{
	struct bcrx b = { .fut.ops = &bcrx_ops, .rx = rx, .out = out };

	return art_spawn_copy(rt, &b.fut, sizeof(b), 0);
}

static void send_range(struct kunit *test, struct art_broadcast *ch,
		       u64 from, u64 to)
{
	u64 v;

	for (v = from; v < to; v++)
		KUNIT_EXPECT_EQ(test, art_broadcast_send(ch, &v), 0);
}

/* Sixteen waiting receivers each get all fifty values, in order. */
static void art_broadcast_send_reaches_every_receiver(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_broadcast_rx *rx = kunit_kcalloc(test, 16, sizeof(*rx), GFP_KERNEL);
	struct bcrx_out *out = kunit_kcalloc(test, 16, sizeof(*out), GFP_KERNEL);
	struct art_broadcast *ch = art_broadcast_new(64, sizeof(u64));
	struct art_task *t[16];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, rx);
	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_NOT_NULL(test, ch);
	for (i = 0; i < 16; i++) {
		art_broadcast_subscribe(ch, &rx[i]);
		t[i] = spawn_bcrx(rt, &rx[i], &out[i]);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
	}
	art_kunit_quiesce(test, rt);	/* all pending: the sends must wake them */
	send_range(test, ch, 0, 50);
	art_broadcast_sender_put(ch);
	for (i = 0; i < 16; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(t[i]), -EPIPE);
		KUNIT_EXPECT_EQ(test, out[i].got, 50ULL);
		KUNIT_EXPECT_EQ(test, out[i].lag, 0ULL);
		KUNIT_EXPECT_EQ(test, out[i].bad, 0ULL);
		art_task_put(t[i]);
		art_broadcast_unsubscribe(&rx[i]);
	}
}

/* A receiver sees the values sent after it subscribed, not before. */
static void art_broadcast_subscribe_sees_only_later_values(struct kunit *test)
{
	struct art_broadcast *ch = art_broadcast_new(8, sizeof(u64));
	struct art_broadcast_rx early, late;
	u64 v;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	art_broadcast_subscribe(ch, &early);
	send_range(test, ch, 0, 3);
	art_broadcast_subscribe(ch, &late);
	send_range(test, ch, 3, 5);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&late, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 3ULL);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&early, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&late, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 4ULL);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&late, &v), -EAGAIN);
	art_broadcast_unsubscribe(&early);
	art_broadcast_unsubscribe(&late);
	art_broadcast_sender_put(ch);
}

/*
 * Capacity 4, ten values sent: the receiver learns it missed exactly six
 * and reads 6..9; a task receiver does the same through the future.
 */
static void art_broadcast_try_recv_lagged_reports_count_and_skips_ahead(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_broadcast *ch = art_broadcast_new(4, sizeof(u64));
	struct art_broadcast_rx rx, trx;
	struct bcrx_out out = {};
	struct art_task *t;
	u64 v, want;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	art_broadcast_subscribe(ch, &rx);
	art_broadcast_subscribe(ch, &trx);
	send_range(test, ch, 0, 10);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&rx, &v), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, rx.lagged, 6ULL);
	for (want = 6; want < 10; want++) {
		KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&rx, &v), 0);
		KUNIT_EXPECT_EQ(test, v, want);
	}
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&rx, &v), -EAGAIN);
	/* Lag again after catching up: counted from where it stopped. */
	send_range(test, ch, 10, 15);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&rx, &v), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, rx.lagged, 1ULL);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&rx, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 11ULL);

	/* The task's receiver is 15 behind a ring of 4. */
	t = spawn_bcrx(rt, &trx, &out);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	art_broadcast_sender_put(ch);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -EPIPE);
	KUNIT_EXPECT_EQ(test, out.lag, 11ULL);
	KUNIT_EXPECT_EQ(test, out.got, 4ULL);
	KUNIT_EXPECT_EQ(test, out.expect, 15ULL);
	KUNIT_EXPECT_EQ(test, out.bad, 0ULL);
	art_task_put(t);
	art_broadcast_unsubscribe(&rx);
	art_broadcast_unsubscribe(&trx);
}

/* The last sender's close ends a waiting receiver after its unread values. */
static void art_broadcast_sender_put_last_drains_then_epipe(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_broadcast *ch = art_broadcast_new(4, sizeof(u64));
	struct art_broadcast_rx rx, idle;
	struct bcrx_out out = {};
	struct art_task *t;
	u64 v;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	art_broadcast_subscribe(ch, &rx);
	art_broadcast_subscribe(ch, &idle);
	art_broadcast_sender_get(ch);
	t = spawn_bcrx(rt, &rx, &out);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	send_range(test, ch, 0, 2);
	art_broadcast_sender_put(ch);
	/* One sender left: the receiver must still be waiting. */
	KUNIT_EXPECT_EQ(test, art_task_wait(t, HZ / 5), -ETIMEDOUT);
	send_range(test, ch, 2, 3);
	art_broadcast_sender_put(ch);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -EPIPE);
	KUNIT_EXPECT_EQ(test, out.got, 3ULL);
	/* The other receiver had not read: values first, then -EPIPE. */
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&idle, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&idle, &v), 0);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&idle, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 2ULL);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&idle, &v), -EPIPE);
	art_task_put(t);
	art_broadcast_unsubscribe(&rx);
	art_broadcast_unsubscribe(&idle);
}

/* A sender awaiting "no receiver left". */
struct bcclosed {
	struct art_future fut;
	struct art_broadcast_closed c;
};

static enum art_poll bcclosed_poll(struct art_future *f, struct art_cx *cx,
				   long *res)
{
	return art_broadcast_closed_poll(&container_of(f, struct bcclosed, fut)->c,
					 cx, res);
}

static void bcclosed_drop(struct art_future *f, long res)
{
	art_broadcast_closed_drop(&container_of(f, struct bcclosed, fut)->c);
}

static const struct art_future_ops bcclosed_ops = {
	.poll = bcclosed_poll,
	.drop = bcclosed_drop,
};

/* The last receiver leaving wakes a waiting sender; sends then fail. */
static void art_broadcast_unsubscribe_last_wakes_sender(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_broadcast *ch = art_broadcast_new(4, sizeof(u64));
	struct bcclosed c = { .fut.ops = &bcclosed_ops };
	struct art_broadcast_rx a, b;
	struct art_task *t;
	u64 v = 1;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	KUNIT_EXPECT_EQ(test, art_broadcast_send(ch, &v), -EPIPE);
	art_broadcast_subscribe(ch, &a);
	art_broadcast_subscribe(ch, &b);
	art_broadcast_closed_init(&c.c, ch);
	t = art_spawn_copy(rt, &c.fut, sizeof(c), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	art_broadcast_unsubscribe(&a);
	art_broadcast_unsubscribe(&a);	/* idempotent */
	KUNIT_EXPECT_EQ(test, art_task_wait(t, HZ / 5), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, art_broadcast_send(ch, &v), 0);
	art_broadcast_unsubscribe(&b);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 0);
	KUNIT_EXPECT_EQ(test, art_broadcast_send(ch, &v), -EPIPE);
	art_task_put(t);
	art_broadcast_sender_put(ch);
}

/* Aborting a task pending on a receive loses no value for that receiver. */
static void art_broadcast_recv_drop_pending_loses_no_value(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_broadcast *ch = art_broadcast_new(4, sizeof(u64));
	struct art_broadcast_rx rx;
	struct bcrx_out out = {};
	struct art_task *t;
	u64 v = 0;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	art_broadcast_subscribe(ch, &rx);
	t = spawn_bcrx(rt, &rx, &out);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	art_kunit_quiesce(test, rt);
	art_task_abort(t);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -ECANCELED);
	KUNIT_EXPECT_EQ(test, out.got, 0ULL);
	send_range(test, ch, 7, 8);
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&rx, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 7ULL);
	art_task_put(t);
	art_broadcast_unsubscribe(&rx);
	art_broadcast_sender_put(ch);
}

/*
 * A receive raced against a 1 ms timeout: the timeout wins and drops the
 * pending receive; the next receive must still get the value sent after.
 * Returns that value, or -EBUSY if the first receive got one.
 */
struct bctimeout {
	struct art_future fut;
	struct art_co co;
	struct art_broadcast_rx *rx;
	struct art_broadcast_recv r;
	struct art_timeout to;
	u64 item;
	long res;
};

static enum art_poll bctimeout_poll(struct art_future *f, struct art_cx *cx,
				    long *res)
{
	struct bctimeout *b = container_of(f, struct bctimeout, fut);

	art_co_begin(&b->co);
	art_broadcast_recv_init(&b->r, b->rx, &b->item);
	art_timeout_init(&b->to, &b->r.fut, CLOCK_MONOTONIC, NSEC_PER_MSEC, 0);
	art_co_await(&b->co, art_future_poll(&b->to.fut, cx, &b->res));
	art_future_drop(&b->to.fut, b->res);
	if (b->res != -ETIME)
		art_co_return(&b->co, res, -EBUSY);
	art_broadcast_recv_init(&b->r, b->rx, &b->item);
	art_co_await(&b->co, art_broadcast_recv_poll(&b->r, cx, &b->res));
	art_co_return(&b->co, res, b->res ? b->res : (long)b->item);
	art_co_end(&b->co, res);
}

static void bctimeout_drop(struct art_future *f, long res)
{
	struct bctimeout *b = container_of(f, struct bctimeout, fut);

	if (b->to.fut.ops)
		art_future_drop(&b->to.fut, -ECANCELED);
	art_broadcast_recv_drop(&b->r);
}

static const struct art_future_ops bctimeout_ops = {
	.poll = bctimeout_poll,
	.drop = bctimeout_drop,
};

static void art_broadcast_recv_drop_by_timeout_loses_no_value(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_broadcast *ch = art_broadcast_new(4, sizeof(u64));
	struct bctimeout b = { .fut.ops = &bctimeout_ops };
	struct art_broadcast_rx rx;
	struct art_task *t;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	art_broadcast_subscribe(ch, &rx);
	b.rx = &rx;
	t = art_spawn_copy(rt, &b.fut, sizeof(b), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	/* Long after the 1 ms timeout: the task waits in its second receive. */
	KUNIT_EXPECT_EQ(test, art_task_wait(t, HZ), -ETIMEDOUT);
	send_range(test, ch, 9, 10);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 9);
	art_task_put(t);
	art_broadcast_unsubscribe(&rx);
	art_broadcast_sender_put(ch);
}

/* Sends from a hard hrtimer: four values per expiry, then close. */
#define BC_STORM_VALUES	4000
#define BC_STORM_RX	8

struct bcstorm {
	struct hrtimer timer;
	struct art_broadcast *ch;
	u64 next;
	unsigned int refused;
};

static enum hrtimer_restart bcstorm_fn(struct hrtimer *h)
{
	struct bcstorm *s = container_of(h, struct bcstorm, timer);
	int i;

	for (i = 0; i < 4 && s->next < BC_STORM_VALUES; i++, s->next++)
		if (art_broadcast_send(s->ch, &s->next))
			s->refused++;
	if (s->next < BC_STORM_VALUES) {
		hrtimer_forward_now(h, ns_to_ktime(10 * NSEC_PER_USEC));
		return HRTIMER_RESTART;
	}
	art_broadcast_sender_put(s->ch);	/* receivers hold references */
	return HRTIMER_NORESTART;
}

/*
 * Every receiver accounts for every value exactly once, as received or
 * as lagged, with the received ones in order, whatever the interleaving
 * of hardirq sends and receivers on two workers.
 */
static void art_broadcast_send_storm_from_hrtimer_accounts_every_value(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 2);
	struct art_broadcast_rx *rx = kunit_kcalloc(test, BC_STORM_RX, sizeof(*rx),
						    GFP_KERNEL);
	struct bcrx_out *out = kunit_kcalloc(test, BC_STORM_RX, sizeof(*out),
					     GFP_KERNEL);
	struct bcstorm *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct art_task *t[BC_STORM_RX];
	u64 lag = 0, got = 0;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, rx);
	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->ch = art_broadcast_new(8, sizeof(u64));
	KUNIT_ASSERT_NOT_NULL(test, s->ch);
	for (i = 0; i < BC_STORM_RX; i++) {
		art_broadcast_subscribe(s->ch, &rx[i]);
		t[i] = spawn_bcrx(rt, &rx[i], &out[i]);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
	}
	hrtimer_init(&s->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	s->timer.function = bcstorm_fn;
	hrtimer_start(&s->timer, ns_to_ktime(10 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	for (i = 0; i < BC_STORM_RX; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(t[i]), -EPIPE);
		KUNIT_EXPECT_EQ(test, out[i].expect, (u64)BC_STORM_VALUES);
		KUNIT_EXPECT_EQ(test, out[i].got + out[i].lag, (u64)BC_STORM_VALUES);
		KUNIT_EXPECT_EQ(test, out[i].bad, 0ULL);
		got += out[i].got;
		lag += out[i].lag;
		art_task_put(t[i]);
	}
	hrtimer_cancel(&s->timer);
	KUNIT_EXPECT_EQ(test, s->refused, 0U);
	kunit_info(test, "%llu received, %llu lagged over %d receivers",
		   got, lag, BC_STORM_RX);
	for (i = 0; i < BC_STORM_RX; i++)
		art_broadcast_unsubscribe(&rx[i]);
}

/* Allocation failure: NULL, nothing half-built, and the next one works. */
static void art_broadcast_new_enomem(struct kunit *test)
{
	struct art_broadcast *ch;
	struct art_broadcast_rx rx;
	u64 v = 5;

	art_fault_inject(1);
	ch = art_broadcast_new(16, sizeof(u64));
	art_fault_inject(0);
	KUNIT_EXPECT_NULL(test, ch);
	KUNIT_EXPECT_NULL(test, art_broadcast_new(0, sizeof(u64)));
	KUNIT_EXPECT_NULL(test, art_broadcast_new(16, 0));
	ch = art_broadcast_new(16, sizeof(u64));
	KUNIT_ASSERT_NOT_NULL(test, ch);
	art_broadcast_subscribe(ch, &rx);
	KUNIT_EXPECT_EQ(test, art_broadcast_send(ch, &v), 0);
	v = 0;
	KUNIT_EXPECT_EQ(test, art_broadcast_try_recv(&rx, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 5ULL);
	art_broadcast_unsubscribe(&rx);
	art_broadcast_sender_put(ch);
}

static struct kunit_case art_broadcast_cases[] = {
	KUNIT_CASE(art_broadcast_send_reaches_every_receiver),
	KUNIT_CASE(art_broadcast_subscribe_sees_only_later_values),
	KUNIT_CASE(art_broadcast_try_recv_lagged_reports_count_and_skips_ahead),
	KUNIT_CASE(art_broadcast_sender_put_last_drains_then_epipe),
	KUNIT_CASE(art_broadcast_unsubscribe_last_wakes_sender),
	KUNIT_CASE(art_broadcast_recv_drop_pending_loses_no_value),
	KUNIT_CASE(art_broadcast_recv_drop_by_timeout_loses_no_value),
	KUNIT_CASE(art_broadcast_send_storm_from_hrtimer_accounts_every_value),
	KUNIT_CASE(art_broadcast_new_enomem),
	{}
};

static struct kunit_suite art_broadcast_suite = {
	.name = "asyncrt_broadcast",
	.test_cases = art_broadcast_cases,
};

kunit_test_suite(art_broadcast_suite);
