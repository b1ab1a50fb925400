/* SPDX-License-Identifier: GPL-2.0 */
/*
 * asyncrt_bench: the kernel executor benchmarks, side by side with the
 * kernel's own mechanisms. Every figure is one log line the host parses:
 *
 *	R <bench> <impl> <param> <metric> <value>
 *	Q <bench> <impl> <param> <percentile> <ns>	(latency CDF points)
 */
#ifndef _ARTB_BENCH_H
#define _ARTB_BENCH_H

#include <linux/types.h>

struct art_runtime;

/* main.c */
void artb_result(const char *bench, const char *impl, const char *param,
		 const char *metric, u64 value);
void artb_latency(const char *bench, const char *impl, const char *param,
		  u64 *v, size_t n);
long artb_slab_bytes(void);
long artb_slab_bytes_settled(void);
u64 artb_rand(u64 *state);

/* spawn.c */
int artb_spawn_rate(struct art_runtime *rt, unsigned int ms);
int artb_spawn_scale(struct art_runtime *rt, unsigned int count);

/* timers.c */
int artb_memory(struct art_runtime *rt, unsigned int count);
int artb_lateness(struct art_runtime *rt, unsigned int count);

/* wakedev.c */
int artb_wakedev_register(void);
void artb_wakedev_unregister(void);

#endif /* _ARTB_BENCH_H */
