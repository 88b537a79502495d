"""fastgrad.least_squares / curve_fit with bounds (method "trf") against SciPy's
least_squares(method="trf"), side by side in one run.

1. The NIST StRD problems from both of NIST's starts, each with two boxes: "loose" (every
   parameter bounded on both sides, around its start and certified value, not binding at
   the solution: certified digits are reached as without bounds) and "capped" (the first
   parameter bounded half way between its start and its certified value, so the bound is
   active at the solution; the other parameters free). fastgrad is timed through
   ``fastgrad.curve_fit(model, x, y, p0, bounds=...)`` (its evaluations: ``nfev`` plus the
   checking calls at p0), SciPy through ``least_squares(lambda b: model(x, *b) - y, p0,
   bounds=..., method="trf")`` with its evaluations counted by a wrapper (SciPy's own
   ``nfev`` for "trf" leaves out those of its finite-difference Jacobian). Default
   tolerances (1e-8) for both. Warm time per fit: best of 3 rounds after a warm-up call.
   "cost" compares the final costs: ``(cost_fastgrad - cost_scipy) / cost_scipy`` (negative:
   fastgrad found the lower one).
2. 2,000 bounded fits (3-parameter exponential decay, per-fit data, the rate capped at 1.2:
   active for about half of them) in one batched call against a loop of SciPy's trf.

Run: ``python bench/bench_lsq_bounds.py [--quick]`` (``--quick``: start 2 only, 200 fits).
Results: bench/results/lsq_bounds.txt.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout this script is in
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fastgrad  # noqa: E402
from fastgrad.problems import nist  # noqa: E402
from scipy import optimize as so  # noqa: E402



def best_time(fn, rounds: int = 3, min_seconds: float = 0.05) -> float:
    """Seconds per call: the best of ``rounds`` rounds of as many calls as fill
    ``min_seconds``, after a warm-up call."""
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(min_seconds / once))
    best = np.inf
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best

def boxes(p0: np.ndarray, cert: np.ndarray) -> dict:
    """The "loose" and "capped" bounds of one problem and start (see the module docstring)."""
    gap = np.abs(p0 - cert) + 0.1 * np.abs(cert)
    loose = (np.minimum(p0, cert) - gap, np.maximum(p0, cert) + gap)
    lb = np.full(p0.size, -np.inf)
    ub = np.full(p0.size, np.inf)
    middle = 0.5 * (p0[0] + cert[0])
    if p0[0] < cert[0]:
        ub[0] = middle
    else:
        lb[0] = middle
    return {"loose": loose, "capped": (lb, ub)}


def run_one(pr, p0, bounds) -> dict:
    calls = [0]

    def residuals(b, pr=pr):
        calls[0] += 1
        return pr.model(pr.x, *b) - pr.y

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            popt, _, res = fastgrad.curve_fit(pr.model, pr.x, pr.y, p0, bounds=bounds,
                                              full_output=True)
            ok = bool(res.success)
        except RuntimeError:
            res, popt, ok = None, np.full(pr.n, np.nan), False
        fg_eval = res.nfev + 1 if ok else np.nan
        fg_cost = 0.5 * np.sum((pr.model(pr.x, *popt) - pr.y) ** 2)
        fg_t = best_time(lambda: fastgrad.curve_fit(pr.model, pr.x, pr.y, p0, bounds=bounds)) \
            if ok else np.nan
        calls[0] = 0
        ref = so.least_squares(residuals, p0, bounds=bounds, method="trf")
        sp_eval = calls[0]
        sp_t = best_time(lambda: so.least_squares(residuals, p0, bounds=bounds, method="trf"))
    return dict(fg_ok=ok, fg_eval=fg_eval, fg_t=fg_t, fg_digits=nist.significant_digits(
        popt, pr.certified), fg_cost=fg_cost, sp_ok=bool(ref.success), sp_eval=sp_eval,
        sp_t=sp_t, sp_digits=nist.significant_digits(ref.x, pr.certified), sp_cost=ref.cost)


def nist_rows(starts) -> list:
    rows = []
    for pr in nist.load_all():
        for s in starts:
            p0 = np.asarray(pr.starts[s], dtype=float)
            for kind, bounds in boxes(p0, np.asarray(pr.certified)).items():
                row = run_one(pr, p0, bounds)
                row.update(name=f"{pr.name}/{s + 1}", kind=kind, n=pr.n)
                rows.append(row)
                print(_row(row), flush=True)
    return rows


def _row(r) -> str:
    rel = (r["fg_cost"] - r["sp_cost"]) / r["sp_cost"] if r["sp_cost"] > 0 else np.nan
    return (f"{r['name']:12s} {r['kind']:6s} {r['n']:2d} | {r['fg_digits']:5.1f} "
            f"{'T' if r['fg_ok'] else 'F'} {r['fg_eval']:6.0f} {r['fg_t'] * 1e6:9.1f} us | "
            f"{r['sp_digits']:5.1f} {'T' if r['sp_ok'] else 'F'} {r['sp_eval']:6d} "
            f"{r['sp_t'] * 1e6:9.1f} us | {r['sp_t'] / r['fg_t']:6.1f}x "
            f"{r['fg_eval'] / r['sp_eval']:5.2f} | {rel:9.1e}")


def summary(rows) -> list:
    lines = []
    for kind in ("loose", "capped"):
        sel = [r for r in rows if r["kind"] == kind]
        both = [r for r in sel if r["fg_ok"] and r["sp_ok"]]
        speed = np.median([r["sp_t"] / r["fg_t"] for r in both])
        evals = np.median([r["fg_eval"] / r["sp_eval"] for r in both])
        rel = np.array([(r["fg_cost"] - r["sp_cost"]) / max(r["sp_cost"], 1e-300)
                        for r in both])
        lines.append(
            f"{kind}: success fastgrad {sum(r['fg_ok'] for r in sel)}/{len(sel)}, SciPy trf "
            f"{sum(r['sp_ok'] for r in sel)}/{len(sel)}; median over the {len(both)} both "
            f"finish: t(SciPy trf) / t(fastgrad) = {speed:.1f}x, evaluations fastgrad / SciPy "
            f"= {evals:.2f}; final cost: fastgrad lower by > 1e-6 relative on "
            f"{int(np.sum(rel < -1e-6))}, higher on {int(np.sum(rel > 1e-6))}")
        if kind == "loose":
            fg = sum(r["fg_digits"] >= 6 for r in sel)
            sp = sum(r["sp_digits"] >= 6 for r in sel)
            lines.append(f"loose: >= 6 certified digits: fastgrad {fg}/{len(sel)}, SciPy trf "
                         f"{sp}/{len(sel)}")
    return lines


def decay(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def batch_lines(m: int) -> list:
    rng = np.random.default_rng(0)
    t = np.linspace(0.0, 4.0, 50)
    P = np.column_stack([rng.uniform(1, 3, m), rng.uniform(0.5, 2, m), rng.uniform(-.5, .5, m)])
    Y = P[:, :1] * np.exp(-P[:, 1:2] * t) + P[:, 2:] + 0.01 * rng.standard_normal((m, 50))
    P0 = np.tile([1.0, 1.0, 0.0], (m, 1))
    bounds = ([0.0, 0.0, -5.0], [10.0, 1.2, 5.0])
    marked = fastgrad.per_start(Y)

    def batched():
        return fastgrad.least_squares(decay, P0, args=(t, marked), bounds=bounds)

    def sp_loop():
        return [so.least_squares(decay, P0[i], args=(t, Y[i]), bounds=bounds, method="trf")
                for i in range(m)]

    t_batch = best_time(batched, rounds=3, min_seconds=0.0)
    t_sp = best_time(sp_loop, rounds=1, min_seconds=0.0)
    res, sp = batched(), sp_loop()
    sp_x = np.array([r.x for r in sp])
    sp_cost = np.array([r.cost for r in sp])
    active = int(np.sum(res.active_mask[:, 1] == 1))
    return [
        f"{m} bounded fits of a 3-parameter exponential decay (rate <= 1.2, active in "
        f"{active}), 50 points each, per-fit data:",
        f"  batched least_squares(per_start(Y), bounds) : {t_batch * 1e3:8.1f} ms "
        f"({t_batch / m * 1e6:.1f} us per fit), all success: {bool(res.success.all())}",
        f"  loop of scipy least_squares(trf)            : {t_sp * 1e3:8.1f} ms "
        f"({t_sp / m * 1e6:.1f} us per fit)",
        f"  speed-up: {t_sp / t_batch:.1f}x; max |x - x_scipy| = "
        f"{np.max(np.abs(res.x - sp_x)):.2e}; max relative cost difference "
        f"{np.max(np.abs(res.cost - sp_cost) / sp_cost):.2e}",
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="NIST start 2 only, 200 fits")
    args = ap.parse_args(argv)
    now = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    print(f"fastgrad {fastgrad.__version__}, numpy {np.__version__}, scipy "
          f"{__import__('scipy').__version__}, {now}")
    print("problem      box     n | fastgrad: digits ok evals  time       | SciPy trf: digits "
          "ok evals  time       | t ratio evals ratio | cost rel. diff")
    rows = nist_rows((1,) if args.quick else (0, 1))
    for line in summary(rows) + [""] + batch_lines(200 if args.quick else 2000):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
