"""Adversarial objectives: every result is right, or refused loudly (issue 11).

A table of objectives that are legal Python but hostile (non-analytic, float32, complex
returning, reading past x, raising on part of the domain, stateful, comparing equal,
``numba.njit`` dispatchers with unusual options, uncompilable, NaN in part of the domain,
0-d and float32 return values) is crossed with every public function, every scheme and both
engines. Each cell asserts one of

* the right number, within the accuracy the README promises for the scheme
  ("Guarantees and limits", and the precision notes for float32 objectives);
* a clear error (its type and a ``match=`` on the message);
* a warning (``FastgradWarning``) *and* the right number.

Warnings are errors in this test run, so a cell that expects no warning fails on any.
Cells that do not apply are generated anyway and skipped with the reason in their id.

Only the public API (``fastgrad.*``) is used. Compile time dominates: objectives are defined
once at module level and reused by every cell; minimize and the njit caller run on a subset
of rows (the skip reason says so).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad import FastgradWarning, ObjectiveIndexError

EPS32 = float(np.finfo(np.float32).eps)
SCHEMES = ["forward", "backward", "central", "central4", "complex"]
ENGINES = {"jit": None, "py": False}
FUNCTIONS = ["gradient", "batch", "jacobian", "hessian", "derivative", "grad", "grad_njit",
             "check_grad", "min_lbfgs", "min_gd"]
# Accuracy promised by the README for a smooth float64 objective (relative to
# max(1, |g_i|, |f| / max(1, |x_i|))).
TOL64 = {"forward": 1e-6, "backward": 1e-6, "central": 1e-9, "central4": 1e-10,
         "complex": 1e-13}
# float32 objectives: 30 eps32**p, p = 1/2, 2/3, 4/5 (README, precision).
TOL32 = {"forward": 30 * EPS32 ** 0.5, "backward": 30 * EPS32 ** 0.5,
         "central": 30 * EPS32 ** (2 / 3), "central4": 30 * EPS32 ** 0.8,
         # a float32 objective through the complex step: confirmed, or recomputed by central4
         "complex": 30 * EPS32 ** 0.8}


# ---------------------------------------------------------------------------------------
# The hostile objectives
# ---------------------------------------------------------------------------------------


def abs_sum(x):
    """|x0| + |x1| + x0 x1: non-analytic (abs drops the imaginary part)."""
    return abs(x[0]) + abs(x[1]) + x[0] * x[1]


def norm2(x):
    """||x||_2 via np.linalg.norm: non-analytic."""
    return np.linalg.norm(x)


def max_real(x):
    """max(x0^2, x1) of real parts (drops the imaginary part)."""
    a = x[0] * x[0]
    b = x[1]
    return max(a.real, b.real)


def cube_negative(x):
    """x0**3 + x1: Numba's complex z**3 is polar, wrong where Re z < 0."""
    return x[0] ** 3 + x[1]


def float32_model(x):
    """Computes and returns in float32."""
    y0 = np.float32(x[0].real)
    y1 = np.float32(x[1].real)
    return np.float32(3.0) * y0 * y0 + y0 * y1 + np.float32(0.5) * y1 * y1


def complex_return(x):
    """A complex value at a real x."""
    return x[0] * x[0] + 1j * x[1]


def reads_past(x):
    """Reads x[n]: one element past its end."""
    return x[0] * x[0] + x[x.shape[0]]


def raises_negative(x):
    """Raises ValueError where x0 < 0."""
    if x[0].real < 0.0:
        raise ValueError("raises_negative: x0 must be >= 0")
    return x[0] * x[0] * x[1] + x[1] * x[1]


def counting(x, calls):
    """Counts its calls in calls[0]; the value does not depend on the count."""
    calls[0] += 1.0
    return (x[0] - 1.0) * (x[0] - 1.0) + 2.0 * (x[1] + 0.5) * (x[1] + 0.5)


def drifting(x, calls):
    """The value drifts with the call count (never reads past x)."""
    calls[0] += 1.0
    return x[0] * x[0] + x[1] * x[1] + 1e-3 * calls[0]


@dataclass(frozen=True)
class Shifted:
    """Frozen dataclass objective; the coefficient is excluded from comparison."""

    name: str
    center: float = field(compare=False)

    def __call__(self, x):
        return (x[0] - self.center) ** 2 + (x[1] + self.center) ** 2


class AlwaysEqual:
    """Callable whose __eq__ is always True (and one shared hash)."""

    def __init__(self, center):
        self.center = center

    def __eq__(self, other):
        return True

    def __hash__(self):
        return 1

    def __call__(self, x):
        return (x[0] - self.center) ** 2 + 2.0 * (x[1] - self.center) ** 2


def _smooth_body(x):
    return (x[0] - 1.0) * (x[0] - 1.0) + 3.0 * (x[1] + 0.5) * (x[1] + 0.5) + x[0] * x[1]


smooth_inline = numba.njit(inline="always")(_smooth_body)
smooth_fastmath = numba.njit(fastmath=True)(_smooth_body)
smooth_errpy = numba.njit(error_model="python")(_smooth_body)
smooth_bounds = numba.njit(boundscheck=True)(_smooth_body)
smooth_cache = numba.njit(cache=True)(_smooth_body)
smooth_signature = numba.njit("float64(float64[:])")(_smooth_body)


@numba.njit(boundscheck=True)
def reads_past_boundscheck(x):
    return x[0] * x[0] + x[x.shape[0]]


def dict_default(x, d={"a": 2.0}):  # noqa: B006 - hostile on purpose
    """A dict default argument: Numba cannot compile it."""
    return d["a"] * x[0] * x[0] + x[1]


def generator_sum(x):
    """A generator expression inside a builtin: Numba cannot compile it."""
    return sum(v * v for v in x) + x[0] * x[1]


def nan_component(x):
    """x0^2, plus NaN wherever x1 != 0: at x1 = 0 only component 1's stencil meets NaN."""
    return x[0] * x[0] + (np.nan if x[1] != 0.0 else 0.0)


def nan_everywhere(x):
    """NaN wherever x0 < 1 (the whole neighbourhood of x)."""
    return x[1] * x[1] + (np.nan if x[0].real < 1.0 else x[0])


def zero_d(x):
    """Returns a numpy 0-d array."""
    return np.array(x[0] * x[0] + 2.0 * x[1])


def float32_scalar(x):
    """Returns an np.float32 scalar computed in float64."""
    return np.float32(x[0].real * x[0].real + 2.0 * x[1].real)


def math_exp(x):
    """math.exp: Numba cannot compile it for a complex x (complex step)."""
    return math.exp(x[0]) + x[1] * x[1]


# Scalar twins for derivative (f: R -> R).
def d_abs(t):
    return abs(t) + t * t


def d_cube(t):
    return t ** 3


def d_complex(t):
    return t + 1j * t


def d_raises(t):
    if t.real < 0.0:
        raise ValueError("d_raises: t must be >= 0")
    return t * t * t


def d_nan(t):
    return np.nan if t.real < 1.0 else t


def d_dict(t, d={"a": 2.0}):  # noqa: B006
    return d["a"] * t * t


def d_float32(t):
    y = np.float32(t.real)
    return y * y * y


# ---------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    f: Any
    x: np.ndarray
    args: tuple = ()
    g: Callable | None = None          # exact gradient
    H: Callable | None = None          # exact Hessian
    error: tuple | None = None         # (type, match) raised by every function
    error_if: Callable | None = None   # (func, scheme, engine) -> (type, match) or None
    warn: Callable | None = None       # (func, scheme, engine) -> match or None
    tol: dict = field(default_factory=lambda: TOL64)
    tol_scheme: Callable | None = None  # scheme used for the tolerance (fallbacks)
    xmin: np.ndarray | None = None     # the minimizer (for minimize)
    nan_mask: np.ndarray | None = None  # components that must be NaN
    min_status: int | None = None      # expected minimize status (NaN rows: 2)
    funcs: tuple = tuple(FUNCTIONS)    # functions that apply
    skip: dict = field(default_factory=dict)  # func -> reason (not applicable)
    loose: bool = False                # value not defined (drift): check finite, no errors
    batch_offsets: np.ndarray | None = None
    # scalar twin for derivative
    d_f: Any = None
    d_t: float | None = None
    d_val: float | None = None
    d_nan: bool = False
    d_error: tuple | None = None
    d_tol: dict | None = None
    d_warn: Callable | None = None
    lr: float = 0.05
    may_warn: Any = None               # warnings allowed (not required): first-use fallbacks;
    #                                    a str, or a callable scheme -> str | None


def _nonanalytic_warn(func, scheme, engine):
    # the complex step is recomputed with a FastgradWarning; grad(f), compiled, cannot warn
    if scheme == "complex" and func not in ("grad", "grad_njit", "hessian"):
        return "complex"
    return None


def _c4_for_complex(scheme):
    return "central4" if scheme == "complex" else scheme


def _uncompilable_warn(func, scheme, engine):
    if engine is None and func not in ("grad_njit",):
        return "cannot compile"
    return None


# a first-use FastgradWarning: the objective (or one kernel of it) runs on the Python engine.
# It is given once per objective, so a cell may or may not see it (tested on fresh objectives
# in test_fresh_uncompilable_objective_warns).
FALLBACK = "Python engine"
# math.exp of a numpy complex scalar on the Python engine: numpy's own ComplexWarning (the
# imaginary part is dropped; fastgrad's real directional check must catch it and warn).
NUMPY_COMPLEX = "numpy-ComplexWarning"

NO_MIN = "minimize-not-on-this-row(compile-budget)"
NONSMOOTH = "no-smooth-minimizer"
SCALAR_ONLY_NA = "no-scalar-twin"

ROWS = [
    Row("abs_sum", abs_sum, np.array([0.75, -1.5]),
        g=lambda x: np.array([np.sign(x[0]) + x[1], np.sign(x[1]) + x[0]]),
        H=lambda x: np.array([[0.0, 1.0], [1.0, 0.0]]),
        warn=_nonanalytic_warn, tol_scheme=_c4_for_complex,
        skip={"min_lbfgs": NONSMOOTH, "min_gd": NONSMOOTH},
        d_f=d_abs, d_t=-0.75, d_val=-1.0 + 2 * -0.75),
    Row("norm2", norm2, np.array([0.75, -1.5, 0.5]),
        g=lambda x: x / np.linalg.norm(x),
        H=lambda x: (np.eye(3) - np.outer(x, x) / (x @ x)) / np.linalg.norm(x),
        warn=_nonanalytic_warn, tol_scheme=_c4_for_complex,
        skip={"min_lbfgs": NONSMOOTH, "min_gd": NONSMOOTH}),
    Row("max_real", max_real, np.array([1.5, 0.25]),
        g=lambda x: np.array([2 * x[0], 0.0]),
        H=lambda x: np.array([[2.0, 0.0], [0.0, 0.0]]),
        warn=_nonanalytic_warn, tol_scheme=_c4_for_complex,
        skip={"min_lbfgs": NONSMOOTH, "min_gd": NONSMOOTH}),
    Row("cube_negative", cube_negative, np.array([-1.5, 0.5]),
        g=lambda x: np.array([3 * x[0] ** 2, 1.0]),
        H=lambda x: np.array([[6 * x[0], 0.0], [0.0, 0.0]]),
        warn=lambda func, scheme, engine: (
            "complex" if scheme == "complex" and engine is None
            and func not in ("grad", "grad_njit", "hessian") else None),
        tol_scheme=lambda s: s,
        d_f=d_cube, d_t=-1.5, d_val=3 * 1.5 ** 2,
        d_warn=lambda func, scheme, engine: (
            "complex" if scheme == "complex" and engine is None else None),
        skip={"min_lbfgs": "unbounded-below", "min_gd": "unbounded-below",
              "derivative": "derivative-of-z**3-covered-by-gradient(compile-budget)"}),
    Row("float32_model", float32_model, np.array([0.5, -1.25]),
        g=lambda x: np.array([6 * x[0] + x[1], x[0] + x[1]]),
        H=lambda x: np.array([[6.0, 1.0], [1.0, 1.0]]),
        tol=TOL32, warn=_nonanalytic_warn, tol_scheme=lambda s: s,
        xmin=np.zeros(2), lr=0.1,
        d_f=d_float32, d_t=0.75, d_val=3 * 0.75 ** 2, d_tol=TOL32),
    Row("complex_return", complex_return, np.array([0.5, -1.25]),
        error=(ValueError, "must return (a )?real"),
        d_f=d_complex, d_t=0.5, d_error=(ValueError, "must return (a )?real")),
    Row("reads_past", reads_past, np.array([0.5, -1.25, 2.0]),
        error=(ObjectiveIndexError, "read|past|index"),
        skip={"derivative": "scalar-x-cannot-read-past"}),
    Row("reads_past_boundscheck", reads_past_boundscheck, np.array([0.5, -1.25, 2.0]),
        error=(IndexError, "out of bounds|past|index"),
        skip={"derivative": "scalar-x-cannot-read-past"}),
    Row("raises_invalid_x", raises_negative, np.array([-0.5, 1.0]),
        error=(ValueError, "raises_negative: x0 must be >= 0"),
        d_f=d_raises, d_t=-0.5, d_error=(ValueError, "d_raises: t must be >= 0")),
    Row("raises_valid_x", raises_negative, np.array([0.5, 1.0]),
        g=lambda x: np.array([2 * x[0] * x[1], x[0] ** 2 + 2 * x[1]]),
        H=lambda x: np.array([[2 * x[1], 2 * x[0]], [2 * x[0], 2.0]]),
        skip={"min_lbfgs": "minimum-outside-valid-region",
              "min_gd": "minimum-outside-valid-region"},
        d_f=d_raises, d_t=0.5, d_val=3 * 0.25),
    Row("counting", counting, np.array([0.25, 0.75]), args=(np.zeros(1),),
        g=lambda x: np.array([2 * (x[0] - 1), 4 * (x[1] + 0.5)]),
        H=lambda x: np.diag([2.0, 4.0]),
        xmin=np.array([1.0, -0.5]), lr=0.1, may_warn=FALLBACK),
    Row("drifting", drifting, np.array([0.25, 0.75]), args=(np.zeros(1),), loose=True,
        may_warn=FALLBACK + "|could not be trusted"),
    Row("eq_always_a", AlwaysEqual(1.0), np.array([0.25, 0.75]),
        g=lambda x: np.array([2 * (x[0] - 1.0), 4 * (x[1] - 1.0)]),
        H=lambda x: np.diag([2.0, 4.0]), xmin=np.array([1.0, 1.0]), lr=0.1, may_warn=FALLBACK),
    Row("eq_always_b", AlwaysEqual(-2.0), np.array([0.25, 0.75]),
        g=lambda x: np.array([2 * (x[0] + 2.0), 4 * (x[1] + 2.0)]),
        H=lambda x: np.diag([2.0, 4.0]), xmin=np.array([-2.0, -2.0]), lr=0.1,
        may_warn=FALLBACK),
    Row("frozen_dc_a", Shifted("s", 1.5), np.array([0.25, 0.75]),
        g=lambda x: np.array([2 * (x[0] - 1.5), 2 * (x[1] + 1.5)]),
        H=lambda x: np.diag([2.0, 2.0]), xmin=np.array([1.5, -1.5]), lr=0.1,
        may_warn=FALLBACK),
    Row("frozen_dc_b", Shifted("s", -0.5), np.array([0.25, 0.75]),
        g=lambda x: np.array([2 * (x[0] + 0.5), 2 * (x[1] - 0.5)]),
        H=lambda x: np.diag([2.0, 2.0]), xmin=np.array([-0.5, 0.5]), lr=0.1,
        may_warn=FALLBACK),
    *[Row(name, disp, np.array([0.25, -0.75]),
          g=lambda x: np.array([2 * (x[0] - 1) + x[1], 6 * (x[1] + 0.5) + x[0]]),
          H=lambda x: np.array([[2.0, 1.0], [1.0, 6.0]]),
          xmin=np.linalg.solve(np.array([[2.0, 1.0], [1.0, 6.0]]), np.array([2.0, -3.0])),
          lr=0.1,
          # an explicit float64 signature cannot take the complex step: that kernel runs on
          # the Python engine after one FastgradWarning (README, objectives); others: silent
          may_warn=(lambda scheme: FALLBACK if scheme == "complex" else None)
          if name == "njit_signature" else None,
          skip=({} if name == "njit_inline" else
                {"min_lbfgs": NO_MIN, "min_gd": NO_MIN, "grad_njit": NO_MIN,
                 "batch": "batch-on-njit_inline-only(compile-budget)",
                 "jacobian": "jacobian-on-njit_inline-only(compile-budget)"}))
      for name, disp in [("njit_inline", smooth_inline), ("njit_fastmath", smooth_fastmath),
                         ("njit_errmodel_python", smooth_errpy),
                         ("njit_boundscheck", smooth_bounds), ("njit_cache", smooth_cache),
                         ("njit_signature", smooth_signature)]],
    Row("dict_default", dict_default, np.array([0.5, -1.25]),
        g=lambda x: np.array([4 * x[0], 1.0]),
        H=lambda x: np.array([[4.0, 0.0], [0.0, 0.0]]),
        may_warn=FALLBACK, tol_scheme=lambda s: s,
        skip={"min_lbfgs": "unbounded-below", "min_gd": "unbounded-below",
              "grad_njit": "uncompilable-objective"},
        d_f=d_dict, d_t=0.5, d_val=2.0),
    Row("generator_sum", generator_sum, np.array([0.5, -1.25]),
        g=lambda x: np.array([2 * x[0] + x[1], 2 * x[1] + x[0]]),
        H=lambda x: np.array([[2.0, 1.0], [1.0, 2.0]]),
        may_warn=FALLBACK, tol_scheme=lambda s: s, xmin=np.zeros(2), lr=0.1,
        skip={"grad_njit": "uncompilable-objective"}),
    Row("nan_component", nan_component, np.array([0.5, 0.0]),
        g=lambda x: np.array([2 * x[0], np.nan]),
        H=lambda x: np.array([[2.0, np.nan], [np.nan, np.nan]]),
        nan_mask=np.array([False, True]), min_status=2,
        warn=lambda func, scheme, engine: None, tol_scheme=_c4_for_complex,
        batch_offsets=np.array([[0.0, 0.0], [0.25, 0.0], [-0.25, 0.0]])),
    Row("nan_everywhere", nan_everywhere, np.array([0.5, 0.5]),
        g=lambda x: np.array([np.nan, np.nan]),
        H=lambda x: np.full((2, 2), np.nan),
        nan_mask=np.array([True, True]), min_status=2,
        d_f=d_nan, d_t=0.5, d_nan=True),
    Row("zero_d_array", zero_d, np.array([0.5, -1.25]),
        g=lambda x: np.array([2 * x[0], 2.0]),
        H=lambda x: np.array([[2.0, 0.0], [0.0, 0.0]]),
        skip={"min_lbfgs": "unbounded-below", "min_gd": "unbounded-below"}),
    Row("float32_scalar", float32_scalar, np.array([0.5, -1.25]),
        g=lambda x: np.array([2 * x[0], 2.0]),
        H=lambda x: np.array([[2.0, 0.0], [0.0, 0.0]]),
        tol=TOL32, warn=_nonanalytic_warn, tol_scheme=lambda s: s,
        skip={"min_lbfgs": "unbounded-below", "min_gd": "unbounded-below"}),
    Row("math_exp", math_exp, np.array([0.5, -1.25]),
        g=lambda x: np.array([math.exp(x[0]), 2 * x[1]]),
        H=lambda x: np.array([[math.exp(x[0]), 0.0], [0.0, 2.0]]),
        warn=lambda func, scheme, engine: (
            "complex|cannot compile|math" if scheme == "complex"
            and func not in ("grad", "grad_njit", "hessian") else None),
        tol_scheme=_c4_for_complex, may_warn=NUMPY_COMPLEX,
        skip={"min_lbfgs": "unbounded-below", "min_gd": "unbounded-below"}),
]
ROW_BY_NAME = {r.name: r for r in ROWS}

# minimize compiles a driver per objective (2-3 s): only these rows run it
MIN_ROWS = {"float32_model", "complex_return", "reads_past", "reads_past_boundscheck",
            "raises_invalid_x", "counting", "drifting", "eq_always_a", "eq_always_b",
            "frozen_dc_a", "frozen_dc_b", "njit_inline", "generator_sum", "nan_everywhere"}
# dispatchers whose options cannot change the complex step: real schemes only
NO_COMPLEX_ROWS = {"njit_errmodel_python", "njit_boundscheck", "njit_cache",
                   # the complex step of these is covered by float32_model and njit_inline
                   "float32_scalar", "zero_d_array", "counting", "drifting"}
# grad(f) and jacobian compile one more complex-step kernel each: these rows
COMPLEX_GRAD_JAC_ROWS = {"abs_sum", "float32_model", "complex_return", "reads_past",
                         "raises_invalid_x", "njit_inline", "njit_signature", "nan_component",
                         "nan_everywhere", "math_exp", "eq_always_a", "dict_default"}
# the njit caller of grad(f) compiles per objective: these rows
NJIT_ROWS = {"abs_sum", "float32_model", "counting", "njit_inline", "reads_past",
             "raises_invalid_x"}
# minimize with the complex step compiles another driver: these rows only
MIN_COMPLEX_ROWS = {"complex_return", "reads_past", "raises_invalid_x", "njit_inline"}


def _why_not(row: Row, func: str, scheme: str, engine_id: str) -> str | None:
    """Why a cell does not apply (None where it does)."""
    if func in row.skip:
        return row.skip[func]
    if func == "hessian" and scheme != "central":
        return "hessian-has-no-scheme"
    if func == "grad_njit":
        if row.name == "reads_past":  # README, "No reads past x": nothing can be checked there
            return "documented-limit:compiled-callers-of-grad-are-not-checked"
        if engine_id != "jit":
            return "njit-caller-needs-compiled-grad"
        if scheme != "central":
            return "njit-caller-central-only"
        if row.name not in NJIT_ROWS:
            return "njit-caller-not-on-this-row(compile-budget)"
    if (scheme == "complex" and row.name in NO_COMPLEX_ROWS
            and func in ("gradient", "batch", "grad", "check_grad")):
        return "complex-step-covered-by-other-rows(compile-budget)"
    if (scheme == "complex" and func in ("grad", "jacobian")
            and row.name not in COMPLEX_GRAD_JAC_ROWS):
        return f"complex-{func}-kernel-not-on-this-row(compile-budget)"
    if func == "derivative" and row.d_f is None:
        return SCALAR_ONLY_NA
    if func in ("min_lbfgs", "min_gd"):
        if row.name not in MIN_ROWS:
            return NO_MIN
        if scheme == "complex" and row.name not in MIN_COMPLEX_ROWS:
            return "minimize-complex-not-on-this-row(compile-budget)"
        if row.xmin is None and row.min_status is None and row.error is None and not row.loose:
            return "minimizer-unknown"
    if func == "hessian" and row.H is None and row.error is None and not row.loose:
        return "hessian-unknown"
    if func in ("check_grad",) and row.g is None and row.error is None:
        return "gradient-unknown"
    return None


ALL_SCHEMES = set(SCHEMES)
BOTH = {"jit", "py"}
REAL_SCHEMES = {"forward", "backward", "central"}
# Known bugs, found by this module: (rows, functions, schemes, engines, reason). Each cell is
# xfail(strict=True): it passes (and the suite fails) as soon as the bug is fixed.
BUGS = [  # each was fixed; the list stays for the next ones (a fixed bug's xfail fails)
]


def _bug(row, func, scheme, engine_id):
    for rows, funcs, schemes, engines, reason in BUGS:
        if row in rows and func in funcs and scheme in schemes and engine_id in engines:
            return reason
    return None


def _cells():
    for row in ROWS:
        for func in FUNCTIONS:
            for scheme in SCHEMES:
                for engine_id in ENGINES:
                    why = _why_not(row, func, scheme, engine_id)
                    cid = f"{row.name}-{func}-{scheme}-{engine_id}"
                    if why:
                        yield pytest.param(row.name, func, scheme, engine_id,
                                           id=f"{cid}-SKIP:{why}",
                                           marks=pytest.mark.skip(reason=why))
                        continue
                    bug = _bug(row.name, func, scheme, engine_id)
                    marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
                    yield pytest.param(row.name, func, scheme, engine_id, id=cid, marks=marks)


# ---------------------------------------------------------------------------------------
# Running a cell
# ---------------------------------------------------------------------------------------


def _scale(row: Row, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    f = row.f(x, *row.args) if not row.args else _value_without_state(row, x)
    return np.maximum(np.maximum(1.0, np.abs(g)), abs(float(f)) / np.maximum(1.0, np.abs(x)))


def _value_without_state(row: Row, x):
    return float(row.f(x, np.zeros(1)))


def _assert_gradient(row: Row, got, x, scheme, what="gradient"):
    x = np.asarray(x, dtype=np.float64)
    want = row.g(x)
    got = np.asarray(got)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    assert got.dtype == np.float64
    mask = np.isnan(want) if row.nan_mask is None else row.nan_mask
    # NaN in exactly the components whose stencil met NaN, never a finite wrong number
    assert np.array_equal(np.isnan(got), mask), f"{what}: NaN at {np.isnan(got)}, want {mask}"
    ok = ~mask
    if not ok.any():
        return
    tscheme = row.tol_scheme(scheme) if row.tol_scheme else scheme
    tol = row.tol[tscheme]
    scale = _scale(row, x, np.where(ok, want, 0.0))
    err = np.abs(got[ok] - want[ok])
    assert np.all(err <= tol * scale[ok]), (
        f"{what} ({scheme}): got {got}, exact {want}, error {err}, bound {tol * scale[ok]}")


def _call(row: Row, func: str, scheme: str, jit):
    """Run one cell; return what it computed (checked by the caller)."""
    f, x, args = row.f, row.x.copy(), row.args
    if row.args:  # fresh state for a stateful objective
        args = (np.zeros(1),)
    if func == "gradient":
        return fastgrad.gradient(f, x, method=scheme, args=args, jit=jit)
    if func == "batch":
        offs = row.batch_offsets if row.batch_offsets is not None else \
            np.array([[0.0], [0.125], [-0.125]]) * np.ones_like(x)
        X = x + offs
        return X, fastgrad.gradient(f, X, method=scheme, args=args, jit=jit)
    if func == "jacobian":
        return fastgrad.jacobian(f, x, method=scheme, args=args, jit=jit)
    if func == "hessian":
        return fastgrad.hessian(f, x, args=args, jit=jit)
    if func == "derivative":
        return fastgrad.derivative(row.d_f, row.d_t, method=scheme, jit=jit)
    if func == "grad":
        g = fastgrad.grad(f, method=scheme, args=args, jit=jit)
        if row.tol is TOL32:  # grad(f) takes the precision of x only (README): give float32
            x32 = x.astype(np.float32)
            return x32.astype(np.float64), g(x32)
        return x, g(x)
    if func == "grad_njit":
        g = fastgrad.grad(f, method=scheme, jit=jit)  # args passed at the call, from njit
        if args:
            @numba.njit
            def caller(x, c):
                return g(x, c)
            if row.tol is TOL32:
                x32 = x.astype(np.float32)
                return x32.astype(np.float64), caller(x32, *args)
            return x, caller(x, *args)

        @numba.njit
        def caller(x):
            return g(x)
        if row.tol is TOL32:
            x32 = x.astype(np.float32)
            return x32.astype(np.float64), caller(x32)
        return x, caller(x)
    if func == "check_grad":
        exact = row.g if row.g is not None else (lambda x, *a: np.zeros_like(x))
        return fastgrad.check_grad(f, lambda x, *a: exact(np.asarray(x)), x, method=scheme,
                                   args=args, jit=jit)
    if func in ("min_lbfgs", "min_gd"):
        method = "lbfgs" if func == "min_lbfgs" else "gd"
        opts = {"lr": row.lr} if method == "gd" else {}
        return fastgrad.minimize(f, x, method=method, jac=scheme, args=args, jit=jit,
                                 max_iter=2000, **opts)
    raise AssertionError(func)


def _check(row: Row, func: str, scheme: str, out):
    if row.loose:  # drifting values: no defined derivative; finite and no false IndexError
        if func == "batch":
            out = out[1]
        elif func in ("grad", "grad_njit"):
            out = out[1]
        if func in ("min_lbfgs", "min_gd"):
            assert np.all(np.isfinite(out.x))
            return
        assert np.all(np.isfinite(np.asarray(out, dtype=float)))
        return
    if func == "gradient":
        _assert_gradient(row, out, row.x, scheme)
    elif func == "batch":
        X, G = out
        assert G.shape == X.shape
        for i in range(X.shape[0]):
            _assert_gradient(row, G[i], X[i], scheme, f"batch row {i}")
    elif func == "jacobian":
        assert out.shape == (1, row.x.shape[0]), out.shape
        _assert_gradient(row, out[0], row.x, scheme, "jacobian")
    elif func == "hessian":
        want = row.H(row.x)
        assert out.shape == want.shape
        assert np.array_equal(out, out.T, equal_nan=True), "Hessian not exactly symmetric"
        mask = np.isnan(want)
        assert np.array_equal(np.isnan(out), mask), f"Hessian NaN at {np.isnan(out)}"
        f0 = abs(_value(row, row.x))
        sx = np.maximum(1.0, np.abs(row.x))
        tol = 1e-6 if row.tol is TOL64 else TOL32["central4"] ** 0.5 * 30
        bound = tol * np.maximum(np.maximum(1.0, np.abs(want)), f0 / np.outer(sx, sx))
        assert np.all(np.abs(out - want)[~mask] <= bound[~mask]), f"Hessian {out} vs {want}"
    elif func == "derivative":
        if row.d_nan:
            assert np.isnan(out), out
            return
        tol = (row.d_tol or TOL64)[row.tol_scheme(scheme) if row.tol_scheme else scheme]
        fv = abs(float(np.real(row.d_f(row.d_t))))
        scale = max(1.0, abs(row.d_val), fv / max(1.0, abs(row.d_t)))
        assert abs(float(out) - row.d_val) <= tol * scale, (out, row.d_val)
    elif func in ("grad", "grad_njit"):
        x, g = out
        _assert_gradient(row, g, x, scheme, func)
    elif func == "check_grad":
        want = row.g(row.x)
        mask = np.isnan(want)
        if mask.any():
            assert np.isnan(out), f"check_grad returned {out} for a NaN gradient"
            return
        tscheme = row.tol_scheme(scheme) if row.tol_scheme else scheme
        bound = row.tol[tscheme] * np.linalg.norm(_scale(row, row.x, want))
        assert 0.0 <= out <= bound, f"check_grad {out} > {bound}"
    elif func in ("min_lbfgs", "min_gd"):
        res = out
        if row.min_status is not None:
            assert res.status == row.min_status, (res.status, res.message)
            assert not res.success
            return
        assert res.success, (res.status, res.message)
        tol = 1e-4 if row.tol is TOL64 else 3e-2
        assert np.allclose(res.x, row.xmin, atol=tol, rtol=0), (res.x, row.xmin)


def _value(row, x):
    if row.args:
        return _value_without_state(row, x)
    return float(np.real(row.f(x)))


def _expected_error(row: Row, func: str, scheme: str, engine_id: str):
    if func == "derivative":
        return row.d_error
    if row.error_if is not None:
        e = row.error_if(func, scheme, ENGINES[engine_id])
        if e is not None:
            return e
    return row.error


def _expected_warning(row: Row, func: str, scheme: str, engine_id: str):
    w = row.d_warn if func == "derivative" else row.warn
    if func == "derivative" and w is None and row.warn is _nonanalytic_warn:
        w = row.warn
    if w is None:
        return None
    return w(func, scheme, ENGINES[engine_id])


def _run_recording(row, func, scheme, jit):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = _call(row, func, scheme, jit)
    return out, seen


def _check_warnings(seen, must: str | None, may: str | None):
    """Every warning is a FastgradWarning that ``must`` or ``may`` match; one matches ``must``."""
    import re
    matched = False
    for w in seen:
        text = str(w.message)
        if may == NUMPY_COMPLEX and issubclass(w.category, np.exceptions.ComplexWarning):
            continue
        assert issubclass(w.category, FastgradWarning), f"unexpected {w.category.__name__}: {text}"
        if must and re.search(must, text):
            matched = True
            continue
        assert may and may != NUMPY_COMPLEX and re.search(may, text), f"unexpected warning: {text}"
    assert matched or not must, f"no FastgradWarning matching {must!r}"


@pytest.mark.parametrize("row_name, func, scheme, engine_id", list(_cells()))
def test_cell(row_name, func, scheme, engine_id):
    row = ROW_BY_NAME[row_name]
    jit = ENGINES[engine_id]
    err = _expected_error(row, func, scheme, engine_id)
    if err is not None:
        etype, match = err
        with pytest.raises(etype, match=match) as info:
            _call(row, func, scheme, jit)
        if etype is not ObjectiveIndexError and row.name in ("drifting", "raises_invalid_x"):
            assert not isinstance(info.value, ObjectiveIndexError)
        return
    wmatch = _expected_warning(row, func, scheme, engine_id)
    out, seen = _run_recording(row, func, scheme, jit)
    may = row.may_warn(scheme) if callable(row.may_warn) else row.may_warn
    _check_warnings(seen, wmatch, may)
    _check(row, func, scheme, out)


# ---------------------------------------------------------------------------------------
# Cells outside the grid
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine_id", list(ENGINES))
def test_equal_callables_are_distinct_objectives(engine_id):
    """Two callables that compare equal each get their own gradient and minimum, in turn."""
    jit = ENGINES[engine_id]
    x = np.array([0.25, 0.75])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _equal_callables(jit, x)
    _check_warnings(seen, None, FALLBACK)


def _equal_callables(jit, x):
    pairs = [(AlwaysEqual(1.0), AlwaysEqual(-2.0)), (Shifted("s", 1.5), Shifted("s", -0.5))]
    for a, b in pairs:
        assert a == b
        for _ in range(2):  # interleaved: the second call must not reuse the other's kernels
            ga = fastgrad.gradient(a, x, jit=jit)
            gb = fastgrad.gradient(b, x, jit=jit)
            assert not np.allclose(ga, gb)
            ra = fastgrad.minimize(a, x, method="lbfgs", jit=jit)
            rb = fastgrad.minimize(b, x, method="lbfgs", jit=jit)
            assert np.allclose(ra.x, [a.center, a.center if isinstance(a, AlwaysEqual)
                                      else -a.center], atol=1e-5)
            assert np.allclose(rb.x, [b.center, b.center if isinstance(b, AlwaysEqual)
                                      else -b.center], atol=1e-5)


def test_drifting_is_not_a_read_past_x():
    """A value drifting with the call count is no ObjectiveIndexError, on a fresh length."""
    x = np.array([0.25, 0.75, -0.5, 1.0, 2.0])  # a length no cell used: the probe runs
    g = fastgrad.gradient(drifting, x, args=(np.zeros(1),))
    assert np.all(np.isfinite(g))


def test_counting_state_every_function_right():
    """The counter counts, and the gradient is the same before and after many calls."""
    calls = np.zeros(1)
    x = np.array([0.25, 0.75])
    g1 = fastgrad.gradient(counting, x, args=(calls,))
    n1 = calls[0]
    g2 = fastgrad.gradient(counting, x, args=(calls,))
    assert calls[0] > n1 > 0
    assert np.array_equal(g1, g2)


def test_fresh_uncompilable_objective_warns():
    """A fresh objective Numba cannot compile warns once (jit=None), is right, and is silent
    with jit=False."""
    def fresh(x, d={"a": 2.0}):  # noqa: B006
        return d["a"] * x[0] * x[0] + x[1]

    x = np.array([0.5, -1.25])
    with pytest.warns(FastgradWarning, match="cannot compile"):
        g = fastgrad.gradient(fresh, x)
    assert np.allclose(g, [2.0, 1.0], rtol=1e-9, atol=1e-9)
    g = fastgrad.gradient(fresh, x)  # once only
    assert np.allclose(g, [2.0, 1.0], rtol=1e-9, atol=1e-9)

    class Fresh:
        def __call__(self, x):
            return x[0] * x[0] + 3.0 * x[1]

    with pytest.warns(FastgradWarning, match="cannot compile"):
        g = fastgrad.gradient(Fresh(), x)
    assert np.allclose(g, [1.0, 3.0], rtol=1e-9, atol=1e-9)
    g = fastgrad.gradient(Fresh(), x, jit=False)  # no warning with jit=False
    assert np.allclose(g, [1.0, 3.0], rtol=1e-9, atol=1e-9)
