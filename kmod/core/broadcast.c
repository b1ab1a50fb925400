// SPDX-License-Identifier: GPL-2.0
/*
 * Broadcast channels (like tokio's broadcast): a bounded ring of the last
 * @capacity fixed-size values; every receiver sees every value sent after
 * it subscribed. Senders never wait: a full ring overwrites its oldest
 * value, and a receiver that fell further behind than the ring holds is
 * told so once (-EOVERFLOW, with the count of values it missed in
 * rx->lagged) and resumes at the oldest value still retained.
 *
 * Values are numbered by a 64-bit sequence: @tail is the number of the
 * next value sent, a receiver's @next the number of the next value it
 * reads, so its distance behind is tail - next and the ring holds the
 * numbers [tail - min(tail, cap), tail). Receivers are the caller's
 * structs; subscribing allocates nothing and cannot fail.
 *
 * Close, both ways, with -EPIPE: once the last sender is gone a receiver
 * reads what it has not yet read, then -EPIPE; once the last receiver is
 * gone art_broadcast_send() returns -EPIPE and an art_broadcast_closed
 * future completes. Waits use art_notify_wait() on notify_all()
 * notifications, so every receiver is woken for every value.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/overflow.h>

#include "core.h"
#include "chan_ends.h"

struct art_broadcast {
	struct art_chan_ends ends;	/* lock: all but the notifies */
	unsigned int cap;
	unsigned int head;		/* slot of the next value sent */
	u64 tail;			/* sequence number of the next value */
	size_t item_size;
	struct art_notify data;		/* a value was sent, or tx all closed */
	struct art_notify idle;		/* the last receiver left */
	u8 buf[];
};

/**
 * art_broadcast_new() - a bounded channel whose receivers all see each value
 * @capacity: values retained for slow receivers, > 0
 * @item_size: bytes per value, > 0; values are copied under a spinlock
 *	with interrupts off, so keep them small
 *
 * The caller holds one sender reference (more with
 * art_broadcast_sender_get(), each released with art_broadcast_sender_put())
 * and no receiver: subscribe with art_broadcast_subscribe().
 *
 * Return: the channel, or NULL (allocation failure or a zero argument).
 */
struct art_broadcast *art_broadcast_new(unsigned int capacity, size_t item_size)
{
	struct art_broadcast *ch;
	size_t sz;

	if (!capacity || !item_size)
		return NULL;
	sz = size_add(sizeof(*ch), size_mul(capacity, item_size));
	ch = art_should_fail() ? NULL : kvzalloc(sz, GFP_KERNEL);
	if (!ch)
		return NULL;
	art_chan_ends_init(&ch->ends, 0);
	ch->cap = capacity;
	ch->item_size = item_size;
	art_notify_init(&ch->data);
	art_notify_init(&ch->idle);
	return ch;
}
EXPORT_SYMBOL_GPL(art_broadcast_new);

/**
 * art_broadcast_sender_get() - another sender reference
 * @ch: the channel; the caller holds a sender reference
 *
 * Any context.
 */
void art_broadcast_sender_get(struct art_broadcast *ch)
{
	art_chan_sender_get(&ch->ends);
}
EXPORT_SYMBOL_GPL(art_broadcast_sender_get);

/**
 * art_broadcast_sender_put() - release a sender reference
 * @ch: the channel
 *
 * When the last sender is gone every receiver reads the values it has not
 * yet read, then -EPIPE. Any context except process context with
 * interrupts off: the channel may be freed here, with kvfree().
 */
void art_broadcast_sender_put(struct art_broadcast *ch)
{
	if (art_chan_sender_put(&ch->ends, &ch->data))
		kvfree(ch);
}
EXPORT_SYMBOL_GPL(art_broadcast_sender_put);

/**
 * art_broadcast_send() - send a value to every subscribed receiver
 * @ch: the channel; the caller holds a sender reference
 * @item: item_size bytes, copied
 *
 * Never waits: when the ring is full the oldest value is overwritten, and
 * receivers that had not read it get -EOVERFLOW. Any context.
 *
 * Return: 0, or -EPIPE if no receiver is subscribed (the value is not
 * kept: a later subscriber only sees later values).
 */
int art_broadcast_send(struct art_broadcast *ch, const void *item)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&ch->ends.lock, flags);
	if (!ch->ends.receivers) {
		ret = -EPIPE;
	} else {
		memcpy(ch->buf + (size_t)ch->head * ch->item_size, item,
		       ch->item_size);
		ch->head = ch->head + 1 == ch->cap ? 0 : ch->head + 1;
		ch->tail++;
	}
	spin_unlock_irqrestore(&ch->ends.lock, flags);
	if (!ret)
		art_notify_all(&ch->data);
	return ret;
}
EXPORT_SYMBOL_GPL(art_broadcast_send);

/**
 * art_broadcast_subscribe() - add a receiver
 * @ch: the channel; the caller holds a sender or a receiver reference
 * @rx: the receiver, owned by the caller; sees every value sent from now
 *
 * Allocates nothing; the receiver holds a reference on the channel until
 * art_broadcast_unsubscribe(). Any context.
 */
void art_broadcast_subscribe(struct art_broadcast *ch, struct art_broadcast_rx *rx)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->ends.lock, flags);
	art_chan_receiver_get_locked(&ch->ends);
	rx->ch = ch;
	rx->next = ch->tail;
	rx->lagged = 0;
	spin_unlock_irqrestore(&ch->ends.lock, flags);
}
EXPORT_SYMBOL_GPL(art_broadcast_subscribe);

/**
 * art_broadcast_unsubscribe() - remove a receiver; idempotent
 * @rx: the receiver; no receive future may be pending on it
 *
 * When the last receiver leaves, art_broadcast_send() returns -EPIPE and
 * art_broadcast_closed futures complete. Any context except process
 * context with interrupts off: the channel may be freed here.
 */
void art_broadcast_unsubscribe(struct art_broadcast_rx *rx)
{
	struct art_broadcast *ch = rx->ch;

	if (!ch)
		return;
	rx->ch = NULL;
	if (art_chan_receiver_put(&ch->ends, &ch->idle))
		kvfree(ch);
}
EXPORT_SYMBOL_GPL(art_broadcast_unsubscribe);

/**
 * art_broadcast_try_recv() - receive the next value without waiting
 * @rx: the receiver
 * @item: receives a copy (item_size bytes)
 *
 * Any context.
 *
 * Return: 0; -EOVERFLOW if values were overwritten before @rx read them
 * (@rx->lagged says how many; the next call returns the oldest value
 * still retained); -EAGAIN if there is nothing new; -EPIPE if there is
 * nothing new and every sender is gone.
 */
int art_broadcast_try_recv(struct art_broadcast_rx *rx, void *item)
{
	struct art_broadcast *ch = rx->ch;
	unsigned long flags;
	unsigned int slot;
	u64 behind;
	int ret = 0;

	spin_lock_irqsave(&ch->ends.lock, flags);
	behind = ch->tail - rx->next;
	if (behind > ch->cap) {
		rx->lagged = behind - ch->cap;
		rx->next = ch->tail - ch->cap;
		ret = -EOVERFLOW;
	} else if (behind) {
		/* behind <= cap: the value is @behind slots before head. */
		slot = ch->head + ch->cap - (unsigned int)behind;
		if (slot >= ch->cap)
			slot -= ch->cap;
		memcpy(item, ch->buf + (size_t)slot * ch->item_size,
		       ch->item_size);
		rx->next++;
	} else {
		ret = ch->ends.senders ? -EAGAIN : -EPIPE;
	}
	spin_unlock_irqrestore(&ch->ends.lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(art_broadcast_try_recv);

static long art_broadcast_recv_try(void *arg)
{
	struct art_broadcast_recv *r = arg;

	return art_broadcast_try_recv(r->rx, r->item);
}

static enum art_poll art_broadcast_recv_fpoll(struct art_future *f,
					      struct art_cx *cx, long *res)
{
	return art_broadcast_recv_poll(container_of(f, struct art_broadcast_recv, fut),
				       cx, res);
}

static void art_broadcast_recv_fdrop(struct art_future *f, long res)
{
	art_broadcast_recv_drop(container_of(f, struct art_broadcast_recv, fut));
}

static const struct art_future_ops art_broadcast_recv_ops = {
	.poll = art_broadcast_recv_fpoll,
	.drop = art_broadcast_recv_fdrop,
};

/**
 * art_broadcast_recv_init() - a future that receives the next value
 * @r: the future
 * @rx: the receiver; one receive future at a time per receiver
 * @item: where the value is copied (item_size bytes)
 *
 * Cancel-safe: a value is consumed only in the poll that reports it, so
 * dropping a pending receive loses nothing; the next receive gets it.
 */
void art_broadcast_recv_init(struct art_broadcast_recv *r,
			     struct art_broadcast_rx *rx, void *item)
{
	r->fut.ops = &art_broadcast_recv_ops;
	r->rx = rx;
	r->item = item;
	r->waiting = false;
}
EXPORT_SYMBOL_GPL(art_broadcast_recv_init);

/**
 * art_broadcast_recv_poll() - poll a broadcast receive
 * @r: the future
 * @cx: poll context
 * @res: as art_broadcast_try_recv() returns, but never -EAGAIN
 *
 * Return: %ART_READY, or %ART_PENDING while there is nothing new.
 */
enum art_poll art_broadcast_recv_poll(struct art_broadcast_recv *r,
				      struct art_cx *cx, long *res)
{
	return art_notify_wait(&r->data, &r->waiting, &r->rx->ch->data, cx, res,
			       art_broadcast_recv_try, r);
}
EXPORT_SYMBOL_GPL(art_broadcast_recv_poll);

/**
 * art_broadcast_recv_drop() - abandon a receive; idempotent
 * @r: the future (zero-filled, initialised, pending or done)
 */
void art_broadcast_recv_drop(struct art_broadcast_recv *r)
{
	if (r->waiting) {
		art_notified_drop(&r->data);
		r->waiting = false;
	}
}
EXPORT_SYMBOL_GPL(art_broadcast_recv_drop);

static long art_broadcast_closed_try(void *arg)
{
	struct art_broadcast_closed *c = arg;

	return art_chan_has_receivers(&c->ch->ends) ? -EAGAIN : 0;
}

static enum art_poll art_broadcast_closed_fpoll(struct art_future *f,
						struct art_cx *cx, long *res)
{
	return art_broadcast_closed_poll(container_of(f, struct art_broadcast_closed, fut),
					 cx, res);
}

static void art_broadcast_closed_fdrop(struct art_future *f, long res)
{
	art_broadcast_closed_drop(container_of(f, struct art_broadcast_closed, fut));
}

static const struct art_future_ops art_broadcast_closed_ops = {
	.poll = art_broadcast_closed_fpoll,
	.drop = art_broadcast_closed_fdrop,
};

/**
 * art_broadcast_closed_init() - a future for a sender: no receiver is left
 * @c: the future
 * @ch: the channel; the caller holds a sender reference
 *
 * Lets a producer stop when nobody listens any more.
 */
void art_broadcast_closed_init(struct art_broadcast_closed *c,
			       struct art_broadcast *ch)
{
	c->fut.ops = &art_broadcast_closed_ops;
	c->ch = ch;
	c->waiting = false;
}
EXPORT_SYMBOL_GPL(art_broadcast_closed_init);

/**
 * art_broadcast_closed_poll() - poll for the last receiver leaving
 * @c: the future
 * @cx: poll context
 * @res: 0 when READY
 *
 * Return: %ART_READY once no receiver is subscribed (at once if none is).
 */
enum art_poll art_broadcast_closed_poll(struct art_broadcast_closed *c,
					struct art_cx *cx, long *res)
{
	return art_notify_wait(&c->idle, &c->waiting, &c->ch->idle, cx, res,
			       art_broadcast_closed_try, c);
}
EXPORT_SYMBOL_GPL(art_broadcast_closed_poll);

/**
 * art_broadcast_closed_drop() - stop waiting; idempotent
 * @c: the future
 */
void art_broadcast_closed_drop(struct art_broadcast_closed *c)
{
	if (c->waiting) {
		art_notified_drop(&c->idle);
		c->waiting = false;
	}
}
EXPORT_SYMBOL_GPL(art_broadcast_closed_drop);
