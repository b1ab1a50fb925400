// SPDX-License-Identifier: GPL-2.0
/*
 * asyncrt_kecho.ko: a TCP echo server on 127.0.0.1 made of asyncrt tasks,
 * the kernel twin of the seeds' tokio echo server. The module creates the
 * listening socket and a multi-thread runtime, and spawns the accept loop
 * (accept.c), which spawns a task per connection (conn.c).
 *
 * Unloading with connections open is the point of the exercise: exit
 * destroys the runtime, which aborts every task; each connection task's
 * drop releases its socket (its peer sees EOF, or a reset if it had sent
 * bytes not yet read), the accept loop's drop unhooks it from the
 * listener, and only then is the listener released.
 */
#include <linux/module.h>
#include <linux/in.h>
#include <linux/inet.h>
#include <linux/net.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "kecho.h"

static ushort port = 7007;
module_param(port, ushort, 0444);
MODULE_PARM_DESC(port, "TCP port to listen on, on 127.0.0.1 (default 7007)");

static uint idle_ms = 30000;
module_param(idle_ms, uint, 0444);
MODULE_PARM_DESC(idle_ms,
		 "close a connection silent for this long, in ms; 0 never (default 30000)");

static uint max_conns = 1024;
module_param(max_conns, uint, 0444);
MODULE_PARM_DESC(max_conns,
		 "connections served at once; more wait in the backlog (default 1024)");

static uint backlog = 1024;
module_param(backlog, uint, 0444);
MODULE_PARM_DESC(backlog, "listen backlog (default 1024)");

static uint workers;
module_param(workers, uint, 0444);
MODULE_PARM_DESC(workers,
		 "worker threads of its runtime, at most 1024; 0: one per online CPU (default)");

static struct kecho_server kecho;

static int kecho_listen(struct socket **res)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct socket *sock;
	int ret;

	/*
	 * Not sock_create_kern(): a kernel socket holds no reference on its
	 * netns, so tcp_close() stops its timers (6.9, and 6.1 stable) and
	 * an echo or FIN still unacknowledged at close is never retransmitted;
	 * on a slow guest, where RTOs fire, peers then wait for ever. Like a
	 * user socket, this listener and the sockets it accepts pin init_net
	 * and close as TCP should.
	 */
	ret = __sock_create(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP, &sock,
			    0);
	if (ret)
		return ret;
	/* A reload must not wait for the last run's TIME_WAIT sockets. */
	sock_set_reuseaddr(sock->sk);
	ret = kernel_bind(sock, (struct sockaddr *)&addr, sizeof(addr));
	if (ret)
		goto err;
	ret = kernel_listen(sock, backlog);
	if (ret)
		goto err;
	*res = sock;
	return 0;

err:
	sock_release(sock);
	return ret;
}

static int __init kecho_init(void)
{
	struct art_rt_config cfg = { .name = "kecho", .workers = workers };
	int ret;

	if (!max_conns)
		return -EINVAL;
	kecho.max_conns = max_conns;
	kecho.idle_ns = (u64)idle_ms * NSEC_PER_MSEC;
	atomic_set(&kecho.nr_conns, 0);
	art_notify_init(&kecho.slots);

	ret = kecho_listen(&kecho.listener);
	if (ret) {
		pr_err("cannot listen on 127.0.0.1:%u: %pe\n", port, ERR_PTR(ret));
		return ret;
	}
	kecho.rt = art_rt_create(&cfg);
	if (IS_ERR(kecho.rt)) {
		ret = PTR_ERR(kecho.rt);
		pr_err("cannot create its runtime (workers=%u): %pe\n", workers, kecho.rt);
		goto err_rt;
	}
	kecho.acceptor = kecho_acceptor_spawn(&kecho);
	if (IS_ERR(kecho.acceptor)) {
		ret = PTR_ERR(kecho.acceptor);
		goto err_acceptor;
	}
	kecho_stats_init(&kecho);
	pr_info("echoing on 127.0.0.1:%u (idle %u ms, at most %u connections)\n",
		port, idle_ms, max_conns);
	return 0;

err_acceptor:
	art_rt_destroy(kecho.rt);
err_rt:
	sock_release(kecho.listener);
	return ret;
}

static void __exit kecho_exit(void)
{
	kecho_stats_exit();
	/* Aborts the accept loop and every connection; waits for their drops. */
	art_rt_destroy(kecho.rt);
	art_task_put(kecho.acceptor);
	sock_release(kecho.listener);
	pr_info("stopped\n");
}

module_init(kecho_init);
module_exit(kecho_exit);
MODULE_DESCRIPTION("TCP echo server on asyncrt tasks: an example consumer of the in-kernel API");
MODULE_LICENSE("GPL");
