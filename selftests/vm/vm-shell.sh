#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make vm-shell: boot the debug kernel with asyncrt.ko loaded and open a
# shell on the console, for debugging. Leave with 'reboot -f' (or Ctrl-A X).
# ASYNCRT_VM_KERNEL=6.1|6.12 boots a stock kernel instead.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$top"

kernel=${ASYNCRT_VM_KERNEL:-debug}
"$vm_dir/deps.sh" || exit 1
make -s -j"$(nproc)" lib selftests examples || exit 1
lock_kernel "$kernel"
moddir=$(build_modules "$kernel" "$(kernel_kdir "$kernel")") || exit 1
out=$build/vm/shell
mkdir -p "$out"
make_initramfs "$moddir" "$out/initrd.gz" asan
accel=tcg
[ "${ASYNCRT_KVM:-0}" = 1 ] && accel=kvm
exec qemu-system-x86_64 -accel $accel -smp 2 -m 2G -nodefaults -display none -no-reboot \
	-kernel "$(kernel_image "$kernel")" -initrd "$out/initrd.gz" \
	-append "console=ttyS0 panic=-1 asyncrt.mode=shell" \
	-serial mon:stdio -serial file:"$out/results.txt"
