// SPDX-License-Identifier: MIT
/*
 * libasyncrt setup and system calls: open /dev/asyncrt, set the instance up,
 * map its two regions, and the ENTER ioctl. The hot path is inline in
 * asyncrt.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

int asyncrt_ring_init_params(struct asyncrt_ring *ring, struct asyncrt_params *p)
{
	uint8_t *rings;
	int fd, ret;

	if (!ring || !p)
		return -EINVAL;
	memset(ring, 0, sizeof(*ring));
	ring->fd = -1;

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
	memset(ring, 0, sizeof(*ring));
	ring->fd = -1;
	return ret;
}

int asyncrt_ring_init(struct asyncrt_ring *ring, unsigned int entries)
{
	struct asyncrt_params p;

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
	memset(ring, 0, sizeof(*ring));
	ring->fd = -1;
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
	return asyncrt_enter(ring, asyncrt_sq_flush(ring), wait_nr,
			     wait_nr ? ASYNCRT_ENTER_GETEVENTS : 0, 0);
}

int asyncrt_wait_cqe_timeout(struct asyncrt_ring *ring, struct asyncrt_cqe **cqe,
			     uint64_t timeout_ns)
{
	int ret = asyncrt_ring_usable(ring);

	if (ret)
		return ret;
	if (!cqe)
		return -EINVAL;
	for (;;) {
		*cqe = asyncrt_peek_cqe(ring);
		if (*cqe)
			return 0;
		ret = asyncrt_enter(ring, asyncrt_sq_flush(ring), 1,
				    ASYNCRT_ENTER_GETEVENTS |
				    (timeout_ns ? ASYNCRT_ENTER_TIMEOUT : 0),
				    timeout_ns);
		if (ret < 0 && ret != -EINTR)
			return ret;
		if (ret < 0 || timeout_ns) {
			*cqe = asyncrt_peek_cqe(ring);
			return *cqe ? 0 : (ret < 0 ? ret : -ETIME);
		}
	}
}

int asyncrt_wait_cqe(struct asyncrt_ring *ring, struct asyncrt_cqe **cqe)
{
	return asyncrt_wait_cqe_timeout(ring, cqe, 0);
}
