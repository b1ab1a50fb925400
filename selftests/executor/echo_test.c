// SPDX-License-Identifier: GPL-2.0
/*
 * Description: examples/echo_server serves 1,000 concurrent clients, every
 * byte checked. The server is the example binary, in a child process; the
 * clients are 1,000 tasks of one runtime in this process, each connecting,
 * sending two rounds of a pattern of its own and reading them back whole.
 * The server exits by itself after 1,000 connections and must report them.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "executor/rt_helpers.h"

#define CLIENTS	1000
#define CHUNK	2048
#define ROUNDS	2

struct client {
	struct asyncrt_co co;
	struct asyncrt_io io;
	uint16_t port;
	int id, fd, round;
	int *ok;
	long r;
	unsigned char out[CHUNK], in[CHUNK];
};

static void pattern(unsigned char *p, int id, int round)
{
	int i;

	for (i = 0; i < CHUNK; i++)
		p[i] = (unsigned char)(id * 131 + i * 7 + round * 29);
}

static enum asyncrt_poll client(struct asyncrt_cx *cx, void *state, long *res)
{
	struct client *c = state;
	struct sockaddr_storage ss;
	socklen_t len;

	asyncrt_co_begin(&c->co);
	c->fd = asyncrt_tcp_socket();
	if (c->fd < 0)
		asyncrt_co_return(&c->co, res, c->fd);
	asyncrt_sockaddr_in(&ss, &len, "127.0.0.1", c->port);
	asyncrt_connect_init(&c->io, c->fd, (struct sockaddr *)&ss, len);
	asyncrt_co_await(&c->co, asyncrt_io_poll(&c->io, cx, &c->r));
	if (c->r < 0)
		goto out;
	for (c->round = 0; c->round < ROUNDS; c->round++) {
		pattern(c->out, c->id, c->round);
		asyncrt_write_all_init(&c->io, c->fd, c->out, CHUNK);
		asyncrt_co_await(&c->co, asyncrt_io_poll(&c->io, cx, &c->r));
		if (c->r != CHUNK)
			goto out;
		memset(c->in, 0, CHUNK);
		asyncrt_read_exact_init(&c->io, c->fd, c->in, CHUNK);
		asyncrt_co_await(&c->co, asyncrt_io_poll(&c->io, cx, &c->r));
		if (c->r != CHUNK)
			goto out;
		if (memcmp(c->in, c->out, CHUNK)) {
			c->r = -EILSEQ;
			goto out;
		}
	}
	(*c->ok)++;
	c->r = 0;
out:
	close(c->fd);
	asyncrt_co_return(&c->co, res, c->r);
	asyncrt_co_end(&c->co, res);
}

struct clients {
	struct asyncrt_co co;
	struct asyncrt_group g;
	struct asyncrt_group_next next;
	uint16_t port;
	int ok, failed, i;
	long first_err, r;
};

static enum asyncrt_poll clients(struct asyncrt_cx *cx, void *state, long *res)
{
	struct clients *s = state;
	static struct client c;

	asyncrt_co_begin(&s->co);
	asyncrt_group_init(&s->g, cx->rt);
	for (s->i = 0; s->i < CLIENTS; s->i++) {
		memset(&c, 0, sizeof(c));
		c.port = s->port;
		c.id = s->i;
		c.ok = &s->ok;
		asyncrt_group_spawn(&s->g, client, &c, sizeof(c), NULL);
	}
	for (;;) {
		asyncrt_group_next_init(&s->next, &s->g);
		asyncrt_co_await(&s->co, asyncrt_group_next_poll(&s->next, cx, &s->r));
		if (s->r)
			break;
		if (s->next.value) {
			if (!s->failed++)
				s->first_err = s->next.value;
		}
	}
	asyncrt_group_destroy(&s->g);
	asyncrt_co_end(&s->co, res);
}

FIXTURE(echo) {
	int unused;
};

FIXTURE_SETUP(echo)
{
}

FIXTURE_TEARDOWN(echo)
{
}

/* Generous: 2,000 sockets on an emulated CPU. */
TEST_F_TIMEOUT(echo, serves_1000_concurrent_clients, 300)
{
	struct rlimit rl = { .rlim_cur = 8192, .rlim_max = 8192 };
	struct asyncrt_rt_config cfg = { .cq_entries = 16384 };
	struct clients s = { 0 };
	char path[PATH_MAX], line[256], count[16];
	struct asyncrt_rt *rt;
	int pfd[2], status, ret;
	unsigned int port;
	FILE *out;
	pid_t pid;

	ret = asyncrt_rt_create(&rt, &cfg);
	ASSERT_EQ(0, ret) TH_LOG("rt: %s", asyncrt_strerror_hint(ret));
	if (!(asyncrt_rt_ops(rt) & ASYNCRT_OP_BIT(ASYNCRT_OP_POLL))) {
		asyncrt_rt_destroy(rt);
		SKIP(return, "the module lacks POLL (not implemented yet)");
	}
	if (find_example(path, sizeof(path), "echo_server")) {
		asyncrt_rt_destroy(rt);
		SKIP(return, "examples/echo_server is not built");
	}
	/* 1,000 sockets here and 1,000 in the server. */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl)) TH_LOG("setrlimit: %m");

	ASSERT_EQ(0, pipe(pfd));
	snprintf(count, sizeof(count), "%d", CLIENTS);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl(path, "echo_server", "0", count, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	out = fdopen(pfd[0], "r");
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, fgets(line, sizeof(line), out));
	ASSERT_EQ(1, sscanf(line, "echo_server: listening on 127.0.0.1:%u", &port))
		TH_LOG("server said: %s", line);
	s.port = port;

	ret = asyncrt_block_on(rt, clients, &s, 0, NULL);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(CLIENTS, s.ok) TH_LOG("%d failed, first error %ld", s.failed, s.first_err);
	asyncrt_rt_destroy(rt);
	if (s.ok != CLIENTS)
		kill(pid, SIGKILL);	/* it would wait for the missing clients */

	ASSERT_NE(NULL, fgets(line, sizeof(line), out));
	EXPECT_NE(NULL, strstr(line, "served 1000 connections, echoed 4096000 bytes"))
		TH_LOG("server said: %s", line);
	fclose(out);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_HARNESS_MAIN
