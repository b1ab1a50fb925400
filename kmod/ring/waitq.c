// SPDX-License-Identifier: GPL-2.0
/*
 * Shared wait queues: WAIT, WAKE and NOTIFY on a queue named by an fd that
 * ASYNCRT_IOC_WQ_CREATE returns. Holding the fd is the permission to use the
 * queue, so threads share it, children inherit it across fork(), and other
 * processes receive it over a unix socket (SCM_RIGHTS).
 *
 * No lost wake-up: a WAIT with ASYNCRT_WAIT_CMP reads the user's word and
 * queues itself under the queue's lock, and WAKE/NOTIFY take the same lock
 * before waking. A waker that changes the word and then wakes either runs
 * first, and the waiter sees the new word (-EAGAIN), or runs after, and finds
 * the waiter queued. The word is read with page faults disabled, as futexes
 * do: a read that would fault drops the lock, faults the page in where it
 * may sleep, and starts again.
 *
 * NOTIFY stores one permit when nobody waits; a waiter that NOTIFY woke, or
 * that took the permit, but that ends without taking the wake (cancelled,
 * timed out, its chain failed) passes it on. A waiter whose completion
 * the waker posted took the wake, whatever ends its task afterwards; a
 * bare WAIT (no task, op.h) is always posted by its waker, so it always
 * takes the wake.
 */
#include <linux/anon_inodes.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ring.h"
#include "op.h"

struct art_waitq {
	spinlock_t list_lock;		/* waiters, permit; orders WAIT's compare with wakers */
	struct list_head waiters;	/* struct art_wait_op, oldest first */
	bool permit;
};

static int art_waitq_release(struct inode *inode, struct file *file)
{
	struct art_waitq *wq = file->private_data;

	/* Every waiter holds a file reference: none is left. */
	kfree(wq);
	return 0;
}

static long art_waitq_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

static const struct file_operations art_waitq_fops = {
	.owner		= THIS_MODULE,
	.release	= art_waitq_release,
	.unlocked_ioctl	= art_waitq_ioctl,
	/* The argument is a count, not a pointer: nothing to convert. */
	.compat_ioctl	= art_waitq_ioctl,
	.llseek		= noop_llseek,
};

int art_waitq_create(unsigned long flags)
{
	struct art_waitq *wq;
	int fd;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	wq = kzalloc(sizeof(*wq), GFP_KERNEL_ACCOUNT);
	if (!wq)
		return -ENOMEM;
	spin_lock_init(&wq->list_lock);
	INIT_LIST_HEAD(&wq->waiters);
	fd = anon_inode_getfd("[asyncrt-wq]", &art_waitq_fops, wq, O_RDWR | flags);
	if (fd < 0)
		kfree(wq);
	return fd;
}

/* Is @file a wait queue? WAKE and NOTIFY take nothing else (opdef.c). */
bool art_waitq_file_ok(const struct file *file)
{
	return file->f_op == &art_waitq_fops;
}

/* A reference to the queue behind @fd, or an ERR_PTR. */
static struct file *art_waitq_fget(int fd)
{
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);
	if (!art_waitq_file_ok(file)) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	return file;
}

/*
 * The queue @fd names, borrowed from the instance's @slot. A ping-pong
 * wakes one queue and waits on another every time, and in a threaded
 * process fget() is a lookup plus atomics on a count that the peer's CPU
 * writes too: so the instance keeps the queue its last WAKE alone woke,
 * and the one its last bare WAIT waited on, each with a reference, and
 * uses it while the fd table still maps the fd to it. The table is freed
 * after a grace period, and the reference keeps the queue alive (past its
 * fd's close, until another queue takes its place or the instance goes).
 * Under submit_lock. Inline, like the rest of a WAKE's and a bare WAIT's
 * submission: inside the ping-pong a call and its return cost about
 * 0.15 us under TCG (bench wakecal, in userspace), in a loop nothing.
 */
static __always_inline struct file *art_waitq_cached(struct art_ring *ring,
						     struct file **slot, int fd)
{
	struct file *file = *slot, *old;
	bool hit = false;

	lockdep_assert_held(&ring->submit_lock);
	if (file) {
		rcu_read_lock_sched();
		hit = files_lookup_fd_raw(current->files, fd) == file;
		rcu_read_unlock_sched();
	}
	if (likely(hit))
		return file;
	file = art_waitq_fget(fd);
	if (IS_ERR(file))
		return file;
	old = *slot;
	*slot = file;
	if (old)
		fput(old);
	return file;
}

/*
 * Wake the oldest waiter. Taking it off the list under list_lock claims it
 * (its drop looks under the same lock), so unless a link still holds it
 * back we post its completion here, from the waker: the waiting thread
 * returns from ENTER without its task being polled first, and the task
 * only cleans up (op.h, "posted early"). That thread is left in @w, to be
 * woken after list_lock, which its next WAIT on this queue takes.
 */
static __always_inline void art_waitq_wake_one(struct art_waitq *wq, bool notify,
					       struct art_wakeups *w)
	__must_hold(&wq->list_lock)
{
	struct art_wait_op *wo = list_first_entry(&wq->waiters, struct art_wait_op, node);

	list_del_init(&wo->node);
	wo->by_notify = notify;
	/* Pairs with the acquire in art_wait_op_poll(). */
	smp_store_release(&wo->woken, true);
	/* Pairs with the release in art_op_release_locked(). */
	if (smp_load_acquire(&wo->op.gate) == ART_GATE_OPEN)
		art_ring_post_early(wo->op.ring, &wo->op,
				    notify ? ASYNCRT_CQE_F_NOTIFY : 0, w);
	else
		art_wake(art_op_task(&wo->op));
}

static void art_waitq_notify(struct art_waitq *wq, struct art_wakeups *w)
	__must_hold(&wq->list_lock)
{
	if (list_empty(&wq->waiters))
		wq->permit = true;
	else
		art_waitq_wake_one(wq, true, w);
}

static __always_inline int __art_wait_op_prep(const struct art_sqe *sqe)
{
	if (sqe->op_flags & ~ASYNCRT_WAIT_CMP || !art_sqe_clock_ok(sqe))
		return -EINVAL;
	if (sqe->op_flags & ASYNCRT_WAIT_CMP) {
		if (sqe->arg2 > U32_MAX || !sqe->arg)
			return -EINVAL;
	} else if (sqe->arg || sqe->arg2) {
		return -EINVAL;
	}
	return 0;
}

int art_wait_op_prep(const struct art_sqe *sqe)
{
	return __art_wait_op_prep(sqe);
}

/*
 * Read the user's word, under list_lock: with page faults disabled, so a
 * word that is not mapped in gives -EFAULT and the caller faults it in.
 */
static int art_wait_read_word(const struct art_sqe *sqe, u32 *word)
{
	int ret;

	pagefault_disable();
	ret = get_user(*word, (u32 __user *)u64_to_user_ptr(sqe->arg));
	pagefault_enable();
	return ret;
}

int art_wait_op_init(struct art_op *op, const struct art_sqe *sqe)
{
	struct art_wait_op *wo = container_of(op, struct art_wait_op, op);
	bool cmp = sqe->op_flags & ASYNCRT_WAIT_CMP;
	struct art_waitq *wq;
	struct file *file;
	u32 word = 0;
	int ret = 0;

	file = art_waitq_fget(sqe->fd);
	if (IS_ERR(file))
		return PTR_ERR(file);
	wq = file->private_data;
	INIT_LIST_HEAD(&wo->node);

	spin_lock(&wq->list_lock);
	while (cmp && unlikely(art_wait_read_word(sqe, &word))) {
		spin_unlock(&wq->list_lock);
		/* Where we may sleep: fault the page in, or fail. */
		if (get_user(word, (u32 __user *)u64_to_user_ptr(sqe->arg))) {
			ret = -EFAULT;
			goto out;
		}
		spin_lock(&wq->list_lock);
	}
	if (cmp && word != sqe->arg2) {
		ret = -EAGAIN;
	} else if (wq->permit) {
		/* NOTIFY's wake: a gated op that then fails passes it on. */
		wq->permit = false;
		wo->by_notify = true;
		wo->woken = true;
	} else {
		list_add_tail(&wo->node, &wq->waiters);
	}
	spin_unlock(&wq->list_lock);
out:
	if (ret) {
		fput(file);
		return ret;
	}
	wo->file = file;
	/*
	 * Queued: a poll now would only find it pending. The waker posts
	 * our completion, or wakes the task if a link holds it back; a
	 * cancel or close wakes it too.
	 */
	return wo->woken ? 0 : ART_INIT_IDLE;
}

/* One of the instance's freed bare WAITs, or a new one. Under submit_lock. */
static struct art_wait_op *art_wait_bare_get(struct art_ring *ring)
{
	/* llist_del_first() allows one taker at a time: submit_lock's. */
	struct llist_node *free = llist_del_first(&ring->bare_free);

	if (!free)
		return kmalloc(sizeof(struct art_wait_op), GFP_KERNEL_ACCOUNT);
	atomic_dec(&ring->nr_bare_free);
	return llist_entry(free, struct art_wait_op, free);
}

/* Keep @wo for the next bare WAIT (freed with the instance), up to a batch. */
static void art_wait_bare_put(struct art_ring *ring, struct art_wait_op *wo)
{
	if (atomic_inc_return(&ring->nr_bare_free) > ART_BARE_BATCH) {
		atomic_dec(&ring->nr_bare_free);
		kfree(wo);
		return;
	}
	llist_add(&wo->free, &ring->bare_free);
}

/*
 * A WAIT alone and without a timeout starts without a task (op.h, "bare
 * WAITs"). It is hashed and queued under ring->ops_lock and list_lock
 * together, the order CANCEL takes them in: a CANCEL finds it queued or
 * not at all, and a waker never posts an op that the hash does not hold
 * yet (its free unhashes it). Its memory is made ready first, outside
 * the locks, as it usually waits; a compare that fails or a stored permit
 * completes the entry here and gives the memory back.
 */
static __always_inline int __art_wait_bare(struct art_ring *ring,
					   const struct art_sqe *sqe)
{
	bool cmp = sqe->op_flags & ASYNCRT_WAIT_CMP;
	struct art_wait_op *wo;
	struct art_waitq *wq;
	struct file *file;
	u32 word = 0;
	int ret;

	file = art_waitq_cached(ring, &ring->wq_cache[ART_WQ_WAIT], sqe->fd);
	if (IS_ERR(file))
		return PTR_ERR(file);
	/* The op's own reference: the cached one may go while it waits. */
	get_file(file);
	wo = art_wait_bare_get(ring);
	if (!wo) {
		fput(file);
		return -ENOMEM;
	}
	*wo = (struct art_wait_op) {
		.op = {
			.ring = ring,
			.user_data = sqe->user_data,
			.opcode = ASYNCRT_OP_WAIT,
			.gate = ART_GATE_OPEN,
			.priv = ART_WAIT_BARE,
		},
		.file = file,
	};
	INIT_LIST_HEAD(&wo->node);
	wq = file->private_data;

	spin_lock(&ring->ops_lock);
	spin_lock(&wq->list_lock);
	while (cmp && unlikely(art_wait_read_word(sqe, &word))) {
		spin_unlock(&wq->list_lock);
		spin_unlock(&ring->ops_lock);
		/* Where we may sleep: fault the page in, or fail. */
		if (get_user(word, (u32 __user *)u64_to_user_ptr(sqe->arg))) {
			ret = -EFAULT;
			goto out;
		}
		spin_lock(&ring->ops_lock);
		spin_lock(&wq->list_lock);
	}
	if (cmp && word != sqe->arg2) {
		ret = -EAGAIN;
	} else if (wq->permit) {
		wq->permit = false;
		ret = ART_BARE_NOTIFIED;
	} else {
		art_op_hash_locked(ring, &wo->op);
		list_add_tail(&wo->node, &wq->waiters);
		ret = ART_BARE_STARTED;
	}
	spin_unlock(&wq->list_lock);
	spin_unlock(&ring->ops_lock);
out:
	if (ret != ART_BARE_STARTED) {
		art_wait_bare_put(ring, wo);
		fput(file);
	}
	return ret;
}

int art_wait_bare(struct art_ring *ring, const struct art_sqe *sqe)
{
	return __art_wait_bare(ring, sqe);
}

/*
 * A WAIT alone and without a timeout, from the submission path: what the
 * opcode table's prep and bare do, in one direct call (the waker queues
 * it right after its WAKE, before it sleeps).
 */
int art_wait_submit(struct art_ring *ring, const struct art_sqe *sqe)
{
	int ret = __art_wait_op_prep(sqe);

	return ret ? ret : __art_wait_bare(ring, sqe);
}

/*
 * Take a bare WAIT off its queue, under the caller's ring->ops_lock (the
 * order art_wait_bare() takes the locks in). False if the waker took it
 * first: then it is posted, and on ring->early_list. Either way no waker
 * touches the op, nor its instance for it, once this returns: a waker
 * posts under list_lock.
 */
bool art_wait_bare_detach(struct art_op *op)
{
	struct art_wait_op *wo = container_of(op, struct art_wait_op, op);
	struct art_waitq *wq = wo->file->private_data;
	bool queued;

	spin_lock(&wq->list_lock);
	queued = !op->posted;
	if (queued)
		list_del_init(&wo->node);
	spin_unlock(&wq->list_lock);
	return queued;
}

/* Free a bare WAIT that is out of the hash and off every list. */
void art_wait_bare_free(struct art_op *op)
{
	struct art_wait_op *wo = container_of(op, struct art_wait_op, op);

	fput(wo->file);
	art_wait_bare_put(op->ring, wo);
}

enum art_poll art_wait_op_poll(struct art_op *op, struct art_cx *cx, long *res)
{
	struct art_wait_op *wo = container_of(op, struct art_wait_op, op);

	/* Pairs with the release in art_waitq_wake_one(). */
	if (!smp_load_acquire(&wo->woken))
		return ART_PENDING;
	*res = 0;
	return ART_READY;
}

void art_wait_op_drop(struct art_op *op, long res)
{
	struct art_wait_op *wo = container_of(op, struct art_wait_op, op);
	struct art_waitq *wq = wo->file->private_data;
	struct art_wakeups w = { .n = 0 };

	spin_lock(&wq->list_lock);
	/* Posted: the wake was taken, and node is on ring->early_list. */
	if (op->posted)
		;
	else if (!list_empty(&wo->node))
		list_del_init(&wo->node);
	else if (wo->woken && wo->by_notify && res)
		art_waitq_notify(wq, &w);
	spin_unlock(&wq->list_lock);
	art_wakeups_flush(&w);
	fput(wo->file);
}

int art_wake_prep(const struct art_sqe *sqe)
{
	if (sqe->arg || sqe->op_flags || sqe->clock)
		return -EINVAL;
	return 0;
}

static __always_inline long art_wake_queue(struct art_waitq *wq, u64 max)
{
	/* Written before it is read: not zeroed on every WAKE. */
	struct art_wakeups w __uninitialized;
	long n = 0;

	w.n = 0;
	spin_lock(&wq->list_lock);
	while (!list_empty(&wq->waiters) && (!max || n < max)) {
		art_waitq_wake_one(wq, false, &w);
		n++;
	}
	spin_unlock(&wq->list_lock);
	art_wakeups_flush(&w);
	return n;
}

/* @file passed art_waitq_file_ok() where sqe->fd was resolved. */
long art_wake_issue(struct art_ring *ring, const struct art_sqe *sqe,
		    struct file *file)
{
	return art_wake_queue(file->private_data, sqe->arg2);
}

/*
 * A WAKE alone, from the submission path: what the opcode table's prep,
 * file_ok and issue do, in one direct call instead of the table's three
 * indirect ones (retpolines, each a lookup under TCG). Calls cost nothing
 * in a loop (bench syscost) but about 0.15 us each inside the ping-pong
 * (bench wakecal). This is the critical path of a wake-up (bench wake,
 * "run" in bench/waketrace.py).
 */
long art_wake_submit(struct art_ring *ring, const struct art_sqe *sqe)
{
	struct file *file;
	long res;

	if (sqe->flags & ASYNCRT_SQE_TIMEOUT)
		return -EINVAL;
	res = art_wake_prep(sqe);
	if (res)
		return res;
	file = art_waitq_cached(ring, &ring->wq_cache[ART_WQ_WAKE], sqe->fd);
	if (IS_ERR(file))
		return PTR_ERR(file);
	return art_wake_queue(file->private_data, sqe->arg2);
}

int art_notify_prep(const struct art_sqe *sqe)
{
	if (sqe->arg || sqe->arg2 || sqe->op_flags || sqe->clock)
		return -EINVAL;
	return 0;
}

/* NOTIFY, from its entry or its ioctl(): 1 if it woke a waiter, else 0. */
static long art_notify_queue(struct art_waitq *wq)
{
	struct art_wakeups w = { .n = 0 };
	long woke;

	spin_lock(&wq->list_lock);
	woke = !list_empty(&wq->waiters);
	art_waitq_notify(wq, &w);
	spin_unlock(&wq->list_lock);
	art_wakeups_flush(&w);
	return woke;
}

long art_notify_issue(struct art_ring *ring, const struct art_sqe *sqe,
		      struct file *file)
{
	return art_notify_queue(file->private_data);
}

/*
 * WAKE and NOTIFY at once, on the queue's own fd, outside any instance:
 * what tokio's notify_one() is beside its futures, and FUTEX_WAKE beside
 * FUTEX_WAIT. The ENTER that carries a WAKE reads the SQ first and makes
 * the waker's ring part of the wake-up's critical path; this does only
 * the wake (bench wake). Holding the fd is the permission, as for WAIT;
 * the waker needs no instance of its own.
 */
static long art_waitq_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct art_waitq *wq = file->private_data;

	switch (cmd) {
	case ASYNCRT_IOC_WQ_WAKE:
		return min_t(long, art_wake_queue(wq, arg), INT_MAX);
	case ASYNCRT_IOC_WQ_NOTIFY:
		return arg ? -EINVAL : art_notify_queue(wq);
	default:
		return -ENOTTY;
	}
}
