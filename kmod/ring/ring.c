// SPDX-License-Identifier: GPL-2.0
/*
 * The shared rings of one /dev/asyncrt instance.
 *
 * Submission (ENTER, under submit_lock, process context):
 *   tail = acquire(rings->sq_tail)   pairs with userspace's release of tail
 *   for each entry between our private head and tail:
 *     idx  = READ_ONCE(sq_array[head & mask]); out of range: count, drop
 *     copy = every SQE field READ_ONCE, exactly once (with the entries
 *            linked after it: a chain is copied whole)
 *     reserve CQ slots for all of it, or stop and leave it in the SQ
 *     prep(copy), issue(copy); a prep error becomes its completion
 *   release(rings->sq_head)          pairs with userspace's acquire of head
 *
 * Completion (art_ring_post, any context, under cq_lock):
 *   write cqes[tail & mask], release(rings->cq_tail)
 *                                    pairs with userspace's acquire of tail
 *
 * The CQ cannot overflow: an entry is accepted only when the unreaped CQEs
 * plus the slots already promised leave room for its terminal completion.
 * Userspace controls cq_head; a hostile value only ever makes the ring look
 * fuller than it is, which costs the liar and nobody else.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <linux/overflow.h>
#include <linux/log2.h>
#include <linux/asyncrt.h>

#include "../core/core.h"
#include "ring.h"
#include "opdef.h"
#include "op.h"
#include "trace.h"

/* The per-instance in-flight ceiling; setup may ask for less. */
static unsigned int max_inflight = 65536;
module_param(max_inflight, uint, 0644);
MODULE_PARM_DESC(max_inflight, "Upper bound on in-flight entries per instance (default 65536)");

static void art_region_free(struct art_region *r)
{
	unsigned int i;

	if (r->vaddr)
		vunmap(r->vaddr);
	for (i = 0; i < r->nr_pages; i++)
		put_page(r->pages[i]);
	kvfree(r->pages);
	memset(r, 0, sizeof(*r));
}

/*
 * Single pages mapped contiguously with vmap(): no high-order allocation,
 * and every page is charged to the caller's memory cgroup.
 */
static int art_region_alloc(struct art_region *r, size_t size)
{
	unsigned int n = PAGE_ALIGN(size) >> PAGE_SHIFT;

	r->pages = kvcalloc(n, sizeof(*r->pages), GFP_KERNEL_ACCOUNT);
	if (!r->pages)
		return -ENOMEM;
	for (r->nr_pages = 0; r->nr_pages < n; r->nr_pages++) {
		r->pages[r->nr_pages] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!r->pages[r->nr_pages])
			goto err;
	}
	r->vaddr = vmap(r->pages, n, VM_MAP, PAGE_KERNEL);
	if (!r->vaddr)
		goto err;
	return 0;
err:
	art_region_free(r);
	return -ENOMEM;
}

struct art_ring *art_ring_alloc(void)
{
	struct art_ring *ring;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL_ACCOUNT);
	if (!ring)
		return NULL;
	ring->id = atomic64_inc_return(&art_ring_stats.opened);
	atomic64_inc(&art_ring_stats.open);
	mutex_init(&ring->submit_lock);
	spin_lock_init(&ring->cq_lock);
	spin_lock_init(&ring->ops_lock);
	INIT_LIST_HEAD(&ring->held);
	INIT_LIST_HEAD(&ring->early_list);
	INIT_LIST_HEAD(&ring->early_bare);
	init_waitqueue_head(&ring->cq_wait);
	art_tq_init(ring);
	return ring;
}

/*
 * The last reference is gone: nobody can submit. Destroying the runtime
 * aborts every in-flight op and waits for them; each posts its -ECANCELED
 * into the rings, which are freed only after that.
 */
void art_ring_free(struct art_ring *ring)
{
	struct art_wait_op *wo, *tmp;
	int i;

	/* The bare WAITs have no task for the destruction to abort. */
	art_ring_release_bare(ring);
	if (ring->rt)
		art_rt_destroy(ring->rt);
	art_tq_exit(ring);
	for (i = 0; i < ART_WQ_CACHED; i++)
		if (ring->wq_cache[i])
			fput(ring->wq_cache[i]);
	llist_for_each_entry_safe(wo, tmp, llist_del_all(&ring->bare_free), free)
		kfree(wo);
	kvfree(ring->chain);
	kvfree(ring->ops);
	art_region_free(&ring->sqes_mem);
	art_region_free(&ring->rings_mem);
	mutex_destroy(&ring->submit_lock);
	atomic64_dec(&art_ring_stats.open);
	kfree(ring);
}

/*
 * Each instance runs its entries on a runtime of its own, so instances
 * never compete for a run queue and closing one destroys only its tasks.
 */
static const struct art_rt_config art_ring_rt_config = {
	.name	= "ring",
	.flags	= ART_RT_CURRENT_THREAD,
};

static size_t art_rings_layout(u32 sq_entries, u32 cq_entries, size_t *cqes_off)
{
	size_t off = sizeof(struct art_rings) + sq_entries * sizeof(u32);

	*cqes_off = ALIGN(off, SMP_CACHE_BYTES);
	return *cqes_off + cq_entries * sizeof(struct asyncrt_cqe);
}

/*
 * Set the instance up as @p asks and write the result back to @out. A
 * setup refused for any reason, a result that cannot be written back
 * included, leaves the instance as it found it: free to be set up again.
 */
int art_ring_setup(struct art_ring *ring, struct asyncrt_params *p,
		   struct asyncrt_params __user *out)
{
	u32 sq_entries, cq_entries, inflight;
	size_t cqes_off, rings_size;
	int ret;

	if (p->flags || memchr_inv(p->resv, 0, sizeof(p->resv)))
		return -EINVAL;
	if (!p->sq_entries || p->sq_entries > ASYNCRT_MAX_SQ_ENTRIES)
		return -EINVAL;
	sq_entries = roundup_pow_of_two(p->sq_entries);
	if (p->cq_entries) {
		if (p->cq_entries > ASYNCRT_MAX_CQ_ENTRIES)
			return -EINVAL;
		cq_entries = roundup_pow_of_two(p->cq_entries);
		if (cq_entries < sq_entries)
			return -EINVAL;
	} else {
		cq_entries = 2 * sq_entries;
	}
	inflight = p->max_inflight ? p->max_inflight : max_inflight;
	if (inflight > max_inflight)
		return -EINVAL;

	mutex_lock(&ring->submit_lock);
	ret = -EBUSY;
	if (ring->ready)
		goto out;

	rings_size = art_rings_layout(sq_entries, cq_entries, &cqes_off);
	ret = art_region_alloc(&ring->rings_mem, rings_size);
	if (ret)
		goto out;
	ret = art_region_alloc(&ring->sqes_mem, sq_entries * sizeof(struct asyncrt_sqe));
	if (ret)
		goto err_sqes;
	/*
	 * In flight <= min(CQ size, max_inflight): one bucket per entry that
	 * can be in flight keeps CANCEL O(1) without sizing the hash for a
	 * CQ much larger than the in-flight bound. At least two buckets:
	 * hash_64() cannot make a 0-bit hash.
	 */
	ring->ops_bits = ilog2(roundup_pow_of_two(max(min(cq_entries, inflight), 2U)));
	ring->ops = kvcalloc(1U << ring->ops_bits, sizeof(*ring->ops),
			     GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!ring->ops)
		goto err_ops;
	/* A chain is at most the whole SQ: room to copy it before it starts. */
	ring->chain = kvcalloc(sq_entries, sizeof(*ring->chain), GFP_KERNEL_ACCOUNT);
	if (!ring->chain)
		goto err_chain;
	ring->rt = art_rt_create(&art_ring_rt_config);
	if (IS_ERR(ring->rt)) {
		ret = PTR_ERR(ring->rt);
		ring->rt = NULL;
		goto err_rt;
	}

	memset(&p->sq_off, 0, sizeof(p->sq_off));
	memset(&p->cq_off, 0, sizeof(p->cq_off));
	p->sq_entries = sq_entries;
	p->cq_entries = cq_entries;
	p->max_inflight = inflight;
	p->features = art_opdef_features();
	p->rings_size = ring->rings_mem.nr_pages << PAGE_SHIFT;
	p->sqes_size = ring->sqes_mem.nr_pages << PAGE_SHIFT;
	p->sq_off.head = offsetof(struct art_rings, sq_head);
	p->sq_off.tail = offsetof(struct art_rings, sq_tail);
	p->sq_off.ring_mask = offsetof(struct art_rings, sq_mask);
	p->sq_off.ring_entries = offsetof(struct art_rings, sq_entries);
	p->sq_off.dropped = offsetof(struct art_rings, sq_dropped);
	p->sq_off.array = sizeof(struct art_rings);
	p->cq_off.head = offsetof(struct art_rings, cq_head);
	p->cq_off.tail = offsetof(struct art_rings, cq_tail);
	p->cq_off.ring_mask = offsetof(struct art_rings, cq_mask);
	p->cq_off.ring_entries = offsetof(struct art_rings, cq_entries);
	p->cq_off.held = offsetof(struct art_rings, cq_held);
	p->cq_off.cqes = cqes_off;
	/* Before ready, so nothing can have mapped the rings if this fails. */
	ret = -EFAULT;
	if (copy_to_user(out, p, sizeof(*p)))
		goto err_copy;

	ring->rings = ring->rings_mem.vaddr;
	ring->sq_array = (u32 *)(ring->rings + 1);
	ring->cqes = ring->rings_mem.vaddr + cqes_off;
	ring->sqes = ring->sqes_mem.vaddr;
	ring->sq_entries = sq_entries;
	ring->cq_entries = cq_entries;
	ring->max_inflight = inflight;
	ring->rings->sq_mask = sq_entries - 1;
	ring->rings->sq_entries = sq_entries;
	ring->rings->cq_mask = cq_entries - 1;
	ring->rings->cq_entries = cq_entries;

	/* Publish only a fully built instance: pairs with art_ring_ready(). */
	smp_store_release(&ring->ready, true);
	ret = 0;
	goto out;

err_copy:
	art_rt_destroy(ring->rt);
	ring->rt = NULL;
err_rt:
	kvfree(ring->chain);
	ring->chain = NULL;
err_chain:
	kvfree(ring->ops);
	ring->ops = NULL;
err_ops:
	art_region_free(&ring->sqes_mem);
err_sqes:
	art_region_free(&ring->rings_mem);
out:
	mutex_unlock(&ring->submit_lock);
	return ret;
}

int art_ring_mmap(struct art_ring *ring, struct vm_area_struct *vma)
{
	struct art_region *r;
	unsigned long pages = vma_pages(vma);

	if (!art_ring_ready(ring))
		return -ENXIO;

	switch ((u64)vma->vm_pgoff << PAGE_SHIFT) {
	case ASYNCRT_OFF_RINGS:
		r = &ring->rings_mem;
		break;
	case ASYNCRT_OFF_SQES:
		r = &ring->sqes_mem;
		break;
	default:
		return -EINVAL;
	}
	if (pages > r->nr_pages)
		return -EINVAL;
	return vm_map_pages_zero(vma, r->pages, r->nr_pages);
}

/*
 * Make the CQEs written so far visible: userspace's tail first, then our
 * private copy of it, so that anyone who saw the copy (a waiter about to
 * return from ENTER) finds the entries when it looks at the shared tail.
 */
static void art_cq_publish(struct art_ring *ring)
	__must_hold(&ring->cq_lock)
{
	/* Pairs with the acquire load of cq_tail in userspace's peek. */
	smp_store_release(&ring->rings->cq_tail, ring->cq_tail);
	/* Pairs with the acquire in art_cq_unreaped(). */
	smp_store_release(&ring->cq_published, ring->cq_tail);
}

/* CQEs published and not yet reaped, as far as a (hostile) cq_head tells. */
static u32 art_cq_unreaped(struct art_ring *ring)
{
	/* Pairs with userspace's release store of cq_head after reading. */
	u32 head = smp_load_acquire(&ring->rings->cq_head);
	/* Pairs with the release in art_cq_publish(). */
	u32 tail = smp_load_acquire(&ring->cq_published);

	return min(tail - head, ring->cq_entries);
}

/*
 * CQ slots in use if @claimed is current: unreaped CQEs (as far as a hostile
 * cq_head tells) plus promised ones. Outside cq_lock the caller must check
 * that cq_claimed did not move while it looked (a multishot completion may
 * have claimed and published a slot in between).
 */
static u32 art_cq_used(struct art_ring *ring, u32 claimed)
{
	/* Pairs with userspace's release store of cq_head after reading. */
	u32 head = smp_load_acquire(&ring->rings->cq_head);
	/* Pairs with the release in art_cq_publish(). */
	u32 tail = smp_load_acquire(&ring->cq_published);

	return min(tail - head, ring->cq_entries) + (claimed - tail);
}

/* Of @n slots wanted, how many the CQ and the in-flight bound allow. */
static u32 art_cq_room(struct art_ring *ring, u32 claimed, u32 n)
{
	u32 used = art_cq_used(ring, claimed);
	/*
	 * Ops posted early still hold their task until it drops them. Read
	 * after cq_published (pairs with the release in art_cq_publish()):
	 * an op moving from promised to early is then seen in both, not in
	 * neither.
	 */
	u32 promised = claimed - smp_load_acquire(&ring->cq_published);
	u32 room;

	promised += atomic_read(&ring->early);

	if (used >= ring->cq_entries || promised >= ring->max_inflight)
		return 0;
	room = min(ring->cq_entries - used, ring->max_inflight - promised);
	return min(n, room);
}

/*
 * Promise CQ slots to up to @n entries about to be accepted, with one
 * compare-and-exchange per ENTER; the final art_cq_batch_flush() gives back
 * the rest. Only the submitter (under submit_lock) lowers cq_claimed, so a
 * value seen twice did not move in between.
 */
static u32 art_cq_reserve(struct art_ring *ring, u32 n)
	__must_hold(&ring->submit_lock)
{
	u32 claimed = atomic_read_acquire(&ring->cq_claimed), got;

	for (;;) {
		got = art_cq_room(ring, claimed, n);
		if (got) {
			if (atomic_try_cmpxchg(&ring->cq_claimed, &claimed, claimed + got))
				return got;
		} else {
			u32 again = atomic_read_acquire(&ring->cq_claimed);

			if (again == claimed)
				return 0;
			claimed = again;
		}
	}
}

/*
 * Completions the submission path produces itself (run-at-once opcodes,
 * malformed entries) are posted together: one lock round trip, one release
 * of cq_tail and one wake-up per batch instead of per entry.
 */
#define ART_CQ_BATCH	16

struct art_cq_batch {
	unsigned int n;
	u32 skipped;		/* succeeded with ASYNCRT_SQE_SKIP_SUCCESS */
	bool posted;
	bool *guest;		/* the waiter's, until it is the guest; or NULL */
	struct asyncrt_cqe cqe[ART_CQ_BATCH];
};

/* Post the batch (one lock round trip) and give back @unused promised slots. */
static void art_cq_batch_flush(struct art_ring *ring, struct art_cq_batch *b,
			       u32 unused)
{
	struct asyncrt_cqe *cqes;
	unsigned int i;
	u32 tail, mask;

	if (unused)
		atomic_sub(unused, &ring->cq_claimed);
	if (!b->n)
		return;
	spin_lock_irq(&ring->cq_lock);
	/* Locals: the stores to shared memory could alias ring's fields. */
	tail = ring->cq_tail;
	mask = ring->cq_entries - 1;
	cqes = ring->cqes;
	for (i = 0; i < b->n; i++) {
		struct asyncrt_cqe *cqe = &cqes[tail++ & mask];

		WRITE_ONCE(cqe->user_data, b->cqe[i].user_data);
		WRITE_ONCE(cqe->res, b->cqe[i].res);
		WRITE_ONCE(cqe->flags, b->cqe[i].flags);
		trace_asyncrt_complete(ring->id, b->cqe[i].user_data, b->cqe[i].res,
				       b->cqe[i].flags);
	}
	ring->cq_tail = tail;
	this_cpu_add(art_ring_completed, b->n);
	art_cq_publish(ring);
	spin_unlock_irq(&ring->cq_lock);
	b->n = 0;
	b->posted = true;
}

static void art_cq_batch_add(struct art_ring *ring, struct art_cq_batch *b,
			     u64 user_data, long res, u32 flags)
{
	b->cqe[b->n].user_data = user_data;
	b->cqe[b->n].res = clamp_t(long, res, S32_MIN, S32_MAX);
	b->cqe[b->n].flags = flags;
	if (++b->n == ART_CQ_BATCH)
		art_cq_batch_flush(ring, b, 0);
}

/* Write one CQE at the tail; the caller publishes. */
static __always_inline void art_cq_write(struct art_ring *ring, u64 user_data, s32 res, u32 flags)
	__must_hold(&ring->cq_lock)
{
	struct asyncrt_cqe *cqe = &ring->cqes[ring->cq_tail & (ring->cq_entries - 1)];

	WRITE_ONCE(cqe->user_data, user_data);
	WRITE_ONCE(cqe->res, res);
	WRITE_ONCE(cqe->flags, flags);
	ring->cq_tail++;
	trace_asyncrt_complete(ring->id, user_data, res, flags);
}

/*
 * Wake ENTER waiters and poll(): completions were published. Any context.
 * With @w, the ENTER waiter is left in it, for the caller to wake once it
 * drops its lock (art_ring_post_early()).
 */
static __always_inline void __art_ring_wake_waiters(struct art_ring *ring,
						    struct art_wakeups *w)
{
	struct task_struct *task;

	/*
	 * Orders the publication before the reads of waiter and cq_wait;
	 * pairs with set_current_state()'s barrier in art_ring_wait() and
	 * the one in prepare_to_wait() and poll_wait().
	 */
	smp_mb();
	/*
	 * The waiter's task_struct is freed after a grace period, which
	 * waits for preemption-disabled readers too: no call on the way,
	 * and a reference taken here is taken on a live task.
	 */
	rcu_read_lock_sched();
	task = READ_ONCE(ring->waiter);
	if (!task || (w && w->n && w->task[w->n - 1] == task))
		;
	else if (w && w->n < ART_WAKEUPS)
		w->task[w->n++] = get_task_struct(task);
	else
		wake_up_process(task);
	rcu_read_unlock_sched();
	/*
	 * Lockless: a sleeper there is seen, thanks to the barrier above.
	 * EPOLL_URING_WAKE, which epoll passes on, tells a POLL of an epoll
	 * fd watching us that a ring's posting woke it: it must not post
	 * from under our lock, nor go on posting for every completion its
	 * own posting causes (poll.c). Woken now in any case: the ring may
	 * go once a caller with @w unlocks.
	 */
	if (waitqueue_active(&ring->cq_wait))
		__wake_up(&ring->cq_wait, TASK_NORMAL, 0,
			  poll_to_key(EPOLL_URING_WAKE | EPOLLIN | EPOLLRDNORM));
}

void art_ring_wake_waiters(struct art_ring *ring)
{
	__art_ring_wake_waiters(ring, NULL);
}

/*
 * Post a completion. A terminal completion (no ASYNCRT_CQE_F_MORE) uses the
 * slot its entry reserved when it was accepted, so there is always room.
 */
void art_ring_post(struct art_ring *ring, u64 user_data, s32 res, u32 flags)
{
	unsigned long irqflags;

	spin_lock_irqsave(&ring->cq_lock, irqflags);
	art_cq_write(ring, user_data, res, flags);
	this_cpu_inc(art_ring_completed);
	art_cq_publish(ring);
	spin_unlock_irqrestore(&ring->cq_lock, irqflags);

	art_ring_wake_waiters(ring);
}

/*
 * Post @op's terminal completion, res 0, from the context of the event that
 * ended it (op.h, "posted early"); the caller has claimed the op under the
 * opcode's lock and wakes the waiters after. The op keeps counting against
 * max_inflight until its drop: counted before the slot is published, so
 * a lockless reader of the in-flight count may see it twice, never zero
 * times.
 */
static __always_inline void __art_ring_post_early(struct art_ring *ring,
						  struct art_op *op, u32 flags)
	__must_hold(&ring->cq_lock)
{
	struct art_early_op *e = container_of(op, struct art_early_op, op);

	BUILD_BUG_ON(offsetof(struct art_sleep_op, early) !=
		     offsetof(struct art_early_op, node));
	BUILD_BUG_ON(offsetof(struct art_wait_op, early) !=
		     offsetof(struct art_early_op, node));
	atomic_inc(&ring->early);
	WRITE_ONCE(op->posted, true);
	if (art_op_bare(op)) {
		list_add_tail(&e->node, &ring->early_bare);
		WRITE_ONCE(ring->nr_early_bare, ring->nr_early_bare + 1);
	} else {
		list_add_tail(&e->node, &ring->early_list);
	}
	art_cq_write(ring, op->user_data, 0, flags);
	this_cpu_inc(art_ring_completed);
	this_cpu_inc(art_ring_early);
	art_cq_publish(ring);
}

void art_ring_post_early_locked(struct art_ring *ring, struct art_op *op)
	__must_hold(&ring->cq_lock)
{
	__art_ring_post_early(ring, op, 0);
}

/* @n ops posted early were freed (or are about to be): they stop counting. */
void art_ring_early_freed(struct art_ring *ring, unsigned int n)
{
	if (!n)
		return;
	atomic_sub(n, &ring->early);
	/*
	 * Pairs with the acquire in art_ring_reap_early(): who sees this
	 * count move sees the place it freed (it used to move first, and a
	 * submit retried in between found no room and failed with EBUSY).
	 */
	atomic_add_return_release(n, &ring->early_freed);
}

/*
 * The drop of an op posted early: it leaves early_list (if no ENTER took it
 * off) and stops counting as in flight. Process context.
 */
void art_ring_early_done(struct art_ring *ring, struct art_op *op)
{
	struct art_early_op *e = container_of(op, struct art_early_op, op);

	spin_lock_irq(&ring->cq_lock);
	list_del(&e->node);
	spin_unlock_irq(&ring->cq_lock);
	art_ring_early_freed(ring, 1);
}

#define ART_REAP_RUN	8

/*
 * Wake the tasks of the ops posted early, so that they drop. From ENTER:
 * a guest then runs them while it would otherwise sleep, and otherwise
 * the worker does. An op on the list has not been dropped (its drop takes
 * it off under cq_lock), so its task is alive here. Its node goes back to
 * being empty, not uninitialised: the drop deletes it again harmlessly.
 *
 * A @guest that is running (not about to sleep) claims the tasks instead
 * and drops them right here, without queueing them: a claimed task is in
 * no queue, so it stays alive until we poll it.
 *
 * Bare WAITs (op.h) have no task: we free them here, in any case.
 */
static void __art_ring_reap(struct art_ring *ring, bool guest)
{
	struct art_task *run[ART_REAP_RUN] __uninitialized, *t;	/* [0, n) */
	struct art_early_op *e, *tmp;
	unsigned int n = 0, i;
	LIST_HEAD(bare);

	spin_lock_irq(&ring->cq_lock);
	list_splice_init(&ring->early_bare, &bare);
	WRITE_ONCE(ring->nr_early_bare, 0);
	list_for_each_entry_safe(e, tmp, &ring->early_list, node) {
		list_del_init(&e->node);
		t = art_op_task(&e->op);
		if (!guest || n == ART_REAP_RUN)
			art_wake(t);
		else if (art_rt_guest_claim(t))
			run[n++] = t;
	}
	spin_unlock_irq(&ring->cq_lock);
	for (i = 0; i < n; i++)
		art_rt_guest_run_task(ring->rt, run[i]);
	if (!list_empty(&bare))
		art_ring_free_bare(ring, &bare);
}

/*
 * Inline: an ENTER asks up to three times, and usually there is nothing to
 * do. Bare WAITs wait for a batch: a ping-pong posts one per exchange, and
 * nothing waits for their memory but the in-flight bound, which
 * art_ring_reap_early() looks after.
 */
static __always_inline void art_ring_reap(struct art_ring *ring, bool guest)
{
	if (!list_empty_careful(&ring->early_list) ||
	    READ_ONCE(ring->nr_early_bare) >= ART_BARE_BATCH)
		__art_ring_reap(ring, guest);
}

/*
 * Post @op early, from a waker under a wait queue's lock: the ENTER that
 * waits for it is left in @w, picked after the completion is published,
 * so none is lost; if that ENTER returns before art_wakeups_flush(), the
 * wake-up is spurious, and harmless.
 */
void art_ring_post_early(struct art_ring *ring, struct art_op *op, u32 flags,
			 struct art_wakeups *w)
{
	unsigned long irqflags;

	spin_lock_irqsave(&ring->cq_lock, irqflags);
	/* Inline: this is the waker's critical path (art_wake_submit()). */
	__art_ring_post_early(ring, op, flags);
	spin_unlock_irqrestore(&ring->cq_lock, irqflags);
	__art_ring_wake_waiters(ring, w);
}

/* Wake what art_ring_post_early() left in @w, with no lock held. */
void art_wakeups_flush(struct art_wakeups *w)
{
	unsigned int i;

	for (i = 0; i < w->n; i++) {
		wake_up_process(w->task[i]);
		put_task_struct(w->task[i]);
	}
	w->n = 0;
}

/*
 * Post an intermediate (F_MORE) completion of a multishot op in the room
 * left after every reservation. Without room the op parks @held on the
 * instance's held list and tries again when art_ring_kick_held() wakes it.
 */
bool art_ring_post_more(struct art_ring *ring, u64 user_data, s32 res,
			struct art_held *held)
{
	unsigned long irqflags;
	u32 claimed;

	spin_lock_irqsave(&ring->cq_lock, irqflags);
	/* cq_published is stable under cq_lock; only the submitter races. */
	claimed = atomic_read(&ring->cq_claimed);
	do {
		if (art_cq_used(ring, claimed) >= ring->cq_entries) {
			if (list_empty(&held->node)) {
				list_add_tail(&held->node, &ring->held);
				WRITE_ONCE(ring->rings->cq_held, ++ring->cq_held);
				atomic64_inc(&art_ring_stats.held);
			}
			spin_unlock_irqrestore(&ring->cq_lock, irqflags);
			return false;
		}
	} while (!atomic_try_cmpxchg(&ring->cq_claimed, &claimed, claimed + 1));
	art_cq_write(ring, user_data, res, ASYNCRT_CQE_F_MORE);
	this_cpu_inc(art_ring_completed);
	art_cq_publish(ring);
	spin_unlock_irqrestore(&ring->cq_lock, irqflags);

	art_ring_wake_waiters(ring);
	return true;
}

/* An op that is ending leaves the held list. */
void art_ring_unpark(struct art_ring *ring, struct art_held *held)
{
	spin_lock_irq(&ring->cq_lock);
	list_del_init(&held->node);
	spin_unlock_irq(&ring->cq_lock);
}

/*
 * Userspace may have reaped since the held ops parked: wake them to try
 * again. An op on the list has not been dropped (drop unparks it under
 * cq_lock), so its task is alive here.
 */
static void __art_ring_kick_held(struct art_ring *ring)
{
	struct art_held *held, *tmp;

	spin_lock_irq(&ring->cq_lock);
	list_for_each_entry_safe(held, tmp, &ring->held, node) {
		list_del_init(&held->node);
		art_wake(art_op_task(held->op));
	}
	spin_unlock_irq(&ring->cq_lock);
}

static __always_inline void art_ring_kick_held(struct art_ring *ring)
{
	if (!list_empty_careful(&ring->held))
		__art_ring_kick_held(ring);
}

#define ART_SQE_PIN(ours, theirs) \
	BUILD_BUG_ON(offsetof(struct art_sqe, ours) != offsetof(struct asyncrt_sqe, theirs))

/*
 * Read sqes[idx] exactly once into a private copy, eight 64-bit words (the
 * fewest loads from shared memory), then validate only the copy.
 */
static int art_sqe_copy(struct art_sqe *copy, const struct asyncrt_sqe *sqe)
{
	const u64 *src = (const u64 *)sqe;
	u64 *dst = (u64 *)copy;
	unsigned int i;

	BUILD_BUG_ON(sizeof(struct asyncrt_sqe) != 8 * sizeof(u64));
	BUILD_BUG_ON(offsetof(struct art_sqe, err) < sizeof(struct asyncrt_sqe));
	ART_SQE_PIN(opcode, opcode);
	ART_SQE_PIN(flags, flags);
	ART_SQE_PIN(clock, clock);
	ART_SQE_PIN(resv0, resv0);
	ART_SQE_PIN(fd, fd);
	ART_SQE_PIN(arg, ns);
	ART_SQE_PIN(arg2, count);
	ART_SQE_PIN(op_flags, op_flags);
	ART_SQE_PIN(resv1, resv1);
	ART_SQE_PIN(user_data, user_data);
	ART_SQE_PIN(timeout_ns, timeout_ns);
	ART_SQE_PIN(resv2, resv2);

	for (i = 0; i < 8; i++)
		dst[i] = READ_ONCE(src[i]);

	if (copy->resv0 || copy->resv1 || copy->resv2[0] || copy->resv2[1])
		return -EINVAL;
	if (copy->flags & ~(ASYNCRT_SQE_TIMEOUT | ART_SQE_LINKS |
			    ASYNCRT_SQE_SKIP_SUCCESS))
		return -EINVAL;
	if (!(copy->flags & ASYNCRT_SQE_TIMEOUT) && copy->timeout_ns)
		return -EINVAL;
	return 0;
}

/*
 * Validate a copied entry against its opcode; 0 or the errno to post. A
 * @linked entry runs later, maybe on a worker, outside the submitter's mm.
 */
static int art_sqe_check(const struct art_sqe *sqe, bool linked)
{
	const struct art_opdef *def = art_opdef(sqe->opcode);
	int ret;

	if (!def || (linked && def->submitter_only))
		return -EINVAL;
	/* A chain's completions say which of its entries ran: all posted. */
	if (sqe->flags & ASYNCRT_SQE_SKIP_SUCCESS)
		return -EINVAL;
	ret = def->prep(sqe);
	/* A run-at-once opcode has nothing for a timeout to bound. */
	if (!ret && def->issue && sqe->flags & ASYNCRT_SQE_TIMEOUT)
		ret = -EINVAL;
	return ret;
}

/*
 * Run a run-at-once opcode now, in the submitter's context. It is done with
 * its file before ENTER returns, so fdget() suffices: a process whose file
 * table is not shared takes no reference at all.
 */
static __always_inline long art_ring_issue(struct art_ring *ring,
					   const struct art_opdef *def,
					   const struct art_sqe *sqe)
{
	struct fd f;
	long res;

	if (!def->takes_fd)
		return def->issue(ring, sqe, NULL);
	f = fdget(sqe->fd);
	if (!fd_file(f))
		return -EBADF;
	if (def->file_ok && !def->file_ok(fd_file(f)))
		res = -EINVAL;
	else
		res = def->issue(ring, sqe, fd_file(f));
	fdput(f);
	return res;
}

/*
 * About to spawn a task: an ENTER that will wait becomes its runtime's
 * guest now, if not yet, so that the task's first poll is ours and not
 * the worker's (art_ring_wait()). Only then: an ENTER of entries that
 * need no task (WAKE, a bare WAIT) needs no guest at all.
 */
static void art_ring_guest_for_spawn(struct art_ring *ring, struct art_cq_batch *b)
{
	if (b->guest) {
		*b->guest = art_rt_guest_begin(ring->rt);
		b->guest = NULL;
	}
}

/*
 * Accept one entry that is not part of a chain (the common case): run it or
 * start it, and batch what completes now. A task op that started posts
 * from its drop instead.
 */
static void art_ring_submit_one(struct art_ring *ring, struct art_sqe *c,
				struct art_cq_batch *batch)
{
	const struct art_opdef *def;
	struct art_op *op;
	u32 flags = 0;
	long res;

	trace_asyncrt_submit(ring->id, c->opcode, c->flags, c->user_data);
	res = c->err;
	if (res)
		goto post;
	/*
	 * NOP, what a batch of cheap entries is made of, completes here
	 * without a call; it is still what the opcode table says (nop.c).
	 */
	if (c->opcode == ASYNCRT_OP_NOP) {
		res = art_nop_check(c);
		/* A run-at-once opcode has nothing for a timeout to bound. */
		if (!res && c->flags & ASYNCRT_SQE_TIMEOUT)
			res = -EINVAL;
		goto post;
	}
	/*
	 * The start of a wake-up's critical path, and the wait the waker
	 * queues after it: direct calls, not the table's indirect ones.
	 */
	if (c->opcode == ASYNCRT_OP_WAKE) {
		res = art_wake_submit(ring, c);
		goto post;
	}
	if (c->opcode == ASYNCRT_OP_WAIT &&
	    !(c->flags & (ASYNCRT_SQE_TIMEOUT | ASYNCRT_SQE_SKIP_SUCCESS))) {
		res = art_wait_submit(ring, c);
		if (res == ART_BARE_STARTED)
			return;
		goto bare_post;
	}
	def = art_opdef(c->opcode);
	if (unlikely(!def)) {
		res = -EINVAL;
		goto post;
	}
	res = def->prep(c);
	if (res)
		goto post;
	if (def->issue) {
		/* A run-at-once opcode has nothing for a timeout to bound. */
		if (unlikely(c->flags & ASYNCRT_SQE_TIMEOUT))
			res = -EINVAL;
		else
			res = art_ring_issue(ring, def, c);
		goto post;
	}
	/* Only a result known now can be skipped: the slot is given back. */
	if (unlikely(c->flags & ASYNCRT_SQE_SKIP_SUCCESS)) {
		res = -EINVAL;
		goto post;
	}
	/* Alone (not in a chain), so it may need no task at all. */
	if (def->bare && !(c->flags & ASYNCRT_SQE_TIMEOUT)) {
		res = def->bare(ring, c);
		if (res == ART_BARE_STARTED)
			return;
		goto bare_post;
	}
	art_ring_guest_for_spawn(ring, batch);
	res = art_op_submit(ring, c, NULL, false, &op);
	if (!res)
		return;
	goto post;
bare_post:
	if (res == ART_BARE_NOTIFIED) {
		res = 0;
		flags = ASYNCRT_CQE_F_NOTIFY;
	}
post:
	if (c->flags & ASYNCRT_SQE_SKIP_SUCCESS && res >= 0) {
		batch->skipped++;
		return;
	}
	art_cq_batch_add(ring, batch, c->user_data, res, flags);
}

/*
 * Entry @bad of a chain failed to start with @err after its successors
 * were spawned (@next is the first of them, gated): fail the chain as a
 * malformed entry does, in chain order. The entries before it never
 * started and complete first, with -ECANCELED; then @bad; then the
 * successors, from their drops once released.
 */
static void art_ring_fail_chain(struct art_ring *ring, struct art_sqe *c,
				int bad, int err, struct art_op *next)
{
	int i;

	for (i = 0; i < bad; i++)
		art_ring_post(ring, c[i].user_data, -ECANCELED, 0);
	art_ring_post(ring, c[bad].user_data, err, 0);
	art_op_chain_release(ring, next, false);
}

/*
 * Start a chain of @n > 1 accepted entries; each has a CQ slot reserved.
 * A chain with a malformed entry runs no entry at all. Otherwise the
 * entries after the first are spawned last to first behind closed gates
 * (op.h), and the first runs or starts at once.
 */
static void art_ring_submit_chain(struct art_ring *ring, struct art_sqe *c, u32 n,
				  struct art_cq_batch *batch)
{
	const struct art_opdef *def;
	struct art_op *next = NULL, *op;
	int i, ret, bad = -1;
	long res;

	for (i = 0; i < n; i++) {
		trace_asyncrt_submit(ring->id, c[i].opcode, c[i].flags, c[i].user_data);
		if (!c[i].err)
			c[i].err = art_sqe_check(&c[i], i > 0);
		if (c[i].err && bad < 0)
			bad = i;
	}
	/* A chain's completions must come in order: post what came before. */
	art_cq_batch_flush(ring, batch, 0);
	if (bad >= 0) {
		for (i = 0; i < n; i++)
			art_ring_post(ring, c[i].user_data,
				      i == bad ? c[i].err : -ECANCELED, 0);
		return;
	}

	art_ring_guest_for_spawn(ring, batch);
	for (i = n - 1; i > 0; i--) {
		ret = art_op_submit(ring, &c[i], next, true, &op);
		if (ret) {
			art_ring_fail_chain(ring, c, i, ret, next);
			return;
		}
		next = op;
	}

	def = art_opdef(c[0].opcode);
	if (def->issue) {
		res = art_ring_issue(ring, def, &c[0]);
		art_ring_post(ring, c[0].user_data, res, 0);
		art_op_chain_release(ring, next,
				     res >= 0 || c[0].flags & ASYNCRT_SQE_HARDLINK);
		return;
	}
	ret = art_op_submit(ring, &c[0], next, false, &op);
	if (ret) {
		art_ring_post(ring, c[0].user_data, ret, 0);
		art_op_chain_release(ring, next, c[0].flags & ASYNCRT_SQE_HARDLINK);
	}
}

static u32 art_sq_index(struct art_ring *ring, u32 pos)
{
	return READ_ONCE(ring->sq_array[pos & (ring->sq_entries - 1)]);
}

static int art_ring_submit(struct art_ring *ring, u32 to_submit, bool *guest)
{
	u32 tail, avail, submitted = 0, accepted = 0, n, slots;
	/*
	 * Written before it is read. Left to CONFIG_INIT_STACK_ALL_ZERO, its
	 * 280 bytes were a rep stos on every ENTER that submits, which TCG
	 * runs an iteration at a time (bench syscost).
	 */
	struct art_cq_batch batch __uninitialized;
	bool full = false;

	/* Uncontended (one submitter per ring), without might_sleep()'s call. */
	if (!mutex_trylock(&ring->submit_lock))
		mutex_lock(&ring->submit_lock);
	/* Pairs with userspace's release store of sq_tail after filling. */
	tail = smp_load_acquire(&ring->rings->sq_tail);
	avail = min(tail - ring->sq_head, ring->sq_entries);
	to_submit = min(to_submit, avail);
	slots = art_cq_reserve(ring, to_submit);
	batch.n = 0;
	batch.skipped = 0;
	batch.posted = false;
	batch.guest = guest && !*guest ? guest : NULL;

	while (submitted < to_submit) {
		u32 idx = art_sq_index(ring, ring->sq_head);

		if (unlikely(idx >= ring->sq_entries)) {
			ring->sq_head++;
			WRITE_ONCE(ring->rings->sq_dropped, ++ring->dropped);
			atomic64_inc(&art_ring_stats.dropped);
			submitted++;
			continue;
		}
		/*
		 * Copy this entry and, while they ask to be linked, the ones
		 * after it. A chain ends at the last entry this call may
		 * consume and before a slot that names no SQE.
		 */
		for (n = 0;;) {
			struct art_sqe *c = &ring->chain[n++];

			idx = array_index_nospec(idx, ring->sq_entries);
			c->err = art_sqe_copy(c, &ring->sqes[idx]);
			if (c->err || !(c->flags & ART_SQE_LINKS) ||
			    submitted + n >= to_submit)
				break;
			idx = art_sq_index(ring, ring->sq_head + n);
			if (idx >= ring->sq_entries)
				break;
		}
		/* A chain is accepted whole or stays in the SQ. */
		if (n > slots) {
			full = true;
			break;
		}
		slots -= n;
		ring->sq_head += n;
		submitted += n;
		accepted += n;
		if (n == 1)
			art_ring_submit_one(ring, ring->chain, &batch);
		else
			art_ring_submit_chain(ring, ring->chain, n, &batch);
	}
	this_cpu_add(art_ring_submitted, accepted);
	/* Slots neither used nor promised any more: skipped successes too. */
	art_cq_batch_flush(ring, &batch, slots + batch.skipped);
	/* Pairs with userspace's acquire load of sq_head before reuse. */
	smp_store_release(&ring->rings->sq_head, ring->sq_head);
	mutex_unlock(&ring->submit_lock);

	if (batch.posted)
		art_ring_wake_waiters(ring);

	if (!submitted && full)
		return -EBUSY;
	return submitted;
}

/*
 * Wait for @want unreaped completions. If @guest, the waiter is its
 * runtime's guest (see sched.c): the event that readies an op wakes this
 * thread, which polls the op and posts its completion itself, instead of a
 * worker doing that on another CPU and waking us in turn.
 */
static long art_ring_wait(struct art_ring *ring, u32 want, bool guest,
			  const struct asyncrt_enter *e)
{
	bool timed = e->flags & ASYNCRT_ENTER_TIMEOUT;
	ktime_t expires = 0;
	DEFINE_WAIT(wait);
	bool direct;
	long ret = 0;

	/*
	 * A guest first frees the ops posted early and polls what it just
	 * submitted, even if what it waits for is there already: left
	 * queued, those tasks would pass to the worker when it stops being
	 * the guest, and waking the worker on another CPU for a few frees
	 * costs more than doing them. Worse, the worker then holds the run
	 * lock and polls the next ENTER's entries there, so their timers
	 * and wakes land on the other CPU (about 1% of ring SLEEPs were
	 * late by a further 0.5-1 ms that way, bench lateness).
	 */
	if (guest) {
		art_ring_reap(ring, true);
		art_rt_guest_run(ring->rt);
	}
	if (art_cq_unreaped(ring) >= want)
		return 0;
	if (timed) {
		u64 ns = min_t(u64, e->timeout_ns, KTIME_MAX);

		expires = ktime_add_safe(ktime_get(), ns_to_ktime(ns));
	}
	/*
	 * Usually we are the only waiter: then the wake-up is a direct one
	 * (art_ring_wake_waiters()), and neither side takes cq_wait's lock.
	 * A fully ordered claim, so that a waker that missed the completion
	 * we look for below sees us.
	 */
	direct = !cmpxchg(&ring->waiter, NULL, current);
	for (;;) {
		if (direct)
			set_current_state(TASK_INTERRUPTIBLE);
		else
			prepare_to_wait(&ring->cq_wait, &wait, TASK_INTERRUPTIBLE);
		if (art_cq_unreaped(ring) >= want)
			break;
		if (signal_pending(current)) {
			/*
			 * Untimed, a restart is transparent: to a handler
			 * installed with SA_RESTART, and to what is no signal
			 * at all, such as the task work io_uring sends a
			 * thread that used one of its rings. Timed, it would
			 * wait its whole timeout again: a signal ends the
			 * wait with -EINTR, a mere notification early, which
			 * callers look again after (the library does).
			 */
			if (!timed)
				ret = -ERESTARTSYS;
			else if (task_sigpending(current))
				ret = -EINTR;
			break;
		}
		/*
		 * Ops posted early while we wait still have to be dropped: a
		 * linked SLEEP's successor starts only then, and it may be
		 * among what we wait for.
		 */
		art_ring_reap(ring, false);
		if (guest && art_rt_guest_run(ring->rt))
			continue;
		if (!timed) {
			schedule();
		} else if (!schedule_hrtimeout(&expires, HRTIMER_MODE_ABS)) {
			if (art_cq_unreaped(ring) < want)
				ret = -ETIME;
			break;
		}
		/* Usually the completion we waited for woke us: no requeue. */
		if (art_cq_unreaped(ring) >= want)
			break;
	}
	if (direct) {
		__set_current_state(TASK_RUNNING);
		/* A waker that still sees us wakes us spuriously: harmless. */
		WRITE_ONCE(ring->waiter, NULL);
	} else {
		finish_wait(&ring->cq_wait, &wait);
	}
	return ret;
}

/*
 * Nothing could be accepted, and some of what counts as in flight are ops
 * posted early whose tasks have not run yet. Those cannot block once
 * woken: wait until one is freed, running them ourselves if we are the
 * guest, rather than fail with EBUSY while userspace may have nothing
 * left to wait for. Rare (max_inflight reached), so a tick's sleep per
 * look is fine.
 */
static void art_ring_reap_early(struct art_ring *ring, bool guest)
{
	int freed = atomic_read(&ring->early_freed);

	/* Pairs with the release in art_ring_early_freed(). */
	while (atomic_read(&ring->early) && atomic_read_acquire(&ring->early_freed) == freed &&
	       !fatal_signal_pending(current)) {
		__art_ring_reap(ring, false);
		if (guest && art_rt_guest_run(ring->rt))
			continue;
		schedule_timeout_uninterruptible(1);
	}
}

/*
 * A waiter is the guest of its instance's tasks (art_ring_wait()), if
 * there are any: one that only wakes others and waits for what needs no
 * task (a bare WAIT) publishes nothing, and unpublishes nothing after its
 * wake-up. A task spawned since by another thread is the worker's to
 * poll; one this ENTER spawned made it the guest already.
 */
static void art_ring_guest_for_tasks(struct art_ring *ring, bool wait, bool *guest)
{
	if (wait && !*guest && art_rt_nr_tasks(ring->rt))
		*guest = art_rt_guest_begin(ring->rt);
}

int art_ring_enter(struct art_ring *ring, const struct asyncrt_enter *e)
{
	u32 want = min(e->min_complete, ring->cq_entries);
	bool wait = (e->flags & ASYNCRT_ENTER_GETEVENTS) && want;
	bool guest = false;
	int submitted = 0;
	long ret = 0;

	if (e->flags & ~(ASYNCRT_ENTER_GETEVENTS | ASYNCRT_ENTER_TIMEOUT) || e->resv)
		return -EINVAL;
	if (!art_ring_ready(ring))
		return -EBADFD;

	art_ring_kick_held(ring);
	if (e->to_submit) {
		/* A waiter also gives the tasks it spawns their first poll. */
		submitted = art_ring_submit(ring, e->to_submit, wait ? &guest : NULL);
		/*
		 * Not only while ops posted early are counted: one freed
		 * between the refusal and here leaves room for the retry.
		 */
		if (submitted == -EBUSY) {
			art_ring_guest_for_tasks(ring, wait, &guest);
			art_ring_reap_early(ring, guest);
			submitted = art_ring_submit(ring, e->to_submit, wait ? &guest : NULL);
		}
	}
	/*
	 * After submitting: a WAKE among the entries goes out first. A
	 * guest that waits frees the ops posted early in its wait, itself.
	 */
	wait = wait && submitted >= 0;
	art_ring_guest_for_tasks(ring, wait, &guest);
	if (!(guest && wait))
		art_ring_reap(ring, guest);
	/* Entries consumed are reported whatever happened to the wait. */
	if (wait)
		ret = art_ring_wait(ring, want, guest, e);
	if (guest)
		art_rt_guest_end(ring->rt);
	if (submitted < 0 || (ret && !submitted))
		return submitted < 0 ? submitted : ret;
	return submitted;
}

__poll_t art_ring_poll_mask(struct art_ring *ring)
{
	if (!art_ring_ready(ring))
		return 0;
	art_ring_kick_held(ring);
	art_ring_reap(ring, false);
	if (art_cq_unreaped(ring))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}
