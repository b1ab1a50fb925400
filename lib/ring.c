// SPDX-License-Identifier: MIT
/*
 * libasyncrt setup and system calls: open /dev/asyncrt, set the instance up,
 * map its two regions, and the ENTER ioctl. The hot path is inline in
 * asyncrt.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "asyncrt.h"
#include "uapi_check.h"

const char *asyncrt_strerror_hint(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return ASYNCRT_DEVICE " is missing: load the module (insmod asyncrt.ko or modprobe asyncrt)";
	case -EACCES:
	case -EPERM:
		return ASYNCRT_DEVICE " is not accessible: see the dev_mode and dev_gid module parameters";
	default:
		return strerror(-err);
	}
}

/*
 * A ring that is not set up (init failed, or exit ran) points its indices at
 * one shared zero word with zero entries: the inline hot path then sees a
 * full SQ and an empty CQ without a branch of its own, and every call into
 * this file fails with -EBADF.
 */
static _Atomic uint32_t asyncrt_dead_word;

static void asyncrt_ring_mark_dead(struct asyncrt_ring *ring)
{
	memset(ring, 0, sizeof(*ring));
	ring->fd = -1;
	ring->sq.khead = &asyncrt_dead_word;
	ring->sq.ktail = &asyncrt_dead_word;
	ring->cq.khead = &asyncrt_dead_word;
	ring->cq.ktail = &asyncrt_dead_word;
}

int asyncrt_ring_init_params(struct asyncrt_ring *ring, struct asyncrt_params *p)
{
	uint8_t *rings;
	int fd, ret;

	if (!ring)
		return -EINVAL;
	asyncrt_ring_mark_dead(ring);
	if (!p)
		return -EINVAL;

	fd = open(ASYNCRT_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, ASYNCRT_IOC_SETUP, p) < 0) {
		ret = -errno;
		goto err_close;
	}

	ring->rings_size = p->rings_size;
	ring->rings_ptr = mmap(NULL, p->rings_size, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_POPULATE, fd, ASYNCRT_OFF_RINGS);
	if (ring->rings_ptr == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	ring->sqes_size = p->sqes_size;
	ring->sqes_ptr = mmap(NULL, p->sqes_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_POPULATE, fd, ASYNCRT_OFF_SQES);
	if (ring->sqes_ptr == MAP_FAILED) {
		ret = -errno;
		goto err_unmap_rings;
	}

	rings = ring->rings_ptr;
	ring->sq.khead = (_Atomic uint32_t *)(rings + p->sq_off.head);
	ring->sq.ktail = (_Atomic uint32_t *)(rings + p->sq_off.tail);
	ring->sq.kdropped = (uint32_t *)(rings + p->sq_off.dropped);
	ring->sq.array = (uint32_t *)(rings + p->sq_off.array);
	ring->sq.mask = p->sq_entries - 1;
	ring->sq.entries = p->sq_entries;
	ring->sq.sqes = ring->sqes_ptr;
	ring->sq.sqe_tail = atomic_load_explicit(ring->sq.ktail, memory_order_relaxed);
	ring->cq.khead = (_Atomic uint32_t *)(rings + p->cq_off.head);
	ring->cq.ktail = (_Atomic uint32_t *)(rings + p->cq_off.tail);
	ring->cq.kheld = (uint32_t *)(rings + p->cq_off.held);
	ring->cq.cqes = (struct asyncrt_cqe *)(rings + p->cq_off.cqes);
	ring->cq.mask = p->cq_entries - 1;
	ring->cq.entries = p->cq_entries;
	ring->features = p->features;
	ring->max_inflight = p->max_inflight;
	ring->fd = fd;
	return 0;

err_unmap_rings:
	munmap(ring->rings_ptr, ring->rings_size);
err_close:
	close(fd);
	asyncrt_ring_mark_dead(ring);
	return ret;
}

int asyncrt_ring_init(struct asyncrt_ring *ring, unsigned int entries)
{
	struct asyncrt_params p;

	if (ring)
		asyncrt_ring_mark_dead(ring);
	/* The kernel checks too; an oversized count never reaches it. */
	if (!entries || entries > ASYNCRT_MAX_SQ_ENTRIES)
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.sq_entries = entries;
	return asyncrt_ring_init_params(ring, &p);
}

void asyncrt_ring_exit(struct asyncrt_ring *ring)
{
	if (!ring || ring->fd < 0)
		return;
	munmap(ring->sqes_ptr, ring->sqes_size);
	munmap(ring->rings_ptr, ring->rings_size);
	close(ring->fd);
	asyncrt_ring_mark_dead(ring);
}

static int asyncrt_enter(struct asyncrt_ring *ring, uint32_t to_submit,
			 uint32_t min_complete, uint32_t flags, uint64_t timeout_ns)
{
	struct asyncrt_enter e = {
		.to_submit = to_submit,
		.min_complete = min_complete,
		.flags = flags,
		.timeout_ns = timeout_ns,
	};
	int ret;

	ret = ioctl(ring->fd, ASYNCRT_IOC_ENTER, &e);
	return ret < 0 ? -errno : ret;
}

/* Every entry point that touches the rings checks it has some first. */
static int asyncrt_ring_usable(const struct asyncrt_ring *ring)
{
	if (!ring)
		return -EINVAL;
	return ring->fd < 0 ? -EBADF : 0;
}

int asyncrt_submit(struct asyncrt_ring *ring)
{
	int ret = asyncrt_ring_usable(ring);

	if (ret)
		return ret;
	return asyncrt_enter(ring, asyncrt_sq_flush(ring), 0, 0, 0);
}

int asyncrt_submit_and_wait(struct asyncrt_ring *ring, unsigned int wait_nr)
{
	int ret = asyncrt_ring_usable(ring);

	if (ret)
		return ret;
	ret = asyncrt_enter(ring, asyncrt_sq_flush(ring), wait_nr,
			    wait_nr ? ASYNCRT_ENTER_GETEVENTS : 0, 0);
	/* Nothing fit, so the kernel skipped the wait: wait without submitting. */
	if (ret == -EBUSY && wait_nr)
		ret = asyncrt_enter(ring, 0, wait_nr, ASYNCRT_ENTER_GETEVENTS, 0);
	return ret;
}

/*
 * Submit what fits, then wait until @wait_nr completions are unreaped, for
 * at most @timeout_ns (0: no bound). A full CQ (-EBUSY from the kernel, no
 * entry consumed) still waits, without submitting, since reaping is what
 * makes room. Returns the entries consumed, or -ETIME when the wait timed
 * out with nothing consumed.
 */
int asyncrt_submit_and_wait_timeout(struct asyncrt_ring *ring, unsigned int wait_nr,
				    uint64_t timeout_ns)
{
	uint32_t flags = wait_nr ? ASYNCRT_ENTER_GETEVENTS : 0;
	int ret = asyncrt_ring_usable(ring);

	if (ret)
		return ret;
	if (wait_nr > ring->cq.entries)
		return -EINVAL;
	if (wait_nr && timeout_ns)
		flags |= ASYNCRT_ENTER_TIMEOUT;
	ret = asyncrt_enter(ring, asyncrt_sq_flush(ring), wait_nr, flags, timeout_ns);
	if (ret == -EBUSY && wait_nr)
		ret = asyncrt_enter(ring, 0, wait_nr, flags, timeout_ns);
	return ret;
}

static uint64_t asyncrt_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int asyncrt_wait_cqe_timeout(struct asyncrt_ring *ring, struct asyncrt_cqe **cqe,
			     uint64_t timeout_ns)
{
	uint64_t deadline = 0, wait = 0, now;
	int ret = asyncrt_ring_usable(ring);
	uint32_t flags;

	if (ret)
		return ret;
	if (!cqe)
		return -EINVAL;
	if (timeout_ns)
		deadline = asyncrt_mono_ns() + timeout_ns;
	/*
	 * ENTER may return before a completion is visible here (another
	 * thread reaped it, or a signal): look again until the deadline,
	 * never report -ETIME early.
	 */
	for (;;) {
		*cqe = asyncrt_peek_cqe(ring);
		if (*cqe)
			return 0;
		if (timeout_ns) {
			now = asyncrt_mono_ns();
			if (now >= deadline)
				return -ETIME;
			wait = deadline - now;
		}
		flags = ASYNCRT_ENTER_GETEVENTS | (timeout_ns ? ASYNCRT_ENTER_TIMEOUT : 0);
		ret = asyncrt_enter(ring, asyncrt_sq_flush(ring), 1, flags, wait);
		/*
		 * -EBUSY: the kernel could accept none of the pending
		 * entries (the CQ is all reserved, or max_inflight reached)
		 * and skipped the wait. Reaping is what makes room: wait
		 * without submitting, as submit_and_wait_timeout() does.
		 */
		if (ret == -EBUSY)
			ret = asyncrt_enter(ring, 0, 1, flags, wait);
		if (ret == -EINTR) {
			*cqe = asyncrt_peek_cqe(ring);
			return *cqe ? 0 : -EINTR;
		}
		if (ret < 0 && ret != -ETIME)
			return ret;
	}
}

int asyncrt_wait_cqe(struct asyncrt_ring *ring, struct asyncrt_cqe **cqe)
{
	return asyncrt_wait_cqe_timeout(ring, cqe, 0);
}

/* A wait queue for WAIT/WAKE/NOTIFY; @flags is O_CLOEXEC or 0. */
int asyncrt_wq_create(struct asyncrt_ring *ring, int flags)
{
	int ret = asyncrt_ring_usable(ring);

	if (ret)
		return ret;
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	ret = ioctl(ring->fd, ASYNCRT_IOC_WQ_CREATE, flags);
	return ret < 0 ? -errno : ret;
}

/*
 * Wake up to @n waiters of the queue @wqfd (0: all), or NOTIFY it, now and
 * without a ring: what a WAKE or NOTIFY entry does, less reading it from
 * an SQ first. A thread that waits after waking (a ping-pong) wakes its
 * peer sooner this way than with both entries in one ENTER, where the
 * ring's own work comes before the wake. Needs ASYNCRT_FEAT_WQ_IOCTL; an
 * older module says -ENOTTY.
 */
int asyncrt_wq_wake(int wqfd, unsigned int n)
{
	int ret = ioctl(wqfd, ASYNCRT_IOC_WQ_WAKE, (unsigned long)n);

	return ret < 0 ? -errno : ret;
}

int asyncrt_wq_notify(int wqfd)
{
	int ret = ioctl(wqfd, ASYNCRT_IOC_WQ_NOTIFY, 0UL);

	return ret < 0 ? -errno : ret;
}

/*
 * Which opcodes the module implements, as ASYNCRT_OP_BIT() bits. Setup's
 * features say what the module claims; this asks it: every opcode is
 * submitted once, harmlessly, on a private instance, and any result other
 * than -EINVAL means it is there. SLEEP 0 and INTERVAL with one tick
 * complete at once, POLL for POLLOUT on a fresh pipe at once, NOTIFY then
 * WAIT on a new wait queue at once (the WAIT takes the stored permit),
 * CANCEL of a user_data nobody uses with -ENOENT, and SEND and RECV on a
 * pipe with -ENOTSOCK. Anything still pending after a generous wait is
 * present too; closing the instance cancels it.
 */
int asyncrt_probe_ops(uint32_t *ops)
{
	static const uint8_t order[] = {
		ASYNCRT_OP_NOP, ASYNCRT_OP_SLEEP, ASYNCRT_OP_INTERVAL,
		ASYNCRT_OP_NOTIFY, ASYNCRT_OP_WAIT, ASYNCRT_OP_WAKE,
		ASYNCRT_OP_POLL, ASYNCRT_OP_CANCEL, ASYNCRT_OP_SEND,
		ASYNCRT_OP_RECV,
	};
	uint32_t found = 0, done = 0, want = 0;
	struct asyncrt_ring ring;
	struct asyncrt_cqe *cqe;
	int pfd[2] = { -1, -1 }, wq, ret;
	unsigned int i;

	if (!ops)
		return -EINVAL;
	*ops = 0;
	ret = asyncrt_ring_init(&ring, 16);
	if (ret)
		return ret;
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = -errno;
		goto out_ring;
	}
	wq = asyncrt_wq_create(&ring, O_CLOEXEC);

	for (i = 0; i < sizeof(order); i++) {
		uint8_t op = order[i];
		struct asyncrt_sqe *sqe;

		if ((op == ASYNCRT_OP_WAIT || op == ASYNCRT_OP_WAKE ||
		     op == ASYNCRT_OP_NOTIFY) && wq < 0)
			continue;
		sqe = asyncrt_get_sqe(&ring);
		switch (op) {
		case ASYNCRT_OP_SLEEP:
			asyncrt_prep_sleep(sqe, 0, ASYNCRT_CLOCK_MONOTONIC, 0, op);
			break;
		case ASYNCRT_OP_INTERVAL:
			asyncrt_prep_interval(sqe, 1000, 1, ASYNCRT_CLOCK_MONOTONIC, 0, op);
			break;
		case ASYNCRT_OP_NOTIFY:
			asyncrt_prep_notify(sqe, wq, op);
			break;
		case ASYNCRT_OP_WAIT:
			asyncrt_prep_wait(sqe, wq, NULL, 0, op);
			break;
		case ASYNCRT_OP_WAKE:
			asyncrt_prep_wake(sqe, wq, 0, op);
			break;
		case ASYNCRT_OP_POLL:
			asyncrt_prep_poll(sqe, pfd[1], POLLOUT, 0, op);
			break;
		case ASYNCRT_OP_CANCEL:
			asyncrt_prep_cancel(sqe, ~0ULL - 1, op);
			break;
		case ASYNCRT_OP_SEND:
			asyncrt_prep_send(sqe, pfd[1], NULL, 0, op);
			break;
		case ASYNCRT_OP_RECV:
			asyncrt_prep_recv(sqe, pfd[0], NULL, 0, op);
			break;
		default:
			asyncrt_prep_nop(sqe, op);
			break;
		}
		want |= ASYNCRT_OP_BIT(op);
	}
	ret = asyncrt_submit(&ring);
	if (ret < 0)
		goto out;
	ret = 0;
	while (done != want) {
		/* Generous: an emulated guest is slow, though nothing waits. */
		if (asyncrt_wait_cqe_timeout(&ring, &cqe, 1000000000ULL))
			break;
		if (!(cqe->flags & ASYNCRT_CQE_F_MORE) && cqe->user_data < ASYNCRT_OP_LAST) {
			done |= ASYNCRT_OP_BIT(cqe->user_data);
			if (cqe->res != -EINVAL)
				found |= ASYNCRT_OP_BIT(cqe->user_data);
		}
		asyncrt_cqe_seen(&ring, cqe);
	}
	found |= want & ~done;
	*ops = found;
out:
	if (wq >= 0)
		close(wq);
	close(pfd[0]);
	close(pfd[1]);
out_ring:
	asyncrt_ring_exit(&ring);
	return ret;
}
