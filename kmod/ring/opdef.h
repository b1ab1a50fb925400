/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The opcode table: one entry per ASYNCRT_OP_*. prep validates the private
 * copy of an SQE. Then either issue runs the entry to completion at once
 * (NOP, WAKE, NOTIFY, CANCEL, SEND, RECV: the result is posted by the caller), or the
 * entry becomes a task on the instance's runtime: init fills the op's state
 * in the submitter's context, poll drives it, drop releases it (see op.h).
 * Adding an opcode is one new file and one entry in opdef.c.
 */
#ifndef _ASYNCRT_RING_OPDEF_H
#define _ASYNCRT_RING_OPDEF_H

#include <linux/types.h>
#include <linux/nospec.h>
#include <linux/asyncrt.h>
#include <uapi/linux/asyncrt.h>

struct art_ring;
struct art_op;
struct file;

/*
 * The private copy of an SQE, read once from shared memory a 64-bit word at
 * a time: the first 64 bytes have struct asyncrt_sqe's layout (pinned in
 * art_sqe_copy()).
 */
struct art_sqe {
	u8 opcode;
	u8 flags;
	u8 clock;
	u8 resv0;
	s32 fd;
	u64 arg;	/* ns / addr / target */
	u64 arg2;	/* count / value / events */
	u32 op_flags;
	u32 resv1;
	u64 user_data;
	u64 timeout_ns;
	u64 resv2[2];
	int err;	/* why the entry failed at submission, or 0 */
};

struct art_opdef {
	const char *name;
	int (*prep)(const struct art_sqe *sqe);
	/*
	 * Run-at-once opcodes: return the completion's result. With takes_fd
	 * the submission path resolves sqe->fd to @file in the submitter's
	 * context (a linked entry may run later, on a worker); else NULL.
	 */
	long (*issue)(struct art_ring *ring, const struct art_sqe *sqe, struct file *file);
	bool takes_fd;
	/*
	 * With takes_fd, optional: is @file of the kind the opcode acts on?
	 * Asked wherever sqe->fd is resolved, so a linked entry refuses at
	 * submission what it would refuse when run, and never holds a file
	 * it has no use for: an instance's own would keep it alive forever.
	 */
	bool (*file_ok)(const struct file *file);
	/*
	 * Run-at-once opcodes that reach the submitter's memory: only in its
	 * context, so never as a linked successor (which runs on a worker).
	 */
	bool submitter_only;
	/*
	 * Task opcodes: the op's size, and its future's three steps. Init
	 * returns ART_INIT_IDLE if the op is armed and only its event (or a
	 * cancel) needs to run its task: it then gets no first poll.
	 */
	size_t size;
	int (*init)(struct art_op *op, const struct art_sqe *sqe);
	enum art_poll (*poll)(struct art_op *op, struct art_cx *cx, long *res);
	void (*drop)(struct art_op *op, long res);
	/*
	 * Optional, for an entry alone and without a timeout: start it
	 * without a task (op.h, "bare"). Returns ART_BARE_STARTED, or the
	 * result to post now: ART_BARE_NOTIFIED is a WAIT's 0, from
	 * NOTIFY's stored permit (ASYNCRT_CQE_F_NOTIFY).
	 */
	int (*bare)(struct art_ring *ring, const struct art_sqe *sqe);
};

#define ART_BARE_STARTED	1
#define ART_BARE_NOTIFIED	2

/* opdef.c */
extern const struct art_opdef art_opdefs[ASYNCRT_OP_LAST];
u32 art_opdef_features(void);

/* An opcode's entry, or NULL; inline: the submission path asks per entry. */
static inline const struct art_opdef *art_opdef(u8 opcode)
{
	const struct art_opdef *def;

	if (opcode >= ASYNCRT_OP_LAST)
		return NULL;
	def = &art_opdefs[array_index_nospec(opcode, ASYNCRT_OP_LAST)];
	return def->prep ? def : NULL;
}

/* nop.c */
/*
 * NOP takes no field but user_data. Inline, because the submission path
 * completes a NOP without any call (the cost a NOP batch measures).
 */
static inline int art_nop_check(const struct art_sqe *sqe)
{
	if (sqe->fd || sqe->arg || sqe->arg2 || sqe->op_flags || sqe->clock)
		return -EINVAL;
	return 0;
}

int art_nop_prep(const struct art_sqe *sqe);
long art_nop_issue(struct art_ring *ring, const struct art_sqe *sqe,
		   struct file *file);

/* sleep.c */
int art_sleep_op_prep(const struct art_sqe *sqe);
int art_sleep_op_init(struct art_op *op, const struct art_sqe *sqe);
enum art_poll art_sleep_op_poll(struct art_op *op, struct art_cx *cx, long *res);
void art_sleep_op_drop(struct art_op *op, long res);
int art_interval_op_prep(const struct art_sqe *sqe);
int art_interval_op_init(struct art_op *op, const struct art_sqe *sqe);
enum art_poll art_interval_op_poll(struct art_op *op, struct art_cx *cx, long *res);
void art_interval_op_drop(struct art_op *op, long res);
int art_clock_from_uapi(u8 clock, clockid_t *out);

/* waitq.c */
int art_waitq_create(unsigned long flags);
int art_wait_op_prep(const struct art_sqe *sqe);
int art_wait_op_init(struct art_op *op, const struct art_sqe *sqe);
enum art_poll art_wait_op_poll(struct art_op *op, struct art_cx *cx, long *res);
void art_wait_op_drop(struct art_op *op, long res);
int art_wait_bare(struct art_ring *ring, const struct art_sqe *sqe);
int art_wait_submit(struct art_ring *ring, const struct art_sqe *sqe);
bool art_waitq_file_ok(const struct file *file);
int art_wake_prep(const struct art_sqe *sqe);
long art_wake_submit(struct art_ring *ring, const struct art_sqe *sqe);
long art_wake_issue(struct art_ring *ring, const struct art_sqe *sqe,
		    struct file *file);
int art_notify_prep(const struct art_sqe *sqe);
long art_notify_issue(struct art_ring *ring, const struct art_sqe *sqe,
		      struct file *file);

/*
 * An opcode that is not a timer takes sqe->clock only as the clock of its
 * ASYNCRT_SQE_TIMEOUT, so without that flag the field must be zero.
 */
static inline bool art_sqe_clock_ok(const struct art_sqe *sqe)
{
	return !sqe->clock || sqe->flags & ASYNCRT_SQE_TIMEOUT;
}

/* poll.c */
int art_poll_op_prep(const struct art_sqe *sqe);
int art_poll_op_init(struct art_op *op, const struct art_sqe *sqe);
enum art_poll art_poll_op_poll(struct art_op *op, struct art_cx *cx, long *res);
void art_poll_op_drop(struct art_op *op, long res);

/* cancel.c */
int art_cancel_prep(const struct art_sqe *sqe);
long art_cancel_issue(struct art_ring *ring, const struct art_sqe *sqe,
		      struct file *file);

/* sock.c */
int art_sock_prep(const struct art_sqe *sqe);
long art_send_issue(struct art_ring *ring, const struct art_sqe *sqe,
		    struct file *file);
long art_recv_issue(struct art_ring *ring, const struct art_sqe *sqe,
		    struct file *file);

#endif /* _ASYNCRT_RING_OPDEF_H */
