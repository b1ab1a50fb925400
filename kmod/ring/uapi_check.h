/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The uapi's layout, pinned from the kernel side. lib/uapi_check.h pins the
 * same table from userspace; a change to either that is not a deliberate
 * ABI change fails the build.
 */
#ifndef _ASYNCRT_RING_UAPI_CHECK_H
#define _ASYNCRT_RING_UAPI_CHECK_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <uapi/linux/asyncrt.h>

#define ART_PIN(type, field, off) BUILD_BUG_ON(offsetof(type, field) != (off))

static inline void art_uapi_check(void)
{
	BUILD_BUG_ON(sizeof(struct asyncrt_sqe) != 64);
	ART_PIN(struct asyncrt_sqe, opcode, 0);
	ART_PIN(struct asyncrt_sqe, flags, 1);
	ART_PIN(struct asyncrt_sqe, clock, 2);
	ART_PIN(struct asyncrt_sqe, resv0, 3);
	ART_PIN(struct asyncrt_sqe, fd, 4);
	ART_PIN(struct asyncrt_sqe, ns, 8);
	ART_PIN(struct asyncrt_sqe, addr, 8);
	ART_PIN(struct asyncrt_sqe, target, 8);
	ART_PIN(struct asyncrt_sqe, count, 16);
	ART_PIN(struct asyncrt_sqe, value, 16);
	ART_PIN(struct asyncrt_sqe, events, 16);
	ART_PIN(struct asyncrt_sqe, len, 16);
	ART_PIN(struct asyncrt_sqe, op_flags, 24);
	ART_PIN(struct asyncrt_sqe, resv1, 28);
	ART_PIN(struct asyncrt_sqe, user_data, 32);
	ART_PIN(struct asyncrt_sqe, timeout_ns, 40);
	ART_PIN(struct asyncrt_sqe, resv2, 48);

	BUILD_BUG_ON(sizeof(struct asyncrt_cqe) != 16);
	ART_PIN(struct asyncrt_cqe, user_data, 0);
	ART_PIN(struct asyncrt_cqe, res, 8);
	ART_PIN(struct asyncrt_cqe, flags, 12);

	BUILD_BUG_ON(sizeof(struct asyncrt_sq_offsets) != 32);
	BUILD_BUG_ON(sizeof(struct asyncrt_cq_offsets) != 32);
	BUILD_BUG_ON(sizeof(struct asyncrt_params) != 112);
	ART_PIN(struct asyncrt_params, sq_entries, 0);
	ART_PIN(struct asyncrt_params, cq_entries, 4);
	ART_PIN(struct asyncrt_params, flags, 8);
	ART_PIN(struct asyncrt_params, max_inflight, 12);
	ART_PIN(struct asyncrt_params, features, 16);
	ART_PIN(struct asyncrt_params, resv, 20);
	ART_PIN(struct asyncrt_params, rings_size, 32);
	ART_PIN(struct asyncrt_params, sqes_size, 40);
	ART_PIN(struct asyncrt_params, sq_off, 48);
	ART_PIN(struct asyncrt_params, cq_off, 80);

	BUILD_BUG_ON(sizeof(struct asyncrt_enter) != 24);
	ART_PIN(struct asyncrt_enter, to_submit, 0);
	ART_PIN(struct asyncrt_enter, min_complete, 4);
	ART_PIN(struct asyncrt_enter, flags, 8);
	ART_PIN(struct asyncrt_enter, resv, 12);
	ART_PIN(struct asyncrt_enter, timeout_ns, 16);

	/* The private copy must hold every opcode the table can index. */
	BUILD_BUG_ON(ASYNCRT_OP_LAST > U8_MAX);
}

#endif /* _ASYNCRT_RING_UAPI_CHECK_H */
