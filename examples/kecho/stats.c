// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/asyncrt_kecho/stats: the server's connection count and
 * its runtime's metrics (art_rt_metrics()), one "name value" per line, so a
 * test that fails can show whether tasks were queued, polled or lost.
 * Best effort: the server works without debugfs.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "kecho.h"

static struct dentry *kecho_debugfs_dir;

static int kecho_stats_show(struct seq_file *m, void *v)
{
	struct kecho_server *srv = m->private;
	struct art_rt_metrics mt;

	art_rt_metrics(srv->rt, &mt);
	seq_printf(m, "connections %d\n", atomic_read(&srv->nr_conns));
	seq_printf(m, "spawned %llu\ncompleted %llu\naborted %llu\n",
		   mt.spawned, mt.completed, mt.aborted);
	seq_printf(m, "polls %llu\nsteals %llu\nwakes %llu\nunparks %llu\n",
		   mt.polls, mt.steals, mt.wakes, mt.unparks);
	seq_printf(m, "forced_yields %llu\nlive %llu\n", mt.forced_yields,
		   mt.live);
	seq_printf(m, "global_depth %llu\nlocal_depth %llu\nstalls %llu\nparked %llu\n",
		   mt.global_depth, mt.local_depth, mt.stalls, mt.parked);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kecho_stats);

/**
 * kecho_stats_init() - publish @srv's counters in debugfs
 * @srv: the server, with its runtime created
 */
void kecho_stats_init(struct kecho_server *srv)
{
	kecho_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, kecho_debugfs_dir, srv,
			    &kecho_stats_fops);
}

/**
 * kecho_stats_exit() - remove the debugfs files; before the runtime goes
 */
void kecho_stats_exit(void)
{
	debugfs_remove_recursive(kecho_debugfs_dir);
}
