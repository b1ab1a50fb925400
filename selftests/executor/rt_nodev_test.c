// SPDX-License-Identifier: GPL-2.0
/*
 * Description: with the module not loaded, the executor fails cleanly: a
 * negative errno whose hint names the fix, no runtime half made, and the
 * parts that need no device (channels) still work. Runs before insmod.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "asyncrt_rt.h"

TEST(rt_create_without_module_names_the_fix)
{
	struct asyncrt_rt *rt = (void *)1;
	int ret = asyncrt_rt_create(&rt, NULL);

	ASSERT_GT(0, ret);
	EXPECT_EQ(NULL, rt);
	EXPECT_NE(NULL, strstr(asyncrt_strerror_hint(ret), "load the module"));
	asyncrt_rt_destroy(rt);
}

TEST(probe_without_module_fails)
{
	uint32_t ops = ~0U;

	EXPECT_GT(0, asyncrt_probe_ops(&ops));
	EXPECT_EQ(0, ops);
}

TEST(channels_need_no_device)
{
	struct asyncrt_mpsc *ch;
	long v = 3, out = 0;

	ASSERT_EQ(0, asyncrt_mpsc_new(&ch, sizeof(long), 1));
	EXPECT_EQ(0, asyncrt_mpsc_try_send(ch, &v));
	EXPECT_EQ(0, asyncrt_mpsc_try_recv(ch, &out));
	EXPECT_EQ(3, out);
	asyncrt_mpsc_tx_close(ch);
	asyncrt_mpsc_rx_close(ch);
}

TEST_HARNESS_MAIN
