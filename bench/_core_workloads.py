"""Workloads of the differentiation-core benchmarks, shared by the pytest-benchmark suite
(``test_bench_core.py``) and the report script (``bench_core.py``).

Each workload is a group of contenders computing the same thing; every contender is a
zero-argument callable, already warmed (the JIT compiled) when the workload is built.
"""

from __future__ import annotations

import numpy as np
from numba import njit

import fastgrad
from fastgrad import problems, reference
from fastgrad._objective import get as _get_objective
from fastgrad.steps import CENTRAL, REL_STEPS

REPS_INSIDE = 200
"""Gradients per call in the compiled-loop comparisons (so Python call overhead vanishes)."""

_rosen = njit(problems.rosenbrock)


@njit
def _floor_central(x, out):
    # The floor: a hand-written central-difference loop, 2n evaluations of f, nothing else.
    rel = REL_STEPS[CENTRAL]
    for i in range(x.shape[0]):
        xi = x[i]
        h = rel * max(1.0, abs(xi))
        h = (xi + h) - xi
        x[i] = xi + h
        fp = _rosen(x)
        x[i] = xi - h
        fm = _rosen(x)
        x[i] = xi
        out[i] = (fp - fm) / (2.0 * h)


@njit
def _floor_repeat(x, out, reps):
    for _ in range(reps):
        _floor_central(x, out)
    return out[0]


def _kernel_repeat(kernel):
    steps = np.empty(0)

    @njit
    def repeat(x, out, reps):
        for _ in range(reps):
            kernel(x, CENTRAL, steps, out, ())
        return out[0]

    return repeat


def _grad_repeat(g):
    @njit
    def repeat(x, out, reps):
        s = 0.0
        for _ in range(reps):
            s = g(x)[0]
        return s

    return repeat


def floor_workload(n: int) -> dict:
    """Compiled gradient vs the hand-written Numba floor, both inside a compiled loop."""
    x = np.linspace(-1.0, 2.0, n)
    out = np.empty(n)
    fastgrad.gradient(_rosen, x)  # builds and compiles the kernel
    kernel = _get_objective(_rosen, None).kernel("gradient")
    kern_rep = _kernel_repeat(kernel)
    grad_rep = _grad_repeat(fastgrad.grad(_rosen))
    contenders = {
        "numba floor (hand-written loop)": lambda: _floor_repeat(x, out, REPS_INSIDE),
        "fastgrad kernel": lambda: kern_rep(x, out, REPS_INSIDE),
        "fastgrad.grad(f) from @njit": lambda: grad_rep(x, out, REPS_INSIDE),
    }
    for fn in contenders.values():
        fn()
    return {"name": f"compiled gradient, Rosenbrock n={n} (x{REPS_INSIDE} per call)",
            "baseline": "numba floor (hand-written loop)", "contenders": contenders,
            "nfev": 2 * n, "per_call_divisor": REPS_INSIDE, "same_result": True}


def rosen_numpy(x):
    """Rosenbrock written with numpy slices, as users write objectives."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def python_call_workload(n: int = 10) -> dict:
    """fastgrad.gradient from Python vs SciPy's approx_fprime and the reference."""
    from scipy.optimize import approx_fprime

    x = np.linspace(-1.0, 2.0, n)
    fastgrad.gradient(rosen_numpy, x)
    eps = float(np.sqrt(np.finfo(float).eps))
    contenders = {
        "fastgrad.gradient": lambda: fastgrad.gradient(rosen_numpy, x),
        "scipy approx_fprime": lambda: approx_fprime(x, rosen_numpy, eps),
        "fastgrad.reference.numerical_gradient": lambda: reference.numerical_gradient(
            rosen_numpy, x),
    }
    exact = problems.rosenbrock_grad(x)
    errors = {k: float(np.max(np.abs(fn() - exact)) / np.max(np.abs(exact)))
              for k, fn in contenders.items()}
    return {"name": f"gradient from Python, numpy Rosenbrock n={n}",
            "baseline": "fastgrad.gradient", "contenders": contenders, "errors": errors,
            "nfev": 2 * n, "same_result": False}


def _trivial(x):
    return x[0] + x[1] + x[2]


_trivial_jit = njit(_trivial)


@njit
def _six_evals(x):
    s = 0.0
    for _ in range(6):
        s += _trivial_jit(x)
    return s


def overhead_workload() -> dict:
    """Per-call overhead at n = 3: fastgrad.gradient vs a compiled call doing the 2n evals."""
    x = np.array([1.0, 2.0, 3.0])
    fastgrad.gradient(_trivial_jit, x)
    contenders = {
        "fastgrad.gradient (n=3)": lambda: fastgrad.gradient(_trivial_jit, x),
        "compiled call of 2n evaluations": lambda: _six_evals(x),
    }
    return {"name": "per-call overhead, n=3", "baseline": "compiled call of 2n evaluations",
            "contenders": contenders, "nfev": 6, "same_result": False}


WORKLOADS = {
    "floor-n10": lambda: floor_workload(10),
    "floor-n100": lambda: floor_workload(100),
    "floor-n1000": lambda: floor_workload(1000),
    "python-call-n10": lambda: python_call_workload(10),
    "overhead-n3": overhead_workload,
}
"""Workload id -> builder (building compiles, so it happens on first use)."""

CONTENDERS = {
    "floor-n10": ["numba floor (hand-written loop)", "fastgrad kernel",
                  "fastgrad.grad(f) from @njit"],
    "python-call-n10": ["fastgrad.gradient", "scipy approx_fprime",
                        "fastgrad.reference.numerical_gradient"],
    "overhead-n3": ["fastgrad.gradient (n=3)", "compiled call of 2n evaluations"],
}
CONTENDERS["floor-n100"] = CONTENDERS["floor-n1000"] = CONTENDERS["floor-n10"]
