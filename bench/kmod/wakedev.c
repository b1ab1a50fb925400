// SPDX-License-Identifier: GPL-2.0
/*
 * The least a wake-up entered through ioctl() can cost: bench wake's
 * "ioctl" peer. One ioctl() wakes the peer's wait queue, then waits on its
 * own while a user word still reads the value it was given. That is
 * futex's protocol and futex's work (a wait_queue_head_t where futex has a
 * hash bucket), entered the way asyncrt's ENTER is: an ioctl() on a
 * character device, one call per exchange. No ring, no entries, no
 * completions. What asyncrt's wake-up costs over this is the ring's; what
 * this costs over futex is the ioctl() layer's, which no design entered
 * through a file escapes.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "bench.h"
#include "wakedev.h"

struct artb_wakedev {
	wait_queue_head_t wq[ARTB_WAKE_QUEUES];
};

static int artb_wakedev_open(struct inode *inode, struct file *file)
{
	struct artb_wakedev *d = kmalloc(sizeof(*d), GFP_KERNEL);
	int i;

	if (!d)
		return -ENOMEM;
	for (i = 0; i < ARTB_WAKE_QUEUES; i++)
		init_waitqueue_head(&d->wq[i]);
	file->private_data = d;
	return 0;
}

/* The last reference is gone, so nobody waits: each waiter holds one. */
static int artb_wakedev_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

/*
 * Wait on @wq while *@uword == @val. Queued before the word is read, as
 * futex reads it after taking its bucket lock: a waker that changes the
 * word and then wakes either runs first, and we read the new word, or
 * after, and finds us queued. The word is read with page faults off, as
 * we are no longer running; a read that would fault faults it in after.
 */
static long artb_wakedev_wait(wait_queue_head_t *wq, u32 __user *uword, u32 val)
{
	DEFINE_WAIT(wait);
	long ret = 0;
	u32 word;
	int fault;

	for (;;) {
		prepare_to_wait(wq, &wait, TASK_INTERRUPTIBLE);
		pagefault_disable();
		fault = get_user(word, uword);
		pagefault_enable();
		if (unlikely(fault)) {
			finish_wait(wq, &wait);
			if (get_user(word, uword))
				return -EFAULT;
			continue;
		}
		if (word != val)
			break;
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		schedule();
	}
	finish_wait(wq, &wait);
	return ret;
}

static long artb_wakedev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct artb_wakedev *d = file->private_data;
	struct artb_wake __user *u = (void __user *)arg;
	struct artb_wake a;

	if (cmd != ARTB_IOC_WAKE_WAIT)
		return -ENOTTY;
	/* As asyncrt's ENTER reads its arguments: in place, no copy call. */
	if (!user_read_access_begin(u, sizeof(*u)))
		return -EFAULT;
	unsafe_get_user(a.word, &u->word, efault);
	unsafe_get_user(a.val, &u->val, efault);
	unsafe_get_user(a.wake, &u->wake, efault);
	unsafe_get_user(a.wait, &u->wait, efault);
	unsafe_get_user(a.flags, &u->flags, efault);
	user_read_access_end();

	if (a.flags & ~(ARTB_WAKE | ARTB_WAIT) || a.wake >= ARTB_WAKE_QUEUES ||
	    a.wait >= ARTB_WAKE_QUEUES)
		return -EINVAL;
	if (a.flags & ARTB_WAKE)
		wake_up(&d->wq[a.wake]);
	if (a.flags & ARTB_WAIT)
		return artb_wakedev_wait(&d->wq[a.wait], u64_to_user_ptr(a.word), a.val);
	return 0;
efault:
	user_read_access_end();
	return -EFAULT;
}

static const struct file_operations artb_wakedev_fops = {
	.owner		= THIS_MODULE,
	.open		= artb_wakedev_open,
	.release	= artb_wakedev_release,
	.unlocked_ioctl	= artb_wakedev_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice artb_wakedev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= ARTB_WAKEDEV_NAME,
	.fops	= &artb_wakedev_fops,
	.mode	= 0666,
};

static bool artb_wakedev_registered;

int artb_wakedev_register(void)
{
	int ret = misc_register(&artb_wakedev);

	artb_wakedev_registered = !ret;
	return ret;
}

void artb_wakedev_unregister(void)
{
	if (artb_wakedev_registered)
		misc_deregister(&artb_wakedev);
	artb_wakedev_registered = false;
}
