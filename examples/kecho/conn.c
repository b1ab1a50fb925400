// SPDX-License-Identifier: GPL-2.0
/*
 * One task per connection: read what the peer sent, write all of it back,
 * until the peer closes its side, an error, or idle_ms of silence. This is
 * the seeds' `tokio::io::copy(&mut reader, &mut writer)` as a coroutine:
 *
 *   READABLE --data--> WRITABLE --all sent--> READABLE
 *      |                  |
 *      +--EOF, error, ----+--> done: the drop releases the socket
 *         -ETIME (idle)
 *
 * Every socket call is non-blocking (MSG_DONTWAIT); whenever one would
 * block, the task awaits the socket's wait queue instead. A peer that does
 * not read is the same as a silent one: the send await has the same idle
 * deadline, so no connection can pin its task for ever.
 */
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "kecho.h"

/* The task is one kmalloc-2k object: header, state and this buffer. */
#define KECHO_BUF_SIZE	1536

struct kecho_conn {
	struct art_future fut;		/* first: the task polls this */
	struct art_co co;
	struct kecho_server *srv;
	struct socket *sock;		/* ours from init until drop */
	struct kecho_wait wait;
	long r;
	size_t len;			/* bytes in @buf */
	size_t off;			/* of them, already sent back */
	u8 buf[KECHO_BUF_SIZE];
};

static int kecho_recv(struct socket *sock, void *buf, size_t len)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };

	return kernel_recvmsg(sock, &msg, &iov, 1, len, MSG_DONTWAIT);
}

static int kecho_send(struct socket *sock, const void *buf, size_t len)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };

	return kernel_sendmsg(sock, &msg, &iov, 1, len);
}

static enum art_poll kecho_conn_poll(struct art_future *f, struct art_cx *cx,
				     long *res)
{
	struct kecho_conn *c = container_of(f, struct kecho_conn, fut);

	art_co_begin(&c->co);
	for (;;) {
		/* The await spends poll budget, so a busy peer cannot hog a worker. */
		kecho_wait_init(&c->wait, c->sock, EPOLLIN | EPOLLRDHUP,
				c->srv->idle_ns);
		art_co_await(&c->co, kecho_wait_poll(&c->wait, cx, &c->r));
		if (c->r < 0)
			break;
		c->r = kecho_recv(c->sock, c->buf, sizeof(c->buf));
		if (c->r == -EAGAIN)
			continue;
		if (c->r <= 0)
			break;
		c->len = c->r;
		c->off = 0;
		while (c->off < c->len) {
			kecho_wait_init(&c->wait, c->sock, EPOLLOUT,
					c->srv->idle_ns);
			art_co_await(&c->co, kecho_wait_poll(&c->wait, cx, &c->r));
			if (c->r < 0)
				break;
			c->r = kecho_send(c->sock, c->buf + c->off,
					  c->len - c->off);
			if (c->r == -EAGAIN)
				continue;
			if (c->r < 0)
				break;
			c->off += c->r;
		}
		if (c->r < 0)
			break;
	}
	/* 0 for a peer that closed, -ETIME for an idle one, or the error. */
	art_co_return(&c->co, res, c->r);
	art_co_end(&c->co, res);
}

/* Once, however the task ends: done, idle, error, or aborted on unload. */
static void kecho_conn_drop(struct art_future *f, long res)
{
	struct kecho_conn *c = container_of(f, struct kecho_conn, fut);
	struct kecho_server *srv = c->srv;

	/* Off the socket's wait queue before the socket goes. */
	kecho_wait_drop(&c->wait);
	sock_release(c->sock);
	atomic_dec(&srv->nr_conns);
	art_notify_one(&srv->slots);
}

static const struct art_future_ops kecho_conn_ops = {
	.poll = kecho_conn_poll,
	.drop = kecho_conn_drop,
};

struct kecho_conn_arg {
	struct kecho_server *srv;
	struct socket *sock;		/* NULL once the task owns it */
};

static int kecho_conn_init(struct art_future *f, void *arg)
{
	struct kecho_conn *c = container_of(f, struct kecho_conn, fut);
	struct kecho_conn_arg *a = arg;

	c->fut.ops = &kecho_conn_ops;
	c->srv = a->srv;
	c->sock = a->sock;
	a->sock = NULL;
	atomic_inc(&c->srv->nr_conns);
	return 0;
}

/**
 * kecho_conn_spawn() - serve an accepted connection on its own task
 * @srv: the server
 * @sock: the accepted socket; always consumed
 *
 * Called from the accept loop's poll. If the task cannot start (no memory,
 * or the runtime is shutting down) the connection is closed here; once
 * the task's init has run, its drop closes it, even if the spawn then
 * fails.
 */
void kecho_conn_spawn(struct kecho_server *srv, struct socket *sock)
{
	struct kecho_conn_arg a = { .srv = srv, .sock = sock };
	struct art_task *t;

	t = art_spawn(srv->rt, sizeof(struct kecho_conn), kecho_conn_init, &a,
		      ART_SPAWN_DETACHED);
	if (IS_ERR(t) && PTR_ERR(t) != -ESHUTDOWN)
		pr_warn_ratelimited("cannot serve a connection: %pe\n", t);
	if (a.sock)
		sock_release(a.sock);
}
