// SPDX-License-Identifier: GPL-2.0
/*
 * Description: asyncrt_kecho.ko, the kernel-side echo server built on
 * asyncrt tasks, driven from userspace over loopback: one message; 256
 * connections open at once, each echoing distinct data in several chunks
 * with every byte checked; a client that half-closes while the server still
 * has data to send back; the idle timeout closing a silent peer but not a
 * slow one; max_conns holding a connection in the backlog until a slot
 * frees; unload with connections open (clients see EOF or a reset, the
 * port is closed) and reload.
 *
 * Every test loads the module itself (with its own parameters) and the
 * fixture's teardown unloads it, so each starts from a fresh server. The
 * test skips when /modules/asyncrt_kecho.ko is absent.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define KECHO_KO	"/modules/asyncrt_kecho.ko"
#define KECHO_NAME	"asyncrt_kecho"
#define KECHO_PORT	7007

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int kecho_insmod(const char *params)
{
	int fd = open(KECHO_KO, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

static int kecho_rmmod(void)
{
	return syscall(SYS_delete_module, KECHO_NAME, O_NONBLOCK) ? -errno : 0;
}

FIXTURE(kecho) {
	bool loaded;
};

FIXTURE_SETUP(kecho)
{
	/* A run that died earlier may have left it loaded. */
	kecho_rmmod();
}

FIXTURE_TEARDOWN(kecho)
{
	if (self->loaded)
		EXPECT_EQ(0, kecho_rmmod());
}

/* Load the server with @params; skips the test if there is no module. */
#define LOAD(params) do {						\
	int __ret;							\
									\
	if (access(KECHO_KO, R_OK))					\
		SKIP(return, "%s is absent (not built for this kernel)", \
		     KECHO_KO);						\
	__ret = kecho_insmod(params);					\
	ASSERT_EQ(0, __ret) TH_LOG("insmod %s %s: %s", KECHO_KO,	\
				   params, strerror(-__ret));		\
	self->loaded = true;						\
} while (0)

#define UNLOAD() do {							\
	int __ret = kecho_rmmod();					\
									\
	ASSERT_EQ(0, __ret) TH_LOG("rmmod: %s", strerror(-__ret));	\
	self->loaded = false;						\
} while (0)

/* Print the lines of @path that contain @match (all if NULL), prefixed. */
static void dump_file(struct __test_metadata *_metadata, const char *path,
		      const char *match, const char *prefix)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!match || strstr(line, match))
			TH_LOG("%s%s", prefix, line);
	}
	fclose(f);
}

/* The counter @name of the server's debugfs stats, or -1. */
static long long kecho_stat(const char *name)
{
	FILE *f = fopen("/sys/kernel/debug/" KECHO_NAME "/stats", "r");
	long long v = -1, x;
	char key[64];

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &x) == 2)
		if (!strcmp(key, name))
			v = x;
	fclose(f);
	return v;
}

/*
 * When a test fails: the server's counters, its TCP sockets' queues and
 * what its worker threads are doing, so a lost wake is told from a worker
 * stuck in a poll.
 */
static void dump_server(struct __test_metadata *_metadata)
{
	char path[300], comm[64];
	struct dirent *d;
	DIR *proc;

	dump_file(_metadata, "/sys/kernel/debug/" KECHO_NAME "/stats", NULL,
		  "stats: ");
	/* Port 7007 is 1B5F; columns: local remote state tx:rx queues. */
	dump_file(_metadata, "/proc/net/tcp", ":1B5F ", "tcp: ");
	dump_file(_metadata, "/proc/net/sockstat", NULL, "");
	dump_file(_metadata, "/proc/net/netstat", "TcpExt", "");
	dump_file(_metadata, "/proc/net/snmp", "Tcp", "");
	sleep(3);
	dump_file(_metadata, "/proc/net/tcp", ":1B5F ", "tcp 3s later: ");
	proc = opendir("/proc");
	while (proc && (d = readdir(proc))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "art/kecho", 9)) {
			comm[strcspn(comm, "\n")] = 0;
			snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
			dump_file(_metadata, path, NULL, comm);
			snprintf(path, sizeof(path), "/proc/%s/stack", d->d_name);
			dump_file(_metadata, path, NULL, "  ");
		}
		fclose(f);
	}
	if (proc)
		closedir(proc);
}

/* A blocking connection to the server; -errno on failure. */
static int kecho_connect(void)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(KECHO_PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int err;

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Wait up to @ms for @events on @fd: 1 ready, 0 timeout. */
static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, ms);
}

/*
 * Read into @buf until @len bytes, EOF, an error or @ms pass: returns the
 * count, or -errno if an error came before any byte.
 */
static ssize_t read_for(int fd, void *buf, size_t len, int ms)
{
	long long end = now_ms() + ms;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		long long left = end - now_ms();

		if (left <= 0 || wait_fd(fd, POLLIN, left) <= 0)
			break;
		n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return got ? (ssize_t)got : -errno;
		}
		got += n;
	}
	return got;
}

/*
 * Wait up to @ms for the server to close: 0 on EOF, -ECONNRESET on a
 * reset, -ETIMEDOUT if nothing came, -EPROTO if data came instead.
 */
static int wait_close(int fd, int ms)
{
	char c;
	ssize_t n;

	if (wait_fd(fd, POLLIN, ms) <= 0)
		return -ETIMEDOUT;
	n = recv(fd, &c, 1, MSG_DONTWAIT);
	if (n == 0)
		return 0;
	if (n < 0)
		return -errno;
	return -EPROTO;
}

/* Send @msg and expect it back, within @ms. */
static bool echo_once(int fd, const char *msg, int ms)
{
	size_t len = strlen(msg);
	char buf[256];

	if (len > sizeof(buf) || send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return false;
	return read_for(fd, buf, len, ms) == (ssize_t)len &&
	       !memcmp(buf, msg, len);
}

/*
 * A client for the concurrent tests: sends @len bytes of a pattern that
 * depends on @id in @nchunks chunks; with @lockstep, chunk k+1 is sent only
 * once chunk k has come back whole. After the last byte it half-closes and
 * expects every byte back, then EOF.
 */
struct client {
	int fd;
	unsigned int id;
	size_t len;
	size_t bound[8];	/* end offset of each chunk */
	unsigned int nchunks, chunk;
	bool lockstep;
	size_t sent, rcvd;
	bool shut, eof;
	int err;		/* errno, or -1 for a wrong byte */
	size_t bad_at;
};

static unsigned char pattern(unsigned int id, size_t i)
{
	return (unsigned char)(id * 131 + i * 7 + (i >> 8) + (id >> 8));
}

static void client_init(struct client *c, int fd, unsigned int id, size_t len,
			unsigned int nchunks, bool lockstep)
{
	unsigned int k;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->id = id;
	c->len = len;
	c->nchunks = nchunks;
	c->lockstep = lockstep;
	/* Uneven chunks, so chunk edges fall anywhere in the server's buffer. */
	for (k = 0; k < nchunks; k++)
		c->bound[k] = len * (k + 1) / nchunks - (k + 1 < nchunks ? id % 97 : 0);
}

static bool client_done(const struct client *c)
{
	return c->eof || c->err;
}

static short client_events(const struct client *c)
{
	size_t limit = c->lockstep ? c->bound[c->chunk] : c->len;
	short ev = POLLIN;

	if (c->sent < limit || (c->sent == c->len && !c->shut))
		ev |= POLLOUT;
	return ev;
}

static void client_step(struct client *c, short revents)
{
	unsigned char buf[4096];
	size_t limit, n, i;
	ssize_t r;

	if (revents & (POLLIN | POLLERR | POLLHUP)) {
		r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0 && errno != EAGAIN && errno != EINTR) {
			c->err = errno;
			return;
		}
		if (r == 0) {
			c->eof = true;
			return;
		}
		for (i = 0; r > 0 && i < (size_t)r; i++) {
			if (c->rcvd + i >= c->sent ||
			    buf[i] != pattern(c->id, c->rcvd + i)) {
				c->err = -1;
				c->bad_at = c->rcvd + i;
				return;
			}
		}
		if (r > 0)
			c->rcvd += r;
		while (c->chunk + 1 < c->nchunks && c->rcvd >= c->bound[c->chunk])
			c->chunk++;
	}
	if (!(revents & POLLOUT))
		return;
	if (c->sent == c->len) {
		if (!c->shut && shutdown(c->fd, SHUT_WR) == 0)
			c->shut = true;
		return;
	}
	limit = c->lockstep ? c->bound[c->chunk] : c->len;
	n = limit - c->sent;
	if (n > sizeof(buf))
		n = sizeof(buf);
	for (i = 0; i < n; i++)
		buf[i] = pattern(c->id, c->sent + i);
	r = send(c->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r < 0 && errno != EAGAIN && errno != EINTR)
		c->err = errno;
	else if (r > 0)
		c->sent += r;
}

/* Drive @n clients until all are done or @ms pass; returns clients left. */
static unsigned int clients_run(struct client *cs, unsigned int n, int ms)
{
	struct pollfd *p = calloc(n, sizeof(*p));
	long long end = now_ms() + ms;
	unsigned int i, left = n;

	while (p && left && now_ms() < end) {
		for (i = 0; i < n; i++) {
			p[i].fd = client_done(&cs[i]) ? -1 : cs[i].fd;
			p[i].events = client_done(&cs[i]) ? 0 : client_events(&cs[i]);
			p[i].revents = 0;
		}
		if (poll(p, n, 200) < 0 && errno != EINTR)
			break;
		left = 0;
		for (i = 0; i < n; i++) {
			if (p[i].revents)
				client_step(&cs[i], p[i].revents);
			left += !client_done(&cs[i]);
		}
	}
	free(p);
	return left;
}

TEST_F(kecho, echo_one_message)
{
	int fd;

	LOAD("");
	fd = kecho_connect();
	ASSERT_LE(0, fd) TH_LOG("connect: %s", strerror(-fd));
	EXPECT_TRUE(echo_once(fd, "Who are you?\n", 10000));
	EXPECT_TRUE(echo_once(fd, "Thanks for dialing in\n", 10000));
	close(fd);
}

/*
 * 256 connections are established before any sends, so the server holds
 * them all at once; each then echoes 2-6 KiB in four uneven chunks in
 * lockstep, half-closes, and must see every byte back, then EOF.
 */
TEST_F_TIMEOUT(kecho, echo_many_concurrent_chunked, 240)
{
	enum { N = 256 };
	struct client *cs = calloc(N, sizeof(*cs));
	unsigned int i, left, errs = 0;
	int fd;

	ASSERT_NE(NULL, cs);
	LOAD("");
	for (i = 0; i < N; i++) {
		fd = kecho_connect();
		ASSERT_LE(0, fd) TH_LOG("connect #%u: %s", i, strerror(-fd));
		client_init(&cs[i], fd, i, 2048 + (i * 37) % 4096, 4, true);
	}
	left = clients_run(cs, N, 150000);
	for (i = 0; i < N; i++) {
		struct client *c = &cs[i];

		if (c->eof && c->rcvd == c->len && c->shut)
			continue;
		if (errs++ < 5)
			TH_LOG("client %u: sent %zu/%zu rcvd %zu shut %d eof %d err %d at %zu",
			       i, c->sent, c->len, c->rcvd, c->shut, c->eof,
			       c->err, c->bad_at);
	}
	EXPECT_EQ(0, left);
	EXPECT_EQ(0, errs);
	if (left || errs)
		dump_server(_metadata);
	for (i = 0; i < N; i++)
		close(cs[i].fd);
	free(cs);
}

/*
 * The client sends 512 KiB at once and half-closes right after the last
 * byte, while most of it is still to be echoed: the server must keep
 * writing after it has seen EOF, then close.
 */
TEST_F_TIMEOUT(kecho, half_close_after_send_gets_everything_back, 120)
{
	struct client c;
	int fd;

	LOAD("");
	fd = kecho_connect();
	ASSERT_LE(0, fd) TH_LOG("connect: %s", strerror(-fd));
	client_init(&c, fd, 7, 512 * 1024, 1, false);
	EXPECT_EQ(0, clients_run(&c, 1, 90000));
	EXPECT_EQ(0, c.err) TH_LOG("wrong byte at %zu", c.bad_at);
	EXPECT_TRUE(c.shut);
	EXPECT_EQ(c.len, c.rcvd);
	EXPECT_TRUE(c.eof);
	close(fd);
}

/*
 * idle_ms=1000: a silent connection is closed after roughly that long (the
 * guest is emulated: the upper bound is generous), while one that talks
 * every 100 ms outlives it, until it falls silent too.
 */
TEST_F_TIMEOUT(kecho, idle_timeout_closes_silent_connection, 90)
{
	long long start, waited;
	int silent, chatty, i, ret;

	LOAD("idle_ms=1000");
	silent = kecho_connect();
	ASSERT_LE(0, silent) TH_LOG("connect: %s", strerror(-silent));
	ASSERT_TRUE(echo_once(silent, "hello", 10000));
	start = now_ms();
	ret = wait_close(silent, 30000);
	waited = now_ms() - start;
	EXPECT_EQ(0, ret) TH_LOG("silent connection: %s", strerror(-ret));
	EXPECT_LE(800, waited);
	close(silent);

	/* Two idle periods of small talk, then silence. */
	chatty = kecho_connect();
	ASSERT_LE(0, chatty) TH_LOG("connect: %s", strerror(-chatty));
	start = now_ms();
	for (i = 0; now_ms() - start < 2000; i++) {
		ASSERT_TRUE(echo_once(chatty, "still here", 10000)) TH_LOG("round %d", i);
		usleep(100 * 1000);
	}
	EXPECT_EQ(0, wait_close(chatty, 30000));
	close(chatty);
}

/*
 * max_conns=2: a third connection waits in the backlog, unanswered, until
 * one of the first two closes; then it is served.
 */
TEST_F_TIMEOUT(kecho, max_conns_holds_third_until_a_slot_frees, 90)
{
	int a, b, c;
	char buf[8];

	LOAD("max_conns=2");
	a = kecho_connect();
	b = kecho_connect();
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_TRUE(echo_once(a, "a", 10000));
	ASSERT_TRUE(echo_once(b, "b", 10000));
	c = kecho_connect();
	ASSERT_LE(0, c) TH_LOG("connect: %s", strerror(-c));
	ASSERT_EQ(5, send(c, "third", 5, MSG_NOSIGNAL));
	EXPECT_EQ(0, read_for(c, buf, 5, 1000));
	close(a);
	EXPECT_EQ(5, read_for(c, buf, 5, 20000));
	EXPECT_EQ(0, memcmp(buf, "third", 5));
	EXPECT_TRUE(echo_once(b, "b again", 10000));
	close(b);
	close(c);
}

/*
 * rmmod while 64 connections are open (one of them blocked on a peer that
 * does not read, one with unread input): the module goes, every client
 * sees EOF or a reset, the port refuses connections, and a reload serves
 * again.
 */
TEST_F_TIMEOUT(kecho, rmmod_with_connections_open_closes_them, 120)
{
	enum { N = 64 };
	static char big[1 << 20];
	int fds[N], i, ret, fd;
	ssize_t n;

	LOAD("");
	for (i = 0; i < N; i++) {
		fds[i] = kecho_connect();
		ASSERT_LE(0, fds[i]) TH_LOG("connect #%d: %s", i, strerror(-fds[i]));
	}
	for (i = 0; i < N - 2; i++)
		ASSERT_TRUE(echo_once(fds[i], "ping", 10000)) TH_LOG("#%d", i);
	/* N-2 never reads: the server ends up waiting for send space. */
	memset(big, 'x', sizeof(big));
	n = send(fds[N - 2], big, sizeof(big), MSG_DONTWAIT | MSG_NOSIGNAL);
	ASSERT_LT(0, n);
	/* N-1 has a request in flight. */
	ASSERT_EQ(4, send(fds[N - 1], "last", 4, MSG_NOSIGNAL));
	usleep(300 * 1000);

	UNLOAD();
	for (i = 0; i < N; i++) {
		char buf[4096];

		/* N-2 first drains what was echoed before the unload. */
		if (i == N - 2)
			while (read_for(fds[i], buf, sizeof(buf), 2000) > 0)
				;
		/* N-1 may see its echo before the end. */
		if (i == N - 1)
			read_for(fds[i], buf, 4, 2000);
		ret = wait_close(fds[i], 20000);
		EXPECT_TRUE(ret == 0 || ret == -ECONNRESET)
			TH_LOG("client %d: %s", i, strerror(-ret));
		close(fds[i]);
	}
	fd = kecho_connect();
	EXPECT_EQ(-ECONNREFUSED, fd);
	if (fd >= 0)
		close(fd);

	LOAD("");
	fd = kecho_connect();
	ASSERT_LE(0, fd) TH_LOG("connect after reload: %s", strerror(-fd));
	EXPECT_TRUE(echo_once(fd, "back again", 10000));
	close(fd);
}

/*
 * workers=1: the server runs on one worker thread. 64 connections echo
 * chunked data with every byte checked; no task was ever stolen (there is
 * no other worker), and at rest exactly one worker is parked, where the
 * default (one per CPU) parks one per CPU.
 */
TEST_F_TIMEOUT(kecho, one_worker_serves_concurrent_connections, 180)
{
	enum { N = 64 };
	struct client *cs = calloc(N, sizeof(*cs));
	long long t0 = now_ms(), steals, parked;
	unsigned int i, left;
	int fd;

	ASSERT_NE(NULL, cs);
	LOAD("workers=1");
	for (i = 0; i < N; i++) {
		fd = kecho_connect();
		ASSERT_LE(0, fd) TH_LOG("connect #%u: %s", i, strerror(-fd));
		client_init(&cs[i], fd, i, 1024 + (i * 53) % 4096, 3, true);
	}
	left = clients_run(cs, N, 120000);
	EXPECT_EQ(0, left);
	for (i = 0; i < N; i++) {
		EXPECT_TRUE(cs[i].eof && cs[i].rcvd == cs[i].len)
			TH_LOG("client %u: rcvd %zu/%zu eof %d", i, cs[i].rcvd, cs[i].len,
			       cs[i].eof);
		close(cs[i].fd);
	}
	free(cs);
	if (kecho_stat("polls") < 0)
		SKIP(return, "no debugfs stats to check the worker count with");
	/* The connections' tasks end after our closes: wait for the rest. */
	while (kecho_stat("live") > 1 && now_ms() - t0 < 150000)
		usleep(10000);
	usleep(200000);
	steals = kecho_stat("steals");
	parked = kecho_stat("parked");
	EXPECT_EQ(0, steals);
	EXPECT_EQ(1, parked);
	if (steals || parked != 1)
		dump_server(_metadata);
}

/*
 * More workers than a runtime may have: the load fails and leaves nothing
 * loaded. More workers than CPUs is fine (the extra ones are not bound).
 */
TEST_F(kecho, workers_over_the_limit_are_refused)
{
	int fd;

	if (access(KECHO_KO, R_OK))
		SKIP(return, "%s is absent (not built for this kernel)", KECHO_KO);
	EXPECT_EQ(-EINVAL, kecho_insmod("workers=1025"));
	EXPECT_EQ(-ENOENT, kecho_rmmod());
	LOAD("workers=3");
	fd = kecho_connect();
	ASSERT_LE(0, fd) TH_LOG("connect: %s", strerror(-fd));
	EXPECT_TRUE(echo_once(fd, "three workers", 10000));
	close(fd);
}

/* Load and unload five times, each with a connection mid-conversation. */
TEST_F_TIMEOUT(kecho, reload_cycles_serve_each_time, 120)
{
	int round, fd;

	for (round = 0; round < 5; round++) {
		LOAD(round & 1 ? "idle_ms=0" : "");
		fd = kecho_connect();
		ASSERT_LE(0, fd) TH_LOG("round %d: %s", round, strerror(-fd));
		EXPECT_TRUE(echo_once(fd, "round", 10000));
		UNLOAD();
		EXPECT_EQ(0, wait_close(fd, 20000));
		close(fd);
	}
}

TEST_HARNESS_MAIN
