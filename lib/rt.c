// SPDX-License-Identifier: MIT
/*
 * The executor's core: the runtime, tasks and the loop that runs them.
 *
 * A task's life:
 *
 *   spawn ──> queued ──poll──> PENDING (parked on futures) ──wake──> queued
 *                        │                                   
 *                        └──> READY ──┐      abort ──────────┐
 *                                     v                      v
 *                     done: result kept for join, group or nobody;
 *                     parked futures dropped, state freed
 *
 * The task struct outlives its state while a join handle or a group still
 * holds it (rt->zombies); a detached task is freed when it ends.
 *
 * The loop polls queued tasks (a bounded batch, so completions are reaped
 * between batches), then submits the SQEs they prepared and, if nothing can
 * run, waits in ENTER for a completion. A completion's user_data names a
 * slot (rt_internal.h): its future gets the result and its task is woken;
 * or a registered socket, whose waiters are woken (socket.c).
 * A loop where nothing can run and nothing is in flight can never progress:
 * block_on reports -EDEADLK instead of sleeping forever.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_internal.h"

#define ASYNCRT_POLL_BATCH	256

/* Tasks are polled from the loop only; the state follows, aligned. */
struct asyncrt_task_alloc {
	struct asyncrt_task t;
	max_align_t state[];
};

void asyncrt_future_park(struct asyncrt_future *f, struct asyncrt_cx *cx)
{
	__asyncrt_future_park(f, cx);
}

void asyncrt_future_unpark(struct asyncrt_future *f)
{
	__asyncrt_future_unpark(f);
}

void asyncrt_wake(struct asyncrt_task *t)
{
	__asyncrt_wake(t);
}

static void rt_queue_ctl(struct asyncrt_rt *rt, uint8_t opcode, uint64_t target, int fd);

/* ---------------------------------------------------------------------- */
/* Slots and the ring                                                      */
/* ---------------------------------------------------------------------- */

static struct asyncrt_slot *rt_slot(struct asyncrt_rt *rt, uint32_t idx)
{
	return &rt->chunks[idx / ASYNCRT_SLOT_CHUNK][idx % ASYNCRT_SLOT_CHUNK];
}

/* Grow rt->ctls to @need entries at least (asyncrt_rt_ctl_reserve()). */
ASYNCRT_COLD int asyncrt_rt_ctl_grow(struct asyncrt_rt *rt, size_t need)
{
	struct asyncrt_ctl *c;
	size_t cap;

	for (cap = rt->ctls_cap ? 2 * rt->ctls_cap : 64; cap < need; cap *= 2)
		;
	c = realloc(rt->ctls, cap * sizeof(*c));
	if (!c)
		return -ENOMEM;
	rt->ctls = c;
	rt->ctls_cap = cap;
	return 0;
}

/* A free slot, in flight from now on; NULL when memory runs out. */
static struct asyncrt_slot *slot_get(struct asyncrt_rt *rt, uint64_t *ud)
{
	struct asyncrt_slot *s;
	uint32_t idx, i;

	if (asyncrt_rt_ctl_reserve(rt))
		return NULL;
	if (!rt->free_slot) {
		struct asyncrt_slot **chunks;
		struct asyncrt_slot *c;

		if (rt->nchunks >= UINT32_MAX / ASYNCRT_SLOT_CHUNK - 1)
			return NULL;
		chunks = realloc(rt->chunks, (rt->nchunks + 1) * sizeof(*chunks));
		if (!chunks)
			return NULL;
		rt->chunks = chunks;
		c = calloc(ASYNCRT_SLOT_CHUNK, sizeof(*c));
		if (!c)
			return NULL;
		chunks[rt->nchunks] = c;
		for (i = 0; i < ASYNCRT_SLOT_CHUNK; i++) {
			idx = rt->nchunks * ASYNCRT_SLOT_CHUNK + i;
			c[i].gen = 1;
			c[i].next_free = i + 1 < ASYNCRT_SLOT_CHUNK ? idx + 2 : 0;
		}
		rt->free_slot = rt->nchunks * ASYNCRT_SLOT_CHUNK + 1;
		rt->nchunks++;
	}
	idx = rt->free_slot - 1;
	s = rt_slot(rt, idx);
	rt->free_slot = s->next_free;
	s->next_free = 0;
	s->busy = 1;
	s->wait_fd = -1;
	rt->nslots++;
	rt->m.ops_inflight++;
	*ud = (uint64_t)s->gen << 32 | idx;
	return s;
}

int asyncrt_slot_alloc(struct asyncrt_rt *rt, struct asyncrt_op *op, uint64_t *ud)
{
	struct asyncrt_slot *s = slot_get(rt, ud);

	if (!s)
		return -ENOMEM;
	s->op = op;
	op->slot = (uint32_t)*ud + 1;
	return 0;
}

void asyncrt_slot_free(struct asyncrt_rt *rt, uint32_t idx)
{
	struct asyncrt_slot *s = rt_slot(rt, idx);

	s->op = NULL;
	s->busy = 0;
	/* Below bit 31, so a slot's user_data is never a socket's. */
	if (++s->gen == ASYNCRT_SLOT_GEN_END)
		s->gen = 1;
	s->next_free = rt->free_slot;
	rt->free_slot = idx + 1;
	rt->nslots--;
	rt->m.ops_inflight--;
}

/* The future is gone: its entry's completion will free the slot. */
void asyncrt_slot_orphan(struct asyncrt_rt *rt, uint32_t slot)
{
	struct asyncrt_slot *s = rt_slot(rt, slot - 1);

	s->wait_fd = s->op && s->op->opcode == ASYNCRT_OP_WAIT ? s->op->fd : -1;
	s->op = NULL;
	asyncrt_rt_cancel(rt, (uint64_t)s->gen << 32 | (slot - 1));
}

static int rt_enter(struct asyncrt_rt *rt, unsigned int wait)
{
	int ret;

	rt->m.enters++;
	rt->m.waits += !!wait;
	ret = asyncrt_submit_and_wait_timeout(&rt->ring, wait, 0);
	return ret == -EINTR || ret == -EBUSY ? 0 : ret;
}

static void rt_complete(struct asyncrt_rt *rt, const struct asyncrt_cqe *cqe)
{
	uint32_t idx = (uint32_t)cqe->user_data;
	int more = cqe->flags & ASYNCRT_CQE_F_MORE;
	struct asyncrt_slot *s;
	struct asyncrt_op *op;

	rt->m.completions++;
	if (cqe->user_data & ASYNCRT_UD_SOCK) {
		struct asyncrt_socket *sock;

		if (cqe->user_data == ASYNCRT_UD_INTERNAL)
			return;
		sock = asyncrt_ud_sock(cqe->user_data);
		/*
		 * Readiness of a live socket, nearly every one: no call. What the
		 * POLLIN entry reports wakes whom it satisfies (a writer never
		 * waits while POLLOUT is marked ready, so no other bit would).
		 */
		if (more && cqe->res > 0 && !sock->closed) {
			sock->ready |= (uint32_t)cqe->res;
			asyncrt_sock_wake(sock, (uint32_t)cqe->res);
			return;
		}
		asyncrt_sock_event(rt, sock, cqe->user_data & 1, cqe->res, more);
		return;
	}
	if (idx >= rt->nchunks * ASYNCRT_SLOT_CHUNK)
		return;
	s = rt_slot(rt, idx);
	if (s->gen != cqe->user_data >> 32 || !s->busy)
		return;
	op = s->op;
	/*
	 * A WAIT dropped too late was woken: hand NOTIFY's wake-up on. A
	 * WAKE's is not a permit, and a module that cannot tell them apart
	 * gets the benefit of the doubt.
	 */
	if (!op && !more && s->wait_fd >= 0 && cqe->res == 0 &&
	    (cqe->flags & ASYNCRT_CQE_F_NOTIFY ||
	     !asyncrt_ring_has_feature(&rt->ring, ASYNCRT_FEAT_CQE_NOTIFY)))
		rt_queue_ctl(rt, ASYNCRT_OP_NOTIFY, 0, s->wait_fd);
	if (!more)
		asyncrt_slot_free(rt, idx);
	if (!op)
		return;
	if (more) {
		op->ticks++;
		op->last = cqe->res;
	} else {
		op->slot = 0;
		op->res = cqe->res;
		op->state = ASYNCRT_OP_S_DONE;
	}
	__asyncrt_wake(op->fut.task);
}

/*
 * Reap every completion there is, straight from the ring (a completion
 * never submits, so nothing re-enters); returns how many. The kernel gets
 * the room back every 64.
 */
static unsigned int rt_reap(struct asyncrt_rt *rt)
{
	struct asyncrt_cq *cq = &rt->ring.cq;
	uint32_t head = atomic_load_explicit(cq->khead, memory_order_relaxed);
	uint32_t start = head, end;

	for (;;) {
		/* Pairs with the kernel's release store of cq_tail in art_ring_post(). */
		end = atomic_load_explicit(cq->ktail, memory_order_acquire);
		if (end == head)
			break;
		if (end - head > 64)
			end = head + 64;
		for (; head != end; head++)
			rt_complete(rt, &cq->cqes[head & cq->mask]);
		/* Pairs with the kernel's acquire load of cq_head in art_cq_unreaped(). */
		atomic_store_explicit(cq->khead, head, memory_order_release);
	}
	return head - start;
}

/*
 * An SQE for a future being polled. When the SQ is full, submit to make
 * room; when the kernel takes nothing (its CQ is full of completions we
 * have not reaped), reap and try once more. NULL: no room at all.
 */
struct asyncrt_sqe *asyncrt_rt_get_sqe(struct asyncrt_rt *rt)
{
	struct asyncrt_sqe *sqe = asyncrt_get_sqe(&rt->ring);
	int tries;

	for (tries = 0; !sqe && tries < 2; tries++) {
		rt->m.sq_full++;
		rt->m.enters++;
		if (asyncrt_submit(&rt->ring) <= 0 && !rt_reap(rt))
			return NULL;
		sqe = asyncrt_get_sqe(&rt->ring);
	}
	return sqe;
}

/* Room was made before the entry went in flight (asyncrt_rt_ctl_reserve()). */
static void rt_queue_ctl(struct asyncrt_rt *rt, uint8_t opcode, uint64_t target, int fd)
{
	if (rt->nctls == rt->ctls_cap)
		return;	/* cannot happen: better a lost entry than an overrun */
	rt->ctls[rt->nctls++] = (struct asyncrt_ctl){
		.opcode = opcode, .target = target, .fd = fd,
	};
}

void asyncrt_rt_cancel(struct asyncrt_rt *rt, uint64_t ud)
{
	if (rt->ops & ASYNCRT_OP_BIT(ASYNCRT_OP_CANCEL))
		rt_queue_ctl(rt, ASYNCRT_OP_CANCEL, ud, -1);
}

/* Put queued entries in the SQ; what does not fit waits for the next turn. */
static void rt_flush_ctls(struct asyncrt_rt *rt)
{
	size_t i;

	for (i = 0; i < rt->nctls; i++) {
		struct asyncrt_sqe *sqe = asyncrt_get_sqe(&rt->ring);

		if (!sqe)
			break;
		if (rt->ctls[i].opcode == ASYNCRT_OP_CANCEL) {
			asyncrt_prep_cancel(sqe, rt->ctls[i].target, ASYNCRT_UD_INTERNAL);
			rt->m.cancels++;
		} else {
			asyncrt_prep_notify(sqe, rt->ctls[i].fd, ASYNCRT_UD_INTERNAL);
		}
	}
	/* None queued (rt->ctls may be NULL, memmove needs a pointer) or no room. */
	if (!i)
		return;
	memmove(rt->ctls, rt->ctls + i, (rt->nctls - i) * sizeof(*rt->ctls));
	rt->nctls -= i;
}

/* ---------------------------------------------------------------------- */
/* Tasks                                                                   */
/* ---------------------------------------------------------------------- */

static size_t task_class_bytes(unsigned int cls)
{
	return sizeof(struct asyncrt_task_alloc) + cls * ASYNCRT_TASK_CLASS;
}

/* A task object with room for @size bytes of state, from the cache if it can. */
static struct asyncrt_task_alloc *task_alloc(struct asyncrt_rt *rt, size_t size,
					     uint8_t *cls)
{
	struct asyncrt_task_alloc *a;
	unsigned int c;

	if (size > (ASYNCRT_TASK_CLASSES - 1) * ASYNCRT_TASK_CLASS) {
		*cls = ASYNCRT_TASK_NOCACHE;
		return malloc(sizeof(*a) + size);
	}
	c = (size + ASYNCRT_TASK_CLASS - 1) / ASYNCRT_TASK_CLASS;
	*cls = c;
	a = rt->task_cache[c];
	if (!a)
		return malloc(task_class_bytes(c));
	asyncrt_unpoison(a, task_class_bytes(c));
	rt->task_cache[c] = *(void **)a;
	rt->task_cache_bytes -= task_class_bytes(c);
	return a;
}

/* Back to its runtime's cache while there is room; else to malloc. */
static void task_release(struct asyncrt_task *t)
{
	struct asyncrt_rt *rt = t->rt;
	unsigned int c = t->cls;

	if (!rt || c == ASYNCRT_TASK_NOCACHE ||
	    rt->task_cache_bytes + task_class_bytes(c) > ASYNCRT_TASK_CACHE_BYTES) {
		free(t);
		return;
	}
	*(void **)t = rt->task_cache[c];
	rt->task_cache[c] = t;
	rt->task_cache_bytes += task_class_bytes(c);
	asyncrt_poison(t, task_class_bytes(c));
}

static void task_cache_free(struct asyncrt_rt *rt)
{
	unsigned int c;

	for (c = 0; c < ASYNCRT_TASK_CLASSES; c++) {
		while (rt->task_cache[c]) {
			void *a = rt->task_cache[c];

			asyncrt_unpoison(a, task_class_bytes(c));
			rt->task_cache[c] = *(void **)a;
			free(a);
		}
	}
	rt->task_cache_bytes = 0;
}

void asyncrt_task_free(struct asyncrt_task *t)
{
	asyncrt_list_del(&t->all);
	task_release(t);
}

/* Drop every future the task left parked: kernel entries are cancelled. */
static void task_drop_parked(struct asyncrt_task *t)
{
	while (!asyncrt_list_empty(&t->parked)) {
		struct asyncrt_future *f =
			asyncrt_container_of(t->parked.next, struct asyncrt_future, park);

		asyncrt_drop(f);
		asyncrt_future_unpark(f);	/* in case drop did not */
	}
}

static void task_finish(struct asyncrt_task *t, long result)
{
	struct asyncrt_rt *rt = t->rt;

	task_drop_parked(t);
	if (t->owned)
		asyncrt_task_drop_groups(t);
	if (t->queued) {
		asyncrt_list_unlink(&t->run);
		t->queued = 0;
	}
	t->done = 1;
	t->result = result;
	if (!t->aborted)
		rt->m.tasks_completed++;
	/* Its state is dead: a zombie keeps the task struct for its result. */
	asyncrt_poison(t->state, t->size);
	t->state = NULL;
	rt->m.tasks_alive--;
	asyncrt_list_del(&t->all);
	if (t->group) {
		struct asyncrt_group *g = t->group;

		asyncrt_list_del(&t->gnode);
		g->nrunning--;
		asyncrt_list_add_tail(&t->gnode, &g->done);
		g->ndone++;
		if (g->waiter)
			asyncrt_wake(g->waiter->task);
		asyncrt_list_add_tail(&t->all, &rt->zombies);
		return;
	}
	if (t->joiner)
		asyncrt_wake(t->joiner->task);
	if (t->handle)
		asyncrt_list_add_tail(&t->all, &rt->zombies);
	else
		task_release(t);
}

static void task_abort_now(struct asyncrt_task *t)
{
	task_drop_parked(t);
	if (t->drop)
		t->drop(t->state);
	t->aborted = 1;
	t->rt->m.tasks_aborted++;
	task_finish(t, -ECANCELED);
}

int asyncrt_task_abort(struct asyncrt_task *t)
{
	if (!t)
		return -EINVAL;
	if (t->done)
		return -EALREADY;
	if (asyncrt_task_running(t)) {
		/* Aborting itself: finish once its poll returns. */
		t->abort_pending = 1;
		return 0;
	}
	task_abort_now(t);
	return 0;
}

void asyncrt_task_detach(struct asyncrt_task *t)
{
	if (!t || !t->handle)
		return;
	t->handle = 0;
	if (t->done && !t->group)
		asyncrt_task_free(t);
}

int asyncrt_task_is_finished(const struct asyncrt_task *t)
{
	return t ? t->done : -EINVAL;
}

uint64_t asyncrt_task_id(const struct asyncrt_task *t)
{
	return t ? t->id : 0;
}

struct asyncrt_task *asyncrt_task_new(struct asyncrt_rt *rt, asyncrt_task_fn fn,
				      asyncrt_task_drop_fn drop, const void *init,
				      size_t size)
{
	struct asyncrt_task_alloc *a;
	struct asyncrt_task *t;
	uint8_t cls;

	if (size > (1UL << 30))
		return NULL;
	a = task_alloc(rt, size, &cls);
	if (!a)
		return NULL;
	/* The class's room beyond @size is no part of the state. */
	if (cls != ASYNCRT_TASK_NOCACHE)
		asyncrt_poison((char *)a->state + size,
			       cls * ASYNCRT_TASK_CLASS - size);
	t = &a->t;
	*t = (struct asyncrt_task){
		.rt = rt, .fn = fn, .drop = drop, .state = a->state,
		.id = ++rt->next_id, .cls = cls,
	};
	if (init && !size)
		t->state = (void *)init;	/* borrowed: the caller keeps it */
	else if (init)
		memcpy(t->state, init, size);
	else if (size)
		memset(t->state, 0, size);
	t->size = size;
	asyncrt_list_init(&t->run);
	asyncrt_list_init(&t->parked);
	asyncrt_list_init(&t->gnode);
	asyncrt_list_add_tail(&t->all, &rt->tasks);
	rt->m.tasks_spawned++;
	rt->m.tasks_alive++;
	asyncrt_wake(t);
	return t;
}

int asyncrt_spawn_drop(struct asyncrt_rt *rt, asyncrt_task_fn fn,
		       asyncrt_task_drop_fn drop, const void *init, size_t size,
		       struct asyncrt_task **handle)
{
	struct asyncrt_task *t;

	if (handle)
		*handle = NULL;
	if (!rt || !fn)
		return -EINVAL;
	t = asyncrt_task_new(rt, fn, drop, init, size);
	if (!t)
		return -ENOMEM;
	if (handle) {
		t->handle = 1;
		*handle = t;
	}
	return 0;
}

int asyncrt_spawn(struct asyncrt_rt *rt, asyncrt_task_fn fn, const void *init,
		  size_t size, struct asyncrt_task **handle)
{
	return asyncrt_spawn_drop(rt, fn, NULL, init, size, handle);
}

static void task_poll(struct asyncrt_rt *rt, struct asyncrt_task *t)
{
	enum asyncrt_poll p;
	long res = 0;

	/* t->queued says whether t->run is linked: no need to reset it. */
	asyncrt_list_unlink(&t->run);
	t->queued = 0;
	/* The loop's own cx: its task field says which task runs, no copy to build. */
	rt->cx.task = t;
	rt->m.polls++;
	p = t->fn(&rt->cx, t->state, &res);
	rt->cx.task = NULL;
	if (t->abort_pending)
		task_abort_now(t);
	else if (p == ASYNCRT_READY)
		task_finish(t, res);
}

/* ---------------------------------------------------------------------- */
/* Join                                                                    */
/* ---------------------------------------------------------------------- */

static void join_drop(struct asyncrt_future *f)
{
	struct asyncrt_join *j = asyncrt_container_of(f, struct asyncrt_join, fut);

	if (j->target && j->target->joiner == f)
		j->target->joiner = NULL;
	asyncrt_future_unpark(f);
}

static enum asyncrt_poll join_poll(struct asyncrt_future *f, struct asyncrt_cx *cx,
				   long *res)
{
	struct asyncrt_join *j = asyncrt_container_of(f, struct asyncrt_join, fut);
	struct asyncrt_task *t = j->target;

	if (!t || !t->handle) {
		*res = -EINVAL;
		return ASYNCRT_READY;
	}
	if (!t->done) {
		t->joiner = f;
		asyncrt_future_park(f, cx);
		return ASYNCRT_PENDING;
	}
	asyncrt_future_unpark(f);
	*res = t->result;
	t->joiner = NULL;
	j->target = NULL;
	asyncrt_task_detach(t);
	return ASYNCRT_READY;
}

void asyncrt_join_init(struct asyncrt_join *j, struct asyncrt_task *handle)
{
	memset(j, 0, sizeof(*j));
	j->fut.poll = join_poll;
	j->fut.drop = join_drop;
	j->target = handle;
}

enum asyncrt_poll asyncrt_join_poll(struct asyncrt_join *j, struct asyncrt_cx *cx,
				    long *res)
{
	return join_poll(&j->fut, cx, res);
}

/* ---------------------------------------------------------------------- */
/* The runtime                                                             */
/* ---------------------------------------------------------------------- */

int asyncrt_rt_create(struct asyncrt_rt **out, const struct asyncrt_rt_config *cfg)
{
	struct asyncrt_params p;
	struct asyncrt_rt *rt;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (cfg && cfg->flags)
		return -EINVAL;
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	memset(&p, 0, sizeof(p));
	p.sq_entries = cfg && cfg->sq_entries ? cfg->sq_entries : 256;
	p.cq_entries = cfg && cfg->cq_entries ? cfg->cq_entries : 8192;
	p.max_inflight = cfg ? cfg->max_inflight : 0;
	if (p.cq_entries < p.sq_entries)
		p.cq_entries = p.sq_entries;
	ret = asyncrt_ring_init_params(&rt->ring, &p);
	if (ret)
		goto err_free;
	ret = asyncrt_probe_ops(&rt->ops);
	if (ret)
		goto err_ring;
	rt->cx.rt = rt;
	asyncrt_list_init(&rt->runq);
	asyncrt_list_init(&rt->tasks);
	asyncrt_list_init(&rt->zombies);
	asyncrt_list_init(&rt->sockets);
	*out = rt;
	return 0;

err_ring:
	asyncrt_ring_exit(&rt->ring);
err_free:
	free(rt);
	return ret;
}

/*
 * Abort what still runs, free what is left, close the instance: the kernel
 * cancels whatever entries remain in flight. A group in a task's state
 * goes with it; the tasks kept by any other group are that group's to free
 * (asyncrt_group_destroy). Join handles become invalid.
 */
void asyncrt_rt_destroy(struct asyncrt_rt *rt)
{
	uint32_t i;

	if (!rt || rt->in_loop)
		return;
	while (!asyncrt_list_empty(&rt->tasks)) {
		struct asyncrt_task *t =
			asyncrt_container_of(rt->tasks.next, struct asyncrt_task, all);

		task_abort_now(t);
	}
	while (!asyncrt_list_empty(&rt->zombies)) {
		struct asyncrt_task *t =
			asyncrt_container_of(rt->zombies.next, struct asyncrt_task, all);

		asyncrt_list_del(&t->all);
		if (t->group) {
			t->rt = NULL;	/* the group frees it */
			continue;
		}
		task_release(t);
	}
	asyncrt_sockets_free(rt);
	asyncrt_ring_exit(&rt->ring);
	task_cache_free(rt);
	for (i = 0; i < rt->nchunks; i++)
		free(rt->chunks[i]);
	free(rt->chunks);
	free(rt->ctls);
	free(rt);
}

struct asyncrt_ring *asyncrt_rt_ring(struct asyncrt_rt *rt)
{
	return rt ? &rt->ring : NULL;
}

uint32_t asyncrt_rt_ops(const struct asyncrt_rt *rt)
{
	return rt ? rt->ops : 0;
}

/*
 * Between two block_on calls nothing runs: hand the kernel the cancels and
 * entries this one left, so a cancel is never overtaken by what comes next.
 */
void asyncrt_rt_settle(struct asyncrt_rt *rt)
{
	rt_flush_ctls(rt);
	if (asyncrt_sq_pending(&rt->ring))
		rt_enter(rt, 0);
}

/* Run until @root is done; -EDEADLK when nothing could ever wake it. */
static int rt_run(struct asyncrt_rt *rt, struct asyncrt_task *root)
{
	int ret;

	while (!root->done) {
		unsigned int n = 0;

		while (!asyncrt_list_empty(&rt->runq) && n++ < ASYNCRT_POLL_BATCH) {
			struct asyncrt_task *t =
				asyncrt_container_of(rt->runq.next, struct asyncrt_task, run);

			task_poll(rt, t);
		}
		if (root->done)
			break;
		rt_flush_ctls(rt);
		if (asyncrt_list_empty(&rt->runq) && !rt->nslots && !rt->nctls &&
		    !asyncrt_sq_pending(&rt->ring) && !asyncrt_cq_ready(&rt->ring))
			return -EDEADLK;
		/*
		 * One ENTER per turn: it submits what the turn prepared and, when
		 * nothing can run and no completion is waiting, sleeps for one.
		 */
		if (asyncrt_sq_pending(&rt->ring) ||
		    (asyncrt_list_empty(&rt->runq) && !asyncrt_cq_ready(&rt->ring))) {
			ret = rt_enter(rt, asyncrt_list_empty(&rt->runq) &&
					   !asyncrt_cq_ready(&rt->ring));
			if (ret < 0)
				return ret;
		}
		rt_reap(rt);
	}
	return 0;
}

int asyncrt_block_on(struct asyncrt_rt *rt, asyncrt_task_fn fn, const void *init,
		     size_t size, long *res)
{
	struct asyncrt_task *root;
	int ret;

	if (!rt || !fn)
		return -EINVAL;
	if (rt->in_loop)
		return -EBUSY;
	ret = asyncrt_spawn(rt, fn, init, size, &root);
	if (ret)
		return ret;
	rt->in_loop = 1;
	ret = rt_run(rt, root);
	rt->in_loop = 0;
	if (ret) {
		/* A root that can never finish is aborted, not leaked. */
		asyncrt_task_abort(root);
	}
	if (res)
		*res = root->result;
	asyncrt_task_detach(root);
	asyncrt_rt_settle(rt);
	return ret;
}

struct block_on_future {
	struct asyncrt_future *f;
};

static enum asyncrt_poll block_on_future_task(struct asyncrt_cx *cx, void *state,
					      long *res)
{
	struct block_on_future *b = state;

	return asyncrt_poll(b->f, cx, res);
}

static void block_on_future_drop(void *state)
{
	struct block_on_future *b = state;

	asyncrt_drop(b->f);
}

int asyncrt_block_on_future(struct asyncrt_rt *rt, struct asyncrt_future *f, long *res)
{
	struct block_on_future b = { .f = f };
	struct asyncrt_task *root;
	int ret;

	if (!rt || !f || !f->poll)
		return -EINVAL;
	if (rt->in_loop)
		return -EBUSY;
	ret = asyncrt_spawn_drop(rt, block_on_future_task, block_on_future_drop,
				 &b, sizeof(b), &root);
	if (ret)
		return ret;
	rt->in_loop = 1;
	ret = rt_run(rt, root);
	rt->in_loop = 0;
	if (ret)
		asyncrt_task_abort(root);
	if (res)
		*res = root->result;
	asyncrt_task_detach(root);
	asyncrt_rt_settle(rt);
	return ret;
}

int asyncrt_rt_metrics(struct asyncrt_rt *rt, struct asyncrt_metrics *m, size_t size)
{
	struct asyncrt_metrics tmp;

	if (!rt || !m || !size)
		return -EINVAL;
	tmp = rt->m;
	tmp.sq_dropped = *rt->ring.sq.kdropped;
	tmp.cq_held = *rt->ring.cq.kheld;
	memset(m, 0, size);
	memcpy(m, &tmp, size < sizeof(tmp) ? size : sizeof(tmp));
	return 0;
}
