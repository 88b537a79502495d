"""Batched multi-start: every local minimum of Himmelblau's function from a grid of starts.

Himmelblau's function f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2 has four minima, all
with f = 0: (3, 2) and three irrational ones. A single descent finds the one whose basin
it starts in. Passing a batch of starts x0 of shape (m, 2) to ``fastgrad.minimize`` runs
m independent minimizations in parallel (one compiled call); this script starts from a
30 x 30 grid over [-5, 5]^2, with L-BFGS and with plain gradient descent, groups the end
points into distinct minima, and colours each start by the minimum it reached: the basins
of attraction, which depend on the method.

Run ``python examples/multistart.py [--out DIR | --no-plot]``.
"""

from __future__ import annotations

import numpy as np

import fastgrad

from _common import command_line, pyplot, save

GRID = np.linspace(-5.0, 5.0, 30)
METHODS = {"lbfgs": {}, "gd": {"lr": 0.01}}
SAME_POINT = 1e-3  # end points closer than this are the same minimum


def himmelblau(x):
    a = x[0] * x[0] + x[1] - 11.0
    b = x[0] + x[1] * x[1] - 7.0
    return a * a + b * b


def starts() -> np.ndarray:
    """The grid of starting points, shape (900, 2)."""
    gx, gy = np.meshgrid(GRID, GRID)
    return np.column_stack([gx.ravel(), gy.ravel()])


def group(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct points (within SAME_POINT) and, for each input point, its group's index."""
    centres: list = []
    labels = np.empty(len(points), dtype=int)
    for k, p in enumerate(points):
        for c, centre in enumerate(centres):
            if np.max(np.abs(p - centre)) < SAME_POINT:
                labels[k] = c
                break
        else:
            centres.append(p)
            labels[k] = len(centres) - 1
    return np.array(centres), labels


def main(out: str | None = None) -> dict:
    """Run the batched minimizations, print the minima found; return the numbers."""
    x0 = starts()
    results: dict = {"x0": x0}
    for method, options in METHODS.items():
        res = fastgrad.minimize(himmelblau, x0, method=method, max_iter=2000, **options)
        converged = res.status == 0
        minima, labels = group(res.x[converged])
        order = np.lexsort((minima[:, 1], minima[:, 0]))  # sort the minima by x, then y
        minima = minima[order]
        labels = np.argsort(order)[labels]
        basin = np.full(len(x0), -1)
        basin[converged] = labels
        results[method] = {"res": res, "minima": minima, "basin": basin}
        print(f"{method}: {len(x0)} starts, {converged.sum()} converged "
              f"(max nit {res.nit.max()}), {len(minima)} distinct minima:")
        for c, m in enumerate(minima):
            print(f"  ({m[0]: .6f}, {m[1]: .6f})  f = {himmelblau(m):.1e}  "
                  f"reached from {np.sum(basin == c)} starts")
        best = res.best
        print(f"  best start {x0[best]} -> {res.x[best]}, f = {res.fun[best]:.1e}")
    if out is not None:
        results["figure"] = plot(results, out)
    return results


def plot(results: dict, out: str) -> str | None:
    """Starts coloured by the minimum they reached, one panel per method."""
    plt = pyplot()
    if plt is None:
        return None

    fig, axes = plt.subplots(1, len(METHODS), figsize=(10, 5))
    fine = np.linspace(-5.0, 5.0, 201)
    fx, fy = np.meshgrid(fine, fine)
    levels = np.log10(himmelblau(np.array([fx, fy])) + 1e-3)
    colours = np.array(["tab:blue", "tab:orange", "tab:green", "tab:red", "0.5"])
    x0 = results["x0"]
    for ax, method in zip(axes, METHODS):
        r = results[method]
        ax.contour(fx, fy, levels, levels=12, colors="0.45", linewidths=0.6, zorder=2)
        ax.scatter(x0[:, 0], x0[:, 1], c=colours[r["basin"]], s=10, marker="s", alpha=0.8)
        ax.scatter(r["minima"][:, 0], r["minima"][:, 1], c=colours[:len(r["minima"])],
                   s=260, marker="*", edgecolors="k", zorder=3)
        options = ", ".join(f"{k}={v}" for k, v in METHODS[method].items())
        ax.set_title(f"method='{method}'{', ' + options if options else ''}: "
                     f"{len(r['minima'])} minima", fontsize=10)
        ax.set_aspect("equal")
        ax.set_xlabel("x")
    axes[0].set_ylabel("y")
    fig.suptitle("Himmelblau: 900 starts in one batched fastgrad.minimize call, "
                 "coloured by the minimum (★) reached", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return save(fig, out, "multistart")


if __name__ == "__main__":
    main(command_line(__doc__).parse_args().out)
