// SPDX-License-Identifier: GPL-2.0
/*
 * The peer of examples/echo_server in the echo benchmark: a plain epoll
 * echo server, as a C programmer would write one without a runtime. One
 * thread, level-triggered epoll; on readiness one recv(), then the bytes
 * go straight back by send(); what the socket will not take yet waits for
 * EPOLLOUT. recv(), not read(): read() takes the file layer's checks on its
 * way to the same recvmsg, and libasyncrt reads sockets with recv() too, so
 * the two servers make the same system calls.
 * Like the example it serves 127.0.0.1 with a 4,096-byte buffer per
 * connection and leaves Nagle on.
 *
 * With a burn count it also spins that many empty loop turns per message
 * received, or with sN makes N more system calls (getppid) per message: a
 * server known to cost more per round trip, against which the echo
 * harness is calibrated (the echocal benchmark, bench/guest.sh).
 *
 * usage: echo_epoll [port [burn|sN]]	(default 7001, 0; runs until killed)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

struct conn {
	int fd;
	size_t off, len;		/* bytes of buf still to write back */
	char buf[4096];
};

static unsigned long burn;	/* loop turns per message received */
static unsigned long burn_calls;	/* system calls, idem */

/* Work that costs CPU and nothing else: no memory, nothing to wait for. */
static void burn_cpu(void)
{
	unsigned long i;

	for (i = burn; i; i--)
		__asm__ __volatile__("" ::: "memory");
	for (i = burn_calls; i; i--)
		syscall(SYS_getppid);
}

static int listen_on(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		bench_die("socket", errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4096))
		bench_die("bind/listen", errno);
	return fd;
}

static void conn_close(struct conn *c)
{
	close(c->fd);		/* also leaves the epoll set */
	free(c);
}

/* Write back what is pending; 1 when all of it went, 0 to wait, -1 error. */
static int conn_flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->off += n;
	}
	c->off = c->len = 0;
	return 1;
}

static void conn_event(int ep, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .data.ptr = c };
	ssize_t n;
	int r;

	if (c->len) {			/* waiting for room to write */
		r = conn_flush(c);
		if (r < 0)
			conn_close(c);
		else if (r > 0) {
			ev.events = EPOLLIN;
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		}
		return;
	}
	(void)events;
	n = recv(c->fd, c->buf, sizeof(c->buf), 0);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		conn_close(c);
		return;
	}
	c->len = n;
	burn_cpu();
	r = conn_flush(c);
	if (r < 0) {
		conn_close(c);
	} else if (r == 0) {
		ev.events = EPOLLOUT;
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
}

int main(int argc, char **argv)
{
	uint16_t port = argc > 1 ? atoi(argv[1]) : 7001;
	struct rlimit rl = { 65536, 65536 };
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	int lfd, ep, n, i, fd;

	if (argc > 2 && argv[2][0] == 's')
		burn_calls = strtoul(argv[2] + 1, NULL, 0);
	else if (argc > 2)
		burn = strtoul(argv[2], NULL, 0);
	setrlimit(RLIMIT_NOFILE, &rl);
	lfd = listen_on(port);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		bench_die("epoll", errno);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		if (n < 0 && errno != EINTR)
			bench_die("epoll_wait", errno);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c) {
				conn_event(ep, c, evs[i].events);
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				c = malloc(sizeof(*c));
				if (!c) {
					close(fd);
					continue;
				}
				c->fd = fd;
				c->off = c->len = 0;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
					conn_close(c);
			}
			ev.data.ptr = NULL;
		}
	}
}
