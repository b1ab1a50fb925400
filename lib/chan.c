// SPDX-License-Identifier: MIT
/*
 * Channels between tasks of one runtime: oneshot (one message, one sender,
 * one receiver) and a bounded mpsc queue. Messages are copied in and out,
 * msg_size bytes each. Both ends are counted; the channel is freed when the
 * last end closes. A waiting end parks its future on its task, so aborting
 * a task blocked in recv or send unhooks it from the channel.
 *
 * These never enter the kernel: the tasks share a thread. Threads and
 * processes meet through wait queues (op.c) instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

static void wake_future(struct asyncrt_future *f)
{
	if (f)
		asyncrt_wake(f->task);
}

/* ---------------------------------------------------------------------- */
/* oneshot                                                                 */
/* ---------------------------------------------------------------------- */

struct asyncrt_oneshot {
	size_t size;
	int refs;
	unsigned int has_value:1, tx_closed:1, rx_closed:1;
	struct asyncrt_future *waiter;
	max_align_t buf[];
};

int asyncrt_oneshot_new(struct asyncrt_oneshot **out, size_t msg_size)
{
	struct asyncrt_oneshot *ch;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (msg_size > (1UL << 30))
		return -EINVAL;
	ch = calloc(1, sizeof(*ch) + msg_size);
	if (!ch)
		return -ENOMEM;
	ch->size = msg_size;
	ch->refs = 2;
	*out = ch;
	return 0;
}

static void oneshot_put(struct asyncrt_oneshot *ch)
{
	if (--ch->refs == 0)
		free(ch);
}

/* Send and close the sending end; -EPIPE if the receiver is gone. */
int asyncrt_oneshot_send(struct asyncrt_oneshot *ch, const void *msg)
{
	int ret;

	if (!ch || (!msg && ch->size))
		return -EINVAL;
	if (ch->tx_closed)
		return -EPIPE;
	ret = ch->rx_closed ? -EPIPE : 0;
	if (ch->size)
		memcpy(ch->buf, msg, ch->size);
	ch->has_value = 1;
	ch->tx_closed = 1;
	wake_future(ch->waiter);
	oneshot_put(ch);
	return ret;
}

void asyncrt_oneshot_close_tx(struct asyncrt_oneshot *ch)
{
	if (!ch || ch->tx_closed)
		return;
	ch->tx_closed = 1;
	wake_future(ch->waiter);
	oneshot_put(ch);
}

void asyncrt_oneshot_close_rx(struct asyncrt_oneshot *ch)
{
	if (!ch || ch->rx_closed)
		return;
	ch->rx_closed = 1;
	ch->waiter = NULL;
	oneshot_put(ch);
}

static void oneshot_recv_drop(struct asyncrt_future *f)
{
	struct asyncrt_oneshot_recv *r =
		asyncrt_container_of(f, struct asyncrt_oneshot_recv, fut);

	if (r->ch && r->ch->waiter == f)
		r->ch->waiter = NULL;
	asyncrt_future_unpark(f);
}

static enum asyncrt_poll oneshot_recv_poll(struct asyncrt_future *f,
					   struct asyncrt_cx *cx, long *res)
{
	struct asyncrt_oneshot_recv *r =
		asyncrt_container_of(f, struct asyncrt_oneshot_recv, fut);
	struct asyncrt_oneshot *ch = r->ch;

	if (!ch || ch->rx_closed) {
		*res = -EINVAL;
		return ASYNCRT_READY;
	}
	if (ch->has_value) {
		if (ch->size)
			memcpy(r->buf, ch->buf, ch->size);
		ch->has_value = 0;
		*res = 0;
	} else if (ch->tx_closed) {
		*res = -EPIPE;
	} else {
		ch->waiter = f;
		asyncrt_future_park(f, cx);
		return ASYNCRT_PENDING;
	}
	ch->waiter = NULL;
	asyncrt_future_unpark(f);
	return ASYNCRT_READY;
}

void asyncrt_oneshot_recv_init(struct asyncrt_oneshot_recv *r, struct asyncrt_oneshot *ch,
			       void *buf)
{
	memset(r, 0, sizeof(*r));
	r->fut.poll = oneshot_recv_poll;
	r->fut.drop = oneshot_recv_drop;
	r->ch = ch;
	r->buf = buf;
}

enum asyncrt_poll asyncrt_oneshot_recv_poll(struct asyncrt_oneshot_recv *r,
					    struct asyncrt_cx *cx, long *res)
{
	return oneshot_recv_poll(&r->fut, cx, res);
}

/* ---------------------------------------------------------------------- */
/* mpsc                                                                    */
/* ---------------------------------------------------------------------- */

struct asyncrt_mpsc {
	size_t size, cap, head, len;
	unsigned int senders;
	int rx_closed;
	struct asyncrt_future *rx_waiter;
	struct asyncrt_link tx_waiters;	/* struct asyncrt_mpsc_send.wait */
	max_align_t buf[];
};

int asyncrt_mpsc_new(struct asyncrt_mpsc **out, size_t msg_size, size_t capacity)
{
	struct asyncrt_mpsc *ch;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!capacity || !msg_size || msg_size > (1UL << 20) ||
	    capacity > (1UL << 30) / msg_size)
		return -EINVAL;
	ch = calloc(1, sizeof(*ch) + msg_size * capacity);
	if (!ch)
		return -ENOMEM;
	ch->size = msg_size;
	ch->cap = capacity;
	ch->senders = 1;
	asyncrt_list_init(&ch->tx_waiters);
	*out = ch;
	return 0;
}

static void mpsc_maybe_free(struct asyncrt_mpsc *ch)
{
	if (!ch->senders && ch->rx_closed)
		free(ch);
}

static void mpsc_wake_sender(struct asyncrt_mpsc *ch)
{
	struct asyncrt_mpsc_send *s;

	if (asyncrt_list_empty(&ch->tx_waiters))
		return;
	s = asyncrt_container_of(ch->tx_waiters.next, struct asyncrt_mpsc_send, wait);
	wake_future(&s->fut);
}

static void mpsc_wake_all_senders(struct asyncrt_mpsc *ch)
{
	struct asyncrt_link *l;

	for (l = ch->tx_waiters.next; l != &ch->tx_waiters; l = l->next)
		wake_future(&asyncrt_container_of(l, struct asyncrt_mpsc_send, wait)->fut);
}

void asyncrt_mpsc_tx_clone(struct asyncrt_mpsc *ch)
{
	if (ch)
		ch->senders++;
}

void asyncrt_mpsc_tx_close(struct asyncrt_mpsc *ch)
{
	if (!ch || !ch->senders)
		return;
	if (--ch->senders == 0)
		wake_future(ch->rx_waiter);
	mpsc_maybe_free(ch);
}

void asyncrt_mpsc_rx_close(struct asyncrt_mpsc *ch)
{
	if (!ch || ch->rx_closed)
		return;
	ch->rx_closed = 1;
	ch->rx_waiter = NULL;
	mpsc_wake_all_senders(ch);
	mpsc_maybe_free(ch);
}

int asyncrt_mpsc_try_send(struct asyncrt_mpsc *ch, const void *msg)
{
	unsigned char *slot;

	if (!ch || !msg)
		return -EINVAL;
	if (ch->rx_closed)
		return -EPIPE;
	if (ch->len == ch->cap)
		return -EAGAIN;
	slot = (unsigned char *)ch->buf + ((ch->head + ch->len) % ch->cap) * ch->size;
	memcpy(slot, msg, ch->size);
	ch->len++;
	wake_future(ch->rx_waiter);
	return 0;
}

int asyncrt_mpsc_try_recv(struct asyncrt_mpsc *ch, void *buf)
{
	if (!ch || !buf)
		return -EINVAL;
	if (!ch->len)
		return ch->senders ? -EAGAIN : -EPIPE;
	memcpy(buf, (unsigned char *)ch->buf + ch->head * ch->size, ch->size);
	ch->head = (ch->head + 1) % ch->cap;
	ch->len--;
	mpsc_wake_sender(ch);
	return 0;
}

size_t asyncrt_mpsc_len(const struct asyncrt_mpsc *ch)
{
	return ch ? ch->len : 0;
}

static void mpsc_send_drop(struct asyncrt_future *f)
{
	struct asyncrt_mpsc_send *s = asyncrt_container_of(f, struct asyncrt_mpsc_send, fut);
	int was_first = s->ch && s->ch->tx_waiters.next == &s->wait;

	asyncrt_list_del(&s->wait);
	asyncrt_future_unpark(f);
	/* A wake meant for us must not be lost: pass it on. */
	if (was_first && s->ch->len < s->ch->cap)
		mpsc_wake_sender(s->ch);
}

static enum asyncrt_poll mpsc_send_poll(struct asyncrt_future *f, struct asyncrt_cx *cx,
					long *res)
{
	struct asyncrt_mpsc_send *s = asyncrt_container_of(f, struct asyncrt_mpsc_send, fut);
	int ret = asyncrt_mpsc_try_send(s->ch, s->msg);

	if (ret == -EAGAIN) {
		if (asyncrt_list_empty(&s->wait))
			asyncrt_list_add_tail(&s->wait, &s->ch->tx_waiters);
		asyncrt_future_park(f, cx);
		return ASYNCRT_PENDING;
	}
	asyncrt_list_del(&s->wait);
	asyncrt_future_unpark(f);
	/* Room left: the next waiting sender may go too. */
	if (s->ch && s->ch->len < s->ch->cap)
		mpsc_wake_sender(s->ch);
	*res = ret;
	return ASYNCRT_READY;
}

void asyncrt_mpsc_send_init(struct asyncrt_mpsc_send *s, struct asyncrt_mpsc *ch,
			    const void *msg)
{
	memset(s, 0, sizeof(*s));
	s->fut.poll = mpsc_send_poll;
	s->fut.drop = mpsc_send_drop;
	s->ch = ch;
	s->msg = msg;
	asyncrt_list_init(&s->wait);
}

enum asyncrt_poll asyncrt_mpsc_send_poll(struct asyncrt_mpsc_send *s,
					 struct asyncrt_cx *cx, long *res)
{
	return mpsc_send_poll(&s->fut, cx, res);
}

static void mpsc_recv_drop(struct asyncrt_future *f)
{
	struct asyncrt_mpsc_recv *r = asyncrt_container_of(f, struct asyncrt_mpsc_recv, fut);

	if (r->ch && r->ch->rx_waiter == f)
		r->ch->rx_waiter = NULL;
	asyncrt_future_unpark(f);
}

static enum asyncrt_poll mpsc_recv_poll(struct asyncrt_future *f, struct asyncrt_cx *cx,
					long *res)
{
	struct asyncrt_mpsc_recv *r = asyncrt_container_of(f, struct asyncrt_mpsc_recv, fut);
	int ret;

	if (r->ch && r->ch->rx_closed) {
		*res = -EINVAL;
		return ASYNCRT_READY;
	}
	ret = asyncrt_mpsc_try_recv(r->ch, r->buf);
	if (ret == -EAGAIN) {
		r->ch->rx_waiter = f;
		asyncrt_future_park(f, cx);
		return ASYNCRT_PENDING;
	}
	if (r->ch && r->ch->rx_waiter == f)
		r->ch->rx_waiter = NULL;
	asyncrt_future_unpark(f);
	*res = ret;
	return ASYNCRT_READY;
}

void asyncrt_mpsc_recv_init(struct asyncrt_mpsc_recv *r, struct asyncrt_mpsc *ch,
			    void *buf)
{
	memset(r, 0, sizeof(*r));
	r->fut.poll = mpsc_recv_poll;
	r->fut.drop = mpsc_recv_drop;
	r->ch = ch;
	r->buf = buf;
}

enum asyncrt_poll asyncrt_mpsc_recv_poll(struct asyncrt_mpsc_recv *r,
					 struct asyncrt_cx *cx, long *res)
{
	return mpsc_recv_poll(&r->fut, cx, res);
}
