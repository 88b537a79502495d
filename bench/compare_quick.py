"""Compare the fastgrad rows of two or more ``fastgrad bench --quick --json`` runs.

Usage: ``python bench/compare_quick.py BEFORE.json [BEFORE2.json ...] -- AFTER.json [...]``.
For every workload and every fastgrad contender (those whose peer is "fastgrad"), prints the
best median of the runs on each side and the ratio after / before (above 1: slower now), and
the nfev of each side. Taking the best of interleaved runs on each side is what makes a
comparison on a shared, noisy machine meaningful; no single time is quoted alone.
"""

from __future__ import annotations

import json
import sys


def _rows(paths):
    rows = {}
    for path in paths:
        with open(path) as fh:
            report = json.load(fh)
        for workload in report["workloads"]:
            for name, c in workload["contenders"].items():
                if c.get("peer") != "fastgrad" or "median_s" not in c:
                    continue
                key = (workload["id"], name)
                best = rows.get(key)
                if best is None or c["median_s"] < best[0]:
                    rows[key] = (c["median_s"], c.get("nfev"))
    return rows


def main(argv):
    split = argv.index("--")
    before, after = _rows(argv[:split]), _rows(argv[split + 1:])
    print(f"{'workload':28s} {'contender':34s} {'before':>10s} {'after':>10s} {'ratio':>6s}"
          f" {'nfev before':>11s} {'nfev after':>10s}")
    worst = 0.0
    for key in sorted(set(before) & set(after)):
        (tb, nb), (ta, na) = before[key], after[key]
        ratio = ta / tb
        worst = max(worst, ratio)
        print(f"{key[0]:28s} {key[1][:34]:34s} {tb * 1e6:9.2f}u {ta * 1e6:9.2f}u {ratio:6.3f}"
              f" {str(nb):>11s} {str(na):>10s}")
    print(f"largest ratio after / before: {worst:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
