#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make style: the kernel's checkpatch.pl --strict over every piece of kernel
# code (the module, the harness's module, the kernel-side examples, the
# bench module) and the uapi header. checkpatch comes from Debian's linux-source (tools.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
tools=$(selftests/vm/tools.sh)
dirs=$(ls -d kmod selftests/harness examples/kecho bench/kmod 2>/dev/null || true)
files=$(find $dirs -name '*.[ch]' 2>/dev/null |
	grep -vx -e kmod/compat.h -e kmod/include/linux/asyncrt.h -e kmod/ring/trace.h \
		-e bench/kmod/wakedev.h | sort)
cp() { "$tools/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types "$@"; }
# Five files get exemptions, for what is their job:
# - the uapi header, and the bench device's (shared with bench/wake.c),
#   cannot use BIT(): userspace has no such macro;
# - kmod/compat.h is the one place that tests kernel versions;
# - the API header's coroutine macros must open and close the poll
#   function's switch and return from it;
# - the tracepoint header is written in TRACE_EVENT's own layout.
if cp -f $files &&
   cp --ignore BIT_MACRO -f uapi/linux/asyncrt.h bench/kmod/wakedev.h &&
   cp --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f kmod/compat.h &&
   cp --ignore MACRO_WITH_FLOW_CONTROL,COMPLEX_MACRO -f kmod/include/linux/asyncrt.h &&
   cp --ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE,SPACING -f kmod/ring/trace.h; then
	echo "checkpatch --strict: clean ($(echo "$files" | wc -l) files and 5 headers)"
else
	echo "checkpatch --strict: problems found (above)"
	exit 1
fi
