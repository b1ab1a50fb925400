/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kecho: the tokio echo server of the seeds as a kernel module, written only
 * against <linux/asyncrt.h>. One runtime; one task accepts on a loopback
 * listening socket and spawns one task per connection, which echoes until
 * the peer closes or stays silent for idle_ms. Nothing here owns a thread.
 *
 * Ownership: the module owns the runtime and the listener; each connection
 * task owns its socket from the moment its init runs, and its drop (end of
 * the echo, idle timeout, or abort by art_rt_destroy()) releases it.
 */
#ifndef _KECHO_H
#define _KECHO_H

#include <linux/asyncrt.h>
#include <linux/atomic.h>
#include <linux/net.h>
#include <linux/poll.h>

/**
 * struct kecho_server - what the tasks share; one per module instance
 * @rt: the runtime every task runs on
 * @listener: the listening socket, owned by the module (main.c)
 * @acceptor: join handle of the accept loop
 * @slots: notified when a connection ends, for an acceptor at @max_conns
 * @nr_conns: connection tasks alive (counted by their init and drop)
 * @max_conns: at most this many connections are served at once
 * @idle_ns: a connection silent for this long is closed; 0 for never
 */
struct kecho_server {
	struct art_runtime *rt;
	struct socket *listener;
	struct art_task *acceptor;
	struct art_notify slots;
	atomic_t nr_conns;
	unsigned int max_conns;
	u64 idle_ns;
};

/**
 * struct kecho_wait - await readiness of a socket, with an optional timeout
 * @sock: the socket
 * @events: EPOLLIN, EPOLLOUT...; EPOLLERR and EPOLLHUP always count
 * @wq: the wait on the socket's wait queue, its condition the socket's poll
 * @tmo: @wq with a deadline, when there is one
 * @top: what is polled: &@tmo.fut, or &@wq.fut without a deadline
 *
 * A leaf to its owner: re-initialise it before every await, drop it in the
 * owner's drop (harmless when zero-filled or completed).
 */
struct kecho_wait {
	struct socket *sock;
	__poll_t events;
	struct art_wq_wait wq;
	struct art_timeout tmo;
	struct art_future *top;
};

/* sockwait.c */
void kecho_wait_init(struct kecho_wait *w, struct socket *sock,
		     __poll_t events, u64 timeout_ns);
enum art_poll kecho_wait_poll(struct kecho_wait *w, struct art_cx *cx,
			      long *res);
void kecho_wait_drop(struct kecho_wait *w);

/* accept.c */
struct art_task *kecho_acceptor_spawn(struct kecho_server *srv);

/* conn.c */
void kecho_conn_spawn(struct kecho_server *srv, struct socket *sock);

/* stats.c */
void kecho_stats_init(struct kecho_server *srv);
void kecho_stats_exit(void);

#endif /* _KECHO_H */
