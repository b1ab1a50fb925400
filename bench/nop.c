// SPDX-License-Identifier: GPL-2.0
/*
 * Ring round trip: NOP submit+complete per second at a given batch size,
 * through /dev/asyncrt or through io_uring (liburing). Each iteration
 * prepares @batch NOPs, submits them with one system call that also waits
 * for @batch completions, and reaps them; the loop runs for @ms.
 *
 * usage: nop <asyncrt|io_uring> <batch> <ms>
 * prints: R nop <impl> <batch> ops_per_s <n>
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>

#include "asyncrt.h"
#include "common.h"

static uint64_t nop_asyncrt(unsigned int batch, uint64_t ns)
{
	struct asyncrt_ring ring;
	uint64_t ops = 0, start, iter = 0;
	unsigned int i;
	int ret;

	ret = asyncrt_ring_init(&ring, batch < 32 ? 32 : batch);
	if (ret)
		bench_die("asyncrt_ring_init", ret);
	start = bench_now_ns();
	do {
		for (i = 0; i < batch; i++)
			asyncrt_prep_nop(asyncrt_get_sqe(&ring), i);
		ret = asyncrt_submit_and_wait(&ring, batch);
		if (ret < 0)
			bench_die("asyncrt_submit_and_wait", ret);
		if (!iter++ && asyncrt_peek_cqe(&ring)->res)
			bench_die("asyncrt NOP", asyncrt_peek_cqe(&ring)->res);
		ret = asyncrt_cq_ready(&ring);
		asyncrt_cq_advance(&ring, ret);
		ops += ret;
	} while ((batch == 1 && (iter & 31)) || bench_now_ns() - start < ns);
	ns = bench_now_ns() - start;
	asyncrt_ring_exit(&ring);
	return ops * 1000000000ull / ns;
}

static uint64_t nop_io_uring(unsigned int batch, uint64_t ns)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	uint64_t ops = 0, start, iter = 0;
	unsigned int i, n;
	int ret;

	ret = io_uring_queue_init(batch < 32 ? 32 : batch, &ring, 0);
	if (ret)
		bench_die("io_uring_queue_init", ret);
	start = bench_now_ns();
	do {
		for (i = 0; i < batch; i++)
			io_uring_prep_nop(io_uring_get_sqe(&ring));
		ret = io_uring_submit_and_wait(&ring, batch);
		if (ret < 0)
			bench_die("io_uring_submit_and_wait", ret);
		if (!iter++ && !io_uring_peek_cqe(&ring, &cqe) && cqe->res)
			bench_die("io_uring NOP", cqe->res);
		n = io_uring_cq_ready(&ring);
		io_uring_cq_advance(&ring, n);
		ops += n;
	} while ((batch == 1 && (iter & 31)) || bench_now_ns() - start < ns);
	ns = bench_now_ns() - start;
	io_uring_queue_exit(&ring);
	return ops * 1000000000ull / ns;
}

int main(int argc, char **argv)
{
	unsigned int batch = bench_arg_u64(argc, argv, 2, 16);
	uint64_t ns = bench_arg_u64(argc, argv, 3, 500) * 1000000ull;
	const char *impl = argc > 1 ? argv[1] : "asyncrt";
	char param[16];
	uint64_t ops;

	if (!batch || batch > 4096)
		bench_die("batch", EINVAL);
	if (!strcmp(impl, "asyncrt"))
		ops = nop_asyncrt(batch, ns);
	else if (!strcmp(impl, "io_uring"))
		ops = nop_io_uring(batch, ns);
	else
		bench_die(impl, EINVAL);
	snprintf(param, sizeof(param), "%u", batch);
	bench_result("nop", impl, param, "ops_per_s", (double)ops);
	return 0;
}
