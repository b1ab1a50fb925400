// SPDX-License-Identifier: GPL-2.0
/*
 * Description: SEND and RECV run at submission and never block: data
 * crosses a socketpair and a TCP loopback connection intact, an empty
 * socket gives -EAGAIN, a pipe -ENOTSOCK, a closed fd -EBADF, a bad buffer
 * -EFAULT, malformed entries (reserved fields, op_flags, a timeout, a
 * linked successor) -EINVAL, a zero length 0, a closed peer 0 on RECV and
 * -EPIPE without SIGPIPE on SEND, and 64 SENDs plus 64 RECVs go out in one
 * ENTER with every byte checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ring_util.h"

FIXTURE(sock) {
	struct asyncrt_ring ring;
	int sv[2];
};

FIXTURE_SETUP(sock)
{
	self->sv[0] = self->sv[1] = -1;
	ASSERT_EQ(0, asyncrt_ring_init(&self->ring, 256));
	if (!(self->ring.features & ASYNCRT_FEAT_SOCK))
		SKIP(return, "this module has no SEND/RECV");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, self->sv));
}

FIXTURE_TEARDOWN(sock)
{
	if (self->sv[0] >= 0)
		close(self->sv[0]);
	if (self->sv[1] >= 0)
		close(self->sv[1]);
	asyncrt_ring_exit(&self->ring);
}

/* Submit what is queued and return the one completion's res. */
static int run1(struct asyncrt_ring *ring, uint64_t user_data)
{
	struct asyncrt_cqe cqe;

	if (asyncrt_submit(ring) != 1)
		return -1000;
	/* Run-at-once: the completion is there when ENTER returns. */
	if (reap(ring, &cqe, 1) != 1 || cqe.user_data != user_data || cqe.flags)
		return -1001;
	return cqe.res;
}

static int send1(struct asyncrt_ring *ring, int fd, const void *buf, size_t len)
{
	asyncrt_prep_send(asyncrt_get_sqe(ring), fd, buf, len, 7);
	return run1(ring, 7);
}

static int recv1(struct asyncrt_ring *ring, int fd, void *buf, size_t len)
{
	asyncrt_prep_recv(asyncrt_get_sqe(ring), fd, buf, len, 8);
	return run1(ring, 8);
}

TEST_F(sock, socketpair_send_then_recv)
{
	char out[100], in[200];

	for (int i = 0; i < (int)sizeof(out); i++)
		out[i] = i * 7 + 1;
	ASSERT_EQ(100, send1(&self->ring, self->sv[0], out, sizeof(out)));
	ASSERT_EQ(100, recv1(&self->ring, self->sv[1], in, sizeof(in)));
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
	/* And the other way, against plain write(). */
	ASSERT_EQ(5, write(self->sv[1], "hello", 5));
	ASSERT_EQ(5, recv1(&self->ring, self->sv[0], in, sizeof(in)));
	EXPECT_EQ(0, memcmp("hello", in, 5));
}

TEST_F(sock, recv_takes_at_most_len)
{
	char in[4];

	ASSERT_EQ(10, write(self->sv[0], "0123456789", 10));
	ASSERT_EQ(4, recv1(&self->ring, self->sv[1], in, sizeof(in)));
	EXPECT_EQ(0, memcmp("0123", in, 4));
	ASSERT_EQ(4, recv1(&self->ring, self->sv[1], in, sizeof(in)));
	ASSERT_EQ(2, recv1(&self->ring, self->sv[1], in, sizeof(in)));
	EXPECT_EQ(0, memcmp("89", in, 2));
}

TEST_F(sock, empty_socket_gives_eagain)
{
	char in[8];

	EXPECT_EQ(-EAGAIN, recv1(&self->ring, self->sv[1], in, sizeof(in)));
}

TEST_F(sock, blocking_socket_does_not_block)
{
	int sv[2];
	char in[8];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_EQ(-EAGAIN, recv1(&self->ring, sv[1], in, sizeof(in)));
	close(sv[0]);
	close(sv[1]);
}

TEST_F(sock, full_socket_gives_eagain)
{
	static char buf[65536];
	int r, total = 0;

	do {
		r = send1(&self->ring, self->sv[0], buf, sizeof(buf));
		if (r > 0)
			total += r;
	} while (r > 0 && total < (64 << 20));
	EXPECT_EQ(-EAGAIN, r);
	EXPECT_LT(0, total);
}

TEST_F(sock, pipe_gives_enotsock)
{
	int p[2];
	char c = 'x';

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-ENOTSOCK, send1(&self->ring, p[1], &c, 1));
	EXPECT_EQ(-ENOTSOCK, recv1(&self->ring, p[0], &c, 1));
	close(p[0]);
	close(p[1]);
}

TEST_F(sock, bad_fd_gives_ebadf)
{
	char c = 'x';

	EXPECT_EQ(-EBADF, send1(&self->ring, -1, &c, 1));
	EXPECT_EQ(-EBADF, recv1(&self->ring, 12345, &c, 1));
}

TEST_F(sock, bad_buffer_gives_efault)
{
	void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *kernel = (void *)0xffff888000000000ULL;

	ASSERT_NE(MAP_FAILED, none);
	EXPECT_EQ(-EFAULT, send1(&self->ring, self->sv[0], none, 16));
	EXPECT_EQ(-EFAULT, send1(&self->ring, self->sv[0], kernel, 16));
	/* RECV needs data to try the copy; the data stays queued. */
	ASSERT_EQ(3, write(self->sv[0], "abc", 3));
	EXPECT_EQ(-EFAULT, recv1(&self->ring, self->sv[1], none, 16));
	EXPECT_EQ(-EFAULT, recv1(&self->ring, self->sv[1], kernel, 16));
	munmap(none, 4096);
}

TEST_F(sock, malformed_entries_give_einval)
{
	struct asyncrt_sqe *sqe;
	char c = 'x';

	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_send(sqe, self->sv[0], &c, 1, 1);
	sqe->op_flags = 1;
	EXPECT_EQ(-EINVAL, run1(&self->ring, 1));

	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_recv(sqe, self->sv[1], &c, 1, 2);
	sqe->resv1 = 1;
	EXPECT_EQ(-EINVAL, run1(&self->ring, 2));

	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_send(sqe, self->sv[0], &c, 1, 3);
	sqe->resv2[1] = 1;
	EXPECT_EQ(-EINVAL, run1(&self->ring, 3));

	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_send(sqe, self->sv[0], &c, 1, 4);
	sqe->clock = ASYNCRT_CLOCK_BOOTTIME;
	EXPECT_EQ(-EINVAL, run1(&self->ring, 4));

	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_recv(sqe, self->sv[1], &c, 1, 5);
	sqe->flags = ASYNCRT_SQE_TIMEOUT;
	sqe->timeout_ns = SEC;
	EXPECT_EQ(-EINVAL, run1(&self->ring, 5));

	/* Nothing was sent by any of them. */
	EXPECT_EQ(-EAGAIN, recv1(&self->ring, self->sv[1], &c, 1));
}

/* A linked successor would run outside the submitter: refused, chain unrun. */
TEST_F(sock, linked_successor_gives_einval)
{
	struct asyncrt_cqe cqe[2];
	struct asyncrt_sqe *sqe;
	char c = 'x';

	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_nop(sqe, 1);
	sqe->flags = ASYNCRT_SQE_LINK;
	asyncrt_prep_send(asyncrt_get_sqe(&self->ring), self->sv[0], &c, 1, 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	ASSERT_EQ(2, reap(&self->ring, cqe, 2));
	EXPECT_EQ(1, cqe[0].user_data);
	EXPECT_EQ(-ECANCELED, cqe[0].res);
	EXPECT_EQ(2, cqe[1].user_data);
	EXPECT_EQ(-EINVAL, cqe[1].res);
	EXPECT_EQ(-EAGAIN, recv1(&self->ring, self->sv[1], &c, 1));
}

/* At the head of a chain it runs at once, and its result gates the rest. */
TEST_F(sock, send_may_start_a_chain)
{
	struct asyncrt_cqe cqe[2];
	struct asyncrt_sqe *sqe;
	char c = 'x';

	sqe = asyncrt_get_sqe(&self->ring);
	asyncrt_prep_send(sqe, self->sv[0], &c, 1, 1);
	sqe->flags = ASYNCRT_SQE_LINK;
	asyncrt_prep_nop(asyncrt_get_sqe(&self->ring), 2);
	ASSERT_EQ(2, asyncrt_submit(&self->ring));
	for (int n = 0; n < 2;)
		ASSERT_EQ(0, next_cqe(&self->ring, &cqe[n++], 5 * SEC));
	EXPECT_EQ(1, cqe[0].user_data);
	EXPECT_EQ(1, cqe[0].res);
	EXPECT_EQ(2, cqe[1].user_data);
	EXPECT_EQ(0, cqe[1].res);
}

TEST_F(sock, zero_length)
{
	char c;

	EXPECT_EQ(0, send1(&self->ring, self->sv[0], &c, 0));
	EXPECT_EQ(0, send1(&self->ring, self->sv[0], NULL, 0));
	ASSERT_EQ(1, write(self->sv[0], "z", 1));
	EXPECT_EQ(0, recv1(&self->ring, self->sv[1], &c, 0));
	EXPECT_EQ(1, recv1(&self->ring, self->sv[1], &c, 1));
	EXPECT_EQ('z', c);
}

TEST_F(sock, recv_after_peer_closed_gives_zero)
{
	char in[8];

	ASSERT_EQ(2, write(self->sv[0], "ok", 2));
	close(self->sv[0]);
	self->sv[0] = -1;
	EXPECT_EQ(2, recv1(&self->ring, self->sv[1], in, sizeof(in)));
	EXPECT_EQ(0, recv1(&self->ring, self->sv[1], in, sizeof(in)));
}

static volatile sig_atomic_t got_sigpipe;

static void on_sigpipe(int sig)
{
	got_sigpipe = 1;
}

TEST_F(sock, send_to_closed_peer_gives_epipe_without_sigpipe)
{
	char c = 'x';

	ASSERT_NE(SIG_ERR, signal(SIGPIPE, on_sigpipe));
	close(self->sv[1]);
	self->sv[1] = -1;
	EXPECT_EQ(-EPIPE, send1(&self->ring, self->sv[0], &c, 1));
	EXPECT_EQ(0, got_sigpipe);
}

/* A connected TCP pair on loopback, both ends non-blocking. */
static void tcp_pair(struct __test_metadata *_metadata, int fd[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&a, &len));
	fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd[0]);
	ASSERT_EQ(0, connect(fd[0], (struct sockaddr *)&a, sizeof(a)));
	fd[1] = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	ASSERT_LE(0, fd[1]);
	close(l);
	setsockopt(fd[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

TEST_F(sock, tcp_loopback_round_trip)
{
	char out[1000], in[1000];
	int fd[2], got = 0, r;

	tcp_pair(_metadata, fd);
	for (int i = 0; i < (int)sizeof(out); i++)
		out[i] = i ^ 0x5a;
	EXPECT_EQ(-EAGAIN, recv1(&self->ring, fd[1], in, sizeof(in)));
	ASSERT_EQ(1000, send1(&self->ring, fd[0], out, sizeof(out)));
	/* Loopback delivers within the send, but allow a softirq's delay. */
	for (int tries = 0; got < 1000 && tries < 1000; tries++) {
		r = recv1(&self->ring, fd[1], in + got, sizeof(in) - got);
		if (r == -EAGAIN) {
			usleep(1000);
			continue;
		}
		ASSERT_LT(0, r);
		got += r;
	}
	ASSERT_EQ(1000, got);
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
	close(fd[0]);
	close(fd[1]);
}

/* 64 SENDs then 64 RECVs in one ENTER: they run in SQ order. */
TEST_F(sock, batch_of_64_sends_and_64_recvs_in_one_enter)
{
	enum { N = 64, LEN = 64 };
	static char out[N][LEN], in[N][LEN];
	struct asyncrt_cqe cqe[2 * N];
	int pairs[N][2];

	for (int i = 0; i < N; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pairs[i]));
		for (int j = 0; j < LEN; j++)
			out[i][j] = i * 31 + j;
		memset(in[i], 0, LEN);
		asyncrt_prep_send(asyncrt_get_sqe(&self->ring), pairs[i][0], out[i], LEN, i);
	}
	for (int i = 0; i < N; i++)
		asyncrt_prep_recv(asyncrt_get_sqe(&self->ring), pairs[i][1], in[i], LEN,
				  N + i);
	ASSERT_EQ(2 * N, asyncrt_submit(&self->ring));
	ASSERT_EQ(2 * N, reap(&self->ring, cqe, 2 * N));
	for (int k = 0; k < 2 * N; k++) {
		EXPECT_EQ(k, cqe[k].user_data);
		EXPECT_EQ(LEN, cqe[k].res);
		EXPECT_EQ(0, cqe[k].flags);
	}
	for (int i = 0; i < N; i++) {
		EXPECT_EQ(0, memcmp(out[i], in[i], LEN)) TH_LOG("pair %d", i);
		close(pairs[i][0]);
		close(pairs[i][1]);
	}
}

TEST_HARNESS_MAIN
