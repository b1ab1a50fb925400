/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels asyncrt supports lives here, and only
 * here: Kbuild force-includes this header into every object, so no .c file
 * ever tests a kernel version.
 */
#ifndef _ASYNCRT_COMPAT_H
#define _ASYNCRT_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "asyncrt supports Linux 6.1 and later"
#endif

#endif /* _ASYNCRT_COMPAT_H */
