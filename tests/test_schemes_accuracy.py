"""Accuracy of every finite-difference scheme against analytic derivatives.

Every objective of the problem table (``fastgrad.problems.PROBLEMS``, through
:func:`fastgrad.gradient`) and every scalar function (``SCALAR_FUNCTIONS``, through
:func:`fastgrad.derivative`) is differentiated with the automatic step by each scheme at points
of magnitude 1e-4, 1 and 1e4: ``x = magnitude * PATTERN`` with a fixed seeded pattern of signs
and values in [0.5, 1.5]. The error relative to the size of the exact gradient,
``max|g_fd - g| / max|g|``, must be below

=========  =====  ==========================================================
scheme     bound  expected error with the automatic step (rounding + truncation)
=========  =====  ==========================================================
forward    1e-5   eps*|f|/h + h*|f''|/2,        h = eps**(1/2) * max(1, |x|)
backward   1e-5   the same
central    1e-7   eps*|f|/h + h**2*|f'''|/6,    h = eps**(1/3) * max(1, |x|)
central4   1e-10  1.5*eps*|f|/h + h**4*|f5|/30, h = eps**(1/5) * max(1, |x|)
complex    1e-13  eps (no subtractive cancellation), h = 2**-60 * max(1, |x|)
=========  =====  ==========================================================

Both terms are measured against ``|g|``. Where the numerical analysis says a bound cannot hold
for a given (function, scheme, magnitude), the case is listed below with the reason and the
arithmetic: ``xfail(strict=True)`` when it fails by a clear margin (so that an improvement is
noticed), ``skip`` when the expected error is about the bound itself (pass or fail is then
rounding luck) or there is no finite value to compare. Cases marked ``warns`` keep their bound
but must give a FastgradWarning (the complex step's self-check firing for a documented reason);
anywhere else a warning fails the test (warnings are errors in the test run). Every other case
keeps its full bound.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastgrad
from fastgrad import reference
from fastgrad.problems import PROBLEMS, SCALAR_FUNCTIONS

EPS = np.finfo(np.float64).eps

BOUNDS = {"forward": 1e-5, "backward": 1e-5, "central": 1e-7, "central4": 1e-10, "complex": 1e-13}
SCHEMES = tuple(BOUNDS)
MAGNITUDES = (1e-4, 1.0, 1e4)

_rng = np.random.default_rng(20240917)
PATTERN = _rng.choice([-1.0, 1.0], 100) * _rng.uniform(0.5, 1.5, 100)
"""Fixed signs and values; a problem of dimension n uses the first n entries."""
SCALAR_PATTERN = PATTERN[:4]
"""Four points per scalar function (absolute values for the functions defined for x > 0)."""

ONE_SIDED = ("forward", "backward")
REAL_SCHEMES = ("forward", "backward", "central", "central4")

SKIP, XFAIL, WARNS = "skip", "xfail", "warns"

# ---------------------------------------------------------------------------
# Documented exceptions: (name, scheme, magnitude) -> (kind, reason)
# ---------------------------------------------------------------------------

PROBLEM_EXCEPTIONS: dict = {}
SCALAR_EXCEPTIONS: dict = {}


def _document(table, kind, reason, names, schemes, magnitude):
    for name in names:
        for scheme in schemes:
            key = (name, scheme, magnitude)
            assert key not in table, f"{key} documented twice"
            table[key] = (kind, reason)


# exp(x) overflows float64 for x > 709.78: at |x| ~ 1e4 f and its gradient are inf (or the
# function's value is inf at some of the points): there is no finite value to compare.
_OVERFLOW = "exp overflows at |x| ~ 1e4: f and the exact derivative are inf"
_document(PROBLEM_EXCEPTIONS, SKIP, _OVERFLOW, ["sum_exp"], SCHEMES, 1e4)
_document(SCALAR_EXCEPTIONS, SKIP, _OVERFLOW, ["exp", "softplus"], SCHEMES, 1e4)
# 1/e^x at x ~ -1e4 is inf; with complex input e^z underflows to 0+0j and Numba's complex
# division raises ZeroDivisionError.
_document(SCALAR_EXCEPTIONS, SKIP, _OVERFLOW + " (1/e^x at x ~ -1e4; complex: 1/(0+0j))",
          ["inv_exp"], SCHEMES, 1e4)

# The automatic step is relative to |x| (h = rel*|x| = 1.5e-4, 0.06 and 7.4 for forward,
# central and central4 at |x| ~ 1e4), but sin and cos vary on a unit scale whatever |x| is.
# Truncation with |f''|, |f'''| ~ 1 and |g| ~ 1: forward h/2 ~ 7e-5 > 1e-5; central
# h**2/6 ~ 6e-4 > 1e-7; central4's h = 7.4 is longer than the period 2*pi: no accuracy at all.
# (The complex step is unaffected: h = 2**-60 * |x|.)
_OSCILLATION = (
    "unit-scale oscillation (sin/cos) at |x| ~ 1e4: the relative step h = rel*|x| is far too "
    "long for the truncation error (forward h/2 ~ 7e-5, central h**2/6 ~ 6e-4, central4 "
    "h = 7.4 > period)"
)
_document(PROBLEM_EXCEPTIONS, XFAIL, _OSCILLATION, ["sum_sin", "composite"], REAL_SCHEMES, 1e4)
_document(SCALAR_EXCEPTIONS, XFAIL, _OSCILLATION, ["sin", "exp_sin"], REAL_SCHEMES, 1e4)
# Rastrigin: the 10 cos(2 pi x) terms oscillate on a unit scale too, but |g| ~ 2|x| ~ 3e4:
# forward passes (h |f''| / 2 ~ 1.5e-4 * 400 / 2 = 0.03, relative 1e-6); central does not
# (h**2 |f'''| / 6 ~ 7e-3 * 2500 / 6 ~ 3, relative 1e-4); central4 even less (h ~ 10).
_document(PROBLEM_EXCEPTIONS, XFAIL, _OSCILLATION + "; relative to |g| ~ 3e4 forward passes",
          ["rastrigin10"], ("central", "central4"), 1e4)

# Near a stationary point at 0 the gradient vanishes like g ~ H x, so |g| ~ |H| * 1e-4 at
# |x| ~ 1e-4, while the one-sided truncation error h |H| / 2 uses the step floor
# h = eps**(1/2) * max(1, |x|) = 1.5e-8: relative error ~ 1.5e-8 / (2 * 1e-4) ~ 7.5e-5 > 1e-5
# (measured 4e-5 .. 1.2e-4). The central schemes' truncation is h**2 or h**4: no problem.
_STATIONARY = (
    "one-sided scheme near the stationary point at 0: truncation h|f''|/2 with the step floor "
    "h = 1.5e-8 against |g| ~ |f''| * 1e-4 gives ~7.5e-5 relative > 1e-5"
)
_document(
    PROBLEM_EXCEPTIONS, XFAIL, _STATIONARY,
    ["log_squares", "lorentzian_well", "tanh_squares", "function_2", "saddle_xy", "sphere3",
     "parabola", "ill_conditioned_quadratic10", "matyas", "three_hump_camel",
     "powell_singular", "rastrigin10"],
    ONE_SIDED, 1e-4,
)
_document(SCALAR_EXCEPTIONS, XFAIL, _STATIONARY, ["square", "seed_parabola", "cube"],
          ONE_SIDED, 1e-4)
# x**3 has f'(x) = 3x**2 ~ 3e-8 at |x| ~ 1e-4: even the central truncation
# h**2 |f'''| / 6 = h**2 = 3.7e-11 is 1e-3 relative. (central4 is exact: f5 = 0.)
_document(SCALAR_EXCEPTIONS, XFAIL,
          "x**3 near 0: f' = 3x**2 ~ 3e-8 while the central truncation h**2 = 3.7e-11",
          ["cube"], ("central",), 1e-4)

# 1/(1 + x**2) and log(1 + x**2) round 1 + x**2 with an absolute error ~eps/2 whatever |f|
# is, so the rounding error of a difference quotient is ~eps/h, not eps*|f|/h. With
# |g| ~ 2|x| ~ 2e-4: central4 (h = 7.4e-4) 1.5 * eps / h / 2e-4 ~ 2e-9 > 1e-10.
_ONE_PLUS_X2 = (
    "terms 1/(1+x**2), log(1+x**2) carry absolute rounding ~eps: 1.5*eps/h / |g| with "
    "h = 7.4e-4, |g| ~ 2e-4 is ~2e-9 > 1e-10"
)
_document(PROBLEM_EXCEPTIONS, XFAIL, _ONE_PLUS_X2, ["lorentzian_well", "log_squares"],
          ("central4",), 1e-4)
# The same for central (h = 6.1e-6): lorentzian_well sums two such terms into f ~ -2, whose
# rounding (up to ~6e-16 per evaluation) gives up to 6e-16 / h / |g| ~ 5e-7 > 1e-7; measured
# 9.6e-8: just under the bound by luck. (log_squares, f ~ 3e-8, stays near 0.7e-7 at worst.)
_document(PROBLEM_EXCEPTIONS, SKIP,
          "rounding of f ~ -2 gives up to ~5e-7 > 1e-7 relative; measured 9.6e-8 (luck)",
          ["lorentzian_well"], ("central",), 1e-4)

# Near the singularity at 0 of 1/x, log x and sqrt x the step floor h = rel * max(1, |x|) =
# rel is not small against the distance |x| ~ 1e-4 to the singularity: truncation ~ (h/x)**p,
# forward h/x = 1.5e-4, central (h/x)**2 ~ 4e-3; central4's stencil x - 2h with h = 7.4e-4
# crosses 0 (NaN for log and sqrt, the other branch for 1/x).
_SINGULAR = (
    "singularity at 0 within a few steps: the step floor h = rel is not small against "
    "|x| ~ 1e-4 (truncation ~ (h/x)**p; central4's x - 2h < 0)"
)
_document(SCALAR_EXCEPTIONS, XFAIL, _SINGULAR, ["reciprocal", "log", "sqrt"], REAL_SCHEMES,
          1e-4)

# arctan at |x| ~ 1e4: f' = 1/(1 + x**2) ~ 1e-8 while |f| ~ pi/2, so the rounding error
# eps*|f|/h relative to f' is forward 2.2e-16 * 1.6 / 1.5e-4 / 1e-8 ~ 2e-4 > 1e-5,
# central4 (h ~ 7.6) 1.5 * 2.2e-16 * 1.6 / 7.6 / 1e-8 ~ 7e-9 > 1e-10,
# central (h ~ 0.063) up to ~6e-7: about the bound (measured 1.7e-7).
_FLAT = "f' ~ 1e-8 against |f| ~ pi/2: rounding eps*|f|/h relative to f' exceeds the bound"
_document(SCALAR_EXCEPTIONS, XFAIL, _FLAT, ["arctan"], ONE_SIDED + ("central4",), 1e4)
_document(SCALAR_EXCEPTIONS, SKIP, _FLAT + " (central: ~6e-7 predicted, measured 1.7e-7)",
          ["arctan"], ("central",), 1e4)

# Saturating functions at |x| ~ 1e4: Numba's complex exp/tanh overflow to inf/NaN where the
# real function saturates (sigmoid -> 0 or 1, tanh -> +-1). The complex step's two-step check
# sees the NaN and recomputes those components by central4 in real arithmetic, which is exact
# here (f is flat to rounding, g = 0), and says so with a FastgradWarning. The bound holds.
_SATURATION = "complex exp/tanh overflow at |x| ~ 1e4: central4 fallback with FastgradWarning"
_document(PROBLEM_EXCEPTIONS, WARNS, _SATURATION,
          ["sigmoid_sum", "tanh_squares", "sigmoid_neuron"], ("complex",), 1e4)
_document(SCALAR_EXCEPTIONS, WARNS, _SATURATION, ["tanh", "sigmoid"], ("complex",), 1e4)


def _cases(names, exceptions):
    cases = []
    for name in names:
        for scheme in SCHEMES:
            for magnitude in MAGNITUDES:
                kind, reason = exceptions.get((name, scheme, magnitude), (None, ""))
                marks = ()
                if kind == SKIP:
                    marks = pytest.mark.skip(reason=reason)
                elif kind == XFAIL:
                    marks = pytest.mark.xfail(reason=reason, strict=True)
                cases.append(pytest.param(name, scheme, magnitude, kind == WARNS, marks=marks,
                                          id=f"{name}-{scheme}-{magnitude:g}"))
    return cases


def _relative_error(approx, exact) -> float:
    """max|approx - exact| / max|exact| (absolute where the exact gradient is 0)."""
    scale = float(np.max(np.abs(exact)))
    return float(np.max(np.abs(approx - exact))) / (scale if scale > 0.0 else 1.0)


def _run(expect_warning, call):
    if expect_warning:
        with pytest.warns(fastgrad.FastgradWarning, match="complex step could not be trusted"):
            return call()
    return call()


def test_exception_tables_name_real_cases():
    for name, scheme, magnitude in PROBLEM_EXCEPTIONS:
        assert name in PROBLEMS and scheme in BOUNDS and magnitude in MAGNITUDES
    for name, scheme, magnitude in SCALAR_EXCEPTIONS:
        assert name in SCALAR_FUNCTIONS and scheme in BOUNDS and magnitude in MAGNITUDES
    assert len(PROBLEMS) >= 20


@pytest.mark.parametrize("name, scheme, magnitude, warns",
                         _cases(PROBLEMS, PROBLEM_EXCEPTIONS))
def test_gradient_accuracy(problem_switch, name, scheme, magnitude, warns):
    p = PROBLEMS[name]
    x = magnitude * PATTERN[: p.n]
    with np.errstate(over="ignore"):  # the analytic sigmoid's exp(-x) saturates to inf -> 0
        exact = p.grad(x)
    g = _run(warns, lambda: fastgrad.gradient(problem_switch.f, x, method=scheme,
                                              args=problem_switch.args(p.f)))
    assert _relative_error(g, exact) <= BOUNDS[scheme]


@pytest.mark.parametrize("name, scheme, magnitude, warns",
                         _cases(SCALAR_FUNCTIONS, SCALAR_EXCEPTIONS))
def test_derivative_accuracy(scalar_switch, name, scheme, magnitude, warns):
    s = SCALAR_FUNCTIONS[name]
    pattern = np.abs(SCALAR_PATTERN) if s.domain == "positive" else SCALAR_PATTERN
    x = magnitude * pattern
    d = _run(warns, lambda: fastgrad.derivative(scalar_switch.f, x, method=scheme,
                                                args=scalar_switch.args(s.f)))
    assert d.shape == x.shape
    with np.errstate(over="ignore"):
        exact = np.array([s.df(t) for t in x])
    # Each point is its own problem: the error is relative to |f'| at that point.
    errors = [_relative_error(d[i : i + 1], exact[i : i + 1]) for i in range(x.size)]
    assert max(errors) <= BOUNDS[scheme]


# ---------------------------------------------------------------------------
# The switch objective is transparent
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_switch_is_transparent(problem_switch, scalar_switch, scheme):
    """The tables' switch objective gives bit for bit what the function itself gives."""
    p = PROBLEMS["rosenbrock2"]
    x = np.array([-1.2, 1.0]) + 0.3 * PATTERN[:2]
    direct = fastgrad.gradient(p.f, x, method=scheme)
    switched = fastgrad.gradient(problem_switch.f, x, method=scheme,
                                 args=problem_switch.args(p.f))
    np.testing.assert_array_equal(switched, direct)
    if scheme == "complex":
        return  # the scalar switch is built the same way; this saves a compilation
    s = SCALAR_FUNCTIONS["seed_poly_a"]
    t = np.array([5.0, 10.0, -3.25])
    np.testing.assert_array_equal(
        fastgrad.derivative(scalar_switch.f, t, method=scheme, args=scalar_switch.args(s.f)),
        fastgrad.derivative(s.f, t, method=scheme),
    )


# ---------------------------------------------------------------------------
# The compiled engine computes the reference implementation's formula
# ---------------------------------------------------------------------------

H_FIXED = 2.0 ** -13
"""A fixed step near the seeds' 1e-4. A power of two, so that x + h is exact for the points
below and the engine's divisor (x + h) - x equals the reference's h exactly."""


def _libm_tolerance(fmax: float, h: float) -> float:
    """Allowance for ``f`` itself differing by an ulp between numpy and compiled code.

    Functions built from + - * / and sqrt are correctly rounded in both and agree bit for bit;
    transcendental functions (tanh, exp, ...) come from numpy's and LLVM's math libraries,
    which may differ in the last ulp. An ulp of f in each of two evaluations changes a
    difference quotient with divisor h by up to 2 * eps * |f| / h.
    """
    return 2.0 * EPS * fmax / h


@pytest.mark.parametrize("name", PROBLEMS)
def test_gradient_equals_reference_with_fixed_step(problem_switch, name):
    p = PROBLEMS[name]
    x = np.array(p.x0) + 0.25 * PATTERN[: p.n]
    assert np.all((x + H_FIXED) - x == H_FIXED)
    ref = reference.numerical_gradient(p.f, x, H_FIXED)
    g = fastgrad.gradient(problem_switch.f, x, step=H_FIXED, args=problem_switch.args(p.f))
    tol = 1e-12 * np.max(np.abs(ref)) + _libm_tolerance(abs(p.f(x)), H_FIXED)
    assert np.max(np.abs(g - ref)) <= tol


@pytest.mark.parametrize("method", ["forward", "central"])
@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_derivative_equals_reference_with_fixed_step(scalar_switch, name, method):
    s = SCALAR_FUNCTIONS[name]
    x = np.array([0.3, 1.7, 5.0, 10.0] if s.domain == "positive" else [-2.3, 0.7, 5.0, 10.0])
    assert np.all((x + H_FIXED) - x == H_FIXED)
    ref = np.array([reference.numerical_diff(s.f, t, H_FIXED, method) for t in x])
    d = fastgrad.derivative(scalar_switch.f, x, step=H_FIXED, method=method,
                            args=scalar_switch.args(s.f))
    for t, di, ri in zip(x, d, ref):
        assert abs(di - ri) <= 1e-12 * abs(ri) + _libm_tolerance(abs(s.f(t)), H_FIXED)
