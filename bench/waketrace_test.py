#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of bench/waketrace.py's split of a half round trip, on a made-up
trace whose every part is known: the figures in Documentation/
performance.rst ("Wake-up latency", session 13) rest on it. Run by make
check.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import waketrace  # noqa: E402

HEAD = 'W asyncrt thread 1             '


def waking(comm_pid, cpu, ts, target):
    return (f'{HEAD}{comm_pid:>16} [{cpu:03}] d..2. {ts:12}: sched_waking: '
            f'comm=wake pid={target} prio=120 target_cpu={1 - cpu:03}')


def switch(comm_pid, cpu, ts, prev, nxt):
    pc, pp = prev
    nc, np = nxt
    return (f'{HEAD}{comm_pid:>16} [{cpu:03}] d..2. {ts:12}: sched_switch: '
            f'prev_comm={pc} prev_pid={pp} prev_prio=120 prev_state=S ==> '
            f'next_comm={nc} next_pid={np} next_prio=120')


def syscall(comm_pid, cpu, ts, event):
    rest = 'NR 16 = 0' if event == 'sys_exit' else 'NR 16 (3, 0, 0)'
    return f'{HEAD}{comm_pid:>16} [{cpu:03}] ..... {ts:12}: {event}: {rest}'


A, B = ('wake', 100), ('wake', 101)
IDLE0, IDLE1 = ('swapper/0', 0), ('swapper/1', 0)

# Three halves: 100 wakes 101 at 1000, which switches in at 3000 and
# wakes 100 at 4000; 100 switches in at 6000 and wakes 101 at 7500, which
# switches in at 9000 and wakes 100 at 9100. But 100 never slept after
# 8000's switch out as far as the trace goes (it runs again, unseen, and
# wakes 101 at 9300): the wake at 9100 found it running, no half.
SCHED = [
    'W tsc tsc: Detected 1000.000 MHz',
    waking('wake-100', 0, 1000, 101),
    switch('wake-100', 0, 1500, A, IDLE0),
    switch('<idle>-0', 1, 3000, IDLE1, B),
    waking('wake-101', 1, 4000, 100),
    switch('wake-101', 1, 4600, B, IDLE1),
    switch('<idle>-0', 0, 6000, IDLE0, A),
    waking('wake-100', 0, 7500, 101),
    switch('wake-100', 0, 8000, A, IDLE0),
    switch('<idle>-0', 1, 9000, IDLE1, B),
    waking('wake-101', 1, 9100, 100),
    waking('wake-100', 0, 9300, 101),
]


class Split(unittest.TestCase):
    def test_scheduler_events_alone(self):
        runs, mhz = waketrace.parse(SCHED)
        self.assertEqual(1000.0, mhz)
        self.assertEqual([('asyncrt', 'thread', '1.1')], list(runs))
        hs = sorted(waketrace.halves(runs[('asyncrt', 'thread', '1.1')]),
                    key=lambda h: h['half'])
        self.assertEqual(3, len(hs))
        self.assertEqual([1500, 2000, 2000], sorted(h['wakeup'] for h in hs))
        first = [h for h in hs if h['wakeup'] == 2000 and h['run'] == 1000]
        self.assertEqual(1, len(first))
        self.assertEqual(3000, first[0]['half'])
        self.assertEqual(500, first[0]['tail'])
        self.assertFalse(first[0]['local'])
        second = [h for h in hs if h['run'] == 1500]
        self.assertEqual(1, len(second))
        self.assertEqual(2000, second[0]['wakeup'])
        self.assertEqual(600, second[0]['tail'])
        self.assertNotIn('kernel', second[0])

    def test_system_calls_split_the_run(self):
        lines = [
            waking('wake-100', 0, 1000, 101),
            switch('wake-100', 0, 1500, A, IDLE0),
            switch('<idle>-0', 1, 3000, IDLE1, B),
            syscall('wake-101', 1, 3300, 'sys_exit'),
            syscall('wake-101', 1, 3700, 'sys_enter'),
            waking('wake-101', 1, 4000, 100),
        ]
        runs, mhz = waketrace.parse(lines)
        self.assertIsNone(mhz)
        (h,) = waketrace.halves(runs[('asyncrt', 'thread', '1.1')])
        self.assertEqual((2000, 300, 400, 300, 1000, 3000),
                         (h['wakeup'], h['return'], h['user'], h['kernel'],
                          h['run'], h['half']))

    def test_boots_keep_their_runs_apart(self):
        runs, _ = waketrace.parse(['@@ boot 1'] + SCHED[1:4] +
                                  ['@@ boot 2'] + SCHED[1:4])
        self.assertEqual({('asyncrt', 'thread', '1.1'), ('asyncrt', 'thread', '2.1')},
                         set(runs))


if __name__ == '__main__':
    unittest.main()
