// SPDX-License-Identifier: GPL-2.0
/*
 * Description: registered sockets (asyncrt_socket_*) keep one multishot
 * POLL armed per socket: a thousand ping-pongs cost one entry per socket;
 * readiness reported while no task waits is kept, not lost; a large
 * write_all/read_exact over TCP waits for room and bytes; the abort of a
 * task blocked in a read joins -ECANCELED and leaves the socket usable,
 * and aborting two of three readers leaves the third one waiting;
 * close with the POLL in flight detaches its waiters (-EBADF) and the
 * entry ends, for a reader's POLLIN and a writer's POLLOUT; POLLOUT is armed
 * only while a writer waits (a unix socket's ping-pong costs two readiness
 * completions per round trip, not four); a POLL ended from outside
 * (CANCEL_ALL) is armed again; datagram sockets keep message boundaries
 * and readiness across short reads; pipes; a short read whose completion
 * was reaped with the EOF's keeps the EOF (read and read_exact); a writer
 * woken, then closed on by another task before it runs, gets -EBADF; bad
 * input.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "executor/rt_helpers.h"

FIXTURE(sock) {
	struct asyncrt_rt *rt;
	struct asyncrt_socket *s[2];
};

FIXTURE_SETUP(sock)
{
	int ret = asyncrt_rt_create(&self->rt, NULL);
	int sv[2];

	ASSERT_EQ(0, ret) TH_LOG("rt: %s", asyncrt_strerror_hint(ret));
	if (!(asyncrt_rt_ops(self->rt) & ASYNCRT_OP_BIT(ASYNCRT_OP_POLL)) ||
	    !(asyncrt_rt_ops(self->rt) & ASYNCRT_OP_BIT(ASYNCRT_OP_CANCEL)))
		SKIP(return, "the module lacks POLL or CANCEL (not implemented yet)");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, asyncrt_socket_open(self->rt, sv[0], &self->s[0]));
	ASSERT_EQ(0, asyncrt_socket_open(self->rt, sv[1], &self->s[1]));
}

FIXTURE_TEARDOWN(sock)
{
	/* Sockets left open are closed and freed by destroy. */
	asyncrt_rt_destroy(self->rt);
}

static struct asyncrt_metrics metrics(struct asyncrt_rt *rt)
{
	struct asyncrt_metrics m;

	memset(&m, 0, sizeof(m));
	asyncrt_rt_metrics(rt, &m, sizeof(m));
	return m;
}

/* One operation on a registered socket: 0 read, 1 write_all, 2 read_exact. */
struct sock_task {
	struct asyncrt_co co;
	struct asyncrt_io io;
	struct asyncrt_socket *s;
	int kind;
	void *buf;
	size_t len;
	long r;
};

static enum asyncrt_poll sock_task(struct asyncrt_cx *cx, void *state, long *res)
{
	struct sock_task *t = state;

	asyncrt_co_begin(&t->co);
	if (t->kind == 0)
		asyncrt_sock_read_init(&t->io, t->s, t->buf, t->len);
	else if (t->kind == 1)
		asyncrt_sock_write_all_init(&t->io, t->s, t->buf, t->len);
	else
		asyncrt_sock_read_exact_init(&t->io, t->s, t->buf, t->len);
	asyncrt_co_await(&t->co, asyncrt_io_poll(&t->io, cx, &t->r));
	asyncrt_co_return(&t->co, res, t->r);
	asyncrt_co_end(&t->co, res);
}

/* Ping-pong @rounds 8-byte messages: an echo task on s[1], the pinger here. */
#define ROUNDS	1000

struct echo {
	struct asyncrt_co co;
	struct asyncrt_io io;
	struct asyncrt_socket *s;
	char buf[64];
	long n, r;
};

static enum asyncrt_poll echo(struct asyncrt_cx *cx, void *state, long *res)
{
	struct echo *e = state;

	asyncrt_co_begin(&e->co);
	for (;;) {
		asyncrt_sock_read_init(&e->io, e->s, e->buf, sizeof(e->buf));
		asyncrt_co_await(&e->co, asyncrt_io_poll(&e->io, cx, &e->n));
		if (e->n <= 0)
			break;
		asyncrt_sock_write_all_init(&e->io, e->s, e->buf, e->n);
		asyncrt_co_await(&e->co, asyncrt_io_poll(&e->io, cx, &e->r));
		if (e->r < 0)
			break;
	}
	asyncrt_co_return(&e->co, res, e->n);
	asyncrt_co_end(&e->co, res);
}

struct pinger {
	struct asyncrt_co co;
	struct asyncrt_io io;
	struct asyncrt_socket *s[2];
	struct asyncrt_task *h;
	struct asyncrt_join j;
	struct echo e;
	char out[8], in[8];
	int i;
	long r;
};

static enum asyncrt_poll pinger(struct asyncrt_cx *cx, void *state, long *res)
{
	struct pinger *p = state;

	asyncrt_co_begin(&p->co);
	p->e.s = p->s[1];
	if (asyncrt_spawn(cx->rt, echo, &p->e, sizeof(p->e), &p->h))
		asyncrt_co_return(&p->co, res, -ENOMEM);
	for (p->i = 0; p->i < ROUNDS; p->i++) {
		memcpy(p->out, &p->i, sizeof(p->i));
		memcpy(p->out + 4, "ping", 4);
		asyncrt_sock_write_all_init(&p->io, p->s[0], p->out, sizeof(p->out));
		asyncrt_co_await(&p->co, asyncrt_io_poll(&p->io, cx, &p->r));
		if (p->r != sizeof(p->out))
			asyncrt_co_return(&p->co, res, p->r < 0 ? p->r : -EIO);
		asyncrt_sock_read_exact_init(&p->io, p->s[0], p->in, sizeof(p->in));
		asyncrt_co_await(&p->co, asyncrt_io_poll(&p->io, cx, &p->r));
		if (p->r != sizeof(p->in) || memcmp(p->in, p->out, sizeof(p->in)))
			asyncrt_co_return(&p->co, res, p->r < 0 ? p->r : -EILSEQ);
	}
	/* EOF ends the echo task. */
	shutdown(asyncrt_socket_fd(p->s[0]), SHUT_WR);
	asyncrt_join_init(&p->j, p->h);
	asyncrt_co_await(&p->co, asyncrt_join_poll(&p->j, cx, &p->r));
	asyncrt_co_return(&p->co, res, p->r == 0 ? p->i : -EPIPE);
	asyncrt_co_end(&p->co, res);
}

TEST_F(sock, ping_pong_costs_one_entry_per_socket)
{
	struct pinger p = { .s = { self->s[0], self->s[1] } };
	struct asyncrt_metrics m;
	long res = 0;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, pinger, &p, 0, &res));
	EXPECT_EQ(ROUNDS, res);
	m = metrics(self->rt);
	/* One multishot POLL per socket, still armed: not one per wait. */
	EXPECT_EQ(2, m.ops_submitted);
	EXPECT_EQ(2, m.ops_inflight);
	/*
	 * Per round trip a readable event for each side, no more: a unix
	 * socket reports writability each time its peer reads, and with
	 * POLLOUT kept armed that was two completions more per round trip
	 * that no writer waited for.
	 */
	EXPECT_LE(m.completions, 2 * ROUNDS + 8);
	EXPECT_EQ(0, asyncrt_socket_close(self->s[0]));
	EXPECT_EQ(0, asyncrt_socket_close(self->s[1]));
}

/* Writes one byte to @fd when it runs. */
struct byte_writer {
	int fd;
	char c;
};

static enum asyncrt_poll byte_writer(struct asyncrt_cx *cx, void *state, long *res)
{
	struct byte_writer *w = state;

	*res = write(w->fd, &w->c, 1);
	return ASYNCRT_READY;
}

/*
 * Readiness that arrives while nobody waits: a read that would block arms
 * the POLL and is woken by a byte a later task writes; then a byte comes
 * while the task sleeps (its completion is reaped then, with no waiter):
 * the next read must find it, not wait for a wake-up that already came.
 */
struct late_reader {
	struct asyncrt_co co;
	struct asyncrt_io io;
	struct asyncrt_timeout to;
	struct asyncrt_sleep nap;
	struct asyncrt_socket *s[2];
	char buf[8];
	long r, n;
};

static enum asyncrt_poll late_reader(struct asyncrt_cx *cx, void *state, long *res)
{
	struct late_reader *t = state;
	struct byte_writer w = { .fd = asyncrt_socket_fd(t->s[0]), .c = 'a' };

	asyncrt_co_begin(&t->co);
	if (asyncrt_spawn(cx->rt, byte_writer, &w, sizeof(w), NULL))
		asyncrt_co_return(&t->co, res, -ENOMEM);
	asyncrt_sock_read_init(&t->io, t->s[1], t->buf, sizeof(t->buf));
	asyncrt_co_await(&t->co, asyncrt_io_poll(&t->io, cx, &t->r));
	if (t->r != 1 || t->buf[0] != 'a')
		asyncrt_co_return(&t->co, res, t->r < 0 ? t->r : -EILSEQ);
	if (write(asyncrt_socket_fd(t->s[0]), "b", 1) != 1)
		asyncrt_co_return(&t->co, res, -EIO);
	asyncrt_sleep_init(&t->nap, 20 * MS);
	asyncrt_co_await(&t->co, asyncrt_sleep_poll(&t->nap, cx, &t->n));
	asyncrt_sock_read_init(&t->io, t->s[1], t->buf, sizeof(t->buf));
	asyncrt_timeout_init(&t->to, &t->io.fut, 1000 * MS);
	asyncrt_co_await(&t->co, asyncrt_timeout_poll(&t->to, cx, &t->r));
	if (t->r != 1 || t->buf[0] != 'b')
		asyncrt_co_return(&t->co, res, t->r < 0 ? t->r : -EILSEQ);
	asyncrt_co_return(&t->co, res, 0);
	asyncrt_co_end(&t->co, res);
}

TEST_F(sock, readiness_before_the_wait_is_not_lost)
{
	struct late_reader t = { .s = { self->s[0], self->s[1] } };
	long res = -1;

	ASSERT_EQ(0, asyncrt_block_on(self->rt, late_reader, &t, 0, &res));
	EXPECT_EQ(0, res);
}

/* Spawns a read on s[1] that blocks, aborts it, joins it. */
struct abort_reader {
	struct asyncrt_co co;
	struct sock_task t;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	long r;
};

static enum asyncrt_poll abort_reader(struct asyncrt_cx *cx, void *state, long *res)
{
	struct abort_reader *a = state;

	asyncrt_co_begin(&a->co);
	asyncrt_spawn(cx->rt, sock_task, &a->t, sizeof(a->t), &a->h);
	asyncrt_co_yield(&a->co, cx);
	asyncrt_co_yield(&a->co, cx);
	asyncrt_task_abort(a->h);
	asyncrt_join_init(&a->j, a->h);
	asyncrt_co_await(&a->co, asyncrt_join_poll(&a->j, cx, &a->r));
	asyncrt_co_return(&a->co, res, a->r);
	asyncrt_co_end(&a->co, res);
}

TEST_F(sock, abort_of_task_blocked_in_read_joins_ecanceled)
{
	struct abort_reader a = { 0 };
	struct sock_task t = { 0 };
	char buf[8] = { 0 };
	long res = 0;

	a.t = (struct sock_task){ .kind = 0, .s = self->s[1], .buf = buf, .len = 8 };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, abort_reader, &a, 0, &res));
	EXPECT_EQ(-ECANCELED, res);
	EXPECT_EQ(1, metrics(self->rt).ops_inflight);
	/* The socket still works: the readiness goes to the next reader only. */
	ASSERT_EQ(2, write(asyncrt_socket_fd(self->s[0]), "ok", 2));
	t = (struct sock_task){ .kind = 0, .s = self->s[1], .buf = buf, .len = 8 };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, sock_task, &t, 0, &res));
	EXPECT_EQ(2, res);
	EXPECT_STREQ("ok", buf);
	EXPECT_EQ(1, metrics(self->rt).ops_submitted);
}

/*
 * Three readers wait on s[1]; the first two are aborted, so their futures
 * leave the socket's waiters from under (and beside) the third's. Bytes
 * that come then reach the third reader.
 */
struct abort_two {
	struct asyncrt_co co;
	struct sock_task t[3];
	struct asyncrt_task *h[3];
	struct asyncrt_join j;
	int wfd, i;
	long r[3];
};

static enum asyncrt_poll abort_two(struct asyncrt_cx *cx, void *state, long *res)
{
	struct abort_two *a = state;

	asyncrt_co_begin(&a->co);
	for (a->i = 0; a->i < 3; a->i++)
		asyncrt_spawn(cx->rt, sock_task, &a->t[a->i], sizeof(a->t[a->i]), &a->h[a->i]);
	asyncrt_co_yield(&a->co, cx);
	asyncrt_co_yield(&a->co, cx);
	asyncrt_task_abort(a->h[0]);
	asyncrt_task_abort(a->h[1]);
	if (write(a->wfd, "ok", 2) != 2)
		asyncrt_co_return(&a->co, res, -EIO);
	for (a->i = 0; a->i < 3; a->i++) {
		asyncrt_join_init(&a->j, a->h[a->i]);
		asyncrt_co_await(&a->co, asyncrt_join_poll(&a->j, cx, &a->r[a->i]));
	}
	asyncrt_co_end(&a->co, res);
}

TEST_F(sock, abort_of_two_of_three_readers_leaves_the_third_waiting)
{
	struct abort_two a = { 0 };
	char buf[3][8] = { { 0 } };
	long res = -1;
	int i;

	for (i = 0; i < 3; i++)
		a.t[i] = (struct sock_task){ .kind = 0, .s = self->s[1], .buf = buf[i], .len = 8 };
	a.wfd = asyncrt_socket_fd(self->s[0]);
	ASSERT_EQ(0, asyncrt_block_on(self->rt, abort_two, &a, 0, &res));
	EXPECT_EQ(0, res);
	EXPECT_EQ(-ECANCELED, a.r[0]);
	EXPECT_EQ(-ECANCELED, a.r[1]);
	EXPECT_EQ(2, a.r[2]);
	EXPECT_STREQ("ok", buf[2]);
	/* One POLLIN entry served all three. */
	EXPECT_EQ(1, metrics(self->rt).ops_submitted);
	EXPECT_EQ(1, metrics(self->rt).ops_inflight);
}

/* A reader waits on s[1]; another task closes s[1] under it. */
struct close_under {
	struct asyncrt_co co;
	struct sock_task t;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	struct asyncrt_sleep nap;
	long r, n, closed;
};

static enum asyncrt_poll close_under(struct asyncrt_cx *cx, void *state, long *res)
{
	struct close_under *c = state;

	asyncrt_co_begin(&c->co);
	asyncrt_spawn(cx->rt, sock_task, &c->t, sizeof(c->t), &c->h);
	asyncrt_co_yield(&c->co, cx);
	asyncrt_co_yield(&c->co, cx);
	c->closed = asyncrt_socket_close(c->t.s);
	asyncrt_join_init(&c->j, c->h);
	asyncrt_co_await(&c->co, asyncrt_join_poll(&c->j, cx, &c->r));
	/* Let the cancelled POLL's terminal completion come back. */
	asyncrt_sleep_init(&c->nap, 20 * MS);
	asyncrt_co_await(&c->co, asyncrt_sleep_poll(&c->nap, cx, &c->n));
	asyncrt_co_return(&c->co, res, c->r);
	asyncrt_co_end(&c->co, res);
}

TEST_F(sock, close_with_poll_in_flight_detaches_waiters_and_ends_it)
{
	struct close_under c = { 0 };
	struct asyncrt_metrics m;
	char buf[8];
	long res = 0;

	c.t = (struct sock_task){ .kind = 0, .s = self->s[1], .buf = buf, .len = 8 };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, close_under, &c, 0, &res));
	EXPECT_EQ(0, c.closed);
	EXPECT_EQ(-EBADF, res);
	m = metrics(self->rt);
	/* The socket's POLL and the nap's SLEEP. */
	EXPECT_EQ(2, m.ops_submitted);
	EXPECT_EQ(1, m.cancels);
	EXPECT_EQ(0, m.ops_inflight);
	/* The peer sees the close: the POLL no longer holds the file. */
	EXPECT_EQ(0, read(asyncrt_socket_fd(self->s[0]), buf, sizeof(buf)));
	EXPECT_EQ(-EBADF, asyncrt_socket_close(NULL));
}

TEST_F(sock, close_with_pollout_in_flight_detaches_the_writer_and_ends_it)
{
	size_t len = 4 << 20;
	char *buf = calloc(1, len);
	struct close_under c = { 0 };
	struct asyncrt_metrics m;
	long res = 0;

	ASSERT_NE(NULL, buf);
	/* Nobody reads s[0]: the writer fills the socket and waits for room. */
	c.t = (struct sock_task){ .kind = 1, .s = self->s[1], .buf = buf, .len = len };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, close_under, &c, 0, &res));
	EXPECT_EQ(0, c.closed);
	EXPECT_EQ(-EBADF, res);
	m = metrics(self->rt);
	/* The writer's POLLOUT oneshot and the nap's SLEEP; no POLLIN entry. */
	EXPECT_EQ(2, m.ops_submitted);
	EXPECT_EQ(1, m.cancels);
	EXPECT_EQ(0, m.ops_inflight);
	free(buf);
}

TEST_F(sock, close_outside_the_loop_releases_the_file_at_once)
{
	struct pollfd pfd;
	char buf[8];
	long res = 0;

	/* Arm s[1]'s POLL: a read_exact that gets 2 of 8 bytes, then times out. */
	ASSERT_EQ(2, write(asyncrt_socket_fd(self->s[0]), "hi", 2));
	{
		struct asyncrt_timeout to;
		struct asyncrt_io io;

		asyncrt_sock_read_exact_init(&io, self->s[1], buf, sizeof(buf));
		asyncrt_timeout_init(&to, &io.fut, 20 * MS);
		ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &to.fut, &res));
		EXPECT_EQ(-ETIME, res);
	}
	EXPECT_EQ(1, metrics(self->rt).ops_inflight);
	/* No loop runs now, yet the peer must see the close. */
	EXPECT_EQ(0, asyncrt_socket_close(self->s[1]));
	pfd = (struct pollfd){ .fd = asyncrt_socket_fd(self->s[0]), .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 2000));
	EXPECT_EQ(0, read(pfd.fd, buf, sizeof(buf)));
}

/* A reader waits; another task ends every entry with a raw CANCEL_ALL. */
struct cancel_all {
	struct asyncrt_co co;
	struct sock_task t;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	struct asyncrt_sleep nap;
	int wfd;
	long r, n;
};

static enum asyncrt_poll cancel_all(struct asyncrt_cx *cx, void *state, long *res)
{
	struct cancel_all *c = state;
	struct asyncrt_sqe *sqe;

	asyncrt_co_begin(&c->co);
	asyncrt_spawn(cx->rt, sock_task, &c->t, sizeof(c->t), &c->h);
	asyncrt_co_yield(&c->co, cx);
	asyncrt_co_yield(&c->co, cx);
	sqe = asyncrt_get_sqe(asyncrt_rt_ring(cx->rt));
	if (!sqe)
		asyncrt_co_return(&c->co, res, -EBUSY);
	/* The runtime ignores completions with its own internal user_data. */
	asyncrt_prep_cancel_all(sqe, ~0ULL);
	asyncrt_sleep_init(&c->nap, 20 * MS);
	asyncrt_co_await(&c->co, asyncrt_sleep_poll(&c->nap, cx, &c->n));
	/* The reader re-armed the POLL; these bytes must reach it. */
	if (write(c->wfd, "re", 2) != 2)
		asyncrt_co_return(&c->co, res, -EIO);
	asyncrt_join_init(&c->j, c->h);
	asyncrt_co_await(&c->co, asyncrt_join_poll(&c->j, cx, &c->r));
	asyncrt_co_return(&c->co, res, c->r);
	asyncrt_co_end(&c->co, res);
}

TEST_F(sock, poll_ended_from_outside_is_armed_again)
{
	struct cancel_all c = { 0 };
	char buf[8] = { 0 };
	long res = 0;

	c.t = (struct sock_task){ .kind = 0, .s = self->s[1], .buf = buf, .len = 8 };
	c.wfd = asyncrt_socket_fd(self->s[0]);
	ASSERT_EQ(0, asyncrt_block_on(self->rt, cancel_all, &c, 0, &res));
	EXPECT_EQ(2, res);
	EXPECT_STREQ("re", buf);
	/* The POLL, the nap's SLEEP, the POLL armed again. */
	EXPECT_EQ(3, metrics(self->rt).ops_submitted);
	EXPECT_EQ(1, metrics(self->rt).ops_inflight);
}

/* write_all of 4 MiB from s[0] while read_exact takes it on s[1]. */
struct bulk {
	struct asyncrt_co co;
	struct sock_task w, r;
	struct asyncrt_task *wh;
	struct asyncrt_join j;
	long wres, rres;
};

static enum asyncrt_poll bulk(struct asyncrt_cx *cx, void *state, long *res)
{
	struct bulk *b = state;

	asyncrt_co_begin(&b->co);
	asyncrt_spawn(cx->rt, sock_task, &b->w, 0, &b->wh);
	asyncrt_co_await(&b->co, sock_task(cx, &b->r, &b->rres));
	asyncrt_join_init(&b->j, b->wh);
	asyncrt_co_await(&b->co, asyncrt_join_poll(&b->j, cx, &b->wres));
	asyncrt_co_return(&b->co, res, b->rres);
	asyncrt_co_end(&b->co, res);
}

/* accept and connect on registered TCP sockets, then the bulk transfer. */
struct tcp_pair {
	struct asyncrt_co co;
	struct asyncrt_io acc, con;
	struct asyncrt_socket *ls, *cs, *as;
	struct sockaddr_storage ss;
	socklen_t len;
	long afd, cres;
};

static enum asyncrt_poll connector(struct asyncrt_cx *cx, void *state, long *res)
{
	struct tcp_pair *c = *(struct tcp_pair **)state;

	if (asyncrt_io_poll(&c->con, cx, &c->cres) == ASYNCRT_PENDING)
		return ASYNCRT_PENDING;
	*res = c->cres;
	return ASYNCRT_READY;
}

static enum asyncrt_poll tcp_pair(struct asyncrt_cx *cx, void *state, long *res)
{
	struct tcp_pair *c = state;
	struct asyncrt_task *h;

	asyncrt_co_begin(&c->co);
	asyncrt_sock_connect_init(&c->con, c->cs, (struct sockaddr *)&c->ss, c->len);
	if (asyncrt_spawn(cx->rt, connector, &c, sizeof(c), &h))
		asyncrt_co_return(&c->co, res, -ENOMEM);
	asyncrt_task_detach(h);
	asyncrt_sock_accept_init(&c->acc, c->ls);
	asyncrt_co_await(&c->co, asyncrt_io_poll(&c->acc, cx, &c->afd));
	if (c->afd < 0)
		asyncrt_co_return(&c->co, res, c->afd);
	asyncrt_co_return(&c->co, res, asyncrt_socket_open(cx->rt, c->afd, &c->as));
	asyncrt_co_end(&c->co, res);
}

TEST_F(sock, tcp_accept_connect_and_bulk_transfer)
{
	size_t len = 4 << 20, i;
	unsigned char *out = malloc(len), *in = calloc(1, len);
	struct tcp_pair c = { 0 };
	struct bulk b = { 0 };
	uint16_t port = 0;
	int fd;
	long res = -1;

	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	fd = asyncrt_tcp_listen("127.0.0.1", 0, 16, &port);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, asyncrt_socket_open(self->rt, fd, &c.ls));
	fd = asyncrt_tcp_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, asyncrt_socket_open(self->rt, fd, &c.cs));
	ASSERT_EQ(0, asyncrt_sockaddr_in(&c.ss, &c.len, "127.0.0.1", port));
	ASSERT_EQ(0, asyncrt_block_on(self->rt, tcp_pair, &c, 0, &res));
	ASSERT_EQ(0, res);
	/* block_on returns when the accept is done; the connect may trail. */
	ASSERT_EQ(0, c.cres);

	for (i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 2654435761u >> 13);
	b.w = (struct sock_task){ .kind = 1, .s = c.cs, .buf = out, .len = len };
	b.r = (struct sock_task){ .kind = 2, .s = c.as, .buf = in, .len = len };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, bulk, &b, 0, &res));
	EXPECT_EQ((long)len, res);
	EXPECT_EQ((long)len, b.wres);
	EXPECT_EQ(0, memcmp(in, out, len));
	EXPECT_EQ(0, asyncrt_socket_close(c.as));
	EXPECT_EQ(0, asyncrt_socket_close(c.cs));
	EXPECT_EQ(0, asyncrt_socket_close(c.ls));
	free(out);
	free(in);
}

/* A unix socket's writer that waits for room arms POLLOUT for that wait only. */
TEST_F(sock, pollout_is_armed_only_while_a_writer_waits)
{
	size_t len = 4 << 20, i;
	unsigned char *out = malloc(len), *in = calloc(1, len);
	struct bulk b = { 0 };
	struct asyncrt_metrics m;
	long res = -1;

	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	for (i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 2654435761u >> 13);
	b.w = (struct sock_task){ .kind = 1, .s = self->s[0], .buf = out, .len = len };
	b.r = (struct sock_task){ .kind = 2, .s = self->s[1], .buf = in, .len = len };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, bulk, &b, 0, &res));
	EXPECT_EQ((long)len, res);
	EXPECT_EQ((long)len, b.wres);
	EXPECT_EQ(0, memcmp(in, out, len));
	m = metrics(self->rt);
	/*
	 * 4 MiB do not fit in a unix socket: the writer waited for room at
	 * least once, each wait one oneshot POLLOUT, all of them done; what
	 * is still in flight is at most the reader's POLLIN multishot.
	 */
	EXPECT_LE(2, m.ops_submitted);
	EXPECT_GE(1, m.ops_inflight);
	free(out);
	free(in);
}

/*
 * A datagram socket reads with recv() like a stream socket, but a read
 * shorter than the buffer does not mean it was drained: two datagrams
 * queued are two reads, the second one without waiting for readiness.
 */
TEST_F(sock, datagram_reads_keep_boundaries_and_readiness)
{
	struct asyncrt_socket *a, *b;
	struct sock_task t = { 0 };
	char buf[64] = { 0 };
	long res = 0;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, asyncrt_socket_open(self->rt, sv[0], &a));
	ASSERT_EQ(0, asyncrt_socket_open(self->rt, sv[1], &b));
	ASSERT_EQ(3, send(sv[0], "one", 3, 0));
	ASSERT_EQ(3, send(sv[0], "two", 3, 0));
	t = (struct sock_task){ .kind = 0, .s = b, .buf = buf, .len = sizeof(buf) };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, sock_task, &t, 0, &res));
	EXPECT_EQ(3, res);
	EXPECT_EQ(0, memcmp(buf, "one", 3));
	t = (struct sock_task){ .kind = 0, .s = b, .buf = buf, .len = sizeof(buf) };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, sock_task, &t, 0, &res));
	EXPECT_EQ(3, res);
	EXPECT_EQ(0, memcmp(buf, "two", 3));
	/* Neither read waited: no POLL entry was ever armed. */
	EXPECT_EQ(0, metrics(self->rt).ops_submitted);
	EXPECT_EQ(0, asyncrt_socket_close(a));
	EXPECT_EQ(0, asyncrt_socket_close(b));
}

TEST_F(sock, pipe_read_exact_and_eof)
{
	struct asyncrt_socket *r, *w;
	struct sock_task t = { 0 };
	char in[8] = { 0 };
	int pfd[2], fl;
	long res = 0;

	/* A blocking pipe: open makes it non-blocking. */
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	ASSERT_EQ(0, asyncrt_socket_open(self->rt, pfd[0], &r));
	ASSERT_EQ(0, asyncrt_socket_open(self->rt, pfd[1], &w));
	fl = fcntl(pfd[0], F_GETFL);
	EXPECT_TRUE(fl & O_NONBLOCK);
	ASSERT_EQ(3, write(pfd[1], "abc", 3));
	t = (struct sock_task){ .kind = 2, .s = r, .buf = in, .len = 3 };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, sock_task, &t, 0, &res));
	EXPECT_EQ(3, res);
	EXPECT_STREQ("abc", in);
	EXPECT_EQ(0, asyncrt_socket_close(w));
	t = (struct sock_task){ .kind = 2, .s = r, .buf = in, .len = 4 };
	ASSERT_EQ(0, asyncrt_block_on(self->rt, sock_task, &t, 0, &res));
	EXPECT_EQ(-ENODATA, res);
	EXPECT_EQ(0, asyncrt_socket_close(r));
}

/*
 * The peer sends "abc" and shuts down its side while the reader sleeps, so
 * the readiness completions of the data and of the FIN are both reaped
 * before the read: the short read of "abc" must not forget the EOF, and a
 * read after EOF gives EOF again (before, each waited forever: -ETIME).
 */
struct eof_peer {
	int fd;
	int got_x;
};

static void *eof_peer(void *arg)
{
	struct eof_peer *p = arg;

	usleep(20000);
	if (send(p->fd, "x", 1, MSG_NOSIGNAL) != 1)
		return NULL;
	while (!__atomic_load_n(&p->got_x, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (send(p->fd, "abc", 3, MSG_NOSIGNAL) == 3)
		shutdown(p->fd, SHUT_WR);
	return NULL;
}

struct eof_reader {
	struct asyncrt_co co;
	struct asyncrt_io io;
	struct asyncrt_timeout to;
	struct asyncrt_sleep nap;
	struct asyncrt_socket *s;
	struct eof_peer *peer;
	char buf[8], first;
	long r[4], n;
};

static enum asyncrt_poll eof_reader(struct asyncrt_cx *cx, void *state, long *res)
{
	struct eof_reader *t = state;

	asyncrt_co_begin(&t->co);
	/* Nothing there yet: this read arms the POLLIN entry. */
	asyncrt_sock_read_init(&t->io, t->s, t->buf, sizeof(t->buf));
	asyncrt_co_await(&t->co, asyncrt_io_poll(&t->io, cx, &t->r[0]));
	t->first = t->buf[0];
	__atomic_store_n(&t->peer->got_x, 1, __ATOMIC_RELEASE);
	asyncrt_sleep_init(&t->nap, 50 * MS);
	asyncrt_co_await(&t->co, asyncrt_sleep_poll(&t->nap, cx, &t->n));
	asyncrt_sock_read_init(&t->io, t->s, t->buf, sizeof(t->buf));
	asyncrt_co_await(&t->co, asyncrt_io_poll(&t->io, cx, &t->r[1]));
	asyncrt_sock_read_init(&t->io, t->s, t->buf + 3, sizeof(t->buf) - 3);
	asyncrt_timeout_init(&t->to, &t->io.fut, 1000 * MS);
	asyncrt_co_await(&t->co, asyncrt_timeout_poll(&t->to, cx, &t->r[2]));
	asyncrt_sock_read_init(&t->io, t->s, t->buf + 3, sizeof(t->buf) - 3);
	asyncrt_timeout_init(&t->to, &t->io.fut, 1000 * MS);
	asyncrt_co_await(&t->co, asyncrt_timeout_poll(&t->to, cx, &t->r[3]));
	asyncrt_co_return(&t->co, res, 0);
	asyncrt_co_end(&t->co, res);
}

TEST_F(sock, short_read_reaped_with_eof_keeps_the_eof)
{
	struct eof_peer peer = { .fd = asyncrt_socket_fd(self->s[0]) };
	struct eof_reader t = { .s = self->s[1], .peer = &peer };
	pthread_t th;
	long res = -1;

	ASSERT_EQ(0, pthread_create(&th, NULL, eof_peer, &peer));
	EXPECT_EQ(0, asyncrt_block_on(self->rt, eof_reader, &t, 0, &res));
	__atomic_store_n(&peer.got_x, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	EXPECT_EQ(0, res);
	EXPECT_EQ(1, t.r[0]);
	EXPECT_EQ('x', t.first);
	EXPECT_EQ(3, t.r[1]);
	EXPECT_EQ(0, memcmp(t.buf, "abc", 3));
	EXPECT_EQ(0, t.r[2]);
	EXPECT_EQ(0, t.r[3]);
}

/* The same race for read_exact: the short "abc", then the EOF: -ENODATA. */
TEST_F(sock, read_exact_short_reaped_with_eof_gives_enodata)
{
	int fd = asyncrt_socket_fd(self->s[0]);
	struct asyncrt_timeout to;
	struct asyncrt_sleep nap;
	struct asyncrt_io io;
	char in[8];
	long res = 1;

	/* A read that finds nothing arms the POLLIN entry, which stays. */
	asyncrt_sock_read_init(&io, self->s[1], in, sizeof(in));
	asyncrt_timeout_init(&to, &io.fut, 10 * MS);
	ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &to.fut, &res));
	ASSERT_EQ(-ETIME, res);
	ASSERT_EQ(3, send(fd, "abc", 3, MSG_NOSIGNAL));
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	/* Both completions are reaped here, before the read. */
	asyncrt_sleep_init(&nap, 20 * MS);
	ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &nap.op.fut, &res));
	asyncrt_sock_read_exact_init(&io, self->s[1], in, sizeof(in));
	asyncrt_timeout_init(&to, &io.fut, 1000 * MS);
	ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &to.fut, &res));
	EXPECT_EQ(-ENODATA, res);
}

/*
 * A writer woken by POLLOUT, whose socket another task closes before the
 * writer runs (both completions in one reap, the closer's first): the
 * writer must get -EBADF, never touch the freed socket. The closer takes
 * back, zeroed, whatever small blocks malloc just got back, so a writer
 * that reads the socket's memory finds it open, on fd 0 (/dev/null here).
 */
#define REUSE_SIZES	64

struct close_race {
	struct asyncrt_socket *s;	/* the socket both wait on */
	void *reuse[REUSE_SIZES];	/* taken by the closer after close */
	int w_done_first;		/* the writer ran before the closer */
	long w_res, k_res;
};

struct race_writer {
	struct asyncrt_co co;
	struct asyncrt_io io;
	struct close_race *cr;
	char buf[64];
};

static enum asyncrt_poll race_writer(struct asyncrt_cx *cx, void *state, long *res)
{
	struct race_writer *w = state;

	asyncrt_co_begin(&w->co);
	asyncrt_sock_write_all_init(&w->io, w->cr->s, w->buf, sizeof(w->buf));
	asyncrt_co_await(&w->co, asyncrt_io_poll(&w->io, cx, &w->cr->w_res));
	asyncrt_co_return(&w->co, res, 0);
	asyncrt_co_end(&w->co, res);
}

struct race_closer {
	struct asyncrt_co co;
	struct asyncrt_op poll;
	struct close_race *cr;
	long r;
};

static enum asyncrt_poll race_closer(struct asyncrt_cx *cx, void *state, long *res)
{
	struct race_closer *k = state;
	struct close_race *cr = k->cr;
	int i;

	asyncrt_co_begin(&k->co);
	asyncrt_poll_init(&k->poll, asyncrt_socket_fd(cr->s), POLLOUT);
	asyncrt_co_await(&k->co, asyncrt_op_poll(&k->poll, cx, &k->r));
	cr->w_done_first = cr->w_res != 1;
	cr->k_res = asyncrt_socket_close(cr->s);
	for (i = 0; i < REUSE_SIZES; i++) {
		cr->reuse[i] = malloc(8 * (i + 1));
		if (cr->reuse[i])
			memset(cr->reuse[i], 0, 8 * (i + 1));
	}
	asyncrt_co_return(&k->co, res, 0);
	asyncrt_co_end(&k->co, res);
}

static void *drain_peer(void *arg)
{
	char buf[4096];
	int fd = *(int *)arg;

	usleep(50000);
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	return NULL;
}

struct close_race_main {
	struct asyncrt_co co;
	struct close_race *cr;
	struct asyncrt_task *h[2];
	struct asyncrt_join j;
	int i;
	long r;
};

static enum asyncrt_poll close_race_main(struct asyncrt_cx *cx, void *state, long *res)
{
	struct close_race_main *m = state;
	struct race_writer w = { .cr = m->cr };
	struct race_closer k = { .cr = m->cr };

	asyncrt_co_begin(&m->co);
	/*
	 * The writer's POLLOUT is armed first; the kernel wakes a wait
	 * queue's entries last-armed first, so the closer's completion comes
	 * first and the closer runs first.
	 */
	if (asyncrt_spawn(cx->rt, race_writer, &w, sizeof(w), &m->h[0]) ||
	    asyncrt_spawn(cx->rt, race_closer, &k, sizeof(k), &m->h[1]))
		asyncrt_co_return(&m->co, res, -ENOMEM);
	for (m->i = 0; m->i < 2; m->i++) {
		asyncrt_join_init(&m->j, m->h[m->i]);
		asyncrt_co_await(&m->co, asyncrt_join_poll(&m->j, cx, &m->r));
		if (m->r)
			asyncrt_co_return(&m->co, res, m->r);
	}
	asyncrt_co_return(&m->co, res, 0);
	asyncrt_co_end(&m->co, res);
}

TEST_F(sock, writer_woken_then_closed_by_another_task_gets_ebadf)
{
	struct close_race cr = { .s = self->s[0], .w_res = 1 };
	struct close_race_main m = { .cr = &cr };
	int peer = asyncrt_socket_fd(self->s[1]);
	char buf[4096];
	pthread_t th;
	long res = -1;
	int i, null;

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	ASSERT_EQ(0, dup2(null, 0));
	close(null);
	memset(buf, 'f', sizeof(buf));
	while (send(asyncrt_socket_fd(self->s[0]), buf, sizeof(buf), MSG_NOSIGNAL) > 0)
		;
	ASSERT_EQ(0, pthread_create(&th, NULL, drain_peer, &peer));
	EXPECT_EQ(0, asyncrt_block_on(self->rt, close_race_main, &m, 0, &res));
	pthread_join(th, NULL);
	EXPECT_EQ(0, res);
	EXPECT_EQ(0, cr.k_res);
	ASSERT_FALSE(cr.w_done_first) TH_LOG("the writer ran first: no race");
	EXPECT_EQ(-EBADF, cr.w_res);
	for (i = 0; i < REUSE_SIZES; i++)
		free(cr.reuse[i]);
}

TEST_F(sock, bad_input)
{
	struct asyncrt_socket *s = (void *)1;
	struct sock_task t = { .kind = 0 };
	char buf[4];
	long res = 0;

	EXPECT_EQ(-EBADF, asyncrt_socket_open(self->rt, 1000000, &s));
	EXPECT_EQ(NULL, s);
	EXPECT_EQ(-EINVAL, asyncrt_socket_open(self->rt, -1, &s));
	EXPECT_EQ(-EINVAL, asyncrt_socket_open(NULL, 0, &s));
	EXPECT_EQ(-EINVAL, asyncrt_socket_open(self->rt, 0, NULL));
	EXPECT_EQ(-EBADF, asyncrt_socket_fd(NULL));
	/* A future on no socket completes with -EBADF. */
	t.buf = buf;
	t.len = sizeof(buf);
	ASSERT_EQ(0, asyncrt_block_on(self->rt, sock_task, &t, 0, &res));
	EXPECT_EQ(-EBADF, res);
}

TEST_HARNESS_MAIN
