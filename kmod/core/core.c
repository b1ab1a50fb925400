// SPDX-License-Identifier: GPL-2.0
/*
 * Bring-up and teardown of the runtime core (called from kmod/main.c), its
 * module parameters, and the allocation-failure injection hook the KUnit
 * suites use to drive every -ENOMEM path.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>

#include "core.h"

unsigned int art_stall_ms = 100;
module_param_named(stall_ms, art_stall_ms, uint, 0644);
MODULE_PARM_DESC(stall_ms,
		 "report a task poll that runs longer than this many ms, once per task (0: off)");

/*
 * Fault injection: fail the nth allocation made by the thread that armed
 * it. Per thread, so that allocations of runtimes other tests or devices
 * use are never failed by accident.
 */
static DEFINE_SPINLOCK(art_fail_lock);
static struct task_struct *art_fail_task;
static unsigned int art_fail_nth;

/**
 * art_fault_inject() - fail the @nth allocation of the calling thread
 * @nth: 1 for the next allocation site reached; 0 disarms
 *
 * For tests: every allocation site of the core checks this hook, so a test
 * can walk nth = 1, 2, ... until an operation succeeds and check that each
 * failure returned -ENOMEM cleanly (kmemleak checks nothing leaked).
 */
void art_fault_inject(unsigned int nth)
{
	spin_lock(&art_fail_lock);
	art_fail_nth = nth;
	art_fail_task = nth ? current : NULL;
	spin_unlock(&art_fail_lock);
}
EXPORT_SYMBOL_GPL(art_fault_inject);

bool art_should_fail(void)
{
	bool fail = false;

	if (likely(!READ_ONCE(art_fail_task)))
		return false;
	spin_lock(&art_fail_lock);
	if (art_fail_task == current && !--art_fail_nth) {
		art_fail_task = NULL;
		fail = true;
	}
	spin_unlock(&art_fail_lock);
	return fail;
}

int art_core_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct art_task) != 48);
	BUILD_BUG_ON(sizeof(struct art_task) + sizeof(struct art_sleep) >
		     ART_TASK_OBJ_SIZE);

	ret = art_task_cache_init();
	if (ret)
		goto err_cache;
	ret = art_blocking_init_wq();
	if (ret)
		goto err_wq;
	return 0;

err_wq:
	art_task_cache_exit();
err_cache:
	return ret;
}

void art_core_exit(void)
{
	art_blocking_exit_wq();
	art_task_cache_exit();
}
