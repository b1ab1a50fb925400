#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel in QEMU with the module, the selftests and (on the debug
# kernel) the KUnit suites, and judge the run: the guest's TAP on its own
# serial port, plus the kernel log, which must show no splat, no leak and no
# hang. Prints "<kernel>: N passed, N failed, N skipped" and exits non-zero on
# any failure.
#
#   run.sh <6.1|6.12|debug> [--splat MODE] [--timeout SECONDS] [--counts FILE]
#
# --splat loads selftests/harness/asyncrt_splat.ko, which misbehaves on
# purpose: the harness's own test (harness-test.sh) checks that it goes red.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kernel=${1:?usage: run.sh <6.1|6.12|debug> [--splat MODE] [--timeout S] [--counts FILE]}
shift
splat=
timeout=${ASYNCRT_VM_TIMEOUT:-900}
counts=
while [ $# -gt 0 ]; do
	case $1 in
	--splat) splat=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--counts) counts=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

lock_kernel "$kernel"
tag=$kernel${splat:+-splat-$splat}
out=$build/vm/$tag
mkdir -p "$out"

image=$(kernel_image "$kernel") && [ -r "$image" ] || { echo "run.sh: no kernel image for $kernel" >&2; exit 1; }
kdir=$(kernel_kdir "$kernel") && [ -d "$kdir" ] || { echo "run.sh: no kernel tree for $kernel" >&2; exit 1; }

# Without them the guest runs the lifecycle checks alone, and passes.
if [ -z "$(find "$user/selftests" -type f -name '*_test' 2>/dev/null | head -n 1)" ]; then
	echo "run.sh: no selftests under $user/selftests: run 'make selftests' first" >&2
	exit 1
fi

vm_log "$tag: building the modules against $kdir"
moddir=$(build_modules "$kernel" "$kdir") || exit 1
make_initramfs "$moddir" "$out/initrd.gz"

append="asyncrt.mode=tests"
[ "$kernel" = debug ] && append="$append panic_on_warn=1"
[ -n "$splat" ] && append="$append asyncrt.splat=$splat"

vm_log "$tag: booting $(basename "$image") (TCG, timeout ${timeout}s)"
start=$(date +%s)
boot_vm "$image" "$out/initrd.gz" "$out/console.log" "$out/results.txt" "$timeout" "$append"
qrc=$?
vm_log "$tag: guest exited after $(($(date +%s) - start))s"

verdict=$(awk -f "$vm_dir/parse-results.awk" "$out/results.txt")
set -- $(echo "$verdict" | sed -n 's/^counts //p')
passed=$1 failed=$2 skipped=$3
echo "$verdict" | grep -v '^counts ' | sed "s/^/[$tag] /"

if [ $qrc = 124 ] || [ $qrc = 137 ]; then
	failed=$((failed + 1))
	echo "[$tag] FAIL: the guest hung and was killed after ${timeout}s; last console lines:"
	tail -n 30 "$out/console.log" | sed "s/^/[$tag]   /"
fi
splats=$(log_splats "$out/console.log")
if [ -n "$splats" ]; then
	failed=$((failed + 1))
	echo "[$tag] FAIL: the kernel log reports trouble (full log: $out/console.log):"
	echo "$splats" | sed "s/^/[$tag]   /"
fi

echo "[$tag] $passed passed, $failed failed, $skipped skipped"
[ -n "$counts" ] && echo "$passed $failed $skipped" >"$counts"
[ "$failed" = 0 ]
