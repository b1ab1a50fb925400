#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: build the bench programs (static, liburing linked in) and the
# bench module, boot one kernel once under QEMU, run every benchmark beside
# its peer in that boot (bench/guest.sh), then print the table and write
# CSV, JSON and PNG plots under build/bench/results/ (bench/report.py).
#
#   bench/bench.sh [--full] [--kernel 6.1|6.12|debug] [--only a,b,...] [--boots N]
#                  [--base REV]
#
# Quick mode (the default) takes about 9 minutes on our 2-core machines;
# --full about 27-28 minutes (1,564-1,614 s in the guest, sessions 9-10).
# --boots N runs it all in N boots of the guest, one after the other, and
# judges the interleaved echo and wake-up rows by each boot's median
# (report.py): the way to a verdict that holds beyond one boot, usually
# with --only echoab or --only wakeab. --base REV builds that revision's
# module beside this tree's, for --only wakemod: the two in turn in one
# boot, the way to tell whether a change to the wake-up path paid.
# BENCH_KERNEL, BENCH_SIZE, BENCH_ONLY and BENCH_BOOTS in the environment
# do the same as the flags; BENCH_APPEND adds guest options (asyncrt.burn=N).
# Absolute figures under TCG mean nothing: read the ratios.
set -uo pipefail
. "$(dirname "$0")/../selftests/vm/lib.sh"
cd "$top"

args="$*"
kernel=${BENCH_KERNEL:-6.1}
size=${BENCH_SIZE:-quick}
only=${BENCH_ONLY:-}
boots=${BENCH_BOOTS:-1}
base=
while [ $# -gt 0 ]; do
	case $1 in
	--full) size=full ;;
	--quick) size=quick ;;
	--kernel) kernel=$2; shift ;;
	--kernel=*) kernel=${1#*=} ;;
	--only) only=$2; shift ;;
	--only=*) only=${1#*=} ;;
	--boots) boots=$2; shift ;;
	--boots=*) boots=${1#*=} ;;
	--base) base=$2; shift ;;
	--base=*) base=${1#*=} ;;
	*) echo "usage: $0 [--full] [--kernel 6.1|6.12|debug] [--only a,b] [--boots N] [--base REV]" >&2; exit 2 ;;
	esac
	shift
done
case $kernel in 6.1|6.12|debug) ;; *) echo "unknown kernel $kernel" >&2; exit 2 ;; esac
case $boots in [1-9] | [1-9][0-9]) ;; *) echo "--boots takes 1 to 99, not '$boots'" >&2; exit 2 ;; esac
# --base REV: only wakemod uses that revision's module, run by this tree's
# programs, so the two must speak the same uapi.
if [ -n "$base" ]; then
	git -C "$top" rev-parse -q --verify "$base^{commit}" >/dev/null ||
		{ echo "--base: no revision '$base'" >&2; exit 2; }
	git -C "$top" diff --quiet "$base" -- uapi ||
		{ echo "--base: $base's uapi differs from this tree's" >&2; exit 2; }
fi

blog() { echo "[bench] $*" >&2; }

# Packages: what the harness needs, plus gnuplot for the plots.
"$vm_dir/deps.sh" || exit 1
for p in liburing-dev gnuplot-nox; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && continue
	if [ "$(id -u)" != 0 ]; then
		blog "missing $p: run as root: apt-get install -y $p"
		exit 1
	fi
	blog "installing $p"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" >&2 || exit 1
done

# The guest programs: static, so the initramfs needs no libc.
out_bin=$user/bench
rm -rf "$out_bin"
mkdir -p "$out_bin" "$build/bench"
cflags="-O2 -g -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -Iuapi -Ilib/include"
blog "building the bench programs"
# libasyncrt with the Makefile's allowance for unused parameters.
libobjs=
for f in ring rt op chan group net socket; do
	gcc $cflags -Wno-unused-parameter -c lib/$f.c -o "$build/bench/$f.o" || exit 1
	libobjs="$libobjs $build/bench/$f.o"
done
gcc $cflags -c bench/common.c -o "$build/bench/common.o" || exit 1
gcc $cflags -c bench/evloop.c -o "$build/bench/evloop.o" || exit 1
for prog in nop tscale lateness wake syscost; do
	gcc $cflags -static -o "$out_bin/$prog" "bench/$prog.c" \
		"$build/bench/common.o" "$build/bench/ring.o" -luring -lpthread || exit 1
done
# The userspace executor against bench/evloop.c; the echo servers (the
# example itself, unchanged, and the plain epoll peer) and the load.
gcc $cflags -static -o "$out_bin/exec" bench/exec.c "$build/bench/evloop.o" \
	"$build/bench/common.o" $libobjs -lpthread || exit 1
gcc $cflags -static -o "$out_bin/echo_server" examples/echo_server.c $libobjs -lpthread || exit 1
for prog in echo_epoll echo_load; do
	gcc $cflags -static -o "$out_bin/$prog" "bench/$prog.c" "$build/bench/common.o" || exit 1
done
cp bench/guest.sh "$out_bin/guest.sh"
# --only callgrind / echogrind: valgrind's callgrind tool (static) profiles
# the executor benchmark / the echo servers in the guest.
if echo ",$only," | grep -q ',callgrind,\|,echogrind,'; then
	vg=/usr/libexec/valgrind
	[ -x $vg/callgrind-amd64-linux ] || { blog "callgrind needs: apt-get install valgrind"; exit 1; }
	mkdir -p "$out_bin/vg"
	cp $vg/callgrind-amd64-linux $vg/default.supp "$out_bin/vg/"
fi
# --only perf: the kernel's perf tool, with the libraries it links, samples
# the guest during the benchmarks that miss a target.
if echo ",$only," | grep -q ',perf,'; then
	command -v perf >/dev/null || { blog "perf needs: apt-get install linux-perf"; exit 1; }
	mkdir -p "$out_bin/perf"
	cp "$(command -v perf)" "$out_bin/perf/perf"
	ldd "$(command -v perf)" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		xargs -r -I{} cp -L {} "$out_bin/perf/"
	cp -L /lib64/ld-linux-x86-64.so.2 "$out_bin/perf/ld.so"
fi

lock_kernel "$kernel"
kdir=$(kernel_kdir "$kernel") || exit 1
image=$(kernel_image "$kernel") || exit 1
blog "building asyncrt.ko and asyncrt_bench.ko for $kernel"
moddir=$(build_modules "$kernel" "$kdir") || exit 1
if [ -n "$base" ]; then
	blog "building asyncrt.ko of $base for $kernel (--base)"
	bdir=$build/kmod-base-$kernel
	rm -rf "$bdir"
	mkdir -p "$bdir"
	git -C "$top" archive "$base" Kbuild kmod uapi | tar -x -C "$bdir" || exit 1
	make -s -C "$kdir" M="$bdir" modules >"$bdir/build.log" 2>&1 || {
		cat "$bdir/build.log" >&2
		exit 1
	}
	cp "$bdir/asyncrt.ko" "$out_bin/asyncrt_base.ko"
fi
vmout=$build/vm/bench-$kernel
mkdir -p "$vmout"
make_initramfs "$moddir" "$vmout/initrd.gz"

case $size in full) timeout=5400 ;; *) timeout=1200 ;; esac
append="asyncrt.mode=bench asyncrt.bench=$size"
[ -n "$only" ] && append="$append asyncrt.only=$only"
# Extra guest options (bench/guest.sh's header), e.g. asyncrt.burn=2000.
[ -n "${BENCH_APPEND:-}" ] && append="$append $BENCH_APPEND"
rc=0
# One boot writes results.txt and console.log; several write each boot's
# to results.K.txt and console.K.log, and results.txt gathers them, each
# boot's after a "@@ boot K" line (report.py numbers blocks on across them).
: >"$vmout/results.txt"
b=1
while [ $b -le $boots ]; do
	res=$vmout/results.txt con=$vmout/console.log
	if [ $boots -gt 1 ]; then
		res=$vmout/results.$b.txt con=$vmout/console.$b.log
		blog "boot $b of $boots"
	fi
	blog "booting $kernel under QEMU (TCG), $size mode; progress follows"
	start=$(date +%s)
	boot_vm "$image" "$vmout/initrd.gz" "$con" "$res" \
		"$timeout" "$append" | grep --line-buffered -a '^    #' | sed -u 's/^    # /  /'
	blog "guest finished in $(( $(date +%s) - start )) s"
	grep -aq '^@@ end bench rc=0' "$res" || { blog "the guest run did not finish cleanly"; rc=1; }
	grep -a '^# .*failed\|^bench:' "$res" >&2
	splats=$(log_splats "$con")
	[ -z "$splats" ] || { blog "kernel log:"; echo "$splats" >&2; rc=1; }
	[ $boots -gt 1 ] && { echo "@@ boot $b"; cat "$res"; } >>"$vmout/results.txt"
	b=$((b + 1))
done

# Callgrind profiles come back as "C <impl> <line>": annotate them.
if grep -aq '^C ' "$vmout/results.txt"; then
	mkdir -p "$build/bench/results"
	for impl in $(grep -a '^C ' "$vmout/results.txt" | cut -d' ' -f2 | sort -u); do
		cg=$build/bench/results/callgrind.out.$impl
		grep -a "^C $impl " "$vmout/results.txt" | cut -d' ' -f3- >"$cg"
		callgrind_annotate --inclusive=no "$cg" >"$cg.txt" 2>&1
		callgrind_annotate --inclusive=yes "$cg" >"$cg.inclusive.txt" 2>&1
		blog "callgrind $impl: $cg.txt"
	done
fi

# perf profiles come back as "P <name> <line>".
if grep -aq '^P ' "$vmout/results.txt"; then
	mkdir -p "$build/bench/results"
	for name in $(grep -a '^P ' "$vmout/results.txt" | cut -d' ' -f2 | sort -u); do
		grep -a "^P $name " "$vmout/results.txt" | cut -d' ' -f3- \
			>"$build/bench/results/perf.$name.txt"
		blog "perf $name: $build/bench/results/perf.$name.txt"
	done
fi

# A profile-only run (--only callgrind, trace or perf) has no figures.
grep -aq '^R ' "$vmout/results.txt" || exit $rc
python3 bench/report.py --results "$vmout/results.txt" --out "$build/bench/results" \
	--kernel "$(basename "$image" | sed 's/^vmlinuz-//')" --mode "$size" \
	--command "bench/bench.sh${args:+ $args}" || rc=1
exit $rc
