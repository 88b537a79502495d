"""Text of the results: times and ratios, the table of a workload, the goals, the memory,
and one Markdown table of the whole run."""

from __future__ import annotations

import numpy as np


def fmt_ratio(value) -> str:
    """``12.3x``, ``1,170x``, ``0.00521x``."""
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:,.0f}x" if value >= 1000 else f"{value:.3g}x"


def fmt_time(seconds) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "-"
    if seconds >= 100.0:
        return f"{seconds:,.0f} s"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_workload(result: dict) -> str:
    """The table of one workload: median, nfev, error, and the two ratios."""
    took = f", {result['seconds']:.1f} s" if result.get("seconds") else ""
    lines = [f"\n{result['title']}  [{result['id']}{took}]"]
    if result.get("failed"):
        lines.append(f"  FAILED: {result['failed']}")
        return "\n".join(lines)
    rows = result["contenders"]
    t_fg = rows.get(result["fastgrad"], {}).get("median_s")
    t_ref = rows.get(result.get("reference") or "", {}).get("median_s")
    lines.append(f"  {'contender':36s} {'median':>10s} {'nfev':>9s} {'error':>8s} "
                 f"{'vs ref.':>9s} {'fastgrad':>9s}")
    for name, row in rows.items():
        if row.get("skipped") or row.get("failed"):
            state = f"skipped: {row['skipped']}" if row.get("skipped") else \
                f"FAILED: {row['failed']}"
            lines.append(f"  {name:36s} {state}")
            continue
        t = row["median_s"]
        nfev = row.get("nfev")
        error = row.get("error")
        vs_ref = fmt_ratio(t_ref / t) if t_ref else "-"
        if name == result["fastgrad"]:
            vs_fg = "itself"
        else:
            vs_fg = fmt_ratio(t / t_fg) if t_fg else "-"
        lines.append(
            f"  {name:36s} {fmt_time(t):>10s} {'-' if nfev is None else nfev:>9} "
            f"{'-' if error is None else format(error, '.1e'):>8s} {vs_ref:>9s} {vs_fg:>9s}"
            + (f"  {row['message'][:60]}" if row.get("message") and not row.get("success")
               else ""))
    return "\n".join(lines)


def format_goals(rows: list, size: str = "full") -> str:
    note = {"smoke": ": smoke run, single calls at toy sizes, the verdicts mean nothing",
            "quick": ": --quick, smaller workloads and fewer rounds"}.get(size, "")
    lines = [f"\nGOALS (ratios from this run{note})",
             f"  {'goal':58s} {'target':>22s} {'measured':>10s}  GOAL"]
    for r in rows:
        lines.append(f"  {r['goal']:58s} {r['target']:>22s} {r['measured']:>10s}  "
                     f"{r['status']}")
    return "\n".join(lines)


MARKDOWN_COLUMNS = (("fastgrad.reference", ("reference",)), ("SciPy", ("scipy",)),
                    ("numdifftools", ("numdifftools",)), ("JAX", ("jax",)),
                    ("hand-written Numba / numpy", ("numba", "numpy")))
_SHORT = {"scipy approx_fprime": "approx_fprime", "scipy approx_derivative": "approx_derivative",
          "numdifftools Gradient": "", "jax.jit(jax.grad)": "jit(grad)", "numba floor": "",
          "fastgrad.reference": "", "jax jitted loop": "jitted loop",
          "jax jitted vmap loop": "jitted vmap loop", "compiled 2n evaluations": "2n evaluations",
          "scipy L-BFGS-B 2-point": "L-BFGS-B 2-point", "scipy L-BFGS-B 3-point":
          "L-BFGS-B 3-point", "scipy L-BFGS-B jac=jax": "L-BFGS-B + jax grad",
          "numpy vectorized": "numpy", "scipy: import + first approx_fprime":
          "import + approx_fprime", "jax: import + first jit(grad) call": "import + jit(grad)",
          "numba floor: import + compile + call": "import + compile"}


def markdown(report: dict) -> str:
    """The results as one Markdown table: fastgrad's median per workload, and each peer's
    median with ``t(peer) / t(fastgrad)`` in parentheses (above 1: fastgrad is faster)."""
    head = ["workload", "fastgrad"] + [c for c, _ in MARKDOWN_COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in report["workloads"]:
        if r.get("failed"):
            lines.append(f"| {r['id']} | FAILED | " + " | " * (len(head) - 3) + " |")
            continue
        rows = r["contenders"]
        t_fg = rows.get(r["fastgrad"], {}).get("median_s")
        cells = [_label(r), fmt_time(t_fg)]
        extra = [f"{name}: {fmt_time(row['median_s'])}" for name, row in rows.items()
                 if row.get("peer") == "fastgrad" and name != r["fastgrad"]
                 and row.get("median_s")]
        if extra:
            cells[1] += " (" + "; ".join(extra) + ")"
        for _, peers in MARKDOWN_COLUMNS:
            parts = []
            for name, row in rows.items():
                if row.get("peer") not in peers or name == r["fastgrad"]:
                    continue
                label = _SHORT.get(name, name)
                label = f"{label} " if label else ""
                if row.get("median_s") and t_fg:
                    parts.append(f"{label}{fmt_time(row['median_s'])} "
                                 f"({fmt_ratio(row['median_s'] / t_fg)})")
                elif row.get("skipped"):
                    parts.append(f"{label}skipped".strip())
            cells.append("; ".join(parts) or "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines).replace(" us", " µs").replace("x)", "×)")


def _label(r: dict) -> str:
    """A short name of a workload result, for the Markdown table."""
    p, kind = r.get("params", {}), r.get("kind")
    n = p.get("n")
    if kind == "gradient":
        return f"gradient from Python, numpy Rosenbrock, n = {n}"
    if kind == "slow":
        return f"gradient from Python, {p.get('f_call_us', 0):.0f} µs objective, n = {n}"
    if kind == "compiled":
        return f"gradient in a compiled loop, Rosenbrock, n = {n}"
    if kind == "overhead":
        return "per-call overhead, n = 3"
    if kind == "gd":
        return f"seeds' example: gd, {p.get('steps')} steps"
    if kind == "lbfgs":
        return f"L-BFGS to ‖g‖∞ ≤ {p.get('gtol'):g}, Rosenbrock n = {n}"
    if kind == "batched":
        return (f"batched gd: {p.get('starts'):,} starts × {p.get('steps'):,} steps, "
                f"Rastrigin n = {n}")
    if kind == "cold":
        return "cold start: import + first gradient"
    if kind == "mgh":
        return f"MGH {p.get('number')} {p.get('problem')}: minimize vs SciPy, defaults"
    if kind == "box":
        return f"{p.get('problem')} within bounds: minimize vs L-BFGS-B"
    if kind == "multistart":
        return f"{p.get('problem')}: multistart, {p.get('starts')} starts, vs L-BFGS-B loop"
    if kind == "simulation":
        how = f"{p['processes']} processes" if p.get("processes") else "serial"
        return f"simulation fit (Lotka-Volterra, n = 6, Python), {how}"
    return r.get("title", r["id"])


def fmt_bytes(n: float) -> str:
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def format_memory(rows: list) -> str:
    lines = ["\nPEAK MEMORY (one warm call, above what the process held before it)"]
    current = None
    for r in rows:
        if r["workload"] != current:
            current = r["workload"]
            lines.append(f"  {r['title']}")
        lines.append(f"    {r['contender']:36s} {fmt_bytes(r['peak_bytes']):>9s}  ({r['method']})")
    return "\n".join(lines)
