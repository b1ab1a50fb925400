// SPDX-License-Identifier: GPL-2.0
/*
 * Description: oneshot and mpsc channels between tasks: values arrive
 * intact and in order, a bounded queue makes senders wait (back-pressure),
 * closing either end is reported (-EPIPE), aborting a task blocked in send
 * or receive unhooks it, and bad input is -EINVAL. Needs only NOP.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "executor/rt_helpers.h"

RT_FIXTURE(chan);

struct msg {
	uint32_t producer, seq;
	char pad[24];
};

/* Sends n messages, then closes its sender. */
struct producer {
	struct asyncrt_co co;
	struct asyncrt_mpsc *ch;
	struct asyncrt_mpsc_send send;
	struct msg m;
	uint32_t id, n;
	long r;
};

static enum asyncrt_poll producer(struct asyncrt_cx *cx, void *state, long *res)
{
	struct producer *p = state;

	asyncrt_co_begin(&p->co);
	for (p->m.seq = 0; p->m.seq < p->n; p->m.seq++) {
		p->m.producer = p->id;
		memset(p->m.pad, (char)p->m.seq, sizeof(p->m.pad));
		asyncrt_mpsc_send_init(&p->send, p->ch, &p->m);
		asyncrt_co_await(&p->co, asyncrt_mpsc_send_poll(&p->send, cx, &p->r));
		if (p->r)
			break;
	}
	asyncrt_mpsc_tx_close(p->ch);
	asyncrt_co_return(&p->co, res, p->r);
	asyncrt_co_end(&p->co, res);
}

/* Spawns producers and receives until every sender closed. */
struct consumer {
	struct asyncrt_co co;
	struct asyncrt_mpsc *ch;
	struct asyncrt_mpsc_recv recv;
	struct msg m;
	uint32_t producers, n, next[8];
	uint32_t got, max_len, bad;
	long r;
};

static enum asyncrt_poll consumer(struct asyncrt_cx *cx, void *state, long *res)
{
	struct consumer *c = state;
	struct producer p = { 0 };
	char pad[24];
	uint32_t i;

	asyncrt_co_begin(&c->co);
	for (i = 0; i < c->producers; i++) {
		p.ch = c->ch;
		p.id = i;
		p.n = c->n;
		if (i)
			asyncrt_mpsc_tx_clone(c->ch);
		asyncrt_spawn(cx->rt, producer, &p, sizeof(p), NULL);
	}
	for (;;) {
		asyncrt_mpsc_recv_init(&c->recv, c->ch, &c->m);
		asyncrt_co_await(&c->co, asyncrt_mpsc_recv_poll(&c->recv, cx, &c->r));
		if (c->r)
			break;
		if (asyncrt_mpsc_len(c->ch) + 1 > c->max_len)
			c->max_len = asyncrt_mpsc_len(c->ch) + 1;
		memset(pad, (char)c->m.seq, sizeof(pad));
		if (c->m.producer >= c->producers || c->next[c->m.producer] != c->m.seq ||
		    memcmp(pad, c->m.pad, sizeof(pad)))
			c->bad++;
		else
			c->next[c->m.producer]++;
		c->got++;
	}
	asyncrt_mpsc_rx_close(c->ch);
	asyncrt_co_return(&c->co, res, c->r);
	asyncrt_co_end(&c->co, res);
}

TEST_F(chan, mpsc_delivers_every_message_in_order_per_sender)
{
	struct consumer c = { .producers = 8, .n = 500 };
	long res = 0;

	ASSERT_EQ(0, asyncrt_mpsc_new(&c.ch, sizeof(struct msg), 4));
	ASSERT_EQ(0, asyncrt_block_on(self->rt, consumer, &c, 0, &res));
	EXPECT_EQ(-EPIPE, res);		/* every sender closed */
	EXPECT_EQ(8 * 500, c.got);
	EXPECT_EQ(0, c.bad);
	EXPECT_GE(4, c.max_len);	/* the bound held */
}

TEST_F(chan, mpsc_try_ops_and_close)
{
	struct asyncrt_mpsc *ch;
	long v = 1, out = 0;

	ASSERT_EQ(0, asyncrt_mpsc_new(&ch, sizeof(long), 2));
	EXPECT_EQ(-EAGAIN, asyncrt_mpsc_try_recv(ch, &out));
	EXPECT_EQ(0, asyncrt_mpsc_try_send(ch, &v));
	v = 2;
	EXPECT_EQ(0, asyncrt_mpsc_try_send(ch, &v));
	EXPECT_EQ(-EAGAIN, asyncrt_mpsc_try_send(ch, &v));
	EXPECT_EQ(2, asyncrt_mpsc_len(ch));
	asyncrt_mpsc_tx_close(ch);
	/* Queued messages still arrive after the last sender closed. */
	EXPECT_EQ(0, asyncrt_mpsc_try_recv(ch, &out));
	EXPECT_EQ(1, out);
	EXPECT_EQ(0, asyncrt_mpsc_try_recv(ch, &out));
	EXPECT_EQ(2, out);
	EXPECT_EQ(-EPIPE, asyncrt_mpsc_try_recv(ch, &out));
	asyncrt_mpsc_rx_close(ch);

	ASSERT_EQ(0, asyncrt_mpsc_new(&ch, sizeof(long), 1));
	asyncrt_mpsc_rx_close(ch);
	EXPECT_EQ(-EPIPE, asyncrt_mpsc_try_send(ch, &v));
	asyncrt_mpsc_tx_close(ch);
}

TEST_F(chan, bad_input_is_einval)
{
	struct asyncrt_oneshot *os = (void *)1;
	struct asyncrt_mpsc *ch = (void *)1;
	long v = 0;

	EXPECT_EQ(-EINVAL, asyncrt_mpsc_new(NULL, 8, 1));
	EXPECT_EQ(-EINVAL, asyncrt_mpsc_new(&ch, 8, 0));
	EXPECT_EQ(NULL, ch);
	EXPECT_EQ(-EINVAL, asyncrt_mpsc_new(&ch, 0, 8));
	EXPECT_EQ(-EINVAL, asyncrt_mpsc_new(&ch, 1 << 20, (size_t)1 << 40));
	EXPECT_EQ(-EINVAL, asyncrt_mpsc_try_send(NULL, &v));
	EXPECT_EQ(-EINVAL, asyncrt_mpsc_try_recv(NULL, &v));
	EXPECT_EQ(-EINVAL, asyncrt_oneshot_new(NULL, 8));
	EXPECT_EQ(-EINVAL, asyncrt_oneshot_new(&os, (size_t)1 << 40));
	EXPECT_EQ(NULL, os);
	EXPECT_EQ(-EINVAL, asyncrt_oneshot_send(NULL, &v));
	asyncrt_mpsc_tx_close(NULL);
	asyncrt_mpsc_rx_close(NULL);
	asyncrt_oneshot_close_tx(NULL);
	asyncrt_oneshot_close_rx(NULL);
}

/* oneshot: a spawned task sends; the receiver gets it, or -EPIPE. */
struct os_sender {
	struct asyncrt_oneshot *ch;
	long v;
	int close_only;
};

static enum asyncrt_poll os_sender(struct asyncrt_cx *cx, void *state, long *res)
{
	struct os_sender *s = state;

	if (s->close_only)
		asyncrt_oneshot_close_tx(s->ch);
	else
		*res = asyncrt_oneshot_send(s->ch, &s->v);
	return ASYNCRT_READY;
}

struct os_receiver {
	struct asyncrt_co co;
	struct asyncrt_oneshot_recv rx;
	struct os_sender s;
	long v, r;
};

static enum asyncrt_poll os_receiver(struct asyncrt_cx *cx, void *state, long *res)
{
	struct os_receiver *o = state;

	asyncrt_co_begin(&o->co);
	asyncrt_spawn(cx->rt, os_sender, &o->s, sizeof(o->s), NULL);
	asyncrt_oneshot_recv_init(&o->rx, o->s.ch, &o->v);
	asyncrt_co_await(&o->co, asyncrt_oneshot_recv_poll(&o->rx, cx, &o->r));
	asyncrt_oneshot_close_rx(o->s.ch);
	asyncrt_co_return(&o->co, res, o->r);
	asyncrt_co_end(&o->co, res);
}

TEST_F(chan, oneshot_delivers_or_reports_closed_sender)
{
	struct os_receiver o = { .s.v = 0x1234567890L };
	long res = -1;

	ASSERT_EQ(0, asyncrt_oneshot_new(&o.s.ch, sizeof(long)));
	ASSERT_EQ(0, asyncrt_block_on(self->rt, os_receiver, &o, 0, &res));
	EXPECT_EQ(0, res);
	EXPECT_EQ(0x1234567890L, o.v);

	o = (struct os_receiver){ .s.close_only = 1 };
	ASSERT_EQ(0, asyncrt_oneshot_new(&o.s.ch, sizeof(long)));
	ASSERT_EQ(0, asyncrt_block_on(self->rt, os_receiver, &o, 0, &res));
	EXPECT_EQ(-EPIPE, res);
}

/* A sender blocked on a full queue is aborted; the queue still works. */
struct abort_sender {
	struct asyncrt_co co;
	struct asyncrt_mpsc *ch;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	long r;
};

static enum asyncrt_poll abort_sender(struct asyncrt_cx *cx, void *state, long *res)
{
	struct abort_sender *a = state;
	struct producer p = { .ch = a->ch, .n = 10 };

	asyncrt_co_begin(&a->co);
	asyncrt_mpsc_tx_clone(a->ch);
	asyncrt_spawn(cx->rt, producer, &p, sizeof(p), &a->h);
	asyncrt_co_yield(&a->co, cx);	/* it fills the queue and blocks */
	asyncrt_task_abort(a->h);
	asyncrt_join_init(&a->j, a->h);
	asyncrt_co_await(&a->co, asyncrt_join_poll(&a->j, cx, &a->r));
	asyncrt_co_return(&a->co, res, a->r);
	asyncrt_co_end(&a->co, res);
}

TEST_F(chan, abort_of_task_blocked_in_send)
{
	struct abort_sender a = { 0 };
	struct msg m;
	long res = 0;

	ASSERT_EQ(0, asyncrt_mpsc_new(&a.ch, sizeof(struct msg), 2));
	ASSERT_EQ(0, asyncrt_block_on(self->rt, abort_sender, &a, sizeof(a), &res));
	EXPECT_EQ(-ECANCELED, res);
	EXPECT_EQ(2, asyncrt_mpsc_len(a.ch));
	EXPECT_EQ(0, asyncrt_mpsc_try_recv(a.ch, &m));
	EXPECT_EQ(0, m.seq);
	/* The aborted task never closed its sender: ours and its remain. */
	asyncrt_mpsc_tx_close(a.ch);
	asyncrt_mpsc_tx_close(a.ch);
	EXPECT_EQ(0, asyncrt_mpsc_try_recv(a.ch, &m));
	EXPECT_EQ(-EPIPE, asyncrt_mpsc_try_recv(a.ch, &m));
	asyncrt_mpsc_rx_close(a.ch);
}

TEST_HARNESS_MAIN
