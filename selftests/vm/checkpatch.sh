#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make style: the kernel's checkpatch.pl --strict over the module and the
# uapi header. checkpatch comes from Debian's linux-source (tools.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
tools=$(selftests/vm/tools.sh)
files=$(find kmod selftests/harness -name '*.[ch]' ! -name compat.h | sort)
cp() { "$tools/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types "$@"; }
# --no-tree: we are not a kernel tree. The uapi header cannot use BIT():
# userspace has no such macro, so flags there are spelled (1U << n).
# kmod/compat.h is the one file whose job is to test kernel versions.
if cp -f $files && cp --ignore BIT_MACRO -f uapi/linux/asyncrt.h &&
   cp --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f kmod/compat.h; then
	echo "checkpatch --strict: clean ($(echo "$files" | wc -l) files and the uapi header)"
else
	echo "checkpatch --strict: problems found (above)"
	exit 1
fi
