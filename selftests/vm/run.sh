#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel in QEMU with the module, the selftests and (on the debug
# kernel) the KUnit suites, and judge the run: the guest's TAP on its own
# serial port, plus the kernel log, which must show no splat, no leak and no
# hang. Prints "<kernel>: N passed, N failed, N skipped" and exits non-zero on
# any failure.
#
#   run.sh <6.1|6.12|debug> [--splat MODE] [--asan on|off] [--timeout SECONDS]
#          [--counts FILE]
#
# --splat loads selftests/harness/asyncrt_splat.ko, which misbehaves on
# purpose: the harness's own test (harness-test.sh) checks that it goes red.
# --asan also runs the selftests built with ASan and UBSan (build/user/asan,
# blocks asan:<name>). It is on by default for the stock 6.1 kernel only:
# there it adds 35-60 s to the guest; on the debug kernel it would add
# about 10 minutes (every fork, fault and mmap costs KASAN and lockdep).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kernel=${1:?usage: run.sh <6.1|6.12|debug> [--splat MODE] [--asan on|off] [--timeout S] [--counts FILE]}
shift
splat=
asan=off
[ "$kernel" = 6.1 ] && asan=on
timeout=${ASYNCRT_VM_TIMEOUT:-900}
counts=
while [ $# -gt 0 ]; do
	case $1 in
	--splat) splat=$2; shift 2 ;;
	--asan) asan=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--counts) counts=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

case $asan in
on | off) ;;
*) echo "run.sh: --asan takes on or off, not $asan" >&2; exit 2 ;;
esac
# A splat run skips the suites.
[ -n "$splat" ] && asan=off

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
if [ $asan = on ] &&
	[ -z "$(find "$user/asan/selftests" -type f -name '*_test' 2>/dev/null | head -n 1)" ]; then
	echo "run.sh: no sanitized selftests under $user/asan/selftests: run 'make selftests' first" >&2
	exit 1
fi

vm_log "$tag: building the modules against $kdir"
moddir=$(build_modules "$kernel" "$kdir") || exit 1
if [ $asan = on ]; then
	make_initramfs "$moddir" "$out/initrd.gz" asan
else
	make_initramfs "$moddir" "$out/initrd.gz"
fi

append="asyncrt.mode=tests"
[ "$kernel" = debug ] && append="$append panic_on_warn=1"
[ $asan = on ] && append="$append asyncrt.asan=1"
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
