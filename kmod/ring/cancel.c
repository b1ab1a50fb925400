// SPDX-License-Identifier: GPL-2.0
/*
 * CANCEL: abort in-flight entries by user_data, in O(1) through the ops
 * hash, or every entry of the instance. Runs at once; its own completion
 * counts what it cancelled.
 */
#include <linux/errno.h>

#include "ring.h"
#include "op.h"

int art_cancel_prep(const struct art_sqe *sqe)
{
	if (sqe->fd || sqe->arg2 || sqe->clock || sqe->op_flags & ~ASYNCRT_CANCEL_ALL)
		return -EINVAL;
	if (sqe->op_flags & ASYNCRT_CANCEL_ALL && sqe->arg)
		return -EINVAL;
	return 0;
}

long art_cancel_issue(struct art_ring *ring, const struct art_sqe *sqe,
		      struct file *file)
{
	unsigned int n = art_ring_cancel(ring, sqe->arg,
					 sqe->op_flags & ASYNCRT_CANCEL_ALL);

	/* Mind the types: an unsigned n would turn -ENOENT into 4294967294. */
	return n ? (long)n : -ENOENT;
}
