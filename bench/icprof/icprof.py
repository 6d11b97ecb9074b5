#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-function instruction counts from icprof snapshots.

  icprof.py SNAPSHOTS SYSTEM.MAP [--module NAME=KO@TEXTADDR] \
            --segment LABEL=A:B[/OPS] ... [--top N] [--against LABEL]

Each segment is the difference between snapshots A and B (numbered from 1,
as icprof wrote them), divided by OPS (the operations the workload ran in
between) if given.  The table lists, per function, the instructions of each
segment and, with --against, the difference of every other segment to that
one, largest differences first.  Kernel addresses are named from
System.map, a module's from its .ko (nm) and the address of its .text in
the guest (/sys/module/NAME/sections/.text); user-space addresses count
as "[user]".
"""
import argparse
import bisect
import subprocess
import sys


def load_symbols(system_map, modules):
    syms = []
    with open(system_map) as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if kind in "tTwW":
                syms.append((int(addr, 16), name))
    for spec in modules:
        name, rest = spec.split("=", 1)
        ko, text = rest.split("@", 1)
        base = int(text, 16)
        out = subprocess.run(["nm", "--defined-only", ko], check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tT":
                syms.append((base + int(parts[0], 16),
                             "%s [%s]" % (parts[2], name)))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def read_snapshots(path, wanted):
    snaps = {}
    current = None
    with open(path) as f:
        for line in f:
            if line.startswith("snapshot"):
                n = int(line.split()[1])
                current = {} if n in wanted else None
                if current is not None:
                    snaps[n] = current
                continue
            if current is None:
                continue
            vaddr, insns, execs = line.split()
            current[(int(vaddr, 16), int(insns))] = int(execs)
    return snaps


def name_of(addrs, names, vaddr):
    if vaddr < 0xffff800000000000:
        return "[user]"
    i = bisect.bisect_right(addrs, vaddr) - 1
    return names[i] if i >= 0 else "[unknown]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("snapshots")
    ap.add_argument("system_map")
    ap.add_argument("--module", action="append", default=[])
    ap.add_argument("--segment", action="append", required=True)
    ap.add_argument("--against")
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()

    segments = []
    for spec in args.segment:
        label, rng = spec.split("=", 1)
        ops = 1.0
        if "/" in rng:
            rng, o = rng.split("/", 1)
            ops = float(o)
        a, b = (int(x) for x in rng.split(":"))
        segments.append((label, a, b, ops))
    wanted = {s[1] for s in segments} | {s[2] for s in segments}
    snaps = read_snapshots(args.snapshots, wanted)
    addrs, names = load_symbols(args.system_map, args.module)

    per_fn = {}
    totals = {}
    for label, a, b, ops in segments:
        before, after = snaps[a], snaps[b]
        fn = {}
        for key, execs in after.items():
            d = execs - before.get(key, 0)
            if d:
                n = name_of(addrs, names, key[0])
                fn[n] = fn.get(n, 0) + d * key[1]
        for n, v in fn.items():
            per_fn.setdefault(n, {})[label] = v / ops
        totals[label] = sum(fn.values()) / ops

    labels = [s[0] for s in segments]
    base = args.against
    def key(n):
        row = per_fn[n]
        if base:
            return -max(abs(row.get(l, 0) - row.get(base, 0)) for l in labels)
        return -max(row.values())
    w = max(12, max(len(l) for l in labels) + len(base or "") + 3)
    head = "%-44s" % "function" + "".join("%*s" % (w, l) for l in labels)
    if base:
        head += "".join("%*s" % (w, l + "-" + base) for l in labels if l != base)
    print(head)
    for n in sorted(per_fn, key=key)[:args.top]:
        row = per_fn[n]
        line = "%-44s" % n[:44] + "".join("%*.1f" % (w, row.get(l, 0)) for l in labels)
        if base:
            line += "".join("%*.1f" % (w, row.get(l, 0) - row.get(base, 0))
                            for l in labels if l != base)
        print(line)
    line = "%-44s" % "total" + "".join("%*.1f" % (w, totals[l]) for l in labels)
    if base:
        line += "".join("%*.1f" % (w, totals[l] - totals[base])
                        for l in labels if l != base)
    print(line)


if __name__ == "__main__":
    sys.exit(main())
