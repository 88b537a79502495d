"""The speedup chart of a report (matplotlib, log scales)."""

from __future__ import annotations

import os

from .goals import _t, crossover
from .gradient_workloads import COMPILED_CONTENDERS, GRADIENT_CONTENDERS
from .sizes import DIMS

PEER_COLOURS = {"reference": "tab:gray", "scipy": "tab:blue", "numdifftools": "tab:purple",
                "jax": "tab:red", "numba": "tab:green", "numpy": "tab:orange",
                "fastgrad": "tab:cyan"}


def plot(report: dict, path: str) -> str | None:
    """Speedup chart (log scale): fastgrad over every peer, workload by workload, and the
    gradient time against n (the crossover with JAX). None if matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = {r["id"]: r for r in report["workloads"]}
    fig = plt.figure(figsize=(13, 8.5))
    grid = fig.add_gridspec(2, 2, height_ratios=(1.15, 1.0))
    _speedup_bars(fig.add_subplot(grid[0, :]), results)
    cross = crossover(results)  # from the results (a report read back from JSON works too)
    for col, (prefix, names, title, context) in enumerate((
        ("gradient-rosen-n", GRADIENT_CONTENDERS, "gradient from Python (numpy Rosenbrock)",
         "python"),
        ("compiled-rosen-n", COMPILED_CONTENDERS, "gradient inside a compiled loop",
         "compiled"),
    )):
        _time_against_n(fig.add_subplot(grid[1, col]), results, prefix, names, title,
                        cross.get(context, {}))
    m = report["machine"]
    fig.suptitle(f"fastgrad bench ({report['size']}): {m['cpu']}, {m['cores']} cores, "
                 f"Python {m['python']}, numba {m['numba']}", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=72)
    plt.close(fig)
    return path


def _speedup_bars(ax, results: dict) -> None:
    """The top panel: one group of bars per workload, t(peer) / t(fastgrad) for each peer."""
    labels, x = [], 0
    seen = set()
    for wid, r in results.items():
        if r.get("failed") or r.get("kind") in ("cold", "overhead", "mgh"):  # mgh: 20 bars
            continue
        t_fg = r["contenders"].get(r["fastgrad"], {}).get("median_s")
        bars = [(name, row) for name, row in r["contenders"].items()
                if name != r["fastgrad"] and row.get("median_s") and t_fg]
        if not bars:
            continue
        width = 0.8 / len(bars)
        for k, (name, row) in enumerate(bars):
            colour = PEER_COLOURS.get(row["peer"], "k")
            label = None
            if row["peer"] not in seen:
                label = "fastgrad, other use" if row["peer"] == "fastgrad" else row["peer"]
            seen.add(row["peer"])
            ax.bar(x - 0.4 + width * (k + 0.5), row["median_s"] / t_fg, width, color=colour,
                   label=label, edgecolor="white", linewidth=0.3)
        labels.append(wid.replace("gradient-", "grad-").replace("compiled-", "loop-"))
        x += 1
    heights = [p.get_height() for p in ax.patches] + [1.0]
    ax.set_ylim(min(heights) / 3.0, max(heights) * 3.0)
    ax.set_yscale("log")
    ax.axhline(1.0, color="k", linewidth=0.8)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=35, ha="right", fontsize=8)
    ax.set_ylabel("t(peer) / t(fastgrad)\n(> 1: fastgrad is faster)")
    if seen:
        ax.legend(fontsize=8, ncol=4, loc="upper right")
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.set_title("fastgrad's speedup over each peer, per workload (same run)", fontsize=10)


def _time_against_n(ax, results: dict, prefix: str, names, title: str, cross: dict) -> None:
    """A bottom panel: seconds per gradient against n for the contenders ``names`` of the
    workloads ``{prefix}{n}``, with the JAX crossover of ``cross`` marked."""
    for name in names:
        ns = [n for n in DIMS if _t(results, f"{prefix}{n}", name)]
        if not ns:
            continue
        peer_name = results[f"{prefix}{ns[0]}"]["contenders"][name]["peer"]
        style = "-" if peer_name in ("fastgrad", "jax") else "--"
        ax.plot(ns, [_t(results, f"{prefix}{n}", name) for n in ns], style, marker="o",
                markersize=3, color=PEER_COLOURS.get(peer_name, "k"), label=name,
                linewidth=2.2 if name.startswith("fastgrad") else 1.2)
    ax.set_title(title, fontsize=10)
    if not ax.get_legend_handles_labels()[0]:
        ax.text(0.5, 0.5, "not measured", ha="center", transform=ax.transAxes)
        return
    start = cross.get("jax_faster_from")
    if start:
        start = cross.get("crossover_n") or start
        ax.axvline(start, color="tab:red", linestyle=":", linewidth=1)
        ax.annotate(f"JAX autodiff faster\nfrom n ~ {start:g}", (start, 0.04),
                    xycoords=("data", "axes fraction"), xytext=(4, 0),
                    textcoords="offset points", fontsize=8, color="tab:red",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n")
    ax.set_ylabel("seconds per gradient")
    ax.legend(fontsize=7)
    ax.grid(which="major", alpha=0.3)
