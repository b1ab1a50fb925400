// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/asyncrt, a misc device. Each open() is an independent instance with
 * its own rings; the file's last reference going away (close, exit, SIGKILL)
 * tears the instance down. Access is governed by the node's mode (module
 * parameter dev_mode) and, when dev_gid is set, by membership of that group.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include <linux/cred.h>
#include <linux/capability.h>

#include "dev.h"
#include "ring.h"
#include "opdef.h"
#include "uapi_check.h"

static ushort dev_mode = 0666;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permission bits of /dev/asyncrt (default 0666)");

static int dev_gid = -1;
module_param(dev_gid, int, 0444);
MODULE_PARM_DESC(dev_gid, "If >= 0, only members of this group (or CAP_SYS_ADMIN) may open /dev/asyncrt");

static int art_dev_open(struct inode *inode, struct file *file)
{
	struct art_ring *ring;

	if (dev_gid >= 0 && !capable(CAP_SYS_ADMIN) &&
	    !in_group_p(make_kgid(current_user_ns(), dev_gid)))
		return -EACCES;

	ring = art_ring_alloc();
	if (!ring)
		return -ENOMEM;
	file->private_data = ring;
	return 0;
}

static int art_dev_release(struct inode *inode, struct file *file)
{
	art_ring_free(file->private_data);
	return 0;
}

/*
 * ENTER's arguments, field by field in one user access window: every
 * wake-up makes an ENTER, and copy_from_user() is two calls and a copy
 * loop for 24 bytes.
 */
static int art_enter_args(struct asyncrt_enter *e,
			  const struct asyncrt_enter __user *u)
{
	if (!user_read_access_begin(u, sizeof(*u)))
		return -EFAULT;
	unsafe_get_user(e->to_submit, &u->to_submit, efault);
	unsafe_get_user(e->min_complete, &u->min_complete, efault);
	unsafe_get_user(e->flags, &u->flags, efault);
	unsafe_get_user(e->resv, &u->resv, efault);
	unsafe_get_user(e->timeout_ns, &u->timeout_ns, efault);
	user_read_access_end();
	return 0;
efault:
	user_read_access_end();
	return -EFAULT;
}

static long art_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct art_ring *ring = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case ASYNCRT_IOC_SETUP: {
		struct asyncrt_params p;

		if (copy_from_user(&p, argp, sizeof(p)))
			return -EFAULT;
		return art_ring_setup(ring, &p, argp);
	}
	case ASYNCRT_IOC_ENTER: {
		struct asyncrt_enter e;

		if (art_enter_args(&e, argp))
			return -EFAULT;
		return art_ring_enter(ring, &e);
	}
	case ASYNCRT_IOC_WQ_CREATE:
		return art_waitq_create(arg);
	default:
		return -ENOTTY;
	}
}

static int art_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	return art_ring_mmap(file->private_data, vma);
}

static __poll_t art_dev_poll(struct file *file, struct poll_table_struct *pt)
{
	struct art_ring *ring = file->private_data;

	poll_wait(file, &ring->cq_wait, pt);
	return art_ring_poll_mask(ring);
}

static void art_dev_show_fdinfo(struct seq_file *m, struct file *file)
{
	art_ring_show_fdinfo(file->private_data, m);
}

static const struct file_operations art_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= art_dev_open,
	.release	= art_dev_release,
	.unlocked_ioctl	= art_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= art_dev_mmap,
	.poll		= art_dev_poll,
	.llseek		= noop_llseek,
	.show_fdinfo	= art_dev_show_fdinfo,
};

/* Is @file an asyncrt instance (whose in-flight ops could pin it)? */
bool art_file_is_instance(const struct file *file)
{
	return file->f_op == &art_dev_fops;
}

static struct miscdevice art_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "asyncrt",
	.fops	= &art_dev_fops,
};

int art_dev_init(void)
{
	int ret;

	art_uapi_check();
	art_stats_init();
	art_miscdev.mode = dev_mode & 0777;
	ret = misc_register(&art_miscdev);
	if (ret)
		art_stats_exit();
	return ret;
}

void art_dev_exit(void)
{
	misc_deregister(&art_miscdev);
	art_stats_exit();
}
