// SPDX-License-Identifier: GPL-2.0
/*
 * Description: instance setup and its limits: sizes are rounded and bounded,
 * every malformed request is refused with a precise errno, a refused
 * setup (even one refused writing its result back) leaves the instance
 * free, an instance is set up once, nothing works before setup, and mmap
 * only maps what exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include <linux/asyncrt.h>

FIXTURE(dev) {
	int fd;
	struct asyncrt_params p;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(ASYNCRT_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", ASYNCRT_DEVICE, strerror(errno));
	memset(&self->p, 0, sizeof(self->p));
	self->p.sq_entries = 8;
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

static int setup(int fd, struct asyncrt_params *p)
{
	return ioctl(fd, ASYNCRT_IOC_SETUP, p) < 0 ? -errno : 0;
}

TEST_F(dev, setup_rounds_up_and_reports)
{
	self->p.sq_entries = 5;
	ASSERT_EQ(0, setup(self->fd, &self->p));
	EXPECT_EQ(8, self->p.sq_entries);
	EXPECT_EQ(16, self->p.cq_entries);
	EXPECT_LT(0, self->p.max_inflight);
	EXPECT_LT(0, self->p.rings_size);
	EXPECT_EQ(0, self->p.rings_size % getpagesize());
	EXPECT_LE(8 * sizeof(struct asyncrt_sqe), self->p.sqes_size);
	EXPECT_NE(self->p.sq_off.head, self->p.sq_off.tail);
	EXPECT_NE(self->p.cq_off.head, self->p.cq_off.tail);
	EXPECT_LE(self->p.cq_off.cqes + 16 * sizeof(struct asyncrt_cqe), self->p.rings_size);
}

TEST_F(dev, setup_twice_is_busy)
{
	ASSERT_EQ(0, setup(self->fd, &self->p));
	EXPECT_EQ(-EBUSY, setup(self->fd, &self->p));
}

TEST_F(dev, setup_rejects_bad_sizes)
{
	self->p.sq_entries = 0;
	EXPECT_EQ(-EINVAL, setup(self->fd, &self->p));
	self->p.sq_entries = ASYNCRT_MAX_SQ_ENTRIES + 1;
	EXPECT_EQ(-EINVAL, setup(self->fd, &self->p));
	self->p.sq_entries = 64;
	self->p.cq_entries = 32;	/* smaller than the SQ */
	EXPECT_EQ(-EINVAL, setup(self->fd, &self->p));
	self->p.cq_entries = ASYNCRT_MAX_CQ_ENTRIES + 1;
	EXPECT_EQ(-EINVAL, setup(self->fd, &self->p));
	self->p.cq_entries = 0;
	self->p.max_inflight = ~0U;	/* above the module's bound */
	EXPECT_EQ(-EINVAL, setup(self->fd, &self->p));
	/* A refused setup leaves the instance free to be set up. */
	self->p.max_inflight = 0;
	EXPECT_EQ(0, setup(self->fd, &self->p));
}

TEST_F(dev, setup_accepts_the_largest_cq)
{
	unsigned int *entries;
	void *rings;

	self->p.cq_entries = ASYNCRT_MAX_CQ_ENTRIES;
	ASSERT_EQ(0, setup(self->fd, &self->p));
	EXPECT_EQ(ASYNCRT_MAX_CQ_ENTRIES, self->p.cq_entries);
	EXPECT_LE(self->p.cq_off.cqes +
		  (uint64_t)ASYNCRT_MAX_CQ_ENTRIES * sizeof(struct asyncrt_cqe),
		  self->p.rings_size);
	rings = mmap(NULL, self->p.rings_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     self->fd, ASYNCRT_OFF_RINGS);
	ASSERT_NE(MAP_FAILED, rings);
	entries = (unsigned int *)((char *)rings + self->p.cq_off.ring_entries);
	EXPECT_EQ(ASYNCRT_MAX_CQ_ENTRIES, *entries);
	munmap(rings, self->p.rings_size);
}

TEST_F(dev, setup_rejects_flags_and_reserved)
{
	self->p.flags = 1;
	EXPECT_EQ(-EINVAL, setup(self->fd, &self->p));
	self->p.flags = 0;
	self->p.resv[2] = 1;
	EXPECT_EQ(-EINVAL, setup(self->fd, &self->p));
}

TEST_F(dev, setup_bad_pointer_is_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, ASYNCRT_IOC_SETUP, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

/* Map the rings set up with @p and run one NOP through them: its res. */
static int nop_round_trip(int fd, const struct asyncrt_params *p)
{
	struct asyncrt_enter e = {
		.to_submit = 1, .min_complete = 1,
		.flags = ASYNCRT_ENTER_GETEVENTS | ASYNCRT_ENTER_TIMEOUT,
		.timeout_ns = 10000000000ULL,
	};
	struct asyncrt_sqe *sqes;
	struct asyncrt_cqe *cqe;
	char *rings;
	int ret = -1;

	rings = mmap(NULL, p->rings_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     fd, ASYNCRT_OFF_RINGS);
	if (rings == MAP_FAILED)
		return -1;
	sqes = mmap(NULL, p->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, ASYNCRT_OFF_SQES);
	if (sqes == MAP_FAILED)
		goto out_rings;
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = ASYNCRT_OP_NOP;
	sqes[0].user_data = 42;
	((unsigned int *)(rings + p->sq_off.array))[0] = 0;
	__atomic_store_n((unsigned int *)(rings + p->sq_off.tail), 1, __ATOMIC_RELEASE);
	if (ioctl(fd, ASYNCRT_IOC_ENTER, &e) != 1)
		goto out_sqes;
	if (__atomic_load_n((unsigned int *)(rings + p->cq_off.tail), __ATOMIC_ACQUIRE) != 1)
		goto out_sqes;
	cqe = (struct asyncrt_cqe *)(rings + p->cq_off.cqes);
	if (cqe->user_data == 42)
		ret = cqe->res;
out_sqes:
	munmap(sqes, p->sqes_size);
out_rings:
	munmap(rings, p->rings_size);
	return ret;
}

/*
 * Parameters the kernel can read but not write back: the setup is
 * refused, and refused whole, so that a retry with a writable buffer sets
 * the instance up (it used to stay set up, and every retry got EBUSY).
 */
TEST_F(dev, setup_unwritable_params_is_efault_and_undone)
{
	long page = getpagesize();
	struct asyncrt_params *p;
	void *m;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	*p = self->p;
	ASSERT_EQ(0, mprotect(p, page, PROT_READ));
	EXPECT_EQ(-EFAULT, setup(self->fd, p));
	/* Not set up: nothing to map. */
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, ASYNCRT_OFF_RINGS);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(ENXIO, errno);
	ASSERT_EQ(0, mprotect(p, page, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, setup(self->fd, p));
	EXPECT_EQ(8, p->sq_entries);
	EXPECT_EQ(0, nop_round_trip(self->fd, p));
	munmap(p, page);
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(ASYNCRT_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, enter_before_setup_is_ebadfd)
{
	struct asyncrt_enter e = { .to_submit = 1 };

	EXPECT_EQ(-1, ioctl(self->fd, ASYNCRT_IOC_ENTER, &e));
	EXPECT_EQ(EBADFD, errno);
}

TEST_F(dev, mmap_before_setup_is_enxio)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, ASYNCRT_OFF_RINGS);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENXIO, errno);
}

TEST_F(dev, mmap_checks_offset_and_size)
{
	void *p;

	ASSERT_EQ(0, setup(self->fd, &self->p));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, 0x1000);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, self->p.rings_size + 4096, PROT_READ, MAP_SHARED,
		 self->fd, ASYNCRT_OFF_RINGS);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, self->p.sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, ASYNCRT_OFF_SQES);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, munmap(p, self->p.sqes_size));
}

TEST_F(dev, enter_rejects_unknown_flags)
{
	struct asyncrt_enter e = { .flags = 1U << 7 };

	ASSERT_EQ(0, setup(self->fd, &self->p));
	EXPECT_EQ(-1, ioctl(self->fd, ASYNCRT_IOC_ENTER, &e));
	EXPECT_EQ(EINVAL, errno);
	e.flags = 0;
	e.resv = 1;
	EXPECT_EQ(-1, ioctl(self->fd, ASYNCRT_IOC_ENTER, &e));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * ENTER's arguments are read in place, field by field: a pointer to
 * nothing, into the kernel, or to arguments whose last field lies past the
 * end of a mapping is -EFAULT, and the instance goes on working.
 */
TEST_F(dev, enter_bad_pointer_is_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct asyncrt_enter *e;
	char *map;

	ASSERT_EQ(0, setup(self->fd, &self->p));
	EXPECT_EQ(-1, ioctl(self->fd, ASYNCRT_IOC_ENTER, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, ASYNCRT_IOC_ENTER, (void *)-4096L));
	EXPECT_EQ(EFAULT, errno);

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + page, page));
	/* to_submit .. resv in the mapping, timeout_ns past its end. */
	e = (struct asyncrt_enter *)(map + page - offsetof(struct asyncrt_enter, timeout_ns));
	memset(e, 0, offsetof(struct asyncrt_enter, timeout_ns));
	EXPECT_EQ(-1, ioctl(self->fd, ASYNCRT_IOC_ENTER, e));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, munmap(map, page));

	EXPECT_EQ(0, nop_round_trip(self->fd, &self->p));
}

TEST_F(dev, poll_idle_instance_not_readable)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };

	ASSERT_EQ(0, setup(self->fd, &self->p));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
}

TEST_HARNESS_MAIN
