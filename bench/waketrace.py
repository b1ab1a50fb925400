#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Split the wake-up ping-pong's half round trips into where they go.

Reads the "W" lines that bench/guest.sh's waketrace mode prints (ftrace's
sched_waking, sched_switch and raw system call events of the two sides,
timestamps in TSC cycles) and prints, per implementation and mode, the
median of each part of a half round trip that found its side asleep:

  wakeup   the waker's sched_waking -> the woken side switched in
  return   switched in -> its system call returns to userspace
  user     -> its next system call (for futex: the FUTEX_WAKE)
  kernel   -> its sched_waking of the peer

wakeup + return + user + kernel is the half round trip's critical path.
"tail" is what the waker does after its sched_waking until it sleeps,
which overlaps the peer's wake-up.

  bench/waketrace.py build/vm/bench-6.1/results.txt
"""
import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r'^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+\S+\s+(\d+):\s+(\w+):\s*(.*)$')
PARTS = ('wakeup', 'return', 'user', 'kernel', 'half', 'tail')


def parse(lines):
    """{(impl, mode, rep): [(ts, pid, event, fields)]} and the TSC MHz."""
    runs = defaultdict(list)
    mhz = None
    for line in lines:
        if not line.startswith('W '):
            continue
        if line.startswith('W tsc '):
            mhz = float(line.split()[4])
            continue
        head = line.split(None, 4)
        if len(head) < 5:
            continue
        m = LINE.match(head[4])
        if not m:
            continue
        comm, pid, _, ts, event, rest = m.groups()
        fields = dict(kv.split('=', 1) for kv in re.findall(r'(\w+=\S+)', rest))
        # Idle's switches to a side are kept under pid 0, never a side.
        pid = int(pid) if comm == 'wake' else 0
        runs[(head[1], head[2], head[3])].append((int(ts), pid, event, fields))
    return runs, mhz


def halves(events):
    """The parts of each half round trip whose woken side was asleep."""
    pids = {pid for _, pid, _, _ in events if pid}
    by_pid = defaultdict(list)
    for e in events:
        by_pid[e[1]].append(e)
        if e[2] == 'sched_switch' and int(e[3].get('next_pid', -1)) in pids:
            by_pid[int(e[3]['next_pid'])].append(e)
    out = []
    for waker, evs in by_pid.items():
        for i, (t0, pid, ev, f) in enumerate(evs):
            if pid != waker or ev != 'sched_waking':
                continue
            woken = int(f.get('pid', -1))
            if woken not in by_pid or woken == waker:
                continue
            part = chain(by_pid[woken], t0, woken, waker)
            if not part:
                continue
            # The waker's tail: until it switches out.
            for t, p, e2, f2 in evs[i + 1:]:
                if e2 == 'sched_switch' and int(f2.get('prev_pid', -1)) == waker:
                    part['tail'] = t - t0
                    break
            out.append(part)
    return out


def chain(evs, t0, woken, waker):
    """Follow @woken from the wake-up at @t0 to its own wake of @waker."""
    steps = ('in', 'sys_exit', 'sys_enter', 'sched_waking')
    marks = []
    for t, pid, ev, f in evs:
        if t < t0:
            continue
        want = steps[len(marks)]
        if want == 'in':
            if ev != 'sched_switch' or int(f.get('next_pid', -1)) != woken:
                return None		# it was running: no sleep to time
            marks.append(t)
        elif ev == want and pid == woken and (
                want != 'sched_waking' or int(f.get('pid', -1)) == waker):
            marks.append(t)
        elif ev == 'sched_switch' and int(f.get('prev_pid', -1)) == woken:
            return None		# slept again before waking the peer
        if len(marks) == len(steps):
            t1, t2, t3, t4 = marks
            return {'wakeup': t1 - t0, 'return': t2 - t1, 'user': t3 - t2,
                    'kernel': t4 - t3, 'half': t4 - t0}
    return None


def main(argv):
    with open(argv[1], errors='replace') as f:
        runs, mhz = parse(f)
    if not runs:
        print('no W lines: run bench/bench.sh --only waketrace')
        return 1
    scale = 1000.0 / mhz if mhz else 1.0
    unit = 'ns' if mhz else 'cycles'
    merged = defaultdict(list)
    for (impl, mode, _), events in sorted(runs.items()):
        merged[(impl, mode)] += halves(events)
    med = {}
    print(f'median per half round trip that slept ({unit})')
    print(f'{"impl":8} {"mode":8} {"n":>6} ' + ' '.join(f'{p:>8}' for p in PARTS))
    for (impl, mode), hs in sorted(merged.items()):
        row = {}
        for p in PARTS:
            v = [h[p] for h in hs if p in h]
            row[p] = statistics.median(v) * scale if v else float('nan')
        med[(impl, mode)] = row
        print(f'{impl:8} {mode:8} {len(hs):6} ' +
              ' '.join(f'{row[p]:8.0f}' for p in PARTS))
    for mode in ('thread', 'process'):
        a, b = med.get(('asyncrt', mode)), med.get(('futex', mode))
        if a and b:
            print(f'asyncrt - futex, {mode:8}       ' +
                  ' '.join(f'{a[p] - b[p]:8.0f}' for p in PARTS))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
