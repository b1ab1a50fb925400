/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One /dev/asyncrt instance: the shared rings, the private copies of their
 * geometry, and the accounting that keeps the CQ from overflowing.
 */
#ifndef _ASYNCRT_RING_RING_H
#define _ASYNCRT_RING_RING_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/llist.h>
#include <linux/wait.h>
#include <linux/mm_types.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/hrtimer.h>
#include <linux/timerqueue.h>
#include <uapi/linux/asyncrt.h>

struct art_runtime;
struct art_sqe;

#define ART_SQE_LINKS	(ASYNCRT_SQE_LINK | ASYNCRT_SQE_HARDLINK)

/*
 * The rings region as the kernel lays it out today. Userspace finds every
 * field through struct asyncrt_params, so this layout may change freely.
 * Indices userspace writes sit on their own cache line.
 */
struct art_rings {
	u32 sq_head;		/* kernel writes */
	u32 sq_mask;
	u32 sq_entries;
	u32 sq_dropped;
	u32 cq_tail;		/* kernel writes */
	u32 cq_mask;
	u32 cq_entries;
	u32 cq_held;
	u32 sq_tail ____cacheline_aligned_in_smp;	/* userspace writes */
	u32 cq_head ____cacheline_aligned_in_smp;	/* userspace writes */
	/* u32 sq_array[sq_entries], then struct asyncrt_cqe cqes[cq_entries] */
} ____cacheline_aligned_in_smp;

/* A region of pages, shared with userspace, mapped contiguously for us. */
struct art_region {
	struct page **pages;
	unsigned int nr_pages;
	void *vaddr;
};

/* One per clock: the SLEEPs pending on it, and one hrtimer (timer.c). */
struct art_tq {
	spinlock_t lock;		/* irq-safe: the hrtimer callback takes it */
	struct art_ring *ring;		/* whose CQ the callback posts to */
	struct timerqueue_head q;
	struct hrtimer timer;
};

#define ART_RING_CLOCKS	3		/* ASYNCRT_CLOCK_* */

enum { ART_WQ_WAKE, ART_WQ_WAIT, ART_WQ_CACHED };

#define ART_BARE_BATCH	8

struct art_ring {
	/* Serialises setup and submission; never taken in atomic context. */
	struct mutex submit_lock;
	bool ready;

	struct art_region rings_mem;
	struct art_region sqes_mem;
	struct art_rings *rings;
	u32 *sq_array;
	struct asyncrt_sqe *sqes;
	struct asyncrt_cqe *cqes;

	/* Geometry: private copies, never read back from shared memory. */
	u32 sq_entries;
	u32 cq_entries;
	u32 max_inflight;
	u32 sq_head;		/* under submit_lock */
	u32 dropped;		/* under submit_lock */

	/*
	 * Completion side, under cq_lock (irq-safe: completions are posted
	 * from any context). cq_claimed counts the CQEs written plus the CQ
	 * slots promised to accepted entries that have not completed yet
	 * (cq_claimed - cq_tail of them); a terminal completion turns a
	 * promise into a CQE and leaves it unchanged. Only the submitter's
	 * reservation and a multishot completion raise it, by compare-and-
	 * exchange, so the submitter reserves without cq_lock.
	 */
	spinlock_t cq_lock;
	u32 cq_tail;		/* entries written */
	u32 cq_published;	/* of which userspace can see: read locklessly */
	atomic_t cq_claimed;
	atomic_t early;		/* ops posted early whose task has not dropped */
	u32 cq_held;		/* multishot completions held back, ever */
	struct list_head held;	/* ops waiting for CQ room to post */
	struct list_head early_list;	/* posted early, not reaped yet */
	atomic_t early_freed;	/* of those, freed since */
	wait_queue_head_t cq_wait;	/* ENTER waiters and poll() */
	/*
	 * The first ENTER to wait sleeps here instead of on cq_wait, the
	 * common case woken without cq_wait's lock. Read under RCU: a
	 * task_struct is freed only after a grace period.
	 */
	struct task_struct *waiter;

	/* The runtime every entry of this instance runs on. */
	struct art_runtime *rt;

	/*
	 * The queues the last WAKE alone woke and the last bare WAIT waited
	 * on, referenced (art_waitq_cached(), waitq.c); under submit_lock.
	 */
	struct file *wq_cache[ART_WQ_CACHED];

	/*
	 * Bare WAITs (op.h) posted early are freed ART_BARE_BATCH at a time
	 * (art_ring_reap()), and up to as many freed ones are kept for the
	 * next: no slab round trip, and one lock round trip per batch.
	 */
	struct list_head early_bare;	/* under cq_lock */
	unsigned int nr_early_bare;	/* under cq_lock, read locklessly */
	struct llist_head bare_free;	/* taken under submit_lock */
	atomic_t nr_bare_free;

	/* In-flight ops by user_data, for O(1) cancel: cq_entries buckets. */
	spinlock_t ops_lock;
	struct hlist_head *ops;
	unsigned int ops_bits;

	struct art_tq tq[ART_RING_CLOCKS];

	/* Private copies of a chain being submitted, under submit_lock. */
	struct art_sqe *chain;

	/* Names the instance in tracepoints and fdinfo, never an address. */
	unsigned long id;
};

/* Has setup published the rings? Lockless readers call this first. */
static inline bool art_ring_ready(struct art_ring *ring)
{
	/* Pairs with the release store of ready at the end of setup. */
	return smp_load_acquire(&ring->ready);
}

/* Module-wide counters (stats.c), shown in debugfs. */
struct art_ring_stats {
	atomic64_t open;
	atomic64_t opened;
	atomic64_t cancels;
	atomic64_t dropped;
	atomic64_t held;
};

extern struct art_ring_stats art_ring_stats;
/* Counted on every entry and completion: per CPU, summed when read. */
DECLARE_PER_CPU(u64, art_ring_submitted);
DECLARE_PER_CPU(u64, art_ring_completed);
/* SLEEP, WAIT posted by the event: per CPU, as both ends of a wake count. */
DECLARE_PER_CPU(u64, art_ring_early);
/*
 * Multishot POLL completions posted by the socket's wake itself: per CPU,
 * as that wake runs in the sender's context, once per message.
 */
DECLARE_PER_CPU(u64, art_ring_poll_direct);

struct seq_file;

/* stats.c */
void art_stats_init(void);
void art_stats_exit(void);
void art_ring_show_fdinfo(struct art_ring *ring, struct seq_file *m);

/* ring.c */
struct art_ring *art_ring_alloc(void);
void art_ring_free(struct art_ring *ring);
int art_ring_setup(struct art_ring *ring, struct asyncrt_params *p,
		   struct asyncrt_params __user *out);
int art_ring_enter(struct art_ring *ring, const struct asyncrt_enter *e);
int art_ring_mmap(struct art_ring *ring, struct vm_area_struct *vma);
__poll_t art_ring_poll_mask(struct art_ring *ring);
void art_ring_post(struct art_ring *ring, u64 user_data, s32 res, u32 flags);
struct art_op;
void art_ring_post_early_locked(struct art_ring *ring, struct art_op *op);

/*
 * Threads a waker wakes once it has dropped its lock: as futex's wake_q
 * does, so that they do not wake up only to spin on that lock (a woken
 * ping-pong side queues its next WAIT on the queue whose lock its waker
 * held). Each holds a task reference.
 */
#define ART_WAKEUPS	8

struct art_wakeups {
	unsigned int n;
	struct task_struct *task[ART_WAKEUPS];	/* [0, n) */
};

void art_ring_post_early(struct art_ring *ring, struct art_op *op, u32 flags,
			 struct art_wakeups *w);
void art_wakeups_flush(struct art_wakeups *w);
void art_ring_wake_waiters(struct art_ring *ring);
void art_ring_early_done(struct art_ring *ring, struct art_op *op);
void art_ring_early_freed(struct art_ring *ring, unsigned int n);
struct art_held;
bool art_ring_post_more(struct art_ring *ring, u64 user_data, s32 res,
			struct art_held *held);
void art_ring_unpark(struct art_ring *ring, struct art_held *held);

#endif /* _ASYNCRT_RING_RING_H */
