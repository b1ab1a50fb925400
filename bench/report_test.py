#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of bench/report.py's statistics and verdicts, on made-up results.

The report decides "met", "NOT met" and "unresolved": what it computes is
checked here against values worked out by hand, so a verdict in
Documentation/performance.rst rests on tested code. Run by make check.
"""
import math
import os
import statistics
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def rows(bench, param, metric, a_vals, b_vals, a="asyncrt", b="epoll"):
    """R lines as parse() returns them: repetition k of each side pairs up."""
    out = []
    for impl, vals in ((a, a_vals), (b, b_vals)):
        for k, v in enumerate(vals, 1):
            out.append(dict(bench=bench, impl=impl, param=param, metric=metric,
                            value=float(v), rep=k))
    return out


def pair_ratios(raw, bench, impl, peer, param, metric):
    """Every pair's ratio, sorted, blocks or not: what a verdict pair by
    pair would judge."""
    by_block = report.block_ratios(raw, bench, impl, peer, param, metric)[0]
    return sorted(x for xs in by_block.values() for x in xs)


def parse_text(text):
    """report.parse() of a results file holding @text."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
    try:
        return report.parse(f.name)
    finally:
        os.unlink(f.name)


def verdict(table_rows, label):
    return next(r for r in table_rows if r["metric"] == label)


class MedianCi(unittest.TestCase):
    def test_needs_six_values(self):
        # 5 values: even the extremes cover only 1 - 2/32 = 93.75%.
        self.assertIsNone(report.median_ci([1, 2, 3, 4, 5]))
        self.assertEqual(report.median_ci([1, 2, 3, 4, 5, 6]), (1, 6))

    def test_order_statistics_by_hand(self):
        # n = 30: P(Bin(30, 1/2) <= 9) = 0.0214 <= 2.5% < P(<= 10) = 0.0494,
        # so the interval is x(10) .. x(21).
        xs = list(range(1, 31))
        self.assertEqual(report.median_ci(xs), (10, 21))
        below = sum(math.comb(30, i) for i in range(10)) / 2.0 ** 30
        self.assertLessEqual(below, 0.025)
        self.assertGreater(below + math.comb(30, 10) / 2.0 ** 30, 0.025)

    def test_hundred_pairs(self):
        # n = 100: the usual x(40) .. x(61).
        self.assertEqual(report.median_ci(list(range(1, 101))), (40, 61))


class Pairs(unittest.TestCase):
    def test_ratios_pair_by_repetition(self):
        raw = rows("echo_ab", "64", "rtt_per_s", [110, 90, 100], [100, 100, 50])
        self.assertEqual(pair_ratios(raw, "echo_ab", "asyncrt", "epoll",
                                            "64", "rtt_per_s"), [0.9, 1.1, 2.0])
        # A paired row's ratio is the median of these, not the ratio of the
        # medians (100/100).
        med, _ = report.medians(raw)
        row = verdict(report.table(med, raw), "echo interleaved round trips/s, 64 conns")
        self.assertEqual(row["ratio"], 1.1)

    def test_unpaired_repetition_is_left_out(self):
        raw = rows("echo_ab", "64", "rtt_per_s", [100, 100], [50])
        self.assertEqual(pair_ratios(raw, "echo_ab", "asyncrt", "epoll",
                                            "64", "rtt_per_s"), [2.0])


class PairedVerdict(unittest.TestCase):
    def judge(self, ratios):
        raw = rows("echo_ab", "1000", "rtt_per_s", ratios, [1.0] * len(ratios))
        return report.paired_verdict(pair_ratios(raw, "echo_ab", "asyncrt", "epoll",
                                                        "1000", "rtt_per_s"), 1.0)

    def test_interval_above_is_met(self):
        self.assertEqual(self.judge([1.01 + i / 1000 for i in range(30)]), "met")

    def test_interval_below_is_not_met(self):
        self.assertEqual(self.judge([0.90 + i / 1000 for i in range(30)]), "NOT met")

    def test_interval_straddling_is_unresolved(self):
        # Median 1.0005, interval x(10) .. x(21) = 0.995 .. 1.006.
        xs = [0.986 + i / 1000 for i in range(30)]
        self.assertGreater(statistics.median(xs), 1.0)
        self.assertEqual(self.judge(xs), "unresolved")

    def test_too_few_pairs_fall_back_to_the_median(self):
        self.assertEqual(self.judge([1.1, 1.2, 0.9]), "met")
        self.assertEqual(self.judge([0.9, 0.8, 1.1]), "NOT met")


class NonInferiority(unittest.TestCase):
    """The echo target's verdict: at least 1.0x, to within a 2% margin."""

    @staticmethod
    def units(lo, step, n=30):
        return [round(lo + i * step, 4) for i in range(n)]

    def judge(self, ratios):
        return report.noninf_verdict(sorted(ratios), 1.0)

    def test_a_tie_within_the_margin_is_met(self):
        # 30 units, interval x(10) .. x(21) = 0.989 .. 1.000: reaches below
        # 1.0 by less than 2%, and not wholly below it.
        xs = self.units(0.980, 0.001)
        self.assertEqual(report.median_ci(xs), (0.989, 1.0))
        self.assertEqual(self.judge(xs), "met")
        # The superiority test of "min" cannot confirm the same tie.
        self.assertEqual(report.paired_verdict(xs, 1.0), "unresolved")

    def test_max_verdict_mirrors_min(self):
        # 20 ratios: the interval is the 6th and 15th, 1.05 .. 1.14.
        xs = [(100 + i) / 100 for i in range(20)]
        self.assertEqual(report.median_ci(xs), (1.05, 1.14))
        self.assertEqual(report.paired_verdict(xs, 1.1, "max"), "unresolved")
        self.assertEqual(report.paired_verdict(xs, 1.14, "max"), "met")
        self.assertEqual(report.paired_verdict(xs, 1.049, "max"), "NOT met")
        # Too few for an interval: the median against the target.
        self.assertEqual(report.paired_verdict([1.05, 1.2], 1.1, "max"), "NOT met")
        self.assertEqual(report.paired_verdict([1.05, 1.08], 1.1, "max"), "met")

    def test_an_interval_reaching_past_the_margin_is_unresolved(self):
        # Interval 0.975 .. 1.008: a shortfall of 2.5% is not excluded.
        xs = self.units(0.948, 0.003)
        self.assertEqual(report.median_ci(xs), (0.975, 1.008))
        self.assertEqual(self.judge(xs), "unresolved")

    def test_shown_slower_is_not_met_however_little(self):
        # Interval 0.9885 .. 0.9995: within the margin, but wholly below 1.0.
        xs = self.units(0.9795, 0.001)
        self.assertEqual(report.median_ci(xs), (0.9885, 0.9995))
        self.assertEqual(self.judge(xs), "NOT met")

    def test_ahead_is_met(self):
        self.assertEqual(self.judge(self.units(1.01, 0.001)), "met")

    def test_the_margin_is_relative_to_the_target(self):
        # Twelve units: interval x(3) .. x(10). Against 2.0x the margin
        # ends at 1.96, not at 1.98.
        self.assertEqual(report.noninf_verdict([1.97] * 6 + [2.1] * 6, 2.0), "met")
        self.assertEqual(report.noninf_verdict([1.95] * 6 + [2.1] * 6, 2.0), "unresolved")

    def test_too_few_units_fall_back_to_the_median(self):
        self.assertEqual(self.judge([0.99, 1.0, 1.01]), "met")
        self.assertEqual(self.judge([0.99, 0.995, 1.01]), "NOT met")


class Blocks(unittest.TestCase):
    @staticmethod
    def blocked(block_ratios, per_boot=0):
        """echo_ab lines as parse() returns them, one block per list of
        pair ratios, each block ended by its block_pairs line; with
        @per_boot, that many blocks to a boot."""
        out, rep = [], 0
        for b, ratios in enumerate(block_ratios):
            boot = b // per_boot if per_boot else 0
            for x in ratios:
                rep += 1
                for impl, v in (("asyncrt", x), ("epoll", 1.0)):
                    out.append(dict(bench="echo_ab", impl=impl, param="1000",
                                    metric="rtt_per_s", value=v, rep=rep, block=b,
                                    boot=boot))
            out.append(dict(bench="echo_ab", impl="asyncrt", param="1000",
                            metric="block_pairs", value=len(ratios), rep=b + 1, block=b,
                            boot=boot))
        return out

    def test_blocks_are_judged_by_their_medians(self):
        # Six blocks, tight inside, apart from each other: 30 pairs, six of
        # them below 1.0, would be "met" pair by pair (x(10) = 1.006), but
        # the six block medians (0.97 .. 1.04) reach past the 2% margin.
        blocks = [[m - 0.004, m - 0.002, m, m + 0.002, m + 0.004]
                  for m in (0.97, 1.003, 1.01, 1.02, 1.03, 1.04)]
        raw = self.blocked(blocks)
        pairs = pair_ratios(raw, "echo_ab", "asyncrt", "epoll", "1000", "rtt_per_s")
        self.assertEqual(report.paired_verdict(pairs, 1.0), "met")
        self.assertEqual(report.noninf_verdict(pairs, 1.0), "met")
        units, n, nb, nboots = report.paired_units(raw, "echo_ab", "asyncrt", "epoll",
                                                   "1000", "rtt_per_s")
        self.assertEqual((n, nb, nboots), (30, 6, 1))
        self.assertEqual(units, [0.97, 1.003, 1.01, 1.02, 1.03, 1.04])
        self.assertEqual(report.noninf_verdict(units, 1.0), "unresolved")
        med, _ = report.medians(raw)
        row = verdict(report.table(med, raw), "echo interleaved round trips/s, 1000 conns")
        self.assertAlmostEqual(row["ratio"], 1.015)
        self.assertEqual(row["met"], "unresolved")

    def test_without_block_lines_each_pair_counts(self):
        raw = rows("echo_ab", "64", "rtt_per_s", [1.1, 0.9, 1.2], [1.0] * 3)
        self.assertEqual(report.paired_units(raw, "echo_ab", "asyncrt", "epoll", "64",
                                             "rtt_per_s"), ([0.9, 1.1, 1.2], 3, 0, 1))

    def test_boots_are_judged_by_their_medians(self):
        # Six boots of three blocks: the 18 block medians would be "met"
        # (x(5) = 0.99 against the margin's 0.98), but the boots differ and
        # their six medians (0.975 .. 1.03) reach past the margin.
        boots = [(0.975, 0.976, 0.977), (0.99, 0.995, 1.0), (1.0, 1.005, 1.01),
                 (1.01, 1.015, 1.02), (1.02, 1.025, 1.03), (1.03, 1.031, 1.032)]
        raw = self.blocked([[m] * 3 for b in boots for m in b], per_boot=3)
        units, n, nb, nboots = report.paired_units(raw, "echo_ab", "asyncrt", "epoll",
                                                   "1000", "rtt_per_s")
        self.assertEqual((n, nb, nboots), (54, 18, 6))
        self.assertEqual(units, [0.976, 0.995, 1.005, 1.015, 1.025, 1.031])
        self.assertEqual(report.noninf_verdict(units, 1.0), "unresolved")
        one_boot = sorted(m for b in boots for m in b)
        self.assertEqual(report.noninf_verdict(one_boot, 1.0), "met")
        ci = report.paired_cis(raw)
        self.assertEqual([c[:4] for c in ci],
                         [("echo interleaved round trips/s, 1000 conns", 54, 18, 6)])
        self.assertIn("in 18 blocks in 6 boots", report.fmt_ci(*ci[0]))

    def test_pairs_without_blocks_are_judged_by_each_boots_median(self):
        # Three boots of 20 pairs, each boot tight about its own ratio: the
        # 60 pairs pooled would give an interval above 1.1x, but there are
        # three units, no interval, and their median decides.
        text = ""
        for boot, ratio in ((1, 1.13), (2, 1.09), (3, 1.10)):
            text += "@@ boot %d\n" % boot
            for i in range(20):
                text += "R wake_ab_thread asyncrt rtt p50_ns %g\n" % (1000 * ratio + i % 3)
                text += "R wake_ab_thread futex rtt p50_ns 1000\n"
        raw = parse_text(text)[0]
        units, n, nb, nboots = report.paired_units(raw, "wake_ab_thread", "asyncrt",
                                                   "futex", "rtt", "p50_ns")
        self.assertEqual((n, nb, nboots), (60, 0, 3))
        self.assertEqual([round(u, 3) for u in units], [1.091, 1.101, 1.131])
        self.assertEqual(report.paired_verdict(units, 1.1, "max"), "NOT met")
        # One boot alone is judged on its pairs.
        units = report.paired_units(raw[:40], "wake_ab_thread", "asyncrt",
                                    "futex", "rtt", "p50_ns")[0]
        self.assertEqual(len(units), 20)

    def test_parse_numbers_blocks_on_across_boots(self):
        raw = parse_text("@@ boot 1\nR echo_ab asyncrt 64 rtt_per_s 10\n"
                         "R echo_ab epoll 64 rtt_per_s 10\nR echo_ab asyncrt 64 block_pairs 1\n"
                         "@@ end bench rc=0\n@@ boot 2\nR echo_ab asyncrt 64 rtt_per_s 11\n"
                         "R echo_ab epoll 64 rtt_per_s 12\nR echo_ab asyncrt 64 block_pairs 1\n")[0]
        self.assertEqual([(r["impl"], r["rep"], r["block"], r["boot"]) for r in raw
                          if r["metric"] == "rtt_per_s"],
                         [("asyncrt", 1, 0, 1), ("epoll", 1, 0, 1),
                          ("asyncrt", 2, 1, 2), ("epoll", 2, 1, 2)])

    def test_parse_ends_a_block_at_its_block_pairs_line(self):
        raw = parse_text("R echo_ab asyncrt 64 rtt_per_s 10\nR echo_ab epoll 64 rtt_per_s 10\n"
                         "R echo_ab asyncrt 1000 rtt_per_s 5\n"
                         "R echo_ab asyncrt 64 block_pairs 1\n"
                         "R echo_ab asyncrt 64 rtt_per_s 11\nR echo_ab asyncrt 1000 rtt_per_s 6\n")[0]
        # 64's second pair is in its block 1; 1000 has had no block line yet.
        self.assertEqual([(r["param"], r["metric"], r["block"]) for r in raw],
                         [("64", "rtt_per_s", 0), ("64", "rtt_per_s", 0),
                          ("1000", "rtt_per_s", 0), ("64", "block_pairs", 0),
                          ("64", "rtt_per_s", 1), ("1000", "rtt_per_s", 0)])


class Table(unittest.TestCase):
    def test_verdicts_of_each_kind(self):
        raw = (rows("nop", "16", "ops_per_s", [110] * 3, [100] * 3, b="io_uring")
               + rows("kspawn", "1", "ops_per_s", [500] * 3, [100] * 3,
                      a="asyncrt_task", b="wq_percpu")
               + rows("kspawn", "1", "ops_per_s", [95] * 3, [100] * 3, b="wq_percpu")
               + rows("lateness", "all", "p99_ns", [120] * 3, [100] * 3,
                      b="timerfd")
               + rows("wake_thread", "rtt", "p50_ns", [120] * 3, [100] * 3,
                      b="futex")
               + rows("wake_ab_thread", "rtt", "p50_ns",
                      [1.03 + i / 1000 for i in range(20)], [1.0] * 20, b="futex")
               + rows("kmem", "100000", "slab_bytes_per_op", [130] * 3, [63] * 3,
                      a="asyncrt_sleep", b="hrtimer")
               + rows("echo", "64", "rtt_per_s", [90] * 3, [100] * 3)
               + rows("echo_ab", "1000", "rtt_per_s",
                      [0.986 + i / 1000 for i in range(30)], [1.0] * 30))
        med, _ = report.medians(raw)
        t = report.table(med, raw)
        self.assertEqual(verdict(t, "ring NOP/s, batch 16")["met"], "met")
        # The runtime's own spawn+join carries the >= 2x target ...
        row = verdict(t, "kernel spawn+join/s, 1 thread, from a task")
        self.assertEqual((row["asyncrt"], row["met"]), (500, "met"))
        # ... the handoff from a plain thread is shown without one.
        row = verdict(t, "kernel spawn+join/s, 1 thread")
        self.assertEqual((row["target"], row["met"]), ("-", "-"))
        # A "max" ratio target, and an absolute one.
        self.assertEqual(verdict(t, "ring sleep lateness p99")["met"], "NOT met")
        # Whole-run wake-up rows: a figure; interleaved: the interval's,
        # 1.034 .. 1.045 at or below 1.1x.
        self.assertEqual(verdict(t, "wake-up round trip p50, threads")["met"], "-")
        row = verdict(t, "wake-up interleaved round trip p50, threads")
        self.assertEqual((row["target"], row["met"]), ("<= 1.1x", "met"))
        self.assertEqual(verdict(t, "kernel bytes/pending sleep task")["met"], "NOT met")
        # Whole-run echo rows: a figure, no verdict; interleaved: the
        # interval's, 0.995 .. 1.006, a tie within the 2% margin.
        self.assertEqual(verdict(t, "echo round trips/s, 64 conns")["met"], "-")
        row = verdict(t, "echo interleaved round trips/s, 1000 conns")
        self.assertEqual((row["target"], row["met"]), (">= 1x, 2% margin", "met"))
        # A row with no figures at all says so.
        self.assertEqual(verdict(t, "ring NOP/s, batch 256")["met"], "not measured")

    def test_io_uring_rows_pair_with_io_uring_and_show_their_interval(self):
        # wake abu: asyncrt's ring-to-ring wake-up (asyncrt_sq) against
        # io_uring's, block by block. No target, but the ratio is the pairs'
        # median and its interval is printed: 20 pairs 0.90 .. 0.919,
        # median 0.9095.
        raw = rows("wake_abu_thread", "rtt", "p50_ns",
                   [900 + i for i in range(20)], [1000] * 20, a="asyncrt_sq", b="io_uring")
        med, _ = report.medians(raw)
        row = verdict(report.table(med, raw), "wake-up interleaved vs io_uring p50, threads")
        self.assertEqual((row["peer"], row["target"], row["met"]), ("io_uring", "-", "-"))
        self.assertAlmostEqual(row["ratio"], 0.9095)
        cis = {c[0]: c for c in report.paired_cis(raw)}
        label = "wake-up interleaved vs io_uring p50, threads"
        self.assertIn(label, cis)
        self.assertEqual(cis[label][1], 20)
        self.assertTrue(cis[label][5] <= 0.9095 <= cis[label][6])
        # The futex target's row is not fed by it.
        row = verdict(report.table(med, raw), "wake-up interleaved round trip p50, threads")
        self.assertEqual(row["met"], "not measured")

    def test_wake_ab_judges_asyncrt_and_shows_asyncrt_sq_beside_it(self):
        # wake ab: three in a block. The target is asyncrt's (1.05x); the
        # WAKE-entry way (1.12x) gets a row and an interval, no verdict.
        raw = rows("wake_ab_thread", "rtt", "p50_ns", [1050] * 10, [1000] * 10,
                   b="futex")
        raw += rows("wake_ab_thread", "rtt", "p50_ns", [1120 + i for i in range(10)], [],
                    a="asyncrt_sq")
        med, _ = report.medians(raw)
        t = report.table(med, raw)
        row = verdict(t, "wake-up interleaved round trip p50, threads")
        self.assertEqual((row["ratio"], row["met"]), (1.05, "met"))
        label = "wake-up interleaved, WAKE entry in the ENTER, p50, threads"
        row = verdict(t, label)
        self.assertEqual((row["target"], row["met"]), ("-", "-"))
        self.assertAlmostEqual(row["ratio"], 1.1245)
        cis = {c[0]: c for c in report.paired_cis(raw)}
        self.assertIn(label, cis)
        self.assertEqual(cis[label][1], 10)

    def test_parse_pairs_repetitions_in_order(self):
        raw, cdf, notes = parse_text("# a note\nR nop io_uring 16 ops_per_s 100\n"
                                     "R nop asyncrt 16 ops_per_s 110\nR nop asyncrt 16 ops_per_s 120\n"
                                     "Q lateness asyncrt 5000 50 1000\ngarbage line\n")[:3]
        self.assertEqual([(r["impl"], r["rep"], r["value"]) for r in raw],
                         [("io_uring", 1, 100.0), ("asyncrt", 1, 110.0),
                          ("asyncrt", 2, 120.0)])
        self.assertEqual(cdf[("lateness", "asyncrt", "5000")], [(50.0, 1000.0)])
        self.assertEqual(notes, ["a note"])

    def test_syscost_rows_take_each_calls_median_in_both_modes(self):
        raw = parse_text("R syscost_thread wake call ns 1700\n"
                         "R syscost_process wake call ns 1600\n"
                         "R syscost_thread wake call ns 1500\n"
                         "R syscost_process wake call ns 1650\n"
                         "R syscost_thread wake call ns 1900\n"
                         "R syscost_thread getppid call ns 470\n")[0]
        med, _ = report.medians(raw)
        # In the table's order; a call measured in one mode only keeps None.
        self.assertEqual([(c, t, p) for c, _, t, p in report.syscost_rows(med)],
                         [("getppid", 470, None), ("wake", 1700, 1625)])


    def test_wakecal_rows_pair_each_variant_with_its_blocks_futex(self):
        text = ""
        for b in range(8):
            # The futex base drifts with the host; each variant stays a
            # fixed share above its own block's.
            base = 100 + 10 * b
            text += "R wake_cal_thread futex rtt p50_ns %d\n" % base
            text += "R wake_cal_thread futex_getppid rtt p50_ns %g\n" % (base * 1.04)
            text += "R wake_cal_thread asyncrt rtt p50_ns %g\n" % (base * 1.12)
        raw = parse_text(text)[0]
        med, _ = report.medians(raw)
        rows = report.wakecal_rows(raw, med)
        self.assertEqual([(r[0], r[1], r[3]) for r in rows],
                         [("thread", "futex_getppid", 8), ("thread", "asyncrt", 8)])
        self.assertAlmostEqual(rows[0][4], 1.04)
        self.assertAlmostEqual(rows[1][4], 1.12)
        # Per exchange: half of the excess at futex's median, 135 ns.
        self.assertAlmostEqual(rows[1][6], 0.12 * 135 / 2)
        # Variants absent from the run, and the other mode, give no row.
        self.assertNotIn("futex_enter0", [r[1] for r in rows])

    def test_wakecal_rows_set_asyncrt_beside_the_ioctl_peer_too(self):
        text = ""
        for b in range(8):
            base = 100 + 10 * b
            text += "R wake_cal_process futex rtt p50_ns %d\n" % base
            text += "R wake_cal_process asyncrt rtt p50_ns %g\n" % (base * 1.10)
            text += "R wake_cal_process ioctl rtt p50_ns %g\n" % (base * 1.08)
        raw = parse_text(text)[0]
        med, _ = report.medians(raw)
        rows = report.wakecal_rows(raw, med)
        self.assertEqual([(r[0], r[1]) for r in rows],
                         [("process", "asyncrt"), ("process", "ioctl"),
                          ("process", "asyncrt/ioctl")])
        self.assertAlmostEqual(rows[1][4], 1.08)
        self.assertAlmostEqual(rows[2][4], 1.10 / 1.08)
        # Per exchange, at the ioctl peer's median: 135 ns x 1.08.
        self.assertAlmostEqual(rows[2][6], (1.10 / 1.08 - 1) * 135 * 1.08 / 2)

    def test_wakemod_rows_pair_the_modules_round_by_round_and_boot_by_boot(self):
        text = ""
        for boot in (1, 2):
            text += "@@ boot %d\n" % boot
            for rnd in range(1, 5):
                # The host drifts from round to round and boot to boot;
                # within a round the base module's blocks run 1.12x futex,
                # this tree's 1.09x.
                for ver, share in (("base", 1.12), ("cur", 1.09)):
                    for b in range(3):
                        fu = 100 * boot + 10 * rnd + b
                        text += "R wakemod_thread_%s asyncrt r%d p50_ns %g\n" % (ver, rnd, fu * share)
                        text += "R wakemod_thread_%s futex r%d p50_ns %d\n" % (ver, rnd, fu)
        # A last round cut short before this tree's turn: no pair.
        text += "R wakemod_thread_base asyncrt r5 p50_ns 300\n"
        text += "R wakemod_thread_base futex r5 p50_ns 100\n"
        raw = parse_text(text)[0]
        rows = report.wakemod_rows(raw)
        self.assertEqual(len(rows), 1)
        mode, n, base, cur, m, ci = rows[0]
        # Round r1 of boot 1 and r1 of boot 2 are distinct rounds.
        self.assertEqual((mode, n), ("thread", 8))
        self.assertAlmostEqual(base[0], 1.12)
        self.assertAlmostEqual(cur[0], 1.09)
        # 24 blocks each, all alike: the interval is the value.
        self.assertAlmostEqual(cur[1][0], 1.09)
        self.assertAlmostEqual(cur[1][1], 1.09)
        self.assertAlmostEqual(m, 1.09 / 1.12)
        self.assertAlmostEqual(ci[0], 1.09 / 1.12)
        self.assertAlmostEqual(ci[1], 1.09 / 1.12)


if __name__ == "__main__":
    unittest.main()
