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

/*
 * A user buffer as an iov_iter, access_ok() checked (<linux/uio.h>): 6.1
 * builds an iovec iterator over @iov, which must outlive @i; later kernels
 * have import_ubuf() and leave @iov unused. Macros, so that this header,
 * included into every object, pulls in no header of its own.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define art_import_ubuf(dir, buf, len, iov, i) \
	import_single_range(dir, buf, len, iov, i)
#else
#define art_import_ubuf(dir, buf, len, iov, i) \
	((void)(iov), import_ubuf(dir, buf, len, i))
#endif

/*
 * The file of a struct fd from fdget() (<linux/file.h>): 6.12 packs the
 * flags into the pointer's low bits and reads it through fd_file().
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#define fd_file(f)	((f).file)
#endif

#endif /* _ASYNCRT_COMPAT_H */
