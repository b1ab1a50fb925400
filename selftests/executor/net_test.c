// SPDX-License-Identifier: GPL-2.0
/*
 * Description: socket futures over POLL readiness: read and write between
 * tasks, write_all of a buffer far larger than the socket's (so it waits
 * for room), read_exact reporting an early end of file, accept and connect
 * on loopback, a refused connect, a bad fd, pipes, timeout(read), and the
 * abort of a task blocked in a socket read cancelling its POLL entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "executor/rt_helpers.h"

FIXTURE(net) {
	struct asyncrt_rt *rt;
	int sv[2];
};

FIXTURE_SETUP(net)
{
	int ret = asyncrt_rt_create(&self->rt, NULL);

	ASSERT_EQ(0, ret) TH_LOG("rt: %s", asyncrt_strerror_hint(ret));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
				self->sv));
}

FIXTURE_TEARDOWN(net)
{
	asyncrt_rt_destroy(self->rt);
	close(self->sv[0]);
	close(self->sv[1]);
}

/* One socket operation as a task: kind 0 read, 1 write_all, 2 read_exact. */
struct io_task {
	struct asyncrt_co co;
	struct asyncrt_io io;
	int kind, fd;
	void *buf;
	size_t len;
	long r;
};

static enum asyncrt_poll io_task(struct asyncrt_cx *cx, void *state, long *res)
{
	struct io_task *t = state;

	asyncrt_co_begin(&t->co);
	if (t->kind == 0)
		asyncrt_read_init(&t->io, t->fd, t->buf, t->len);
	else if (t->kind == 1)
		asyncrt_write_all_init(&t->io, t->fd, t->buf, t->len);
	else
		asyncrt_read_exact_init(&t->io, t->fd, t->buf, t->len);
	asyncrt_co_await(&t->co, asyncrt_io_poll(&t->io, cx, &t->r));
	asyncrt_co_return(&t->co, res, t->r);
	asyncrt_co_end(&t->co, res);
}

/* Spawns a writer of @w, then runs a reader of @r; returns the reader's. */
struct pair {
	struct asyncrt_co co;
	struct io_task w, r;
	struct asyncrt_task *wh;
	struct asyncrt_join j;
	long wres, rres;
};

static enum asyncrt_poll pair(struct asyncrt_cx *cx, void *state, long *res)
{
	struct pair *p = state;

	asyncrt_co_begin(&p->co);
	asyncrt_spawn(cx->rt, io_task, &p->w, 0, &p->wh);
	asyncrt_co_await(&p->co, io_task(cx, &p->r, &p->rres));
	asyncrt_join_init(&p->j, p->wh);
	asyncrt_co_await(&p->co, asyncrt_join_poll(&p->j, cx, &p->wres));
	asyncrt_co_return(&p->co, res, p->rres);
	asyncrt_co_end(&p->co, res);
}

TEST_F(net, write_all_and_read_exact_move_a_large_buffer)
{
	size_t len = 4 << 20, i;
	unsigned char *out = malloc(len), *in = calloc(1, len);
	struct pair p = { 0 };
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_POLL, "POLL");
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	for (i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 2654435761u >> 13);
	p.w = (struct io_task){ .kind = 1, .fd = self->sv[0], .buf = out, .len = len };
	p.r = (struct io_task){ .kind = 2, .fd = self->sv[1], .buf = in, .len = len };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, pair, &p, 0, &res));
	EXPECT_EQ((long)len, res);
	EXPECT_EQ((long)len, p.wres);
	EXPECT_EQ(0, memcmp(in, out, len));
	free(out);
	free(in);
}

TEST_F(net, read_waits_for_data_and_returns_what_came)
{
	char in[64] = { 0 };
	struct pair p = { 0 };
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_POLL, "POLL");
	p.w = (struct io_task){ .kind = 1, .fd = self->sv[0], .buf = "hello", .len = 5 };
	p.r = (struct io_task){ .kind = 0, .fd = self->sv[1], .buf = in, .len = sizeof(in) };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, pair, &p, 0, &res));
	EXPECT_EQ(5, res);
	EXPECT_STREQ("hello", in);
}

TEST_F(net, read_exact_early_eof_is_enodata_and_read_eof_is_zero)
{
	struct io_task t = { .kind = 2, .fd = self->sv[1], .len = 10 };
	char in[10];
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_POLL, "POLL");
	t.buf = in;
	ASSERT_EQ(3, write(self->sv[0], "abc", 3));
	ASSERT_EQ(0, shutdown(self->sv[0], SHUT_WR));
	ASSERT_EQ(0, asyncrt_block_on(self->rt, io_task, &t, 0, &res));
	EXPECT_EQ(-ENODATA, res);
	t = (struct io_task){ .kind = 0, .fd = self->sv[1], .buf = in, .len = 10 };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, io_task, &t, 0, &res));
	EXPECT_EQ(0, res);
}

TEST_F(net, bad_fd_is_ebadf)
{
	char in[4];
	struct io_task t = { .kind = 0, .fd = -1, .buf = in, .len = 4 };
	long res = 0;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, io_task, &t, 0, &res));
	EXPECT_EQ(-EBADF, res);
}

TEST_F(net, pipes_work_too)
{
	char in[8] = { 0 };
	struct pair p = { 0 };
	int pfd[2];
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_POLL, "POLL");
	ASSERT_EQ(0, pipe2(pfd, O_NONBLOCK));
	p.w = (struct io_task){ .kind = 1, .fd = pfd[1], .buf = "pipe", .len = 4 };
	p.r = (struct io_task){ .kind = 2, .fd = pfd[0], .buf = in, .len = 4 };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, pair, &p, 0, &res));
	EXPECT_EQ(4, res);
	EXPECT_STREQ("pipe", in);
	close(pfd[0]);
	close(pfd[1]);
}

/* accept in one task, connect in another; both must succeed. */
struct conn_pair {
	struct asyncrt_co co;
	struct asyncrt_io acc, con;
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd, cfd;
	long afd, cres;
};

static enum asyncrt_poll connector(struct asyncrt_cx *cx, void *state, long *res)
{
	struct conn_pair *c = *(struct conn_pair **)state;

	if (asyncrt_io_poll(&c->con, cx, &c->cres) == ASYNCRT_PENDING)
		return ASYNCRT_PENDING;
	*res = c->cres;
	return ASYNCRT_READY;
}

static enum asyncrt_poll accept_connect(struct asyncrt_cx *cx, void *state, long *res)
{
	struct conn_pair *c = state;

	asyncrt_co_begin(&c->co);
	asyncrt_connect_init(&c->con, c->cfd, (struct sockaddr *)&c->ss, c->len);
	asyncrt_spawn(cx->rt, connector, &c, sizeof(c), NULL);
	asyncrt_accept_init(&c->acc, c->lfd);
	asyncrt_co_await(&c->co, asyncrt_io_poll(&c->acc, cx, &c->afd));
	asyncrt_co_return(&c->co, res, c->afd);
	asyncrt_co_end(&c->co, res);
}

TEST_F(net, accept_and_connect_on_loopback)
{
	struct conn_pair c = { 0 };
	uint16_t port = 0;
	long res = -1;

	REQUIRE_OP(self->rt, ASYNCRT_OP_POLL, "POLL");
	c.lfd = asyncrt_tcp_listen("127.0.0.1", 0, 16, &port);
	ASSERT_LE(0, c.lfd);
	ASSERT_NE(0, port);
	c.cfd = asyncrt_tcp_socket();
	ASSERT_LE(0, c.cfd);
	ASSERT_EQ(0, asyncrt_sockaddr_in(&c.ss, &c.len, "127.0.0.1", port));
	ASSERT_EQ(0, asyncrt_block_on(self->rt, accept_connect, &c, 0, &res));
	EXPECT_LE(0, res);
	EXPECT_EQ(0, c.cres);
	EXPECT_EQ(3, write(c.cfd, "abc", 3));
	close(res);
	close(c.cfd);
	close(c.lfd);
}

TEST_F(net, connect_to_a_closed_port_is_refused)
{
	struct conn_pair c = { 0 };
	struct conn_pair *pc = &c;
	uint16_t port = 0;
	int lfd;
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_POLL, "POLL");
	lfd = asyncrt_tcp_listen("127.0.0.1", 0, 1, &port);
	ASSERT_LE(0, lfd);
	close(lfd);		/* nobody listens there now */
	c.cfd = asyncrt_tcp_socket();
	ASSERT_EQ(0, asyncrt_sockaddr_in(&c.ss, &c.len, "127.0.0.1", port));
	asyncrt_connect_init(&c.con, c.cfd, (struct sockaddr *)&c.ss, c.len);
	ASSERT_EQ(0, asyncrt_block_on(self->rt, connector, &pc, sizeof(pc), &res));
	EXPECT_EQ(-ECONNREFUSED, res);
	close(c.cfd);
	EXPECT_EQ(-EINVAL, asyncrt_sockaddr_in(&c.ss, &c.len, "not an address", 1));
	EXPECT_EQ(-EINVAL, asyncrt_tcp_listen("300.1.1.1", 0, 1, NULL));
}

/* timeout(read) on a socket nobody writes to. */
struct timed_read {
	struct asyncrt_co co;
	struct asyncrt_io io;
	struct asyncrt_timeout to;
	int fd;
	char buf[8];
	long r;
};

static enum asyncrt_poll timed_read(struct asyncrt_cx *cx, void *state, long *res)
{
	struct timed_read *t = state;

	asyncrt_co_begin(&t->co);
	asyncrt_read_init(&t->io, t->fd, t->buf, sizeof(t->buf));
	asyncrt_timeout_init(&t->to, &t->io.fut, 20 * MS);
	asyncrt_co_await(&t->co, asyncrt_timeout_poll(&t->to, cx, &t->r));
	asyncrt_co_return(&t->co, res, t->r);
	asyncrt_co_end(&t->co, res);
}

/* Spawns a reader that blocks, aborts it, joins it. */
struct abort_reader {
	struct asyncrt_co co;
	struct io_task t;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	struct asyncrt_sleep nap;
	long r, n;
};

static enum asyncrt_poll abort_reader(struct asyncrt_cx *cx, void *state, long *res)
{
	struct abort_reader *a = state;

	asyncrt_co_begin(&a->co);
	asyncrt_spawn(cx->rt, io_task, &a->t, sizeof(a->t), &a->h);
	asyncrt_co_yield(&a->co, cx);
	asyncrt_co_yield(&a->co, cx);
	asyncrt_task_abort(a->h);
	asyncrt_join_init(&a->j, a->h);
	asyncrt_co_await(&a->co, asyncrt_join_poll(&a->j, cx, &a->r));
	/* Let the cancelled POLL's completion come back. */
	asyncrt_sleep_init(&a->nap, 20 * MS);
	asyncrt_co_await(&a->co, asyncrt_sleep_poll(&a->nap, cx, &a->n));
	asyncrt_co_return(&a->co, res, a->r);
	asyncrt_co_end(&a->co, res);
}

TEST_F(net, abort_of_task_blocked_in_socket_read_cancels_its_poll)
{
	struct abort_reader a = { 0 };
	struct timed_read tr = { 0 };
	struct asyncrt_metrics m;
	char buf[8];
	long res = 0;

	REQUIRE_OP(self->rt, ASYNCRT_OP_POLL, "POLL");
	REQUIRE_OP(self->rt, ASYNCRT_OP_CANCEL, "CANCEL");
	a.t = (struct io_task){ .kind = 0, .fd = self->sv[1], .buf = buf, .len = 8 };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, abort_reader, &a, 0, &res));
	EXPECT_EQ(-ECANCELED, res);
	ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
	EXPECT_EQ(1, m.cancels);
	EXPECT_EQ(0, m.ops_inflight);

	/* timeout(read) too: -ETIME, and its POLL is cancelled. */
	tr.fd = self->sv[1];
	ASSERT_EQ(0, asyncrt_block_on(self->rt, timed_read, &tr, 0, &res));
	EXPECT_EQ(-ETIME, res);
	/* The socket still works afterwards. */
	ASSERT_EQ(2, write(self->sv[0], "ok", 2));
	a = (struct abort_reader){ 0 };
	{
		struct io_task t = { .kind = 0, .fd = self->sv[1], .buf = buf, .len = 8 };

		ASSERT_EQ(0, asyncrt_block_on(self->rt, io_task, &t, 0, &res));
		EXPECT_EQ(2, res);
	}
}

TEST_HARNESS_MAIN
