// SPDX-License-Identifier: MIT
/*
 * The demo `make demo` runs in a VM: a short, readable tour of what a
 * program does with /dev/asyncrt. First the ring itself (the thin layer):
 * futures submitted in batches through shared memory, results reaped
 * without a system call each, a malformed entry reported, not lost. Then
 * the executor on top: C tasks that sleep, race a timeout, talk over a
 * channel, get aborted, and echo over a socket, every wait served by the
 * kernel runtime. Sections whose kernel feature is missing say so.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "asyncrt_rt.h"

#define MS	1000000ULL

static int ring_tour(void)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe *cqe;
	unsigned int i, done = 0;
	uint64_t t0;
	int ret;

	ret = asyncrt_ring_init(&ring, 64);
	if (ret) {
		fprintf(stderr, "asyncrt: %s\n", asyncrt_strerror_hint(ret));
		return 1;
	}
	printf("1. opened %s: %u submission slots, %u completion slots\n",
	       ASYNCRT_DEVICE, ring.sq.entries, ring.cq.entries);

	t0 = asyncrt_now_ns();
	for (i = 0; i < 1000; i++) {
		unsigned int j;

		for (j = 0; j < 16; j++)
			asyncrt_prep_nop(asyncrt_get_sqe(&ring), j);
		if (asyncrt_submit_and_wait(&ring, 16) != 16)
			break;
		while ((cqe = asyncrt_peek_cqe(&ring))) {
			done += cqe->res == 0;
			asyncrt_cqe_seen(&ring, cqe);
		}
	}
	printf("2. 16000 NOP futures in batches of 16: %u completed, %.0f per second (emulated CPU)\n",
	       done, done / ((asyncrt_now_ns() - t0) / 1e9));

	asyncrt_get_sqe(&ring)->opcode = 200;
	asyncrt_submit_and_wait(&ring, 1);
	asyncrt_wait_cqe(&ring, &cqe);
	printf("3. an entry with unknown opcode 200 completes with res=%d (%s), nothing is lost\n",
	       cqe->res, strerror(-cqe->res));
	asyncrt_cqe_seen(&ring, cqe);
	asyncrt_ring_exit(&ring);
	return done == 16000 ? 0 : 1;
}

/* A task that sleeps @ms and returns it. */
struct nap {
	struct asyncrt_co co;
	struct asyncrt_sleep s;
	long ms, r;
};

static enum asyncrt_poll nap(struct asyncrt_cx *cx, void *state, long *res)
{
	struct nap *n = state;

	asyncrt_co_begin(&n->co);
	asyncrt_sleep_init(&n->s, n->ms * MS);
	asyncrt_co_await(&n->co, asyncrt_sleep_poll(&n->s, cx, &n->r));
	printf("     task sleeping %ld ms woke up\n", n->ms);
	asyncrt_co_return(&n->co, res, n->r ? n->r : n->ms);
	asyncrt_co_end(&n->co, res);
}

/* Sends 1..5 over a channel, then closes it. */
struct producer {
	struct asyncrt_co co;
	struct asyncrt_mpsc *ch;
	struct asyncrt_mpsc_send send;
	long i, r;
};

static enum asyncrt_poll producer(struct asyncrt_cx *cx, void *state, long *res)
{
	struct producer *p = state;

	asyncrt_co_begin(&p->co);
	for (p->i = 1; p->i <= 5; p->i++) {
		asyncrt_mpsc_send_init(&p->send, p->ch, &p->i);
		asyncrt_co_await(&p->co, asyncrt_mpsc_send_poll(&p->send, cx, &p->r));
	}
	asyncrt_mpsc_tx_close(p->ch);
	asyncrt_co_end(&p->co, res);
}

/* Echoes one message back on a socket. */
struct echo_once {
	struct asyncrt_co co;
	struct asyncrt_io io;
	int fd;
	char buf[64];
	long n;
};

static enum asyncrt_poll echo_once(struct asyncrt_cx *cx, void *state, long *res)
{
	struct echo_once *e = state;

	asyncrt_co_begin(&e->co);
	asyncrt_read_init(&e->io, e->fd, e->buf, sizeof(e->buf));
	asyncrt_co_await(&e->co, asyncrt_io_poll(&e->io, cx, &e->n));
	if (e->n > 0) {
		asyncrt_write_all_init(&e->io, e->fd, e->buf, e->n);
		asyncrt_co_await(&e->co, asyncrt_io_poll(&e->io, cx, &e->n));
	}
	asyncrt_co_end(&e->co, res);
}

/* The executor tour, one task driving the others. */
struct tour {
	struct asyncrt_co co;
	struct asyncrt_task *h[3];
	struct asyncrt_join j;
	struct asyncrt_sleep s;
	struct asyncrt_timeout to;
	struct asyncrt_mpsc *ch;
	struct asyncrt_mpsc_recv recv;
	struct asyncrt_io io;
	int i, sv[2], has_poll;
	long r, v;
	uint64_t t0;
	char buf[64];
};

static enum asyncrt_poll tour(struct asyncrt_cx *cx, void *state, long *res)
{
	static const long naps[3] = { 30, 10, 20 };
	struct tour *t = state;
	struct nap n = { 0 };
	struct producer p = { 0 };
	struct echo_once e = { 0 };

	asyncrt_co_begin(&t->co);
	printf("4. spawn three tasks sleeping 30, 10 and 20 ms; they wake in time order:\n");
	for (t->i = 0; t->i < 3; t->i++) {
		n.ms = naps[t->i];
		asyncrt_spawn(cx->rt, nap, &n, sizeof(n), &t->h[t->i]);
	}
	for (t->i = 0; t->i < 3; t->i++) {
		asyncrt_join_init(&t->j, t->h[t->i]);
		asyncrt_co_await(&t->co, asyncrt_join_poll(&t->j, cx, &t->r));
	}
	printf("   joined all three handles in spawn order (last result %ld)\n", t->r);

	printf("5. timeout(sleep 10 s, 50 ms): ");
	t->t0 = asyncrt_now_ns();
	asyncrt_sleep_init(&t->s, 10000 * MS);
	asyncrt_timeout_init(&t->to, &t->s.op.fut, 50 * MS);
	asyncrt_co_await(&t->co, asyncrt_timeout_poll(&t->to, cx, &t->r));
	printf("res=%ld (%s) after %.0f ms; the kernel sleep was cancelled\n", t->r,
	       strerror((int)-t->r), (asyncrt_now_ns() - t->t0) / 1e6);

	printf("6. a producer task sends 1..5 over an mpsc channel of capacity 2:");
	asyncrt_mpsc_new(&t->ch, sizeof(long), 2);
	p.ch = t->ch;
	asyncrt_spawn(cx->rt, producer, &p, sizeof(p), NULL);
	for (;;) {
		asyncrt_mpsc_recv_init(&t->recv, t->ch, &t->v);
		asyncrt_co_await(&t->co, asyncrt_mpsc_recv_poll(&t->recv, cx, &t->r));
		if (t->r)
			break;
		printf(" %ld", t->v);
	}
	asyncrt_mpsc_rx_close(t->ch);
	printf(", then recv says %s\n", strerror((int)-t->r));

	printf("7. abort a task sleeping 10 s: ");
	n.ms = 10000;
	asyncrt_spawn(cx->rt, nap, &n, sizeof(n), &t->h[0]);
	asyncrt_co_yield(&t->co, cx);
	asyncrt_task_abort(t->h[0]);
	asyncrt_join_init(&t->j, t->h[0]);
	asyncrt_co_await(&t->co, asyncrt_join_poll(&t->j, cx, &t->r));
	printf("join gives %s at once\n", strerror((int)-t->r));

	if (!t->has_poll) {
		printf("8. (the module has no POLL yet: skipping sockets)\n");
		asyncrt_co_return(&t->co, res, 0);
	}
	printf("8. an echo task on a socket pair: ");
	e.fd = t->sv[1];
	asyncrt_spawn(cx->rt, echo_once, &e, sizeof(e), NULL);
	asyncrt_write_all_init(&t->io, t->sv[0], "hello, asyncrt", 14);
	asyncrt_co_await(&t->co, asyncrt_io_poll(&t->io, cx, &t->r));
	asyncrt_read_exact_init(&t->io, t->sv[0], t->buf, 14);
	asyncrt_co_await(&t->co, asyncrt_io_poll(&t->io, cx, &t->r));
	printf("sent \"hello, asyncrt\", got back \"%.*s\"\n", (int)t->r, t->buf);
	asyncrt_co_end(&t->co, res);
}

static int executor_tour(void)
{
	struct tour t = { 0 };
	struct asyncrt_metrics m;
	struct asyncrt_rt *rt;
	long res = 0;
	int ret;

	ret = asyncrt_rt_create(&rt, NULL);
	if (ret) {
		fprintf(stderr, "asyncrt: %s\n", asyncrt_strerror_hint(ret));
		return 1;
	}
	if (!(asyncrt_rt_ops(rt) & ASYNCRT_OP_BIT(ASYNCRT_OP_SLEEP))) {
		printf("4. (the module has no SLEEP yet: skipping the executor tour)\n");
		asyncrt_rt_destroy(rt);
		return 0;
	}
	t.has_poll = !!(asyncrt_rt_ops(rt) & ASYNCRT_OP_BIT(ASYNCRT_OP_POLL));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, t.sv) < 0)
		t.has_poll = 0;
	ret = asyncrt_block_on(rt, tour, &t, 0, &res);
	asyncrt_rt_metrics(rt, &m, sizeof(m));
	printf("9. runtime metrics: %llu tasks, %llu polls, %llu kernel futures, %llu completions, %llu cancels, %llu ENTER calls\n",
	       (unsigned long long)m.tasks_spawned, (unsigned long long)m.polls,
	       (unsigned long long)m.ops_submitted, (unsigned long long)m.completions,
	       (unsigned long long)m.cancels, (unsigned long long)m.enters);
	if (t.has_poll) {
		close(t.sv[0]);
		close(t.sv[1]);
	}
	asyncrt_rt_destroy(rt);
	return ret || res ? 1 : 0;
}

int main(void)
{
	int ret = ring_tour();

	ret |= executor_tour();
	printf("10. closed everything; the module frees whatever was left in flight\n");
	return ret;
}
