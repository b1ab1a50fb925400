# SPDX-License-Identifier: GPL-2.0
#
# Shared by the VM scripts: which kernels we boot, how to build the module
# for each, how to pack an initramfs, how to boot it under QEMU, and how to
# judge the kernel log. Sourced, not run.

vm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$vm_dir/../.." && pwd)
build=$top/build
user=$build/user

vm_log() { echo "[vm] $*" >&2; }

# The kernels the harness boots: 6.1 and 6.12 are Debian's stock kernels,
# debug is built from linux-source-6.1 with debug.config.
KERNELS="6.1 6.12 debug"

# kernel_image/kernel_kdir <name>: the bzImage to boot, the tree to build for.
kernel_release() {
	local v
	v=$(ls /boot/vmlinuz-"$1".*-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$v" ] || return 1
	basename "$v" | sed 's/^vmlinuz-//'
}

kernel_image() {
	case $1 in
	debug) echo "$("$vm_dir"/build-debug-kernel.sh)/arch/x86/boot/bzImage" ;;
	*) echo "/boot/vmlinuz-$(kernel_release "$1")" ;;
	esac
}

kernel_kdir() {
	case $1 in
	debug) "$vm_dir"/build-debug-kernel.sh ;;
	*) echo "/usr/src/linux-headers-$(kernel_release "$1")" ;;
	esac
}

# Several runs for one kernel in one tree (two terminals, two developers)
# would share build/kmod-<kernel> and the VM logs: take turns.
lock_kernel() { # lock_kernel <name>
	mkdir -p "$build"
	exec 8>"$build/.lock-$1"
	flock 8
}

# Build asyncrt.ko (and, where KUnit exists, asyncrt_kunit.ko) for a kernel
# in a private copy of the sources, so builds for several kernels coexist.
build_modules() { # build_modules <name> <kdir> -> prints the output dir
	local name=$1 kdir=$2 out=$build/kmod-$1 d key
	local srcs="Kbuild kmod uapi examples/kecho bench/kmod selftests/harness"

	# The same sources for the same kernel tree build the same modules:
	# reuse them (the harness self-test boots each kernel several times).
	key=$( (cd "$top" && find $srcs -type f ! -name '*.o' ! -name '.*' 2>/dev/null |
		sort | xargs sha256sum; echo "$kdir") | sha256sum | cut -c1-16)
	if [ -e "$out/.key" ] && [ "$(cat "$out/.key")" = "$key" ]; then
		echo "$out"
		return 0
	fi
	rm -rf "$out"
	mkdir -p "$out"
	cp -r "$top"/Kbuild "$top"/kmod "$top"/uapi "$out"/
	# Kernel-side examples and benchmark modules are in Kbuild too.
	for d in examples/kecho bench/kmod; do
		[ -d "$top/$d" ] || continue
		mkdir -p "$out/$(dirname $d)"
		cp -r "$top/$d" "$out/$d"
	done
	make -s -C "$kdir" M="$out" modules >"$out/build.log" 2>&1 || {
		cat "$out/build.log" >&2
		return 1
	}
	# The harness's own misbehaving module builds on its own.
	mkdir -p "$out/extra-splat"
	cp "$top"/selftests/harness/* "$out/extra-splat/"
	make -s -C "$kdir" M="$out/extra-splat" modules >>"$out/build.log" 2>&1 || {
		cat "$out/build.log" >&2
		return 1
	}
	echo "$key" >"$out/.key"
	echo "$out"
}

# The sanitized selftests (build/user/asan) are dynamic programs: put them
# in /tests/asan with the loader and every shared library ldd finds for
# them (the sanitizer runtimes, libc and what those need), each at the path
# ldd gives, which is where the loader will look in the guest too.
pack_asan_tests() { # pack_asan_tests <root>
	local root=$1 f
	[ -d "$user/asan/selftests" ] || return 0
	mkdir -p "$root/tests/asan"
	find "$user/asan/selftests" -type f -name '*_test' -exec cp {} "$root/tests/asan/" \;
	for f in $(ldd "$root"/tests/asan/* | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
			$1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' | sort -u); do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
}

# Pack busybox, init, the modules, tests and examples into an initramfs;
# with "asan", the sanitized selftests too.
make_initramfs() { # make_initramfs <moddir> <output.cpio.gz> [asan]
	local moddir=$1 out=$2 asan=${3:-} root
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,modules,tests,examples}
	cp /bin/busybox "$root/bin/busybox"
	cp "$vm_dir/init" "$root/init"
	cp "$moddir"/*.ko "$moddir"/extra-*/*.ko "$root/modules/"
	find "$user/selftests" -type f -name '*_test' -exec cp {} "$root/tests/" \; 2>/dev/null
	if [ "$asan" = asan ]; then
		pack_asan_tests "$root"
	fi
	find "$user/examples" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/examples/" \; 2>/dev/null
	if [ -d "$user/bench" ]; then
		mkdir -p "$root/bench"
		cp -r "$user/bench/." "$root/bench/"
	fi
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	rm -rf "$root"
}

# Boot a kernel with an initramfs; results go to $results, the console to
# $console. The results are streamed to stdout as they arrive, so a long run
# is never silent. Returns qemu's status (124 when the timeout killed it).
boot_vm() { # boot_vm <image> <initrd> <console> <results> <timeout> <append>
	local image=$1 initrd=$2 console=$3 results=$4 timeout=$5 append=$6
	local accel=tcg mem=2G qpid tpid rc

	# KVM hangs at boot on our machines: it is strictly opt-in.
	[ "${ASYNCRT_KVM:-0}" = 1 ] && accel=kvm
	: >"$console"
	: >"$results"
	timeout -k 5 "$timeout" qemu-system-x86_64 -accel "$accel" -smp 2 -m "$mem" \
		-nodefaults -display none -no-reboot \
		-kernel "$image" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=7 panic=-1 $append" \
		-serial file:"$console" -serial file:"$results" &
	qpid=$!
	tail -n +1 -f --pid=$qpid "$results" 2>/dev/null | sed -u 's/^/    /' &
	tpid=$!
	wait $qpid
	rc=$?
	wait $tpid 2>/dev/null
	return $rc
}

# Kernel-log verdict: every line that means the kernel is unhappy.
LOG_BAD='BUG:|WARNING:|Oops|Kernel panic|kernel BUG at|general protection fault|INFO: task .* blocked for more than|possible circular locking|possible recursive locking|inconsistent lock state|KASAN:|UBSAN:|ODEBUG:|unreferenced object|suspected memory leak|list_add corruption|list_del corruption|refcount_t:|rcu_.*detected stall|Call Trace:'

log_splats() { # log_splats <console> -> prints offending lines
	grep -aE "$LOG_BAD" "$1" | head -n 20
}
