// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite asyncrt_chan: oneshot delivery and close semantics on both
 * sides; bounded mpsc ordering under backpressure with several producers,
 * close of the receiver waking blocked senders, the last sender's close
 * ending the receiver after the buffered items, and -ENOMEM.
 */
#include "kunit_util.h"

struct osrx {
	struct art_future fut;
	struct art_oneshot_recv r;
};

static enum art_poll osrx_poll(struct art_future *f, struct art_cx *cx, long *res)
{
	return art_oneshot_recv_poll(&container_of(f, struct osrx, fut)->r, cx, res);
}

static void osrx_drop(struct art_future *f, long res)
{
	art_oneshot_recv_drop(&container_of(f, struct osrx, fut)->r);
}

static const struct art_future_ops osrx_ops = {
	.poll = osrx_poll,
	.drop = osrx_drop,
};

static struct art_task *spawn_osrx(struct art_runtime *rt, struct art_oneshot *os)
{
	struct osrx r = { .fut.ops = &osrx_ops };

	art_oneshot_recv_init(&r.r, os);
	return art_spawn_copy(rt, &r.fut, sizeof(r), 0);
}

/* A value sent to a waiting receiver arrives. */
static void art_oneshot_send_delivers_value(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_oneshot *os = art_oneshot_new();
	struct art_task *t;

	KUNIT_ASSERT_NOT_NULL(test, os);
	t = spawn_osrx(rt, os);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_task_wait(t, HZ / 10), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, art_oneshot_send(os, 1234), 0);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), 1234);
	art_oneshot_close_rx(os);
	art_task_put(t);
}

/* Closing the sender without a value gives the receiver -EPIPE. */
static void art_oneshot_close_tx_gives_receiver_epipe(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_oneshot *os = art_oneshot_new();
	struct art_task *t;

	KUNIT_ASSERT_NOT_NULL(test, os);
	t = spawn_osrx(rt, os);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	art_kunit_quiesce(test, rt);
	art_oneshot_close_tx(os);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -EPIPE);
	art_oneshot_close_rx(os);
	art_task_put(t);
}

/* Sending to a closed receiver fails with -EPIPE. */
static void art_oneshot_send_after_close_rx_is_epipe(struct kunit *test)
{
	struct art_oneshot *os = art_oneshot_new();

	KUNIT_ASSERT_NOT_NULL(test, os);
	art_oneshot_close_rx(os);
	KUNIT_EXPECT_EQ(test, art_oneshot_send(os, 1), -EPIPE);
}

/* A producer task sending a sequence of items through an mpsc. */
struct producer {
	struct art_future fut;
	struct art_co co;
	struct art_mpsc *ch;
	struct art_mpsc_send s;
	u32 item;
	u32 base, i, n;
	long r;
};

static enum art_poll producer_poll(struct art_future *f, struct art_cx *cx,
				   long *res)
{
	struct producer *p = container_of(f, struct producer, fut);

	art_co_begin(&p->co);
	for (p->i = 0; p->i < p->n; p->i++) {
		p->item = p->base + p->i;
		art_mpsc_send_init(&p->s, p->ch, &p->item);
		art_co_await(&p->co, art_mpsc_send_poll(&p->s, cx, &p->r));
		if (p->r < 0)
			art_co_return(&p->co, res, p->r);
	}
	art_co_return(&p->co, res, p->i);
	art_co_end(&p->co, res);
}

static void producer_drop(struct art_future *f, long res)
{
	struct producer *p = container_of(f, struct producer, fut);

	art_mpsc_send_drop(&p->s);
	art_mpsc_sender_put(p->ch);
}

static const struct art_future_ops producer_ops = {
	.poll = producer_poll,
	.drop = producer_drop,
};

/* The consumer: receives until -EPIPE; checks per-producer order. */
struct consumer {
	struct art_future fut;
	struct art_co co;
	struct art_mpsc *ch;
	struct art_mpsc_recv rv;
	u32 item;
	u32 next[4];
	long count, bad, r;
};

static enum art_poll consumer_poll(struct art_future *f, struct art_cx *cx,
				   long *res)
{
	struct consumer *c = container_of(f, struct consumer, fut);

	art_co_begin(&c->co);
	for (;;) {
		art_mpsc_recv_init(&c->rv, c->ch, &c->item);
		art_co_await(&c->co, art_mpsc_recv_poll(&c->rv, cx, &c->r));
		if (c->r < 0)
			break;
		if (c->item != c->next[c->item / 100000])
			c->bad++;
		c->next[c->item / 100000] = c->item + 1;
		c->count++;
	}
	art_co_return(&c->co, res, c->bad ? -EILSEQ : c->count);
	art_co_end(&c->co, res);
}

static void consumer_drop(struct art_future *f, long res)
{
	art_mpsc_recv_drop(&container_of(f, struct consumer, fut)->rv);
}

static const struct art_future_ops consumer_ops = {
	.poll = consumer_poll,
	.drop = consumer_drop,
};

/* Four producers, capacity 2: every item arrives once, in order per producer. */
static void art_mpsc_send_poll_backpressure_keeps_order(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_mpsc *ch = art_mpsc_new(2, sizeof(u32));
	struct producer p = { .fut.ops = &producer_ops, .n = 500 };
	struct consumer c = { .fut.ops = &consumer_ops };
	struct art_task *pt[4], *ct;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	p.ch = ch;
	c.ch = ch;
	for (i = 0; i < 4; i++) {
		c.next[i] = i * 100000;
		art_mpsc_sender_get(ch);	/* the producer's own */
		p.base = i * 100000;
		pt[i] = art_spawn_copy(rt, &p.fut, sizeof(p), 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(pt[i]));
	}
	art_mpsc_sender_put(ch);		/* ours: producers keep it open */
	ct = art_spawn_copy(rt, &c.fut, sizeof(c), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ct));
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, art_kunit_wait(pt[i]), 500);
		art_task_put(pt[i]);
	}
	/* The last producer's drop closed the senders: the consumer ends. */
	KUNIT_EXPECT_EQ(test, art_kunit_wait(ct), 2000);
	art_mpsc_close_rx(ch);
	art_task_put(ct);
}

/* Closing the receiver wakes a sender blocked on a full channel with -EPIPE. */
static void art_mpsc_close_rx_wakes_blocked_sender(struct kunit *test)
{
	struct art_runtime *rt = art_kunit_rt(test, 0, 0);
	struct art_mpsc *ch = art_mpsc_new(1, sizeof(u32));
	struct producer p = { .fut.ops = &producer_ops, .n = 10 };
	struct art_task *t;
	u32 item = 7;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	KUNIT_EXPECT_EQ(test, art_mpsc_try_send(ch, &item), 0);
	KUNIT_EXPECT_EQ(test, art_mpsc_try_send(ch, &item), -EAGAIN);
	p.ch = ch;
	art_mpsc_sender_get(ch);
	t = art_spawn_copy(rt, &p.fut, sizeof(p), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, art_task_wait(t, HZ / 5), -ETIMEDOUT);
	art_mpsc_close_rx(ch);
	KUNIT_EXPECT_EQ(test, art_kunit_wait(t), -EPIPE);
	KUNIT_EXPECT_EQ(test, art_mpsc_try_send(ch, &item), -EPIPE);
	art_mpsc_sender_put(ch);
	art_task_put(t);
}

/* Items sent before the last sender closes are received, then -EPIPE. */
static void art_mpsc_sender_put_last_drains_then_epipe(struct kunit *test)
{
	struct art_mpsc *ch = art_mpsc_new(4, sizeof(u32));
	u32 item = 1, got = 0;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	KUNIT_EXPECT_EQ(test, art_mpsc_try_recv(ch, &got), -EAGAIN);
	KUNIT_EXPECT_EQ(test, art_mpsc_try_send(ch, &item), 0);
	item = 2;
	KUNIT_EXPECT_EQ(test, art_mpsc_try_send(ch, &item), 0);
	art_mpsc_sender_put(ch);
	KUNIT_EXPECT_EQ(test, art_mpsc_try_recv(ch, &got), 0);
	KUNIT_EXPECT_EQ(test, got, 1U);
	KUNIT_EXPECT_EQ(test, art_mpsc_try_recv(ch, &got), 0);
	KUNIT_EXPECT_EQ(test, got, 2U);
	KUNIT_EXPECT_EQ(test, art_mpsc_try_recv(ch, &got), -EPIPE);
	art_mpsc_close_rx(ch);
}

/* Channel allocation failures return NULL cleanly; the next ones work. */
static void art_chan_new_enomem(struct kunit *test)
{
	struct art_oneshot *os;
	struct art_mpsc *ch;
	u64 item = 3;

	art_fault_inject(1);
	os = art_oneshot_new();
	art_fault_inject(0);
	KUNIT_EXPECT_NULL(test, os);
	art_fault_inject(1);
	ch = art_mpsc_new(8, 8);
	art_fault_inject(0);
	KUNIT_EXPECT_NULL(test, ch);
	KUNIT_EXPECT_NULL(test, art_mpsc_new(0, 8));

	os = art_oneshot_new();
	KUNIT_ASSERT_NOT_NULL(test, os);
	art_oneshot_close_rx(os);
	KUNIT_EXPECT_EQ(test, art_oneshot_send(os, 1), -EPIPE);
	ch = art_mpsc_new(8, 8);
	KUNIT_ASSERT_NOT_NULL(test, ch);
	KUNIT_EXPECT_EQ(test, art_mpsc_try_send(ch, &item), 0);
	item = 0;
	KUNIT_EXPECT_EQ(test, art_mpsc_try_recv(ch, &item), 0);
	KUNIT_EXPECT_EQ(test, item, 3ULL);
	art_mpsc_sender_put(ch);
	art_mpsc_close_rx(ch);
}

static struct kunit_case art_chan_cases[] = {
	KUNIT_CASE(art_oneshot_send_delivers_value),
	KUNIT_CASE(art_oneshot_close_tx_gives_receiver_epipe),
	KUNIT_CASE(art_oneshot_send_after_close_rx_is_epipe),
	KUNIT_CASE(art_mpsc_send_poll_backpressure_keeps_order),
	KUNIT_CASE(art_mpsc_close_rx_wakes_blocked_sender),
	KUNIT_CASE(art_mpsc_sender_put_last_drains_then_epipe),
	KUNIT_CASE(art_chan_new_enomem),
	{}
};

static struct kunit_suite art_chan_suite = {
	.name = "asyncrt_chan",
	.test_cases = art_chan_cases,
};

kunit_test_suite(art_chan_suite);
