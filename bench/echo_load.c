// SPDX-License-Identifier: GPL-2.0
/*
 * The echo benchmark's load generator: @conns TCP connections to
 * 127.0.0.1:@port, each ping-ponging one @size-byte message (send it, read
 * the whole echo back, check it, send again), driven by one thread on
 * level-triggered epoll. After a warm-up of a quarter of @ms (at least
 * 100 ms) it counts round trips for @ms.
 *
 * To tell whether the generator itself is the limit it also reports the
 * CPU it used (user+system, in % of one CPU) and how busy the whole
 * machine was (% of all CPUs, /proc/stat); bench/guest.sh runs it on a
 * 2-CPU guest where the server has the other CPU.
 *
 * With ECHO_SERVER_PID set it also measures the server over the same
 * window: the run time of every thread of that process plus that of the
 * runtime's kernel threads (comm "art/..."; asyncrt's ring instance has
 * one, which does work for the server outside the process), from their
 * schedstat (ns, exact where /proc/stat counts ticks). Then it prints the
 * CPU per round trip of the server, of itself and of the whole guest.
 * ECHO_BENCH names the benchmark in the R lines (default "echo").
 *
 * usage: echo_load <impl> <port> <conns> <ms> [size]	(size default 64)
 * prints: R <bench> <impl> <conns> <metric> <v>, metrics rtt_per_s,
 *	client_cpu_pct, sys_cpu_pct, trips_total (warm-up included), and
 *	with a server pid server_cpu_pct, kthread_cpu_pct, server_ns_per_rtt,
 *	client_ns_per_rtt, guest_ns_per_rtt
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

struct peer {
	int fd;
	size_t got;
};

static size_t size;
static char *msg, *buf;

static int dial(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct linger lg = { 1, 0 };	/* close with a reset: no TIME_WAIT pile-up */
	uint64_t give_up = bench_now_ns() + 5000000000ull;
	int fd, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			bench_die("socket", errno);
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		/* The server may still be starting. */
		if (errno != ECONNREFUSED || bench_now_ns() > give_up)
			bench_die("connect", errno);
		close(fd);
		usleep(20000);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return fd;
}

static void ping(struct peer *p)
{
	ssize_t n = send(p->fd, msg, size, MSG_NOSIGNAL);

	/* An empty socket buffer takes a small message whole. */
	if (n != (ssize_t)size)
		bench_die("send", n < 0 ? errno : EIO);
	p->got = 0;
}

/* Reads what arrived; 1 when a whole echo is in (and checked). */
static int pong(struct peer *p)
{
	ssize_t n = read(p->fd, buf + p->got, size - p->got);

	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		bench_die("read (the server closed?)", n < 0 ? errno : EPIPE);
	p->got += n;
	if (p->got < size)
		return 0;
	if (memcmp(buf, msg, size))
		bench_die("echo differs", EBADMSG);
	return 1;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Busy and total jiffies of all CPUs from /proc/stat. */
static void sys_jiffies(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int i;

	*busy = *total = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		for (i = 0; i < 8; i++)
			*total += v[i];
		*busy = *total - v[3] - v[4];
	}
	fclose(f);
}

/* Run time in ns of thread @tid, from its schedstat; 0 if it is gone. */
static unsigned long long run_ns(long pid, long tid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/schedstat", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

/* Run time of every thread of process @pid. */
static unsigned long long proc_ns(long pid)
{
	unsigned long long ns = 0;
	struct dirent *d;
	char dir[40];
	DIR *dp;

	snprintf(dir, sizeof(dir), "/proc/%ld/task", pid);
	dp = opendir(dir);
	if (!dp)
		return 0;
	while ((d = readdir(dp)))
		if (d->d_name[0] != '.')
			ns += run_ns(pid, atol(d->d_name));
	closedir(dp);
	return ns;
}

/* Run time of the asyncrt runtimes' kernel threads ("art/<name>/<n>"). */
static unsigned long long kthreads_ns(void)
{
	unsigned long long ns = 0;
	char path[40], comm[32];
	struct dirent *d;
	DIR *dp = opendir("/proc");
	FILE *f;
	long pid;

	if (!dp)
		return 0;
	while ((d = readdir(dp))) {
		pid = atol(d->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "art/", 4))
			ns += run_ns(pid, pid);
		fclose(f);
	}
	closedir(dp);
	return ns;
}

int main(int argc, char **argv)
{
	const char *impl = argc > 1 ? argv[1] : "epoll";
	uint16_t port = bench_arg_u64(argc, argv, 2, 7001);
	size_t conns = bench_arg_u64(argc, argv, 3, 1), i;
	uint64_t ms = bench_arg_u64(argc, argv, 4, 1000);
	uint64_t warm = ms / 4 < 100 ? 100 : ms / 4, t0, now, trips = 0, last, all = 0;
	struct rlimit rl = { conns + 64, conns + 64 };
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	unsigned long long b0, j0, b1, j1;
	const char *bench = getenv("ECHO_BENCH");
	const char *spid = getenv("ECHO_SERVER_PID");
	long server = spid ? atol(spid) : 0;
	unsigned long long s0 = 0, k0 = 0, s1, k1;
	struct peer *peers;
	int ep, n, k, counting = 0;
	double c0 = 0, c1, secs;
	char param[24];

	if (!bench || !*bench)
		bench = "echo";
	size = bench_arg_u64(argc, argv, 5, 64);
	if (!conns || conns > 100000 || !size || size > 65536)
		bench_die("conns/size", EINVAL);
	if (conns + 64 > 1024 && setrlimit(RLIMIT_NOFILE, &rl))
		bench_die("setrlimit", errno);
	msg = malloc(size);
	buf = malloc(size);
	peers = calloc(conns, sizeof(*peers));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!msg || !buf || !peers || ep < 0)
		bench_die("setup", ENOMEM);
	for (i = 0; i < size; i++)
		msg[i] = 'a' + i % 26;
	for (i = 0; i < conns; i++) {
		peers[i].fd = dial(port);
		ev.data.ptr = &peers[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, peers[i].fd, &ev))
			bench_die("epoll_ctl", errno);
	}
	for (i = 0; i < conns; i++)
		ping(&peers[i]);
	t0 = last = bench_now_ns();
	b0 = j0 = 0;
	for (;;) {
		n = epoll_wait(ep, evs, 256, 100);
		if (n < 0 && errno != EINTR)
			bench_die("epoll_wait", errno);
		for (k = 0; k < n; k++) {
			struct peer *p = evs[k].data.ptr;

			if (pong(p)) {
				trips++;
				all++;
				ping(p);
			}
		}
		now = bench_now_ns();
		if (n > 0)
			last = now;
		else if (now - last > 2000000000ull)
			bench_die("no echo for 2 s", ETIMEDOUT);
		if (!counting && now - t0 >= warm * 1000000ull) {
			counting = 1;
			trips = 0;
			t0 = now;
			c0 = cpu_s();
			sys_jiffies(&b0, &j0);
			if (server) {
				s0 = proc_ns(server);
				k0 = kthreads_ns();
			}
		} else if (counting && now - t0 >= ms * 1000000ull) {
			break;
		}
	}
	sys_jiffies(&b1, &j1);
	c1 = cpu_s();
	s1 = server ? proc_ns(server) : 0;
	k1 = server ? kthreads_ns() : 0;
	secs = (now - t0) / 1e9;
	snprintf(param, sizeof(param), "%zu", conns);
	bench_result(bench, impl, param, "rtt_per_s", trips / secs);
	bench_result(bench, impl, param, "client_cpu_pct", 100 * (c1 - c0) / secs);
	bench_result(bench, impl, param, "sys_cpu_pct",
		     j1 > j0 ? 100.0 * (b1 - b0) / (j1 - j0) : -1);
	/* With the warm-up: what the server did since it accepted us. */
	bench_result(bench, impl, param, "trips_total", all);
	if (server && trips) {
		/* A kernel thread that ended in the window counts from 0: clamp. */
		double kns = k1 > k0 ? (double)(k1 - k0) : 0;
		double sns = (double)(s1 - s0) + kns;

		bench_result(bench, impl, param, "server_cpu_pct", 1e-7 * (s1 - s0) / secs);
		bench_result(bench, impl, param, "kthread_cpu_pct", 1e-7 * kns / secs);
		bench_result(bench, impl, param, "server_ns_per_rtt", sns / trips);
		bench_result(bench, impl, param, "client_ns_per_rtt", 1e9 * (c1 - c0) / trips);
		/* /proc/stat counts clock ticks (USER_HZ, 10 ms): coarse. */
		if (j1 > j0)
			bench_result(bench, impl, param, "guest_ns_per_rtt",
				     1e9 / sysconf(_SC_CLK_TCK) * (b1 - b0) / trips);
	}
	for (i = 0; i < conns; i++)
		close(peers[i].fd);
	return 0;
}
