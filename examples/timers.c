// SPDX-License-Identifier: MIT
/*
 * Timers: thousands of tasks each sleeping until its own deadline, and one
 * interval ticking beside them, every wait a kernel SLEEP or INTERVAL
 * future. Each task measures how late it woke; the program prints the
 * lateness distribution and each tick's lateness against its schedule.
 *
 *   timers [sleeps [ticks]]       (defaults: 5000 sleeps, 10 ticks)
 *
 * Exits non-zero if any sleep failed or woke before its deadline.
 */
#include <stdio.h>
#include <stdlib.h>

#include "asyncrt_rt.h"

#define MS	1000000ULL

struct stats {
	uint64_t *late;		/* lateness of each sleep, ns */
	long done, failed, early;
};

/* Sleeps until deadline, then records how late it woke. */
struct sleeper {
	struct asyncrt_co co;
	struct asyncrt_sleep s;
	struct stats *st;
	uint64_t deadline;
	long r;
};

static enum asyncrt_poll sleeper(struct asyncrt_cx *cx, void *state, long *res)
{
	struct sleeper *s = state;
	uint64_t now;

	asyncrt_co_begin(&s->co);
	asyncrt_sleep_until_init(&s->s, s->deadline);
	asyncrt_co_await(&s->co, asyncrt_sleep_poll(&s->s, cx, &s->r));
	now = asyncrt_now_ns();
	if (s->r)
		s->st->failed++;
	else if (now < s->deadline)
		s->st->early++;
	else
		s->st->late[s->st->done++] = now - s->deadline;
	asyncrt_co_end(&s->co, res);
}

/* An interval of @ticks ticks, @period apart; prints each tick's lateness. */
struct ticker {
	struct asyncrt_co co;
	struct asyncrt_interval iv;
	uint64_t start, period;
	long ticks, r;
};

static enum asyncrt_poll ticker(struct asyncrt_cx *cx, void *state, long *res)
{
	struct ticker *t = state;
	uint64_t due, now;

	asyncrt_co_begin(&t->co);
	t->start = asyncrt_now_ns();
	asyncrt_interval_init(&t->iv, t->period, t->ticks, ASYNCRT_TICK_BURST);
	for (;;) {
		asyncrt_co_await(&t->co, asyncrt_interval_tick(&t->iv, cx, &t->r));
		if (t->r <= 0)
			break;
		now = asyncrt_now_ns();
		due = t->start + t->r * t->period;
		printf("  tick %2ld at %6.1f ms, %.3f ms after its schedule\n", t->r,
		       (now - t->start) / 1e6, now > due ? (now - due) / 1e6 : 0.0);
	}
	asyncrt_co_return(&t->co, res, t->r);
	asyncrt_co_end(&t->co, res);
}

/* Spawns the sleepers and the ticker into a group and waits for them all. */
struct storm {
	struct asyncrt_co co;
	struct asyncrt_group g;
	struct asyncrt_group_next next;
	struct stats *st;
	long sleeps, ticks, i, r;
};

static enum asyncrt_poll storm(struct asyncrt_cx *cx, void *state, long *res)
{
	struct storm *s = state;
	struct ticker t = { .period = 10 * MS };
	struct sleeper sl = { .st = s->st };
	uint64_t now = asyncrt_now_ns();

	asyncrt_co_begin(&s->co);
	asyncrt_group_init(&s->g, cx->rt);
	t.ticks = s->ticks;
	asyncrt_group_spawn(&s->g, ticker, &t, sizeof(t), NULL);
	for (s->i = 0; s->i < s->sleeps; s->i++) {
		/* Deadlines spread over 1..500 ms, a fixed pseudo-random order. */
		sl.deadline = now + (1 + (s->i * 7919) % 500) * MS;
		if (asyncrt_group_spawn(&s->g, sleeper, &sl, sizeof(sl), NULL))
			s->st->failed++;
	}
	do {
		asyncrt_group_next_init(&s->next, &s->g);
		asyncrt_co_await(&s->co, asyncrt_group_next_poll(&s->next, cx, &s->r));
	} while (s->r == 0);
	asyncrt_group_destroy(&s->g);
	asyncrt_co_end(&s->co, res);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long sleeps = argc > 1 ? atol(argv[1]) : 5000;
	struct asyncrt_rt_config cfg = { .cq_entries = 65536 };
	struct stats st = { 0 };
	struct storm s = { .st = &st, .sleeps = sleeps };
	struct asyncrt_metrics m;
	struct asyncrt_rt *rt;
	uint64_t t0;
	int ret;

	s.ticks = argc > 2 ? atol(argv[2]) : 10;
	if (sleeps < 1 || sleeps > 60000 || s.ticks < 1) {
		fprintf(stderr, "usage: timers [sleeps (1..60000) [ticks]]\n");
		return 2;
	}
	st.late = calloc(sleeps, sizeof(*st.late));
	ret = st.late ? asyncrt_rt_create(&rt, &cfg) : -12;
	if (ret) {
		fprintf(stderr, "timers: %s\n", asyncrt_strerror_hint(ret));
		return 1;
	}
	printf("timers: %ld tasks sleeping 1..500 ms, and an interval of %ld ticks every 10 ms\n",
	       sleeps, s.ticks);
	t0 = asyncrt_now_ns();
	ret = asyncrt_block_on(rt, storm, &s, 0, NULL);
	asyncrt_rt_metrics(rt, &m, sizeof(m));
	printf("timers: %ld sleeps done in %.0f ms (%ld failed, %ld woke early)\n",
	       st.done, (asyncrt_now_ns() - t0) / 1e6, st.failed, st.early);
	if (st.done) {
		qsort(st.late, st.done, sizeof(*st.late), cmp_u64);
		printf("timers: lateness p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
		       st.late[st.done / 2] / 1e6, st.late[st.done * 99 / 100] / 1e6,
		       st.late[st.done - 1] / 1e6);
	}
	printf("timers: %llu tasks, %llu polls, %llu kernel futures, %llu completions, %llu ENTER calls\n",
	       (unsigned long long)m.tasks_spawned, (unsigned long long)m.polls,
	       (unsigned long long)m.ops_submitted, (unsigned long long)m.completions,
	       (unsigned long long)m.enters);
	asyncrt_rt_destroy(rt);
	free(st.late);
	return ret || st.failed || st.early || st.done != sleeps ? 1 : 0;
}
