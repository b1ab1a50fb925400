// SPDX-License-Identifier: GPL-2.0
/*
 * NOP: completes at once with res 0. It measures the ring itself and lets a
 * program check that an instance works.
 */
#include <linux/errno.h>

#include "opdef.h"
#include "ring.h"

int art_nop_prep(const struct art_sqe *sqe)
{
	return art_nop_check(sqe);
}

long art_nop_issue(struct art_ring *ring, const struct art_sqe *sqe,
		   struct file *file)
{
	return 0;
}
