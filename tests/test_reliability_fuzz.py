"""Fuzzing: random shapes, scales (1e-8 ... 1e8), dtypes, schemes and steps.

No crash, and no silent garbage: every call either raises a ``ValueError`` that says what is
wrong (a value that is not finite in the input's own dtype, a step that vanishes against x), or
returns finite float64 numbers of the right shape, accurate to the scheme's order when the
step is automatic. The objectives are smooth and finite everywhere, with exact derivatives.
Examples are derandomized (the same ones on every run) and counted per test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastgrad
from fastgrad.result import STATUS, SUCCESS, inf_norm

SCHEMES = ["forward", "backward", "central", "central4", "complex"]
TOLERANCE = {"forward": 1e-6, "backward": 1e-6, "central": 1e-9, "central4": 1e-10,
             "complex": 1e-13}
"""Error bound of component i per scheme, relative to ``max(1, |g_i|, |f| / max(1, |x_i|))``:
the automatic step ``h = rel max(1, |x_i|)`` leaves a rounding error of about
``(eps / rel) |f| / max(1, |x_i|)`` (eps/rel = 1.5e-8, 3.7e-11, 3e-13 for forward, central,
central4; none for the complex step) and a truncation error that, for these objectives, is
smaller still. The README's "Guarantees and limits" states the same bound."""
DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32]
ORDERS = {"forward": 0.5, "backward": 0.5, "central": 2 / 3, "central4": 0.8}
"""A float32 or float16 x is known to its own precision only: the automatic step of the
real schemes is that of its precision (eps**(1/2), eps**(1/3), eps**(1/5)), whose error is
of order eps**p with these p. The bound is then 30 eps**p (float32) or 100 eps**p (float16),
the bound the README states (tests/test_probe.py measures it); the complex step is unaffected."""


def tolerance(scheme: str, dtype) -> float:
    dtype = np.dtype(dtype)
    if scheme == "complex" or dtype.kind != "f" or dtype.itemsize == 8:
        return TOLERANCE[scheme]
    eps = float(np.finfo(dtype).eps)
    return (30.0 if dtype.itemsize == 4 else 100.0) * eps ** ORDERS[scheme]

EXAMPLES = {}
"""Test name -> examples run (checked at the end of the module)."""


def fuzz_settings(examples: int):
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def count(name: str) -> None:
    EXAMPLES[name] = EXAMPLES.get(name, 0) + 1


def smooth(x, a):
    """sum a_i x_i**2 + log(1 + x_i**2): smooth and finite at every scale, for real and
    complex x (products only, no abs)."""
    s = 0.0 * x[0]
    for i in range(x.shape[0]):
        s += a[i] * x[i] * x[i] + np.log(1.0 + x[i] * x[i])
    return s


def smooth_gradient(x, a):
    return 2.0 * a[: x.shape[-1]] * x + 2.0 * x / (1.0 + x * x)


def smooth_1d(t):
    """0.5 t**2 + log(1 + t**2)."""
    return 0.5 * t * t + np.log(1.0 + t * t)


def smooth_1d_derivative(t):
    return t + 2.0 * t / (1.0 + t * t)


COEFFICIENTS = np.array([1.0, 0.5, 2.0, 3.0, 0.25, 1.5])


@st.composite
def points(draw, max_rows=4):
    """(x in the drawn dtype, the float64 x fastgrad computes at, or None if not finite)."""
    n = draw(st.integers(1, 6))
    rows = draw(st.sampled_from([None] + list(range(1, max_rows + 1))))
    shape = (n,) if rows is None else (rows, n)
    scale = 10.0 ** draw(st.integers(-8, 8))
    unit = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=int(np.prod(shape)),
                                  max_size=int(np.prod(shape))))).reshape(shape)
    dtype = draw(st.sampled_from(DTYPES))
    with np.errstate(all="ignore"):
        x = (unit * scale).astype(dtype)  # float16 overflows to inf beyond 65504
        as_float = x.astype(np.float64)
    return x, (as_float if np.isfinite(as_float).all() else None)


def within_bound(got, exact, f_abs, x64, scheme, dtype=np.float64) -> bool:
    """``|got - exact| <= tolerance * max(1, |exact|, |f| / max(1, |x|))`` componentwise."""
    scale = np.maximum(np.maximum(1.0, np.abs(exact)), f_abs / np.maximum(1.0, np.abs(x64)))
    error = np.max(np.abs(got - exact) / scale)
    assert error <= tolerance(scheme, dtype), (scheme, error)
    return True


def check_outcome(call, x64, exact, scheme, step, f_abs=0.0, dtype=np.float64):
    """Run ``call``: a clear ValueError, or finite float64 results (within the scheme's bound
    with an automatic step). With a step given, the complex step's self-check may fall back
    to central4 and warn (its truncation error shows at steps like 1e-3)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = call()
        for warning in caught:
            assert issubclass(warning.category, fastgrad.FastgradWarning)
            assert scheme == "complex" and step is not None, str(warning.message)
    except ValueError as exc:
        message = str(exc)
        if x64 is None:  # the input itself was not finite in its dtype (float16 overflow)
            assert "must be finite" in message, message
            return "error"
        assert step is not None and "step is too small for x" in message, message
        return "error"
    assert x64 is not None, "a non-finite x was accepted"
    got = np.asarray(got)
    assert got.dtype == np.float64 and got.shape == np.shape(exact)
    assert np.isfinite(got).all(), got
    if step is None:
        within_bound(got, exact, f_abs, x64, scheme, dtype)
    return "ok"


@fuzz_settings(300)
@given(point=points(), scheme=st.sampled_from(SCHEMES),
       step=st.one_of(st.none(), st.sampled_from([1e-12, 1e-6, 1e-3])))
def test_gradient_never_crashes_nor_returns_garbage(point, scheme, step):
    count("gradient")
    x, x64 = point
    a = COEFFICIENTS[: x.shape[-1]].copy()
    exact, f_abs = np.zeros(x.shape), 0.0
    if x64 is not None:
        exact = smooth_gradient(x64, COEFFICIENTS)
        f_abs = np.abs([smooth(row, a) for row in np.atleast_2d(x64)])
        f_abs = f_abs[:, None] if x.ndim == 2 else f_abs[0]
    check_outcome(lambda: fastgrad.gradient(smooth, x, method=scheme, step=step, args=(a,)),
                  x64, exact, scheme, step, f_abs, x.dtype)


@fuzz_settings(120)
@given(shape=st.sampled_from([(), (1,), (5,), (2, 3), (2, 2, 2)]),
       exponent=st.integers(-8, 8), dtype=st.sampled_from(DTYPES),
       scheme=st.sampled_from(SCHEMES), seed=st.integers(0, 2**16))
def test_derivative_never_crashes_nor_returns_garbage(shape, exponent, dtype, scheme, seed):
    count("derivative")
    unit = np.random.default_rng(seed).uniform(-1.0, 1.0, shape)
    with np.errstate(all="ignore"):
        x = (unit * 10.0**exponent).astype(dtype)
        x64 = x.astype(np.float64)
    finite = np.isfinite(x64).all()
    exact = smooth_1d_derivative(x64) if finite else np.zeros(shape)
    f_abs = np.abs(smooth_1d(x64)) if finite else 0.0
    outcome = check_outcome(lambda: fastgrad.derivative(smooth_1d, x, method=scheme),
                            x64 if finite else None, exact, scheme, None, f_abs, x.dtype)
    if outcome == "ok" and shape == ():
        assert isinstance(fastgrad.derivative(smooth_1d, x, method=scheme), float)


@fuzz_settings(80)
@given(point=points(max_rows=0), scheme=st.sampled_from(SCHEMES))
def test_hessian_and_jacobian_never_crash_nor_return_garbage(point, scheme):
    count("hessian and jacobian")
    x, x64 = point
    a = COEFFICIENTS[: x.shape[0]].copy()
    n = x.shape[0]
    if x64 is None:
        with pytest.raises(ValueError, match="must be finite"):
            fastgrad.hessian(smooth, x, args=(a,))
        return
    hess = fastgrad.hessian(smooth, x, args=(a,))
    exact_h = np.diag(2.0 * a + (2.0 - 2.0 * x64**2) / (1.0 + x64**2) ** 2)
    assert hess.dtype == np.float64 and hess.shape == (n, n) and np.isfinite(hess).all()
    assert np.array_equal(hess, hess.T)
    # central second differences with h = eps**(1/4) max(1, |x|): rounding of about
    # eps**(1/2) |f| / (max(1, |x_i|) max(1, |x_j|)), far above the truncation here
    m = np.maximum(1.0, np.abs(x64))
    scale = np.maximum(np.maximum(1.0, np.abs(exact_h)), abs(smooth(x64, a)) / np.outer(m, m))
    low = x.dtype.kind == "f" and x.dtype.itemsize < 8  # steps of x's own precision
    bound = (30.0 if x.dtype.itemsize == 4 else 100.0) * float(np.finfo(x.dtype).eps) ** 0.5 \
        if low else 1e-6
    assert np.max(np.abs(hess - exact_h) / scale) <= bound
    jac = fastgrad.jacobian(smooth, x, method=scheme, args=(a,))
    assert jac.shape == (1, n)
    check_outcome(lambda: jac[0], x64, smooth_gradient(x64, COEFFICIENTS), scheme, None,
                  abs(smooth(x64, a)), x.dtype)


@fuzz_settings(150)
@given(point=points(max_rows=3), method=st.sampled_from(["gd", "momentum", "nesterov",
                                                         "adam", "lbfgs"]),
       jac=st.sampled_from(["central", "forward", "central4", "complex"]),
       lr=st.sampled_from([1e-3, 0.05, 0.2, 1.5]), max_iter=st.integers(1, 60))
def test_minimize_never_crashes_and_its_result_is_consistent(point, method, jac, lr, max_iter):
    count("minimize")
    x, x64 = point
    a = COEFFICIENTS[: x.shape[-1]].copy()
    if x64 is None:
        with pytest.raises(ValueError, match="x0 must be finite"):
            fastgrad.minimize(smooth, x, args=(a,), method="gd")
        return
    res = fastgrad.minimize(smooth, x, method=method, jac=jac, lr=lr, max_iter=max_iter,
                            args=(a,))
    batched = x.ndim == 2
    rows = [res] if not batched else [
        {key: (value[r] if key != "best" else None) for key, value in res.items()}
        for r in range(x.shape[0])]
    for row, start in zip(rows, np.atleast_2d(x64)):
        status = int(row["status"])
        assert status in STATUS and status != 7
        assert bool(row["success"]) == (status in SUCCESS)
        assert 0 <= row["nit"] <= max_iter and row["nfev"] >= row["njev"] >= 1
        assert row["x"].dtype == np.float64 and row["x"].shape == (x.shape[-1],)
        message = row["message"]
        assert isinstance(message, str) and message
        if status == 2:  # diverged: said so, with where
            assert message.startswith("diverged at"), message
            continue
        assert np.isfinite(row["x"]).all() and np.isfinite(row["jac"]).all()
        assert row["fun"] == smooth(row["x"], a)  # fun is f at the reported x, bit for bit
        if status == 0:
            assert inf_norm(row["jac"]) <= 1e-6
        if method == "lbfgs":  # a line search: f never increases
            assert row["fun"] <= smooth(start, a)


def test_every_fuzz_test_ran_its_examples():
    """Runs last in this module: the counts are reported by ``pytest -v`` in the test id."""
    if not EXAMPLES:
        pytest.skip("run together with the fuzz tests above")
    print(f"fuzz examples run: {EXAMPLES}, {sum(EXAMPLES.values())} in all")
    assert EXAMPLES.get("gradient", 0) >= 100, EXAMPLES
    assert sum(EXAMPLES.values()) >= 300, EXAMPLES
