/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The opcode table: one entry per ASYNCRT_OP_*, each naming the prep step
 * (validate the private copy of an SQE) and the issue step (run it). Adding
 * an opcode is one new file and one line in opdef.c.
 */
#ifndef _ASYNCRT_RING_OPDEF_H
#define _ASYNCRT_RING_OPDEF_H

#include <uapi/linux/asyncrt.h>

struct art_ring;

/* The private copy of an SQE, read once from shared memory. */
struct art_sqe {
	u8 opcode;
	u8 flags;
	u8 clock;
	s32 fd;
	u64 arg;	/* ns / addr / target */
	u64 arg2;	/* count / value / events */
	u32 op_flags;
	u64 user_data;
	u64 timeout_ns;
};

struct art_opdef {
	const char *name;
	/* Validate; return 0 or a negative errno for the completion. */
	int (*prep)(const struct art_sqe *sqe);
	/* Run: post the completion now or arrange for it to be posted. */
	int (*issue)(struct art_ring *ring, const struct art_sqe *sqe);
};

/* opdef.c */
const struct art_opdef *art_opdef(u8 opcode);

/* nop.c */
int art_nop_prep(const struct art_sqe *sqe);
int art_nop_issue(struct art_ring *ring, const struct art_sqe *sqe);

#endif /* _ASYNCRT_RING_OPDEF_H */
