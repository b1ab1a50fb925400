// SPDX-License-Identifier: GPL-2.0
/*
 * POLL: fd readiness, oneshot or multishot, without a thread. The op puts a
 * wait entry on each wait queue the file's ->poll() names (at most two, as
 * for pipes) whose wake function wakes the op's task; the task then asks
 * ->poll() for the mask. Multishot posts an F_MORE completion for each wake
 * that finds the fd ready, held back like INTERVAL's ticks when the CQ has
 * no room. On a socket or a pipe, whose wakes say which events happened,
 * a running multishot op posts that completion from the wake function
 * itself, as epoll queues a ready item from its callback: no task, no
 * worker, one wake of the ring's waiter. The terminal completion still
 * comes after every F_MORE one: drop unhooks the entries first, and
 * remove_wait_queue() waits for a wake function in progress.
 *
 * Only there: posting wakes cq_wait, so it must never happen under a lock
 * that the wakes of cq_wait can reach. Sockets and pipes are woken by their
 * own I/O, never from inside another wake; an epoll fd's wake may be one
 * that started at this very ring's cq_wait (the epoll fd watches the ring),
 * or may hold the epoll fd's poll_wait lock that the ring's entry in it
 * would take again. Such wakes go to the task, which posts holding no lock.
 * A wake from a ring's posting carries EPOLL_URING_WAKE (ring.c), as
 * io_uring's do, and ends a multishot op: its next completion, the
 * terminal one, would otherwise make its epoll fd ready again, and the
 * op, or two instances polling each other, would post forever.
 *
 * Polling an asyncrt instance is refused (-EINVAL): the op's file reference
 * could keep the instance alive forever; use poll(2) on it instead.
 *
 * A file that frees its wait queue while we are on it announces it with
 * POLLFREE (signalfd, for one): the wake function then unhooks the entry
 * and drop leaves that queue alone; RCU keeps the queue alive until drop is
 * past it, as for epoll.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>

#include "dev.h"
#include "ring.h"
#include "op.h"

#define ART_POLL_ALWAYS	(EPOLLERR | EPOLLHUP | EPOLLNVAL)

static int art_poll_wake(struct wait_queue_entry *wait, unsigned int mode,
			 int sync, void *key)
{
	struct art_poll_entry *e = container_of(wait, struct art_poll_entry, wait);
	struct art_poll_op *po = e->po;
	__poll_t mask = key_to_poll(key);

	if (mask && !(mask & (po->events | ART_POLL_ALWAYS | POLLFREE)))
		return 0;
	if (unlikely(mask & POLLFREE)) {
		list_del_init(&wait->entry);
		/* Pairs with the acquire in art_poll_op_drop(). */
		smp_store_release(&e->head, NULL);
	} else if (unlikely(mask & EPOLL_URING_WAKE)) {
		if (po->multi) {
			set_bit(ART_POLL_LAST, &po->state);
			/*
			 * LAST before the set_bit() of PENDING below, which
			 * orders nothing alone; pairs with the task's
			 * test_and_clear_bit(). Missed, it would post once more.
			 */
			smp_mb__before_atomic();
		}
	} else if (mask && po->direct && po->multi &&
		   READ_ONCE(po->op.gate) == ART_GATE_OPEN &&
		   !test_bit(ART_POLL_PENDING, &po->state)) {
		mask &= po->events | ART_POLL_ALWAYS;
		if (art_ring_post_more(po->op.ring, po->op.user_data,
				       mangle_poll(mask), &po->held)) {
			this_cpu_inc(art_ring_poll_direct);
			return 0;
		}
		/* No room: held; the task posts it once userspace reaps. */
		set_bit(ART_POLL_PENDING, &po->state);
		return 0;
	}
	set_bit(ART_POLL_PENDING, &po->state);
	art_wake(art_op_task(&po->op));
	return 0;
}

static void art_poll_queue(struct file *file, struct wait_queue_head *head,
			   struct poll_table_struct *pt)
{
	struct art_poll_op *po = container_of(pt, struct art_poll_op, pt);
	struct art_poll_entry *e;

	if (po->nr_heads >= ARRAY_SIZE(po->e)) {
		po->error = -EINVAL;
		return;
	}
	e = &po->e[po->nr_heads++];
	e->po = po;
	e->head = head;
	init_waitqueue_func_entry(&e->wait, art_poll_wake);
	add_wait_queue(head, &e->wait);
}

static void art_poll_unhook(struct art_poll_op *po)
{
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < po->nr_heads; i++) {
		/* Pairs with the release in art_poll_wake() on POLLFREE. */
		struct wait_queue_head *head = smp_load_acquire(&po->e[i].head);

		if (head)
			remove_wait_queue(head, &po->e[i].wait);
	}
	rcu_read_unlock();
	po->nr_heads = 0;
}

int art_poll_op_prep(const struct art_sqe *sqe)
{
	if (sqe->arg || sqe->op_flags & ~ASYNCRT_POLL_MULTI || !art_sqe_clock_ok(sqe))
		return -EINVAL;
	if (!sqe->arg2 || sqe->arg2 & ~(u64)0xffff)
		return -EINVAL;
	return 0;
}

int art_poll_op_init(struct art_op *op, const struct art_sqe *sqe)
{
	struct art_poll_op *po = container_of(op, struct art_poll_op, op);
	__poll_t mask;
	umode_t mode;

	po->file = fget(sqe->fd);
	if (!po->file)
		return -EBADF;
	/*
	 * Our reference would keep an instance open, and one whose own op
	 * polls it could then never be released: refuse, as io_uring does.
	 */
	if (art_file_is_instance(po->file)) {
		fput(po->file);
		return -EINVAL;
	}
	po->events = demangle_poll(sqe->arg2);
	po->multi = sqe->op_flags & ASYNCRT_POLL_MULTI;
	/* Whose wakes may post themselves: see the top of this file. */
	mode = file_inode(po->file)->i_mode;
	po->direct = S_ISSOCK(mode) || S_ISFIFO(mode);
	INIT_LIST_HEAD(&po->held.node);
	po->held.op = op;

	init_poll_funcptr(&po->pt, art_poll_queue);
	po->pt._key = po->events | ART_POLL_ALWAYS;
	mask = vfs_poll(po->file, &po->pt);
	if (po->error) {
		art_poll_unhook(po);
		fput(po->file);
		return po->error;
	}
	/* Ready already, or a file without ->poll(): look at the first poll. */
	if (mask & (po->events | ART_POLL_ALWAYS) || !po->nr_heads)
		set_bit(ART_POLL_PENDING, &po->state);
	return 0;
}

enum art_poll art_poll_op_poll(struct art_op *op, struct art_cx *cx, long *res)
{
	struct art_poll_op *po = container_of(op, struct art_poll_op, op);
	__poll_t mask;

	if (!test_and_clear_bit(ART_POLL_PENDING, &po->state))
		return ART_PENDING;
	mask = vfs_poll(po->file, NULL) & (po->events | ART_POLL_ALWAYS);
	if (!mask)
		return ART_PENDING;
	if (!po->multi || !po->nr_heads || test_bit(ART_POLL_LAST, &po->state)) {
		*res = mangle_poll(mask);
		return ART_READY;
	}
	if (!art_ring_post_more(op->ring, op->user_data, mangle_poll(mask), &po->held))
		set_bit(ART_POLL_PENDING, &po->state);
	return ART_PENDING;
}

void art_poll_op_drop(struct art_op *op, long res)
{
	struct art_poll_op *po = container_of(op, struct art_poll_op, op);

	art_poll_unhook(po);
	art_ring_unpark(op->ring, &po->held);
	fput(po->file);
}
