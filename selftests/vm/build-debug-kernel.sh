#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the KUnit-capable debug kernel the harness boots, from Debian's
# linux-source-6.1 and debug.config, and print the path of its build tree.
# The tree lives outside the clone, under $ASYNCRT_CACHE (default
# /var/cache/asyncrt), keyed by a hash of the source package version and the
# config fragment, so a warm run finds it and returns at once.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${ASYNCRT_CACHE:-/var/cache/asyncrt}
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-$(($(nproc) + 1))}

log() { echo "[debug-kernel] $*" >&2; }

[ -r "$tarball" ] || { log "missing $tarball (apt-get install linux-source-6.1)"; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { echo "$srcver"; cat "$here/debug.config"; } | sha256sum | cut -c1-16)
dir=$cache/kernel-6.1-$key
tree=$dir/linux

if [ -e "$dir/ready" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [ -e "$dir/ready" ]; then
	echo "$tree"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
log "building linux-source-6.1 $srcver with debug.config into $dir (about 10-15 minutes on 2 cores)"
log "unpacking source"
tar -C "$dir" -xf "$tarball"
mv "$dir"/linux-source-6.1 "$tree"

cd "$tree"
make -s ARCH=x86_64 tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "$here/debug.config" >/dev/null
make -s ARCH=x86_64 olddefconfig >/dev/null

# Every option we asked for must have survived dependency resolution.
missing=0
while read -r line; do
	case "$line" in CONFIG_*) ;; *) continue ;; esac
	opt=${line%%=*}
	val=${line#*=}
	if [ "$val" = n ]; then
		grep -qx "$opt=y" .config && { log "$opt is on, wanted off"; missing=1; }
	elif ! grep -qx "$line" .config; then
		log "$line did not survive olddefconfig (got: $(grep "^$opt=" .config || echo unset))"
		missing=1
	fi
done < "$here/debug.config"
[ $missing = 0 ] || exit 1

log "compiling with -j$jobs"
start=$(date +%s)
# A full build: out-of-tree modules need Module.symvers, not just bzImage.
make -s ARCH=x86_64 -j"$jobs" >"$dir/build.log" 2>&1 || {
	tail -n 40 "$dir/build.log" >&2
	exit 1
}
log "built in $(($(date +%s) - start))s"
touch "$dir/ready"
echo "$tree"
