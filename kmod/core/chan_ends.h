/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counted ends of a channel, shared by the mpsc (chan.c), broadcast
 * and watch channels: the lock that guards the channel, one reference per
 * sender and per receiver, and the two counts whose reaching zero closes
 * a side. Each channel embeds a struct art_chan_ends, wakes its own
 * notify when a side closes and frees itself when a put says the last
 * reference is gone. Not part of the API.
 */
#ifndef _ART_CHAN_ENDS_H
#define _ART_CHAN_ENDS_H

#include <linux/asyncrt.h>
#include <linux/lockdep.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>

struct art_chan_ends {
	spinlock_t lock;		/* protects the counts and the channel */
	refcount_t ref;			/* senders + receivers */
	unsigned int senders;
	unsigned int receivers;
};

/*
 * One sender, the creator's, and @receivers receivers. Inline so that
 * each kind of channel keeps a lock class of its own: spin_lock_init()
 * names the class after the place it is called from.
 */
static inline void art_chan_ends_init(struct art_chan_ends *e,
				      unsigned int receivers)
{
	spin_lock_init(&e->lock);
	refcount_set(&e->ref, 1 + receivers);
	e->senders = 1;
	e->receivers = receivers;
}

/* A receiver joins; with the channel's own state set under the same lock. */
static inline void art_chan_receiver_get_locked(struct art_chan_ends *e)
	__must_hold(&e->lock)
{
	lockdep_assert_held(&e->lock);
	e->receivers++;
	refcount_inc(&e->ref);
}

/* chan_ends.c */
void art_chan_sender_get(struct art_chan_ends *e);
bool art_chan_sender_put(struct art_chan_ends *e, struct art_notify *closed);
bool art_chan_receiver_put(struct art_chan_ends *e, struct art_notify *closed);
bool art_chan_has_receivers(struct art_chan_ends *e);
bool art_chan_put(struct art_chan_ends *e);

#endif /* _ART_CHAN_ENDS_H */
