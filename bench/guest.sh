#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (busybox sh), with asyncrt.ko loaded, from the
# init's bench mode. Every benchmark runs beside its peer in this one boot,
# alternating which goes first on each repetition so drift hits both.
# Figures go to stdout as R/Q lines (bench/common.h); lines starting with
# '#' are progress. Options come from the kernel command line:
#   asyncrt.bench=quick|full   sizes and repetitions (default quick)
#   asyncrt.only=a,b           only these benchmarks (nop, kspawn, kscale,
#                              kmem, tscale, lateness, klateness, wake,
#                              uspawn, storm, echo; callgrind, trace,
#                              perf)

cd /bench || exit 1
cmd() { sed -n "s/.*asyncrt\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
size=$(cmd bench)
only=$(cmd only)

if [ "$size" = full ]; then
	REPS=5 NOP_MS=1000 SPAWN_MS=1000 KSCALE=1000000 KMEM=1000000
	TSCALE="1000 10000 100000 1000000" LAT_N=100000 KLAT_N=100000 WAKE_N=20000
	USPAWN_N=1000000 STORM_N=100000 ECHO_MS=2000
else
	size=quick
	REPS=3 NOP_MS=300 SPAWN_MS=300 KSCALE=100000 KMEM=100000
	TSCALE="1000 10000 100000" LAT_N=5000 KLAT_N=5000 WAKE_N=5000
	USPAWN_N=100000 STORM_N=100000 ECHO_MS=1000
fi
ECHO_CONNS="1 64 1000"

want() { [ -z "$only" ] || echo ",$only," | grep -q ",$1,"; }
say() { echo "# $(cut -d' ' -f1 /proc/uptime)s $*"; }

# pair <rep> <cmd-for-asyncrt> <cmd-for-peer...>: asyncrt first on odd reps.
pair() {
	rep=$1 a=$2
	shift 2
	if [ $((rep % 2)) = 1 ]; then
		$a
		for p in "$@"; do $p; done
	else
		for p in "$@"; do $p; done
		$a
	fi
}

# Kernel module benchmarks: figures come back through the kernel log.
kbench() { # kbench <args...>
	dmesg -c >/dev/null
	if insmod /modules/asyncrt_bench.ko "$@"; then
		rmmod asyncrt_bench
	else
		echo "# asyncrt_bench $* failed"
	fi
	dmesg | sed -n 's/.*asyncrt_bench: \([RQ] .*\)/\1/p'
	dmesg | grep -q 'asyncrt_bench:.*failed' && dmesg | grep asyncrt_bench | tail -n 3 | sed 's/^/# /'
}

say "bench $size on $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, reps=$REPS"
# Let 1,000,000 pending sleeps (tscale, full mode) into one instance.
echo 1048576 > /sys/module/asyncrt/parameters/max_inflight

if want nop; then
	for b in 1 16 256; do
		r=1
		while [ $r -le $REPS ]; do
			say "nop batch $b rep $r/$REPS"
			pair $r "./nop asyncrt $b $NOP_MS" "./nop io_uring $b $NOP_MS"
			r=$((r + 1))
		done
	done
fi

if want kspawn; then
	r=1
	while [ $r -le $REPS ]; do
		say "kernel spawn+join vs workqueue rep $r/$REPS"
		kbench run=spawn ms=$SPAWN_MS
		r=$((r + 1))
	done
fi

if want tscale; then
	for n in $TSCALE; do
		r=1
		while [ $r -le $REPS ]; do
			say "pending sleeps $n rep $r/$REPS"
			pair $r "./tscale asyncrt $n" "./tscale io_uring $n"
			r=$((r + 1))
		done
	done
fi

if want kmem; then
	say "kernel memory per task/sleep/hrtimer, $KMEM each"
	kbench run=mem count=$KMEM
fi

if want kscale; then
	say "kernel cost per task in flight, up to $KSCALE"
	kbench run=scale count=$KSCALE
fi

if want lateness; then
	# All four in one process, interleaved in blocks of 100 sleeps.
	say "timer lateness, $LAT_N sleeps each, interleaved"
	./lateness all $LAT_N
fi

if want klateness; then
	say "kernel timer lateness, $KLAT_N sleeps each"
	kbench run=lat count=$KLAT_N
fi

if want wake; then
	# A few seconds a run: repeated, the table takes the median.
	for m in thread process; do
		r=1
		while [ $r -le $REPS ]; do
			say "wake-up ping-pong between ${m}s, $WAKE_N round trips each, rep $r/$REPS"
			pair $r "./wake asyncrt $m $WAKE_N" "./wake futex $m $WAKE_N" \
				"./wake eventfd $m $WAKE_N" "./wake pipe $m $WAKE_N"
			r=$((r + 1))
		done
	done
fi

if want uspawn; then
	r=1
	while [ $r -le $REPS ]; do
		say "executor spawn+join of $USPAWN_N no-op tasks rep $r/$REPS"
		pair $r "./exec asyncrt spawn $USPAWN_N" "./exec epoll spawn $USPAWN_N"
		r=$((r + 1))
	done
fi

if want storm; then
	# One timerfd per sleeping task on the epoll side.
	ulimit -n $((STORM_N + 4096))
	r=1
	while [ $r -le $REPS ]; do
		say "sleep storm of $STORM_N tasks rep $r/$REPS"
		pair $r "./exec asyncrt storm $STORM_N" "./exec epoll storm $STORM_N" \
			"./exec epoll_heap storm $STORM_N"
		r=$((r + 1))
	done
fi

# echo_run <impl> <conns>: one server, one load run against it.
echo_run() {
	pid=
	case $1 in
	asyncrt) port=7000; ./echo_server $port >/dev/null & pid=$! ;;
	epoll) port=7001; ./echo_epoll $port & pid=$! ;;
	kecho) port=7007 ;;
	esac
	./echo_load $1 $port $2 $ECHO_MS || echo "# echo $1 $2 failed"
	if [ -n "$pid" ]; then
		kill $pid
		wait $pid 2>/dev/null
	fi
}

if want echo; then
	ulimit -n 65536
	kecho=
	if [ -e /modules/asyncrt_kecho.ko ] && insmod /modules/asyncrt_kecho.ko; then
		kecho="echo_run kecho"
	else
		say "kernel echo server (asyncrt_kecho.ko) not measured: absent or insmod failed"
	fi
	for c in $ECHO_CONNS; do
		r=1
		while [ $r -le $REPS ]; do
			say "echo round trips, $c connections, ${ECHO_MS} ms each, rep $r/$REPS"
			pair $r "echo_run asyncrt $c" "echo_run epoll $c" ${kecho:+"$kecho $c"}
			r=$((r + 1))
		done
	done
	[ -n "$kecho" ] && rmmod asyncrt_kecho
fi

# Not run by default: a kernel trace of the ring SLEEP path, to explain
# its lateness tail (asyncrt.only=trace; see Documentation/performance.rst).
if [ -n "$only" ] && want trace; then
	t=/sys/kernel/debug/tracing
	# Up to 30,000 sleeps: the trace stops at the first one more than
	# 1 ms late, so that it ends with what delayed that one.
	say "tracing ring sleeps up to the first one 1 ms late"
	echo 4096 > $t/buffer_size_kb
	for e in sched/sched_waking sched/sched_wakeup sched/sched_switch \
		sched/sched_migrate_task timer/hrtimer_start \
		timer/hrtimer_expire_entry timer/hrtimer_cancel irq_vectors \
		ipi irq; do
		[ -e $t/events/$e/enable ] && echo 1 > $t/events/$e/enable
	done
	[ -d $t/events/asyncrt ] && echo 1 > $t/events/asyncrt/enable
	echo 1 > $t/tracing_on
	LATENESS_TRACE_TAIL_NS=1000000 ./lateness asyncrt 30000
	echo 0 > $t/tracing_on
	grep -v '^#' $t/trace | tail -n 3000 | sed 's/^/T /'
fi

# Not run by default: the kernel's call graph of a few batch-16 NOP round
# trips, each side (asyncrt.only=nopgraph), to compare the ENTER paths.
if [ -n "$only" ] && want nopgraph; then
	t=/sys/kernel/debug/tracing
	for impl in asyncrt io_uring; do
		say "function graph of NOP batch 16, $impl"
		echo 0 > $t/tracing_on
		echo > $t/trace
		echo function_graph > $t/current_tracer
		echo __x64_sys_ioctl __x64_sys_io_uring_enter > $t/set_graph_function
		echo 1 > $t/tracing_on
		./nop $impl 16 1 >/dev/null
		echo 0 > $t/tracing_on
		grep -v '^#' $t/trace | head -n 1500 | sed "s/^/T $impl /"
	done
	echo nop > $t/current_tracer
fi

# Not run by default: callgrind over the executor's spawn+join, both sides
# (asyncrt.only=callgrind; bench.sh annotates the "C" lines).
if [ -n "$only" ] && want callgrind; then
	for impl in asyncrt epoll; do
		say "callgrind: executor spawn+join of 20000 tasks, $impl"
		VALGRIND_LAUNCHER=/bin/true VALGRIND_LIB=/bench/vg \
			./vg/callgrind-amd64-linux --callgrind-out-file=/tmp/cg.$impl \
			./exec $impl spawn 20000 >/dev/null 2>/tmp/cg.err ||
			sed 's/^/# /' /tmp/cg.err
		sed "s/^/C $impl /" /tmp/cg.$impl
	done
fi

# Not run by default: perf samples the whole guest (cpu-clock: TCG has no
# PMU) while a benchmark that misses its target runs, then prints a flat
# profile by symbol as "P <name> <line>" (asyncrt.only=perf; bench.sh
# writes results/perf.<name>.txt). Kernel symbols come from kallsyms.
if [ -n "$only" ] && want perf; then
	perf="/bench/perf/ld.so --library-path /bench/perf /bench/perf/perf"
	prof() { # prof <name> <command...>
		name=$1
		shift
		say "perf: $name"
		$perf record -q -e cpu-clock -F 2000 -a -o /tmp/perf.data \
			>/dev/null 2>/tmp/perf.err &
		ppid=$!
		sleep 1
		"$@" >/dev/null
		kill -INT $ppid
		wait $ppid
		$perf report -q -i /tmp/perf.data --stdio --no-children \
			--sort dso,sym --percent-limit 0.5 2>>/tmp/perf.err |
			sed "s/^/P $name /"
		sed 's/^/# perf: /' /tmp/perf.err | head -n 5
	}
	prof kspawn kbench run=spawn ms=$SPAWN_MS
	prof wake_asyncrt ./wake asyncrt thread $WAKE_N
	prof wake_futex ./wake futex thread $WAKE_N
	prof nop16_asyncrt ./nop asyncrt 16 $NOP_MS
	prof nop16_io_uring ./nop io_uring 16 $NOP_MS
	ulimit -n 65536
	prof echo64_asyncrt echo_run asyncrt 64
	prof echo64_epoll echo_run epoll 64
fi

say "bench done"
