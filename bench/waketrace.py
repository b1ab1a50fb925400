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
  run      return + user + kernel (the only split without system call
           events, asyncrt.wtsys=0)

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
PARTS = ('wakeup', 'run', 'return', 'user', 'kernel', 'half', 'tail')


def parse(lines):
    """{(impl, mode, boot.rep): [(ts, pid, event, fields)]} and the TSC MHz."""
    runs = defaultdict(list)
    mhz = None
    boot = '1'
    for line in lines:
        if line.startswith('@@ boot '):
            boot = line.split()[2]
            continue
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
        comm, pid, cpu, ts, event, rest = m.groups()
        fields = dict(kv.split('=', 1) for kv in re.findall(r'(\w+=\S+)', rest))
        fields['cpu'] = int(cpu)
        # Idle's switches to a side are kept under pid 0, never a side.
        pid = int(pid) if comm == 'wake' else 0
        runs[(head[1], head[2], boot + '.' + head[3])].append((int(ts), pid, event, fields))
    return runs, mhz


def halves(events):
    """The parts of each half round trip whose woken side was asleep."""
    pids = {pid for _, pid, _, _ in events if pid}
    syscalls = any(e[2] == 'sys_enter' for e in events)
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
            part = chain(by_pid[woken], t0, f['cpu'], woken, waker, syscalls)
            if not part:
                continue
            # The waker's tail: until it switches out.
            for t, p, e2, f2 in evs[i + 1:]:
                if e2 == 'sched_switch' and int(f2.get('prev_pid', -1)) == waker:
                    part['tail'] = t - t0
                    break
            out.append(part)
    return out


def chain(evs, t0, cpu0, woken, waker, syscalls):
    """Follow @woken from the wake-up at @t0 (on @cpu0) to its own wake
    of @waker."""
    steps = ('in', 'sys_exit', 'sys_enter', 'sched_waking') if syscalls \
        else ('in', 'sched_waking')
    marks = []
    local = None
    for t, pid, ev, f in evs:
        if t < t0:
            continue
        want = steps[len(marks)]
        if want == 'in':
            if ev != 'sched_switch' or int(f.get('next_pid', -1)) != woken:
                return None		# it was running: no sleep to time
            local = f['cpu'] == cpu0
            marks.append(t)
        elif ev == want and pid == woken and (
                want != 'sched_waking' or int(f.get('pid', -1)) == waker):
            marks.append(t)
        elif ev == 'sched_switch' and int(f.get('prev_pid', -1)) == woken:
            return None		# slept again before waking the peer
        if len(marks) < len(steps):
            continue
        part = {'wakeup': marks[0] - t0, 'half': marks[-1] - t0,
                'run': marks[-1] - marks[0], 'local': local}
        if syscalls:
            t1, t2, t3, t4 = marks
            part.update({'return': t2 - t1, 'user': t3 - t2, 'kernel': t4 - t3})
        return part
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
    per_run = {}
    for (impl, mode, run), events in sorted(runs.items()):
        hs = halves(events)
        merged[(impl, mode)] += hs
        per_run[(mode, run, impl)] = hs
    med = {}
    print(f'median per half round trip that slept ({unit})')
    print(f'{"impl":8} {"mode":8} {"n":>6} {"local":>6} ' +
          ' '.join(f'{p:>8}' for p in PARTS))
    for (impl, mode), hs in sorted(merged.items()):
        row = {}
        for p in PARTS:
            v = [h[p] for h in hs if p in h]
            row[p] = statistics.median(v) * scale if v else float('nan')
        med[(impl, mode)] = row
        local = sum(1 for h in hs if h['local']) / max(len(hs), 1)
        print(f'{impl:8} {mode:8} {len(hs):6} {local:6.1%} ' +
              ' '.join(f'{row[p]:8.0f}' for p in PARTS))
    for mode in ('thread', 'process'):
        a, b = med.get(('asyncrt', mode)), med.get(('futex', mode))
        if a and b:
            print(f'asyncrt - futex, {mode:8}              ' +
                  ' '.join(f'{a[p] - b[p]:8.0f}' for p in PARTS))
    print(f'\nper run (boot.repetition), medians ({unit}): wakeup / run / half')
    for (mode, run, impl), hs in sorted(per_run.items()):
        v = [statistics.median([h[p] for h in hs]) * scale if hs else float('nan')
             for p in ('wakeup', 'run', 'half')]
        print(f'{mode:8} {run:6} {impl:8} {len(hs):6} ' +
              ' / '.join(f'{x:.0f}' for x in v))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
