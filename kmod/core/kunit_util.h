/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the KUnit suites of the core (the <area>_kunit.c files):
 * runtimes owned by the test (destroyed even when an assertion stops it
 * early), a waiting helper that keeps the hung-task detector quiet on a
 * slow emulated guest, and small futures built from the exported API.
 */
#ifndef _ART_KUNIT_UTIL_H
#define _ART_KUNIT_UTIL_H

#include <kunit/test.h>
#include <kunit/resource.h>
#include <linux/asyncrt.h>
#include <linux/err.h>

/* Generous: the guest is emulated (TCG) with KASAN and lockdep. */
#define ART_KUNIT_WAIT_S	120

static inline int art_kunit_rt_init(struct kunit_resource *res, void *ctx)
{
	const struct art_rt_config *cfg = ctx;
	struct art_runtime *rt = art_rt_create(cfg);

	if (IS_ERR(rt))
		return PTR_ERR(rt);
	res->data = rt;
	return 0;
}

static inline void art_kunit_rt_free(struct kunit_resource *res)
{
	art_rt_destroy(res->data);
}

/* A runtime destroyed when the test ends, however it ends. */
static inline struct art_runtime *art_kunit_rt(struct kunit *test,
					       unsigned int flags,
					       unsigned int workers)
{
	struct art_rt_config cfg = {
		.name = "kunit", .flags = flags, .workers = workers,
	};
	struct art_runtime *rt;

	rt = kunit_alloc_resource(test, art_kunit_rt_init, art_kunit_rt_free,
				  GFP_KERNEL, &cfg);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	return rt;
}

/*
 * Wait for a task, in slices so that the hung-task detector (30 s in the
 * guest) sees us schedule. Returns the result or -ETIMEDOUT.
 */
static inline long art_kunit_wait(struct art_task *t)
{
	long ret = -ETIMEDOUT;
	int i;

	for (i = 0; i < ART_KUNIT_WAIT_S; i++) {
		ret = art_task_wait(t, HZ);
		if (ret != -ETIMEDOUT)
			break;
	}
	return ret;
}

/* Let a runtime run until nothing is scheduled (test clock tests). */
static inline void art_kunit_quiesce(struct kunit *test, struct art_runtime *rt)
{
	KUNIT_ASSERT_EQ(test, art_rt_quiesce(rt, ART_KUNIT_WAIT_S * HZ), 0);
}

/* A future that completes at once with fn(arg): the smallest task. */
struct art_kfn {
	struct art_future fut;
	long (*fn)(void *arg);
	void *arg;
};

static inline enum art_poll art_kfn_poll(struct art_future *f,
					 struct art_cx *cx, long *res)
{
	struct art_kfn *k = container_of(f, struct art_kfn, fut);

	*res = k->fn ? k->fn(k->arg) : 0;
	return ART_READY;
}

static const struct art_future_ops art_kfn_ops __maybe_unused = {
	.poll = art_kfn_poll,
};

#endif /* _ART_KUNIT_UTIL_H */
