// SPDX-License-Identifier: GPL-2.0
/*
 * Timer accuracy: @n sleeps, one at a time, each to an absolute deadline
 * on CLOCK_MONOTONIC a pseudo-random 10 us .. 1 ms ahead (the same sequence
 * for every implementation). Lateness is the time the sleeper observes
 * after waking minus the deadline: the timer's own delay plus the wake-up
 * and return to userspace. clock_nanosleep keeps the default 50 us timer
 * slack of a normal task, as a program using it would.
 *
 * usage: lateness <asyncrt|io_uring|timerfd|nanosleep> <n>
 * prints: R/Q lateness <impl> all ... (see common.h)
 */
#include <errno.h>
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

int main(int argc, char **argv)
{
	const char *impl = argc > 1 ? argv[1] : "asyncrt";
	uint64_t n = bench_arg_u64(argc, argv, 2, 2000), i, seed = 42, d, *lat;
	struct sleeper s = { 0 };
	int ret;

	if (!strcmp(impl, "asyncrt"))
		s.init = art_init, s.sleep_until = art_sleep;
	else if (!strcmp(impl, "io_uring"))
		s.init = uring_init, s.sleep_until = uring_sleep;
	else if (!strcmp(impl, "timerfd"))
		s.init = tfd_init, s.sleep_until = tfd_sleep;
	else if (!strcmp(impl, "nanosleep"))
		s.init = ns_init, s.sleep_until = ns_sleep;
	else
		bench_die(impl, EINVAL);
	lat = calloc(n, sizeof(*lat));
	if (!n || !lat)
		bench_die("n", EINVAL);
	ret = s.init(&s);
	if (ret)
		bench_die("init", ret);
	for (i = 0; i < n; i++) {
		d = 10000 + bench_rand(&seed) % 990000;
		d += bench_now_ns();
		ret = s.sleep_until(&s, d);
		if (ret)
			bench_die("sleep", ret);
		lat[i] = bench_now_ns();
		lat[i] = lat[i] > d ? lat[i] - d : 0;
	}
	bench_latency("lateness", impl, "all", lat, n);
	return 0;
}
