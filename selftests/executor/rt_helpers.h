/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the executor tests: a runtime per test (the fixture), and the
 * rule that a test needing an opcode the module has not implemented yet
 * SKIPs naming it, never passes without running.
 */
#ifndef _ASYNCRT_RT_HELPERS_H
#define _ASYNCRT_RT_HELPERS_H

#include "asyncrt_rt.h"

#define MS	1000000ULL

/* SKIP the test unless the runtime's module implements @op. */
#define REQUIRE_OP(rt, op, what)						\
	do {									\
		if (!(asyncrt_rt_ops(rt) & ASYNCRT_OP_BIT(op)))			\
			SKIP(return, "the module lacks " what " (not implemented yet)"); \
	} while (0)

#define RT_FIXTURE(name)							\
	FIXTURE(name) {								\
		struct asyncrt_rt *rt;						\
	};									\
	FIXTURE_SETUP(name)							\
	{									\
		int ret = asyncrt_rt_create(&self->rt, NULL);			\
										\
		ASSERT_EQ(0, ret) TH_LOG("rt: %s", asyncrt_strerror_hint(ret));	\
	}									\
	FIXTURE_TEARDOWN(name)							\
	{									\
		asyncrt_rt_destroy(self->rt);					\
	}

#endif /* _ASYNCRT_RT_HELPERS_H */
