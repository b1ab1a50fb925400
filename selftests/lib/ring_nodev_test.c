// SPDX-License-Identifier: GPL-2.0
/*
 * Description: with the module not loaded, the library fails cleanly:
 * a negative errno, a message that names the fix, and a ring left unusable
 * rather than half set up. Runs before insmod (the _nodev_ in its name).
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "asyncrt.h"

TEST(init_without_module_names_the_fix)
{
	struct asyncrt_ring ring;
	int ret = asyncrt_ring_init(&ring, 8);

	ASSERT_GT(0, ret);
	EXPECT_TRUE(ret == -ENOENT || ret == -ENODEV || ret == -ENXIO);
	EXPECT_NE(NULL, strstr(asyncrt_strerror_hint(ret), "load the module"));
	EXPECT_EQ(-1, ring.fd);
	EXPECT_EQ(-EBADF, asyncrt_submit(&ring));
	asyncrt_ring_exit(&ring);	/* harmless on a failed ring */
}

TEST(null_arguments_are_einval)
{
	struct asyncrt_cqe *cqe;

	EXPECT_EQ(-EINVAL, asyncrt_ring_init_params(NULL, NULL));
	EXPECT_EQ(-EINVAL, asyncrt_submit(NULL));
	EXPECT_EQ(-EINVAL, asyncrt_submit_and_wait(NULL, 1));
	EXPECT_EQ(-EINVAL, asyncrt_wait_cqe(NULL, &cqe));
	asyncrt_ring_exit(NULL);
}

TEST_HARNESS_MAIN
