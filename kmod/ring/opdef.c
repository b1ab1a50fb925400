// SPDX-License-Identifier: GPL-2.0
/*
 * The opcode table. Opcodes without an entry are reported as -EINVAL
 * completions by the submission path, like any unknown opcode.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>

#include "opdef.h"

static const struct art_opdef art_opdefs[ASYNCRT_OP_LAST] = {
	[ASYNCRT_OP_NOP] = {
		.name	= "NOP",
		.prep	= art_nop_prep,
		.issue	= art_nop_issue,
	},
};

const struct art_opdef *art_opdef(u8 opcode)
{
	const struct art_opdef *def;

	if (opcode >= ASYNCRT_OP_LAST)
		return NULL;
	def = &art_opdefs[array_index_nospec(opcode, ASYNCRT_OP_LAST)];
	return def->issue ? def : NULL;
}
