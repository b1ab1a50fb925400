// SPDX-License-Identifier: GPL-2.0
/*
 * Watch channels (like tokio's watch): one latest value of fixed size and
 * a version that counts the sends. A receiver remembers the version it has
 * seen; awaiting "changed" completes once the channel's version differs,
 * copies the newest value and marks it seen. Intermediate values a slow
 * receiver did not read are simply replaced: a watch carries state, not
 * a stream of events (use a broadcast channel for that).
 *
 *   receiver state          changed future
 *   seen != version         READY 0: copy value, seen = version
 *   seen == version, open   PENDING until a send or the last sender leaves
 *   seen == version, closed READY -EPIPE
 *
 * An unseen value is reported before the close, so the last value sent is
 * never lost. Once the last receiver leaves, art_watch_send() returns
 * -EPIPE (the value is still stored, for later subscribers) and
 * art_watch_closed futures complete. Receivers are the caller's structs;
 * subscribing allocates nothing.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/overflow.h>

#include "core.h"
#include "chan_ends.h"

struct art_watch {
	struct art_chan_ends ends;	/* lock: all but the notifies */
	u64 version;			/* sends so far */
	size_t item_size;
	struct art_notify changed;	/* a send, or the last sender left */
	struct art_notify idle;		/* the last receiver left */
	u8 value[];
};

/**
 * art_watch_new() - a channel holding one value that receivers watch
 * @item_size: bytes of the value, > 0; copied under a spinlock with
 *	interrupts off, so keep it small
 * @init: the initial value (version 0), or NULL for zeroes
 *
 * The caller holds one sender reference (more with art_watch_sender_get(),
 * each released with art_watch_sender_put()) and no receiver: subscribe
 * with art_watch_subscribe().
 *
 * Return: the channel, or NULL (allocation failure or a zero size).
 */
struct art_watch *art_watch_new(size_t item_size, const void *init)
{
	struct art_watch *ch;

	if (!item_size)
		return NULL;
	ch = art_should_fail() ? NULL :
		kvzalloc(size_add(sizeof(*ch), item_size), GFP_KERNEL);
	if (!ch)
		return NULL;
	art_chan_ends_init(&ch->ends, 0);
	ch->item_size = item_size;
	if (init)
		memcpy(ch->value, init, item_size);
	art_notify_init(&ch->changed);
	art_notify_init(&ch->idle);
	return ch;
}
EXPORT_SYMBOL_GPL(art_watch_new);

/**
 * art_watch_sender_get() - another sender reference
 * @ch: the channel; the caller holds a sender reference
 *
 * Any context.
 */
void art_watch_sender_get(struct art_watch *ch)
{
	art_chan_sender_get(&ch->ends);
}
EXPORT_SYMBOL_GPL(art_watch_sender_get);

/**
 * art_watch_sender_put() - release a sender reference
 * @ch: the channel
 *
 * When the last sender is gone, a receiver that has seen the newest value
 * gets -EPIPE from its changed future (one that has not gets the value
 * first). Any context except process context with interrupts off: the
 * channel may be freed here, with kvfree().
 */
void art_watch_sender_put(struct art_watch *ch)
{
	if (art_chan_sender_put(&ch->ends, &ch->changed))
		kvfree(ch);
}
EXPORT_SYMBOL_GPL(art_watch_sender_put);

/**
 * art_watch_send() - replace the value and wake every receiver
 * @ch: the channel; the caller holds a sender reference
 * @item: item_size bytes, copied
 *
 * Any context.
 *
 * Return: 0, or -EPIPE if no receiver is subscribed. The value is stored
 * either way, so a receiver that subscribes later reads it.
 */
int art_watch_send(struct art_watch *ch, const void *item)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&ch->ends.lock, flags);
	memcpy(ch->value, item, ch->item_size);
	ch->version++;
	ret = ch->ends.receivers ? 0 : -EPIPE;
	spin_unlock_irqrestore(&ch->ends.lock, flags);
	art_notify_all(&ch->changed);
	return ret;
}
EXPORT_SYMBOL_GPL(art_watch_send);

/**
 * art_watch_subscribe() - add a receiver that has seen the current value
 * @ch: the channel; the caller holds a sender or a receiver reference
 * @rx: the receiver, owned by the caller
 *
 * Allocates nothing; the receiver holds a reference on the channel until
 * art_watch_unsubscribe(). Read the current value with art_watch_get().
 * Any context.
 */
void art_watch_subscribe(struct art_watch *ch, struct art_watch_rx *rx)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->ends.lock, flags);
	art_chan_receiver_get_locked(&ch->ends);
	rx->ch = ch;
	rx->seen = ch->version;
	spin_unlock_irqrestore(&ch->ends.lock, flags);
}
EXPORT_SYMBOL_GPL(art_watch_subscribe);

/**
 * art_watch_unsubscribe() - remove a receiver; idempotent
 * @rx: the receiver; no changed future may be pending on it
 *
 * When the last receiver leaves, art_watch_send() returns -EPIPE and
 * art_watch_closed futures complete. Any context except process context
 * with interrupts off: the channel may be freed here.
 */
void art_watch_unsubscribe(struct art_watch_rx *rx)
{
	struct art_watch *ch = rx->ch;

	if (!ch)
		return;
	rx->ch = NULL;
	if (art_chan_receiver_put(&ch->ends, &ch->idle))
		kvfree(ch);
}
EXPORT_SYMBOL_GPL(art_watch_unsubscribe);

/**
 * art_watch_get() - copy the newest value and mark it seen
 * @rx: the receiver
 * @item: receives a copy (item_size bytes)
 *
 * Any context.
 *
 * Return: the version of the value copied (the number of sends before it).
 */
u64 art_watch_get(struct art_watch_rx *rx, void *item)
{
	struct art_watch *ch = rx->ch;
	unsigned long flags;
	u64 version;

	spin_lock_irqsave(&ch->ends.lock, flags);
	memcpy(item, ch->value, ch->item_size);
	version = ch->version;
	rx->seen = version;
	spin_unlock_irqrestore(&ch->ends.lock, flags);
	return version;
}
EXPORT_SYMBOL_GPL(art_watch_get);

/*
 * 0 and the value if unseen (marking it seen), else -EPIPE once the
 * senders are gone, else -EAGAIN. @item may be NULL: only mark it seen.
 */
static long art_watch_try_changed(struct art_watch_rx *rx, void *item)
{
	struct art_watch *ch = rx->ch;
	unsigned long flags;
	long ret = 0;

	spin_lock_irqsave(&ch->ends.lock, flags);
	if (rx->seen != ch->version) {
		if (item)
			memcpy(item, ch->value, ch->item_size);
		rx->seen = ch->version;
	} else {
		ret = ch->ends.senders ? -EAGAIN : -EPIPE;
	}
	spin_unlock_irqrestore(&ch->ends.lock, flags);
	return ret;
}

/**
 * art_watch_has_changed() - whether a value was sent since @rx last saw one
 * @rx: the receiver
 *
 * Marks nothing seen. Any context.
 *
 * Return: 1 if there is an unseen value, 0 if not, -EPIPE if not and
 * every sender is gone.
 */
int art_watch_has_changed(struct art_watch_rx *rx)
{
	struct art_watch *ch = rx->ch;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&ch->ends.lock, flags);
	if (rx->seen != ch->version)
		ret = 1;
	else
		ret = ch->ends.senders ? 0 : -EPIPE;
	spin_unlock_irqrestore(&ch->ends.lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(art_watch_has_changed);

static long art_watch_changed_try(void *arg)
{
	struct art_watch_changed *c = arg;

	return art_watch_try_changed(c->rx, c->item);
}

static enum art_poll art_watch_changed_fpoll(struct art_future *f,
					     struct art_cx *cx, long *res)
{
	return art_watch_changed_poll(container_of(f, struct art_watch_changed, fut),
				      cx, res);
}

static void art_watch_changed_fdrop(struct art_future *f, long res)
{
	art_watch_changed_drop(container_of(f, struct art_watch_changed, fut));
}

static const struct art_future_ops art_watch_changed_ops = {
	.poll = art_watch_changed_fpoll,
	.drop = art_watch_changed_fdrop,
};

/**
 * art_watch_changed_init() - a future: the next value @rx has not seen
 * @c: the future
 * @rx: the receiver; one changed future at a time per receiver
 * @item: where the newest value is copied (item_size bytes), or NULL
 *
 * Cancel-safe: the value is marked seen only in the poll that reports
 * it, so dropping a pending future loses nothing.
 */
void art_watch_changed_init(struct art_watch_changed *c,
			    struct art_watch_rx *rx, void *item)
{
	c->fut.ops = &art_watch_changed_ops;
	c->rx = rx;
	c->item = item;
	c->waiting = false;
}
EXPORT_SYMBOL_GPL(art_watch_changed_init);

/**
 * art_watch_changed_poll() - poll for a value @rx has not seen
 * @c: the future
 * @cx: poll context
 * @res: 0 (the newest value was copied and is now seen), or -EPIPE when
 *	every sender is gone and @rx has seen the last value
 *
 * Return: %ART_READY or %ART_PENDING.
 */
enum art_poll art_watch_changed_poll(struct art_watch_changed *c,
				     struct art_cx *cx, long *res)
{
	return art_notify_wait(&c->changed, &c->waiting, &c->rx->ch->changed,
			       cx, res, art_watch_changed_try, c);
}
EXPORT_SYMBOL_GPL(art_watch_changed_poll);

/**
 * art_watch_changed_drop() - stop waiting; idempotent
 * @c: the future (zero-filled, initialised, pending or done)
 */
void art_watch_changed_drop(struct art_watch_changed *c)
{
	if (c->waiting) {
		art_notified_drop(&c->changed);
		c->waiting = false;
	}
}
EXPORT_SYMBOL_GPL(art_watch_changed_drop);

static long art_watch_closed_try(void *arg)
{
	struct art_watch_closed *c = arg;

	return art_chan_has_receivers(&c->ch->ends) ? -EAGAIN : 0;
}

static enum art_poll art_watch_closed_fpoll(struct art_future *f,
					    struct art_cx *cx, long *res)
{
	return art_watch_closed_poll(container_of(f, struct art_watch_closed, fut),
				     cx, res);
}

static void art_watch_closed_fdrop(struct art_future *f, long res)
{
	art_watch_closed_drop(container_of(f, struct art_watch_closed, fut));
}

static const struct art_future_ops art_watch_closed_ops = {
	.poll = art_watch_closed_fpoll,
	.drop = art_watch_closed_fdrop,
};

/**
 * art_watch_closed_init() - a future for a sender: no receiver is left
 * @c: the future
 * @ch: the channel; the caller holds a sender reference
 */
void art_watch_closed_init(struct art_watch_closed *c, struct art_watch *ch)
{
	c->fut.ops = &art_watch_closed_ops;
	c->ch = ch;
	c->waiting = false;
}
EXPORT_SYMBOL_GPL(art_watch_closed_init);

/**
 * art_watch_closed_poll() - poll for the last receiver leaving
 * @c: the future
 * @cx: poll context
 * @res: 0 when READY
 *
 * Return: %ART_READY once no receiver is subscribed (at once if none is).
 */
enum art_poll art_watch_closed_poll(struct art_watch_closed *c,
				    struct art_cx *cx, long *res)
{
	return art_notify_wait(&c->idle, &c->waiting, &c->ch->idle, cx, res,
			       art_watch_closed_try, c);
}
EXPORT_SYMBOL_GPL(art_watch_closed_poll);

/**
 * art_watch_closed_drop() - stop waiting; idempotent
 * @c: the future
 */
void art_watch_closed_drop(struct art_watch_closed *c)
{
	if (c->waiting) {
		art_notified_drop(&c->idle);
		c->waiting = false;
	}
}
EXPORT_SYMBOL_GPL(art_watch_closed_drop);
