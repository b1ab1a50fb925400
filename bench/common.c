// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the bench programs: clock, sample statistics and the
 * R/Q output lines described in common.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t bench_arg_u64(int argc, char **argv, int i, uint64_t def)
{
	return i < argc ? strtoull(argv[i], NULL, 0) : def;
}

void bench_die(const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

void bench_result(const char *bench, const char *impl, const char *param,
		  const char *metric, double value)
{
	printf("R %s %s %s %s %.1f\n", bench, impl, param, metric, value);
	fflush(stdout);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

void bench_quantiles(const char *bench, const char *impl, const char *param,
		     uint64_t *v, size_t n)
{
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	bench_result(bench, impl, param, "p50_ns", (double)pct(v, n, 50));
	bench_result(bench, impl, param, "p99_ns", (double)pct(v, n, 99));
	bench_result(bench, impl, param, "p999_ns", (double)pct(v, n, 99.9));
	bench_result(bench, impl, param, "max_ns", (double)v[n - 1]);
}

void bench_latency(const char *bench, const char *impl, const char *param,
		   uint64_t *v, size_t n)
{
	static const double cdf[] = { 99.5, 99.9, 99.95, 99.99 };
	size_t i;

	if (!n)
		return;
	bench_quantiles(bench, impl, param, v, n);
	for (i = 0; i <= 99; i++)
		printf("Q %s %s %s %zu %llu\n", bench, impl, param, i,
		       (unsigned long long)pct(v, n, (double)i));
	for (i = 0; i < sizeof(cdf) / sizeof(cdf[0]); i++)
		printf("Q %s %s %s %g %llu\n", bench, impl, param, cdf[i],
		       (unsigned long long)pct(v, n, cdf[i]));
	printf("Q %s %s %s 100 %llu\n", bench, impl, param,
	       (unsigned long long)v[n - 1]);
	fflush(stdout);
}

long long bench_slab_bytes(void)
{
	char line[128];
	long long kb = -1;
	FILE *f;

	/* Freed objects may wait for an RCU grace period or a worker. */
	usleep(200000);
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

uint64_t bench_rand(uint64_t *state)
{
	/* xorshift64: reproducible across implementations, no libc state */
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}
