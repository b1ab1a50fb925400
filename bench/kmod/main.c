// SPDX-License-Identifier: GPL-2.0
/*
 * asyncrt_bench: runs one benchmark of the kernel executor at load time,
 * chosen by the "run" parameter, prints its figures (see bench.h) and
 * stays loaded doing nothing until removed. bench/guest.sh loads it once
 * per benchmark; bench/bench.sh turns the lines into the report.
 *
 *	run=spawn  spawn+join round trips/s vs queue_work+flush_work, 1 and
 *	           all CPUs, for ms each
 *	run=scale  count tasks (and work items) in flight, then joined
 *	run=mem    slab bytes per idle task, per pending sleep, per hrtimer
 *	run=lat    lateness of count sleeps vs a bare hrtimer
 *	run=wakedev  no benchmark: /dev/asyncrt_bench_wake, bench wake's
 *	           "ioctl" peer (wakedev.c), until the module is removed
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/vmstat.h>
#include <linux/asyncrt.h>

#include "bench.h"

static char *run = "spawn";
module_param(run, charp, 0444);
MODULE_PARM_DESC(run, "Benchmark: spawn, scale, mem or lat; or wakedev, a device kept until unload");
static unsigned int ms = 300;
module_param(ms, uint, 0444);
MODULE_PARM_DESC(ms, "Duration of each rate measurement in milliseconds");
static unsigned int count = 10000;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "Objects (tasks, sleeps, samples) for scale, mem, lat");

void artb_result(const char *bench, const char *impl, const char *param,
		 const char *metric, u64 value)
{
	pr_info("R %s %s %s %s %llu\n", bench, impl, param, metric, value);
}

static int artb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 artb_pct(const u64 *v, size_t n, unsigned int per_mille)
{
	return v[div_u64((u64)per_mille * (n - 1) + 500, 1000)];
}

void artb_latency(const char *bench, const char *impl, const char *param,
		  u64 *v, size_t n)
{
	static const unsigned int tail[] = { 995, 999 };
	unsigned int i;

	if (!n)
		return;
	sort(v, n, sizeof(*v), artb_cmp_u64, NULL);
	artb_result(bench, impl, param, "p50_ns", artb_pct(v, n, 500));
	artb_result(bench, impl, param, "p99_ns", artb_pct(v, n, 990));
	artb_result(bench, impl, param, "p999_ns", artb_pct(v, n, 999));
	artb_result(bench, impl, param, "max_ns", v[n - 1]);
	for (i = 0; i < 100; i++)
		pr_info("Q %s %s %s %u %llu\n", bench, impl, param, i,
			artb_pct(v, n, i * 10));
	for (i = 0; i < ARRAY_SIZE(tail); i++)
		pr_info("Q %s %s %s %u.%u %llu\n", bench, impl, param,
			tail[i] / 10, tail[i] % 10, artb_pct(v, n, tail[i]));
	pr_info("Q %s %s %s 100 %llu\n", bench, impl, param, v[n - 1]);
}

/* Slab in bytes, as /proc/meminfo's Slab line counts it. */
long artb_slab_bytes(void)
{
	unsigned long pages;

	/* Let frees that wait for a grace period land first. */
	rcu_barrier();
	pages = global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
	return pages << PAGE_SHIFT;
}

/*
 * Slab bytes once they hold still (two readings 100 ms apart within 64 KB,
 * for at most 10 s): another benchmark's frees must not land inside a
 * measurement. An io_uring ring, for one, is torn down by a kworker after
 * its process has exited: a million TIMEOUTs are 350 MB of slab.
 */
long artb_slab_bytes_settled(void)
{
	long prev = artb_slab_bytes(), cur = prev;
	unsigned int i;

	for (i = 0; i < 100; i++) {
		msleep(100);
		cur = artb_slab_bytes();
		if (abs(cur - prev) < (64L << 10))
			break;
		prev = cur;
	}
	return cur;
}

u64 artb_rand(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static int __init artb_init(void)
{
	struct art_rt_config cfg = { .name = "bench" };
	struct art_runtime *rt;
	int ret;

	/* bench wake's "ioctl" peer: it stays until rmmod, nothing runs here. */
	if (!strcmp(run, "wakedev"))
		return artb_wakedev_register();
	rt = art_rt_create(&cfg);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (!strcmp(run, "spawn"))
		ret = artb_spawn_rate(rt, ms);
	else if (!strcmp(run, "scale"))
		ret = artb_spawn_scale(rt, count);
	else if (!strcmp(run, "mem"))
		ret = artb_memory(rt, count);
	else if (!strcmp(run, "lat"))
		ret = artb_lateness(rt, count);
	else
		ret = -EINVAL;
	art_rt_destroy(rt);
	if (ret)
		pr_err("%s failed: %d\n", run, ret);
	return ret;
}

static void __exit artb_exit(void)
{
	artb_wakedev_unregister();
}

module_init(artb_init);
module_exit(artb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("asyncrt kernel executor benchmarks");
