/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the executor tests: a runtime per test (the fixture), and the
 * rule that a test needing an opcode the module has not implemented yet
 * SKIPs naming it, never passes without running.
 */
#ifndef _ASYNCRT_RT_HELPERS_H
#define _ASYNCRT_RT_HELPERS_H

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

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

/* An example binary: in the guest's /examples, or beside the build. */
static inline int find_example(char *path, size_t size, const char *name)
{
	char exe[PATH_MAX];
	ssize_t n;

	snprintf(path, size, "/examples/%s", name);
	if (!access(path, X_OK))
		return 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -1;
	exe[n] = 0;
	snprintf(path, size, "%s/../../examples/%s", dirname(exe), name);
	return access(path, X_OK);
}

#endif /* _ASYNCRT_RT_HELPERS_H */
