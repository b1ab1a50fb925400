#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness's own test: boot guests in which selftests/harness/asyncrt_splat.ko
# misbehaves on purpose and check that each run goes red for the right
# reason. A harness that stays green here would hide real bugs.
# Prints TAP and "harness: N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

passed=0 failed=0 n=0
expect_red() { # expect_red <kernel> <mode> <timeout> <pattern> <what>
	local kernel=$1 mode=$2 timeout=$3 pattern=$4 what=$5 out rc
	n=$((n + 1))
	vm_log "harness self-test $n: $what must turn the run red"
	out=$("$vm_dir/run.sh" "$kernel" --splat "$mode" --timeout "$timeout" 2>&1 | grep -v '^    ')
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ] && echo "$out" | grep -qE "$pattern"; then
		echo "ok $n harness reports $what"
		passed=$((passed + 1))
	else
		echo "not ok $n harness reports $what (run.sh status $rc, wanted /$pattern/):"
		echo "$out" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}

expect_red 6.1 nodev 120 'not ok [0-9]+ /dev/asyncrt exists' "a missing /dev/asyncrt"
expect_red 6.1 hang 30 'hung and was killed' "a hang"
expect_red debug warn 300 'WARNING:' "a kernel warning"
expect_red debug kasan 300 'BUG: KASAN' "a KASAN report"
expect_red debug leak 600 'kmemleak finds no leak|unreferenced object' "a leak"

echo "harness: $passed passed, $failed failed"
[ -n "${1:-}" ] && echo "$passed $failed 0" >"$1"
[ $failed = 0 ]
