// SPDX-License-Identifier: MIT
/*
 * Kernel futures: one struct asyncrt_op per ring entry, whatever the
 * opcode, and the timers, wait-queue and readiness futures built on it.
 *
 *   IDLE ──first poll──> INFLIGHT ──terminal CQE──> DONE (res kept)
 *                           │  └─ F_MORE CQEs: ticks++ (multishot)
 *                           └──drop──> IDLE; the slot is orphaned and a
 *                                      CANCEL sent; the completion that
 *                                      follows frees the slot
 *
 * An opcode the module does not implement (probed when the runtime is
 * made) completes at once with -EOPNOTSUPP, naming the missing feature.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include "rt_internal.h"

uint64_t asyncrt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void op_drop(struct asyncrt_future *f)
{
	struct asyncrt_op *op = asyncrt_container_of(f, struct asyncrt_op, fut);

	if (op->state == ASYNCRT_OP_S_INFLIGHT) {
		asyncrt_slot_orphan(op->rt, op->slot);
		op->slot = 0;
		op->state = ASYNCRT_OP_S_IDLE;
	}
	asyncrt_future_unpark(f);
}

/* Put the entry in the SQ; 0, or a negative errno to complete with. */
static int op_start(struct asyncrt_op *op, struct asyncrt_cx *cx)
{
	struct asyncrt_rt *rt = cx->rt;
	struct asyncrt_sqe *sqe;
	uint64_t ud;
	int ret;

	if (!(rt->ops & ASYNCRT_OP_BIT(op->opcode)))
		return -EOPNOTSUPP;
	op->rt = rt;
	ret = asyncrt_slot_alloc(rt, op, &ud);
	if (ret)
		return ret;
	sqe = asyncrt_rt_get_sqe(rt);
	if (!sqe) {
		/* Nothing was submitted: no completion will free the slot. */
		asyncrt_slot_free(rt, op->slot - 1);
		op->slot = 0;
		return -EBUSY;
	}
	sqe->opcode = op->opcode;
	sqe->flags = op->sqe_flags;
	sqe->clock = op->clock;
	sqe->fd = op->fd;
	sqe->ns = op->arg;
	sqe->count = op->arg2;
	sqe->op_flags = op->op_flags;
	sqe->user_data = ud;
	sqe->timeout_ns = op->timeout_ns;
	op->state = ASYNCRT_OP_S_INFLIGHT;
	op->ticks = 0;
	rt->m.ops_submitted++;
	asyncrt_future_park(&op->fut, cx);
	return 0;
}

enum asyncrt_poll asyncrt_op_poll(struct asyncrt_op *op, struct asyncrt_cx *cx, long *res)
{
	int ret;

	switch (op->state) {
	case ASYNCRT_OP_S_IDLE:
		ret = op_start(op, cx);
		if (ret) {
			op->state = ASYNCRT_OP_S_DONE;
			op->res = ret;
			break;
		}
		return ASYNCRT_PENDING;
	case ASYNCRT_OP_S_INFLIGHT:
		asyncrt_future_park(&op->fut, cx);
		return ASYNCRT_PENDING;
	default:
		break;
	}
	asyncrt_future_unpark(&op->fut);
	*res = op->res;
	return ASYNCRT_READY;
}

static enum asyncrt_poll op_poll(struct asyncrt_future *f, struct asyncrt_cx *cx, long *res)
{
	return asyncrt_op_poll(asyncrt_container_of(f, struct asyncrt_op, fut), cx, res);
}

void asyncrt_op_init(struct asyncrt_op *op, uint8_t opcode)
{
	memset(op, 0, sizeof(*op));
	op->fut.poll = op_poll;
	op->fut.drop = op_drop;
	op->opcode = opcode;
}

void asyncrt_op_set_timeout(struct asyncrt_op *op, uint64_t ns)
{
	op->sqe_flags |= ASYNCRT_SQE_TIMEOUT;
	op->timeout_ns = ns;
}

/* ---------------------------------------------------------------------- */
/* Timers                                                                  */
/* ---------------------------------------------------------------------- */

void asyncrt_sleep_init(struct asyncrt_sleep *s, uint64_t ns)
{
	asyncrt_op_init(&s->op, ASYNCRT_OP_SLEEP);
	s->op.clock = ASYNCRT_CLOCK_MONOTONIC;
	s->op.arg = ns;
}

void asyncrt_sleep_until_init(struct asyncrt_sleep *s, uint64_t deadline_ns)
{
	asyncrt_sleep_init(s, deadline_ns);
	s->op.op_flags = ASYNCRT_TIMER_ABS;
}

static enum asyncrt_poll interval_poll(struct asyncrt_future *f, struct asyncrt_cx *cx,
				       long *res)
{
	struct asyncrt_op *op = asyncrt_container_of(f, struct asyncrt_op, fut);

	return asyncrt_interval_tick(asyncrt_container_of(op, struct asyncrt_interval, op),
				     cx, res);
}

void asyncrt_interval_init(struct asyncrt_interval *iv, uint64_t period_ns,
			   uint64_t count, uint32_t policy)
{
	asyncrt_op_init(&iv->op, ASYNCRT_OP_INTERVAL);
	iv->op.fut.poll = interval_poll;
	iv->op.clock = ASYNCRT_CLOCK_MONOTONIC;
	iv->op.arg = period_ns;
	iv->op.arg2 = count;
	iv->op.op_flags = policy;
}

/*
 * Ticks are taken one per READY poll, in order, even when several arrived
 * while the task was busy (the BURST policy delivers each one); the entry
 * stays parked between ticks so an abort still cancels it.
 */
enum asyncrt_poll asyncrt_interval_tick(struct asyncrt_interval *iv,
					struct asyncrt_cx *cx, long *res)
{
	struct asyncrt_op *op = &iv->op;
	int ret;

	if (op->state == ASYNCRT_OP_S_IDLE) {
		ret = op_start(op, cx);
		if (ret) {
			op->state = ASYNCRT_OP_S_DONE;
			op->res = ret;
		} else {
			return ASYNCRT_PENDING;
		}
	}
	if (op->ticks) {
		*res = op->last - (long)(op->ticks - 1);
		op->ticks--;
		return ASYNCRT_READY;
	}
	if (op->state == ASYNCRT_OP_S_INFLIGHT) {
		asyncrt_future_park(&op->fut, cx);
		return ASYNCRT_PENDING;
	}
	asyncrt_future_unpark(&op->fut);
	*res = op->res < 0 ? op->res : 0;
	return ASYNCRT_READY;
}

/* ---------------------------------------------------------------------- */
/* Wait queues and readiness                                               */
/* ---------------------------------------------------------------------- */

int asyncrt_wq_new(struct asyncrt_rt *rt)
{
	if (!rt)
		return -EINVAL;
	return asyncrt_wq_create(&rt->ring, O_CLOEXEC);
}

void asyncrt_wq_wait_init(struct asyncrt_op *op, int wqfd)
{
	asyncrt_op_init(op, ASYNCRT_OP_WAIT);
	op->fd = wqfd;
}

void asyncrt_wq_wait_cmp_init(struct asyncrt_op *op, int wqfd, const uint32_t *addr,
			      uint32_t value)
{
	asyncrt_wq_wait_init(op, wqfd);
	op->arg = (uint64_t)(uintptr_t)addr;
	op->arg2 = value;
	op->op_flags = ASYNCRT_WAIT_CMP;
}

void asyncrt_wq_wake_init(struct asyncrt_op *op, int wqfd, unsigned int n)
{
	asyncrt_op_init(op, ASYNCRT_OP_WAKE);
	op->fd = wqfd;
	op->arg2 = n;
}

void asyncrt_wq_notify_init(struct asyncrt_op *op, int wqfd)
{
	asyncrt_op_init(op, ASYNCRT_OP_NOTIFY);
	op->fd = wqfd;
}

void asyncrt_poll_init(struct asyncrt_op *op, int fd, uint32_t events)
{
	asyncrt_op_init(op, ASYNCRT_OP_POLL);
	op->fd = fd;
	op->arg2 = events;
}

/* ---------------------------------------------------------------------- */
/* timeout(any future)                                                     */
/* ---------------------------------------------------------------------- */

static void timeout_drop(struct asyncrt_future *f)
{
	struct asyncrt_timeout *t = asyncrt_container_of(f, struct asyncrt_timeout, fut);

	asyncrt_drop(t->inner);
	if (t->started)
		asyncrt_drop(&t->timer.op.fut);
}

static enum asyncrt_poll timeout_poll(struct asyncrt_future *f, struct asyncrt_cx *cx,
				      long *res)
{
	struct asyncrt_timeout *t = asyncrt_container_of(f, struct asyncrt_timeout, fut);
	long v;

	if (asyncrt_poll(t->inner, cx, &v) == ASYNCRT_READY) {
		if (t->started)
			asyncrt_drop(&t->timer.op.fut);
		*res = v;
		return ASYNCRT_READY;
	}
	if (!t->started) {
		asyncrt_sleep_init(&t->timer, t->ns);
		t->started = 1;
	}
	if (asyncrt_sleep_poll(&t->timer, cx, &v) == ASYNCRT_PENDING)
		return ASYNCRT_PENDING;
	asyncrt_drop(t->inner);
	*res = v == 0 ? -ETIME : v;
	return ASYNCRT_READY;
}

void asyncrt_timeout_init(struct asyncrt_timeout *t, struct asyncrt_future *inner,
			  uint64_t ns)
{
	memset(t, 0, sizeof(*t));
	t->fut.poll = timeout_poll;
	t->fut.drop = timeout_drop;
	t->inner = inner;
	t->ns = ns;
}

enum asyncrt_poll asyncrt_timeout_poll(struct asyncrt_timeout *t, struct asyncrt_cx *cx,
				       long *res)
{
	return timeout_poll(&t->fut, cx, res);
}
