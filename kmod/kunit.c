// SPDX-License-Identifier: GPL-2.0
/*
 * asyncrt_kunit.ko: the KUnit suites of asyncrt. Each suite lives beside the
 * code it tests as <area>_kunit.c and registers itself with
 * kunit_test_suite(); this file only makes the collection a module. The
 * suites use asyncrt.ko's exported API, as a driver would.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for asyncrt");
MODULE_AUTHOR("The asyncrt developers");
