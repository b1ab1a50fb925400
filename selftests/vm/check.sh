#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything, in order, with progress.
#   1. install what is missing (deps.sh)
#   2. static checks: the build with W=1 against both stock kernels,
#      sparse, checkpatch --strict; the bench report's own tests
#   3. the debug kernel (built once, cached outside the clone)
#   4. each kernel in QEMU: lifecycle, selftests, KUnit on the debug kernel,
#      the selftests again with ASan and UBSan on 6.1
#   5. the harness's own test: deliberate trouble must turn runs red
# The last line is "N passed, N failed, N skipped"; any failure exits 1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$top"

passed=0 failed=0 skipped=0
t0=$(date +%s)
step() { echo; echo "=== [$(($(date +%s) - t0))s] $*"; }
add() { # add <passed> <failed> <skipped>
	passed=$((passed + $1))
	failed=$((failed + $2))
	skipped=$((skipped + $3))
}
case_result() { # case_result <status> <description>
	if [ "$1" = 0 ]; then
		echo "ok - $2"
		add 1 0 0
	else
		echo "not ok - $2"
		add 0 1 0
	fi
}

step "dependencies"
"$vm_dir/deps.sh" || exit 1

step "build (W=1) and static checks"
mkdir -p "$build"
make -s -j"$(nproc)" lib selftests examples W=1 >"$build/user-build.log" 2>&1
rc=$?
[ $rc = 0 ] || cat "$build/user-build.log"
case_result $rc "libasyncrt, selftests and examples build with W=1 (-Werror)"
for k in 6.1 6.12; do
	kdir=$(kernel_kdir $k)
	log=$build/module-w1-$k.log
	make -s module KDIR="$kdir" W=1 >"$log" 2>&1
	rc=$?
	grep -E 'warning:|error:' "$log" && rc=1
	[ $rc = 0 ] || tail -n 30 "$log"
	case_result $rc "asyncrt.ko builds warning-free with W=1 against $k ($kdir)"
done
log=$build/sparse.log
make -s sparse KDIR="$(kernel_kdir 6.1)" >"$log" 2>&1
rc=$?
grep -E 'warning:|error:' "$log" && rc=1
case_result $rc "sparse (C=2) reports nothing"
make -s style >"$build/style.log" 2>&1
rc=$?
[ $rc = 0 ] || cat "$build/style.log"
case_result $rc "checkpatch.pl --strict reports nothing"
python3 bench/report_test.py >"$build/report-test.log" 2>&1
rc=$?
[ $rc = 0 ] || cat "$build/report-test.log"
case_result $rc "make bench's verdicts and intervals (bench/report_test.py)"
python3 bench/waketrace_test.py >"$build/waketrace-test.log" 2>&1
rc=$?
[ $rc = 0 ] || cat "$build/waketrace-test.log"
case_result $rc "the wake-up trace's split (bench/waketrace_test.py)"

step "debug kernel (cached in ${ASYNCRT_CACHE:-/var/cache/asyncrt})"
if ! "$vm_dir/build-debug-kernel.sh" >/dev/null; then
	echo "not ok - the debug kernel builds"
	add 0 1 0
fi

for k in $KERNELS; do
	what="lifecycle, selftests"
	[ $k = 6.1 ] && what="$what, sanitized selftests"
	[ $k = debug ] && what="$what, KUnit, kmemleak"
	step "kernel $k: $what"
	counts=$build/counts-$k
	rm -f "$counts"
	"$vm_dir/run.sh" "$k" --counts "$counts"
	if [ -r "$counts" ]; then
		add $(cat "$counts")
	else
		echo "not ok - kernel $k could not be run"
		add 0 1 0
	fi
done

step "harness self-test"
counts=$build/counts-harness
rm -f "$counts"
"$vm_dir/harness-test.sh" "$counts"
if [ -r "$counts" ]; then
	add $(cat "$counts")
else
	add 0 1 0
fi

step "done in $(($(date +%s) - t0))s"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
