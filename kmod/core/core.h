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
	u32 flags;			/* ART_TF_*, owned by the running worker */
	struct art_task *next;		/* run queue link while SCHEDULED */
	struct art_runtime *rt;
	struct list_head node;		/* rt->tasks until complete */
	unsigned long spawn_ip;		/* for the stall report */
	struct art_future fut[];	/* after completion: the long result */
};

/* state bits */
#define ART_S_SCHEDULED		BIT(0)	/* in a run queue */
#define ART_S_RUNNING		BIT(1)	/* being polled */
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
};

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
	atomic_t nr_active;		/* tasks scheduled or running */

	spinlock_t tasks_lock;		/* protects tasks, nr_tasks, shutdown */
	struct list_head tasks;		/* every live task */
	unsigned int nr_tasks;
	bool shutdown;
	wait_queue_head_t tasks_wq;	/* nr_tasks reached 0 */

	struct art_clock clock;
	atomic64_t spawned;
	atomic64_t wakes;
	atomic64_t unparks;
	char name[16];
};

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
