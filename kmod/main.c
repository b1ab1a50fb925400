// SPDX-License-Identifier: GPL-2.0
/*
 * asyncrt.ko: an asynchronous runtime in the kernel. Module init brings up
 * the runtime core, then /dev/asyncrt; exit tears them down in exact reverse.
 * While any /dev/asyncrt instance is open the module holds a reference
 * (the misc device's fops owner), so rmmod fails with -EBUSY.
 */
#include <linux/module.h>

#include "core/core.h"
#include "ring/dev.h"

static int __init asyncrt_init(void)
{
	int ret;

	ret = art_core_init();
	if (ret)
		goto err_core;
	ret = art_dev_init();
	if (ret)
		goto err_dev;

	return 0;

err_dev:
	art_core_exit();
err_core:
	return ret;
}

static void __exit asyncrt_exit(void)
{
	art_dev_exit();
	art_core_exit();
}

module_init(asyncrt_init);
module_exit(asyncrt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("asyncrt: an asynchronous runtime with futures, tasks, timers and rings");
MODULE_AUTHOR("The asyncrt developers");
