// SPDX-License-Identifier: GPL-2.0
/*
 * Observability: the tracepoints' one definition, per-instance state in
 * /proc/<pid>/fdinfo/<fd>, and module-wide counters in
 * /sys/kernel/debug/asyncrt/stats.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/asyncrt.h>

#include "ring.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

struct art_ring_stats art_ring_stats;
DEFINE_PER_CPU(u64, art_ring_submitted);
DEFINE_PER_CPU(u64, art_ring_completed);
DEFINE_PER_CPU(u64, art_ring_early);
DEFINE_PER_CPU(u64, art_ring_poll_direct);

static u64 art_sum(u64 __percpu *counter)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(counter, cpu);
	return sum;
}

static struct dentry *art_debugfs_dir;

static int art_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "instances_open %lld\n", atomic64_read(&art_ring_stats.open));
	seq_printf(m, "instances_total %lld\n", atomic64_read(&art_ring_stats.opened));
	seq_printf(m, "submitted %llu\n", art_sum(&art_ring_submitted));
	seq_printf(m, "completed %llu\n", art_sum(&art_ring_completed));
	seq_printf(m, "cancel_requests %lld\n", atomic64_read(&art_ring_stats.cancels));
	seq_printf(m, "dropped %lld\n", atomic64_read(&art_ring_stats.dropped));
	seq_printf(m, "held %lld\n", atomic64_read(&art_ring_stats.held));
	seq_printf(m, "poll_direct %llu\n", art_sum(&art_ring_poll_direct));
	seq_printf(m, "posted_early %llu\n", art_sum(&art_ring_early));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(art_stats);

void art_stats_init(void)
{
	/* Observability is best effort: the module works without debugfs. */
	art_debugfs_dir = debugfs_create_dir("asyncrt", NULL);
	debugfs_create_file("stats", 0444, art_debugfs_dir, NULL, &art_stats_fops);
}

void art_stats_exit(void)
{
	debugfs_remove_recursive(art_debugfs_dir);
}

void art_ring_show_fdinfo(struct art_ring *ring, struct seq_file *m)
{
	struct art_rt_metrics rt = { 0 };

	seq_printf(m, "asyncrt-instance:\t%lu\n", ring->id);
	if (!art_ring_ready(ring)) {
		seq_puts(m, "asyncrt-setup:\tno\n");
		return;
	}
	if (ring->rt)
		art_rt_metrics(ring->rt, &rt);
	seq_puts(m, "asyncrt-setup:\tyes\n");
	seq_printf(m, "sq-entries:\t%u\n", ring->sq_entries);
	seq_printf(m, "sq-head:\t%u\n", READ_ONCE(ring->sq_head));
	seq_printf(m, "sq-tail:\t%u\n", READ_ONCE(ring->rings->sq_tail));
	seq_printf(m, "sq-dropped:\t%u\n", READ_ONCE(ring->dropped));
	seq_printf(m, "cq-entries:\t%u\n", ring->cq_entries);
	seq_printf(m, "cq-head:\t%u\n", READ_ONCE(ring->rings->cq_head));
	seq_printf(m, "cq-tail:\t%u\n", READ_ONCE(ring->cq_tail));
	seq_printf(m, "cq-held:\t%u\n", READ_ONCE(ring->cq_held));
	seq_printf(m, "inflight:\t%u\n",
		   (u32)atomic_read(&ring->cq_claimed) - READ_ONCE(ring->cq_published));
	seq_printf(m, "posted-early:\t%u\n", atomic_read(&ring->early));
	seq_printf(m, "max-inflight:\t%u\n", ring->max_inflight);
	seq_printf(m, "tasks-live:\t%llu\n", rt.live);
	seq_printf(m, "tasks-spawned:\t%llu\n", rt.spawned);
	seq_printf(m, "polls:\t%llu\n", rt.polls);
	seq_printf(m, "worker-wakes:\t%llu\n", rt.unparks);
}
