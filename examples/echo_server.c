// SPDX-License-Identifier: MIT
/*
 * The echo server from the tokio tutorial, in C over /dev/asyncrt: an accept
 * loop that spawns one task per connection, each copying what it reads back
 * to the peer until the peer closes. Every socket is registered with the
 * runtime (asyncrt_socket_open), which keeps one multishot POLLIN entry
 * armed on it: a wait for a connection or bytes costs no ring entry, only
 * the readiness completion that ends it (a wait for room, a oneshot).
 *
 *   echo_server [port [connections]]
 *
 * Listens on 127.0.0.1:port (default 7000). With a connection count, it
 * exits after serving that many connections and prints what it moved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "asyncrt_rt.h"

struct server {
	struct asyncrt_socket *lsock;
	long limit;		/* connections to serve, 0: forever */
	long served, open;
	long long bytes;
};

/* One connection: read what comes, write it all back, until EOF. */
struct conn {
	struct asyncrt_co co;
	struct server *srv;
	struct asyncrt_io io;
	struct asyncrt_socket *sock;
	long n, r;
	char buf[4096];
};

static enum asyncrt_poll conn_task(struct asyncrt_cx *cx, void *state, long *res)
{
	struct conn *c = state;

	asyncrt_co_begin(&c->co);
	for (;;) {
		asyncrt_sock_read_init(&c->io, c->sock, c->buf, sizeof(c->buf));
		asyncrt_co_await(&c->co, asyncrt_io_poll(&c->io, cx, &c->n));
		if (c->n <= 0)
			break;		/* the peer closed, or an error */
		asyncrt_sock_write_all_init(&c->io, c->sock, c->buf, c->n);
		asyncrt_co_await(&c->co, asyncrt_io_poll(&c->io, cx, &c->r));
		if (c->r < 0)
			break;
		c->srv->bytes += c->n;
	}
	asyncrt_socket_close(c->sock);
	c->srv->open--;
	c->srv->served++;
	asyncrt_co_return(&c->co, res, c->n);
	asyncrt_co_end(&c->co, res);
}

/* Aborted or destroyed before the peer closed: the socket is ours to close. */
static void conn_drop(void *state)
{
	struct conn *c = state;

	asyncrt_socket_close(c->sock);
	c->srv->open--;
}

/* The accept loop; ends when the limit of connections has been served. */
struct acceptor {
	struct asyncrt_co co;
	struct server *srv;
	struct asyncrt_io io;
	struct asyncrt_sleep nap;
	long accepted, fd;
};

static enum asyncrt_poll acceptor(struct asyncrt_cx *cx, void *state, long *res)
{
	struct acceptor *a = state;
	struct conn c = { 0 };

	asyncrt_co_begin(&a->co);
	while (!a->srv->limit || a->accepted < a->srv->limit) {
		asyncrt_sock_accept_init(&a->io, a->srv->lsock);
		asyncrt_co_await(&a->co, asyncrt_io_poll(&a->io, cx, &a->fd));
		if (a->fd < 0) {
			fprintf(stderr, "echo_server: accept: %s\n", asyncrt_strerror_hint(a->fd));
			asyncrt_co_return(&a->co, res, a->fd);
		}
		c.srv = a->srv;
		a->accepted++;
		if (asyncrt_socket_open(cx->rt, a->fd, &c.sock)) {
			close(a->fd);
			continue;
		}
		a->srv->open++;
		/* Detached: the connection's task lives on its own. */
		if (asyncrt_spawn_drop(cx->rt, conn_task, conn_drop, &c, sizeof(c), NULL)) {
			asyncrt_socket_close(c.sock);
			a->srv->open--;
		}
	}
	/* Wait for the last connections to finish. */
	while (a->srv->open) {
		asyncrt_sleep_init(&a->nap, 5000000);
		asyncrt_co_await(&a->co, asyncrt_sleep_poll(&a->nap, cx, &a->fd));
	}
	asyncrt_co_end(&a->co, res);
}

int main(int argc, char **argv)
{
	struct server srv = { 0 };
	struct acceptor a = { .srv = &srv };
	struct asyncrt_rt_config cfg = { .cq_entries = 16384 };
	struct asyncrt_rt *rt;
	uint16_t port = argc > 1 ? atoi(argv[1]) : 7000;
	long res = 0;
	int ret, lfd;

	srv.limit = argc > 2 ? atol(argv[2]) : 0;
	ret = asyncrt_rt_create(&rt, &cfg);
	if (ret) {
		fprintf(stderr, "echo_server: %s\n", asyncrt_strerror_hint(ret));
		return 1;
	}
	if (!(asyncrt_rt_ops(rt) & ASYNCRT_OP_BIT(ASYNCRT_OP_POLL))) {
		fprintf(stderr, "echo_server: the module lacks POLL; sockets need it\n");
		asyncrt_rt_destroy(rt);
		return 4;
	}
	lfd = asyncrt_tcp_listen("127.0.0.1", port, 4096, &port);
	if (lfd < 0) {
		fprintf(stderr, "echo_server: listen: %s\n", asyncrt_strerror_hint(lfd));
		asyncrt_rt_destroy(rt);
		return 1;
	}
	ret = asyncrt_socket_open(rt, lfd, &srv.lsock);
	if (ret) {
		fprintf(stderr, "echo_server: %s\n", asyncrt_strerror_hint(ret));
		close(lfd);
		asyncrt_rt_destroy(rt);
		return ret == -EOPNOTSUPP ? 4 : 1;
	}
	printf("echo_server: listening on 127.0.0.1:%u\n", port);
	fflush(stdout);
	ret = asyncrt_block_on(rt, acceptor, &a, 0, &res);
	printf("echo_server: served %ld connections, echoed %lld bytes\n", srv.served, srv.bytes);
	asyncrt_socket_close(srv.lsock);
	asyncrt_rt_destroy(rt);
	return ret || res ? 1 : 0;
}
