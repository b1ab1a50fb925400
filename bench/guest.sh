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
#                              wakeab, wakeabu, syscost, uspawn, storm, echo,
#                              echocap, echoab, echocal; callgrind,
#                              echogrind, trace, perf, wakecal, wakemod,
#                              waketrace, wakegraph)
#   asyncrt.wtsys=0            waketrace: scheduler events only
#   asyncrt.burn=N|sN          echocal's loop turns, or system calls, per
#                              message (default s1)
#   asyncrt.abblocks=N, asyncrt.abms=MS, asyncrt.abcaps=none,50, asyncrt.abpin=1,
#   asyncrt.abconns=64,1000    echoab/echocal: blocks, ms of slices per block,
#                              configurations, client-bound servers pinned,
#                              connection counts
#   asyncrt.calwhat=aa,cal     echocal: which calibrations

cd /bench || exit 1
cmd() { sed -n "s/.*asyncrt\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
size=$(cmd bench)
only=$(cmd only)

if [ "$size" = full ]; then
	REPS=5 NOP_MS=1000 SPAWN_MS=1000 KSCALE=1000000 KMEM=1000000
	TSCALE="1000 10000 100000 1000000" LAT_N=100000 KLAT_N=100000 WAKE_N=20000
	WAKE_AB_BLOCKS=120 WAKE_AB_N=1000 WAKE_MOD_ROUNDS=10 WAKE_MOD_BLOCKS=12
	USPAWN_N=1000000 STORM_N=100000 ECHO_MS=2000 ECHO_AB_MS=1400 ECHO_AB_BLOCKS=30
	ECHO_CAL_BLOCKS=6 ECHO_CAL_MS=2000
else
	size=quick
	REPS=3 NOP_MS=300 SPAWN_MS=300 KSCALE=100000 KMEM=100000
	TSCALE="1000 10000 100000" LAT_N=5000 KLAT_N=5000 WAKE_N=5000
	WAKE_AB_BLOCKS=40 WAKE_AB_N=1000 WAKE_MOD_ROUNDS=4 WAKE_MOD_BLOCKS=10
	USPAWN_N=100000 STORM_N=100000 ECHO_MS=1000 ECHO_AB_MS=1000 ECHO_AB_BLOCKS=12
fi
ECHO_CONNS="1 64 1000"
# Server-bound echo (echocap): each server in turn gets the same CPU share,
# half of one CPU (cgroup v2 cpu.max over a 20 ms period), on CPU 1, the
# load generator CPU 0 to itself (see the echocap section).
ECHO_CAPS=50 ECHO_CAP_PERIOD=20000 ECHO_CAP_CONNS="64 1000" ECHO_CAP_REPS=$((2 * REPS + 1))
v=$(cmd abconns)
[ -n "$v" ] && ECHO_CAP_CONNS=$(echo "$v" | tr , ' ')
ECHO_CG=/sys/fs/cgroup/echo_server

want() { [ -z "$only" ] || echo ",$only," | grep -q ",$1,"; }
say() { echo "# $(cut -d' ' -f1 /proc/uptime)s $*"; }
plural() { if [ "$1" = process ]; then echo processes; else echo "${1}s"; fi; }

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
			say "wake-up ping-pong between $(plural $m), $WAKE_N round trips each, rep $r/$REPS"
			pair $r "./wake asyncrt $m $WAKE_N" "./wake futex $m $WAKE_N" \
				"./wake eventfd $m $WAKE_N" "./wake pipe $m $WAKE_N" \
				"./wake io_uring $m $WAKE_N"
			r=$((r + 1))
		done
	done
fi

if want wakeab; then
	# The target's rows: asyncrt, futex and asyncrt_sq (the WAKE as an
	# entry) in short blocks, the order rotated each block, so the host's
	# slow stretches hit them alike (wake.c, "wake ab").
	for m in thread process; do
		say "interleaved wake-up ping-pong between $(plural $m), $WAKE_AB_BLOCKS blocks of three of $WAKE_AB_N round trips each"
		./wake ab $m $WAKE_AB_BLOCKS $WAKE_AB_N
	done
fi

if want wakeabu; then
	# Ring to ring: asyncrt_sq against io_uring's MSG_RING (wake.c, "wake abu").
	for m in thread process; do
		say "interleaved wake-up ping-pong against io_uring between $(plural $m), $WAKE_AB_BLOCKS blocks of $WAKE_AB_N round trips each"
		./wake abu $m $WAKE_AB_BLOCKS $WAKE_AB_N
	done
fi

# Not run by default: this tree's module against another revision's
# (bench.sh --base REV builds it into /bench/asyncrt_base.ko), in rounds
# of one boot, each round "wake ab" with both in turn, the order swapped
# every round. Boots differ by about 3% in the wake-up ratio, more than a
# change to its path is worth, so the two are compared within one boot
# (asyncrt.only=wakemod; report.py compares them overall and per round).
if [ -n "$only" ] && want wakemod; then
	if [ ! -e /bench/asyncrt_base.ko ]; then
		say "wakemod not measured: no base module (bench.sh --base REV)"
	else
		r=1
		while [ $r -le $WAKE_MOD_ROUNDS ]; do
			say "wake-up of two module builds, round $r/$WAKE_MOD_ROUNDS: $WAKE_MOD_BLOCKS blocks each, threads and processes"
			order="base cur"
			[ $((r % 2)) = 0 ] && order="cur base"
			for v in $order; do
				ko=/modules/asyncrt.ko
				[ $v = base ] && ko=/bench/asyncrt_base.ko
				rmmod asyncrt && insmod $ko || { say "wakemod: cannot load $ko"; break 2; }
				for m in thread process; do
					./wake ab $m $WAKE_MOD_BLOCKS $WAKE_AB_N |
						sed "s/^R wake_ab_$m \([a-z_]*\) rtt /R wakemod_${m}_$v \1 r$r /"
				done
			done
			r=$((r + 1))
		done
		# The init unloads the module it loaded.
		if ! grep -q '^asyncrt ' /proc/modules || [ "$v" = base ]; then
			rmmod asyncrt 2>/dev/null
			insmod /modules/asyncrt.ko
		fi
	fi
fi

# Not run by default: what one more call costs a futex ping-pong, beside
# asyncrt's (wake.c, "wake cal"; asyncrt.only=wakecal).
# The ioctl peer's device stays while the module is loaded (wakedev.c).
if [ -n "$only" ] && want wakecal; then
	insmod /modules/asyncrt_bench.ko run=wakedev || say "wakecal: no ioctl peer, asyncrt_bench.ko run=wakedev failed"
	for m in thread process; do
		say "wake-up calibration between $(plural $m), $WAKE_AB_BLOCKS blocks of nine ping-pongs (eight without the ioctl peer) of $WAKE_AB_N round trips"
		./wake cal $m $WAKE_AB_BLOCKS $WAKE_AB_N
	done
	rmmod asyncrt_bench 2>/dev/null
fi

if want syscost; then
	# The wake-up's system calls one by one, without a sleep (syscost.c).
	r=1
	while [ $r -le $REPS ]; do
		say "system call costs, threads and processes, rep $r/$REPS"
		./syscost thread 50000
		./syscost process 50000
		r=$((r + 1))
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

# spawn_server <cmd...>: start a server in the background, pid in $pid; when
# $capped, inside the capped cgroup and on CPU 1 from its first instruction
# (the shell moves itself, then execs the server).
spawn_server() {
	if [ -n "$capped" ]; then
		sh -c 'echo $$ > '"$ECHO_CG"'/cgroup.procs && exec taskset -c 1 "$@"' sh "$@" &
	elif [ -n "${pinned:-}" ]; then
		taskset -c 1 "$@" &
	else
		"$@" &
	fi
	pid=$!
}

# echo_run <impl> <conns> [<cap>]: one server, one load run against it;
# with a cap, in the capped cgroup (echo_cap sets it; figures go out as
# bench echo_cap<cap>). echo_load measures the server's CPU (its threads
# and the asyncrt kernel threads, see bench/echo_load.c) over the same
# window as the round trips.
echo_run() {
	pid= capped=$3 load= pinned=
	case $1 in
	asyncrt) port=7000; spawn_server ./echo_server $port >/dev/null ;;
	epoll) port=7001; spawn_server ./echo_epoll $port ;;
	kecho | kecho_w1) port=7007 ;;
	esac
	[ -n "$capped" ] && load="taskset -c 0"
	ECHO_SERVER_PID=$pid ECHO_BENCH=${capped:+echo_cap$capped} $load ./echo_load $1 $port $2 $ECHO_MS ||
		echo "# echo $1 $2 ${capped:+capped at $capped% }failed"
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
	# The kernel echo server again with one worker thread instead of one
	# per CPU (see performance.rst, "Kernel echo"), after the others.
	if [ -n "$kecho" ] && insmod /modules/asyncrt_kecho.ko workers=1; then
		for c in $ECHO_CONNS; do
			r=1
			while [ $r -le $REPS ]; do
				say "kernel echo, one worker, $c connections, rep $r/$REPS"
				echo_run kecho_w1 $c
				r=$((r + 1))
			done
		done
		rmmod asyncrt_kecho
	fi
fi

# Server-bound echo. In the echo section above both CPUs are busy: the
# one-thread load generator at 96-100% of one, the server at 96-100% of the
# other (server_cpu_pct), and on loopback each side's sends also do the
# other side's TCP receive work and wake-up. The round trips per second are
# then set by whichever side is slower at the moment, and the ratio is
# parity plus noise. Here each server in turn, the same binary under the
# same load, is confined to the same fixed CPU share: cgroup v2 cpu.max
# gives its process <cap> % of one CPU in every 20 ms period, taskset puts
# it on CPU 1 and the load generator alone on CPU 0. Round trips per second
# then measure how much echo work a server gets out of that share, and
# echo_load's own CPU (client_cpu_pct, about 50%) shows it is not the
# limit. At half a CPU a server's CPU per round trip is what it is
# uncapped; at 25% it was 1.5x that (shorter bursts, likely more sleeps and
# wake-ups) and repetitions spread by +-25%, where at 50% they agreed
# within +-3% on a quiet host. A busy host still slows some pairs as a
# whole, so report.py takes the median of the per-pair ratios. ECHO_CAPS
# takes a list. What the cap does not cover, and echo_load reports beside
# it: asyncrt's ring kernel thread (art/ring/0, kthread_cpu_pct,
# counted in server_ns_per_rtt), and the softirq work of loopback TCP,
# charged to whichever task sends: each server's wake-up callback
# (ep_poll_callback, art_poll_wake) runs in the load generator's sends, on
# CPU 0, for both servers alike (see client_ns_per_rtt).
# kecho runs in kernel threads outside any cgroup: not measured here.
echo_cap() { # echo_cap <percent of one CPU>
	cg=${ECHO_CG%/*}
	{ grep -q "^[^ ]* $cg cgroup2 " /proc/mounts || mount -t cgroup2 none $cg; } &&
		echo +cpu > $cg/cgroup.subtree_control && mkdir -p $ECHO_CG &&
		echo "$((ECHO_CAP_PERIOD * $1 / 100)) $ECHO_CAP_PERIOD" > $ECHO_CG/cpu.max
}

if want echo || want echocap; then
	if echo_cap 100; then
		ulimit -n 65536
		for cap in $ECHO_CAPS; do
			echo_cap $cap
			for c in $ECHO_CAP_CONNS; do
				r=1
				while [ $r -le $ECHO_CAP_REPS ]; do
					say "echo, server capped at $cap% of CPU 1, $c connections, rep $r/$ECHO_CAP_REPS"
					pair $r "echo_run asyncrt $c $cap" "echo_run epoll $c $cap"
					r=$((r + 1))
				done
			done
		done
	else
		say "server-capped echo not measured: no cgroup v2 cpu controller"
	fi
fi

# Interleaved echo: both servers run side by side and echo_load drives one
# at a time in 200 ms slices, ABBA BAAB ... (see bench/echo_load.c), so the
# host's drift, which moves whole runs by more than the servers differ,
# hits adjacent slices alike. Once with the servers capped as above (both
# in the one cgroup, on CPU 1; only the driven one uses its share), once
# unpinned and uncapped as in the echo section. Each slice pair is a
# repetition, but pairs of one run share that run's processes and
# connections, and two identical servers differed by up to 6% from one run
# to the next (echocal below): so each configuration runs ECHO_AB_BLOCKS
# times, each block with fresh servers and connections, and report.py
# judges the median of the block medians by the spread of the blocks.
# The blocks, not the pairs in them, narrow that interval: many short
# blocks (quick 12 of 5 pairs, full 30 of 7) rather than a few long ones.
echo_ab() { # echo_ab <bench> <conns> <cap> <implA> <portA> <server A...>
	bench=$1 conns=$2 capped=$3 impl=$4 port=$5 pinned=$ECHO_AB_PIN load= pids=
	shift 5
	spawn_server "$@" >/dev/null
	pids=$pid
	spawn_server ./echo_epoll 7001
	pids=$pids,$pid
	[ -n "$capped$pinned" ] && load="taskset -c 0"
	ECHO_SERVER_PID=$pids ECHO_BENCH=$bench${capped:+_cap$capped} \
		$load ./echo_load $impl,epoll $port,7001 $conns $ECHO_AB_MS ||
		echo "# $bench $conns ${capped:+capped at $capped% }failed"
	kill ${pids%,*} ${pids#*,}
	wait ${pids%,*} ${pids#*,} 2>/dev/null
}

# echo_blocks <what> <cap|none...> -- <echo_ab args after conns and cap>:
# ECHO_AB_BLOCKS blocks of each configuration, the configurations
# alternating within a block.
echo_blocks() {
	what=$1 caps=
	shift
	while [ "$1" != -- ]; do
		caps="$caps $1"
		shift
	done
	shift
	b=1
	while [ $b -le $ECHO_AB_BLOCKS ]; do
		for cap in $caps; do
			[ $cap = none ] && cap=
			[ -n "$cap" ] && { echo_cap $cap || continue; }
			for c in $ECHO_CAP_CONNS; do
				say "$what, $c connections${cap:+, servers capped at $cap% of CPU 1}, block $b/$ECHO_AB_BLOCKS"
				echo_ab "$1" $c "$cap" "$2" "$3" $4 $5 $6 $7
			done
		done
		b=$((b + 1))
	done
}

v=$(cmd abblocks)
ECHO_AB_BLOCKS=${v:-$ECHO_AB_BLOCKS}
v=$(cmd abms)
ECHO_AB_MS=${v:-$ECHO_AB_MS}
ECHO_AB_PIN=$(cmd abpin)
if want echoab || want echocal; then
	ulimit -n 65536
	caps=none
	if echo_cap $ECHO_CAPS; then
		caps="none $ECHO_CAPS"
	else
		say "server-capped interleaved echo not measured: no cgroup v2 cpu controller"
	fi
	v=$(cmd abcaps | tr , ' ')
	[ -n "$v" ] && caps=$v
fi
if want echoab; then
	echo_blocks "echo interleaved" $caps -- echo_ab asyncrt 7000 ./echo_server 7000
fi

# Calibration of the interleaved echo (asyncrt.only=echocal; full mode runs
# it after echoab): what do its rows see of a server's own cost? Two epoll
# servers side by side, the same binary, as echo_ab runs asyncrt and epoll:
# in echo_cal side A burns ECHO_CAL_BURN per message (sN: N more system
# calls, N: N empty loop turns; bench/echo_epoll.c), a cost known to be
# the server's alone; in echo_aa it does not (A/A: the harness's own
# bias). Each runs client-bound and capped, like echo_ab.
# Full mode runs ECHO_CAL_BLOCKS blocks of ECHO_CAL_MS, --only echocal the
# echoab sizes (or asyncrt.abblocks / abms). The default burn, one more
# system call per message, is what a readiness-triggered receive would
# save asyncrt's server.
v=$(cmd burn)
ECHO_CAL_BURN=${v:-s1}
if { [ -n "$only" ] && want echocal; } || { [ -z "$only" ] && [ $size = full ]; }; then
	if [ -z "$only" ]; then
		ECHO_AB_BLOCKS=$ECHO_CAL_BLOCKS ECHO_AB_MS=$ECHO_CAL_MS
	fi
	v=$(cmd calwhat)
	case ,${v:-aa,cal}, in *,aa,*)
		echo_blocks "echo calibration A/A" $caps -- echo_aa epoll_a 7002 ./echo_epoll 7002 ;;
	esac
	case ,${v:-aa,cal}, in *,cal,*)
		echo_blocks "echo calibration, A burning $ECHO_CAL_BURN per message" $caps -- \
			echo_cal epoll_a 7002 ./echo_epoll 7002 $ECHO_CAL_BURN ;;
	esac
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

# Not run by default: the scheduler's and system calls' view of the
# wake-up ping-pong, asyncrt and futex, threads and processes, alternated
# (asyncrt.only=waketrace; bench/waketrace.py splits each half round trip
# into the wake-up's latency and the woken side's work up to its own wake).
# Timestamps are TSC cycles: microseconds would blur a 1 us difference.
if [ -n "$only" ] && want waketrace; then
	t=/sys/kernel/debug/tracing
	n=${WAKETRACE_N:-2000}
	echo 16384 > $t/buffer_size_kb
	echo x86-tsc > $t/trace_clock
	dmesg | grep -o 'tsc: Detected [0-9.]* MHz' | head -n 1 | sed 's/^/W tsc /'
	# asyncrt.wtsys=0: the scheduler's events alone, the same number of
	# them for both sides (futex makes twice the system calls).
	evs="sched/sched_waking sched/sched_switch"
	[ "$(cmd wtsys)" = 0 ] || evs="$evs raw_syscalls/sys_enter raw_syscalls/sys_exit"
	for e in $evs; do
		echo 'comm == "wake"' > $t/events/$e/filter
		echo 1 > $t/events/$e/enable
	done
	# A switch to or from the idle task is the other half of a wake-up.
	echo 'prev_comm == "wake" || next_comm == "wake"' > $t/events/sched/sched_switch/filter
	for r in 1 2; do
		for m in thread process; do
			for impl in asyncrt futex; do
				[ $r = 2 ] && impl=$([ $impl = asyncrt ] && echo futex || echo asyncrt)
				say "waketrace: $impl $m, $n round trips, rep $r"
				echo > $t/trace
				echo 1 > $t/tracing_on
				./wake $impl $m $n >/dev/null
				echo 0 > $t/tracing_on
				grep -v '^#' $t/trace | sed "s/^/W $impl $m $r /"
			done
		done
	done
	for e in $evs; do
		echo 0 > $t/events/$e/enable
		echo 0 > $t/events/$e/filter
	done
	echo local > $t/trace_clock
fi

# The functions a graph may show: the module's and those of the paths it is
# compared with. Patching the whole kernel for function_graph (some 50,000
# functions) hung the guest under TCG, soft lockups in text_poke_bp_batch();
# a few hundred patch in seconds. A pattern that matches nothing is skipped.
graph_fns=":mod:asyncrt __x64_sys_ioctl __x64_sys_futex __x64_sys_io_uring_enter
	do_futex futex_* io_* *fdget* __fget* fput security_file_ioctl
	*file_ioctl tomoyo_* do_vfs_ioctl try_to_wake_up ttwu_* wake_up_q
	wake_q_add* select_task_rq_fair schedule __schedule mutex_lock
	mutex_unlock _raw_spin_lock* _raw_spin_unlock* kmem_cache_alloc*
	kmem_cache_free __kmalloc* kmalloc_trace kfree"

# graph <tag> <impl> <entry functions> <lines kept: head|tail> <cmd...>:
# the kernel's function graph under the entry functions while cmd runs,
# printed as "<tag> <impl> <line>". The caller switches the tracer back
# to nop once, at the end: each switch patches every traced function's
# text, which under TCG is slow.
graph() {
	t=/sys/kernel/debug/tracing tag=$1 impl=$2 fns=$3 keep=$4
	shift 4
	echo 0 > $t/tracing_on
	echo > $t/trace
	set -f	# the patterns are ftrace's globs, not the shell's
	for f in $graph_fns; do
		echo "$f" >> $t/set_ftrace_filter 2>/dev/null
	done
	set +f
	echo $fns > $t/set_graph_function
	echo function_graph > $t/current_tracer
	echo 1 > $t/tracing_on
	"$@" >/dev/null
	echo 0 > $t/tracing_on
	grep -v '^#' $t/trace | $keep | sed "s/^/$tag $impl /"
}

# Not run by default: the kernel's call graph of wake-up ping-pongs between
# threads, asyncrt's ENTER and futex's calls (asyncrt.only=wakegraph).
if [ -n "$only" ] && want wakegraph; then
	for impl in asyncrt futex; do
		say "function graph of wake-up ping-pong, $impl"
		graph G $impl "__x64_sys_ioctl __x64_sys_futex" "tail -n 6000" \
			./wake $impl thread 20
	done
	echo nop > /sys/kernel/debug/tracing/current_tracer
	echo > /sys/kernel/debug/tracing/set_ftrace_filter
fi

# Not run by default: the kernel's call graph of a few batch-16 NOP round
# trips, each side (asyncrt.only=nopgraph), to compare the ENTER paths.
if [ -n "$only" ] && want nopgraph; then
	for impl in asyncrt io_uring; do
		say "function graph of NOP batch 16, $impl"
		graph T $impl "__x64_sys_ioctl __x64_sys_io_uring_enter" "head -n 1500" \
			./nop $impl 16 1
	done
	echo nop > /sys/kernel/debug/tracing/current_tracer
	echo > /sys/kernel/debug/tracing/set_ftrace_filter
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

# Not run by default: callgrind over each echo server while echo_load runs
# 64 connections against it for ECHO_MS (asyncrt.only=echogrind; bench.sh
# annotates the "C echo_<impl>" lines): instructions of the server's own
# userspace per round trip (trips_total), a count TCG's timing noise does
# not blur. It includes starting up and accepting the 64 connections.
if [ -n "$only" ] && want echogrind; then
	ulimit -n 65536
	for impl in asyncrt epoll; do
		case $impl in
		asyncrt) srv=./echo_server port=7000 hex=1B58 ;;
		epoll) srv=./echo_epoll port=7001 hex=1B59 ;;
		esac
		say "callgrind: echo server $impl, 64 connections"
		VALGRIND_LAUNCHER=/bin/true VALGRIND_LIB=/bench/vg \
			./vg/callgrind-amd64-linux --callgrind-out-file=/tmp/cg.echo_$impl \
			$srv $port >/dev/null 2>/tmp/cg.err &
		pid=$!
		# Valgrind takes seconds to start under TCG: wait for the listener.
		w=0
		while ! grep -q ":$hex 00000000:0000 0A" /proc/net/tcp && [ $w -lt 120 ]; do
			sleep 0.5
			w=$((w + 1))
		done
		ECHO_BENCH=echo_grind ./echo_load $impl $port 64 $ECHO_MS ||
			echo "# echo under callgrind $impl failed"
		kill $pid
		wait $pid
		sed 's/^/# /' /tmp/cg.err | tail -n 3
		sed "s/^/C echo_$impl /" /tmp/cg.echo_$impl
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
			--sort dso,sym --percent-limit ${limit:-0.5} \
			${comms:+--comms $comms --percentage relative} 2>>/tmp/perf.err |
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
	# The server-bound runs: only the samples of the server (its process
	# and the ring's kernel thread), in % of those.
	if echo_cap 50; then
		ms=$ECHO_MS ECHO_MS=3000 limit=0.2
		comms=echo_server,art/ring/0
		prof echocap64_asyncrt echo_run asyncrt 64 50
		prof echocap1000_asyncrt echo_run asyncrt 1000 50
		comms=echo_epoll
		prof echocap64_epoll echo_run epoll 64 50
		prof echocap1000_epoll echo_run epoll 1000 50
		comms= limit= ECHO_MS=$ms
	fi
fi

say "bench done"
