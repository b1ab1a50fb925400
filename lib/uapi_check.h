/* SPDX-License-Identifier: MIT */
/*
 * The uapi's layout, pinned from the userspace side. The module pins the
 * same table with BUILD_BUG_ON (kmod/ring/uapi_check.c); a change to either
 * that is not a deliberate ABI change fails the build.
 */
#ifndef _ASYNCRT_UAPI_CHECK_H
#define _ASYNCRT_UAPI_CHECK_H

#include <stddef.h>
#include <linux/asyncrt.h>

#define ASYNCRT_PIN(type, field, off) \
	_Static_assert(offsetof(type, field) == (off), #type "." #field " moved")

_Static_assert(sizeof(struct asyncrt_sqe) == 64, "sqe size");
ASYNCRT_PIN(struct asyncrt_sqe, opcode, 0);
ASYNCRT_PIN(struct asyncrt_sqe, flags, 1);
ASYNCRT_PIN(struct asyncrt_sqe, clock, 2);
ASYNCRT_PIN(struct asyncrt_sqe, resv0, 3);
ASYNCRT_PIN(struct asyncrt_sqe, fd, 4);
ASYNCRT_PIN(struct asyncrt_sqe, ns, 8);
ASYNCRT_PIN(struct asyncrt_sqe, addr, 8);
ASYNCRT_PIN(struct asyncrt_sqe, count, 16);
ASYNCRT_PIN(struct asyncrt_sqe, len, 16);
ASYNCRT_PIN(struct asyncrt_sqe, op_flags, 24);
ASYNCRT_PIN(struct asyncrt_sqe, resv1, 28);
ASYNCRT_PIN(struct asyncrt_sqe, user_data, 32);
ASYNCRT_PIN(struct asyncrt_sqe, timeout_ns, 40);
ASYNCRT_PIN(struct asyncrt_sqe, resv2, 48);

_Static_assert(sizeof(struct asyncrt_cqe) == 16, "cqe size");
ASYNCRT_PIN(struct asyncrt_cqe, user_data, 0);
ASYNCRT_PIN(struct asyncrt_cqe, res, 8);
ASYNCRT_PIN(struct asyncrt_cqe, flags, 12);

_Static_assert(sizeof(struct asyncrt_sq_offsets) == 32, "sq_offsets size");
_Static_assert(sizeof(struct asyncrt_cq_offsets) == 32, "cq_offsets size");
_Static_assert(sizeof(struct asyncrt_params) == 112, "params size");
ASYNCRT_PIN(struct asyncrt_params, sq_entries, 0);
ASYNCRT_PIN(struct asyncrt_params, cq_entries, 4);
ASYNCRT_PIN(struct asyncrt_params, flags, 8);
ASYNCRT_PIN(struct asyncrt_params, max_inflight, 12);
ASYNCRT_PIN(struct asyncrt_params, features, 16);
ASYNCRT_PIN(struct asyncrt_params, resv, 20);
ASYNCRT_PIN(struct asyncrt_params, rings_size, 32);
ASYNCRT_PIN(struct asyncrt_params, sqes_size, 40);
ASYNCRT_PIN(struct asyncrt_params, sq_off, 48);
ASYNCRT_PIN(struct asyncrt_params, cq_off, 80);

_Static_assert(sizeof(struct asyncrt_enter) == 24, "enter size");
ASYNCRT_PIN(struct asyncrt_enter, to_submit, 0);
ASYNCRT_PIN(struct asyncrt_enter, min_complete, 4);
ASYNCRT_PIN(struct asyncrt_enter, flags, 8);
ASYNCRT_PIN(struct asyncrt_enter, resv, 12);
ASYNCRT_PIN(struct asyncrt_enter, timeout_ns, 16);

#endif /* _ASYNCRT_UAPI_CHECK_H */
