/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal structures of the runtime core, shared by the files of
 * kmod/core/. Nothing here is part of the API: other modules see only
 * <linux/asyncrt.h>. Prototypes are grouped under the file that defines them.
 */
#ifndef _ART_CORE_H
#define _ART_CORE_H

#include <linux/asyncrt.h>
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/sched.h>

/*
 * A task: 48 bytes of header followed by its top-level future, in one
 * allocation. The state word packs the flags of the state machine (task.c)
 * and the reference count, so that a wake is a single atomic operation.
 */
struct art_task {
	atomic_t state;
	u16 flags;			/* ART_TF_*, owned by the running worker */
	u16 shard;			/* index in rt->shards, set at spawn */
	struct art_task *next;		/* run queue link while SCHEDULED */
	struct art_runtime *rt;
	struct list_head node;		/* its shard's tasks until complete */
	unsigned long spawn_ip;		/* for the stall report */
	struct art_future fut[];	/* after completion: the long result */
};

/* state bits */
#define ART_S_SCHEDULED		BIT(0)	/* in a run queue */
#define ART_S_RUNNING		BIT(1)	/* being polled, or waking joiners */
#define ART_S_NOTIFIED		BIT(2)	/* woken while running */
#define ART_S_COMPLETE		BIT(3)	/* future dropped, result set */
#define ART_S_CANCELLED		BIT(4)	/* abort requested */
#define ART_S_JOINWAIT		BIT(5)	/* join waiters may be hashed */
#define ART_S_REF_SHIFT		8
#define ART_S_REF_ONE		BIT(ART_S_REF_SHIFT)

/* flags */
#define ART_TF_KMALLOC		BIT(0)	/* not from the task cache */
#define ART_TF_STALLED		BIT(1)	/* stall already reported */

/* Size of the objects of the task cache: a task with a pending sleep. */
#define ART_TASK_OBJ_SIZE	128

/* A FIFO of tasks linked through task->next. */
struct art_queue {
	spinlock_t lock;		/* irq-safe: wakes come from any context */
	struct art_task *head;
	struct art_task *tail;
	unsigned int len;
};

struct art_worker {
	struct art_runtime *rt;
	struct task_struct *thread;
	struct art_queue q;
	/*
	 * The task this worker woke or spawned last, run next and never
	 * stolen (multi-thread runtimes only); only this worker touches it.
	 */
	struct art_task *lifo;
	unsigned int lifo_runs;		/* in a row, see art_next_task() */
	atomic_t parked;
	unsigned int id;
	unsigned int tick;
	/* counters written only by this worker */
	u64 polls;
	u64 steals;
	u64 forced;
	u64 completed;
	u64 aborted;
	u64 stalls;
} ____cacheline_aligned_in_smp;	/* siblings' counters are not false shared */

/*
 * Live tasks, sharded by the CPU that spawned them: a spawn and its
 * completion take the lock of a shard other CPUs rarely touch, where one
 * list for the runtime had every worker write the same lock and list
 * head twice per task.
 */
struct art_task_shard {
	spinlock_t lock;		/* protects tasks, nr and spawned */
	struct list_head tasks;
	unsigned int nr;
	u64 spawned;
	atomic64_t wakes;		/* wakes by this CPU, any context */
} ____cacheline_aligned_in_smp;

struct art_clock {
	spinlock_t lock;		/* protects now and timers */
	u64 now;
	struct list_head timers;	/* struct art_sleep, by deadline */
};

struct art_runtime {
	unsigned int flags;
	unsigned int nr_workers;
	unsigned int budget;
	u64 slack;
	struct art_worker *workers;
	struct art_queue global;
	struct art_worker **cpu_worker;	/* bound workers, by CPU; or NULL */
	atomic_t nr_parked;
	/*
	 * Current-thread runtimes: whoever polls tasks holds run_lock, the
	 * worker or a guest, a thread that runs ready tasks itself while it
	 * waits for what they produce (a ring's ENTER). Wakes go to the
	 * guest while one is published (read under RCU: a task_struct is
	 * freed after a grace period).
	 */
	struct mutex run_lock;
	struct task_struct *guest;

	struct art_task_shard *shards;	/* live tasks, by spawning CPU */
	unsigned int nr_shards;		/* 1 for a current-thread runtime */
	bool shutdown;			/* written under every shard's lock */
	wait_queue_head_t tasks_wq;	/* after shutdown, a shard emptied */

	struct art_clock clock;
	atomic64_t unparks;
	char name[16];
};

/*
 * The shard a task spawned on this CPU joins; any context. There is one
 * shard per CPU id or a single one, so no division on the wake path.
 */
static inline struct art_task_shard *art_cpu_shard(struct art_runtime *rt)
{
	return &rt->shards[rt->nr_shards > 1 ? raw_smp_processor_id() : 0];
}

/* Live tasks of @rt, summed without the shards' locks. */
static inline unsigned int art_rt_nr_tasks(struct art_runtime *rt)
{
	unsigned int i, n = 0;

	for (i = 0; i < rt->nr_shards; i++)
		n += READ_ONCE(rt->shards[i].nr);
	return n;
}

/* core.c */
int art_core_init(void);
void art_core_exit(void);
bool art_should_fail(void);
extern unsigned int art_stall_ms;

/* task.c */
int art_task_cache_init(void);
void art_task_cache_exit(void);
void art_task_run(struct art_worker *w, struct art_task *t);
void art_task_abort_locked(struct art_task *t);

/* sched.c */
void art_sched_enqueue(struct art_runtime *rt, struct art_task *t);
void art_sched_requeue(struct art_worker *w, struct art_task *t);
struct art_worker *art_current_worker(void);

/* clock.c */
bool art_clock_insert(struct art_clock *c, struct art_sleep *s, u64 deadline);
void art_clock_remove(struct art_clock *c, struct art_sleep *s);

/* timer.c */
void art_sleep_fire(struct art_sleep *s);

/* blocking.c */
int art_blocking_init_wq(void);
void art_blocking_exit_wq(void);

/* waitq.c */
enum art_poll art_notify_wait(struct art_notified *w, bool *waiting,
			      struct art_notify *n, struct art_cx *cx, long *res,
			      long (*try)(void *arg), void *arg);

#endif /* _ART_CORE_H */
