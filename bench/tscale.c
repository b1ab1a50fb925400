// SPDX-License-Identifier: GPL-2.0
/*
 * Timers at scale: @count sleeps of one hour pending at once in one
 * instance. Reports the submit cost per sleep (the time to submit them all,
 * in batches of up to 4096 per system call, divided by @count) and the
 * kernel memory per pending sleep (the growth of Slab in /proc/meminfo,
 * measured after the ring is set up, divided by @count). Closing the ring
 * cancels them all.
 *
 * usage: tscale <asyncrt|io_uring> <count>
 * prints: R tscale <impl> <count> submit_ns_per_op|slab_bytes_per_op <v>
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>

#include "asyncrt.h"
#include "common.h"

#define HOUR_NS		3600000000000ull

static void report(const char *impl, uint64_t count, uint64_t ns,
		   long long slab0, long long slab1)
{
	char param[24];

	snprintf(param, sizeof(param), "%llu", (unsigned long long)count);
	bench_result("tscale", impl, param, "submit_ns_per_op", (double)ns / count);
	bench_result("tscale", impl, param, "slab_bytes_per_op",
		     (double)(slab1 - slab0) / count);
}

static void tscale_asyncrt(uint64_t count)
{
	struct asyncrt_params p = { .sq_entries = 4096 };
	struct asyncrt_ring ring;
	long long slab0, slab1;
	uint64_t done = 0, start, ns;
	struct asyncrt_sqe *sqe;
	int ret;

	/* Every pending sleep holds a CQ slot: size the CQ for them all. */
	p.cq_entries = 8192;
	while (p.cq_entries < count && p.cq_entries < ASYNCRT_MAX_CQ_ENTRIES)
		p.cq_entries *= 2;
	p.max_inflight = count;
	ret = asyncrt_ring_init_params(&ring, &p);
	if (ret)
		bench_die("asyncrt_ring_init_params (max_inflight module parameter?)", ret);
	slab0 = bench_slab_bytes();
	start = bench_now_ns();
	while (done < count) {
		while (done < count && (sqe = asyncrt_get_sqe(&ring)))
			asyncrt_prep_sleep(sqe, HOUR_NS, ASYNCRT_CLOCK_MONOTONIC, 0, done++);
		ret = asyncrt_submit(&ring);
		if (ret < 0)
			bench_die("asyncrt_submit", ret);
	}
	ns = bench_now_ns() - start;
	slab1 = bench_slab_bytes();
	if (asyncrt_cq_ready(&ring))
		bench_die("a sleep completed early", -asyncrt_peek_cqe(&ring)->res);
	report("asyncrt", count, ns, slab0, slab1);
	asyncrt_ring_exit(&ring);
}

static void tscale_io_uring(uint64_t count)
{
	struct __kernel_timespec ts = { .tv_sec = HOUR_NS / 1000000000ull };
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	long long slab0, slab1;
	uint64_t done = 0, start, ns;
	int ret;

	ret = io_uring_queue_init(4096, &ring, 0);
	if (ret)
		bench_die("io_uring_queue_init", ret);
	slab0 = bench_slab_bytes();
	start = bench_now_ns();
	while (done < count) {
		while (done < count && (sqe = io_uring_get_sqe(&ring))) {
			io_uring_prep_timeout(sqe, &ts, 0, 0);
			sqe->user_data = done++;
		}
		ret = io_uring_submit(&ring);
		if (ret < 0)
			bench_die("io_uring_submit", ret);
	}
	ns = bench_now_ns() - start;
	slab1 = bench_slab_bytes();
	if (io_uring_cq_ready(&ring))
		bench_die("a timeout completed early", EINVAL);
	report("io_uring", count, ns, slab0, slab1);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	const char *impl = argc > 1 ? argv[1] : "asyncrt";
	uint64_t count = bench_arg_u64(argc, argv, 2, 1000);

	if (!count)
		bench_die("count", EINVAL);
	if (!strcmp(impl, "asyncrt"))
		tscale_asyncrt(count);
	else if (!strcmp(impl, "io_uring"))
		tscale_io_uring(count);
	else
		bench_die(impl, EINVAL);
	return 0;
}
