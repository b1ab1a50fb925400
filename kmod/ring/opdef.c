// SPDX-License-Identifier: GPL-2.0
/*
 * The opcode table. Opcodes without an entry are reported as -EINVAL
 * completions by the submission path, like any unknown opcode, and are not
 * advertised in the features returned by setup.
 */
#include <linux/kernel.h>

#include "opdef.h"
#include "op.h"

const struct art_opdef art_opdefs[ASYNCRT_OP_LAST] = {
	[ASYNCRT_OP_NOP] = {
		.name	= "NOP",
		.prep	= art_nop_prep,
		.issue	= art_nop_issue,
	},
	[ASYNCRT_OP_SLEEP] = {
		.name	= "SLEEP",
		.prep	= art_sleep_op_prep,
		.size	= sizeof(struct art_sleep_op),
		.init	= art_sleep_op_init,
		.poll	= art_sleep_op_poll,
		.drop	= art_sleep_op_drop,
	},
	[ASYNCRT_OP_INTERVAL] = {
		.name	= "INTERVAL",
		.prep	= art_interval_op_prep,
		.size	= sizeof(struct art_interval_op),
		.init	= art_interval_op_init,
		.poll	= art_interval_op_poll,
		.drop	= art_interval_op_drop,
	},
	[ASYNCRT_OP_WAIT] = {
		.name	= "WAIT",
		.prep	= art_wait_op_prep,
		.size	= sizeof(struct art_wait_op),
		.init	= art_wait_op_init,
		.poll	= art_wait_op_poll,
		.drop	= art_wait_op_drop,
		.bare	= art_wait_bare,
	},
	[ASYNCRT_OP_WAKE] = {
		.name	= "WAKE",
		.prep	= art_wake_prep,
		.issue	= art_wake_issue,
		.takes_fd = true,
		.file_ok = art_waitq_file_ok,
	},
	[ASYNCRT_OP_NOTIFY] = {
		.name	= "NOTIFY",
		.prep	= art_notify_prep,
		.issue	= art_notify_issue,
		.takes_fd = true,
		.file_ok = art_waitq_file_ok,
	},
	[ASYNCRT_OP_POLL] = {
		.name	= "POLL",
		.prep	= art_poll_op_prep,
		.size	= sizeof(struct art_poll_op),
		.init	= art_poll_op_init,
		.poll	= art_poll_op_poll,
		.drop	= art_poll_op_drop,
	},
	[ASYNCRT_OP_CANCEL] = {
		.name	= "CANCEL",
		.prep	= art_cancel_prep,
		.issue	= art_cancel_issue,
	},
	[ASYNCRT_OP_SEND] = {
		.name	= "SEND",
		.prep	= art_sock_prep,
		.issue	= art_send_issue,
		.takes_fd = true,
		.submitter_only = true,
	},
	[ASYNCRT_OP_RECV] = {
		.name	= "RECV",
		.prep	= art_sock_prep,
		.issue	= art_recv_issue,
		.takes_fd = true,
		.submitter_only = true,
	},
};

/* What setup advertises: exactly the opcodes in the table above. */
u32 art_opdef_features(void)
{
	u32 f = ASYNCRT_FEAT_TIMEOUT | ASYNCRT_FEAT_CLOCKS | ASYNCRT_FEAT_LINK |
		ASYNCRT_FEAT_SKIP_SUCCESS;

	if (art_opdef(ASYNCRT_OP_SLEEP))
		f |= ASYNCRT_FEAT_SLEEP;
	if (art_opdef(ASYNCRT_OP_INTERVAL))
		f |= ASYNCRT_FEAT_INTERVAL;
	if (art_opdef(ASYNCRT_OP_WAIT))
		f |= ASYNCRT_FEAT_WAITQ | ASYNCRT_FEAT_CQE_NOTIFY | ASYNCRT_FEAT_WQ_IOCTL;
	if (art_opdef(ASYNCRT_OP_POLL))
		f |= ASYNCRT_FEAT_POLL;
	if (art_opdef(ASYNCRT_OP_CANCEL))
		f |= ASYNCRT_FEAT_CANCEL;
	if (art_opdef(ASYNCRT_OP_SEND) && art_opdef(ASYNCRT_OP_RECV))
		f |= ASYNCRT_FEAT_SOCK;
	return f;
}
