// SPDX-License-Identifier: MIT
/*
 * Registered sockets: readiness registered once, as epoll and tokio do. The
 * first read or accept that would block arms one multishot POLL entry for
 * POLLIN; it then stays armed until the socket is closed, and each of its
 * F_MORE completions adds the reported bits to sock->ready and wakes the
 * futures waiting for them. Writability is asked for only while a writer
 * waits: a write or connect that would block arms a oneshot POLL for
 * POLLOUT, whose completion sets the bit and wakes the writers. (A unix
 * socket reports writability each time its peer reads: kept armed, POLLOUT
 * would cost a completion per message that nobody waits for.) An operation
 * tries its system call only while its direction is marked ready; a call
 * that would block clears the mark, and the future waits on the socket. On
 * a stream, a read that comes back short clears only POLLIN: an EOF
 * (POLLRDHUP, POLLHUP) or error reaped with the data stays marked, as it
 * gets no later wake-up.
 *
 *                 ready bit set ──try──> done ──> READY
 *                      ^         └─EAGAIN / short read: clear bit
 *   POLL CQE: set bits, wake waiters     v
 *                      └───────── wait on sock->waiters (parked on task)
 *
 * Nothing is lost between the system call and the wait: the loop reaps
 * completions only between polls, a wake-up after the call posts a new
 * completion (or, for POLLOUT, the oneshot armed after it finds the socket
 * writable at once), and one from before it only causes one more try.
 *
 * The POLLIN entry ends (a terminal CQE) when it is cancelled, or when the
 * kernel cannot keep it armed (a file without wait queues, an error): the
 * waiters are woken and the next wait arms it again, or reports the error.
 * Close closes the fd, detaches the waiters (their next poll gives -EBADF)
 * and cancels the entries in flight; the socket's memory stays until their
 * terminal completions, so a late completion never finds freed memory, and
 * until every future woken but not yet polled (sock->woken) has been polled
 * or dropped, as each still points at it and then gives -EBADF.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_internal.h"

static void sock_free(struct asyncrt_socket *sock)
{
	asyncrt_list_del(&sock->node);
	free(sock);
}

/*
 * ASYNCRT_TRY_STREAM for stream sockets and pipes (a short read drained
 * the buffer), ASYNCRT_TRY_SOCK for sockets (reads are recv()).
 */
static unsigned int fd_io_flags(int fd)
{
	socklen_t len = sizeof(int);
	struct stat st;
	int type;

	if (!getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len))
		return ASYNCRT_TRY_SOCK | (type == SOCK_STREAM ? ASYNCRT_TRY_STREAM : 0);
	if (errno == ENOTSOCK && !fstat(fd, &st) && S_ISFIFO(st.st_mode))
		return ASYNCRT_TRY_STREAM;
	return 0;
}

int asyncrt_socket_open(struct asyncrt_rt *rt, int fd, struct asyncrt_socket **out)
{
	uint32_t need = ASYNCRT_OP_BIT(ASYNCRT_OP_POLL) | ASYNCRT_OP_BIT(ASYNCRT_OP_CANCEL);
	struct asyncrt_socket *sock;
	int fl;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!rt || fd < 0)
		return -EINVAL;
	/* Without CANCEL an armed entry would hold the file until exit. */
	if ((rt->ops & need) != need)
		return -EOPNOTSUPP;
	/* First, so that a failure leaves the fd as it was given. */
	sock = calloc(1, sizeof(*sock));
	if (!sock)
		return -ENOMEM;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)) {
		fl = -errno;
		free(sock);
		return fl;
	}
	sock->rt = rt;
	sock->fd = fd;
	/* Optimistic: the first operation tries its system call at once. */
	sock->ready = POLLIN | POLLOUT;
	sock->io_flags = fd_io_flags(fd);
	asyncrt_list_add_tail(&sock->node, &rt->sockets);
	*out = sock;
	return 0;
}

int asyncrt_socket_fd(const struct asyncrt_socket *sock)
{
	return sock && !sock->closed ? sock->fd : -EBADF;
}

/* @sock is closing: @head's futures get -EBADF on their next poll. */
static void sock_detach(struct asyncrt_link **head)
{
	struct asyncrt_link *l = *head;

	*head = NULL;
	while (l) {
		struct asyncrt_io *io = asyncrt_container_of(l, struct asyncrt_io, s.wait);

		l = l->next;
		io->waiting = 0;
		io->s.sock = NULL;
		asyncrt_wake(io->fut.task);
	}
}

int asyncrt_socket_close(struct asyncrt_socket *sock)
{
	int ret = 0;

	if (!sock || sock->closed)
		return -EBADF;
	/* Waiters learn of it on their next poll, without touching sock. */
	sock_detach(&sock->waiters);
	sock_detach(&sock->owaiters);
	/* The fast paths test only these: nothing is ready, nothing to wait for. */
	sock->ready = 0;
	sock->err = -EBADF;
	if (close(sock->fd) < 0)
		ret = -errno;
	sock->fd = -1;
	sock->closed = 1;
	/* A woken future still points at it: the last one frees it. */
	if (!sock->slot && !sock->oslot) {
		if (!sock->woken)
			sock_free(sock);
		return ret;
	}
	if (sock->slot)
		asyncrt_rt_cancel(sock->rt, asyncrt_sock_ud(sock, 0));
	if (sock->oslot)
		asyncrt_rt_cancel(sock->rt, asyncrt_sock_ud(sock, 1));
	/* Outside the loop nobody would submit it: the POLL holds the file. */
	if (!sock->rt->in_loop)
		asyncrt_rt_settle(sock->rt);
	return ret;
}

/* The runtime is going: the kernel cancels the entries, we free the rest. */
void asyncrt_sockets_free(struct asyncrt_rt *rt)
{
	while (!asyncrt_list_empty(&rt->sockets)) {
		struct asyncrt_socket *sock =
			asyncrt_container_of(rt->sockets.next, struct asyncrt_socket, node);

		if (!sock->closed)
			close(sock->fd);
		sock_free(sock);
	}
}

/*
 * A completion of one of the socket's POLL entries that rt_complete()
 * does not handle itself: the POLLOUT oneshot's (@out), or the POLLIN
 * multishot's last, or one for a closed socket.
 */
void asyncrt_sock_event(struct asyncrt_rt *rt, struct asyncrt_socket *sock, int out,
			int32_t res, int more)
{
	if (!more) {
		if (out)
			sock->oslot = 0;
		else
			sock->slot = 0;
		rt->nslots--;
		rt->m.ops_inflight--;
	}
	if (sock->closed) {
		if (!sock->slot && !sock->oslot && !sock->woken)
			sock_free(sock);
		return;
	}
	if (res > 0)
		sock->ready |= (uint32_t)res;
	else if (!more && res < 0 && res != -ECANCELED)
		sock->err = res;
	/*
	 * Readiness wakes whom it satisfies. An entry that ended otherwise
	 * (cancelled, an error): every waiter looks again, and re-arms it.
	 */
	asyncrt_sock_wake(sock, more || (out && res > 0) ? sock->ready : ~0U);
}

/* Arm the POLLIN multishot, or with @out the POLLOUT oneshot; 0 or -errno. */
static ASYNCRT_COLD int sock_arm(struct asyncrt_socket *sock, struct asyncrt_rt *rt, int out)
{
	struct asyncrt_sqe *sqe;

	/* Room for the CANCEL its close will queue. */
	if (asyncrt_rt_ctl_reserve(rt))
		return -ENOMEM;
	sqe = asyncrt_rt_get_sqe(rt);
	if (!sqe)
		return -EBUSY;
	if (out) {
		asyncrt_prep_poll(sqe, sock->fd, POLLOUT, 0, asyncrt_sock_ud(sock, 1));
		sock->oslot = 1;
	} else {
		/* POLLRDHUP: a peer's FIN is readable, even after a short read cleared POLLIN. */
		asyncrt_prep_poll(sqe, sock->fd, POLLIN | POLLRDHUP, ASYNCRT_POLL_MULTI,
				  asyncrt_sock_ud(sock, 0));
		sock->slot = 1;
	}
	/* In flight, as a slot's entry would be: block_on's deadlock test counts it. */
	rt->nslots++;
	rt->m.ops_inflight++;
	rt->m.ops_submitted++;
	return 0;
}

/* Hook @io on @head, its socket's waiters, and park it on its task. */
static inline enum asyncrt_poll sock_io_wait(struct asyncrt_io *io, struct asyncrt_link **head,
					     struct asyncrt_cx *cx)
{
	if (!io->waiting) {
		io->s.wait.next = *head;
		*head = &io->s.wait;
		io->waiting = ASYNCRT_IO_HOOKED;
	}
	__asyncrt_future_park(&io->fut, cx);
	return ASYNCRT_PENDING;
}

/*
 * @io's first poll or drop since a wake-up: it no longer holds its socket.
 * On a socket closed meanwhile it gets -EBADF, and the last frees it.
 */
static ASYNCRT_COLD void sock_io_woken_closed(struct asyncrt_io *io)
{
	struct asyncrt_socket *sock = io->s.sock;

	io->s.sock = NULL;
	if (!sock->slot && !sock->oslot && !sock->woken)
		sock_free(sock);
}

static inline void sock_io_unwake(struct asyncrt_io *io)
{
	io->waiting = 0;
	io->s.sock->woken--;
	if (io->s.sock->closed)
		sock_io_woken_closed(io);
}

/* Still hooked (it is being dropped, or woken by another future): leave the stack. */
static ASYNCRT_COLD void sock_io_leave(struct asyncrt_io *io)
{
	struct asyncrt_socket *sock = io->s.sock;
	struct asyncrt_link **pp;

	pp = asyncrt_io_events(io) == POLLOUT ? &sock->owaiters : &sock->waiters;
	while (*pp != &io->s.wait)
		pp = &(*pp)->next;
	*pp = io->s.wait.next;
	io->waiting = 0;
}

/* @io is done waiting: off its socket's waiters and its task. */
static inline void sock_io_unhook(struct asyncrt_io *io)
{
	if (io->waiting == ASYNCRT_IO_WOKEN)
		sock_io_unwake(io);
	else if (io->waiting)
		sock_io_leave(io);
	__asyncrt_future_unpark(&io->fut);
}

/* Every operation, every case: what the fast paths below leave. */
static ASYNCRT_NOINLINE enum asyncrt_poll sock_io_poll(struct asyncrt_io *io,
						       struct asyncrt_cx *cx, long *res)
{
	struct asyncrt_socket *sock = io->s.sock;
	uint32_t mask = asyncrt_io_ready_mask(io);
	long r;
	int ret, out;

	for (;;) {
		if (!sock || sock->closed) {
			r = -EBADF;
			break;
		}
		if (!(sock->ready & mask)) {
			if (sock->err) {
				r = sock->err;
				break;
			}
			out = mask == ASYNCRT_SOCK_OUT;
			if (!(out ? sock->oslot : sock->slot)) {
				ret = sock_arm(sock, cx->rt, out);
				if (ret) {
					r = ret;
					break;
				}
			}
			return sock_io_wait(io, out ? &sock->owaiters : &sock->waiters, cx);
		}
		io->fd = sock->fd;
		r = asyncrt_io_try(io, sock->io_flags);
		if (r == -EAGAIN || r == -EWOULDBLOCK) {
			sock->ready &= ~mask;
			continue;
		}
		if (r == ASYNCRT_TRY_DRAINED) {
			sock->ready &= ~POLLIN;
			continue;
		}
		/* A short read on a stream drained it: skip the failing read. */
		if (io->kind == ASYNCRT_IO_READ && (sock->io_flags & ASYNCRT_TRY_STREAM) &&
		    r > 0 && (size_t)r < io->len)
			sock->ready &= ~POLLIN;
		break;
	}
	sock_io_unhook(io);
	*res = r;
	return ASYNCRT_READY;
}

/* A fast path's system call failed: -errno, or wait on EAGAIN. */
static ASYNCRT_COLD enum asyncrt_poll sock_io_fail(struct asyncrt_io *io, struct asyncrt_cx *cx,
						   long *res, uint32_t mask)
{
	long r = -errno;

	if (r == -EAGAIN || r == -EWOULDBLOCK) {
		io->s.sock->ready &= ~mask;
		return sock_io_poll(io, cx, res);
	}
	*res = r;
	return ASYNCRT_READY;
}

/*
 * A read on a socket marked readable, one per message. The wait (if it
 * waited) is undone before the call, so only @io, @cx and @res live
 * across it: fewer registers to save than sock_io_poll() needs.
 */
static ASYNCRT_NOINLINE enum asyncrt_poll sock_read(struct asyncrt_io *io,
						    struct asyncrt_cx *cx, long *res)
{
	struct asyncrt_socket *sock = io->s.sock;
	ssize_t n;

	sock_io_unhook(io);
	if (sock->io_flags & ASYNCRT_TRY_SOCK)
		n = recv(sock->fd, io->buf, io->len, 0);
	else
		n = read(sock->fd, io->buf, io->len);
	if (n < 0)
		return sock_io_fail(io, cx, res, ASYNCRT_SOCK_IN);
	/*
	 * A short read on a stream drained it: skip the failing read. Only
	 * POLLIN: an EOF or error reaped with the data's completion is
	 * permanent and gets no further wake-up, and EOF itself clears nothing.
	 */
	sock = io->s.sock;
	if (n > 0 && (size_t)n < io->len && (sock->io_flags & ASYNCRT_TRY_STREAM))
		sock->ready &= ~POLLIN;
	*res = n;
	return ASYNCRT_READY;
}

/* write_all on a socket marked writable (and a socket: send()), the same way. */
static ASYNCRT_NOINLINE enum asyncrt_poll sock_write_all(struct asyncrt_io *io,
							 struct asyncrt_cx *cx, long *res)
{
	ssize_t n;

	sock_io_unhook(io);
	while (io->done < io->len) {
		n = send(io->s.sock->fd, (char *)io->buf + io->done, io->len - io->done,
			 MSG_NOSIGNAL);
		if (n < 0)
			return sock_io_fail(io, cx, res, ASYNCRT_SOCK_OUT);
		io->done += n;
	}
	*res = io->len;
	return ASYNCRT_READY;
}

/*
 * Every asyncrt_io's poll: a bare fd's goes to net.c. Here, on a
 * registered socket, an echo loop's three polls per message: the read
 * that finds bytes, the write_all that sends them, the next read that
 * finds the socket drained and only parks (the POLLIN entry armed, no
 * error; a closed socket has ready 0 and err set). Anything else takes
 * sock_io_poll().
 */
enum asyncrt_poll asyncrt_io_poll(struct asyncrt_io *io, struct asyncrt_cx *cx, long *res)
{
	struct asyncrt_socket *sock;

	if (!io->on_sock)
		return asyncrt_io_poll_fd(io, cx, res);
	if (io->waiting == ASYNCRT_IO_WOKEN)
		sock_io_unwake(io);
	sock = io->s.sock;
	if (sock) {
		if (io->kind == ASYNCRT_IO_READ) {
			if (sock->ready & ASYNCRT_SOCK_IN)
				return sock_read(io, cx, res);
			if (sock->slot && !sock->err)
				return sock_io_wait(io, &sock->waiters, cx);
		} else if (io->kind == ASYNCRT_IO_WRITE_ALL && (sock->ready & ASYNCRT_SOCK_OUT) &&
			   (sock->io_flags & ASYNCRT_TRY_SOCK)) {
			return sock_write_all(io, cx, res);
		}
	}
	return sock_io_poll(io, cx, res);
}

void asyncrt_sock_io_drop(struct asyncrt_io *io)
{
	sock_io_unhook(io);
}

/*
 * Field by field, where asyncrt_io_init() clears the whole struct: an echo
 * server inits two of these per message, and a socket's never uses the
 * union's bare-fd POLL op (the largest part) nor io->fd (the slow path
 * sets it from sock). The wait link is set when the future hooks itself
 * (io->waiting), the park link when it parks; connect_init sets done
 * afterwards.
 */
static inline void sock_io_init(struct asyncrt_io *io, uint8_t kind,
				struct asyncrt_socket *sock, void *buf, size_t len)
{
	io->fut.poll = asyncrt_io_fut_poll;
	io->fut.drop = asyncrt_io_fut_drop;
	io->fut.task = NULL;
	io->s.sock = sock;
	io->kind = kind;
	io->waiting = 0;
	io->on_sock = 1;
	io->buf = buf;
	io->len = len;
	io->done = 0;
}

void asyncrt_sock_accept_init(struct asyncrt_io *io, struct asyncrt_socket *sock)
{
	sock_io_init(io, ASYNCRT_IO_ACCEPT, sock, NULL, 0);
}

void asyncrt_sock_connect_init(struct asyncrt_io *io, struct asyncrt_socket *sock,
			       const struct sockaddr *addr, socklen_t addrlen)
{
	sock_io_init(io, ASYNCRT_IO_CONNECT, sock, NULL, 0);
	io->fd = sock && !sock->closed ? sock->fd : -1;
	io->done = io->fd < 0 ? EBADF : connect(io->fd, addr, addrlen) < 0 ? errno : 0;
}

void asyncrt_sock_read_init(struct asyncrt_io *io, struct asyncrt_socket *sock, void *buf,
			    size_t len)
{
	sock_io_init(io, ASYNCRT_IO_READ, sock, buf, len);
}

void asyncrt_sock_write_init(struct asyncrt_io *io, struct asyncrt_socket *sock,
			     const void *buf, size_t len)
{
	sock_io_init(io, ASYNCRT_IO_WRITE, sock, (void *)buf, len);
}

void asyncrt_sock_read_exact_init(struct asyncrt_io *io, struct asyncrt_socket *sock,
				  void *buf, size_t len)
{
	sock_io_init(io, ASYNCRT_IO_READ_EXACT, sock, buf, len);
}

void asyncrt_sock_write_all_init(struct asyncrt_io *io, struct asyncrt_socket *sock,
				 const void *buf, size_t len)
{
	sock_io_init(io, ASYNCRT_IO_WRITE_ALL, sock, (void *)buf, len);
}
