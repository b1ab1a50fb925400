// SPDX-License-Identifier: GPL-2.0
/*
 * Channels between tasks (and from any context into tasks): a oneshot for
 * one value, and a bounded multi-producer single-consumer queue of
 * fixed-size items with backpressure.
 *
 * Closing either side wakes the other with -EPIPE: a receiver sees -EPIPE
 * once the buffer is empty and every sender is gone (items sent before
 * the close are still delivered); a sender sees -EPIPE as soon as the
 * receiver is gone (items still buffered are discarded).
 *
 * The mpsc waits are built on Notify (art_notify_wait(): register first,
 * test second, so a state change between the test and the wait cannot be
 * missed); close uses notify_all(), item and slot hand-offs use
 * notify_one(), whose permit covers the same race. broadcast.c and
 * watch.c hold the channels with many receivers; chan_ends.c counts the
 * senders and receivers of all three and closes a side with its last.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/overflow.h>

#include "core.h"
#include "chan_ends.h"

#define ART_OS_SENT		BIT(0)
#define ART_OS_TX_CLOSED	BIT(1)
#define ART_OS_RX_CLOSED	BIT(2)

struct art_oneshot {
	spinlock_t lock;		/* protects the rest */
	refcount_t ref;			/* one per side */
	unsigned int state;
	long value;
	struct art_task *rx_task;	/* the pending receiver's waker */
};

static void art_oneshot_put(struct art_oneshot *os)
{
	if (refcount_dec_and_test(&os->ref))
		kfree(os);
}

/**
 * art_oneshot_new() - a channel for a single value
 *
 * The caller owns both sides: end the sender with art_oneshot_send() or
 * art_oneshot_close_tx(), the receiver with art_oneshot_close_rx().
 *
 * Return: the channel, or NULL on allocation failure.
 */
struct art_oneshot *art_oneshot_new(void)
{
	struct art_oneshot *os;

	os = art_should_fail() ? NULL : kzalloc(sizeof(*os), GFP_KERNEL);
	if (!os)
		return NULL;
	spin_lock_init(&os->lock);
	refcount_set(&os->ref, 2);
	return os;
}
EXPORT_SYMBOL_GPL(art_oneshot_new);

/* Sender side done, with or without a value. */
static int art_oneshot_end_tx(struct art_oneshot *os, unsigned int how,
			      long value)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&os->lock, flags);
	if (os->state & ART_OS_RX_CLOSED)
		ret = -EPIPE;
	os->value = value;
	os->state |= how | ART_OS_TX_CLOSED;
	if (os->rx_task)
		art_wake(os->rx_task);
	spin_unlock_irqrestore(&os->lock, flags);
	art_oneshot_put(os);
	return ret;
}

/**
 * art_oneshot_send() - send the value; ends the sender side
 * @os: the channel
 * @value: the receiver's result; use >= 0 values (negative ones read as
 *	errors, like any future result)
 *
 * Any context.
 *
 * Return: 0, or -EPIPE if the receiver was already closed (the value is
 * discarded).
 */
int art_oneshot_send(struct art_oneshot *os, long value)
{
	return art_oneshot_end_tx(os, ART_OS_SENT, value);
}
EXPORT_SYMBOL_GPL(art_oneshot_send);

/**
 * art_oneshot_close_tx() - end the sender side without a value
 * @os: the channel
 *
 * The receiver completes with -EPIPE. Any context.
 */
void art_oneshot_close_tx(struct art_oneshot *os)
{
	art_oneshot_end_tx(os, 0, 0);
}
EXPORT_SYMBOL_GPL(art_oneshot_close_tx);

/**
 * art_oneshot_close_rx() - end the receiver side
 * @os: the channel; its receive future must have been dropped or completed
 *
 * A later art_oneshot_send() returns -EPIPE.
 */
void art_oneshot_close_rx(struct art_oneshot *os)
{
	unsigned long flags;

	spin_lock_irqsave(&os->lock, flags);
	os->state |= ART_OS_RX_CLOSED;
	os->rx_task = NULL;
	spin_unlock_irqrestore(&os->lock, flags);
	art_oneshot_put(os);
}
EXPORT_SYMBOL_GPL(art_oneshot_close_rx);

static enum art_poll art_oneshot_recv_fpoll(struct art_future *f,
					    struct art_cx *cx, long *res)
{
	return art_oneshot_recv_poll(container_of(f, struct art_oneshot_recv, fut),
				     cx, res);
}

static void art_oneshot_recv_fdrop(struct art_future *f, long res)
{
	art_oneshot_recv_drop(container_of(f, struct art_oneshot_recv, fut));
}

static const struct art_future_ops art_oneshot_recv_ops = {
	.poll = art_oneshot_recv_fpoll,
	.drop = art_oneshot_recv_fdrop,
};

/**
 * art_oneshot_recv_init() - a future that completes with the sent value
 * @r: the future
 * @os: the channel
 */
void art_oneshot_recv_init(struct art_oneshot_recv *r, struct art_oneshot *os)
{
	r->fut.ops = &art_oneshot_recv_ops;
	r->os = os;
}
EXPORT_SYMBOL_GPL(art_oneshot_recv_init);

/**
 * art_oneshot_recv_poll() - poll a oneshot receive
 * @r: the future
 * @cx: poll context
 * @res: the value, or -EPIPE if the sender closed without sending
 *
 * Return: %ART_READY or %ART_PENDING.
 */
enum art_poll art_oneshot_recv_poll(struct art_oneshot_recv *r,
				    struct art_cx *cx, long *res)
{
	struct art_oneshot *os = r->os;
	enum art_poll ret = ART_READY;
	unsigned long flags;

	if (!art_cx_consume_budget(cx))
		return ART_PENDING;
	spin_lock_irqsave(&os->lock, flags);
	if (os->state & ART_OS_SENT) {
		*res = os->value;
		os->rx_task = NULL;
	} else if (os->state & ART_OS_TX_CLOSED) {
		*res = -EPIPE;
		os->rx_task = NULL;
	} else {
		os->rx_task = art_cx_task(cx);
		ret = ART_PENDING;
	}
	spin_unlock_irqrestore(&os->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(art_oneshot_recv_poll);

/**
 * art_oneshot_recv_drop() - stop receiving (the channel stays open)
 * @r: the future
 */
void art_oneshot_recv_drop(struct art_oneshot_recv *r)
{
	unsigned long flags;

	if (!r->os)
		return;
	spin_lock_irqsave(&r->os->lock, flags);
	r->os->rx_task = NULL;
	spin_unlock_irqrestore(&r->os->lock, flags);
}
EXPORT_SYMBOL_GPL(art_oneshot_recv_drop);

struct art_mpsc {
	struct art_chan_ends ends;	/* lock: all but the notifies */
	unsigned int cap;
	unsigned int head;
	unsigned int count;
	size_t item_size;
	struct art_notify space;	/* a slot was freed, or rx closed */
	struct art_notify data;		/* an item arrived, or tx all closed */
	u8 buf[];
};

/**
 * art_mpsc_new() - a bounded multi-producer single-consumer channel
 * @capacity: items buffered before senders wait, > 0
 * @item_size: bytes per item, > 0
 *
 * The caller holds one sender reference (more with art_mpsc_sender_get(),
 * each released with art_mpsc_sender_put()) and the receiver (released
 * with art_mpsc_close_rx()).
 *
 * Return: the channel, or NULL (allocation failure or a zero argument).
 */
struct art_mpsc *art_mpsc_new(unsigned int capacity, size_t item_size)
{
	struct art_mpsc *ch;
	size_t sz;

	if (!capacity || !item_size)
		return NULL;
	sz = size_add(sizeof(*ch), size_mul(capacity, item_size));
	ch = art_should_fail() ? NULL : kvzalloc(sz, GFP_KERNEL);
	if (!ch)
		return NULL;
	art_chan_ends_init(&ch->ends, 1);
	ch->cap = capacity;
	ch->item_size = item_size;
	art_notify_init(&ch->space);
	art_notify_init(&ch->data);
	return ch;
}
EXPORT_SYMBOL_GPL(art_mpsc_new);

/**
 * art_mpsc_sender_get() - another sender reference
 * @ch: the channel
 */
void art_mpsc_sender_get(struct art_mpsc *ch)
{
	art_chan_sender_get(&ch->ends);
}
EXPORT_SYMBOL_GPL(art_mpsc_sender_get);

/**
 * art_mpsc_sender_put() - release a sender reference
 * @ch: the channel
 *
 * When the last sender is gone the receiver gets -EPIPE after the
 * buffered items. Any context.
 */
void art_mpsc_sender_put(struct art_mpsc *ch)
{
	if (art_chan_sender_put(&ch->ends, &ch->data))
		kvfree(ch);
}
EXPORT_SYMBOL_GPL(art_mpsc_sender_put);

/**
 * art_mpsc_close_rx() - close the receiver; discards buffered items
 * @ch: the channel; its receive future must be dropped or completed
 *
 * Waiting and later senders get -EPIPE. Any context.
 */
void art_mpsc_close_rx(struct art_mpsc *ch)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->ends.lock, flags);
	ch->ends.receivers = 0;
	ch->count = 0;
	spin_unlock_irqrestore(&ch->ends.lock, flags);
	art_notify_all(&ch->space);
	if (art_chan_put(&ch->ends))
		kvfree(ch);
}
EXPORT_SYMBOL_GPL(art_mpsc_close_rx);

/* 0 sent, -EPIPE closed, -EAGAIN full. */
static int art_mpsc_push(struct art_mpsc *ch, const void *item)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&ch->ends.lock, flags);
	if (!ch->ends.receivers) {
		ret = -EPIPE;
	} else if (ch->count == ch->cap) {
		ret = -EAGAIN;
	} else {
		memcpy(ch->buf + ((ch->head + ch->count) % ch->cap) * ch->item_size,
		       item, ch->item_size);
		ch->count++;
	}
	spin_unlock_irqrestore(&ch->ends.lock, flags);
	if (!ret)
		art_notify_one(&ch->data);
	return ret;
}

/* 0 received, -EPIPE empty and no senders, -EAGAIN empty. */
static int art_mpsc_pop(struct art_mpsc *ch, void *item)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&ch->ends.lock, flags);
	if (ch->count) {
		memcpy(item, ch->buf + ch->head * ch->item_size, ch->item_size);
		ch->head = (ch->head + 1) % ch->cap;
		ch->count--;
	} else {
		ret = ch->ends.senders ? -EAGAIN : -EPIPE;
	}
	spin_unlock_irqrestore(&ch->ends.lock, flags);
	if (!ret)
		art_notify_one(&ch->space);
	return ret;
}

/**
 * art_mpsc_try_send() - send without waiting
 * @ch: the channel
 * @item: copied into the channel
 *
 * Any context.
 *
 * Return: 0, -EAGAIN if full, -EPIPE if the receiver is closed.
 */
int art_mpsc_try_send(struct art_mpsc *ch, const void *item)
{
	return art_mpsc_push(ch, item);
}
EXPORT_SYMBOL_GPL(art_mpsc_try_send);

/**
 * art_mpsc_try_recv() - receive without waiting
 * @ch: the channel
 * @item: receives a copy
 *
 * Return: 0, -EAGAIN if empty, -EPIPE if empty and every sender is gone.
 */
int art_mpsc_try_recv(struct art_mpsc *ch, void *item)
{
	return art_mpsc_pop(ch, item);
}
EXPORT_SYMBOL_GPL(art_mpsc_try_recv);

static long art_mpsc_send_try(void *arg)
{
	struct art_mpsc_send *s = arg;

	return art_mpsc_push(s->ch, s->item);
}

static long art_mpsc_recv_try(void *arg)
{
	struct art_mpsc_recv *r = arg;

	return art_mpsc_pop(r->ch, r->item);
}

static enum art_poll art_mpsc_send_fpoll(struct art_future *f,
					 struct art_cx *cx, long *res)
{
	return art_mpsc_send_poll(container_of(f, struct art_mpsc_send, fut), cx, res);
}

static void art_mpsc_send_fdrop(struct art_future *f, long res)
{
	art_mpsc_send_drop(container_of(f, struct art_mpsc_send, fut));
}

static const struct art_future_ops art_mpsc_send_ops = {
	.poll = art_mpsc_send_fpoll,
	.drop = art_mpsc_send_fdrop,
};

/**
 * art_mpsc_send_init() - a future that sends @item, waiting for room
 * @s: the future
 * @ch: the channel (the caller holds a sender reference)
 * @item: copied when sent; must stay valid until READY or drop
 */
void art_mpsc_send_init(struct art_mpsc_send *s, struct art_mpsc *ch,
			const void *item)
{
	s->fut.ops = &art_mpsc_send_ops;
	s->ch = ch;
	s->item = item;
	s->waiting = false;
}
EXPORT_SYMBOL_GPL(art_mpsc_send_init);

/**
 * art_mpsc_send_poll() - poll a send
 * @s: the future
 * @cx: poll context
 * @res: 0 sent, -EPIPE receiver closed
 *
 * Return: %ART_READY or %ART_PENDING (channel full).
 */
enum art_poll art_mpsc_send_poll(struct art_mpsc_send *s, struct art_cx *cx,
				 long *res)
{
	return art_notify_wait(&s->space, &s->waiting, &s->ch->space, cx, res,
			       art_mpsc_send_try, s);
}
EXPORT_SYMBOL_GPL(art_mpsc_send_poll);

/**
 * art_mpsc_send_drop() - abandon a send; idempotent
 * @s: the future
 */
void art_mpsc_send_drop(struct art_mpsc_send *s)
{
	if (s->waiting) {
		art_notified_drop(&s->space);
		s->waiting = false;
	}
}
EXPORT_SYMBOL_GPL(art_mpsc_send_drop);

static enum art_poll art_mpsc_recv_fpoll(struct art_future *f,
					 struct art_cx *cx, long *res)
{
	return art_mpsc_recv_poll(container_of(f, struct art_mpsc_recv, fut), cx, res);
}

static void art_mpsc_recv_fdrop(struct art_future *f, long res)
{
	art_mpsc_recv_drop(container_of(f, struct art_mpsc_recv, fut));
}

static const struct art_future_ops art_mpsc_recv_ops = {
	.poll = art_mpsc_recv_fpoll,
	.drop = art_mpsc_recv_fdrop,
};

/**
 * art_mpsc_recv_init() - a future that receives one item into @item
 * @r: the future
 * @ch: the channel (the caller is the receiver)
 * @item: item_size bytes
 */
void art_mpsc_recv_init(struct art_mpsc_recv *r, struct art_mpsc *ch, void *item)
{
	r->fut.ops = &art_mpsc_recv_ops;
	r->ch = ch;
	r->item = item;
	r->waiting = false;
}
EXPORT_SYMBOL_GPL(art_mpsc_recv_init);

/**
 * art_mpsc_recv_poll() - poll a receive
 * @r: the future
 * @cx: poll context
 * @res: 0 received, -EPIPE empty with every sender gone
 *
 * Return: %ART_READY or %ART_PENDING (channel empty).
 */
enum art_poll art_mpsc_recv_poll(struct art_mpsc_recv *r, struct art_cx *cx,
				 long *res)
{
	return art_notify_wait(&r->data, &r->waiting, &r->ch->data, cx, res,
			       art_mpsc_recv_try, r);
}
EXPORT_SYMBOL_GPL(art_mpsc_recv_poll);

/**
 * art_mpsc_recv_drop() - abandon a receive; idempotent
 * @r: the future
 */
void art_mpsc_recv_drop(struct art_mpsc_recv *r)
{
	if (r->waiting) {
		art_notified_drop(&r->data);
		r->waiting = false;
	}
}
EXPORT_SYMBOL_GPL(art_mpsc_recv_drop);
