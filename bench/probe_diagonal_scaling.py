"""A probe for issue #13 (fewer evaluations than SciPy on MGH-20): would a diagonal scaling
of x, taken from the second differences of a first central-difference gradient at x0, help
the default method?

Not a feature: the scaling is emulated by a change of variables ``x = S y`` with
``S_i = 1 / sqrt(D_ii)``, ``D_ii = (f(x0 + h e_i) + f(x0 - h e_i) - 2 f(x0)) / h**2`` (the
values a central gradient at x0 evaluates anyway; ``S_i = max(1, |x0_i|)`` where
``D_ii <= 0``), and ``fastgrad.minimize`` run on ``f(S y)`` from ``x0 / S``. L-BFGS on ``y``
is L-BFGS on ``x`` with the initial inverse Hessian ``gamma S**2`` (``gamma`` the usual
``s'y / y'y``, measured in the scaled metric), so this is what building it into the method
would give. Its cost is counted as the run's evaluations plus ``n``: the central gradient at
x0 costs 2n where the default's first (forward) gradient costs n.

    python bench/probe_diagonal_scaling.py

Prints, per problem, the evaluations of the default method, of the scaled run and of SciPy
L-BFGS-B (its default finite differences), whether each solved the problem (``f - f* <= 1e-6
max(1, |f*|)``), and the median ratios to SciPy over the problems all three solve.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import minimize as scipy_minimize

import fastgrad
from fastgrad.problems.mgh import MGH, get_mgh, is_solved

REL = 6e-6  # about fastgrad's central step, eps ** (1/3)


def scaling(f, x0: np.ndarray) -> np.ndarray:
    """``S`` from the second differences at x0 (see the module docstring)."""
    f0 = f(x0)
    S = np.maximum(1.0, np.abs(x0))
    for i in range(x0.size):
        h = REL * max(1.0, abs(x0[i]))
        e = np.zeros(x0.size)
        e[i] = h
        d = (f(x0 + e) + f(x0 - e) - 2.0 * f0) / h ** 2
        if d > 0.0 and np.isfinite(d):
            S[i] = 1.0 / np.sqrt(d)
    return S


def main() -> None:
    rows = []
    print(f"{'problem':22s} {'default':>14s} {'scaled':>14s} {'L-BFGS-B':>14s}")
    for name in MGH:
        p = get_mgh(name)
        x0 = np.array(p.x0, dtype=float)
        plain = fastgrad.minimize(p.f, x0, max_iter=3000)
        S = scaling(p.f, x0)
        f, S_ = p.f, S
        scaled = fastgrad.minimize(lambda y: f(S_ * y), x0 / S, max_iter=3000, jit=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sp = scipy_minimize(p.f, x0, method="L-BFGS-B", options={"maxiter": 3000})
        runs = [(plain.nfev, is_solved(p, plain.fun)),
                (scaled.nfev + x0.size, is_solved(p, f(S * scaled.x))),
                (sp.nfev, is_solved(p, sp.fun))]
        rows.append(runs)
        print(f"{name:22s} " + " ".join(f"{n:8d} {'Y' if ok else '-':>5s}" for n, ok in runs))
    both = [r for r in rows if all(ok for _, ok in r)]
    for k, label in ((0, "default"), (1, "scaled")):
        ratio = np.median([r[k][0] / r[2][0] for r in both])
        solved = sum(r[k][1] for r in rows)
        print(f"{label}: solved {solved}/{len(rows)}; median nfev / nfev(L-BFGS-B) over the "
              f"{len(both)} problems all three solve: {ratio:.3f}")


if __name__ == "__main__":
    main()
