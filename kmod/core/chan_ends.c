// SPDX-License-Identifier: GPL-2.0
/*
 * The counted ends of a channel (chan_ends.h): taking and releasing the
 * sender and receiver references of mpsc, broadcast and watch channels.
 *
 * A side closes when its count reaches zero: the put that does it wakes
 * every waiter of the other side through the notify the channel names
 * (art_notify_all(), outside the lock, as every wake of a channel is).
 * The reference it held goes last, so that notify is still there to wake;
 * a put returns true when that was the channel's last reference, and the
 * channel, which alone knows how it was allocated, then frees itself.
 */
#include "chan_ends.h"

/* Another sender; the caller holds one. Any context. */
void art_chan_sender_get(struct art_chan_ends *e)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	e->senders++;
	refcount_inc(&e->ref);
	spin_unlock_irqrestore(&e->lock, flags);
}

/*
 * Drop a reference whose side was closed by the caller.
 * Return: true if it was the channel's last: free the channel.
 */
bool art_chan_put(struct art_chan_ends *e)
{
	return refcount_dec_and_test(&e->ref);
}

/* One end leaves: @count, the senders or the receivers, drops by one. */
static bool art_chan_end_put(struct art_chan_ends *e, unsigned int *count,
			     struct art_notify *closed)
{
	unsigned long flags;
	bool last;

	spin_lock_irqsave(&e->lock, flags);
	last = !--*count;
	spin_unlock_irqrestore(&e->lock, flags);
	if (last)
		art_notify_all(closed);
	return art_chan_put(e);
}

/*
 * A sender leaves; the last one wakes @closed, where receivers wait.
 * Return: true if the channel's last reference is gone: free the channel.
 */
bool art_chan_sender_put(struct art_chan_ends *e, struct art_notify *closed)
{
	return art_chan_end_put(e, &e->senders, closed);
}

/*
 * A receiver leaves; the last one wakes @closed, where senders wait.
 * Return: true if the channel's last reference is gone: free the channel.
 */
bool art_chan_receiver_put(struct art_chan_ends *e, struct art_notify *closed)
{
	return art_chan_end_put(e, &e->receivers, closed);
}

/* Whether any receiver is left: a closed future's test. */
bool art_chan_has_receivers(struct art_chan_ends *e)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&e->lock, flags);
	ret = e->receivers;
	spin_unlock_irqrestore(&e->lock, flags);
	return ret;
}
