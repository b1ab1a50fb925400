// SPDX-License-Identifier: GPL-2.0
/*
 * SEND and RECV: one non-blocking sendmsg/recvmsg on a socket, run at
 * submission. They let a program put the socket I/O of every ready
 * connection into one ENTER instead of paying a read() and a write() per
 * round trip; readiness stays POLL's job, so a socket that is not ready
 * answers -EAGAIN at once and never parks the submitter.
 *
 * The buffer is the submitter's memory, reached through its mm: that is
 * why these run only in the submitter's context (ring.c refuses them as
 * linked successors, which would run on a worker).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>

#include "opdef.h"
#include "ring.h"

int art_sock_prep(const struct art_sqe *sqe)
{
	/* No op_flags yet; clock only goes with a timeout, refused anyway. */
	if (sqe->op_flags || !art_sqe_clock_ok(sqe))
		return -EINVAL;
	return 0;
}

/* One transfer of at most MAX_RW_COUNT bytes, as read() and write() cap. */
static long art_sock_xfer(const struct art_sqe *sqe, struct file *file, int dir)
{
	size_t len = min_t(u64, sqe->arg2, MAX_RW_COUNT);
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct socket *sock;
	struct iovec iov;
	int ret;

	sock = sock_from_file(file);
	if (unlikely(!sock))
		return -ENOTSOCK;
	ret = art_import_ubuf(dir, u64_to_user_ptr(sqe->arg), len, &iov,
			      &msg.msg_iter);
	if (unlikely(ret))
		return ret;
	if (dir == ITER_SOURCE)
		return sock_sendmsg(sock, &msg);
	return sock_recvmsg(sock, &msg, msg.msg_flags);
}

long art_send_issue(struct art_ring *ring, const struct art_sqe *sqe,
		    struct file *file)
{
	return art_sock_xfer(sqe, file, ITER_SOURCE);
}

long art_recv_issue(struct art_ring *ring, const struct art_sqe *sqe,
		    struct file *file)
{
	return art_sock_xfer(sqe, file, ITER_DEST);
}
