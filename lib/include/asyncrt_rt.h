/* SPDX-License-Identifier: MIT */
/*
 * libasyncrt executor: C tasks written as stackless coroutines, run by one
 * thread over one /dev/asyncrt instance. Every wait a task makes (a sleep, a
 * tick, a wait-queue wake-up, socket readiness) is a kernel future submitted
 * through the ring; the loop sleeps in ENTER when no task can run.
 *
 * The model is tokio's current-thread runtime: spawn() returns a join
 * handle (join, abort, detach), groups are JoinSets, block_on() drives the
 * loop until one task completes. A runtime and everything made from it
 * (tasks, channels, groups) belongs to the thread that drives it; threads
 * and processes meet through wait queues (asyncrt_wq_*), which the kernel
 * serves. Run one runtime per thread for more cores.
 *
 * Futures are structs the caller owns (normally inside a task's state):
 * *_init() prepares one, asyncrt_poll() drives it, asyncrt_drop() abandons
 * it (cancelling its kernel entry if in flight). A future that completed
 * needs no drop; a task that ends or is aborted drops whatever it left
 * pending. Results are long: >= 0 on success, a negative errno on failure.
 *
 * Calls returning int give 0 or a negative errno. Out of memory, a call
 * gives -ENOMEM and leaves everything as it was (no half-made runtime,
 * task, channel or socket; out-pointers NULL); a future that cannot start
 * completes with -ENOMEM; drop, abort, close and destroy never allocate.
 */
#ifndef _ASYNCRT_RT_H
#define _ASYNCRT_RT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "asyncrt.h"

#ifdef __cplusplus
extern "C" {
#endif

enum asyncrt_poll {
	ASYNCRT_PENDING,
	ASYNCRT_READY,
};

struct asyncrt_rt;
struct asyncrt_task;

struct asyncrt_link {
	struct asyncrt_link *prev, *next;
};

/* What a poll function gets: the runtime and the task being polled. */
struct asyncrt_cx {
	struct asyncrt_rt *rt;
	struct asyncrt_task *task;
};

/* ---------------------------------------------------------------------- */
/* Stackless coroutines (the userspace twin of the kernel's art_co_*)      */
/* ---------------------------------------------------------------------- */

/*
 * A poll function written as a coroutine keeps a struct asyncrt_co in its
 * state and brackets its body with asyncrt_co_begin() / asyncrt_co_end().
 * Locals do not survive an await or a yield: keep state in the struct. Only
 * one await/yield per source line. Example:
 *
 *	struct tick { struct asyncrt_co co; struct asyncrt_sleep s; int i; long r; };
 *
 *	static enum asyncrt_poll tick(struct asyncrt_cx *cx, void *arg, long *res)
 *	{
 *		struct tick *t = arg;
 *
 *		asyncrt_co_begin(&t->co);
 *		for (t->i = 0; t->i < 3; t->i++) {
 *			asyncrt_sleep_init(&t->s, 1000000);
 *			asyncrt_co_await(&t->co, asyncrt_sleep_poll(&t->s, cx, &t->r));
 *		}
 *		asyncrt_co_return(&t->co, res, t->i);
 *		asyncrt_co_end(&t->co, res);
 *	}
 */
struct asyncrt_co {
	int line;
};

#define ASYNCRT_FALLTHROUGH	__attribute__((__fallthrough__))

#define asyncrt_co_begin(co)	switch ((co)->line) { case 0:

/* Poll @pollexpr (an enum asyncrt_poll expression) until it is READY. */
#define asyncrt_co_await(co, pollexpr)					\
	do {								\
		(co)->line = __LINE__;					\
		ASYNCRT_FALLTHROUGH;					\
	case __LINE__:							\
		if ((pollexpr) == ASYNCRT_PENDING)			\
			return ASYNCRT_PENDING;				\
	} while (0)

/* Give other tasks a turn: wake ourselves and return PENDING once. */
#define asyncrt_co_yield(co, cx)					\
	do {								\
		(co)->line = __LINE__;					\
		asyncrt_wake((cx)->task);				\
		return ASYNCRT_PENDING;					\
	case __LINE__:;							\
	} while (0)

/* Complete the coroutine with @value. */
#define asyncrt_co_return(co, res, value)				\
	do {								\
		(co)->line = -1;					\
		*(res) = (value);					\
		return ASYNCRT_READY;					\
	} while (0)

/* Falling off the end completes with 0; polling after READY returns 0. */
#define asyncrt_co_end(co, res)						\
	}								\
	(co)->line = -1;						\
	*(res) = 0;							\
	return ASYNCRT_READY

/* ---------------------------------------------------------------------- */
/* Futures                                                                 */
/* ---------------------------------------------------------------------- */

struct asyncrt_future;
typedef enum asyncrt_poll (*asyncrt_poll_fn)(struct asyncrt_future *f,
					     struct asyncrt_cx *cx, long *res);
typedef void (*asyncrt_drop_fn)(struct asyncrt_future *f);

/*
 * The head of every future. A leaf future that waits on something outside
 * its task (a kernel entry, a channel, another task) parks itself on the
 * polling task while it waits, so an abort can find and drop it.
 */
struct asyncrt_future {
	asyncrt_poll_fn poll;
	asyncrt_drop_fn drop;		/* NULL: nothing to release */
	struct asyncrt_task *task;	/* parked on this task, or NULL */
	struct asyncrt_link park;
};

static inline enum asyncrt_poll asyncrt_poll(struct asyncrt_future *f,
					     struct asyncrt_cx *cx, long *res)
{
	return f->poll(f, cx, res);
}

/* Abandon a future: cancel what it waits on. Safe on a completed one. */
static inline void asyncrt_drop(struct asyncrt_future *f)
{
	if (f->drop)
		f->drop(f);
}

/* rt.c: for writers of leaf futures */
void asyncrt_future_park(struct asyncrt_future *f, struct asyncrt_cx *cx);
void asyncrt_future_unpark(struct asyncrt_future *f);
void asyncrt_wake(struct asyncrt_task *task);

/* ---------------------------------------------------------------------- */
/* Runtime and tasks (rt.c)                                                */
/* ---------------------------------------------------------------------- */

struct asyncrt_rt_config {
	unsigned int sq_entries;	/* 0: 256 */
	unsigned int cq_entries;	/* 0: 8192; bounds futures in flight */
	unsigned int max_inflight;	/* 0: the module's default */
	unsigned int flags;		/* none yet, must be 0 */
};

/* A task: poll it with its state until READY; *res is its result. */
typedef enum asyncrt_poll (*asyncrt_task_fn)(struct asyncrt_cx *cx, void *state,
					     long *res);
/* Called on the state of a task aborted (or destroyed) before completing. */
typedef void (*asyncrt_task_drop_fn)(void *state);

int asyncrt_rt_create(struct asyncrt_rt **rt, const struct asyncrt_rt_config *cfg);
void asyncrt_rt_destroy(struct asyncrt_rt *rt);
/*
 * The runtime's own ring. An entry a program submits on it must carry
 * user_data ~0, which the runtime ignores: any other value names one of
 * the runtime's futures or sockets.
 */
struct asyncrt_ring *asyncrt_rt_ring(struct asyncrt_rt *rt);
uint32_t asyncrt_rt_ops(const struct asyncrt_rt *rt);

/*
 * Spawn a task whose state is a copy of @size bytes at @init (zeroes when
 * @init is NULL), freed when the task ends. With @size 0 the task uses
 * @init itself: the caller owns it and keeps it alive until the task ends
 * (handy for block_on, whose state can live on the caller's stack). With
 * @handle, the caller gets a join handle and must join, abort-then-join or
 * detach it; without, the task is detached.
 */
int asyncrt_spawn(struct asyncrt_rt *rt, asyncrt_task_fn fn, const void *init,
		  size_t size, struct asyncrt_task **handle);
int asyncrt_spawn_drop(struct asyncrt_rt *rt, asyncrt_task_fn fn,
		       asyncrt_task_drop_fn drop, const void *init, size_t size,
		       struct asyncrt_task **handle);

/* Run the loop until a task made from @fn completes; its result in *res. */
int asyncrt_block_on(struct asyncrt_rt *rt, asyncrt_task_fn fn, const void *init,
		     size_t size, long *res);
/* The same for any future (it is polled from a task block_on makes). */
int asyncrt_block_on_future(struct asyncrt_rt *rt, struct asyncrt_future *f, long *res);

/* Cancel a task: its kernel futures are cancelled, its join gives -ECANCELED. */
int asyncrt_task_abort(struct asyncrt_task *task);
void asyncrt_task_detach(struct asyncrt_task *task);
int asyncrt_task_is_finished(const struct asyncrt_task *task);
uint64_t asyncrt_task_id(const struct asyncrt_task *task);

/* Await a task's result through its handle; the handle is used up. */
struct asyncrt_join {
	struct asyncrt_future fut;
	struct asyncrt_task *target;
};
void asyncrt_join_init(struct asyncrt_join *j, struct asyncrt_task *handle);
enum asyncrt_poll asyncrt_join_poll(struct asyncrt_join *j, struct asyncrt_cx *cx,
				    long *res);

/* ---------------------------------------------------------------------- */
/* Groups: a JoinSet (group.c)                                             */
/* ---------------------------------------------------------------------- */

/*
 * A group in a task's state, spawned into from that task, goes with it:
 * its tasks are aborted and freed when the task ends. Destroy any other.
 */
struct asyncrt_group {
	struct asyncrt_rt *rt;
	struct asyncrt_link running;
	struct asyncrt_link done;
	size_t nrunning, ndone;
	struct asyncrt_future *waiter;
};

int asyncrt_group_init(struct asyncrt_group *g, struct asyncrt_rt *rt);
int asyncrt_group_spawn(struct asyncrt_group *g, asyncrt_task_fn fn, const void *init,
			size_t size, uint64_t *id);
size_t asyncrt_group_len(const struct asyncrt_group *g);
void asyncrt_group_abort_all(struct asyncrt_group *g);
void asyncrt_group_destroy(struct asyncrt_group *g);

/* Next task of the group to finish: res 0 (its result and id below), or -ENOENT. */
struct asyncrt_group_next {
	struct asyncrt_future fut;
	struct asyncrt_group *g;
	long value;
	uint64_t id;
};
void asyncrt_group_next_init(struct asyncrt_group_next *n, struct asyncrt_group *g);
enum asyncrt_poll asyncrt_group_next_poll(struct asyncrt_group_next *n,
					  struct asyncrt_cx *cx, long *res);

/* ---------------------------------------------------------------------- */
/* Kernel futures (op.c)                                                   */
/* ---------------------------------------------------------------------- */

/*
 * One entry in the ring: the future for every opcode. The template holds
 * what the SQE will carry; the entry is submitted on first poll.
 */
struct asyncrt_op {
	struct asyncrt_future fut;
	struct asyncrt_rt *rt;
	uint32_t slot;			/* 1 + slot index while in flight */
	uint8_t state;			/* internal */
	uint8_t opcode;
	uint8_t clock;
	uint8_t sqe_flags;
	int32_t fd;
	uint32_t op_flags;
	uint64_t arg;			/* ns, addr or target */
	uint64_t arg2;			/* count, value or events */
	uint64_t timeout_ns;
	int32_t res;			/* terminal result */
	uint32_t ticks;			/* multishot completions not yet taken */
	int32_t last;			/* res of the latest multishot completion */
};

void asyncrt_op_init(struct asyncrt_op *op, uint8_t opcode);
enum asyncrt_poll asyncrt_op_poll(struct asyncrt_op *op, struct asyncrt_cx *cx, long *res);
/* Bound the entry by the kernel's per-entry timeout: -ETIME after @ns. */
void asyncrt_op_set_timeout(struct asyncrt_op *op, uint64_t ns);

uint64_t asyncrt_now_ns(void);		/* CLOCK_MONOTONIC */

/* sleep / sleep_until: res 0 when the time has come. */
struct asyncrt_sleep {
	struct asyncrt_op op;
};
void asyncrt_sleep_init(struct asyncrt_sleep *s, uint64_t ns);
void asyncrt_sleep_until_init(struct asyncrt_sleep *s, uint64_t deadline_ns);
static inline enum asyncrt_poll asyncrt_sleep_poll(struct asyncrt_sleep *s,
						   struct asyncrt_cx *cx, long *res)
{
	return asyncrt_op_poll(&s->op, cx, res);
}

/*
 * interval: each poll that is READY is one tick, res the tick number
 * (1, 2, ...); after @count ticks (0: forever) res 0, and a negative errno
 * on failure. @policy is ASYNCRT_TICK_BURST, _DELAY or _SKIP.
 */
struct asyncrt_interval {
	struct asyncrt_op op;
};
void asyncrt_interval_init(struct asyncrt_interval *iv, uint64_t period_ns,
			   uint64_t count, uint32_t policy);
enum asyncrt_poll asyncrt_interval_tick(struct asyncrt_interval *iv,
					struct asyncrt_cx *cx, long *res);

/* Wait queues shared by threads and processes (the fd is the permission). */
int asyncrt_wq_new(struct asyncrt_rt *rt);	/* a new wait queue fd */
void asyncrt_wq_wait_init(struct asyncrt_op *op, int wqfd);
void asyncrt_wq_wait_cmp_init(struct asyncrt_op *op, int wqfd, const uint32_t *addr,
			      uint32_t value);
void asyncrt_wq_wake_init(struct asyncrt_op *op, int wqfd, unsigned int n);
void asyncrt_wq_notify_init(struct asyncrt_op *op, int wqfd);

/* Readiness of an fd: res the ready events. */
void asyncrt_poll_init(struct asyncrt_op *op, int fd, uint32_t events);

/*
 * timeout(any future): res the inner future's result, or -ETIME when @ns
 * passes first (the inner future is then dropped).
 */
struct asyncrt_timeout {
	struct asyncrt_future fut;
	struct asyncrt_future *inner;
	struct asyncrt_sleep timer;
	uint64_t ns;
	int started;
};
void asyncrt_timeout_init(struct asyncrt_timeout *t, struct asyncrt_future *inner,
			  uint64_t ns);
enum asyncrt_poll asyncrt_timeout_poll(struct asyncrt_timeout *t, struct asyncrt_cx *cx,
				       long *res);

/* ---------------------------------------------------------------------- */
/* Channels between tasks of one runtime (chan.c)                          */
/* ---------------------------------------------------------------------- */

/* oneshot: one message of msg_size bytes; recv -EPIPE if the sender closed. */
struct asyncrt_oneshot;
int asyncrt_oneshot_new(struct asyncrt_oneshot **ch, size_t msg_size);
int asyncrt_oneshot_send(struct asyncrt_oneshot *ch, const void *msg);
void asyncrt_oneshot_close_tx(struct asyncrt_oneshot *ch);
void asyncrt_oneshot_close_rx(struct asyncrt_oneshot *ch);

struct asyncrt_oneshot_recv {
	struct asyncrt_future fut;
	struct asyncrt_oneshot *ch;
	void *buf;
};
void asyncrt_oneshot_recv_init(struct asyncrt_oneshot_recv *r, struct asyncrt_oneshot *ch,
			       void *buf);
enum asyncrt_poll asyncrt_oneshot_recv_poll(struct asyncrt_oneshot_recv *r,
					    struct asyncrt_cx *cx, long *res);

/*
 * mpsc: bounded, messages of msg_size bytes copied in and out. Senders are
 * counted (tx_clone / tx_close); recv gives -EPIPE once every sender closed
 * and the queue is empty; send gives -EPIPE once the receiver closed.
 */
struct asyncrt_mpsc;
int asyncrt_mpsc_new(struct asyncrt_mpsc **ch, size_t msg_size, size_t capacity);
void asyncrt_mpsc_tx_clone(struct asyncrt_mpsc *ch);
void asyncrt_mpsc_tx_close(struct asyncrt_mpsc *ch);
void asyncrt_mpsc_rx_close(struct asyncrt_mpsc *ch);
int asyncrt_mpsc_try_send(struct asyncrt_mpsc *ch, const void *msg);
int asyncrt_mpsc_try_recv(struct asyncrt_mpsc *ch, void *buf);
size_t asyncrt_mpsc_len(const struct asyncrt_mpsc *ch);

struct asyncrt_mpsc_send {
	struct asyncrt_future fut;
	struct asyncrt_mpsc *ch;
	const void *msg;
	struct asyncrt_link wait;
};
void asyncrt_mpsc_send_init(struct asyncrt_mpsc_send *s, struct asyncrt_mpsc *ch,
			    const void *msg);
enum asyncrt_poll asyncrt_mpsc_send_poll(struct asyncrt_mpsc_send *s,
					 struct asyncrt_cx *cx, long *res);

struct asyncrt_mpsc_recv {
	struct asyncrt_future fut;
	struct asyncrt_mpsc *ch;
	void *buf;
};
void asyncrt_mpsc_recv_init(struct asyncrt_mpsc_recv *r, struct asyncrt_mpsc *ch,
			    void *buf);
enum asyncrt_poll asyncrt_mpsc_recv_poll(struct asyncrt_mpsc_recv *r,
					 struct asyncrt_cx *cx, long *res);

/* ---------------------------------------------------------------------- */
/* Non-blocking sockets driven by POLL readiness (net.c, socket.c)         */
/* ---------------------------------------------------------------------- */

/*
 * A socket registered with the runtime (socket.c): the runtime owns the fd
 * and keeps one multishot POLLIN entry armed on it while it lives, so
 * waiting for bytes or a connection costs no ring entry; waiting for room
 * to write (rare) costs a oneshot POLLOUT. Close it with
 * asyncrt_socket_close() (never close() its fd). Needs the module's POLL
 * and CANCEL.
 */
struct asyncrt_socket;
int asyncrt_socket_open(struct asyncrt_rt *rt, int fd, struct asyncrt_socket **sock);
int asyncrt_socket_fd(const struct asyncrt_socket *sock);
int asyncrt_socket_close(struct asyncrt_socket *sock);

/*
 * One future for every socket operation: the system call is tried first
 * and, when it would block, the future waits for readiness: on a bare fd
 * (asyncrt_read_init() and friends) with a oneshot POLL entry per wait, on
 * a registered socket (asyncrt_sock_read_init() and friends) on the
 * socket's own POLL entries. res: accept the new fd (non-blocking,
 * close-on-exec); connect 0; read the bytes read (0 at end of file); write
 * the bytes written; read_exact and write_all the full length, read_exact
 * -ENODATA on end of file before it; -EBADF when the registered socket was
 * closed while the future waited on it.
 */
struct asyncrt_io {
	struct asyncrt_future fut;
	union {
		struct asyncrt_op poll;			/* bare fd: its oneshot POLL */
		struct {
			struct asyncrt_socket *sock;
			struct asyncrt_link wait;	/* on the socket's waiters */
		} s;
	};
	int fd;					/* a socket's: set by the slow path */
	uint8_t kind;
	uint8_t waiting;			/* internal: poll in flight, or on s.wait */
	uint8_t on_sock;			/* internal: s, not poll */
	void *buf;
	size_t len;
	size_t done;
};
void asyncrt_accept_init(struct asyncrt_io *io, int listen_fd);
void asyncrt_connect_init(struct asyncrt_io *io, int fd, const struct sockaddr *addr,
			  socklen_t addrlen);
void asyncrt_read_init(struct asyncrt_io *io, int fd, void *buf, size_t len);
void asyncrt_write_init(struct asyncrt_io *io, int fd, const void *buf, size_t len);
void asyncrt_read_exact_init(struct asyncrt_io *io, int fd, void *buf, size_t len);
void asyncrt_write_all_init(struct asyncrt_io *io, int fd, const void *buf, size_t len);

void asyncrt_sock_accept_init(struct asyncrt_io *io, struct asyncrt_socket *sock);
void asyncrt_sock_connect_init(struct asyncrt_io *io, struct asyncrt_socket *sock,
			       const struct sockaddr *addr, socklen_t addrlen);
void asyncrt_sock_read_init(struct asyncrt_io *io, struct asyncrt_socket *sock, void *buf,
			    size_t len);
void asyncrt_sock_write_init(struct asyncrt_io *io, struct asyncrt_socket *sock,
			     const void *buf, size_t len);
void asyncrt_sock_read_exact_init(struct asyncrt_io *io, struct asyncrt_socket *sock,
				  void *buf, size_t len);
void asyncrt_sock_write_all_init(struct asyncrt_io *io, struct asyncrt_socket *sock,
				 const void *buf, size_t len);

enum asyncrt_poll asyncrt_io_poll(struct asyncrt_io *io, struct asyncrt_cx *cx, long *res);

/* A non-blocking TCP listener on @ip:@port (0: any; *bound gets it). */
int asyncrt_tcp_listen(const char *ip, uint16_t port, int backlog, uint16_t *bound);
/* A non-blocking TCP socket, for asyncrt_connect_init(). */
int asyncrt_tcp_socket(void);
int asyncrt_sockaddr_in(struct sockaddr_storage *ss, socklen_t *len, const char *ip,
			uint16_t port);

/* ---------------------------------------------------------------------- */
/* Metrics (rt.c)                                                          */
/* ---------------------------------------------------------------------- */

struct asyncrt_metrics {
	uint64_t tasks_spawned;
	uint64_t tasks_alive;		/* spawned, not yet finished */
	uint64_t tasks_completed;
	uint64_t tasks_aborted;
	uint64_t polls;			/* task polls */
	uint64_t wakes;			/* wakes that queued a task */
	uint64_t ops_submitted;		/* kernel futures started */
	uint64_t ops_inflight;		/* kernel futures not yet terminal */
	uint64_t completions;		/* CQEs reaped */
	uint64_t cancels;		/* CANCEL entries sent (abort, drop) */
	uint64_t enters;		/* ENTER system calls */
	uint64_t waits;			/* of which waited for completions */
	uint64_t sq_full;		/* times an SQE had to wait for room */
	uint64_t sq_dropped;		/* the ring's dropped counter */
	uint64_t cq_held;		/* the ring's held-back counter */
	uint64_t resv[8];
};
int asyncrt_rt_metrics(struct asyncrt_rt *rt, struct asyncrt_metrics *m, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* _ASYNCRT_RT_H */
