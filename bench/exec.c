// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace executor: the same two programs on libasyncrt's executor and on
 * a minimal hand-written epoll event loop (bench/evloop.c), which has the
 * executor's structure: malloc'd tasks polled from a FIFO run queue, join
 * handles, a finished task waking its joiner, and sleeps served by the
 * kernel (one timerfd per sleep in epoll, as asyncrt has one SLEEP entry
 * per sleep in its ring). A third loop, epoll_heap, keeps the sleeps in a
 * userspace heap behind one timerfd, as tokio and libuv do.
 *
 *   spawn: spawn 1,000 no-op tasks with join handles, join them in order,
 *          repeat until @n tasks ran; tasks per second. No system calls
 *          are needed on either side: this is the executor's own cost.
 *   storm: spawn @n tasks at once, each sleeping until now + 1..100 ms
 *          (the same xorshift sequence on every side), join them all in
 *          order. Wall time from the first spawn to the last join, busy
 *          CPU time of the whole machine over it (/proc/stat: the kernel
 *          threads serving the sleeps count too), and each task's
 *          lateness (first poll after the wake-up - deadline).
 *
 * usage: exec <asyncrt|epoll|epoll_heap> <spawn|storm> <n>
 * prints: R uspawn <impl> <n> ops_per_s <v>
 *         R storm <impl> <n> wall_ms|cpu_ms <v>, p50_ns.. and Q lines
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "asyncrt_rt.h"
#include "common.h"
#include "evloop.h"

#define SPAWN_BATCH	1000

/* Storm deadlines: 1..100 ms, one sequence for every implementation. */
static uint64_t *storm_delays(size_t n)
{
	uint64_t *d = malloc(n * sizeof(*d)), seed = 0x9e3779b97f4a7c15ull;
	size_t i;

	if (!d)
		bench_die("malloc", ENOMEM);
	for (i = 0; i < n; i++)
		d[i] = (1 + bench_rand(&seed) % 100) * 1000000ull;
	return d;
}

static void bench_spawn_result(const char *impl, size_t n, uint64_t ns)
{
	char param[24];

	snprintf(param, sizeof(param), "%zu", n);
	bench_result("uspawn", impl, param, "ops_per_s", n * 1e9 / ns);
}

/* ---------------------------------------------------------------------- */
/* libasyncrt                                                              */
/* ---------------------------------------------------------------------- */

static enum asyncrt_poll art_noop(struct asyncrt_cx *cx, void *state, long *res)
{
	(void)cx;
	(void)state;
	*res = 1;
	return ASYNCRT_READY;
}

struct art_spawner {
	struct asyncrt_co co;
	struct asyncrt_task *h[SPAWN_BATCH];
	struct asyncrt_join j;
	size_t n, done, i, batch;
	long r, sum;
};

static enum asyncrt_poll art_spawner(struct asyncrt_cx *cx, void *state, long *res)
{
	struct art_spawner *s = state;

	asyncrt_co_begin(&s->co);
	for (s->done = 0; s->done < s->n; s->done += s->batch) {
		s->batch = s->n - s->done < SPAWN_BATCH ? s->n - s->done : SPAWN_BATCH;
		for (s->i = 0; s->i < s->batch; s->i++)
			if (asyncrt_spawn(cx->rt, art_noop, NULL, 0, &s->h[s->i]))
				asyncrt_co_return(&s->co, res, -ENOMEM);
		for (s->i = 0; s->i < s->batch; s->i++) {
			asyncrt_join_init(&s->j, s->h[s->i]);
			asyncrt_co_await(&s->co, asyncrt_join_poll(&s->j, cx, &s->r));
			s->sum += s->r;
		}
	}
	asyncrt_co_return(&s->co, res, s->sum);
	asyncrt_co_end(&s->co, res);
}

struct art_sleeper {
	struct asyncrt_co co;
	struct asyncrt_sleep s;
	uint64_t delay, deadline, *late;
	long r;
};

static enum asyncrt_poll art_sleeper(struct asyncrt_cx *cx, void *state, long *res)
{
	struct art_sleeper *t = state;

	asyncrt_co_begin(&t->co);
	t->deadline = bench_now_ns() + t->delay;
	asyncrt_sleep_until_init(&t->s, t->deadline);
	asyncrt_co_await(&t->co, asyncrt_sleep_poll(&t->s, cx, &t->r));
	*t->late = bench_now_ns() - t->deadline;
	asyncrt_co_return(&t->co, res, t->r);
	asyncrt_co_end(&t->co, res);
}

struct art_storm {
	struct asyncrt_co co;
	struct asyncrt_task **h;
	struct asyncrt_join j;
	const uint64_t *delay;
	uint64_t *late;
	size_t n, i;
	long r, err;
};

static enum asyncrt_poll art_storm(struct asyncrt_cx *cx, void *state, long *res)
{
	struct art_storm *s = state;
	struct art_sleeper t = { 0 };

	asyncrt_co_begin(&s->co);
	for (s->i = 0; s->i < s->n; s->i++) {
		t.delay = s->delay[s->i];
		t.late = &s->late[s->i];
		if (asyncrt_spawn(cx->rt, art_sleeper, &t, sizeof(t), &s->h[s->i]))
			asyncrt_co_return(&s->co, res, -ENOMEM);
	}
	for (s->i = 0; s->i < s->n; s->i++) {
		asyncrt_join_init(&s->j, s->h[s->i]);
		asyncrt_co_await(&s->co, asyncrt_join_poll(&s->j, cx, &s->r));
		if (s->r < 0 && !s->err)
			s->err = s->r;
	}
	asyncrt_co_return(&s->co, res, s->err);
	asyncrt_co_end(&s->co, res);
}

static struct asyncrt_rt *art_rt(size_t inflight)
{
	/* Every sleep in flight holds a CQ entry until it completes. */
	struct asyncrt_rt_config cfg = { .cq_entries = inflight > 8192 ? 131072 : 8192 };
	struct asyncrt_rt *rt;
	int ret = asyncrt_rt_create(&rt, &cfg);

	if (ret)
		bench_die("asyncrt_rt_create", ret);
	return rt;
}

static void art_spawn_bench(size_t n)
{
	struct asyncrt_rt *rt = art_rt(0);
	struct art_spawner *s = calloc(1, sizeof(*s));
	uint64_t t0;
	long res;
	int ret;

	if (!s)
		bench_die("calloc", ENOMEM);
	s->n = n;
	t0 = bench_now_ns();
	ret = asyncrt_block_on(rt, art_spawner, s, 0, &res);
	t0 = bench_now_ns() - t0;
	if (ret || res != (long)n)
		bench_die("asyncrt spawn", ret ? ret : EIO);
	bench_spawn_result("asyncrt", n, t0);
	asyncrt_rt_destroy(rt);
	free(s);
}

static uint64_t art_storm_bench(const uint64_t *delay, uint64_t *late, size_t n)
{
	struct asyncrt_rt *rt = art_rt(n);
	struct art_storm s = { .delay = delay, .late = late, .n = n };
	uint64_t t0;
	long res;
	int ret;

	s.h = malloc(n * sizeof(*s.h));
	if (!s.h)
		bench_die("malloc", ENOMEM);
	t0 = bench_now_ns();
	ret = asyncrt_block_on(rt, art_storm, &s, 0, &res);
	t0 = bench_now_ns() - t0;
	if (ret || res)
		bench_die("asyncrt storm", ret ? ret : res);
	asyncrt_rt_destroy(rt);
	free(s.h);
	return t0;
}

/* ---------------------------------------------------------------------- */
/* The epoll loops: the same tasks, written on bench/evloop.c              */
/* ---------------------------------------------------------------------- */

static int ev_noop(struct ev_loop *l, struct ev_task *t, long *res)
{
	(void)l;
	(void)t;
	*res = 1;
	return EV_READY;
}

struct ev_spawner {
	int line;
	struct ev_task *h[SPAWN_BATCH];
	size_t n, done, i, batch;
	long r, sum;
};

static int ev_spawner(struct ev_loop *l, struct ev_task *t, long *res)
{
	struct ev_spawner *s = t->state;

	switch (s->line) {
	case 0:
		for (s->done = 0; s->done < s->n; s->done += s->batch) {
			s->batch = s->n - s->done < SPAWN_BATCH ? s->n - s->done : SPAWN_BATCH;
			for (s->i = 0; s->i < s->batch; s->i++) {
				s->h[s->i] = ev_spawn(l, ev_noop, NULL, 0);
				if (!s->h[s->i]) {
					*res = -ENOMEM;
					return EV_READY;
				}
			}
			for (s->i = 0; s->i < s->batch; s->i++) {
				s->line = 1;
				/* fallthrough */
	case 1:
				if (ev_join(l, t, s->h[s->i], &s->r) == EV_PENDING)
					return EV_PENDING;
				s->sum += s->r;
			}
		}
	}
	*res = s->sum;
	return EV_READY;
}

struct ev_sleeper {
	int line;
	uint64_t delay, deadline, *late;
};

static int ev_sleeper(struct ev_loop *l, struct ev_task *t, long *res)
{
	struct ev_sleeper *s = t->state;

	switch (s->line) {
	case 0:
		s->deadline = bench_now_ns() + s->delay;
		s->line = 1;
		/* fallthrough */
	case 1:
		if (ev_sleep_until(l, t, s->deadline) == EV_PENDING)
			return EV_PENDING;
	}
	*s->late = bench_now_ns() - s->deadline;
	*res = t->err;
	return EV_READY;
}

struct ev_storm {
	int line;
	struct ev_task **h;
	const uint64_t *delay;
	uint64_t *late;
	size_t n, i;
	long r, err;
};

static int ev_storm(struct ev_loop *l, struct ev_task *t, long *res)
{
	struct ev_storm *s = t->state;
	struct ev_sleeper z = { 0 };

	switch (s->line) {
	case 0:
		for (s->i = 0; s->i < s->n; s->i++) {
			z.delay = s->delay[s->i];
			z.late = &s->late[s->i];
			s->h[s->i] = ev_spawn(l, ev_sleeper, &z, sizeof(z));
			if (!s->h[s->i]) {
				*res = -ENOMEM;
				return EV_READY;
			}
		}
		for (s->i = 0; s->i < s->n; s->i++) {
			s->line = 1;
			/* fallthrough */
	case 1:
			if (ev_join(l, t, s->h[s->i], &s->r) == EV_PENDING)
				return EV_PENDING;
			if (s->r < 0 && !s->err)
				s->err = s->r;
		}
	}
	*res = s->err;
	return EV_READY;
}

static void ev_spawn_bench(const char *impl, int heap, size_t n)
{
	struct ev_spawner *s = calloc(1, sizeof(*s));
	struct ev_loop *l = ev_loop_new(heap);
	uint64_t t0;
	long res;

	if (!s || !l)
		bench_die("ev_loop_new", ENOMEM);
	s->n = n;
	t0 = bench_now_ns();
	res = ev_block_on(l, ev_spawner, s);
	t0 = bench_now_ns() - t0;
	if (res != (long)n)
		bench_die("epoll spawn", res < 0 ? res : EIO);
	bench_spawn_result(impl, n, t0);
	ev_loop_free(l);
	free(s);
}

static uint64_t ev_storm_bench(int heap, const uint64_t *delay, uint64_t *late, size_t n)
{
	struct ev_storm s = { .delay = delay, .late = late, .n = n };
	struct ev_loop *l = ev_loop_new(heap);
	uint64_t t0;
	long res;

	s.h = malloc(n * sizeof(*s.h));
	if (!s.h || !l)
		bench_die("ev_loop_new", ENOMEM);
	t0 = bench_now_ns();
	res = ev_block_on(l, ev_storm, &s);
	t0 = bench_now_ns() - t0;
	if (res)
		bench_die("epoll storm", res);
	ev_loop_free(l);
	free(s.h);
	return t0;
}

/* ---------------------------------------------------------------------- */

/* Busy jiffies of every CPU (user+nice+system+irq+softirq+steal). */
static long long busy_ms(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	long hz = sysconf(_SC_CLK_TCK);

	if (!f)
		return -1;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = 0;
	fclose(f);
	return (long long)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1000 / hz;
}

int main(int argc, char **argv)
{
	const char *impl = argc > 1 ? argv[1] : "asyncrt";
	const char *what = argc > 2 ? argv[2] : "spawn";
	size_t n = bench_arg_u64(argc, argv, 3, 100000);
	int art = !strcmp(impl, "asyncrt"), heap = !strcmp(impl, "epoll_heap");
	struct rlimit rl = { n + 1024, n + 1024 };
	uint64_t *delay, *late, ns;
	long long cpu;
	char param[24];

	if (!art && !heap && strcmp(impl, "epoll"))
		bench_die(impl, EINVAL);
	if (!n || n > 10000000)
		bench_die("n", EINVAL);
	if (!strcmp(what, "spawn")) {
		if (art)
			art_spawn_bench(n);
		else
			ev_spawn_bench(impl, heap, n);
		return 0;
	}
	if (strcmp(what, "storm"))
		bench_die(what, EINVAL);
	/* One timerfd per sleeping task on the epoll side. */
	if (!art && !heap && setrlimit(RLIMIT_NOFILE, &rl))
		bench_die("setrlimit", errno);
	delay = storm_delays(n);
	late = calloc(n, sizeof(*late));
	if (!late)
		bench_die("calloc", ENOMEM);
	cpu = busy_ms();
	if (art)
		ns = art_storm_bench(delay, late, n);
	else
		ns = ev_storm_bench(heap, delay, late, n);
	cpu = busy_ms() - cpu;
	snprintf(param, sizeof(param), "%zu", n);
	bench_result("storm", impl, param, "wall_ms", ns / 1e6);
	bench_result("storm", impl, param, "cpu_ms", (double)cpu);
	bench_latency("storm", impl, param, late, n);
	free(delay);
	free(late);
	return 0;
}
