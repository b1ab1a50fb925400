/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * asyncrt: the interface between /dev/asyncrt and userspace.
 *
 * A process opens /dev/asyncrt, sets the instance up with ASYNCRT_IOC_SETUP,
 * and maps two regions: the rings (indices, the SQ index array and the CQ
 * entries) at ASYNCRT_OFF_RINGS and the submission entries at
 * ASYNCRT_OFF_SQES. Where each ring field lives is published in
 * struct asyncrt_params, never assumed.
 *
 * Submission: userspace fills sqes[i], stores i at sq_array[tail & mask] and
 * publishes tail with a release store; ASYNCRT_IOC_ENTER then consumes
 * entries from head. Completion: the kernel writes cqes[tail & mask] and
 * publishes tail with a release store; userspace reads from head and
 * publishes head with a release store when it has seen the entries.
 *
 * Every accepted entry produces exactly one terminal completion. A multishot
 * entry (INTERVAL, multishot POLL) also produces intermediate completions
 * marked ASYNCRT_CQE_F_MORE. Room in the CQ for an entry's completions is
 * reserved when the entry is accepted, so the CQ never overflows: when no
 * room is left, ENTER consumes fewer entries and leaves the rest in the SQ.
 */
#ifndef _UAPI_LINUX_ASYNCRT_H
#define _UAPI_LINUX_ASYNCRT_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define ASYNCRT_DEVICE		"/dev/asyncrt"

/* Opcodes: the futures userspace can submit. */
enum {
	ASYNCRT_OP_NOP,		/* complete at once with res 0 */
	ASYNCRT_OP_SLEEP,	/* complete when a deadline passes */
	ASYNCRT_OP_INTERVAL,	/* multishot: one completion per tick */
	ASYNCRT_OP_WAIT,	/* wait on a wait queue */
	ASYNCRT_OP_WAKE,	/* wake waiters of a wait queue */
	ASYNCRT_OP_NOTIFY,	/* wake one waiter or store a permit */
	ASYNCRT_OP_POLL,	/* fd readiness */
	ASYNCRT_OP_CANCEL,	/* cancel an in-flight entry */

	ASYNCRT_OP_LAST,	/* not an opcode: the number of opcodes */
};

/* sqe->flags */
#define ASYNCRT_SQE_LINK	(1U << 0) /* next entry runs if this succeeds */
#define ASYNCRT_SQE_HARDLINK	(1U << 1) /* next entry runs however this ends */
#define ASYNCRT_SQE_TIMEOUT	(1U << 2) /* -ETIME unless done in timeout_ns */

/* sqe->clock for SLEEP, INTERVAL and per-entry timeouts. */
enum {
	ASYNCRT_CLOCK_MONOTONIC,
	ASYNCRT_CLOCK_BOOTTIME,
	ASYNCRT_CLOCK_REALTIME,
};

/* sqe->op_flags for SLEEP and INTERVAL */
#define ASYNCRT_TIMER_ABS	(1U << 0) /* ns is an absolute deadline */
/* sqe->op_flags for INTERVAL: the missed-tick policy, default BURST */
#define ASYNCRT_TICK_BURST	(0U << 1) /* fire missed ticks back to back */
#define ASYNCRT_TICK_DELAY	(1U << 1) /* next tick one period from now */
#define ASYNCRT_TICK_SKIP	(2U << 1) /* skip to the next multiple */
#define ASYNCRT_TICK_MASK	(3U << 1)

/*
 * A submission queue entry: 64 bytes. Every field is read exactly once by
 * the kernel; unknown flags and non-zero reserved fields fail the entry
 * with -EINVAL.
 */
struct asyncrt_sqe {
	__u8	opcode;		/* ASYNCRT_OP_* */
	__u8	flags;		/* ASYNCRT_SQE_* */
	__u8	clock;		/* ASYNCRT_CLOCK_* */
	__u8	resv0;
	__s32	fd;		/* POLL: the fd; WAIT/WAKE/NOTIFY: the queue */
	union {
		__u64	ns;		/* SLEEP, INTERVAL: duration or deadline */
		__u64	addr;		/* WAIT: user address of a __u32 */
		__u64	target;		/* CANCEL: user_data to cancel */
	};
	union {
		__u64	count;		/* INTERVAL: ticks (0: forever); WAKE: n */
		__u64	value;		/* WAIT: sleep only while *addr == value */
		__u64	events;		/* POLL: POLLIN | POLLOUT | ... */
	};
	__u32	op_flags;	/* per-opcode flags */
	__u32	resv1;
	__u64	user_data;	/* returned untouched in the completion */
	__u64	timeout_ns;	/* with ASYNCRT_SQE_TIMEOUT */
	__u64	resv2[2];
};

/* cqe->flags */
#define ASYNCRT_CQE_F_MORE	(1U << 0) /* more completions will follow */

/* A completion queue entry: 16 bytes. */
struct asyncrt_cqe {
	__u64	user_data;
	__s32	res;		/* result, or a negative errno */
	__u32	flags;		/* ASYNCRT_CQE_F_* */
};

/* Where each SQ field lives, as byte offsets into the rings region. */
struct asyncrt_sq_offsets {
	__u32	head;		/* __u32, written by the kernel */
	__u32	tail;		/* __u32, written by userspace */
	__u32	ring_mask;
	__u32	ring_entries;
	__u32	dropped;	/* entries with an out-of-range sq_array index */
	__u32	array;		/* __u32 sq_array[ring_entries] */
	__u32	resv[2];
};

/* Where each CQ field lives, as byte offsets into the rings region. */
struct asyncrt_cq_offsets {
	__u32	head;		/* __u32, written by userspace */
	__u32	tail;		/* __u32, written by the kernel */
	__u32	ring_mask;
	__u32	ring_entries;
	__u32	held;		/* multishot completions held back for room */
	__u32	cqes;		/* struct asyncrt_cqe cqes[ring_entries] */
	__u32	resv[2];
};

/* features, returned by setup */
#define ASYNCRT_FEAT_LINK	(1U << 0)
#define ASYNCRT_FEAT_TIMEOUT	(1U << 1)
#define ASYNCRT_FEAT_CLOCKS	(1U << 2)

/* Limits: requested sizes are rounded up to a power of two. */
#define ASYNCRT_MAX_SQ_ENTRIES	4096
#define ASYNCRT_MAX_CQ_ENTRIES	(2 * 65536)

/* ASYNCRT_IOC_SETUP argument */
struct asyncrt_params {
	__u32	sq_entries;	/* in: wanted; out: granted */
	__u32	cq_entries;	/* in: wanted, 0 for 2 * sq_entries; out */
	__u32	flags;		/* in: none defined yet, must be 0 */
	__u32	max_inflight;	/* in: 0 for the module default; out */
	__u32	features;	/* out: ASYNCRT_FEAT_* */
	__u32	resv[3];
	__u64	rings_size;	/* out: bytes to map at ASYNCRT_OFF_RINGS */
	__u64	sqes_size;	/* out: bytes to map at ASYNCRT_OFF_SQES */
	struct asyncrt_sq_offsets sq_off;
	struct asyncrt_cq_offsets cq_off;
};

/* enter->flags */
#define ASYNCRT_ENTER_GETEVENTS	(1U << 0) /* wait for min_complete CQEs */
#define ASYNCRT_ENTER_TIMEOUT	(1U << 1) /* bound that wait by timeout_ns */

/* ASYNCRT_IOC_ENTER argument; the ioctl returns the entries consumed. */
struct asyncrt_enter {
	__u32	to_submit;
	__u32	min_complete;
	__u32	flags;		/* ASYNCRT_ENTER_* */
	__u32	resv;
	__u64	timeout_ns;	/* relative, CLOCK_MONOTONIC */
};

/* mmap offsets */
#define ASYNCRT_OFF_RINGS	0ULL
#define ASYNCRT_OFF_SQES	0x10000000ULL

#define ASYNCRT_IOC_MAGIC	0xA7
#define ASYNCRT_IOC_SETUP	_IOWR(ASYNCRT_IOC_MAGIC, 0x00, struct asyncrt_params)
#define ASYNCRT_IOC_ENTER	_IOW(ASYNCRT_IOC_MAGIC, 0x01, struct asyncrt_enter)

#endif /* _UAPI_LINUX_ASYNCRT_H */
