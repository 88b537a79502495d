"""fastgrad.least_squares / curve_fit against SciPy's least_squares(method="lm"), side by side
in one run.

1. The NIST StRD nonlinear regression problems (both of NIST's starts, default tolerances
   1e-8 for both solvers): significant digits of the certified parameters reached, warm time
   per fit (best of 3 timing rounds, after a warm-up call that compiles) and evaluations of
   the model. fastgrad is timed through ``fastgrad.curve_fit(model, x, y, p0)`` (its
   evaluations: ``nfev`` plus the two checking calls at p0); SciPy through
   ``scipy.optimize.least_squares(lambda b: model(x, *b) - y, p0, method="lm")`` with the
   same numpy model, its evaluations counted by a wrapper (SciPy's own ``nfev`` for "lm"
   leaves out those of the finite-difference Jacobian). The medians of the ratios are over
   the runs that both solvers finish with success.
2. 2,000 independent fits of a 3-parameter exponential decay (50 points each, per-fit data):
   one batched call ``least_squares(res, P0, args=(t, per_start(Y)))`` against a Python loop
   of SciPy's least_squares and a loop of fastgrad.least_squares; the batched rows are
   checked equal to the loop's.

Run: ``python bench/bench_least_squares.py [--quick]`` (``--quick``: 200 fits, start 2 only).
Results: bench/results/least_squares.txt.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout this script is in

import fastgrad  # noqa: E402
from fastgrad.problems import nist  # noqa: E402
from scipy import optimize as so  # noqa: E402


def best_time(fn, rounds: int = 3, min_seconds: float = 0.05) -> float:
    """Seconds per call: the best of ``rounds`` rounds of as many calls as fill min_seconds."""
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


def nist_rows(starts) -> list:
    rows = []
    for pr in nist.load_all():
        for s in starts:
            p0 = pr.starts[s]
            calls = [0]

            def residuals(b, pr=pr):
                calls[0] += 1
                return pr.model(pr.x, *b) - pr.y

            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    popt, _, res = fastgrad.curve_fit(pr.model, pr.x, pr.y, p0, full_output=True)
                    ok = res.success
                except RuntimeError:  # did not converge (curve_fit raises, as SciPy's)
                    res, popt, ok = None, np.full(pr.n, np.nan), False
                fg_eval = (res.nfev + 1) if ok else np.nan
                fg_t = best_time(lambda: fastgrad.curve_fit(pr.model, pr.x, pr.y, p0)) if ok \
                    else np.nan
                calls[0] = 0
                ref = so.least_squares(residuals, p0, method="lm")
                sp_eval = calls[0]
                sp_t = best_time(lambda: so.least_squares(residuals, p0, method="lm"))
            rows.append(dict(
                name=f"{pr.name}/{s + 1}", n=pr.n, k=pr.y.size,
                fg_digits=nist.significant_digits(popt, pr.certified), fg_ok=bool(ok),
                fg_eval=fg_eval, fg_t=fg_t,
                sp_digits=nist.significant_digits(ref.x, pr.certified), sp_ok=bool(ref.success),
                sp_eval=sp_eval, sp_t=sp_t))
            print(_row(rows[-1]), flush=True)
    return rows


def _row(r) -> str:
    return (f"{r['name']:12s} {r['n']:2d} {r['k']:4d} | {r['fg_digits']:5.1f} "
            f"{'T' if r['fg_ok'] else 'F'} {r['fg_eval']:6.0f} {r['fg_t'] * 1e6:9.1f} us | "
            f"{r['sp_digits']:5.1f} {'T' if r['sp_ok'] else 'F'} {r['sp_eval']:6d} "
            f"{r['sp_t'] * 1e6:9.1f} us | {r['sp_t'] / r['fg_t']:6.1f}x "
            f"{r['fg_eval'] / r['sp_eval']:5.2f}")


def nist_summary(rows) -> list:
    both = [r for r in rows if r["fg_ok"] and r["sp_ok"]]
    speed = np.median([r["sp_t"] / r["fg_t"] for r in both])
    evals = np.median([r["fg_eval"] / r["sp_eval"] for r in both])
    lines = []
    for label, s in (("first", "/1"), ("second", "/2")):
        sel = [r for r in rows if r["name"].endswith(s)]
        if not sel:
            continue
        fg = [r["name"].split("/")[0] for r in sel if r["fg_digits"] >= 6]
        sp = [r["name"].split("/")[0] for r in sel if r["sp_digits"] >= 6]
        lines.append(f"NIST {label} start, >= 6 certified digits (default tolerances): fastgrad "
                     f"{len(fg)}/{len(sel)}, SciPy lm {len(sp)}/{len(sel)}; SciPy only: "
                     f"{sorted(set(sp) - set(fg)) or 'none'}; fastgrad only: "
                     f"{sorted(set(fg) - set(sp)) or 'none'}")
    lines.append(f"median over the {len(both)} runs both finish with success: t(SciPy lm) / "
                 f"t(fastgrad curve_fit) = {speed:.1f}x (goal >= 10x); evaluations "
                 f"fastgrad / SciPy = {evals:.2f} (goal <= 1.2)")
    return lines


def decay(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def batch_lines(m: int) -> list:
    rng = np.random.default_rng(0)
    t = np.linspace(0.0, 4.0, 50)
    P = np.column_stack([rng.uniform(1, 3, m), rng.uniform(0.5, 2, m), rng.uniform(-.5, .5, m)])
    Y = P[:, :1] * np.exp(-P[:, 1:2] * t) + P[:, 2:] + 0.01 * rng.standard_normal((m, 50))
    P0 = np.tile([1.0, 1.0, 0.0], (m, 1))
    marked = fastgrad.per_start(Y)

    def batched():
        return fastgrad.least_squares(decay, P0, args=(t, marked))

    def fg_loop():
        return np.array([fastgrad.least_squares(decay, P0[i], args=(t, Y[i])).x
                         for i in range(m)])

    def sp_loop():
        return np.array([so.least_squares(decay, P0[i], args=(t, Y[i]), method="lm").x
                         for i in range(m)])

    t_batch = best_time(batched, rounds=3, min_seconds=0.0)
    t_fg = best_time(fg_loop, rounds=3, min_seconds=0.0)
    t_sp = best_time(sp_loop, rounds=1, min_seconds=0.0)
    res, loop_x, sp_x = batched(), fg_loop(), sp_loop()
    equal = np.array_equal(res.x, loop_x)
    return [
        f"{m} fits of a 3-parameter exponential decay, 50 points each, per-fit data "
        f"({os.cpu_count()} cores, numba threads {fastgrad_threads()}):",
        f"  batched least_squares(per_start(Y)) : {t_batch * 1e3:8.1f} ms "
        f"({t_batch / m * 1e6:.1f} us per fit), all success: {bool(res.success.all())}",
        f"  loop of fastgrad.least_squares      : {t_fg * 1e3:8.1f} ms "
        f"({t_fg / m * 1e6:.1f} us per fit)",
        f"  loop of scipy least_squares(lm)     : {t_sp * 1e3:8.1f} ms "
        f"({t_sp / m * 1e6:.1f} us per fit)",
        f"  speed-up of the batched call: {t_sp / t_batch:.1f}x over the SciPy loop (goal >= 20x),"
        f" {t_fg / t_batch:.1f}x over the fastgrad loop (goal >= 3x)",
        f"  batched rows == the fastgrad loop's (bit for bit): {equal}; max |x - x_scipy| = "
        f"{np.max(np.abs(res.x - sp_x)):.2e}",
    ]


def fastgrad_threads() -> int:
    import numba
    return numba.get_num_threads()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 fits, NIST start 2 only")
    args = ap.parse_args(argv)
    print(f"fastgrad {fastgrad.__version__}, numpy {np.__version__}, scipy "
          f"{__import__('scipy').__version__}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("problem       n    k | fastgrad: digits ok evals  time       | SciPy lm: digits ok "
          "evals  time       | t ratio evals ratio")
    rows = nist_rows((1,) if args.quick else (0, 1))
    for line in nist_summary(rows) + [""] + batch_lines(200 if args.quick else 2000):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
