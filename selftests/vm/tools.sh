#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the kernel's own tools we use but never copy into the tree
# (kselftest_harness.h, kselftest.h, checkpatch.pl and its data files) from
# Debian's linux-source-6.1 into the cache, once, and print the directory.
set -euo pipefail

cache=${ASYNCRT_CACHE:-/var/cache/asyncrt}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "tools.sh: missing $tarball (apt-get install linux-source-6.1)" >&2; exit 1; }
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
dir=$cache/tools-$ver

if [ ! -e "$dir/ready" ]; then
	mkdir -p "$cache"
	exec 9>"$cache/.tools.lock"
	flock 9
	if [ ! -e "$dir/ready" ]; then
		echo "[tools] extracting kselftest_harness.h and checkpatch.pl from $tarball" >&2
		rm -rf "$dir" && mkdir -p "$dir"
		tar -C "$dir" --strip-components=1 -xJf "$tarball" \
			linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
			linux-source-6.1/tools/testing/selftests/kselftest.h \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch
		touch "$dir/ready"
	fi
fi
echo "$dir"
