/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/asyncrt: the misc device through which userspace reaches the runtime.
 */
#ifndef _ASYNCRT_RING_DEV_H
#define _ASYNCRT_RING_DEV_H

struct file;

/* dev.c */
int art_dev_init(void);
void art_dev_exit(void);
bool art_file_is_instance(const struct file *file);

#endif /* _ASYNCRT_RING_DEV_H */
