// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the examples run and say what they should: timers (two
 * thousand sleeps and an interval, none early, none failed), download
 * (three pages of known sizes from busybox httpd, joined in order, every
 * byte counted) and the demo tour. (echo_server has echo_test.)
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "executor/rt_helpers.h"

/* Run @argv, its output into @out; returns the exit status or -1. */
static int run(char *const argv[], char *out, size_t size)
{
	int pfd[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (len + 1 < size && (n = read(pfd[0], out + len, size - len - 1)) > 0)
		len += n;
	out[len] = 0;
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* SKIP unless the module has @op (checked on a throwaway runtime). */
#define REQUIRE_MODULE_OP(op, what)						\
	do {									\
		struct asyncrt_rt *rt_;						\
		uint32_t ops_ = 0;						\
										\
		ASSERT_EQ(0, asyncrt_rt_create(&rt_, NULL));			\
		ops_ = asyncrt_rt_ops(rt_);					\
		asyncrt_rt_destroy(rt_);					\
		if (!(ops_ & ASYNCRT_OP_BIT(op)))				\
			SKIP(return, "the module lacks " what " (not implemented yet)"); \
	} while (0)

FIXTURE(examples) {
	char out[16384];
	char path[PATH_MAX];
};

FIXTURE_SETUP(examples)
{
}

FIXTURE_TEARDOWN(examples)
{
}

TEST_F_TIMEOUT(examples, timers_none_early_none_failed, 120)
{
	char *argv[] = { self->path, "2000", "5", NULL };

	REQUIRE_MODULE_OP(ASYNCRT_OP_INTERVAL, "INTERVAL");
	if (find_example(self->path, sizeof(self->path), "timers"))
		SKIP(return, "examples/timers is not built");
	EXPECT_EQ(0, run(argv, self->out, sizeof(self->out))) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "2000 sleeps done")) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "(0 failed, 0 woke early)"));
	EXPECT_NE(NULL, strstr(self->out, "tick  5 at"));
	EXPECT_NE(NULL, strstr(self->out, "lateness p50"));
}

static int write_file(const char *path, size_t size)
{
	char buf[4096];
	size_t i, n;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	for (i = 0; i < size; i += n) {
		n = size - i < sizeof(buf) ? size - i : sizeof(buf);
		memset(buf, 'a' + (int)(i / 4096 % 26), n);
		if (write(fd, buf, n) != (ssize_t)n)
			break;
	}
	close(fd);
	return i == size ? 0 : -1;
}

TEST_F_TIMEOUT(examples, download_three_pages_from_busybox_httpd, 120)
{
	static const size_t sizes[3] = { 1000, 100000, 1500000 };
	char *hargv[] = { "/bin/busybox", "httpd", "-f", "-p", "127.0.0.1:8089",
			  "-h", "/tmp/www", NULL };
	char urls[3][64], line[256], *argv[5];
	int i, tries, status;
	pid_t httpd;

	REQUIRE_MODULE_OP(ASYNCRT_OP_POLL, "POLL");
	if (find_example(self->path, sizeof(self->path), "download"))
		SKIP(return, "examples/download is not built");
	if (access("/bin/busybox", X_OK))
		SKIP(return, "no busybox for httpd");
	mkdir("/tmp/www", 0755);
	for (i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "/tmp/www/page%d", i);
		ASSERT_EQ(0, write_file(line, sizes[i]));
		snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:8089/page%d", i);
	}
	httpd = fork();
	ASSERT_LE(0, httpd);
	if (!httpd) {
		execv(hargv[0], hargv);
		_exit(127);
	}
	argv[0] = self->path;
	for (i = 0; i < 3; i++)
		argv[i + 1] = urls[i];
	argv[4] = NULL;
	/* httpd needs a moment to listen: retry on refusal, for up to ~10 s. */
	for (tries = 0; tries < 50; tries++) {
		if (run(argv, self->out, sizeof(self->out)) == 0 ||
		    !strstr(self->out, "refused"))
			break;
		usleep(200000);
	}
	kill(httpd, SIGTERM);
	waitpid(httpd, &status, 0);
	for (i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "%s: 200 %zu bytes\n", urls[i], sizes[i]);
		EXPECT_NE(NULL, strstr(self->out, line)) TH_LOG("want %sgot:\n%s", line, self->out);
	}
	/* Joined in order: the lines appear in URL order. */
	EXPECT_TRUE(strstr(self->out, urls[0]) < strstr(self->out, urls[1]) &&
		    strstr(self->out, urls[1]) < strstr(self->out, urls[2]));
}

TEST_F_TIMEOUT(examples, demo_tour_runs, 120)
{
	char *argv[] = { self->path, NULL };

	if (find_example(self->path, sizeof(self->path), "demo"))
		SKIP(return, "examples/demo is not built");
	EXPECT_EQ(0, run(argv, self->out, sizeof(self->out))) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "10. closed everything"));
}

TEST_HARNESS_MAIN
