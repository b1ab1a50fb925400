// SPDX-License-Identifier: GPL-2.0
/*
 * asyncrt_splat.ko: a module that misbehaves on purpose, so the VM harness
 * can prove it turns each kind of kernel trouble into a red run
 * (selftests/vm/harness-test.sh). Never loaded outside that test.
 *
 *   mode=warn   WARN_ON at load
 *   mode=kasan  a use-after-free read at load
 *   mode=leak   an allocation nobody frees
 *   mode=hang   load never returns
 *   mode=nodev  nothing here; init skips loading asyncrt.ko instead
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/delay.h>
#include <linux/sched.h>

static char *mode = "";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "How to misbehave: warn, kasan, leak, hang or nodev");

static void *leaked;

static noinline int splat_read_after_free(void)
{
	char *p = kmalloc(32, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	kfree(p);
	return READ_ONCE(p[8]);
}

static int __init splat_init(void)
{
	if (!strcmp(mode, "warn")) {
		WARN_ON(1);
	} else if (!strcmp(mode, "kasan")) {
		splat_read_after_free();
	} else if (!strcmp(mode, "leak")) {
		/* Lose the only reference once loaded: a leak kmemleak can see. */
		leaked = kmalloc(128, GFP_KERNEL);
		leaked = NULL;
	} else if (!strcmp(mode, "hang")) {
		for (;;)
			schedule_timeout_uninterruptible(HZ);
	}
	return 0;
}

static void __exit splat_exit(void)
{
}

module_init(splat_init);
module_exit(splat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate kernel trouble, to prove the asyncrt VM harness sees it");
