"""Shared fixtures of the differentiation tests.

Numba compile time dominates the test run: every objective costs one compilation of the
objective itself and one of each kernel (gradient, complex gradient, batched, ...) it is used
with. The problem table has 27 distinct functions and the scalar table 18, so testing each
function as its own objective would compile about 90 kernels. Instead each table is wrapped in
one *switch* objective ``switch(x, k) = functions[k](x)`` (``k`` passed through ``args``): the
kernels are compiled once per table. The switch only forwards the call, so the engine sees the
very same values of ``f`` (``test_switch_is_transparent`` checks this bit for bit).
"""

from __future__ import annotations

from types import SimpleNamespace

import numba
import pytest

from fastgrad._core.jit import OBJECTIVE_OPTIONS
from fastgrad.problems import PROBLEMS, SCALAR_FUNCTIONS


class Switch:
    """One objective ``f(x, k)`` that returns ``functions[k](x)``.

    Each function is compiled with fastgrad's options for a user's plain Python objective
    (:data:`fastgrad._core.jit.OBJECTIVE_OPTIONS`), as ``fastgrad.gradient(fn, ...)`` would compile
    it, and inlined into the switch (which saves a third of the compile time; without fastmath
    inlining changes no floating-point result). ``f`` itself is left a plain Python function
    for fastgrad to compile.
    """

    def __init__(self, functions, name: str):
        self.functions = list(dict.fromkeys(functions))  # distinct, in table order
        self.index = {fn: k for k, fn in enumerate(self.functions)}
        compile_inline = numba.njit(inline="always", **OBJECTIVE_OPTIONS)
        namespace = {f"f{k}": compile_inline(fn) for k, fn in enumerate(self.functions)}
        branches = "".join(
            f"    if k == {k}:\n        return f{k}(x)\n" for k in range(len(self.functions))
        )
        # Generated because Numba cannot index a tuple of different functions at run time.
        exec(f"def {name}(x, k):\n{branches}    raise IndexError('no such function')\n",
             namespace)
        self.f = namespace[name]

    def args(self, fn) -> tuple:
        """The ``args`` that select ``fn``."""
        return (self.index[fn],)


@pytest.fixture(scope="session")
def problem_switch() -> Switch:
    """Every objective of :data:`fastgrad.problems.PROBLEMS` behind one compiled function."""
    return Switch([p.f for p in PROBLEMS.values()], "problem_objective")


@pytest.fixture(scope="session")
def mgh_switch() -> Switch:
    """Every objective of :data:`fastgrad.problems.MGH` behind one compiled function (a
    fixture rather than an import of this module: with ``pytest tests bench`` the name
    ``conftest`` may be bench's)."""
    from fastgrad.problems import MGH

    return Switch([p.f for p in MGH.values()], "mgh_objective")


@pytest.fixture(scope="session")
def scalar_switch() -> Switch:
    """Every function of :data:`fastgrad.problems.SCALAR_FUNCTIONS` behind one function."""
    return Switch([s.f for s in SCALAR_FUNCTIONS.values()], "scalar_objective")


# ---------------------------------------------------------------------------
# Objectives shared by several test modules (one compilation of each kernel for all).
# Each works on float64 and complex128 input (no abs, no comparisons, products only).
# ---------------------------------------------------------------------------


def linear(x, c):
    """c . x"""
    s = 0.0
    for i in range(x.shape[0]):
        s += c[i] * x[i]
    return s


def quadratic(x, A):
    """x^T A x, gradient (A + A^T) x, Hessian A + A^T."""
    s = 0.0
    n = x.shape[0]
    for i in range(n):
        for j in range(n):
            s += x[i] * A[i, j] * x[j]
    return s


def matvec(x, A):
    """A x (a vector objective for jacobian)."""
    out = A[:, 0] * x[0]
    for j in range(1, x.shape[0]):
        out = out + A[:, j] * x[j]
    return out


def view_of_x(x):
    """The identity, returning a view of fastgrad's workspace itself."""
    return x


@pytest.fixture(scope="session")
def objectives():
    """Module-level objectives shared across test modules."""
    return SimpleNamespace(linear=linear, quadratic=quadratic, matvec=matvec,
                           view_of_x=view_of_x)
