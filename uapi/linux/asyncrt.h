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

/*
 * Opcodes: the futures userspace can submit. res is the completion's result;
 * every opcode can also complete with -ECANCELED (CANCEL, close), -ETIME
 * (ASYNCRT_SQE_TIMEOUT) or -EINVAL (a malformed entry).
 *
 * NOP       res 0 at once.
 * SLEEP     res 0 when ns (a duration, or with ASYNCRT_TIMER_ABS a deadline)
 *           passes on clock.
 * INTERVAL  multishot: one ASYNCRT_CQE_F_MORE completion per tick every ns,
 *           res the tick number (1, 2, ...); after count ticks (0: until
 *           cancelled) a terminal completion with res the ticks delivered.
 *           Missed ticks follow the ASYNCRT_TICK_* policy in op_flags.
 * WAIT      wait on the wait queue fd (see ASYNCRT_IOC_WQ_CREATE): res 0 when
 *           woken or when a stored permit is taken. With ASYNCRT_WAIT_CMP,
 *           the __u32 at addr is read under the queue's lock and the entry
 *           completes at once with -EAGAIN unless it equals value, so a wake
 *           that follows a change of that word cannot be lost.
 * WAKE      wake up to count waiters of fd (0: all); res the number woken.
 * NOTIFY    wake one waiter of fd, or store a permit (at most one) for the
 *           next WAIT if none waits; res 1 if a waiter was woken, else 0.
 * POLL      res the ready mask (POLLIN, ...) when fd has one of events.
 *           With ASYNCRT_POLL_MULTI, a F_MORE completion per readiness
 *           edge until cancelled.
 * CANCEL    cancel the in-flight entries whose user_data is target, or with
 *           ASYNCRT_CANCEL_ALL every in-flight entry of the instance; res the
 *           number cancelled, -ENOENT if none. Each cancelled entry
 *           completes exactly once: with its real result if it finished
 *           first, otherwise with -ECANCELED.
 * SEND      send len bytes at addr on the socket fd; RECV receive up to len
 *           bytes into addr. Both run at submission and never block
 *           (MSG_DONTWAIT | MSG_NOSIGNAL): res the bytes moved (RECV: 0 at
 *           end of stream), or -EAGAIN when the socket is not ready,
 *           -ENOTSOCK, -EPIPE (no SIGPIPE), -EFAULT, ... At most
 *           MAX_RW_COUNT (INT_MAX rounded down to a page) bytes per entry.
 *           They touch the submitter's memory, so they may start a chain
 *           but not follow a linked entry (-EINVAL).
 */
enum {
	ASYNCRT_OP_NOP,
	ASYNCRT_OP_SLEEP,
	ASYNCRT_OP_INTERVAL,
	ASYNCRT_OP_WAIT,
	ASYNCRT_OP_WAKE,
	ASYNCRT_OP_NOTIFY,
	ASYNCRT_OP_POLL,
	ASYNCRT_OP_CANCEL,
	ASYNCRT_OP_SEND,
	ASYNCRT_OP_RECV,

	ASYNCRT_OP_LAST,	/* not an opcode: the number of opcodes */
};

/*
 * sqe->flags. A linked successor starts after this entry ends (LINK: only
 * if it succeeded, else it completes with -ECANCELED) and completes after
 * it. A chain is accepted whole and ends at the last entry one ENTER
 * consumes.
 */
#define ASYNCRT_SQE_LINK	(1U << 0) /* next entry runs if this succeeds */
#define ASYNCRT_SQE_HARDLINK	(1U << 1) /* next entry runs however this ends */
#define ASYNCRT_SQE_TIMEOUT	(1U << 2) /* -ETIME unless done in timeout_ns */
/*
 * Post no completion if the entry succeeds (res >= 0); an error is still
 * posted. Only for the opcodes that run at submission (NOP, WAKE, NOTIFY,
 * CANCEL, SEND, RECV) and not in a chain: elsewhere the entry fails with
 * -EINVAL. Its reserved CQ slot is given back at once.
 */
#define ASYNCRT_SQE_SKIP_SUCCESS (1U << 3)

/* sqe->clock for SLEEP, INTERVAL and per-entry timeouts. */
enum {
	ASYNCRT_CLOCK_MONOTONIC,
	ASYNCRT_CLOCK_BOOTTIME,
	ASYNCRT_CLOCK_REALTIME,
};

/* sqe->op_flags for SLEEP and INTERVAL */
#define ASYNCRT_TIMER_ABS	(1U << 0) /* ns is an absolute deadline */
/*
 * sqe->op_flags for INTERVAL: the missed-tick policy. BURST, the default,
 * delivers every missed tick back to back so a program counting ticks stays
 * exact; DELAY restarts the schedule one period after the late tick; SKIP
 * drops missed ticks and keeps the original phase.
 */
#define ASYNCRT_TICK_BURST	(0U << 1)
#define ASYNCRT_TICK_DELAY	(1U << 1)
#define ASYNCRT_TICK_SKIP	(2U << 1)
#define ASYNCRT_TICK_MASK	(3U << 1)
/* sqe->op_flags for WAIT */
#define ASYNCRT_WAIT_CMP	(1U << 0) /* wait only while *addr == value */
/* sqe->op_flags for POLL */
#define ASYNCRT_POLL_MULTI	(1U << 0) /* a completion per readiness edge */
/* sqe->op_flags for CANCEL */
#define ASYNCRT_CANCEL_ALL	(1U << 0) /* every in-flight entry */

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
	__s32	fd;		/* POLL, SEND, RECV: the fd; WAIT/WAKE/NOTIFY: the queue */
	union {
		__u64	ns;		/* SLEEP, INTERVAL: duration or deadline */
		__u64	addr;		/* WAIT: a __u32; SEND, RECV: the buffer */
		__u64	target;		/* CANCEL: user_data to cancel */
	};
	union {
		__u64	count;		/* INTERVAL: ticks (0: forever); WAKE: n */
		__u64	value;		/* WAIT: sleep only while *addr == value */
		__u64	events;		/* POLL: POLLIN | POLLOUT | ... */
		__u64	len;		/* SEND, RECV: bytes */
	};
	__u32	op_flags;	/* per-opcode flags */
	__u32	resv1;
	__u64	user_data;	/* returned untouched in the completion */
	__u64	timeout_ns;	/* with ASYNCRT_SQE_TIMEOUT */
	__u64	resv2[2];
};

/* cqe->flags */
#define ASYNCRT_CQE_F_MORE	(1U << 0) /* more completions will follow */
#define ASYNCRT_CQE_F_NOTIFY	(1U << 1) /* a WAIT's 0: NOTIFY's wake-up or permit */

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
#define ASYNCRT_FEAT_SLEEP	(1U << 3)
#define ASYNCRT_FEAT_INTERVAL	(1U << 4)
#define ASYNCRT_FEAT_WAITQ	(1U << 5) /* WAIT, WAKE, NOTIFY, WQ_CREATE */
#define ASYNCRT_FEAT_POLL	(1U << 6)
#define ASYNCRT_FEAT_CANCEL	(1U << 7)
#define ASYNCRT_FEAT_SOCK	(1U << 8) /* SEND, RECV */
#define ASYNCRT_FEAT_SKIP_SUCCESS (1U << 9) /* ASYNCRT_SQE_SKIP_SUCCESS */
#define ASYNCRT_FEAT_CQE_NOTIFY	(1U << 10) /* ASYNCRT_CQE_F_NOTIFY */
#define ASYNCRT_FEAT_WQ_IOCTL	(1U << 11) /* ASYNCRT_IOC_WQ_WAKE, _NOTIFY */

/* Limits: requested sizes are rounded up to a power of two. */
#define ASYNCRT_MAX_SQ_ENTRIES	4096
#define ASYNCRT_MAX_CQ_ENTRIES	(1U << 22)

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
/*
 * Create a wait queue for WAIT, WAKE and NOTIFY; returns a new fd (the
 * argument is O_CLOEXEC or 0). Holding the fd is the permission to use the
 * queue: share it with threads, with children across fork(), or with other
 * processes by passing it over a unix socket (SCM_RIGHTS).
 */
#define ASYNCRT_IOC_WQ_CREATE	_IO(ASYNCRT_IOC_MAGIC, 0x02)
/*
 * On a wait queue's fd, not the instance's: WAKE and NOTIFY done at once,
 * without a ring. WQ_WAKE wakes up to the argument's count of waiters (0:
 * all) and returns the number woken; WQ_NOTIFY (argument 0) wakes one or
 * stores the permit and returns 1 if it woke one, else 0. The completions
 * they cause are posted as the opcodes' are. The fastest wake-up of a
 * waiter in another thread's ring: nothing is read from a ring first.
 */
#define ASYNCRT_IOC_WQ_WAKE	_IO(ASYNCRT_IOC_MAGIC, 0x03)
#define ASYNCRT_IOC_WQ_NOTIFY	_IO(ASYNCRT_IOC_MAGIC, 0x04)

#endif /* _UAPI_LINUX_ASYNCRT_H */
