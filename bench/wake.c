// SPDX-License-Identifier: GPL-2.0
/*
 * Wake-up latency: ping-pong between two threads or two processes. Side 0
 * bumps side 1's word and wakes it, then waits until its own word moves;
 * side 1 does the mirror image. One sample is one round trip (two wake-ups)
 * seen by side 0. The words live in shared memory, so every implementation
 * uses the same "wait while the word is unchanged" protocol:
 *
 *	asyncrt   ASYNCRT_IOC_WQ_WAKE on the peer's wait queue's fd, then an
 *	          ENTER of a WAIT with ASYNCRT_WAIT_CMP on ours (each side
 *	          has its own ring): as futex, a call that wakes and one
 *	          that waits
 *	asyncrt_sq  the WAKE as an entry (no CQE unless it fails,
 *	          ASYNCRT_SQE_SKIP_SUCCESS) with the WAIT in one ENTER: one
 *	          system call, but the ring's work comes before the wake
 *	futex     FUTEX_WAKE + FUTEX_WAIT (private for threads)
 *	eventfd   write the peer's eventfd, read ours
 *	pipe      write a byte into the peer's pipe, read ours
 *	io_uring  IORING_OP_MSG_RING to the peer's ring (no CQE of its own
 *	          unless it fails, IOSQE_CQE_SKIP_SUCCESS), then wait for the
 *	          peer's message in ours, in one io_uring_enter(): a ring's
 *	          ring-to-ring wake-up, the closest io_uring has to ours
 *	ioctl     the least a wake-up through ioctl() costs: one ioctl() on
 *	          the bench module's /dev/asyncrt_bench_wake wakes the peer's
 *	          wait queue and waits on ours while our word is unchanged
 *	          (bench/kmod/wakedev.c; asyncrt_bench.ko run=wakedev)
 *
 * usage: wake <asyncrt|asyncrt_sq|futex|eventfd|pipe|io_uring|ioctl> <thread|process> <n>
 * prints: R/Q wake_<thread|process> <impl> rtt ... (see common.h)
 *
 * usage: wake ab <thread|process> <blocks> <n>
 * interleaved: per block, a ping-pong of <n> round trips with asyncrt, one
 * with futex and one with asyncrt_sq, each with a fresh pair of sides, in
 * an order rotated by one per block; prints R wake_ab_<thread|process>
 * <impl> rtt p50_ns/p99_ns/... per block, block after block. A block's
 * runs are a fraction of a second apart: the host's slow stretches, which
 * last seconds and moved whole runs by up to 1.6x, hit them alike.
 *
 * usage: wake abu <thread|process> <blocks> <n>
 * the same with asyncrt_sq and io_uring, ring-to-ring wake-ups both, in
 * the order AB, BA, AB...; prints R wake_abu_<...> rows.
 *
 * usage: wake cal <thread|process> <blocks> <n>
 * calibration: as ab, with futex ping-pongs that also make one more call
 * per exchange, before the FUTEX_WAKE (getppid(), an ioctl() the driver
 * refuses, an empty ENTER, an ENTER of one WAKE of a queue nobody waits
 * on) or after it (getppid() again: off the critical path, if the peer
 * wakes while we finish), beside futex, asyncrt and, if its device is
 * there, the ioctl peer, each block in an order rotated by one;
 * prints R wake_cal_<thread|process> <variant> rtt ... per block. What
 * a call costs inside the ping-pong, where it costs a multiple of what
 * it costs in a loop (syscost.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asyncrt.h"
#include "common.h"
#include "kmod/wakedev.h"

#define WARMUP	100

enum impl { IMPL_ASYNCRT, IMPL_FUTEX, IMPL_EVENTFD, IMPL_PIPE, IMPL_IO_URING, IMPL_IOCTL,
	    IMPL_ASYNCRT_SQ };
static const char *const impl_name[] = {
	[IMPL_ASYNCRT] = "asyncrt", [IMPL_FUTEX] = "futex", [IMPL_EVENTFD] = "eventfd",
	[IMPL_PIPE] = "pipe", [IMPL_IO_URING] = "io_uring", [IMPL_IOCTL] = "ioctl",
	[IMPL_ASYNCRT_SQ] = "asyncrt_sq",
};
#define NR_IMPLS	(sizeof(impl_name) / sizeof(impl_name[0]))

struct shared {
	_Atomic uint32_t word[2];
};

/* What a calibration's futex ping-pong adds per exchange (wake cal). */
enum extra { EXTRA_NONE, EXTRA_GETPPID, EXTRA_BADIOCTL, EXTRA_ENTER0, EXTRA_WAKE0,
	     EXTRA_GETPPID_AFTER };

static enum impl impl;
static enum extra extra;
static int process;
static uint64_t iters;			/* round trips of this run, after WARMUP */
static struct shared *sh;
static int wqfd[3], efd[2], pfd[2][2];	/* wqfd[2]: nobody waits */
static int wakedev = -1;		/* the ioctl peer's device */
/*
 * One ring per side, made for each run before its fork, so that each side
 * has both fds and its own ring's state: liburing keeps part of it in
 * struct io_uring, which a child copies and a later child would not see.
 */
static struct io_uring uring[2];

#define UR_MSG	1	/* a message's user_data in the receiving ring */
#define UR_SEND	2	/* the MSG_RING's own, seen only if it fails */

/* Either way of asyncrt's: both wait in a ring. */
static int is_asyncrt(enum impl i)
{
	return i == IMPL_ASYNCRT || i == IMPL_ASYNCRT_SQ;
}

struct side {
	int me;
	uint32_t seen;			/* my word's last value */
	struct asyncrt_ring ring;
};

static long futex(_Atomic uint32_t *w, int op, uint32_t val)
{
	if (!process)
		op |= FUTEX_PRIVATE_FLAG;
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

/*
 * Submit @want entries already prepared and reap their completions. The
 * wait can end early: a signal, or the task work io_uring sends a thread
 * that used one of its rings (wake abu), cuts it short once the entries
 * are in, and asyncrt_wait_cqe() then waits for what is missing.
 */
static void art_reap(struct side *s, unsigned int want)
{
	struct asyncrt_cqe *cqe;
	int ret;

	ret = asyncrt_submit_and_wait(&s->ring, want);
	if (ret < 0)
		bench_die("asyncrt_submit_and_wait", ret);
	while (want--) {
		ret = asyncrt_wait_cqe(&s->ring, &cqe);
		if (ret)
			bench_die("asyncrt_wait_cqe", ret);
		if (cqe->res < 0 && cqe->res != -EAGAIN)
			bench_die(cqe->user_data == 1 ? "WAKE" : "WAIT", cqe->res);
		asyncrt_cqe_seen(&s->ring, cqe);
	}
}

static void art_prep_wait(struct side *s)
{
	asyncrt_prep_wait(asyncrt_get_sqe(&s->ring), wqfd[s->me],
			  (const uint32_t *)&sh->word[s->me], s->seen, 2);
}

/*
 * The ioctl peer's one call: wake the peer's queue, or wait on ours while
 * our word still reads what we last saw, or both, in that order.
 */
static void wakedev_call(struct side *s, unsigned int flags)
{
	struct artb_wake a = {
		.word = (uintptr_t)&sh->word[s->me],
		.val = s->seen,
		.wake = !s->me,
		.wait = s->me,
		.flags = flags,
	};

	if (ioctl(wakedev, ARTB_IOC_WAKE_WAIT, &a) && errno != EINTR)
		bench_die("ARTB_IOC_WAKE_WAIT", errno);
}

/* Queue a message to the peer's ring; the caller submits it. */
static void ur_prep_msg(struct side *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&uring[s->me]);

	io_uring_prep_msg_ring(sqe, uring[!s->me].ring_fd, 0, UR_MSG, 0);
	io_uring_sqe_set_data64(sqe, UR_SEND);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

/* Submit what is queued and take the peer's next message. */
static void ur_wait(struct side *s)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_submit_and_wait(&uring[s->me], 1);
	if (ret < 0)
		bench_die("io_uring_submit_and_wait", -ret);
	ret = io_uring_peek_cqe(&uring[s->me], &cqe);
	if (ret)
		bench_die("io_uring_peek_cqe", -ret);
	if (cqe->user_data != UR_MSG)
		bench_die("MSG_RING", cqe->res < 0 ? -cqe->res : EPROTO);
	io_uring_cqe_seen(&uring[s->me], cqe);
}

/* Bump the peer's word and wake it. */
static void signal_peer(struct side *s)
{
	char byte = 0;
	uint64_t one = 1;
	int ret;

	switch (impl) {
	case IMPL_ASYNCRT:
		atomic_fetch_add(&sh->word[!s->me], 1);
		ret = asyncrt_wq_wake(wqfd[!s->me], 1);
		if (ret < 0)
			bench_die("asyncrt_wq_wake", -ret);
		break;
	case IMPL_ASYNCRT_SQ:
		atomic_fetch_add(&sh->word[!s->me], 1);
		asyncrt_prep_wake(asyncrt_get_sqe(&s->ring), wqfd[!s->me], 1, 1);
		art_reap(s, 1);
		break;
	case IMPL_FUTEX:
		atomic_fetch_add(&sh->word[!s->me], 1);
		futex(&sh->word[!s->me], FUTEX_WAKE, 1);
		break;
	case IMPL_EVENTFD:
		if (write(efd[!s->me], &one, sizeof(one)) != sizeof(one))
			bench_die("eventfd write", errno);
		break;
	case IMPL_PIPE:
		if (write(pfd[!s->me][1], &byte, 1) != 1)
			bench_die("pipe write", errno);
		break;
	case IMPL_IO_URING:
		ur_prep_msg(s);
		if (io_uring_submit(&uring[s->me]) != 1)
			bench_die("io_uring_submit", EPROTO);
		break;
	case IMPL_IOCTL:
		atomic_fetch_add(&sh->word[!s->me], 1);
		wakedev_call(s, ARTB_WAKE);
		break;
	}
}

/* Wait until the peer signalled us. */
static void wait_mine(struct side *s)
{
	char byte;
	uint64_t one;

	switch (impl) {
	case IMPL_ASYNCRT:
	case IMPL_ASYNCRT_SQ:
		while (atomic_load(&sh->word[s->me]) == s->seen) {
			art_prep_wait(s);
			art_reap(s, 1);
		}
		break;
	case IMPL_FUTEX:
		while (atomic_load(&sh->word[s->me]) == s->seen)
			futex(&sh->word[s->me], FUTEX_WAIT, s->seen);
		break;
	case IMPL_EVENTFD:
		if (read(efd[s->me], &one, sizeof(one)) != sizeof(one))
			bench_die("eventfd read", errno);
		break;
	case IMPL_PIPE:
		if (read(pfd[s->me][0], &byte, 1) != 1)
			bench_die("pipe read", errno);
		break;
	case IMPL_IO_URING:
		ur_wait(s);
		break;
	case IMPL_IOCTL:
		while (atomic_load(&sh->word[s->me]) == s->seen)
			wakedev_call(s, ARTB_WAIT);
		break;
	}
	s->seen = atomic_load(&sh->word[s->me]);
}

/* The calibration's call, made before each exchange's FUTEX_WAKE or after. */
static void extra_call(struct side *s)
{
	struct asyncrt_sqe *sqe;
	int ret = 0;

	switch (extra) {
	case EXTRA_NONE:
		break;
	case EXTRA_GETPPID:
	case EXTRA_GETPPID_AFTER:
		getppid();
		break;
	case EXTRA_BADIOCTL:
		if (ioctl(s->ring.fd, _IO('x', 0x7f), 0) != -1 || errno != ENOTTY)
			bench_die("badioctl", errno);
		break;
	case EXTRA_ENTER0:
		ret = asyncrt_submit(&s->ring);
		break;
	case EXTRA_WAKE0:
		sqe = asyncrt_get_sqe(&s->ring);
		asyncrt_prep_wake(sqe, wqfd[2], 1, 1);
		asyncrt_sqe_set_skip_success(sqe);
		ret = asyncrt_submit(&s->ring);
		if (ret == 0)
			ret = -EPROTO;
		break;
	}
	if (ret < 0)
		bench_die("calibration call", -ret);
}

/*
 * Signal the peer, then wait for its answer. asyncrt_sq puts the WAKE and
 * the WAIT in one ENTER, and io_uring its message and its wait in one
 * io_uring_enter(); asyncrt and the others make a system call each. What
 * follows the wake is off the critical path (the peer is still waking up
 * when we wait: wake cal's futex_getppid_after), so one call or two costs
 * the same; what comes before it is on it.
 */
static void exchange(struct side *s)
{
	struct asyncrt_sqe *sqe;

	if (impl == IMPL_IO_URING) {
		ur_prep_msg(s);
		ur_wait(s);
		return;
	}
	if (impl == IMPL_IOCTL) {
		/* The wake and the wait in one call, as ENTER can. */
		atomic_fetch_add(&sh->word[!s->me], 1);
		wakedev_call(s, ARTB_WAKE | ARTB_WAIT);
		wait_mine(s);
		return;
	}
	if (impl != IMPL_ASYNCRT_SQ) {
		if (extra != EXTRA_GETPPID_AFTER)
			extra_call(s);
		signal_peer(s);
		if (extra == EXTRA_GETPPID_AFTER)
			extra_call(s);
		wait_mine(s);
		return;
	}
	atomic_fetch_add(&sh->word[!s->me], 1);
	sqe = asyncrt_get_sqe(&s->ring);
	asyncrt_prep_wake(sqe, wqfd[!s->me], 1, 1);
	/* Only its failure matters: one CQE to reap instead of two. */
	if (s->ring.features & ASYNCRT_FEAT_SKIP_SUCCESS)
		asyncrt_sqe_set_skip_success(sqe);
	art_prep_wait(s);
	art_reap(s, sqe->flags & ASYNCRT_SQE_SKIP_SUCCESS ? 1 : 2);
	wait_mine(s);
}

static void side_init(struct side *s, int me)
{
	int ret;

	s->me = me;
	/* Words start at 0; reading it here could miss an early signal. */
	s->seen = 0;
	if (is_asyncrt(impl) || extra) {
		ret = asyncrt_ring_init(&s->ring, 32);
		if (ret)
			bench_die("asyncrt_ring_init", ret);
	}
}

/* Side 1: answer every ping; the last answer is a signal alone. */
static void *ponger(void *arg __attribute__((unused)))
{
	struct side s;
	uint64_t i;

	side_init(&s, 1);
	wait_mine(&s);
	for (i = 1; i < iters + WARMUP; i++)
		exchange(&s);
	signal_peer(&s);
	if (is_asyncrt(impl) || extra)
		asyncrt_ring_exit(&s.ring);
	return NULL;
}

/*
 * The queues, eventfds or pipes of @which: once, for every run. asyncrt's
 * include a third queue, the calibration's, that nobody waits on.
 */
static int setup(enum impl which)
{
	static struct asyncrt_ring ring;	/* lives as long as the queues */
	int i, ret;

	for (i = 0; i < 2; i++) {
		switch (which) {
		case IMPL_ASYNCRT:
		case IMPL_ASYNCRT_SQ:
			if (!i) {
				ret = asyncrt_ring_init(&ring, 8);
				if (ret)
					return ret;
			}
			wqfd[i] = asyncrt_wq_create(&ring, 0);
			if (wqfd[i] < 0)
				return wqfd[i];
			break;
		case IMPL_EVENTFD:
			efd[i] = eventfd(0, 0);
			if (efd[i] < 0)
				return -errno;
			break;
		case IMPL_PIPE:
			if (pipe(pfd[i]))
				return -errno;
			break;
		case IMPL_IOCTL:
			if (!i)
				wakedev = open("/dev/" ARTB_WAKEDEV_NAME, O_RDWR | O_CLOEXEC);
			if (wakedev < 0)
				return -errno;
			break;
		case IMPL_IO_URING:	/* per run: ur_init() */
		case IMPL_FUTEX:
			break;
		}
	}
	if (is_asyncrt(which)) {
		wqfd[2] = asyncrt_wq_create(&ring, 0);
		if (wqfd[2] < 0)
			return wqfd[2];
	}
	return 0;
}

static void ur_init(void)
{
	int i, ret;

	for (i = 0; i < 2; i++) {
		ret = io_uring_queue_init(8, &uring[i], 0);
		if (ret)
			bench_die("io_uring_queue_init", -ret);
	}
}

static void ur_exit(void)
{
	io_uring_queue_exit(&uring[0]);
	io_uring_queue_exit(&uring[1]);
}

/* One ping-pong: @n round trips with @which after WARMUP, into @rtt. */
static void pingpong(enum impl which, uint64_t n, uint64_t *rtt)
{
	pthread_t thread;
	struct side s;
	pid_t pid = 0;
	uint64_t i, t;

	impl = which;
	iters = n;
	atomic_store(&sh->word[0], 0);
	atomic_store(&sh->word[1], 0);
	if (impl == IMPL_IO_URING)
		ur_init();
	if (process) {
		pid = fork();
		if (pid < 0)
			bench_die("fork", errno);
		if (!pid) {
			ponger(NULL);
			_exit(0);
		}
	} else if (pthread_create(&thread, NULL, ponger, NULL)) {
		bench_die("pthread_create", EAGAIN);
	}
	side_init(&s, 0);
	for (i = 0; i < iters + WARMUP; i++) {
		t = bench_now_ns();
		exchange(&s);
		if (i >= WARMUP)
			rtt[i - WARMUP] = bench_now_ns() - t;
	}
	if (is_asyncrt(impl) || extra)
		asyncrt_ring_exit(&s.ring);
	if (process)
		waitpid(pid, NULL, 0);
	else
		pthread_join(thread, NULL);
	if (impl == IMPL_IO_URING)
		ur_exit();
}

/*
 * wake ab (abu): the @nv implementations of @v block by block, each
 * block's order rotated by one (for two: AB, BA, AB...).
 */
static void interleaved(const char *bench, const enum impl *v, unsigned int nv,
			uint64_t blocks, uint64_t n, uint64_t *rtt)
{
	unsigned int k, j;
	uint64_t b;

	for (b = 0; b < blocks; b++) {
		for (k = 0; k < nv; k++) {
			j = (unsigned int)((b + k) % nv);
			pingpong(v[j], n, rtt);
			bench_quantiles(bench, impl_name[v[j]], "rtt", rtt, n);
		}
	}
}

/* wake cal: the variants block by block, each block's order rotated. */
static void calibration(const char *bench, uint64_t blocks, uint64_t n,
			uint64_t *rtt)
{
	static const struct {
		const char *name;
		enum impl impl;
		enum extra extra;
	} v[] = {
		{ "futex", IMPL_FUTEX, EXTRA_NONE },
		{ "futex_getppid", IMPL_FUTEX, EXTRA_GETPPID },
		{ "futex_badioctl", IMPL_FUTEX, EXTRA_BADIOCTL },
		{ "futex_enter0", IMPL_FUTEX, EXTRA_ENTER0 },
		{ "futex_wake0", IMPL_FUTEX, EXTRA_WAKE0 },
		{ "futex_getppid_after", IMPL_FUTEX, EXTRA_GETPPID_AFTER },
		{ "asyncrt", IMPL_ASYNCRT, EXTRA_NONE },
		{ "asyncrt_sq", IMPL_ASYNCRT_SQ, EXTRA_NONE },
		{ "ioctl", IMPL_IOCTL, EXTRA_NONE },
	};
	/* The ioctl peer only where its device is (guest.sh loads it). */
	const unsigned int nv = sizeof(v) / sizeof(v[0]) - (setup(IMPL_IOCTL) < 0);
	unsigned int k, j;
	uint64_t b;

	if (nv < sizeof(v) / sizeof(v[0]))
		printf("# wake cal: no /dev/%s, so no ioctl peer\n", ARTB_WAKEDEV_NAME);
	for (b = 0; b < blocks; b++) {
		for (k = 0; k < nv; k++) {
			j = (unsigned int)((b + k) % nv);
			extra = v[j].extra;
			pingpong(v[j].impl, n, rtt);
			bench_quantiles(bench, v[j].name, "rtt", rtt, n);
		}
	}
	extra = EXTRA_NONE;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "asyncrt";
	const char *mode = argc > 2 ? argv[2] : "thread";
	static const enum impl ab[] = { IMPL_ASYNCRT, IMPL_FUTEX, IMPL_ASYNCRT_SQ };
	static const enum impl abu[] = { IMPL_ASYNCRT_SQ, IMPL_IO_URING };
	uint64_t *rtt, i, blocks = 0, n;
	char bench[32];
	int ret;

	process = !strcmp(mode, "process");
	if (!strcmp(name, "ab") || !strcmp(name, "abu") || !strcmp(name, "cal")) {
		blocks = bench_arg_u64(argc, argv, 3, 20);
		n = bench_arg_u64(argc, argv, 4, 1000);
		i = IMPL_ASYNCRT;
	} else {
		for (i = 0; i < NR_IMPLS && strcmp(name, impl_name[i]); i++)
			;
		if (i == NR_IMPLS)
			bench_die(name, EINVAL);
		n = bench_arg_u64(argc, argv, 3, 2000);
	}
	rtt = calloc(n ? n : 1, sizeof(*rtt));
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!rtt || sh == MAP_FAILED || !n)
		bench_die("setup", ENOMEM);
	ret = setup(i);
	if (ret)
		bench_die("setup", ret);
	if (blocks) {
		snprintf(bench, sizeof(bench), "wake_%s_%s", name,
			 process ? "process" : "thread");
		if (!strcmp(name, "cal"))
			calibration(bench, blocks, n, rtt);
		else if (!strcmp(name, "abu"))
			interleaved(bench, abu, 2, blocks, n, rtt);
		else
			interleaved(bench, ab, 3, blocks, n, rtt);
		return 0;
	}
	pingpong(i, n, rtt);
	snprintf(bench, sizeof(bench), "wake_%s", process ? "process" : "thread");
	bench_latency(bench, name, "rtt", rtt, n);
	return 0;
}
