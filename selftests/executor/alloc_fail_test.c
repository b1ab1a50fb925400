// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the library when memory runs out. This program alone is
 * linked with -Wl,--wrap for malloc, calloc, realloc, free, mmap and
 * munmap (selftests.mk), so every allocation the library makes comes
 * through the wrappers below, which keep the blocks and mappings still
 * live and can fail the Nth allocation from now on: only that one, or it
 * and every one after (the two variants of each test). Each test fails
 * the 1st, 2nd, ... allocation of one public call until the call makes
 * no more; at every step the call must report -ENOMEM, leave what it was
 * given as it was (no half task, the group's tasks, the caller's fd, a
 * dropped entry still cancelled), and leave the runtime working; and once
 * the runtime is destroyed, the blocks, mappings and fds live must be
 * those live before it was made. Covered: asyncrt_rt_create() (and the
 * probe's ring), asyncrt_ring_init(), asyncrt_spawn_drop(), block_on and
 * block_on_future, asyncrt_group_spawn() (its task, and its record of a
 * group in the spawning task's state), the channels, asyncrt_socket_open(),
 * the first kernel future (its slot), a registered socket's wait, and
 * what must allocate nothing: an abort, a socket's close, a group's and
 * the runtime's destroy.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "executor/rt_helpers.h"

/* ---------------------------------------------------------------------- */
/* The allocator, wrapped                                                  */
/* ---------------------------------------------------------------------- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);

#define AF_MAX_LIVE	4096

/*
 * Blocks and mappings handed out through the wrappers and not yet given
 * back. libc's own allocations made before (or behind) the wrappers are
 * not here, so freeing one of those counts nothing.
 */
static struct {
	struct { void *p; int map; } live[AF_MAX_LIVE];
	unsigned int nlive;
	int overflow;
	unsigned long countdown;	/* the countdown-th from now fails; 0: none */
	int sticky;			/* and every one after it */
	int failing;			/* sticky, and failing */
	unsigned long fired;		/* allocations failed since armed */
} af;

static int af_fail(void)
{
	if (af.failing || (af.countdown && !--af.countdown)) {
		af.failing = af.sticky;
		af.fired++;
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

static void af_track(void *p, int map)
{
	if (af.nlive == AF_MAX_LIVE) {
		af.overflow = 1;
		return;
	}
	af.live[af.nlive].p = p;
	af.live[af.nlive++].map = map;
}

static void af_untrack(void *p, int map)
{
	unsigned int i;

	for (i = af.nlive; i--; ) {
		if (af.live[i].p == p && af.live[i].map == map) {
			af.live[i] = af.live[--af.nlive];
			return;
		}
	}
}

void *__wrap_malloc(size_t size);
void *__wrap_malloc(size_t size)
{
	void *p;

	if (af_fail())
		return NULL;
	p = __real_malloc(size);
	if (p)
		af_track(p, 0);
	return p;
}

void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (af_fail())
		return NULL;
	p = __real_calloc(n, size);
	if (p)
		af_track(p, 0);
	return p;
}

void *__wrap_realloc(void *old, size_t size);
void *__wrap_realloc(void *old, size_t size)
{
	void *p;

	if (af_fail())
		return NULL;	/* @old stays the caller's */
	p = __real_realloc(old, size);
	if (p) {
		if (old)
			af_untrack(old, 0);
		af_track(p, 0);
	}
	return p;
}

void __wrap_free(void *p);
void __wrap_free(void *p)
{
	if (p)
		af_untrack(p, 0);
	__real_free(p);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	if (af_fail())
		return MAP_FAILED;
	p = __real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED)
		af_track(p, 1);
	return p;
}

int __wrap_munmap(void *addr, size_t len);
int __wrap_munmap(void *addr, size_t len)
{
	af_untrack(addr, 1);
	return __real_munmap(addr, len);
}

/* Fail the @nth allocation from now on; with @sticky, every one after too. */
static void af_arm(unsigned long nth, int sticky)
{
	af.countdown = nth;
	af.sticky = sticky;
	af.failing = 0;
	af.fired = 0;
}

/* Stop failing; how many allocations failed since af_arm(). */
static unsigned long af_disarm(void)
{
	unsigned long fired = af.fired;

	af.countdown = 0;
	af.failing = 0;
	return fired;
}

/*
 * What is live: blocks, mappings, and open fds (counted, as a leaked fd
 * hides behind a lower one the test closes).
 */
struct af_snap {
	unsigned int blocks, maps, fds;
};

static struct af_snap af_snap(void)
{
	struct af_snap s = { 0 };
	unsigned int i;
	int fd;

	for (i = 0; i < af.nlive; i++) {
		if (af.live[i].map)
			s.maps++;
		else
			s.blocks++;
	}
	for (fd = 0; fd < 1024; fd++)
		s.fds += fcntl(fd, F_GETFD) >= 0;
	return s;
}

#define EXPECT_SAME_SNAP(a, b)							\
	do {									\
		struct af_snap _b = (b);					\
		ASSERT_EQ(0, af.overflow);					\
		EXPECT_EQ((a).blocks, _b.blocks) TH_LOG("blocks leaked");	\
		EXPECT_EQ((a).maps, _b.maps) TH_LOG("mappings leaked");		\
		EXPECT_EQ((a).fds, _b.fds) TH_LOG("an fd leaked");		\
	} while (0)

/* ---------------------------------------------------------------------- */
/* Tasks the tests run                                                     */
/* ---------------------------------------------------------------------- */

/* Returns its argument; counts its polls in *polls if set. */
struct value_task {
	long v;
	int *polls;
};

static enum asyncrt_poll value_task(struct asyncrt_cx *cx, void *state, long *res)
{
	struct value_task *v = state;

	if (v->polls)
		(*v->polls)++;
	*res = v->v;
	return ASYNCRT_READY;
}

static void count_drop(void *state)
{
	struct value_task *v = state;

	if (v->polls)
		(*v->polls) += 100;
}

/* The runtime still works: a NOP, then a child spawned and joined (42). */
struct works {
	struct asyncrt_co co;
	struct asyncrt_op op;
	struct asyncrt_task *h;
	struct asyncrt_join j;
	long r;
};

static enum asyncrt_poll works(struct asyncrt_cx *cx, void *state, long *res)
{
	struct works *w = state;
	struct value_task v = { .v = 42 };

	asyncrt_co_begin(&w->co);
	asyncrt_op_init(&w->op, ASYNCRT_OP_NOP);
	asyncrt_co_await(&w->co, asyncrt_op_poll(&w->op, cx, &w->r));
	if (w->r)
		asyncrt_co_return(&w->co, res, w->r);
	if (asyncrt_spawn(cx->rt, value_task, &v, sizeof(v), &w->h))
		asyncrt_co_return(&w->co, res, -1);
	asyncrt_join_init(&w->j, w->h);
	asyncrt_co_await(&w->co, asyncrt_join_poll(&w->j, cx, &w->r));
	asyncrt_co_return(&w->co, res, w->r);
	asyncrt_co_end(&w->co, res);
}

static long rt_works(struct asyncrt_rt *rt)
{
	long res = -1;
	int ret = asyncrt_block_on(rt, works, NULL, sizeof(struct works), &res);

	return ret ? ret : res;
}

/* Sleeps 1 ms at a time until at most @want are in flight (or a second passed). */
struct settle {
	struct asyncrt_co co;
	struct asyncrt_sleep s;
	uint64_t want;
	int i;
	long r;
};

static enum asyncrt_poll settle(struct asyncrt_cx *cx, void *state, long *res)
{
	struct settle *s = state;
	struct asyncrt_metrics m;

	asyncrt_co_begin(&s->co);
	for (s->i = 0; s->i < 1000; s->i++) {
		asyncrt_sleep_init(&s->s, MS);
		asyncrt_co_await(&s->co, asyncrt_sleep_poll(&s->s, cx, &s->r));
		asyncrt_rt_metrics(cx->rt, &m, sizeof(m));
		if (m.ops_inflight <= s->want)
			break;
	}
	asyncrt_co_end(&s->co, res);
}

/* Entries in flight, once none but @want are (or after a second). */
static uint64_t inflight_after_settling(struct asyncrt_rt *rt, uint64_t want)
{
	struct settle s = { .want = want };
	struct asyncrt_metrics m;
	long res;

	asyncrt_block_on(rt, settle, &s, sizeof(s), &res);
	asyncrt_rt_metrics(rt, &m, sizeof(m));
	return m.ops_inflight;
}

FIXTURE(alloc) {
	struct asyncrt_rt *rt;
};

FIXTURE_VARIANT(alloc) {
	int sticky;
};

FIXTURE_VARIANT_ADD(alloc, only_the_nth) {
	.sticky = 0,
};

FIXTURE_VARIANT_ADD(alloc, the_nth_and_after) {
	.sticky = 1,
};

FIXTURE_SETUP(alloc)
{
	self->rt = NULL;
}

FIXTURE_TEARDOWN(alloc)
{
}

/*
 * k = 1, 2, ...: the k-th allocation of the call under test fails, until a
 * step fails none (the call succeeded, unharmed); the body sets @fired.
 * Each step makes its own runtime and checks, once it is destroyed, that
 * nothing leaked. Then ALLOCS(k) is how many allocations the call made:
 * each test pins it, so a new allocation in a call is noticed here.
 */
#define FOR_EACH_FAILURE(k, fired)						\
	for (k = 1, fired = 1; fired; k += !!fired)
#define ALLOCS(k)	((k) - 1)

/* ---------------------------------------------------------------------- */
/* Runtime and ring                                                        */
/* ---------------------------------------------------------------------- */

TEST_F(alloc, rt_create_that_cannot_allocate_fails_cleanly)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct asyncrt_rt *rt = (void *)1;
		int ret;

		af_arm(k, variant->sticky);
		ret = asyncrt_rt_create(&rt, NULL);
		fired = af_disarm();
		if (fired) {
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %lu", k);
			ASSERT_EQ(NULL, rt);
			EXPECT_SAME_SNAP(s0, af_snap());
			ASSERT_EQ(0, asyncrt_rt_create(&rt, NULL));
		} else {
			ASSERT_EQ(0, ret);
		}
		EXPECT_EQ(42, rt_works(rt));
		asyncrt_rt_destroy(rt);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	/* The runtime, two mappings of its ring, two of the probe's. */
	EXPECT_EQ(5, ALLOCS(k));
}

TEST_F(alloc, ring_init_that_cannot_map_fails_cleanly)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct asyncrt_ring ring;
		struct asyncrt_cqe *cqe;
		struct asyncrt_sqe *sqe;
		int ret;

		af_arm(k, variant->sticky);
		ret = asyncrt_ring_init(&ring, 8);
		fired = af_disarm();
		if (fired) {
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %lu", k);
			/* Inert, as a ring whose init failed is. */
			EXPECT_EQ(-1, ring.fd);
			EXPECT_EQ(NULL, asyncrt_get_sqe(&ring));
			EXPECT_EQ(-EBADF, asyncrt_submit(&ring));
			asyncrt_ring_exit(&ring);
			EXPECT_SAME_SNAP(s0, af_snap());
			ASSERT_EQ(0, asyncrt_ring_init(&ring, 8));
		} else {
			ASSERT_EQ(0, ret);
		}
		sqe = asyncrt_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		asyncrt_prep_nop(sqe, 7);
		ASSERT_EQ(1, asyncrt_submit(&ring));
		ASSERT_EQ(0, asyncrt_wait_cqe(&ring, &cqe));
		EXPECT_EQ(7, cqe->user_data);
		asyncrt_cqe_seen(&ring, cqe);
		asyncrt_ring_exit(&ring);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	EXPECT_EQ(2, ALLOCS(k));
}

/* ---------------------------------------------------------------------- */
/* Tasks                                                                   */
/* ---------------------------------------------------------------------- */

/*
 * Spawn with a state copied into the task (a cached size, and one too large
 * for the cache) and with a borrowed one: a failed spawn leaves no task
 * (none counted, none run, no drop) and no handle.
 */
TEST_F(alloc, spawn_that_cannot_allocate_its_task_fails_cleanly)
{
	static const size_t sizes[] = { 0, sizeof(struct value_task), 1000 };
	unsigned long k, fired;
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		FOR_EACH_FAILURE(k, fired) {
			struct af_snap s0 = af_snap();
			long state[1000 / sizeof(long)] = { 0 };
			struct value_task *v = (void *)state;
			struct asyncrt_task *h = (void *)1;
			struct asyncrt_metrics m;
			struct asyncrt_join j;
			int polls = 0, ret;
			long res = 0;

			ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
			v->v = 5;
			v->polls = &polls;
			af_arm(k, variant->sticky);
			ret = asyncrt_spawn_drop(self->rt, value_task, count_drop, state,
						 sizes[i], &h);
			fired = af_disarm();
			ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
			if (fired) {
				ASSERT_EQ(-ENOMEM, ret) TH_LOG("size %zu, allocation %lu",
							       sizes[i], k);
				EXPECT_EQ(NULL, h);
				EXPECT_EQ(0, m.tasks_spawned);
				EXPECT_EQ(0, m.tasks_alive);
			} else {
				ASSERT_EQ(0, ret);
				EXPECT_EQ(1, m.tasks_alive);
				asyncrt_join_init(&j, h);
				ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &j.fut, &res));
				EXPECT_EQ(5, res);
			}
			EXPECT_EQ(42, rt_works(self->rt));
			EXPECT_EQ(fired ? 0 : 1, polls);
			asyncrt_rt_destroy(self->rt);
			EXPECT_SAME_SNAP(s0, af_snap());
		}
		EXPECT_EQ(1, ALLOCS(k)) TH_LOG("size %zu", sizes[i]);
	}
}

/* A future that counts its polls and drops, READY with 3 at once. */
struct counted {
	struct asyncrt_future fut;
	int polls, drops;
};

static enum asyncrt_poll counted_poll(struct asyncrt_future *f, struct asyncrt_cx *cx,
				      long *res)
{
	((struct counted *)f)->polls++;	/* fut comes first */
	*res = 3;
	return ASYNCRT_READY;
}

static void counted_drop(struct asyncrt_future *f)
{
	((struct counted *)f)->drops++;
}

/* block_on's root task: the function never runs, the future is untouched. */
TEST_F(alloc, block_on_that_cannot_spawn_its_root_fails_cleanly)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct counted c = { .fut = { .poll = counted_poll, .drop = counted_drop } };
		int polls = 0, ret, ret2;
		struct value_task v = { .v = 8, .polls = &polls };
		long res = -77, res2 = -77;

		ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
		af_arm(k, variant->sticky);
		ret = asyncrt_block_on(self->rt, value_task, &v, sizeof(v), &res);
		ret2 = asyncrt_block_on_future(self->rt, &c.fut, &res2);
		fired = af_disarm();
		if (fired) {
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %lu", k);
			EXPECT_EQ(-77, res);
			EXPECT_EQ(0, polls);
			/* Only the first failed, or both. */
			if (ret2) {
				EXPECT_EQ(-ENOMEM, ret2);
				EXPECT_EQ(-77, res2);
				EXPECT_EQ(0, c.polls);
				EXPECT_EQ(0, c.drops);
				ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &c.fut, &res2));
			}
		} else {
			ASSERT_EQ(0, ret);
			EXPECT_EQ(8, res);
			ASSERT_EQ(0, ret2);
		}
		EXPECT_EQ(3, res2);
		EXPECT_EQ(1, c.polls);
		EXPECT_EQ(42, rt_works(self->rt));
		asyncrt_rt_destroy(self->rt);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	/* The first root; the second takes the first's object from the cache. */
	EXPECT_EQ(1, ALLOCS(k));
}

/* ---------------------------------------------------------------------- */
/* Groups                                                                  */
/* ---------------------------------------------------------------------- */

/* Takes every result of @g until -ENOENT: their sum, and how many. */
struct drain {
	struct asyncrt_co co;
	struct asyncrt_group *g;
	struct asyncrt_group_next next;
	long r, sum, n;
};

static enum asyncrt_poll drain(struct asyncrt_cx *cx, void *state, long *res)
{
	struct drain *d = state;

	asyncrt_co_begin(&d->co);
	for (;;) {
		asyncrt_group_next_init(&d->next, d->g);
		asyncrt_co_await(&d->co, asyncrt_group_next_poll(&d->next, cx, &d->r));
		if (d->r)
			break;
		d->sum += d->next.value;
		d->n++;
	}
	asyncrt_co_return(&d->co, res, d->r == -ENOENT ? d->n * 1000 + d->sum : d->r);
	asyncrt_co_end(&d->co, res);
}

/* A group kept outside any task: a failed spawn leaves its two tasks. */
TEST_F(alloc, group_spawn_that_cannot_allocate_its_task_leaves_the_group_as_it_was)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct value_task v1 = { .v = 1 }, v2 = { .v = 2 }, v4 = { .v = 4 };
		struct asyncrt_group g;
		struct drain d = { 0 };
		uint64_t id = 0;
		long res = 0;
		int ret;

		ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
		ASSERT_EQ(0, asyncrt_group_init(&g, self->rt));
		ASSERT_EQ(0, asyncrt_group_spawn(&g, value_task, &v1, sizeof(v1), NULL));
		ASSERT_EQ(0, asyncrt_group_spawn(&g, value_task, &v2, sizeof(v2), NULL));
		af_arm(k, variant->sticky);
		ret = asyncrt_group_spawn(&g, value_task, &v4, sizeof(v4), &id);
		fired = af_disarm();
		if (fired) {
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %lu", k);
			EXPECT_EQ(0, id);
			EXPECT_EQ(2, asyncrt_group_len(&g));
		} else {
			ASSERT_EQ(0, ret);
			EXPECT_NE(0, id);
			EXPECT_EQ(3, asyncrt_group_len(&g));
		}
		d.g = &g;
		ASSERT_EQ(0, asyncrt_block_on(self->rt, drain, &d, 0, &res));
		EXPECT_EQ(fired ? 2003 : 3007, res);
		asyncrt_group_destroy(&g);
		EXPECT_EQ(42, rt_works(self->rt));
		asyncrt_rt_destroy(self->rt);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	EXPECT_EQ(1, ALLOCS(k));
}

struct spawn_report {
	int ret;
	unsigned long fired;
	size_t len;
	long drained;
};

/*
 * Holds three groups in its state and spawns a task into each of the
 * first @before (recorded as its groups, unarmed), then, armed, one into
 * the next: its first group needs the record made, its third the record
 * grown. Then drains that group and ends, the others going with it.
 */
struct holder {
	struct asyncrt_co co;
	struct asyncrt_group g[3];
	struct drain d;
	struct spawn_report *rep;
	unsigned long k;
	int sticky, before, i;
	long r;
};

static enum asyncrt_poll holder(struct asyncrt_cx *cx, void *state, long *res)
{
	struct holder *h = state;
	struct value_task v = { .v = 10 };

	asyncrt_co_begin(&h->co);
	for (h->i = 0; h->i < 3; h->i++)
		asyncrt_group_init(&h->g[h->i], cx->rt);
	for (h->i = 0; h->i < h->before; h->i++)
		if (asyncrt_group_spawn(&h->g[h->i], value_task, &v, sizeof(v), NULL))
			asyncrt_co_return(&h->co, res, -1);
	af_arm(h->k, h->sticky);
	h->rep->ret = asyncrt_group_spawn(&h->g[h->before], value_task, &v, sizeof(v),
					  NULL);
	h->rep->fired = af_disarm();
	h->rep->len = asyncrt_group_len(&h->g[h->before]);
	memset(&h->d, 0, sizeof(h->d));
	h->d.g = &h->g[h->before];
	asyncrt_co_await(&h->co, drain(cx, &h->d, &h->r));
	h->rep->drained = h->r;
	asyncrt_co_end(&h->co, res);
}

/*
 * A group in the spawning task's state: the failure may hit the task's
 * record of its groups (made at its first group, grown at its third) or
 * the new task. Either way -ENOMEM, the group as it was, and when the
 * holder ends, its groups and their tasks are all freed.
 */
TEST_F(alloc, group_spawn_that_cannot_record_the_group_fails_cleanly)
{
	static const int befores[] = { 0, 2 };
	unsigned long k, fired;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		FOR_EACH_FAILURE(k, fired) {
			struct af_snap s0 = af_snap();
			struct spawn_report rep = { 0 };
			struct holder h = {
				.rep = &rep, .k = k, .sticky = variant->sticky,
				.before = befores[i],
			};
			struct asyncrt_metrics m;
			long res = -1;

			ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
			ASSERT_EQ(0, asyncrt_block_on(self->rt, holder, &h, sizeof(h), &res));
			EXPECT_EQ(0, res);
			fired = rep.fired;
			if (fired) {
				ASSERT_EQ(-ENOMEM, rep.ret) TH_LOG("before %d, allocation %lu",
								   befores[i], k);
				EXPECT_EQ(0, rep.len);
				EXPECT_EQ(0, rep.drained);
			} else {
				ASSERT_EQ(0, rep.ret);
				EXPECT_EQ(1, rep.len);
				EXPECT_EQ(1010, rep.drained);
			}
			ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
			EXPECT_EQ(0, m.tasks_alive);
			EXPECT_EQ(42, rt_works(self->rt));
			asyncrt_rt_destroy(self->rt);
			EXPECT_SAME_SNAP(s0, af_snap());
		}
		/* The record (made, or grown), then the task. */
		EXPECT_EQ(2, ALLOCS(k)) TH_LOG("before %d", befores[i]);
	}
}

/* ---------------------------------------------------------------------- */
/* Channels and sockets                                                    */
/* ---------------------------------------------------------------------- */

TEST_F(alloc, channel_that_cannot_allocate_fails_cleanly)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct asyncrt_oneshot *o = (void *)1;
		struct asyncrt_mpsc *q = (void *)1;
		int ret, ret2, msg = 6, got = 0;

		af_arm(k, variant->sticky);
		ret = asyncrt_oneshot_new(&o, sizeof(int));
		ret2 = asyncrt_mpsc_new(&q, sizeof(int), 4);
		fired = af_disarm();
		EXPECT_EQ(!!fired, ret || ret2) TH_LOG("allocation %lu", k);
		if (ret) {
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %lu", k);
			EXPECT_EQ(NULL, o);
			ASSERT_EQ(0, asyncrt_oneshot_new(&o, sizeof(int)));
		}
		if (ret2) {
			ASSERT_EQ(-ENOMEM, ret2) TH_LOG("allocation %lu", k);
			EXPECT_EQ(NULL, q);
			ASSERT_EQ(0, asyncrt_mpsc_new(&q, sizeof(int), 4));
		}
		ASSERT_EQ(0, asyncrt_mpsc_try_send(q, &msg));
		ASSERT_EQ(0, asyncrt_mpsc_try_recv(q, &got));
		EXPECT_EQ(6, got);
		asyncrt_mpsc_rx_close(q);
		asyncrt_mpsc_tx_close(q);
		ASSERT_EQ(0, asyncrt_oneshot_send(o, &msg));
		asyncrt_oneshot_close_rx(o);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	EXPECT_EQ(2, ALLOCS(k));
}

/* Reads @len bytes from a registered socket, once. */
struct sock_read {
	struct asyncrt_co co;
	struct asyncrt_io io;
	struct asyncrt_socket *sock;
	char buf[8];
	long r;
};

static enum asyncrt_poll sock_read(struct asyncrt_cx *cx, void *state, long *res)
{
	struct sock_read *s = state;

	asyncrt_co_begin(&s->co);
	asyncrt_sock_read_init(&s->io, s->sock, s->buf, sizeof(s->buf));
	asyncrt_co_await(&s->co, asyncrt_io_poll(&s->io, cx, &s->r));
	asyncrt_co_return(&s->co, res, s->r);
	asyncrt_co_end(&s->co, res);
}

#define REQUIRE_SOCKETS(rt)							\
	do {									\
		REQUIRE_OP(rt, ASYNCRT_OP_POLL, "POLL");			\
		REQUIRE_OP(rt, ASYNCRT_OP_CANCEL, "CANCEL");			\
	} while (0)

/* The fd stays the caller's as it was: open, and still blocking. */
TEST_F(alloc, socket_open_that_cannot_allocate_leaves_the_fd_to_the_caller)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct asyncrt_socket *sock = (void *)1;
		struct sock_read rd = { 0 };
		long res = 0;
		int sv[2], ret;

		ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
		REQUIRE_SOCKETS(self->rt);
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
		af_arm(k, variant->sticky);
		ret = asyncrt_socket_open(self->rt, sv[0], &sock);
		fired = af_disarm();
		if (fired) {
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %lu", k);
			EXPECT_EQ(NULL, sock);
			ASSERT_LE(0, fcntl(sv[0], F_GETFD));
			EXPECT_EQ(0, fcntl(sv[0], F_GETFL) & O_NONBLOCK);
			ASSERT_EQ(0, asyncrt_socket_open(self->rt, sv[0], &sock));
		} else {
			ASSERT_EQ(0, ret);
		}
		ASSERT_EQ(3, write(sv[1], "abc", 3));
		rd.sock = sock;
		ASSERT_EQ(0, asyncrt_block_on(self->rt, sock_read, &rd, 0, &res));
		EXPECT_EQ(3, res);
		EXPECT_EQ(0, asyncrt_socket_close(sock));
		close(sv[1]);
		EXPECT_EQ(42, rt_works(self->rt));
		asyncrt_rt_destroy(self->rt);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	EXPECT_EQ(1, ALLOCS(k));
}

/* ---------------------------------------------------------------------- */
/* Kernel futures and waits                                                */
/* ---------------------------------------------------------------------- */

struct first_poll {
	enum asyncrt_poll p;
	long res;
	unsigned long fired;
};

/* Polls a NOP once armed (the runtime's first entry), then awaits it. */
struct first_op {
	struct asyncrt_co co;
	struct asyncrt_op op;
	struct first_poll *rep;
	unsigned long k;
	int sticky;
	long r;
};

static enum asyncrt_poll first_op(struct asyncrt_cx *cx, void *state, long *res)
{
	struct first_op *f = state;

	asyncrt_co_begin(&f->co);
	asyncrt_op_init(&f->op, ASYNCRT_OP_NOP);
	af_arm(f->k, f->sticky);
	f->rep->p = asyncrt_op_poll(&f->op, cx, &f->rep->res);
	f->rep->fired = af_disarm();
	if (f->rep->p == ASYNCRT_PENDING)
		asyncrt_co_await(&f->co, asyncrt_op_poll(&f->op, cx, &f->rep->res));
	asyncrt_co_end(&f->co, res);
}

/*
 * A kernel future whose slot (the slot table, its first chunk, the room
 * for the CANCEL a drop would queue) cannot be allocated completes at once
 * with -ENOMEM, nothing in flight.
 */
TEST_F(alloc, future_that_cannot_get_a_slot_completes_with_enomem)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct first_poll rep = { 0 };
		struct first_op f = { .rep = &rep, .k = k, .sticky = variant->sticky };
		struct asyncrt_metrics m;
		long res = -1;

		ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
		ASSERT_EQ(0, asyncrt_block_on(self->rt, first_op, &f, sizeof(f), &res));
		fired = rep.fired;
		if (fired) {
			EXPECT_EQ(ASYNCRT_READY, rep.p) TH_LOG("allocation %lu", k);
			EXPECT_EQ(-ENOMEM, rep.res);
		} else {
			EXPECT_EQ(ASYNCRT_PENDING, rep.p);
			EXPECT_EQ(0, rep.res);
		}
		ASSERT_EQ(0, asyncrt_rt_metrics(self->rt, &m, sizeof(m)));
		EXPECT_EQ(0, m.ops_inflight);
		EXPECT_EQ(fired ? 0 : 1, m.ops_submitted);
		EXPECT_EQ(42, rt_works(self->rt));
		asyncrt_rt_destroy(self->rt);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	EXPECT_EQ(3, ALLOCS(k));
}

/* Polls a read on an empty registered socket once armed, then awaits it. */
struct first_wait {
	struct asyncrt_co co;
	struct asyncrt_io io;
	struct asyncrt_socket *sock;
	struct first_poll *rep;
	unsigned long k;
	int sticky;
	char buf[8];
};

static enum asyncrt_poll first_wait(struct asyncrt_cx *cx, void *state, long *res)
{
	struct first_wait *w = state;

	asyncrt_co_begin(&w->co);
	asyncrt_sock_read_init(&w->io, w->sock, w->buf, sizeof(w->buf));
	af_arm(w->k, w->sticky);
	w->rep->p = asyncrt_io_poll(&w->io, cx, &w->rep->res);
	w->rep->fired = af_disarm();
	if (w->rep->p == ASYNCRT_PENDING)
		asyncrt_co_await(&w->co, asyncrt_io_poll(&w->io, cx, &w->rep->res));
	asyncrt_co_end(&w->co, res);
}

/*
 * A registered socket's first wait arms its POLL entry, and makes room for
 * the CANCEL its close will queue: when it cannot, the read gives -ENOMEM
 * and the socket stays usable (the next read arms it).
 */
TEST_F(alloc, socket_wait_that_cannot_make_room_for_its_cancel_fails_cleanly)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct first_poll rep = { 0 };
		struct first_wait w = { .rep = &rep, .k = k, .sticky = variant->sticky };
		struct sock_read rd = { 0 };
		struct asyncrt_task *h;
		struct asyncrt_join j;
		long res = -1;
		int sv[2];

		ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
		REQUIRE_SOCKETS(self->rt);
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
		ASSERT_EQ(0, asyncrt_socket_open(self->rt, sv[0], &w.sock));
		/* first_wait's read finds the socket empty, and waits or fails. */
		ASSERT_EQ(0, asyncrt_spawn(self->rt, first_wait, &w, 0, &h));
		EXPECT_EQ(42, rt_works(self->rt));
		ASSERT_EQ(3, write(sv[1], "abc", 3));
		asyncrt_join_init(&j, h);
		ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &j.fut, &res));
		fired = rep.fired;
		if (fired) {
			EXPECT_EQ(ASYNCRT_READY, rep.p) TH_LOG("allocation %lu", k);
			EXPECT_EQ(-ENOMEM, rep.res);
			rd.sock = w.sock;
			ASSERT_EQ(0, asyncrt_block_on(self->rt, sock_read, &rd, 0, &res));
			EXPECT_EQ(3, res);
		} else {
			EXPECT_EQ(ASYNCRT_PENDING, rep.p);
			EXPECT_EQ(3, rep.res);
		}
		EXPECT_EQ(0, asyncrt_socket_close(w.sock));
		close(sv[1]);
		EXPECT_EQ(42, rt_works(self->rt));
		asyncrt_rt_destroy(self->rt);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	EXPECT_EQ(1, ALLOCS(k));
}

/* Waits on @wq forever (until aborted). */
struct waiter {
	struct asyncrt_co co;
	struct asyncrt_op op;
	int wq;
	long r;
};

static enum asyncrt_poll waiter(struct asyncrt_cx *cx, void *state, long *res)
{
	struct waiter *w = state;

	asyncrt_co_begin(&w->co);
	asyncrt_wq_wait_init(&w->op, w->wq);
	asyncrt_co_await(&w->co, asyncrt_op_poll(&w->op, cx, &w->r));
	asyncrt_co_return(&w->co, res, w->r);
	asyncrt_co_end(&w->co, res);
}

/*
 * Regression: the CANCEL an abort queues for the task's WAIT used to need
 * memory, and was silently dropped without it, leaving the WAIT in the
 * kernel, in flight, until the runtime went. An abort cannot fail: the
 * room is made when the entry starts, so the abort allocates nothing and
 * the entry ends.
 */
TEST_F(alloc, abort_when_memory_runs_out_still_cancels_the_tasks_entries)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct waiter w = { 0 };
		struct asyncrt_task *h;
		struct asyncrt_join j;
		long res = 0;

		ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
		REQUIRE_OP(self->rt, ASYNCRT_OP_WAIT, "WAIT");
		REQUIRE_OP(self->rt, ASYNCRT_OP_CANCEL, "CANCEL");
		w.wq = asyncrt_wq_new(self->rt);
		ASSERT_LE(0, w.wq);
		ASSERT_EQ(0, asyncrt_spawn(self->rt, waiter, &w, sizeof(w), &h));
		/* The WAIT goes in flight. */
		EXPECT_EQ(42, rt_works(self->rt));
		ASSERT_EQ(1, inflight_after_settling(self->rt, 1));
		af_arm(k, variant->sticky);
		ASSERT_EQ(0, asyncrt_task_abort(h));
		fired = af_disarm();
		asyncrt_join_init(&j, h);
		ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &j.fut, &res));
		EXPECT_EQ(-ECANCELED, res);
		EXPECT_EQ(0, inflight_after_settling(self->rt, 0)) TH_LOG("allocation %lu", k);
		EXPECT_EQ(42, rt_works(self->rt));
		close(w.wq);
		asyncrt_rt_destroy(self->rt);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	/* Fired before the fix: the CANCEL's room is made when the WAIT starts. */
	EXPECT_EQ(0, ALLOCS(k)) TH_LOG("the abort allocates");
}

/*
 * Regression: the same for a registered socket closed with its POLL
 * armed. The lost CANCEL left the entry holding the file, so the peer
 * never saw the end of the stream.
 */
TEST_F(alloc, close_when_memory_runs_out_still_releases_the_file)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct sock_read rd = { 0 };
		struct asyncrt_task *h;
		struct asyncrt_join j;
		struct pollfd pfd;
		long res = 0;
		char c;
		int sv[2];

		ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
		REQUIRE_SOCKETS(self->rt);
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
		ASSERT_EQ(0, asyncrt_socket_open(self->rt, sv[0], &rd.sock));
		/* A reader waits: the POLLIN entry is armed. */
		ASSERT_EQ(0, asyncrt_spawn(self->rt, sock_read, &rd, 0, &h));
		EXPECT_EQ(42, rt_works(self->rt));
		ASSERT_EQ(1, inflight_after_settling(self->rt, 1));
		af_arm(k, variant->sticky);
		EXPECT_EQ(0, asyncrt_socket_close(rd.sock));
		fired = af_disarm();
		asyncrt_join_init(&j, h);
		ASSERT_EQ(0, asyncrt_block_on_future(self->rt, &j.fut, &res));
		EXPECT_EQ(-EBADF, res);
		EXPECT_EQ(0, inflight_after_settling(self->rt, 0)) TH_LOG("allocation %lu", k);
		/* The peer sees the end of the stream. */
		pfd = (struct pollfd){ .fd = sv[1], .events = POLLIN };
		EXPECT_EQ(1, poll(&pfd, 1, 1000));
		EXPECT_EQ(0, recv(sv[1], &c, 1, MSG_DONTWAIT));
		close(sv[1]);
		EXPECT_EQ(42, rt_works(self->rt));
		asyncrt_rt_destroy(self->rt);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	EXPECT_EQ(0, ALLOCS(k)) TH_LOG("the close allocates");
}

/*
 * Destroying a group aborts its running tasks, whose entries need
 * CANCELs: like an abort, it allocates nothing, and the entries end.
 */
TEST_F(alloc, group_destroy_when_memory_runs_out_still_cancels_its_entries)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct asyncrt_group g;
		struct waiter w = { 0 };
		int i;

		ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
		REQUIRE_OP(self->rt, ASYNCRT_OP_WAIT, "WAIT");
		REQUIRE_OP(self->rt, ASYNCRT_OP_CANCEL, "CANCEL");
		w.wq = asyncrt_wq_new(self->rt);
		ASSERT_LE(0, w.wq);
		ASSERT_EQ(0, asyncrt_group_init(&g, self->rt));
		for (i = 0; i < 3; i++)
			ASSERT_EQ(0, asyncrt_group_spawn(&g, waiter, &w, sizeof(w), NULL));
		/* Their three WAITs go in flight. */
		ASSERT_EQ(3, inflight_after_settling(self->rt, 3));
		af_arm(k, variant->sticky);
		asyncrt_group_destroy(&g);
		fired = af_disarm();
		EXPECT_EQ(0, inflight_after_settling(self->rt, 0)) TH_LOG("allocation %lu", k);
		EXPECT_EQ(42, rt_works(self->rt));
		close(w.wq);
		asyncrt_rt_destroy(self->rt);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	EXPECT_EQ(0, ALLOCS(k)) TH_LOG("the group's destroy allocates");
}

/*
 * Destroying the runtime with tasks waiting in the kernel, a registered
 * socket armed and finished tasks in its cache: it allocates nothing, and
 * gives back every block, mapping and fd it had.
 */
TEST_F(alloc, rt_destroy_when_memory_runs_out_still_frees_everything)
{
	unsigned long k, fired;

	FOR_EACH_FAILURE(k, fired) {
		struct af_snap s0 = af_snap();
		struct sock_read rd = { 0 };
		struct waiter w = { 0 };
		int i, sv[2];

		ASSERT_EQ(0, asyncrt_rt_create(&self->rt, NULL));
		REQUIRE_OP(self->rt, ASYNCRT_OP_WAIT, "WAIT");
		REQUIRE_SOCKETS(self->rt);
		w.wq = asyncrt_wq_new(self->rt);
		ASSERT_LE(0, w.wq);
		for (i = 0; i < 3; i++)
			ASSERT_EQ(0, asyncrt_spawn(self->rt, waiter, &w, sizeof(w), NULL));
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
		ASSERT_EQ(0, asyncrt_socket_open(self->rt, sv[0], &rd.sock));
		ASSERT_EQ(0, asyncrt_spawn(self->rt, sock_read, &rd, 0, NULL));
		/* Finished tasks for the cache, then three WAITs and a POLL in flight. */
		EXPECT_EQ(42, rt_works(self->rt));
		ASSERT_EQ(4, inflight_after_settling(self->rt, 4));
		af_arm(k, variant->sticky);
		asyncrt_rt_destroy(self->rt);
		fired = af_disarm();
		close(w.wq);
		close(sv[1]);
		EXPECT_SAME_SNAP(s0, af_snap());
	}
	EXPECT_EQ(0, ALLOCS(k)) TH_LOG("the runtime's destroy allocates");
}

TEST_HARNESS_MAIN
