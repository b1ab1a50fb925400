// SPDX-License-Identifier: GPL-2.0
/*
 * The accept loop, one task: the seeds' `loop { listener.accept().await;
 * tokio::spawn(...) }`. It awaits a pending connection on the listener's
 * wait queue, accepts it without blocking and spawns its task. At
 * max_conns it first awaits a slot: a connection task's drop notifies
 * srv->slots, and a notify that comes before the await is kept as a
 * permit, so no slot is missed. Connections that arrive meanwhile wait in
 * the listen backlog.
 *
 * The loop ends only when accepting fails for good (the listener was shut
 * down) or when art_rt_destroy() aborts the task; the listener belongs to
 * the module, so the drop only unhooks the waits.
 */
#include <linux/net.h>
#include <linux/fcntl.h>

#include "kecho.h"

struct kecho_acceptor {
	struct art_future fut;		/* first: the task polls this */
	struct art_co co;
	struct kecho_server *srv;
	struct kecho_wait ready;	/* a connection to accept */
	struct art_notified slot;	/* a connection ended */
	long r;
};

static enum art_poll kecho_acceptor_poll(struct art_future *f,
					 struct art_cx *cx, long *res)
{
	struct kecho_acceptor *a = container_of(f, struct kecho_acceptor, fut);
	struct kecho_server *srv = a->srv;
	struct socket *sock = NULL;

	art_co_begin(&a->co);
	for (;;) {
		while (atomic_read(&srv->nr_conns) >= srv->max_conns) {
			art_notified_init(&a->slot, &srv->slots);
			art_co_await(&a->co, art_notified_poll(&a->slot, cx, &a->r));
		}
		kecho_wait_init(&a->ready, srv->listener, EPOLLIN, 0);
		art_co_await(&a->co, kecho_wait_poll(&a->ready, cx, &a->r));
		a->r = kernel_accept(srv->listener, &sock, O_NONBLOCK);
		/* Nothing after all, or a peer that reset before we took it. */
		if (a->r == -EAGAIN || a->r == -ECONNABORTED)
			continue;
		if (a->r < 0)
			break;
		kecho_conn_spawn(srv, sock);
	}
	art_co_return(&a->co, res, a->r);
	art_co_end(&a->co, res);
}

static void kecho_acceptor_drop(struct art_future *f, long res)
{
	struct kecho_acceptor *a = container_of(f, struct kecho_acceptor, fut);

	kecho_wait_drop(&a->ready);
	art_notified_drop(&a->slot);
	if (res != -ECANCELED)
		pr_warn("accept loop ended: %pe\n", ERR_PTR(res));
}

static const struct art_future_ops kecho_acceptor_ops = {
	.poll = kecho_acceptor_poll,
	.drop = kecho_acceptor_drop,
};

static int kecho_acceptor_init(struct art_future *f, void *arg)
{
	struct kecho_acceptor *a = container_of(f, struct kecho_acceptor, fut);

	a->fut.ops = &kecho_acceptor_ops;
	a->srv = arg;
	return 0;
}

/**
 * kecho_acceptor_spawn() - start the accept loop on @srv->listener
 * @srv: the server, with its runtime and listening socket set up
 *
 * Return: the loop's join handle, or an ERR_PTR from art_spawn().
 */
struct art_task *kecho_acceptor_spawn(struct kecho_server *srv)
{
	return art_spawn(srv->rt, sizeof(struct kecho_acceptor),
			 kecho_acceptor_init, srv, 0);
}
