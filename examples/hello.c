// SPDX-License-Identifier: MIT
/*
 * The README's example: three tasks sleep in the kernel concurrently, and
 * the main task joins them in order, as tokio's spawn + JoinHandle would.
 */
#include <stdio.h>
#include "asyncrt_rt.h"

struct nap { struct asyncrt_co co; struct asyncrt_sleep s; long ms, r; };

static enum asyncrt_poll nap(struct asyncrt_cx *cx, void *arg, long *res)
{
	struct nap *n = arg;

	asyncrt_co_begin(&n->co);
	asyncrt_sleep_init(&n->s, n->ms * 1000000);	/* a SLEEP in the kernel */
	asyncrt_co_await(&n->co, asyncrt_sleep_poll(&n->s, cx, &n->r));
	asyncrt_co_return(&n->co, res, n->ms);
	asyncrt_co_end(&n->co, res);
}

struct main_task { struct asyncrt_co co; struct asyncrt_task *h[3];
		   struct asyncrt_join j; int i; long r; };

static enum asyncrt_poll main_task(struct asyncrt_cx *cx, void *arg, long *res)
{
	struct main_task *m = arg;

	asyncrt_co_begin(&m->co);
	for (m->i = 0; m->i < 3; m->i++) {
		struct nap n = { .ms = 30 - 10 * m->i };

		asyncrt_spawn(cx->rt, nap, &n, sizeof(n), &m->h[m->i]);
	}
	for (m->i = 0; m->i < 3; m->i++) {
		asyncrt_join_init(&m->j, m->h[m->i]);
		asyncrt_co_await(&m->co, asyncrt_join_poll(&m->j, cx, &m->r));
		printf("task %d slept %ld ms\n", m->i, m->r);
	}
	asyncrt_co_end(&m->co, res);
}

int main(void)
{
	struct main_task m = { 0 };
	struct asyncrt_rt *rt;
	int ret = asyncrt_rt_create(&rt, NULL);

	if (ret) {
		fprintf(stderr, "%s\n", asyncrt_strerror_hint(ret));
		return 1;
	}
	ret = asyncrt_block_on(rt, main_task, &m, 0, NULL);
	asyncrt_rt_destroy(rt);
	return ret ? 1 : 0;
}
