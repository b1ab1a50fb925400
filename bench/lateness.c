// SPDX-License-Identifier: GPL-2.0
/*
 * Timer accuracy: @n sleeps, one at a time, each to an absolute deadline
 * on CLOCK_MONOTONIC a pseudo-random 10 us .. 1 ms ahead (the same sequence
 * for every implementation). Lateness is the time the sleeper observes
 * after waking minus the deadline: the timer's own delay plus the wake-up
 * and return to userspace. clock_nanosleep keeps the default 50 us timer
 * slack of a normal task, as a program using it would.
 *
 * "all" measures every implementation in one process, interleaved: blocks
 * of BLOCK sleeps, each block slept by every implementation in turn (the
 * order rotating from block to block) with the same durations. Run one
 * after the other, each implementation's 100,000 sleeps took a minute of
 * their own under emulation and a slow stretch of the host landed on
 * whichever ran then; interleaved, it lands on all of them.
 *
 * With LATENESS_TRACE_TAIL_NS=<ns> in the environment, the first sleep
 * after the first block later than that writes a marker into the kernel trace and stops it, so
 * that the trace ends with what delayed it (bench/guest.sh, "trace").
 *
 * usage: lateness <asyncrt|io_uring|timerfd|nanosleep|all> <n>
 * prints: R/Q lateness <impl> all ... (see common.h), per implementation
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "asyncrt.h"
#include "common.h"

struct sleeper {
	int (*init)(struct sleeper *s);
	int (*sleep_until)(struct sleeper *s, uint64_t deadline);
	struct asyncrt_ring art;
	struct io_uring uring;
	int tfd, epfd;
};

static struct timespec to_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000ull,
				  .tv_nsec = ns % 1000000000ull };
}

static int art_init(struct sleeper *s)
{
	return asyncrt_ring_init(&s->art, 32);
}

static int art_sleep(struct sleeper *s, uint64_t deadline)
{
	struct asyncrt_cqe *cqe;
	int ret;

	asyncrt_prep_sleep(asyncrt_get_sqe(&s->art), deadline,
			   ASYNCRT_CLOCK_MONOTONIC, ASYNCRT_TIMER_ABS, 1);
	ret = asyncrt_submit_and_wait(&s->art, 1);
	if (ret < 0)
		return ret;
	cqe = asyncrt_peek_cqe(&s->art);
	ret = cqe->res;
	asyncrt_cqe_seen(&s->art, cqe);
	return ret;
}

static int uring_init(struct sleeper *s)
{
	return io_uring_queue_init(32, &s->uring, 0);
}

static int uring_sleep(struct sleeper *s, uint64_t deadline)
{
	struct timespec t = to_ts(deadline);
	struct __kernel_timespec ts = { .tv_sec = t.tv_sec, .tv_nsec = t.tv_nsec };
	struct io_uring_cqe *cqe;
	int ret;

	io_uring_prep_timeout(io_uring_get_sqe(&s->uring), &ts, 0, IORING_TIMEOUT_ABS);
	ret = io_uring_submit_and_wait(&s->uring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_peek_cqe(&s->uring, &cqe);
	if (ret)
		return ret;
	ret = cqe->res == -ETIME ? 0 : cqe->res;
	io_uring_cqe_seen(&s->uring, cqe);
	return ret;
}

static int tfd_init(struct sleeper *s)
{
	struct epoll_event ev = { .events = EPOLLIN };

	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->tfd < 0 || s->epfd < 0)
		return -errno;
	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->tfd, &ev) ? -errno : 0;
}

static int tfd_sleep(struct sleeper *s, uint64_t deadline)
{
	struct itimerspec its = { .it_value = to_ts(deadline) };
	struct epoll_event ev;
	uint64_t ticks;

	if (timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		return -errno;
	while (epoll_wait(s->epfd, &ev, 1, -1) != 1)
		if (errno != EINTR)
			return -errno;
	return read(s->tfd, &ticks, sizeof(ticks)) == sizeof(ticks) ? 0 : -errno;
}

static int ns_init(struct sleeper *s __attribute__((unused)))
{
	return 0;
}

static int ns_sleep(struct sleeper *s __attribute__((unused)), uint64_t deadline)
{
	struct timespec ts = to_ts(deadline);

	return -clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

#define NR_IMPLS	4

static const char *const names[NR_IMPLS] = {
	"asyncrt", "timerfd", "io_uring", "nanosleep"
};

static struct sleeper sleepers[NR_IMPLS] = {
	{ .init = art_init, .sleep_until = art_sleep },
	{ .init = tfd_init, .sleep_until = tfd_sleep },
	{ .init = uring_init, .sleep_until = uring_sleep },
	{ .init = ns_init, .sleep_until = ns_sleep },
};

#define BLOCK		100

static uint64_t trace_tail_ns, sleeps;

/* Mark the first sleep later than trace_tail_ns and stop the trace there. */
static void trace_tail(uint64_t late)
{
	const char *t = "/sys/kernel/debug/tracing/";
	char path[64], msg[64];
	int fd, len;

	trace_tail_ns = 0;
	len = snprintf(msg, sizeof(msg), "lateness: %llu ns late\n",
		       (unsigned long long)late);
	snprintf(path, sizeof(path), "%strace_marker", t);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, msg, len) == len)
		fprintf(stderr, "lateness: trace stopped at a sleep %llu ns late\n",
			(unsigned long long)late);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%stracing_on", t);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, "0", 1) != 1)
		fprintf(stderr, "lateness: could not stop the trace\n");
	if (fd >= 0)
		close(fd);
}

/* @n sleeps of @s from the duration sequence at @seed, lateness into @lat. */
static void sleep_block(struct sleeper *s, uint64_t seed, uint64_t *lat, uint64_t n)
{
	uint64_t i, d, now;
	int ret;

	for (i = 0; i < n; i++) {
		d = 10000 + bench_rand(&seed) % 990000;
		d += bench_now_ns();
		ret = s->sleep_until(s, d);
		if (ret)
			bench_die("sleep", ret);
		now = bench_now_ns();
		lat[i] = now > d ? now - d : 0;
		sleeps++;
		/* Not in the first block: the first sleeps are cold. */
		if (trace_tail_ns && lat[i] > trace_tail_ns && sleeps > BLOCK)
			trace_tail(lat[i]);
	}
}

int main(int argc, char **argv)
{
	const char *impl = argc > 1 ? argv[1] : "asyncrt";
	uint64_t n = bench_arg_u64(argc, argv, 2, 2000), seed = 42, done, chunk;
	uint64_t *lat[NR_IMPLS] = { NULL };
	int first, last, i, k, ret;

	if (!strcmp(impl, "all")) {
		first = 0, last = NR_IMPLS - 1;
	} else {
		for (first = 0; first < NR_IMPLS && strcmp(impl, names[first]); first++)
			;
		if (first == NR_IMPLS)
			bench_die(impl, EINVAL);
		last = first;
	}
	if (!n)
		bench_die("n", EINVAL);
	if (getenv("LATENESS_TRACE_TAIL_NS"))
		trace_tail_ns = strtoull(getenv("LATENESS_TRACE_TAIL_NS"), NULL, 0);
	for (i = first; i <= last; i++) {
		lat[i] = calloc(n, sizeof(*lat[i]));
		if (!lat[i])
			bench_die("calloc", ENOMEM);
		ret = sleepers[i].init(&sleepers[i]);
		if (ret)
			bench_die(names[i], ret);
	}
	for (done = 0; done < n; done += chunk) {
		chunk = n - done < BLOCK ? n - done : BLOCK;
		/* The same durations for each; the order rotates per block. */
		for (k = 0; k <= last - first; k++) {
			i = first + (k + done / BLOCK) % (last - first + 1);
			sleep_block(&sleepers[i], seed, lat[i] + done, chunk);
		}
		for (k = 0; k < (int)chunk; k++)
			bench_rand(&seed);
	}
	for (i = first; i <= last; i++)
		bench_latency("lateness", names[i], "all", lat[i], n);
	return 0;
}
