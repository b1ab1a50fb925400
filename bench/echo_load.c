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
 *
 * Interleaved: echo_load <implA>,<implB> <portA>,<portB> <conns> <ms> [size]
 * opens @conns connections to each of two servers that run side by side
 * and drives one server at a time, in slices of ECHO_SLICE_MS (default
 * 200) ms in the order ABBA BAAB ..., until each has had @ms of slices
 * (after one unrecorded slice each). A slice pings all of its
 * connections, re-pings until its time is up, then lets the echoes in
 * flight come back unpinged and uncounted, so the other server starts
 * from quiet. Runs of whole seconds, one server after the other, drift
 * with the host by more than the servers differ (pairs of runs 0.5-1.7x
 * apart); adjacent slices share the host's state. Each slice pair prints
 * rtt_per_s, client_ns_per_rtt (this thread's CPU per round trip: what
 * a server's wake-ups and TCP cost the sender), client_waits_per_krtt
 * (its epoll_wait calls per 1,000 round trips: how the echoes came back
 * batched) and client_sleeps_per_krtt (those of its waits that slept, from
 * its voluntary context switches), and with ECHO_SERVER_PID=<pidA>,<pidB> server_ns_per_rtt and
 * server_runs_per_krtt (how often its threads were switched in, per 1,000
 * round trips: its sleeps), and guest-wide TCP segments sent and ACKs
 * sent by the delayed-ACK timer per 1,000 round trips (tcp_segs_per_krtt,
 * 2,000 when every ACK rides on data; delacks_per_krtt), as one
 * repetition of each side, which
 * report.py pairs by their order; at the end, block_pairs (side A only):
 * how many pairs this run, one block of report.py's, printed.
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
#include <time.h>
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

/*
 * Run time in ns of thread @tid, from its schedstat; 0 if it is gone.
 * With @runs, also adds how many times it was switched in (the third
 * field), which counts its sleeps and wake-ups.
 */
static unsigned long long run_ns(long pid, long tid, unsigned long long *runs)
{
	unsigned long long ns = 0, wait, n;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/schedstat", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu %llu", &ns, &wait, &n) != 3)
		ns = n = 0;
	if (runs)
		*runs += n;
	fclose(f);
	return ns;
}

/* Run time of every thread of process @pid; @runs as for run_ns(). */
static unsigned long long proc_ns(long pid, unsigned long long *runs)
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
			ns += run_ns(pid, atol(d->d_name), runs);
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
			ns += run_ns(pid, pid, NULL);
		fclose(f);
	}
	closedir(dp);
	return ns;
}

/*
 * Counter @name of the @prefix ("Tcp:", "TcpExt:") table in @path
 * (/proc/net/snmp, /proc/net/netstat: a line of names, then one of
 * values); -1 if absent. Guest-wide: a slice drives one server at a time.
 */
static long long mib(const char *path, const char *prefix, const char *name)
{
	char names[4096], vals[4096], *np, *vp, *n, *v;
	long long ret = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(names, prefix, strlen(prefix)))
			continue;
		/* A line longer than the buffer would pair names and values wrongly. */
		if (!strchr(names, '\n') || !strchr(vals, '\n'))
			break;
		n = strtok_r(names, " \n", &np);
		v = strtok_r(vals, " \n", &vp);
		while (n && v) {
			if (!strcmp(n, name)) {
				ret = atoll(v);
				break;
			}
			n = strtok_r(NULL, " \n", &np);
			v = strtok_r(NULL, " \n", &vp);
		}
		break;
	}
	fclose(f);
	return ret;
}

/* TCP segments sent, and ACKs the delayed-ACK timer sent, guest-wide. */
static void tcp_counts(long long *segs, long long *dacks)
{
	*segs = mib("/proc/net/snmp", "Tcp:", "OutSegs");
	*dacks = mib("/proc/net/netstat", "TcpExt:", "DelayedACKs");
}

/* @conns connections to @port, each watched for EPOLLIN by @ep. */
static void connect_all(int ep, struct peer *peers, size_t conns, uint16_t port)
{
	struct epoll_event ev = { .events = EPOLLIN };
	size_t i;

	for (i = 0; i < conns; i++) {
		peers[i].fd = dial(port);
		ev.data.ptr = &peers[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, peers[i].fd, &ev))
			bench_die("epoll_ctl", errno);
	}
}

static void setup(size_t conns)
{
	struct rlimit rl = { 2 * conns + 64, 2 * conns + 64 };
	size_t i;

	if (!conns || conns > 100000 || !size || size > 65536)
		bench_die("conns/size", EINVAL);
	if (2 * conns + 64 > 1024 && setrlimit(RLIMIT_NOFILE, &rl))
		bench_die("setrlimit", errno);
	msg = malloc(size);
	buf = malloc(size);
	if (!msg || !buf)
		bench_die("setup", ENOMEM);
	for (i = 0; i < size; i++)
		msg[i] = 'a' + i % 26;
}

/* One of the two servers of an interleaved run. */
struct side {
	const char *impl;
	long pid;		/* 0: its CPU is not measured */
	int ep;
	struct peer *peers;
	uint64_t trips;		/* of the last slice */
	unsigned long long ns;	/* the server's CPU over the last slice */
	unsigned long long runs;	/* its threads' switches in, idem */
	unsigned long long cns;	/* our own CPU over the last slice */
	uint64_t waits;		/* our epoll_wait calls in it */
	long long segs, dacks;	/* TCP segments, delayed ACKs sent in it */
	long sleeps;		/* our voluntary switches in it: waits that slept */
};

/* This thread's voluntary context switches so far. */
static long thread_sleeps(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? 0 : ru.ru_nvcsw;
}

/* This thread's CPU time in ns. */
static unsigned long long thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The server's CPU; its threads' switches in are added to @runs. */
static unsigned long long side_ns(const struct side *s, unsigned long long *runs)
{
	/* The ring's kernel threads work for asyncrt only. */
	return proc_ns(s->pid, runs) + (strcmp(s->impl, "asyncrt") ? 0 : kthreads_ns());
}

/*
 * One slice of @ms on @s's connections, which are all idle when it starts
 * and when it ends: the round trips completed within @ms go to s->trips,
 * the server's CPU over them to s->ns (read before the first ping and
 * when the time is up, outside the window).
 */
static void slice(struct side *s, size_t conns, uint64_t ms)
{
	unsigned long long r0 = 0, r1 = 0, s0 = s->pid ? side_ns(s, &r0) : 0, c0 = thread_ns();
	uint64_t t0 = bench_now_ns(), end = t0 + ms * 1000000ull, now, last;
	struct epoll_event evs[256];
	size_t busy = conns, i;
	int n, k, over = 0;
	long long g0, d0, g1, d1;
	long v0 = thread_sleeps();

	tcp_counts(&g0, &d0);
	s->trips = s->waits = 0;
	for (i = 0; i < conns; i++)
		ping(&s->peers[i]);
	last = t0;
	while (busy) {
		n = epoll_wait(s->ep, evs, 256, 100);
		if (n < 0 && errno != EINTR)
			bench_die("epoll_wait", errno);
		s->waits += !over;
		now = bench_now_ns();
		if (n > 0)
			last = now;
		else if (now - last > 2000000000ull)
			bench_die("no echo for 2 s", ETIMEDOUT);
		if (!over && now >= end) {
			over = 1;
			s->cns = thread_ns() - c0;
			s->ns = s->pid ? side_ns(s, &r1) - s0 : 0;
			s->runs = r1 - r0;
			s->sleeps = thread_sleeps() - v0;
			tcp_counts(&g1, &d1);
			s->segs = g0 < 0 || g1 < 0 ? -1 : g1 - g0;
			s->dacks = d0 < 0 || d1 < 0 ? -1 : d1 - d0;
		}
		for (k = 0; k < n; k++) {
			struct peer *p = evs[k].data.ptr;

			if (!pong(p))
				continue;
			if (over) {
				busy--;
			} else {
				s->trips++;
				ping(p);
			}
		}
	}
}

static int interleaved(char **argv, size_t conns, uint64_t ms, const char *bench)
{
	uint64_t slice_ms = getenv("ECHO_SLICE_MS") ? atol(getenv("ECHO_SLICE_MS")) : 200;
	const char *spid = getenv("ECHO_SERVER_PID");
	char *impls = strdup(argv[1]), *ports = strdup(argv[2]), *pb = NULL;
	struct side sides[2] = { 0 };
	uint64_t pairs, i;
	char param[24];
	int j;

	if (!impls || !ports || !slice_ms)
		bench_die("interleaved: args", EINVAL);
	sides[0].impl = strtok(impls, ",");
	sides[1].impl = strtok(NULL, ",");
	if (!sides[1].impl)
		bench_die("interleaved: two impls", EINVAL);
	if (spid) {
		sides[0].pid = atol(spid);
		pb = strchr(spid, ',');
		sides[1].pid = pb ? atol(pb + 1) : 0;
	}
	pb = ports;
	for (j = 0; j < 2; j++) {
		char *p = strsep(&pb, ",");

		if (!p || !atoi(p))
			bench_die("interleaved: two ports", EINVAL);
		sides[j].peers = calloc(conns, sizeof(struct peer));
		sides[j].ep = epoll_create1(EPOLL_CLOEXEC);
		if (!sides[j].peers || sides[j].ep < 0)
			bench_die("setup", ENOMEM);
		connect_all(sides[j].ep, sides[j].peers, conns, atoi(p));
	}
	/* Unrecorded: both servers see their connections busy once. */
	slice(&sides[0], conns, slice_ms);
	slice(&sides[1], conns, slice_ms);
	pairs = ms / slice_ms ? ms / slice_ms : 1;
	snprintf(param, sizeof(param), "%zu", conns);
	for (i = 0; i < pairs; i++) {
		/* ABBA BAAB: a drift over four slices hits both sides alike. */
		int first = (i % 4 == 0 || i % 4 == 3) ? 0 : 1;

		slice(&sides[first], conns, slice_ms);
		slice(&sides[!first], conns, slice_ms);
		for (j = 0; j < 2; j++) {
			struct side *s = &sides[j];

			bench_result(bench, s->impl, param, "rtt_per_s", s->trips * 1e3 / slice_ms);
			if (s->pid && s->trips) {
				bench_result(bench, s->impl, param, "server_ns_per_rtt",
					     (double)s->ns / s->trips);
				bench_result(bench, s->impl, param, "server_runs_per_krtt",
					     1e3 * s->runs / s->trips);
			}
			if (s->trips) {
				bench_result(bench, s->impl, param, "client_ns_per_rtt",
					     (double)s->cns / s->trips);
				bench_result(bench, s->impl, param, "client_waits_per_krtt",
					     1e3 * s->waits / s->trips);
				bench_result(bench, s->impl, param, "client_sleeps_per_krtt",
					     1e3 * s->sleeps / s->trips);
			}
			/* 2,000 per 1,000 when every ACK rides on an echo or a ping. */
			if (s->trips && s->segs >= 0)
				bench_result(bench, s->impl, param, "tcp_segs_per_krtt",
					     1e3 * s->segs / s->trips);
			if (s->trips && s->dacks >= 0)
				bench_result(bench, s->impl, param, "delacks_per_krtt",
					     1e3 * s->dacks / s->trips);
		}
	}
	/* The pairs above are one block: report.py judges by blocks. */
	bench_result(bench, sides[0].impl, param, "block_pairs", pairs);
	for (j = 0; j < 2; j++)
		for (i = 0; i < conns; i++)
			close(sides[j].peers[i].fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *impl = argc > 1 ? argv[1] : "epoll";
	uint16_t port = bench_arg_u64(argc, argv, 2, 7001);
	size_t conns = bench_arg_u64(argc, argv, 3, 1), i;
	uint64_t ms = bench_arg_u64(argc, argv, 4, 1000);
	uint64_t warm = ms / 4 < 100 ? 100 : ms / 4, t0, now, trips = 0, last, all = 0;
	struct epoll_event evs[256];
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
	setup(conns);
	if (strchr(impl, ',') && argc > 2)
		return interleaved(argv, conns, ms, bench);
	peers = calloc(conns, sizeof(*peers));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!peers || ep < 0)
		bench_die("setup", ENOMEM);
	connect_all(ep, peers, conns, port);
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
				s0 = proc_ns(server, NULL);
				k0 = kthreads_ns();
			}
		} else if (counting && now - t0 >= ms * 1000000ull) {
			break;
		}
	}
	sys_jiffies(&b1, &j1);
	c1 = cpu_s();
	s1 = server ? proc_ns(server, NULL) : 0;
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
