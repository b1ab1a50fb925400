// SPDX-License-Identifier: MIT
/*
 * The demo `make demo` runs in a VM: a short, readable tour of what a
 * program does with /dev/asyncrt today. It opens an instance, submits
 * futures through the shared submission ring in batches, reaps their
 * results from the completion ring without a system call per result, and
 * shows that a malformed entry gets a clear error instead of vanishing.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "asyncrt.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	struct asyncrt_ring ring;
	struct asyncrt_cqe *cqe;
	struct pollfd pfd;
	unsigned int i, done = 0, batches = 1000;
	double t0, t1;
	int ret;

	ret = asyncrt_ring_init(&ring, 64);
	if (ret) {
		fprintf(stderr, "asyncrt: %s\n", asyncrt_strerror_hint(ret));
		return 1;
	}
	printf("1. opened %s: %u submission slots, %u completion slots\n",
	       ASYNCRT_DEVICE, ring.sq.entries, ring.cq.entries);

	asyncrt_prep_nop(asyncrt_get_sqe(&ring), 42);
	asyncrt_submit(&ring);
	pfd = (struct pollfd){ .fd = ring.fd, .events = POLLIN };
	poll(&pfd, 1, 1000);
	asyncrt_wait_cqe(&ring, &cqe);
	printf("2. one NOP future: poll() said readable, completion user_data=%llu res=%d\n",
	       (unsigned long long)cqe->user_data, cqe->res);
	asyncrt_cqe_seen(&ring, cqe);

	t0 = now();
	for (i = 0; i < batches; i++) {
		unsigned int j;

		for (j = 0; j < 16; j++)
			asyncrt_prep_nop(asyncrt_get_sqe(&ring), j);
		ret = asyncrt_submit_and_wait(&ring, 16);
		if (ret != 16) {
			fprintf(stderr, "submit: %d\n", ret);
			return 1;
		}
		while ((cqe = asyncrt_peek_cqe(&ring))) {
			done += cqe->res == 0;
			asyncrt_cqe_seen(&ring, cqe);
		}
	}
	t1 = now();
	printf("3. %u NOP futures in batches of 16: %u completed, %.0f per second (emulated CPU)\n",
	       batches * 16, done, done / (t1 - t0));

	asyncrt_get_sqe(&ring)->opcode = 200;
	asyncrt_submit_and_wait(&ring, 1);
	asyncrt_wait_cqe(&ring, &cqe);
	printf("4. an entry with unknown opcode 200 completes with res=%d (%s), nothing is lost\n",
	       cqe->res, strerror(-cqe->res));
	asyncrt_cqe_seen(&ring, cqe);

	asyncrt_ring_exit(&ring);
	printf("5. closed the instance; the module frees everything it held\n");
	return done == batches * 16 ? 0 : 1;
}
