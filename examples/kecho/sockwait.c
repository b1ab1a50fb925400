// SPDX-License-Identifier: GPL-2.0
/*
 * Awaiting a socket without a thread: the task hangs an entry on the
 * socket's own wait queue (sk_sleep()) through the core's wait_queue_head
 * bridge, whose condition is the socket's ->poll() with no poll table, the
 * readiness test select() and epoll use. A deadline, when asked for, is the
 * core's timeout combinator around that wait, so an idle peer ends the
 * await with -ETIME and the entry is unhooked before the await returns.
 */
#include <linux/net.h>
#include <net/sock.h>

#include "kecho.h"

static bool kecho_sock_ready(void *arg)
{
	struct kecho_wait *w = arg;
	struct socket *sock = w->sock;
	__poll_t mask;

	/*
	 * The core hooks our entry with add_wait_queue(), whose unlock does
	 * not order the list insertion before the loads of ->poll(). Pairs
	 * with the smp_mb() in wq_has_sleeper() on the waking side, like the
	 * one set_current_state() gives prepare_to_wait().
	 */
	smp_mb();
	mask = sock->ops->poll(NULL, sock, NULL);
	return !!(mask & (w->events | EPOLLERR | EPOLLHUP));
}

/**
 * kecho_wait_init() - prepare an await of @events on @sock
 * @w: the future (zero-filled, completed or dropped)
 * @sock: a socket that outlives the await
 * @events: EPOLLIN for data, a connection to accept or EOF; EPOLLOUT for
 *	send space
 * @timeout_ns: counted from the first poll; 0 waits for ever
 */
void kecho_wait_init(struct kecho_wait *w, struct socket *sock,
		     __poll_t events, u64 timeout_ns)
{
	w->sock = sock;
	w->events = events;
	art_wq_wait_init(&w->wq, sk_sleep(sock->sk), kecho_sock_ready, w);
	if (!timeout_ns) {
		w->top = &w->wq.fut;
		return;
	}
	art_timeout_init(&w->tmo, &w->wq.fut, CLOCK_MONOTONIC, timeout_ns, 0);
	w->top = &w->tmo.fut;
}

/**
 * kecho_wait_poll() - poll a socket await
 * @w: the future
 * @cx: poll context
 * @res: 0 when the socket is ready, -ETIME when the deadline passed first
 *
 * Return: %ART_READY or %ART_PENDING.
 */
enum art_poll kecho_wait_poll(struct kecho_wait *w, struct art_cx *cx,
			      long *res)
{
	return art_future_poll(w->top, cx, res);
}

/**
 * kecho_wait_drop() - unhook from the socket and cancel the deadline
 * @w: the future; idempotent, and harmless when zero-filled
 */
void kecho_wait_drop(struct kecho_wait *w)
{
	if (w->top)
		art_future_drop(w->top, -ECANCELED);
}
