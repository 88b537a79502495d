"""Quadratics with constant matrices, and the matrices (module-level arrays that Numba
freezes as constants).

Each comes with its analytic gradient and Hessian. All of them obey the rules written in
:mod:`fastgrad.problems` (compiled by ``numba.njit``, exact under the complex step, the
argument left unchanged).
"""

from __future__ import annotations

import numpy as np


# ---------------------------------------------------------------------------
# Module-level constant data (built once; frozen by Numba as constants).
# ---------------------------------------------------------------------------


def _random_quadratic_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((n, n))
    a = m @ m.T + n * np.eye(n)  # symmetric positive definite
    b = rng.standard_normal(n)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


#: Seeded symmetric positive definite matrix and vector of ``random_quadratic5``.
RANDOM_QUADRATIC_A, RANDOM_QUADRATIC_B = _random_quadratic_data(5, seed=20240917)

#: Diagonal of the ``ill_conditioned_quadratic10`` problem (condition number 1e4).
ILL_CONDITIONED_D = np.logspace(0.0, 4.0, 10)
ILL_CONDITIONED_D.setflags(write=False)

_RANDOM_QUADRATIC_XMIN = np.linalg.solve(RANDOM_QUADRATIC_A, RANDOM_QUADRATIC_B)
_RANDOM_QUADRATIC_FMIN = float(-0.5 * RANDOM_QUADRATIC_B @ _RANDOM_QUADRATIC_XMIN)


# ---------------------------------------------------------------------------
# Quadratics with constant matrices.
# ---------------------------------------------------------------------------


def random_quadratic5(x):
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        for j in range(n):
            s += 0.5 * x[i] * RANDOM_QUADRATIC_A[i, j] * x[j]
        s -= RANDOM_QUADRATIC_B[i] * x[i]
    return s


def random_quadratic5_grad(x):
    n = x.shape[0]
    g = np.zeros(n)
    for i in range(n):
        s = -RANDOM_QUADRATIC_B[i]
        for j in range(n):
            s += RANDOM_QUADRATIC_A[i, j] * x[j]
        g[i] = s
    return g


def random_quadratic5_hess(x):
    return RANDOM_QUADRATIC_A.copy()


def ill_conditioned_quadratic10(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += 0.5 * ILL_CONDITIONED_D[i] * x[i] * x[i]
    return s


def ill_conditioned_quadratic10_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = ILL_CONDITIONED_D[i] * x[i]
    return g


def ill_conditioned_quadratic10_hess(x):
    return np.diag(ILL_CONDITIONED_D)
