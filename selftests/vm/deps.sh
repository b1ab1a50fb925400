#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the build and the VM harness need from Debian's packages.
# As root on Debian 12 it installs; otherwise it prints the exact command.
set -euo pipefail

# build-essential brings gcc-12, whose libgcc-12-dev depends on libasan8 and
# libubsan1: the runtimes of the sanitized selftests.
pkgs="build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
	xz-utils gzip sparse qemu-system-x86 busybox-static liburing-dev python3
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.1"
pkgs=$(echo $pkgs)

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "missing packages:$missing" >&2
	echo "run as root: apt-get install -y$missing" >&2
	exit 1
fi
echo "[deps] installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# The kernel packages' initramfs hooks are useless to us (the harness builds
# its own initramfs) and slow: skip them.
INITRD=No apt-get install -y -q --no-install-recommends $missing >&2
