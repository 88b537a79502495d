"""Warm per-call times of a few everyday calls, for A/B comparisons of two checkouts.

Run it alternately from the root of each checkout (the working directory's ``fastgrad`` is
imported), several times, and compare the minima side by side:

    (cd /path/to/old && python bench/warm_ab.py old); (cd /path/to/new && python bench/warm_ab.py new)

Each figure is the minimum over repeats of the mean time per call (the machine is shared: the
minimum is the least disturbed measurement; never quote one alone, only the ratio to the other
checkout measured in the same session).
"""

from __future__ import annotations

import sys
import timeit

import numpy as np

import fastgrad


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosen_loop(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def seed(x):
    return 2 * (x[0] - 1) ** 2 + (x[1] - 0.5) ** 2 + (x[2] + 4) ** 2


def best(call, number: int, repeat: int = 9) -> float:
    call()  # compile and warm
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number


def main(label: str) -> None:
    x2, x100 = np.linspace(-1, 1, 2), np.linspace(-1, 1, 100)
    x0, xr = np.array([10.0, 10.0, 10.0]), np.linspace(-1, 1, 10)
    batch = np.random.default_rng(0).uniform(-5.0, 5.0, (64, 3))
    rows = {
        "gradient numpy rosen n=2": best(lambda: fastgrad.gradient(rosen, x2), 20000),
        "gradient numpy rosen n=100": best(lambda: fastgrad.gradient(rosen, x100), 2000),
        "gradient loop rosen n=100": best(lambda: fastgrad.gradient(rosen_loop, x100), 2000),
        "minimize gd 1 iteration": best(
            lambda: fastgrad.minimize(seed, x0, method="gd", max_iter=1), 2000),
        "minimize seeds' gd 500": best(
            lambda: fastgrad.minimize(seed, x0, method="gd", lr=0.01, max_iter=500, gtol=0.0),
            300),
        "minimize lbfgs rosen n=10": best(
            lambda: fastgrad.minimize(rosen_loop, xr, method="lbfgs"), 100),
        "minimize gd batch 64x3, 200 steps": best(
            lambda: fastgrad.minimize(seed, batch, method="gd", lr=0.01, max_iter=200,
                                      gtol=0.0), 20),
    }
    print(label, " | ".join(f"{k}: {v * 1e6:.2f} us" for k, v in rows.items()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
