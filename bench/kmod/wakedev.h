/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/asyncrt_bench_wake: the least a wake-up entered through ioctl() can
 * cost (wakedev.c). Shared by the bench module and bench/wake.c.
 */
#ifndef _ARTB_WAKEDEV_H
#define _ARTB_WAKEDEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define ARTB_WAKEDEV_NAME	"asyncrt_bench_wake"
#define ARTB_WAKE_QUEUES	2	/* per open file: one per side */

/* flags */
#define ARTB_WAKE	(1U << 0)	/* wake queue @wake first */
#define ARTB_WAIT	(1U << 1)	/* then wait on @wait while *@word == @val */

struct artb_wake {
	__u64 word;		/* user address of a 32-bit word */
	__u32 val;
	__u8 wake;		/* < ARTB_WAKE_QUEUES */
	__u8 wait;		/* < ARTB_WAKE_QUEUES */
	__u16 flags;
};

#define ARTB_IOC_WAKE_WAIT	_IOW('b', 1, struct artb_wake)

#endif /* _ARTB_WAKEDEV_H */
