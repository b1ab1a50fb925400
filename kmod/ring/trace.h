/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints that follow a future through an instance: submit (with its
 * opcode), complete (with its result, F_MORE ones included) and cancel.
 * An instance is named by a serial number, never by a kernel address.
 *   perf record -e 'asyncrt:*'   or   bpftrace -e 'tracepoint:asyncrt:* {...}'
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM asyncrt

#if !defined(_ASYNCRT_RING_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ASYNCRT_RING_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(asyncrt_submit,
	TP_PROTO(unsigned long instance, u8 opcode, u8 flags, u64 user_data),
	TP_ARGS(instance, opcode, flags, user_data),
	TP_STRUCT__entry(
		__field(unsigned long, instance)
		__field(u8, opcode)
		__field(u8, flags)
		__field(u64, user_data)
	),
	TP_fast_assign(
		__entry->instance = instance;
		__entry->opcode = opcode;
		__entry->flags = flags;
		__entry->user_data = user_data;
	),
	TP_printk("instance=%lu opcode=%u flags=0x%x user_data=0x%llx",
		  __entry->instance, __entry->opcode, __entry->flags,
		  __entry->user_data)
);

TRACE_EVENT(asyncrt_complete,
	TP_PROTO(unsigned long instance, u64 user_data, s32 res, u32 flags),
	TP_ARGS(instance, user_data, res, flags),
	TP_STRUCT__entry(
		__field(unsigned long, instance)
		__field(u64, user_data)
		__field(s32, res)
		__field(u32, flags)
	),
	TP_fast_assign(
		__entry->instance = instance;
		__entry->user_data = user_data;
		__entry->res = res;
		__entry->flags = flags;
	),
	TP_printk("instance=%lu user_data=0x%llx res=%d flags=0x%x",
		  __entry->instance, __entry->user_data, __entry->res,
		  __entry->flags)
);

TRACE_EVENT(asyncrt_cancel,
	TP_PROTO(unsigned long instance, u64 target, bool all, unsigned int found),
	TP_ARGS(instance, target, all, found),
	TP_STRUCT__entry(
		__field(unsigned long, instance)
		__field(u64, target)
		__field(bool, all)
		__field(unsigned int, found)
	),
	TP_fast_assign(
		__entry->instance = instance;
		__entry->target = target;
		__entry->all = all;
		__entry->found = found;
	),
	TP_printk("instance=%lu target=0x%llx all=%d found=%u",
		  __entry->instance, __entry->target, __entry->all,
		  __entry->found)
);

#endif /* _ASYNCRT_RING_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH kmod/ring
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
