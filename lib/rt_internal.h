/* SPDX-License-Identifier: MIT */
/*
 * What the executor's files share and the public header does not show: the
 * runtime and task structs, the intrusive list, and the slot table that maps
 * a completion's user_data back to the future that submitted it.
 */
#ifndef _ASYNCRT_RT_INTERNAL_H
#define _ASYNCRT_RT_INTERNAL_H

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include "asyncrt_rt.h"

#define ASYNCRT_UNUSED(x)	((void)(x))
/*
 * Kept out of line: another path inlined into a hot function costs that
 * function saved registers (and, with an address-taken local, the stack
 * protector's check) on every call, taken or not. COLD: also rare.
 */
#define ASYNCRT_NOINLINE	__attribute__((__noinline__))
#define ASYNCRT_COLD		__attribute__((__cold__, __noinline__))
#define asyncrt_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/*
 * Memory the library keeps for reuse instead of freeing (the task cache,
 * rt.c) is dead to its last user all the same: under AddressSanitizer it
 * is poisoned while kept, so a use after free through the cache is reported
 * as one through malloc would be. In any other build these are nothing.
 */
static inline void asyncrt_poison(const void *p, size_t n)
{
#if defined(__SANITIZE_ADDRESS__)
	ASAN_POISON_MEMORY_REGION(p, n);
#else
	ASYNCRT_UNUSED(p);
	ASYNCRT_UNUSED(n);
#endif
}

static inline void asyncrt_unpoison(const void *p, size_t n)
{
#if defined(__SANITIZE_ADDRESS__)
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
	ASYNCRT_UNUSED(p);
	ASYNCRT_UNUSED(n);
#endif
}

/* Intrusive circular list. */
static inline void asyncrt_list_init(struct asyncrt_link *l)
{
	l->prev = l->next = l;
}

static inline int asyncrt_list_empty(const struct asyncrt_link *l)
{
	return l->next == l;
}

/*
 * In this order the compiler cannot pair the two stores to @n into one
 * vector store (prev->next may be n->prev): under emulation the two
 * register moves and the shuffle that store needs cost more than it saves.
 */
static inline void asyncrt_list_add_tail(struct asyncrt_link *n, struct asyncrt_link *head)
{
	struct asyncrt_link *prev = head->prev;

	n->next = head;
	prev->next = n;
	n->prev = prev;
	head->prev = n;
}

static inline void asyncrt_list_del(struct asyncrt_link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	asyncrt_list_init(n);
}

/* Unlink @n, for a link whose owner keeps its own "linked" flag. */
static inline void asyncrt_list_unlink(struct asyncrt_link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}

/*
 * A slot names one kernel entry in flight. user_data is the slot's index
 * and generation, so a completion that outlives its future (the task was
 * aborted, the future dropped) finds an orphaned slot, not freed memory.
 */
struct asyncrt_slot {
	struct asyncrt_op *op;		/* NULL: orphaned, awaiting its end */
	uint32_t gen;			/* below 2^31: see ASYNCRT_UD_SOCK */
	uint32_t next_free;		/* 1 + index, 0 ends the free list */
	uint32_t busy;			/* an entry is in flight */
	int32_t wait_fd;		/* orphaned WAIT: its queue, else -1 */
};

/*
 * An entry the runtime submits for itself, queued until the SQ has room:
 * a CANCEL for a dropped future, or a NOTIFY handing on a wake-up that a
 * dropped WAIT received after all (so a notify is never lost to a waiter
 * that is gone, as tokio's Notified does on drop).
 */
struct asyncrt_ctl {
	uint64_t target;
	int32_t fd;
	uint8_t opcode;
};

#define ASYNCRT_SLOT_CHUNK	4096
/* user_data of the runtime's own CANCEL entries: never a slot's. */
#define ASYNCRT_UD_INTERNAL	(~0ULL)
/*
 * A registered socket's POLL entries carry no slot: their user_data is
 * this bit, the socket's address and 1 for the POLLOUT oneshot (0 for the
 * POLLIN multishot), so a readiness completion finds its socket without a
 * table lookup. The socket stays allocated until the terminal completions
 * of both (socket.c), so the address is never stale. Slot generations
 * stay below 2^31, so a slot's user_data never has the bit.
 */
#define ASYNCRT_UD_SOCK		(1ULL << 63)
#define ASYNCRT_SLOT_GEN_END	(1U << 31)

/* op->state */
enum {
	ASYNCRT_OP_S_IDLE,
	ASYNCRT_OP_S_INFLIGHT,
	ASYNCRT_OP_S_DONE,
};

/* struct asyncrt_io kinds */
enum {
	ASYNCRT_IO_ACCEPT,
	ASYNCRT_IO_CONNECT,
	ASYNCRT_IO_READ,
	ASYNCRT_IO_WRITE,
	ASYNCRT_IO_READ_EXACT,
	ASYNCRT_IO_WRITE_ALL,
};

struct asyncrt_task {
	struct asyncrt_link run;	/* in rt->runq while queued */
	struct asyncrt_link all;	/* in rt->tasks (live) or rt->zombies */
	struct asyncrt_link parked;	/* futures parked on this task */
	struct asyncrt_link gnode;	/* in its group's running or done list */
	struct asyncrt_rt *rt;
	struct asyncrt_group *group;
	asyncrt_task_fn fn;
	asyncrt_task_drop_fn drop;
	struct asyncrt_future *joiner;
	struct asyncrt_owned *owned;	/* groups in its state (group.c) */
	void *state;
	uint64_t id;
	long result;
	unsigned int queued:1, done:1, aborted:1, handle:1, abort_pending:1;
	uint8_t cls;			/* task cache class, or ASYNCRT_TASK_NOCACHE */
	uint32_t size;			/* of the state, if the task owns it */
};

/*
 * The groups a task keeps in its state and has spawned into: they go when
 * the task ends, as tokio's JoinSet aborts its tasks when dropped. Most
 * tasks have none, and then nothing is allocated.
 */
struct asyncrt_owned {
	uint32_t n, cap;
	struct asyncrt_group *g[];
};

/*
 * Freed tasks are kept per runtime, one LIFO list per size class of their
 * inline state (0, 64, ... 256 bytes), up to ASYNCRT_TASK_CACHE_BYTES in
 * all, so a spawn after a join reuses a warm object instead of a malloc.
 * Each object is its own malloc block: one that outlives its runtime (a
 * group's finished task) is simply free()d.
 */
#define ASYNCRT_TASK_CLASS	64
#define ASYNCRT_TASK_CLASSES	5
#define ASYNCRT_TASK_NOCACHE	0xff
#define ASYNCRT_TASK_CACHE_BYTES (1U << 20)

struct asyncrt_rt {
	struct asyncrt_ring ring;
	struct asyncrt_link runq;
	struct asyncrt_link tasks;	/* not finished */
	struct asyncrt_link zombies;	/* finished, held by a handle */
	struct asyncrt_cx cx;		/* cx.task: the task being polled, or NULL */
	struct asyncrt_slot **chunks;
	uint32_t nchunks;
	uint32_t free_slot;		/* 1 + index, 0: none free */
	uint32_t nslots;
	struct asyncrt_ctl *ctls;	/* not yet in the SQ */
	size_t nctls, ctls_cap;
	uint32_t ops;			/* ASYNCRT_OP_BIT() of what the module has */
	int in_loop;
	uint64_t next_id;
	void *task_cache[ASYNCRT_TASK_CLASSES];
	size_t task_cache_bytes;
	struct asyncrt_link sockets;	/* every asyncrt_socket not yet freed */
	struct asyncrt_metrics m;
};

/* Is @t being polled (so an abort must wait for its poll to return)? */
static inline int asyncrt_task_running(const struct asyncrt_task *t)
{
	return t->rt && t->rt->cx.task == t;
}

/*
 * A registered socket (socket.c). @ready holds the POLL bits last reported
 * and not since disproved by a system call that would block (0 once
 * closed); @slot is set while the multishot POLLIN entry is armed, @oslot
 * while the POLLOUT oneshot a waiting writer armed is. Readers and
 * acceptors wait on @waiters, writers and connects on @owaiters, so a
 * readiness completion wakes a list without asking each future what it
 * waits for. Each is a stack linked through io->s.wait.next (NULL ends
 * it; io->waiting is set while hooked): a completion takes a whole stack,
 * and a hook or that wake-up costs a store or two. Only a future dropped
 * while hooked, rare, walks its stack to leave it. A closed socket with a
 * POLL still in flight stays allocated (closed set, @err -EBADF, no
 * waiters) until that POLL's terminal completion, so no completion ever
 * finds freed memory.
 */
struct asyncrt_socket {
	struct asyncrt_rt *rt;
	struct asyncrt_link node;	/* in rt->sockets */
	struct asyncrt_link *waiters;	/* for POLLIN: reads, accepts */
	struct asyncrt_link *owaiters;	/* for POLLOUT: writes, connects */
	int fd;
	uint32_t ready;
	uint32_t slot;			/* 1 while the POLLIN entry is armed */
	uint32_t oslot;			/* 1 while the POLLOUT oneshot is */
	uint32_t woken;			/* futures woken, not yet polled or dropped */
	int32_t err;			/* the POLL could not stay armed: why */
	uint8_t io_flags;		/* ASYNCRT_TRY_* for asyncrt_io_try() */
	uint8_t closed;
};

/* The user_data of @sock's POLLIN entry, or with @out its POLLOUT one. */
static inline uint64_t asyncrt_sock_ud(const struct asyncrt_socket *sock, int out)
{
	return ASYNCRT_UD_SOCK | (uintptr_t)sock | (out ? 1 : 0);
}

/* The socket a POLL entry's @ud names. */
static inline struct asyncrt_socket *asyncrt_ud_sock(uint64_t ud)
{
	return (struct asyncrt_socket *)(uintptr_t)(ud & ~(ASYNCRT_UD_SOCK | 1));
}

/*
 * The bodies of asyncrt_future_park(), asyncrt_future_unpark() and
 * asyncrt_wake(), inline for the library's own hot path: a registered
 * socket's readiness completion and every operation on it call them once
 * or twice per message, and the exported functions only wrap these.
 */
static inline void __asyncrt_future_park(struct asyncrt_future *f, struct asyncrt_cx *cx)
{
	if (f->task == cx->task)
		return;
	if (f->task)
		asyncrt_list_unlink(&f->park);
	f->task = cx->task;
	asyncrt_list_add_tail(&f->park, &cx->task->parked);
}

static inline void __asyncrt_future_unpark(struct asyncrt_future *f)
{
	if (!f->task)
		return;
	asyncrt_list_unlink(&f->park);
	f->task = NULL;
}

/* Queue @t, which exists and has not finished (a future is parked on it). */
static inline void __asyncrt_wake_live(struct asyncrt_task *t)
{
	if (t->queued)
		return;
	t->queued = 1;
	t->rt->m.wakes++;
	asyncrt_list_add_tail(&t->run, &t->rt->runq);
}

static inline void __asyncrt_wake(struct asyncrt_task *t)
{
	if (!t || t->done)
		return;
	__asyncrt_wake_live(t);
}

/* rt.c */
struct asyncrt_sqe *asyncrt_rt_get_sqe(struct asyncrt_rt *rt);
int asyncrt_rt_ctl_grow(struct asyncrt_rt *rt, size_t need);

/*
 * Room in rt->ctls for every entry the runtime may yet have to queue, made
 * before one more entry goes in flight, so that queueing one never
 * allocates: a drop cannot report a failure, and a CANCEL lost to one
 * would leave its entry in the kernel until the runtime goes (a WAIT
 * forever, a socket's POLL holding its file after close), a NOTIFY lost
 * would lose a wake-up. An entry queues at most two (its CANCEL, then the
 * NOTIFY that hands on a dropped WAIT's late wake-up) and never grows the
 * sum of what is queued and what may be; this entry may add two more.
 * -ENOMEM for the future that would have started it.
 */
static inline int asyncrt_rt_ctl_reserve(struct asyncrt_rt *rt)
{
	size_t need = rt->nctls + 2 * ((size_t)rt->nslots + 1);

	return need <= rt->ctls_cap ? 0 : asyncrt_rt_ctl_grow(rt, need);
}
int asyncrt_slot_alloc(struct asyncrt_rt *rt, struct asyncrt_op *op, uint64_t *ud);
void asyncrt_slot_free(struct asyncrt_rt *rt, uint32_t idx);
void asyncrt_slot_orphan(struct asyncrt_rt *rt, uint32_t slot);
void asyncrt_rt_cancel(struct asyncrt_rt *rt, uint64_t ud);
void asyncrt_rt_settle(struct asyncrt_rt *rt);
struct asyncrt_task *asyncrt_task_new(struct asyncrt_rt *rt, asyncrt_task_fn fn,
				      asyncrt_task_drop_fn drop, const void *init,
				      size_t size);
void asyncrt_task_free(struct asyncrt_task *t);

/* group.c */
void asyncrt_task_drop_groups(struct asyncrt_task *t);

/* net.c */
#define ASYNCRT_TRY_STREAM	(1U << 0)	/* a short read means drained */
#define ASYNCRT_TRY_SOCK	(1U << 1)	/* a socket: recv(), not read() */
/* read_exact's short read on a stream: drained, but EOF or an error may follow. */
#define ASYNCRT_TRY_DRAINED	(-EINPROGRESS)
long asyncrt_io_try(struct asyncrt_io *io, unsigned int flags);
enum asyncrt_poll asyncrt_io_poll_fd(struct asyncrt_io *io, struct asyncrt_cx *cx, long *res);
void asyncrt_io_init(struct asyncrt_io *io, uint8_t kind, int fd, void *buf, size_t len);
/* An asyncrt_io's future callbacks, for socket.c's own initialiser. */
enum asyncrt_poll asyncrt_io_fut_poll(struct asyncrt_future *f, struct asyncrt_cx *cx,
				      long *res);
void asyncrt_io_fut_drop(struct asyncrt_future *f);

/*
 * The readiness @io waits for. Inline: a registered socket's wake-up asks
 * it of every waiter, once per readiness completion.
 */
static inline uint32_t asyncrt_io_events(const struct asyncrt_io *io)
{
	/* A bit test, not a switch: a jump table is an indirect jump. */
	const uint32_t out = 1U << ASYNCRT_IO_CONNECT | 1U << ASYNCRT_IO_WRITE |
			     1U << ASYNCRT_IO_WRITE_ALL;

	return out >> io->kind & 1 ? POLLOUT : POLLIN;
}

/*
 * The bits that let @io try its system call again on a registered
 * socket, and the wake-up of the waiters @bits satisfies (all with ~0):
 * inline, as a readiness completion wakes the socket's reader from
 * rt_complete() without a call.
 */
#define ASYNCRT_SOCK_IN		(POLLIN | POLLRDHUP | POLLERR | POLLHUP)
#define ASYNCRT_SOCK_OUT	(POLLOUT | POLLERR | POLLHUP)

static inline uint32_t asyncrt_io_ready_mask(const struct asyncrt_io *io)
{
	return asyncrt_io_events(io) == POLLOUT ? ASYNCRT_SOCK_OUT : ASYNCRT_SOCK_IN;
}

/* io->waiting on a registered socket: hooked on its waiters, or woken from them. */
#define ASYNCRT_IO_HOOKED	1
#define ASYNCRT_IO_WOKEN	2

/*
 * Unhook every future on the stack @head and wake its task. Each still
 * points at @sock until its next poll or drop: counted in sock->woken, so
 * that a close in between does not free the socket under it.
 */
static inline void asyncrt_sock_wake_list(struct asyncrt_socket *sock,
					  struct asyncrt_link **head)
{
	struct asyncrt_link *l = *head;

	if (!l)
		return;
	*head = NULL;
	do {
		struct asyncrt_io *io = asyncrt_container_of(l, struct asyncrt_io, s.wait);

		l = l->next;
		io->waiting = ASYNCRT_IO_WOKEN;
		sock->woken++;
		/* Hooked means parked on a live task: only queued can stop the wake. */
		__asyncrt_wake_live(io->fut.task);
	} while (l);
}

static inline void asyncrt_sock_wake(struct asyncrt_socket *sock, uint32_t bits)
{
	if (bits & ASYNCRT_SOCK_IN)
		asyncrt_sock_wake_list(sock, &sock->waiters);
	if (bits & ASYNCRT_SOCK_OUT)
		asyncrt_sock_wake_list(sock, &sock->owaiters);
}

/* socket.c */
void asyncrt_sock_io_drop(struct asyncrt_io *io);
void asyncrt_sock_event(struct asyncrt_rt *rt, struct asyncrt_socket *sock, int out,
			int32_t res, int more);
void asyncrt_sockets_free(struct asyncrt_rt *rt);

#endif /* _ASYNCRT_RT_INTERNAL_H */
