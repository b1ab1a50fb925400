// SPDX-License-Identifier: MIT
/*
 * Non-blocking socket futures: the system calls, and waiting on a bare fd.
 * Each operation tries its system call first; only when it would block
 * does it wait for the readiness it needs, then tries again:
 *
 *   try ──EAGAIN──> wait for readiness ──ready──> try ...
 *    └──done or error──> READY
 *
 * On a bare fd the wait is a oneshot POLL entry per EAGAIN; dropping the
 * future (or aborting its task) cancels it, and the fd is the caller's. On
 * a registered socket (socket.c) the wait costs no ring entry at all.
 * read_exact and write_all loop until the whole buffer is moved.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rt_internal.h"

/* connect() ran at init; done holds its errno. Has the handshake ended? */
static ASYNCRT_COLD long io_try_connect(struct asyncrt_io *io)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(int), sslen = sizeof(ss);
	int err;

	if (io->done == 0)
		return 0;
	if (io->done != EINPROGRESS)
		return -(long)io->done;
	if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	if (err == EINPROGRESS || err == EALREADY)
		return -EAGAIN;
	/* No error yet need not mean connected: ask the peer. */
	if (!err && getpeername(io->fd, (struct sockaddr *)&ss, &sslen) < 0) {
		if (errno == ENOTCONN)
			return -EAGAIN;
		err = errno;
	}
	io->done = err;
	return -(long)err;
}

/*
 * One attempt at the operation: its result, or -EAGAIN to wait (socket.c
 * has a registered socket's read and write_all on a fast path). With
 * ASYNCRT_TRY_STREAM in @flags (a stream socket or a pipe, where a short
 * read means the buffer was drained), read_exact stops at a short read
 * instead of paying for the read that would fail. With ASYNCRT_TRY_SOCK
 * (the fd is known to be a socket) a read is recv(), as Rust's TcpStream
 * reads: read() also passes through the file layer's checks (permission
 * and fsnotify hooks, rw_verify_area) on its way to the same recvmsg.
 */
long asyncrt_io_try(struct asyncrt_io *io, unsigned int flags)
{
	size_t want;
	ssize_t n;

	for (;;) {
		switch (io->kind) {
		case ASYNCRT_IO_ACCEPT:
			n = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			return n < 0 ? -errno : n;
		case ASYNCRT_IO_CONNECT:
			return io_try_connect(io);
		case ASYNCRT_IO_READ:
			if (flags & ASYNCRT_TRY_SOCK)
				n = recv(io->fd, io->buf, io->len, 0);
			else
				n = read(io->fd, io->buf, io->len);
			return n < 0 ? -errno : n;
		case ASYNCRT_IO_WRITE:
			n = send(io->fd, io->buf, io->len, MSG_NOSIGNAL);
			if (n < 0 && errno == ENOTSOCK)
				n = write(io->fd, io->buf, io->len);
			return n < 0 ? -errno : n;
		case ASYNCRT_IO_READ_EXACT:
			if (io->done == io->len)
				return io->len;
			want = io->len - io->done;
			if (flags & ASYNCRT_TRY_SOCK)
				n = recv(io->fd, (char *)io->buf + io->done, want, 0);
			else
				n = read(io->fd, (char *)io->buf + io->done, want);
			if (n < 0)
				return -errno;
			if (n == 0)
				return -ENODATA;
			io->done += n;
			if ((flags & ASYNCRT_TRY_STREAM) && (size_t)n < want &&
			    io->done < io->len)
				return ASYNCRT_TRY_DRAINED;
			continue;
		case ASYNCRT_IO_WRITE_ALL:
			if (io->done == io->len)
				return io->len;
			n = send(io->fd, (char *)io->buf + io->done, io->len - io->done,
				 MSG_NOSIGNAL);
			if (n < 0 && errno == ENOTSOCK)
				n = write(io->fd, (char *)io->buf + io->done,
					  io->len - io->done);
			if (n < 0)
				return -errno;
			io->done += n;
			continue;
		default:
			return -EINVAL;
		}
	}
}

/*
 * A bare fd: try, and on EAGAIN wait for readiness with a oneshot POLL.
 * asyncrt_io_poll() (socket.c, beside a registered socket's fast paths)
 * sends a bare fd's future here.
 */
enum asyncrt_poll asyncrt_io_poll_fd(struct asyncrt_io *io, struct asyncrt_cx *cx, long *res)
{
	long r;

	for (;;) {
		if (io->waiting) {
			if (asyncrt_op_poll(&io->poll, cx, &r) == ASYNCRT_PENDING)
				return ASYNCRT_PENDING;
			io->waiting = 0;
			if (r < 0) {
				*res = r;
				return ASYNCRT_READY;
			}
			/* Ready (or POLLERR/POLLHUP): the system call will say. */
		}
		r = asyncrt_io_try(io, 0);
		if (r == -EAGAIN || r == -EWOULDBLOCK) {
			asyncrt_poll_init(&io->poll, io->fd, asyncrt_io_events(io));
			io->waiting = 1;
			continue;
		}
		*res = r;
		return ASYNCRT_READY;
	}
}

enum asyncrt_poll asyncrt_io_fut_poll(struct asyncrt_future *f, struct asyncrt_cx *cx,
				      long *res)
{
	return asyncrt_io_poll(asyncrt_container_of(f, struct asyncrt_io, fut), cx, res);
}

void asyncrt_io_fut_drop(struct asyncrt_future *f)
{
	struct asyncrt_io *io = asyncrt_container_of(f, struct asyncrt_io, fut);

	if (io->on_sock) {
		asyncrt_sock_io_drop(io);
		return;
	}
	if (io->waiting)
		asyncrt_drop(&io->poll.fut);
	io->waiting = 0;
}

void asyncrt_io_init(struct asyncrt_io *io, uint8_t kind, int fd, void *buf, size_t len)
{
	memset(io, 0, sizeof(*io));
	io->fut.poll = asyncrt_io_fut_poll;
	io->fut.drop = asyncrt_io_fut_drop;
	io->kind = kind;
	io->fd = fd;
	io->buf = buf;
	io->len = len;
}

void asyncrt_accept_init(struct asyncrt_io *io, int listen_fd)
{
	asyncrt_io_init(io, ASYNCRT_IO_ACCEPT, listen_fd, NULL, 0);
}

void asyncrt_connect_init(struct asyncrt_io *io, int fd, const struct sockaddr *addr,
			  socklen_t addrlen)
{
	asyncrt_io_init(io, ASYNCRT_IO_CONNECT, fd, NULL, 0);
	io->done = connect(fd, addr, addrlen) < 0 ? errno : 0;
}

void asyncrt_read_init(struct asyncrt_io *io, int fd, void *buf, size_t len)
{
	asyncrt_io_init(io, ASYNCRT_IO_READ, fd, buf, len);
}

void asyncrt_write_init(struct asyncrt_io *io, int fd, const void *buf, size_t len)
{
	asyncrt_io_init(io, ASYNCRT_IO_WRITE, fd, (void *)buf, len);
}

void asyncrt_read_exact_init(struct asyncrt_io *io, int fd, void *buf, size_t len)
{
	asyncrt_io_init(io, ASYNCRT_IO_READ_EXACT, fd, buf, len);
}

void asyncrt_write_all_init(struct asyncrt_io *io, int fd, const void *buf, size_t len)
{
	asyncrt_io_init(io, ASYNCRT_IO_WRITE_ALL, fd, (void *)buf, len);
}

int asyncrt_sockaddr_in(struct sockaddr_storage *ss, socklen_t *len, const char *ip,
			uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	if (!ss || !len)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (!ip)
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		return -EINVAL;
	*len = sizeof(*sin);
	return 0;
}

int asyncrt_tcp_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

int asyncrt_tcp_listen(const char *ip, uint16_t port, int backlog, uint16_t *bound)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, ret;

	ret = asyncrt_sockaddr_in(&ss, &len, ip, port);
	if (ret)
		return ret;
	fd = asyncrt_tcp_socket();
	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0)
		goto err;
	if (bound) {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			goto err;
		*bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	return fd;
err:
	ret = -errno;
	close(fd);
	return ret;
}
