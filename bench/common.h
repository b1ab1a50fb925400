/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every bench program shares: a monotonic clock, sample statistics and
 * the lines the host parses. Every figure leaves the guest as one line:
 *
 *	R <bench> <impl> <param> <metric> <value>	one figure
 *	Q <bench> <impl> <param> <percentile> <ns>	a point of a latency CDF
 *
 * bench/bench.sh collects them; nothing else on stdout starts with R or Q.
 */
#ifndef _BENCH_COMMON_H
#define _BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

uint64_t bench_now_ns(void);
uint64_t bench_arg_u64(int argc, char **argv, int i, uint64_t def);
__attribute__((noreturn)) void bench_die(const char *what, int err);
void bench_result(const char *bench, const char *impl, const char *param,
		  const char *metric, double value);
/* Sorts @v; prints p50/p99/p99.9/max as R lines. */
void bench_quantiles(const char *bench, const char *impl, const char *param,
		     uint64_t *v, size_t n);
/* bench_quantiles(), then the CDF as Q lines. */
void bench_latency(const char *bench, const char *impl, const char *param,
		   uint64_t *v, size_t n);
/* Slab bytes from /proc/meminfo (Slab:), after letting RCU frees settle. */
long long bench_slab_bytes(void);
uint64_t bench_rand(uint64_t *state);

#endif /* _BENCH_COMMON_H */
