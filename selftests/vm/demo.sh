#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot Debian's stock 6.1 kernel in QEMU with asyncrt.ko loaded
# and run examples/hello (the README's example) and examples/demo, which
# submit futures through /dev/asyncrt. It does
# not need the debug kernel, so it is quick on a fresh machine.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$top"

"$vm_dir/deps.sh" || exit 1
make -s -j"$(nproc)" lib examples || exit 1
lock_kernel 6.1
kdir=$(kernel_kdir 6.1)
vm_log "building asyncrt.ko for $(kernel_release 6.1)"
moddir=$(build_modules 6.1 "$kdir") || exit 1
out=$build/vm/demo
mkdir -p "$out"
make_initramfs "$moddir" "$out/initrd.gz"
vm_log "booting $(kernel_release 6.1) under QEMU (TCG); the demo's output follows"
boot_vm "$(kernel_image 6.1)" "$out/initrd.gz" "$out/console.log" "$out/results.txt" \
	300 "asyncrt.mode=demo" | sed -u -e 's/^    //' -e '/^@@/d'
rc=0
tr -d '\r' <"$out/results.txt" | grep -q '^@@ end demo rc=0' || rc=1
tr -d '\r' <"$out/results.txt" | grep -q '^@@ end hello rc=0' || rc=1
splats=$(log_splats "$out/console.log")
[ -z "$splats" ] || { echo "kernel log:"; echo "$splats"; rc=1; }
[ $rc = 0 ] && vm_log "demo finished; the kernel log was clean" ||
	vm_log "demo FAILED (console log: $out/console.log)"
exit $rc
