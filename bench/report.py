#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the guest's R/Q lines (bench/common.h) into the bench report.

Prints the table (metric, asyncrt, peer, ratio asyncrt/peer, target, met)
and writes under --out: raw.csv (every R line, with its repetition),
summary.csv and results.json (medians over repetitions, the table), the
CDF points (cdf.csv), and PNG plots drawn by gnuplot.
"""
import argparse
import csv
import json
import math
import os
import statistics
import subprocess
from collections import defaultdict

# (label, bench, param, metric, peer impl, target kind, target value, unit)
# kind: "min" ratio >= v, "max" ratio <= v, "abs_max" asyncrt <= v,
# "noninf" ratio at least v, to within NONINF_MARGIN (below), None: info
# The echo target is judged on the interleaved rows (echo_ab*): whole runs
# of one server after the other drift with the host by more than the
# servers differ (pairs 0.5-1.7x apart), so their rows carry no verdict.
# A paired row's verdict is its median's 95% interval against the target
# (paired_verdict()): "unresolved" when the interval straddles it. The
# interleaved echo runs in blocks, each with fresh servers and connections
# (echo_load's block_pairs line ends one): pairs of one block share its
# processes and sockets, which moved two identical servers apart by up to
# 6% between blocks, so the units judged are the blocks' medians. A run of
# several boots (bench.sh --boots N) judges each boot's median of its
# blocks' medians instead (of its pairs' ratios, for pairs without
# blocks): the kernel's state differs from boot to boot,
# and one boot's blocks say nothing about the next boot (session 11's four
# client-bound runs at 1,000 connections gave 0.978x to 1.007x).
# The wake-up target is judged on the interleaved rows (wake_ab_*) for the
# same reason: whole runs of 20,000 round trips, one implementation after
# the other, moved by up to 1.6x within one boot (session 15), and each
# block of the interleaved run is a pair of runs a fraction of a second
# apart ("max": met when the interval lies at or below the target). Three
# boots of 120 such pairs each read 1.131x, 1.099x and 1.116x, each within
# +-0.5%: the boot, not the pair, is the unit across boots.
# The kernel spawn+join target is the runtime's own round trip (a task on a
# worker, or the thread that is its guest); a plain thread handing a task to
# a worker and sleeping until it is done is queue_work + flush_work's own
# shape, two context switches, and is reported beside it (performance.rst).
TABLE = [
    ("ring NOP/s, batch 1", "nop", "1", "ops_per_s", "io_uring", None, None, "/s"),
    ("ring NOP/s, batch 16", "nop", "16", "ops_per_s", "io_uring", "min", 1.0, "/s"),
    ("ring NOP/s, batch 256", "nop", "256", "ops_per_s", "io_uring", None, None, "/s"),
    ("kernel spawn+join/s, 1 thread", "kspawn", "1", "ops_per_s", "wq_percpu", None, None, "/s"),
    ("kernel spawn+join/s, 1 thread", "kspawn", "1", "ops_per_s", "wq_unbound", None, None, "/s"),
    ("kernel spawn+join/s, 1 thread, guest", "kspawn", "1", "ops_per_s", "wq_percpu", "min", 2.0, "/s"),
    ("kernel spawn+join/s, 1 thread, from a task", "kspawn", "1", "ops_per_s", "wq_percpu", "min", 2.0, "/s"),
    ("kernel spawn+join/s, all CPUs", "kspawn", "2", "ops_per_s", "wq_percpu", None, None, "/s"),
    ("kernel spawn+join/s, all CPUs", "kspawn", "2", "ops_per_s", "wq_unbound", None, None, "/s"),
    ("kernel spawn+join/s, all CPUs, guest", "kspawn", "2", "ops_per_s", "wq_percpu", "min", 2.0, "/s"),
    ("kernel spawn+join/s, all CPUs, from a task", "kspawn", "2", "ops_per_s", "wq_percpu", "min", 2.0, "/s"),
    ("kernel bytes/pending sleep task", "kmem", "*", "slab_bytes_per_op", "hrtimer", "abs_max", 128, "B"),
    ("kernel bytes/idle task", "kmem", "*", "slab_bytes_per_op", "hrtimer", None, None, "B"),
    ("ring bytes/pending SLEEP, 1k", "tscale", "1000", "slab_bytes_per_op", "io_uring", "max", 0.5, "B"),
    ("ring bytes/pending SLEEP, 10k", "tscale", "10000", "slab_bytes_per_op", "io_uring", "max", 0.5, "B"),
    ("ring bytes/pending SLEEP, 100k", "tscale", "100000", "slab_bytes_per_op", "io_uring", "max", 0.5, "B"),
    ("ring bytes/pending SLEEP, 100k", "tscale", "100000", "slab_bytes_per_op", "io_uring", "abs_max", 128, "B"),
    ("ring bytes/pending SLEEP, 1M (full)", "tscale", "1000000", "slab_bytes_per_op", "io_uring", "max", 0.5, "B"),
    ("ring submit ns/SLEEP, 1k", "tscale", "1000", "submit_ns_per_op", "io_uring", None, None, "ns"),
    ("ring submit ns/SLEEP, 10k", "tscale", "10000", "submit_ns_per_op", "io_uring", None, None, "ns"),
    ("ring submit ns/SLEEP, 100k", "tscale", "100000", "submit_ns_per_op", "io_uring", None, None, "ns"),
    ("ring submit ns/SLEEP, 1M (full)", "tscale", "1000000", "submit_ns_per_op", "io_uring", None, None, "ns"),
    ("ring sleep lateness p50", "lateness", "all", "p50_ns", "timerfd", None, None, "ns"),
    ("ring sleep lateness p99", "lateness", "all", "p99_ns", "timerfd", "max", 1.0, "ns"),
    ("ring sleep lateness p99.9", "lateness", "all", "p999_ns", "timerfd", None, None, "ns"),
    ("ring sleep lateness p99", "lateness", "all", "p99_ns", "io_uring", None, None, "ns"),
    ("ring sleep lateness p99", "lateness", "all", "p99_ns", "nanosleep", None, None, "ns"),
    ("kernel sleep lateness p50", "klateness", "all", "p50_ns", "hrtimer_thread", None, None, "ns"),
    ("kernel sleep lateness p99", "klateness", "all", "p99_ns", "hrtimer_thread", None, None, "ns"),
    ("wake-up interleaved round trip p50, threads", "wake_ab_thread", "rtt", "p50_ns", "futex", "max", 1.1, "ns"),
    ("wake-up interleaved round trip p99, threads", "wake_ab_thread", "rtt", "p99_ns", "futex", None, None, "ns"),
    ("wake-up interleaved round trip p50, processes", "wake_ab_process", "rtt", "p50_ns", "futex", "max", 1.1, "ns"),
    ("wake-up interleaved round trip p99, processes", "wake_ab_process", "rtt", "p99_ns", "futex", None, None, "ns"),
    ("wake-up interleaved, WAKE entry in the ENTER, p50, threads", "wake_ab_thread", "rtt", "p50_ns", "futex", None, None, "ns"),
    ("wake-up interleaved, WAKE entry in the ENTER, p50, processes", "wake_ab_process", "rtt", "p50_ns", "futex", None, None, "ns"),
    ("wake-up interleaved vs io_uring p50, threads", "wake_abu_thread", "rtt", "p50_ns", "io_uring", None, None, "ns"),
    ("wake-up interleaved vs io_uring p50, processes", "wake_abu_process", "rtt", "p50_ns", "io_uring", None, None, "ns"),
    ("wake-up round trip p50, threads", "wake_thread", "rtt", "p50_ns", "futex", None, None, "ns"),
    ("wake-up round trip p99, threads", "wake_thread", "rtt", "p99_ns", "futex", None, None, "ns"),
    ("wake-up round trip p50, threads", "wake_thread", "rtt", "p50_ns", "eventfd", None, None, "ns"),
    ("wake-up round trip p50, threads", "wake_thread", "rtt", "p50_ns", "pipe", None, None, "ns"),
    ("wake-up round trip p50, threads", "wake_thread", "rtt", "p50_ns", "io_uring", None, None, "ns"),
    ("wake-up round trip p50, processes", "wake_process", "rtt", "p50_ns", "futex", None, None, "ns"),
    ("wake-up round trip p99, processes", "wake_process", "rtt", "p99_ns", "futex", None, None, "ns"),
    ("wake-up round trip p50, processes", "wake_process", "rtt", "p50_ns", "eventfd", None, None, "ns"),
    ("wake-up round trip p50, processes", "wake_process", "rtt", "p50_ns", "pipe", None, None, "ns"),
    ("wake-up round trip p50, processes", "wake_process", "rtt", "p50_ns", "io_uring", None, None, "ns"),
    ("executor spawn+join/s, no-op tasks", "uspawn", "*", "ops_per_s", "epoll", None, None, "/s"),
    ("sleep storm 100k tasks, wall time", "storm", "100000", "wall_ms", "epoll", None, None, "ms"),
    ("sleep storm 100k tasks, wall time", "storm", "100000", "wall_ms", "epoll_heap", None, None, "ms"),
    ("sleep storm 100k tasks, busy CPU", "storm", "100000", "cpu_ms", "epoll", None, None, "ms"),
    ("sleep storm 100k tasks, busy CPU", "storm", "100000", "cpu_ms", "epoll_heap", None, None, "ms"),
    ("sleep storm 100k tasks, lateness p50", "storm", "100000", "p50_ns", "epoll", None, None, "ns"),
    ("sleep storm 100k tasks, lateness p99", "storm", "100000", "p99_ns", "epoll", None, None, "ns"),
    ("sleep storm 100k tasks, lateness p99", "storm", "100000", "p99_ns", "epoll_heap", None, None, "ns"),
    ("echo round trips/s, 1 conn", "echo", "1", "rtt_per_s", "epoll", None, None, "/s"),
    ("echo round trips/s, 64 conns", "echo", "64", "rtt_per_s", "epoll", None, None, "/s"),
    ("echo round trips/s, 1000 conns", "echo", "1000", "rtt_per_s", "epoll", None, None, "/s"),
    ("echo server CPU/round trip, 64 conns", "echo", "64", "server_ns_per_rtt", "epoll", None, None, "ns"),
    ("echo server CPU/round trip, 1000 conns", "echo", "1000", "server_ns_per_rtt", "epoll", None, None, "ns"),
    ("echo guest CPU/round trip, 64 conns", "echo", "64", "guest_ns_per_rtt", "epoll", None, None, "ns"),
    ("echo guest CPU/round trip, 1000 conns", "echo", "1000", "guest_ns_per_rtt", "epoll", None, None, "ns"),
    ("echo round trips/s, 64 conns, server at 50% CPU", "echo_cap50", "64", "rtt_per_s", "epoll", None, None, "/s"),
    ("echo round trips/s, 1000 conns, server at 50% CPU", "echo_cap50", "1000", "rtt_per_s", "epoll", None, None, "/s"),
    ("echo server CPU/round trip, 64 conns, 50% CPU", "echo_cap50", "64", "server_ns_per_rtt", "epoll", None, None, "ns"),
    ("echo server CPU/round trip, 1000 conns, 50% CPU", "echo_cap50", "1000", "server_ns_per_rtt", "epoll", None, None, "ns"),
    ("echo client CPU, 64 conns, server at 50% CPU", "echo_cap50", "64", "client_cpu_pct", "epoll", None, None, "%"),
    ("echo client CPU, 1000 conns, server at 50% CPU", "echo_cap50", "1000", "client_cpu_pct", "epoll", None, None, "%"),
    ("echo interleaved round trips/s, 64 conns", "echo_ab", "64", "rtt_per_s", "epoll", "noninf", 1.0, "/s"),
    ("echo interleaved round trips/s, 1000 conns", "echo_ab", "1000", "rtt_per_s", "epoll", "noninf", 1.0, "/s"),
    ("echo interleaved, servers at 50% CPU, 64 conns", "echo_ab_cap50", "64", "rtt_per_s", "epoll", "noninf", 1.0, "/s"),
    ("echo interleaved, servers at 50% CPU, 1000 conns", "echo_ab_cap50", "1000", "rtt_per_s", "epoll", "noninf", 1.0, "/s"),
    ("echo interleaved server CPU/round trip, 64 conns, 50% CPU", "echo_ab_cap50", "64", "server_ns_per_rtt", "epoll", None, None, "ns"),
    ("echo interleaved server CPU/round trip, 1000 conns, 50% CPU", "echo_ab_cap50", "1000", "server_ns_per_rtt", "epoll", None, None, "ns"),
    ("kernel echo round trips/s, 1 conn", "echo", "1", "rtt_per_s", "epoll", None, None, "/s"),
    ("kernel echo round trips/s, 64 conns", "echo", "64", "rtt_per_s", "epoll", None, None, "/s"),
    ("kernel echo round trips/s, 1000 conns", "echo", "1000", "rtt_per_s", "epoll", None, None, "/s"),
    ("kernel echo, one worker, round trips/s, 1 conn", "echo", "1", "rtt_per_s", "epoll", None, None, "/s"),
    ("kernel echo, one worker, round trips/s, 64 conns", "echo", "64", "rtt_per_s", "epoll", None, None, "/s"),
    ("kernel echo, one worker, round trips/s, 1000 conns", "echo", "1000", "rtt_per_s", "epoll", None, None, "/s"),
]

# Rows whose asyncrt side is not the impl called "asyncrt".
SIDE_IMPL = {"kernel bytes/pending sleep task": "asyncrt_sleep",
             "kernel bytes/idle task": "asyncrt_idle_task",
             "kernel echo round trips/s, 1 conn": "kecho",
             "kernel echo round trips/s, 64 conns": "kecho",
             "kernel echo round trips/s, 1000 conns": "kecho",
             "kernel echo, one worker, round trips/s, 1 conn": "kecho_w1",
             "kernel echo, one worker, round trips/s, 64 conns": "kecho_w1",
             "kernel echo, one worker, round trips/s, 1000 conns": "kecho_w1",
             "kernel spawn+join/s, 1 thread, guest": "asyncrt_guest",
             "kernel spawn+join/s, all CPUs, guest": "asyncrt_guest",
             "kernel spawn+join/s, 1 thread, from a task": "asyncrt_task",
             "kernel spawn+join/s, all CPUs, from a task": "asyncrt_task",
             "wake-up interleaved, WAKE entry in the ENTER, p50, threads": "asyncrt_sq",
             "wake-up interleaved, WAKE entry in the ENTER, p50, processes": "asyncrt_sq",
             "wake-up interleaved vs io_uring p50, threads": "asyncrt_sq",
             "wake-up interleaved vs io_uring p50, processes": "asyncrt_sq"}

# Benchmarks whose repetition k of asyncrt and of the peer ran back to back
# (guest.sh's pair()): their ratio is the median of the per-repetition
# ratios, so a slow stretch of the shared host, which hits both members of
# a pair alike, moves the ratio less than it moves either median.
PAIRED = {"echo_cap50", "echo_ab", "echo_ab_cap50", "wake_ab_thread", "wake_ab_process",
          "wake_abu_thread", "wake_abu_process"}
# Paired rows without a target whose interval is printed all the same.
PAIRED_INFO = {"wake-up interleaved vs io_uring p50, threads",
               "wake-up interleaved vs io_uring p50, processes",
               "wake-up interleaved, WAKE entry in the ENTER, p50, threads",
               "wake-up interleaved, WAKE entry in the ENTER, p50, processes"}

NOT_MEASURED = []
# Said only when a run has no figure for them.
MAYBE_MISSING = [
    ("uspawn", "asyncrt", "userspace executor spawn+join (bench uspawn)"),
    ("storm", "asyncrt", "userspace executor sleep storm (bench storm)"),
    ("echo", "asyncrt", "echo round trips, examples/echo_server vs epoll (bench echo)"),
    ("echo", "kecho", "kernel echo server (asyncrt_kecho.ko absent or failed to load)"),
    ("echo_cap50", "asyncrt", "server-capped echo, cgroup v2 cpu.max (bench echocap)"),
    ("echo_ab", "asyncrt", "interleaved echo (bench echoab)"),
    ("echo_ab_cap50", "asyncrt", "server-capped interleaved echo (bench echoab)"),
    ("wake_ab_thread", "asyncrt", "interleaved wake-up between threads (bench wakeab)"),
    ("wake_ab_process", "asyncrt", "interleaved wake-up between processes (bench wakeab)"),
    ("wake_abu_thread", "asyncrt_sq", "interleaved wake-up against io_uring, threads (bench wakeabu)"),
    ("wake_abu_process", "asyncrt_sq", "interleaved wake-up against io_uring, processes (bench wakeabu)"),
]


def parse(path):
    """A results file of one boot, or of several, each after its "@@ boot K"
    line (bench.sh --boots): repetitions and blocks number on across boots,
    so each stays a distinct pair and block."""
    raw, cdf, notes = [], defaultdict(list), []
    reps, blocks = defaultdict(int), defaultdict(int)
    boot = 0
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split()
            if len(w) == 3 and w[:2] == ["@@", "boot"] and w[2].isdigit():
                boot = int(w[2])
            elif len(w) == 6 and w[0] == "R":
                key = tuple(w[1:5])
                reps[key] += 1
                raw.append(dict(bench=w[1], impl=w[2], param=w[3], metric=w[4],
                                value=float(w[5]), rep=reps[key],
                                block=blocks[(w[1], w[3])], boot=boot))
                # This block's last line: what follows is the next block.
                if w[4] == "block_pairs":
                    blocks[(w[1], w[3])] += 1
            elif len(w) == 6 and w[0] == "Q":
                cdf[(w[1], w[2], w[3])].append((float(w[4]), float(w[5])))
            elif line.startswith("# "):
                notes.append(line[2:].rstrip())
    return raw, cdf_medians(cdf), notes


def cdf_medians(cdf):
    """A benchmark repeated prints its CDF once a run: keep the median per point."""
    out = {}
    for key, pts in cdf.items():
        by_pct = defaultdict(list)
        for pct, ns in pts:
            by_pct[pct].append(ns)
        out[key] = [(pct, statistics.median(v)) for pct, v in sorted(by_pct.items())]
    return out


def medians(raw):
    vals = defaultdict(list)
    for r in raw:
        vals[(r["bench"], r["impl"], r["param"], r["metric"])].append(r["value"])
    return {k: statistics.median(v) for k, v in vals.items()}, vals


def lookup(med, bench, impl, param, metric):
    if param != "*":
        return med.get((bench, impl, param, metric))
    for (b, i, p, m), v in med.items():
        if (b, i, m) == (bench, impl, metric):
            return v
    return None


def fmt(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.3gM" % (v / 1e6)
    if v >= 1e4:
        return "%.3gk" % (v / 1e3)
    return "%.4g" % v


def block_ratios(raw, bench, impl, peer, param, metric):
    """@impl / @peer per repetition, grouped by block: ({block: [ratio]},
    whether the bench ran in blocks at all, i.e. printed block_pairs,
    {block: the boot it ran in})."""
    side, blocked, boot_of = defaultdict(dict), False, {}
    for r in raw:
        if (r["bench"], r["param"]) != (bench, param):
            continue
        blocked = blocked or r["metric"] == "block_pairs"
        if r["metric"] == metric:
            # Blocks number on across boots; a bench without blocks has
            # one "block" a boot.
            b = (r.get("boot", 0), r.get("block", 0))
            side[r["impl"]][r["rep"]] = (r["value"], b)
            boot_of[b] = r.get("boot", 0)
    by_block = defaultdict(list)
    for k, (v, b) in side[impl].items():
        if k in side[peer] and side[peer][k][0]:
            by_block[b].append(v / side[peer][k][0])
    return by_block, blocked, boot_of


def paired_units(raw, bench, impl, peer, param, metric):
    """What a paired row is judged on, sorted, and how many pairs, blocks
    and boots it comes from: the pair ratios; where the bench ran in blocks,
    each block's median ratio; where the blocks ran in several boots, each
    boot's median of its blocks' medians; where pairs without blocks did,
    each boot's median pair ratio. (units, pairs, blocks or 0, boots)"""
    by_block, blocked, boot_of = block_ratios(raw, bench, impl, peer, param, metric)
    ratios = sorted(x for xs in by_block.values() for x in xs)
    if not blocked:
        if len(by_block) > 1:
            return (sorted(statistics.median(xs) for xs in by_block.values()),
                    len(ratios), 0, len(by_block))
        return ratios, len(ratios), 0, 1
    by_boot = defaultdict(list)
    for b, xs in by_block.items():
        by_boot[boot_of[b]].append(statistics.median(xs))
    if len(by_boot) > 1:
        units = [statistics.median(ms) for ms in by_boot.values()]
    else:
        units = [m for ms in by_boot.values() for m in ms]
    return sorted(units), len(ratios), len(by_block), len(by_boot)


def median_ci(xs):
    """A distribution-free 95% confidence interval of the median of sorted
    @xs: the order statistics x(k) and x(n+1-k), the widest pair with
    P(Binomial(n, 1/2) < k) <= 2.5%. None below 6 values, where even the
    extremes cover less than 95%."""
    n = len(xs)
    k, below = 0, 0.0
    while True:
        p = below + math.comb(n, k) / 2.0 ** n
        if p > 0.025:
            break
        below, k = p, k + 1
    if k == 0:
        return None
    return xs[k - 1], xs[n - k]


def paired_verdict(ratios, tv, kind="min"):
    """A paired row's target >= @tv ("min") or <= @tv ("max") judged on its
    median's 95% interval, from the sorted @ratios (of pairs, or of blocks:
    paired_units()): met when the interval lies on the target's side of it,
    NOT met when wholly on the other, "unresolved" when it straddles (the
    runs cannot tell). Below six there is no interval: the median decides."""
    sign = 1 if kind == "min" else -1
    ci = median_ci(ratios)
    if not ci:
        return "met" if sign * statistics.median(ratios) >= sign * tv else "NOT met"
    lo, hi = ci if sign > 0 else (-ci[1], -ci[0])
    tv *= sign
    return "met" if lo >= tv else "NOT met" if hi < tv else "unresolved"


# The echo target, "at least the epoll server's throughput", is a claim of
# non-inferiority: the two servers make the same system calls per message
# and are expected to tie, and an interval around a tie always reaches
# below 1.0x, so the superiority test of "min" could never confirm one.
# Met when the interval shows asyncrt slower by no more than this margin
# and does not show it slower at all. 2% is below what one more system
# call per message costs a server, the smallest change its code can make:
# the calibration (bench echocal) priced it at 1.4-7.2% of round trips,
# median 3.4%, over the eight rows of sessions 9 and 10's full runs.
NONINF_MARGIN = 0.02


def noninf_verdict(ratios, tv, margin=NONINF_MARGIN):
    """A paired row's target "at least @tv" judged on its median's 95%
    interval, from the sorted @ratios: met when the interval's low end is at
    or above @tv less @margin and its high end at or above @tv; NOT met when
    the interval lies below @tv (shown slower, by however little);
    "unresolved" when it reaches below the margin but not wholly below @tv.
    Below six there is no interval: the median decides, as for "min"."""
    ci = median_ci(ratios)
    if not ci:
        return "met" if statistics.median(ratios) >= tv else "NOT met"
    lo, hi = ci
    if hi < tv:
        return "NOT met"
    return "met" if lo >= tv * (1 - margin) else "unresolved"


def unit_ci(label, units, pairs, blocks, boots=1):
    """(label, pairs, blocks, boots, median, lo, hi), or None without an
    interval."""
    ci = median_ci(units)
    return (label, pairs, blocks, boots, statistics.median(units)) + ci if ci else None


def paired_cis(raw):
    """For each target or throughput row of a paired bench: (label, pairs,
    blocks, boots, median, lo, hi)."""
    out = []
    for label, bench, param, metric, peer, kind, tv, unit in TABLE:
        if bench not in PAIRED or (kind is None and metric != "rtt_per_s" and
                                   label not in PAIRED_INFO):
            continue
        ci = unit_ci(label, *paired_units(raw, bench, SIDE_IMPL.get(label, "asyncrt"),
                                          peer, param, metric))
        if ci:
            out.append(ci)
    return out


def fmt_ci(label, pairs, blocks, boots, m, lo, hi):
    over = "%d pairs in %d blocks" % (pairs, blocks) if blocks else "%d pairs" % pairs
    if boots > 1:
        over += " in %d boots" % boots
    return "  %s: %.3fx over %s, %.3f-%.3fx" % (label, m, over, lo, hi)


# The interleaved echo's costs per round trip, beside its throughput rows:
# (label, bench, param, metric). Ratio asyncrt / epoll, paired per slice.
ECHO_AB_COSTS = [
    ("echo interleaved %s/round trip, %s conns%s" % (what, c, cap), b, c, m)
    for b, cap in (("echo_ab", ""), ("echo_ab_cap50", ", 50% CPU"))
    for c in ("64", "1000")
    for what, m in (("server CPU", "server_ns_per_rtt"),
                    ("load generator CPU", "client_ns_per_rtt"),
                    ("load generator epoll_wait calls", "client_waits_per_krtt"),
                    ("load generator sleeps", "client_sleeps_per_krtt"),
                    ("TCP segments", "tcp_segs_per_krtt"))
]


# The echo harness's calibration (bench echocal): two epoll servers side by
# side, side A ("epoll_a") spinning a known extra cost per message in
# echo_cal and nothing in echo_aa (A/A). Ratio side A / side B, per slice
# pair. Where a row's throughput ratio follows side A's server CPU ratio,
# that row measures the server; where it stays near 1.0, the load
# generator sets the rate and the row cannot judge a server.
ECHO_CAL = [
    ("echo %s %s, %s conns%s" % (what_b, what, c, cap), b + sfx, c, m)
    for b, what_b in (("echo_aa", "A/A"), ("echo_cal", "A burning"))
    for sfx, cap in (("", ""), ("_cap50", ", 50% CPU"))
    for c in ("64", "1000")
    for what, m in (("round trips/s", "rtt_per_s"),
                    ("server CPU/round trip", "server_ns_per_rtt"),
                    ("load generator CPU/round trip", "client_ns_per_rtt"))
]


def cost_cis(raw, rows=ECHO_AB_COSTS, impl="asyncrt", peer="epoll"):
    """@rows with a confidence interval, as paired_cis()."""
    out = []
    for label, bench, param, metric in rows:
        ci = unit_ci(label, *paired_units(raw, bench, impl, peer, param, metric))
        if ci:
            out.append(ci)
    return out


def table(med, raw=()):
    rows = []
    for label, bench, param, metric, peer, kind, tv, unit in TABLE:
        impl = SIDE_IMPL.get(label, "asyncrt")
        a = lookup(med, bench, impl, param, metric)
        p = lookup(med, bench, peer, param, metric)
        ratio = a / p if a is not None and p else None
        ratios = []
        if bench in PAIRED and ratio is not None:
            ratios = paired_units(raw, bench, impl, peer, param, metric)[0]
            ratio = statistics.median(ratios) if ratios else None
        if kind is None or a is None or (kind != "abs_max" and ratio is None):
            target, met = "-", "-" if a is not None else "not measured"
        elif kind == "noninf":
            target = ">= %gx, %g%% margin" % (tv, NONINF_MARGIN * 100)
            met = noninf_verdict(ratios or [ratio], tv)
        elif kind == "min" and ratios:
            target, met = ">= %gx" % tv, paired_verdict(ratios, tv)
        elif kind == "min":
            target, met = ">= %gx" % tv, "met" if ratio >= tv else "NOT met"
        elif kind == "max" and ratios:
            target, met = "<= %gx" % tv, paired_verdict(ratios, tv, "max")
        elif kind == "max":
            target, met = "<= %gx" % tv, "met" if ratio <= tv else "NOT met"
        else:
            target, met = "<= %g %s" % (tv, unit), "met" if a <= tv else "NOT met"
        rows.append(dict(metric=label, unit=unit, asyncrt=a, peer=peer,
                         peer_value=p, ratio=ratio, target=target, met=met))
    return rows


# bench syscost: the wake-up's system calls timed alone (bench/syscost.c).
SYSCOST = [("getppid", "the system call floor"),
           ("futex_wake", "FUTEX_WAKE, nobody waiting"),
           ("badioctl", "ioctl() refused by the driver"),
           ("enter0", "ENTER, nothing to do"),
           ("wake", "ENTER, one WAKE, nobody waiting"),
           ("wakewait", "ENTER, WAKE + WAIT failing its compare")]


# bench wakecal: futex ping-pongs with one more call per exchange, and
# asyncrt's, each block's p50 over its futex ping-pong's (wake.c, "cal").
WAKE_CAL = [("futex_getppid", "futex + getppid()"),
            ("futex_badioctl", "futex + an ioctl() the driver refuses"),
            ("futex_enter0", "futex + an empty ENTER"),
            ("futex_wake0", "futex + an ENTER of one WAKE, nobody waiting"),
            ("futex_getppid_after", "futex + getppid() after the FUTEX_WAKE"),
            ("asyncrt", "asyncrt (WQ_WAKE, then an ENTER of the WAIT)"),
            ("asyncrt_sq", "asyncrt_sq (the WAKE entry in the WAIT's ENTER)"),
            ("ioctl", "the least wake-up through ioctl() (no ring)"),
            ("asyncrt", "asyncrt over the ioctl peer, not futex", "ioctl"),
            ("asyncrt_sq", "asyncrt_sq over the ioctl peer, not futex", "ioctl")]


def wakecal_rows(raw, med):
    """[(mode, variant, what, units, median, (lo, hi) or None, ns)]: each
    variant's blocks' p50 ratios to futex (or to the peer its WAKE_CAL
    entry names), and what the difference comes to per exchange (half a
    round trip) at that peer's median round trip."""
    rows = []
    for mode in ("thread", "process"):
        bench = "wake_cal_" + mode
        for variant, what, *peer in WAKE_CAL:
            peer = peer[0] if peer else "futex"
            base = lookup(med, bench, peer, "rtt", "p50_ns")
            units = paired_units(raw, bench, variant, peer, "rtt", "p50_ns")[0]
            if not units or not base:
                continue
            m = statistics.median(units)
            if peer != "futex":
                variant = "%s/%s" % (variant, peer)
            rows.append((mode, variant, what, len(units), m, median_ci(units),
                         (m - 1) * base / 2))
    return rows


def wakemod_rows(raw):
    """bench wakemod (bench.sh --base REV): [(mode, rounds, base, cur,
    cur / base, (lo, hi) or None)], base and cur each (median, (lo, hi) or
    None). In each round both modules ran "wake ab" in turn; a module's
    figure is the median of all its blocks' p50 ratios to futex (each
    block pairs it with futex already); the paired unit is the round's
    cur / base, of the two modules' medians in that round."""
    rows = []
    for mode in ("thread", "process"):
        def ratios(ver):
            """{(boot, round): [block ratio]}: rounds number afresh each boot."""
            bench, per = "wakemod_%s_%s" % (mode, ver), defaultdict(list)
            for rnd in {r["param"] for r in raw if r["bench"] == bench}:
                by_block = block_ratios(raw, bench, "asyncrt", "futex", rnd, "p50_ns")[0]
                for (boot, _), xs in by_block.items():
                    per[(boot, rnd)].extend(xs)
            return per
        base, cur = ratios("base"), ratios("cur")
        rounds = sorted(r for r in base if base[r] and cur.get(r))
        if not rounds:
            continue
        units = sorted(statistics.median(cur[r]) / statistics.median(base[r]) for r in rounds)
        b = sorted(x for r in rounds for x in base[r])
        c = sorted(x for r in rounds for x in cur[r])
        rows.append((mode, len(rounds), (statistics.median(b), median_ci(b)),
                     (statistics.median(c), median_ci(c)),
                     statistics.median(units), median_ci(units)))
    return rows


def syscost_rows(med):
    """[(test, what, ns with threads, ns with processes)] of those measured."""
    rows = []
    for test, what in SYSCOST:
        t = lookup(med, "syscost_thread", test, "call", "ns")
        p = lookup(med, "syscost_process", test, "call", "ns")
        if t is not None or p is not None:
            rows.append((test, what, t, p))
    return rows


def print_table(rows, out):
    hdr = ("metric", "asyncrt", "peer", "peer value", "ratio", "target", "met")
    lines = [[r["metric"] + " (" + r["unit"] + ")", fmt(r["asyncrt"]), r["peer"],
              fmt(r["peer_value"]), "-" if r["ratio"] is None else "%.2fx" % r["ratio"],
              r["target"], r["met"]] for r in rows]
    w = [max(len(str(x)) for x in col) for col in zip(hdr, *lines)]
    text = []
    for l in [hdr] + lines:
        text.append("  ".join(str(x).ljust(n) for x, n in zip(l, w)).rstrip())
    print("\n".join(text))
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write("\n".join(text) + "\n")


def gnuplot(script):
    try:
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("gnuplot failed: %s" % e)


def plots(out, cdf, med):
    term = "set terminal pngcairo noenhanced size 900,560 font ',10'\n" \
        "set grid\nset key bottom right\n"
    # Latency CDFs: one data file per series, x in microseconds.
    groups = defaultdict(list)
    for (bench, impl, param), pts in sorted(cdf.items()):
        fn = os.path.join(out, "cdf-%s-%s.dat" % (bench, impl))
        with open(fn, "w") as f:
            for pct, ns in sorted(pts):
                f.write("%g %g\n" % (ns / 1000.0, pct))
        groups[bench].append((impl, fn))
    titles = {"storm": "sleep storm: lateness of 100,000 concurrent sleeping tasks (us)",
              "lateness": "userspace sleep lateness (us)",
              "klateness": "kernel sleep lateness (us)",
              "wake_thread": "wake-up round trip between threads (us)",
              "wake_process": "wake-up round trip between processes (us)"}
    for bench, series in groups.items():
        s = term + "set output '%s'\nset logscale x\nset xlabel '%s'\n" \
            "set ylabel 'percentile'\nset yrange [0:100]\n" % (
                os.path.join(out, "cdf-%s.png" % bench), titles.get(bench, bench))
        s += "plot " + ", ".join("'%s' using 1:2 with lines lw 2 title '%s'" % (fn, impl)
                                 for impl, fn in series) + "\n"
        gnuplot(s)
    # Cost versus scale.
    for bench, metric, ylabel, xlabel in (
            ("tscale", "slab_bytes_per_op", "slab bytes per pending sleep", "in flight"),
            ("tscale", "submit_ns_per_op", "submit ns per sleep", "in flight"),
            ("kscale", "ns_per_task", "ns per task (spawn all, join all)", "in flight"),
            ("echo", "rtt_per_s", "echo round trips per second (64-byte ping-pong)",
             "connections"),
            ("echo_cap50", "rtt_per_s", "echo round trips per second, server capped "
             "at 50% of a CPU", "connections")):
        impls = sorted({i for (b, i, p, m) in med if b == bench and m == metric})
        if not impls:
            continue
        series = []
        for impl in impls:
            fn = os.path.join(out, "scale-%s-%s-%s.dat" % (bench, metric, impl))
            pts = sorted((int(p), v) for (b, i, p, m), v in med.items()
                         if (b, i, m) == (bench, impl, metric))
            with open(fn, "w") as f:
                f.writelines("%d %g\n" % pt for pt in pts)
            series.append((impl, fn))
        s = term + "set output '%s'\nset logscale x\nset logscale y\n" \
            "set xlabel '%s'\nset ylabel '%s'\nset key top right\n" % (
                os.path.join(out, "scale-%s-%s.png" % (bench, metric)), xlabel, ylabel)
        s += "plot " + ", ".join("'%s' using 1:2 with linespoints lw 2 title '%s'" % (fn, impl)
                                 for impl, fn in series) + "\n"
        gnuplot(s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kernel", default="?")
    ap.add_argument("--mode", default="quick")
    ap.add_argument("--command", default="make bench")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    raw, cdf, notes = parse(a.results)
    if not raw:
        print("no figures in %s" % a.results)
        return 1
    med, vals = medians(raw)
    with open(os.path.join(a.out, "raw.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["bench", "impl", "param", "metric", "rep", "block",
                                          "value", "boot"])
        w.writeheader()
        w.writerows(raw)
    with open(os.path.join(a.out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["bench", "impl", "param", "metric", "median", "min", "max", "reps"])
        for k in sorted(vals):
            v = vals[k]
            w.writerow(list(k) + [med[k], min(v), max(v), len(v)])
    with open(os.path.join(a.out, "cdf.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["bench", "impl", "param", "percentile", "ns"])
        for k in sorted(cdf):
            for pct, ns in cdf[k]:
                w.writerow(list(k) + [pct, ns])
    rows = table(med, raw)
    have = {(b, i) for (b, i, p, m) in med}
    not_measured = [what for b, i, what in MAYBE_MISSING if (b, i) not in have] + NOT_MEASURED
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(dict(kernel=a.kernel, mode=a.mode, command=a.command,
                       table=rows, not_measured=not_measured, raw=raw,
                       paired_ci=[dict(metric=l, pairs=n, blocks=b, boots=nb, median=m,
                                       lo=lo, hi=hi)
                                  for l, n, b, nb, m, lo, hi in paired_cis(raw) + cost_cis(raw)
                                  + cost_cis(raw, ECHO_CAL, "epoll_a")],
                       medians=[dict(bench=k[0], impl=k[1], param=k[2], metric=k[3],
                                     median=v, reps=len(vals[k]))
                                for k, v in sorted(med.items())],
                       syscost=[dict(call=c, threads_ns=t, processes_ns=p)
                                for c, _, t, p in syscost_rows(med)],
                       wakecal=[dict(mode=mo, variant=v, blocks=n, median=m,
                                     lo=ci[0] if ci else None, hi=ci[1] if ci else None,
                                     ns_per_exchange=ns)
                                for mo, v, _, n, m, ci, ns in wakecal_rows(raw, med)],
                       wakemod=[dict(mode=mo, rounds=n, base=b[0], base_ci=b[1],
                                     cur=c[0], cur_ci=c[1], cur_over_base=m, ci=ci)
                                for mo, n, b, c, m, ci in wakemod_rows(raw)],
                       cdf={"%s/%s/%s" % k: v for k, v in sorted(cdf.items())}),
                  f, indent=1)
    print("\nasyncrt vs peers, %s mode, kernel %s (medians over repetitions; "
          "ratio = asyncrt / peer)\n" % (a.mode, a.kernel))
    print_table(rows, a.out)
    print("\n(%s: ratio = median of the per-repetition ratios, each pair run back "
          "to back; echo_ab*: median of the blocks' medians, or over several boots "
          "the median of each boot's)" % ", ".join(sorted(PAIRED)))
    cis = paired_cis(raw)
    if cis:
        print("\n95% confidence intervals of those medians (order statistics, "
              "over blocks where there are blocks, over boots where there are boots):")
        print("\n".join(fmt_ci(*c) for c in cis))
    costs = cost_cis(raw)
    if costs:
        print("\nCosts per round trip, asyncrt / epoll, same pairs:")
        print("\n".join(fmt_ci(*c) for c in costs))
    cal = cost_cis(raw, ECHO_CAL, "epoll_a")
    if cal:
        print("\nEcho harness calibration, side A / side B, two epoll servers "
              "(echo_cal: side A burns a known CPU cost per message):")
        print("\n".join(fmt_ci(*c) for c in cal))
    sc = syscost_rows(med)
    if sc:
        print("\nSystem call costs, no sleep (bench syscost; ns per call, median over "
              "repetitions of each one's best round):")
        w = max(len(t) + len(what) + 3 for t, what, _, _ in sc)
        print("  %s  %9s  %9s" % ("call".ljust(w), "threads", "processes"))
        for test, what, t, p in sc:
            print("  %s  %9s  %9s" % (("%s (%s)" % (test, what)).ljust(w), fmt(t), fmt(p)))
    wc = wakecal_rows(raw, med)
    if wc:
        print("\nWake-up calibration (bench wakecal): p50 round trip over futex's, "
              "median of the blocks' ratios, 95% interval, and the difference per "
              "exchange at futex's median round trip:")
        for mode, variant, what, n, m, ci, ns in wc:
            print("  %-8s %-45s %.3fx %-13s %6.0f ns  (%d blocks)" % (
                mode, what, m, "%.3f-%.3fx" % ci if ci else "", ns, n))
    wm = wakemod_rows(raw)
    if wm:
        print("\nWake-up of two module builds (bench wakemod, bench.sh --base): p50 "
              "round trip over futex's, median of each module's blocks' ratios, and "
              "this tree's over the base's, median of the rounds'; 95% intervals:")

        def fci(ci):
            return "(%.3f-%.3fx)" % ci if ci else ""
        for mode, n, b, c, m, ci in wm:
            print("  %-8s base %.3fx %-15s this tree %.3fx %-15s this tree / base "
                  "%.3fx %-15s %d rounds" % (mode, b[0], fci(b[1]), c[0], fci(c[1]),
                                             m, fci(ci), n))
    if not_measured:
        print("\nnot measured in this run:\n  - " + "\n  - ".join(not_measured))
    plots(a.out, cdf, med)
    print("\nresults: %s (raw.csv, summary.csv, cdf.csv, results.json, *.png)" % a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
