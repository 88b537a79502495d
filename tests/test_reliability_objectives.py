"""Bad objectives: a clear error or a reported result, never a crash or a silent wrong answer.

Objectives that return the wrong thing, raise, return NaN in places, cannot be compiled, or
write into the ``x`` they are given; and inputs of every real dtype. Each case runs on both
engines (compiled and ``jit=False``) where the behaviour could differ. To keep compilation
cheap, the compiled cases of raising, NaN and writing share one objective,
:func:`troublesome`, whose behaviour is selected by ``args``.
"""

from __future__ import annotations

import traceback

import numpy as np
import pytest

import fastgrad
from fastgrad import problems
from fastgrad.result import DIVERGED

ENGINES = [None, False]
ENGINE_IDS = ["jit", "python"]

BOWL, RAISES, NAN_ABOVE_FIVE, WRITES_X, UPHILL_INTO_NAN = range(5)


def troublesome(x, mode):
    """A bowl ``sum (x_i - 1)**2``, except that

    * RAISES: raises ``ValueError`` where ``x[0] > 1.5``;
    * NAN_ABOVE_FIVE: is NaN where ``x[1] > 5``;
    * WRITES_X: sets ``x[0] = 7`` (in fastgrad's workspace) before evaluating;
    * UPHILL_INTO_NAN: is ``x[0]**2 - x[1]``, NaN where ``x[1] > 5`` (descent walks into it).
    """
    if mode == RAISES and x[0] > 1.5:
        raise ValueError("troublesome: cannot evaluate beyond x[0] = 1.5")
    if mode == WRITES_X:
        x[0] = 7.0
    if (mode == NAN_ABOVE_FIVE or mode == UPHILL_INTO_NAN) and x[1] > 5.0:
        return np.nan
    if mode == UPHILL_INTO_NAN:
        return x[0] * x[0] - x[1]
    s = 0.0
    for i in range(x.shape[0]):
        s += (x[i] - 1.0) * (x[i] - 1.0)
    return s


def returns_a_vector(x):
    return 2.0 * x


def returns_a_string(x):
    return "1.0"


def returns_none(x):
    return None


def returns_a_complex(x):
    return complex(x[0], 1.0)


def returns_a_bool(x):
    return x[0] > 0.0


def needs_an_argument(x, scale):
    return scale * x[0] * x[0]


def bowl(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += (x[i] - 1.0) * (x[i] - 1.0)
    return s


def bowl_jac_wrong_length(x):
    return np.zeros(x.shape[0] + 1)


def bowl_jac_string(x):
    return "gradient"


def bowl_jac_grows(x):
    """The bowl's gradient while x[0] > 2, one entry too many once x[0] <= 2."""
    g = 2.0 * (x - 1.0)
    if x[0] > 2.0:
        return g
    return np.concatenate((g, np.zeros(1)))


def squares_in_python(x):
    """sum x_i**2 written with Python objects Numba cannot compile (a generator over a list)."""
    return sum(v * v for v in x.tolist())


def squares(x):
    """The same arithmetic as :func:`squares_in_python`, compiled."""
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
    return s


SEEN = []


def records_its_x(x):
    SEEN.append(x)
    return float(np.sum(x * x))


X0 = np.array([3.0, 2.0])

# ---------------------------------------------------------------------------------------------
# Wrong return values: a ValueError that says what f returned
# ---------------------------------------------------------------------------------------------

WRONG_RETURNS = [
    (returns_a_vector, r"must return a (real )?scalar \(a float\); (its compiled version "
                       r"returns array\(float64, 1d, C\)|it returned an array of shape \(2,\))"),
    (returns_a_string, r"must return a (real )?scalar \(a float\); .*(unicode_type|<U3)"),
    (returns_none, r"must return a (real )?scalar \(a float\); .*(none|None)"),
]


@pytest.mark.parametrize("jit", ENGINES, ids=ENGINE_IDS)
@pytest.mark.parametrize(("f", "match"), WRONG_RETURNS, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("entry", ["gradient", "minimize"])
def test_a_wrong_return_value_is_a_value_error_saying_what_f_returned(f, match, jit, entry):
    x0 = X0.copy()
    with pytest.raises(ValueError, match=match):
        if entry == "gradient":
            fastgrad.gradient(f, x0, jit=jit)
        else:
            fastgrad.minimize(f, x0, jit=jit, method="gd")
    np.testing.assert_array_equal(x0, X0)


@pytest.mark.parametrize("f, what", [(returns_a_complex, "complex"), (returns_a_bool, "bool")])
def test_minimize_needs_a_real_value_not_a_complex_or_a_bool(f, what):
    with pytest.raises(ValueError, match=rf"f must return a real scalar \(a float\); .*{what}"):
        fastgrad.minimize(f, X0, method="gd")
    with pytest.raises(ValueError, match=r"f must return a real scalar \(a float\)"):
        fastgrad.minimize(f, X0, jit=False, method="gd")


@pytest.mark.parametrize("jit", ENGINES, ids=ENGINE_IDS)
def test_an_objective_that_needs_more_arguments_than_args_is_a_type_error(jit):
    with pytest.raises(TypeError, match=r"f must accept x and the 0 extra argument\(s\) in args, "
                                        r"as f\(x, \*args\); needs_an_argument\(x, scale\)"):
        fastgrad.minimize(needs_an_argument, X0, jit=jit, method="gd")
    res = fastgrad.minimize(needs_an_argument, X0, args=(2.0,), method="lbfgs", jit=False)
    assert res.success  # (the check is made before anything compiles: one engine suffices)


@pytest.mark.parametrize("jit", ENGINES, ids=ENGINE_IDS)
def test_a_jac_of_the_wrong_length_or_kind_is_refused_at_x0(jit):
    with pytest.raises(ValueError, match=r"jac must return a real array of shape \(2,\) \(the "
                                         r"shape of x\), got shape \(3,\) of dtype float64"):
        fastgrad.minimize(bowl, X0, jac=bowl_jac_wrong_length, jit=jit, method="gd")
    with pytest.raises(ValueError, match=r"jac must return a real array of shape \(2,\) .*got "
                                         r"'gradient' of dtype <U8"):
        fastgrad.minimize(bowl, X0, jac=bowl_jac_string, jit=False, method="gd")


@pytest.mark.parametrize(("jit", "batched"), [(None, False), (False, False), (False, True)],
                         ids=["jit", "python", "python-batched"])
def test_a_jac_that_changes_length_later_raises_instead_of_reading_past_its_end(jit, batched):
    x0 = np.array([[3.0, 2.0], [4.0, 2.0]]) if batched else X0.copy()
    with pytest.raises(ValueError, match=r"jac must return an array of shape \(n,\), the shape "
                                         r"of x: it returned another length"):
        fastgrad.minimize(bowl, x0, jac=bowl_jac_grows, method="gd", lr=0.1, jit=jit)


# ---------------------------------------------------------------------------------------------
# f raises: the exception reaches the caller, with its traceback; the caller's arrays intact
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jit", "entry"),
    [(jit, entry) for jit in ENGINES for entry in ("gradient", "hessian", "minimize")]
    + [(False, "minimize batched")],  # compiled batches: tests/test_minimize.py
    ids=lambda v: {None: "jit", False: "python"}.get(v, v),
)
def test_an_exception_of_f_reaches_the_caller_with_its_traceback(jit, entry):
    x = np.array([1.5, 2.0])  # f is fine here, not one step further along x[0]
    start = np.array([[1.0, 0.0], [3.0, 2.0]])  # the second start goes beyond 1.5 at once
    mode = np.array([RAISES])  # an array in args: it must come back untouched too
    keep = (x.copy(), start.copy(), mode.copy())
    with pytest.raises(ValueError, match="troublesome: cannot evaluate beyond") as info:
        if entry == "gradient":
            fastgrad.gradient(troublesome, x, args=(mode[0],), jit=jit)
        elif entry == "hessian":
            fastgrad.hessian(troublesome, x, args=(mode[0],), jit=jit)
        elif entry == "minimize":
            fastgrad.minimize(troublesome, start[1], args=(mode[0],), jit=jit, method="gd")
        else:
            fastgrad.minimize(troublesome, start, args=(mode[0],), jit=jit, method="gd")
    frames = [frame.name for frame in traceback.extract_tb(info.tb)]
    assert frames[0] == "test_an_exception_of_f_reaches_the_caller_with_its_traceback"
    if jit is False:  # Python code has frames all the way down to f
        assert frames[-1] == "troublesome"
    for kept, now in zip(keep, (x, start, mode)):
        np.testing.assert_array_equal(now, kept)


# ---------------------------------------------------------------------------------------------
# NaN in places: reported where it is, never hidden, and minimize says where it diverged
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("jit", ENGINES, ids=ENGINE_IDS)
@pytest.mark.parametrize("method", ["forward", "central", "central4"])
def test_a_nan_of_f_shows_in_the_components_whose_stencil_reaches_it(jit, method):
    x = np.array([2.0, 5.0])  # f(x) is finite; f(x + h e_1) is NaN
    g = fastgrad.gradient(troublesome, x, method=method, args=(NAN_ABOVE_FIVE,), jit=jit)
    assert np.isnan(g[1])
    assert g[0] == pytest.approx(2.0, rel=1e-6)
    rows = fastgrad.gradient(troublesome, np.array([[2.0, 5.0], [2.0, 3.0]]), method=method,
                             args=(NAN_ABOVE_FIVE,), jit=jit)
    assert np.isnan(rows[0, 1]) and np.isfinite(rows[0, 0]) and np.isfinite(rows[1]).all()


@pytest.mark.parametrize("jit", ENGINES, ids=ENGINE_IDS)
def test_minimize_stops_a_run_that_meets_nan_as_diverged_and_says_where(jit):
    res = fastgrad.minimize(troublesome, [0.5, 4.0], args=(UPHILL_INTO_NAN,), method="gd",
                            lr=0.1, max_iter=100, jit=jit)
    assert res.status == DIVERGED and not res.success and 0 < res.nit < 100
    assert res.message.startswith(f"diverged at iteration {res.nit}: ")
    assert "x = [" in res.message and "lower the learning rate (lr=0.1)" in res.message
    # it stopped at the first iterate whose gradient stencil (or f) met the NaN region
    if np.isfinite(res.fun):
        assert "the gradient has non-finite component(s) [1] = [nan] at x = [" in res.message
        assert np.isnan(res.jac[1]) and res.x[1] <= 5.0
    else:
        assert "f = nan at x = [" in res.message


@pytest.mark.parametrize("jit", ENGINES, ids=ENGINE_IDS)
def test_nan_at_x0_is_reported_at_x0(jit):
    res = fastgrad.minimize(troublesome, [0.0, 6.0], args=(NAN_ABOVE_FIVE,), jit=jit, method="gd")
    assert res.status == DIVERGED and res.nit == 0
    assert res.message.startswith("diverged at x0: f(x0) = nan; check that f is finite near x0")


def test_in_a_batch_only_the_start_that_meets_nan_diverges():
    starts = np.array([[0.5, 4.0], [0.5, -4.0]])
    res = fastgrad.minimize(troublesome, starts, args=(UPHILL_INTO_NAN,), method="gd", lr=0.1,
                            max_iter=30, jit=False)
    assert res.status.tolist() == [DIVERGED, 1]
    assert res.message[0].startswith("diverged at iteration")
    assert np.isfinite(res.x[1]).all()


# ---------------------------------------------------------------------------------------------
# Objectives Numba cannot compile: a warning, then the same numbers on the Python engine
# ---------------------------------------------------------------------------------------------


def test_an_uncompilable_objective_warns_once_and_gives_the_same_numbers():
    x = np.array([0.3, -1.7, 2.5])
    with pytest.warns(fastgrad.FastgradWarning, match="runs the objective squares_in_python on "
                                                      "the Python engine"):
        g_python = fastgrad.gradient(squares_in_python, x)
    np.testing.assert_array_equal(g_python, fastgrad.gradient(squares, x))
    res_python = fastgrad.minimize(squares_in_python, x, method="lbfgs")  # no second warning
    res_jit = fastgrad.minimize(squares, x, method="lbfgs")
    for key in ("x", "fun", "jac", "nit", "nfev", "status", "message"):
        assert np.array_equal(res_python[key], res_jit[key]), key


# ---------------------------------------------------------------------------------------------
# Side effects on x: f gets fastgrad's workspace, never the caller's array
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("jit", ENGINES, ids=ENGINE_IDS)
def test_an_objective_that_writes_into_x_never_touches_the_callers_array(jit):
    # the write is refused (tests/test_probe_writes.py), and the caller's arrays are intact
    x = np.array([1.0, 2.0, 3.0])
    batch = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    keep = (x.copy(), batch.copy())
    args = (WRITES_X,)
    for call in (lambda: fastgrad.gradient(troublesome, x, args=args, jit=jit),
                 lambda: fastgrad.gradient(troublesome, batch, args=args, jit=jit),
                 lambda: fastgrad.hessian(troublesome, x, args=args, jit=jit),
                 lambda: fastgrad.minimize(troublesome, x, args=args, max_iter=20, jit=jit,
                                           method="gd")):
        with pytest.raises(fastgrad.ObjectiveWriteError, match=r"x\[0\]: 1.0 -> 7.0"):
            call()
    np.testing.assert_array_equal(x, keep[0])
    np.testing.assert_array_equal(batch, keep[1])


def test_the_arrays_f_sees_never_share_memory_with_the_callers():
    x = np.array([1.0, 2.0])
    batch = np.array([[1.0, 2.0], [3.0, 4.0]])
    SEEN.clear()
    fastgrad.gradient(records_its_x, x, jit=False)
    fastgrad.gradient(records_its_x, batch, jit=False)
    fastgrad.hessian(records_its_x, x, jit=False)
    fastgrad.jacobian(records_its_x, x, jit=False)
    fastgrad.minimize(records_its_x, x, max_iter=3, jit=False, method="gd")
    fastgrad.minimize(records_its_x, batch, max_iter=3, jit=False, method="gd")
    assert len(SEEN) > 20
    assert not any(np.shares_memory(seen, x) or np.shares_memory(seen, batch) for seen in SEEN)


# ---------------------------------------------------------------------------------------------
# Input dtypes: any real dtype works; results are float64
# ---------------------------------------------------------------------------------------------

DTYPES = [np.float32, np.float16, np.int32, np.int64, np.uint8]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_real_input_dtype_gives_float64_results_equal_to_float64_input(dtype):
    """Integers are exact in float64: the results equal those of the float64 input. A float32
    or float16 x is known to its own precision only, so the automatic step is the one of that
    precision (as in SciPy): the results equal those of the float64 input with that step."""
    f = problems.function_2  # x0**2 + x1**2
    x = np.array([3.0, 4.0]).astype(dtype)
    x64 = x.astype(np.float64)  # exact: every value above is representable in every dtype
    low = np.dtype(dtype).kind == "f"
    eps = float(np.finfo(dtype).eps) if low else np.finfo(np.float64).eps
    scale = np.maximum(1.0, np.abs(x64))
    central, hess = eps ** (1 / 3) * scale, eps ** 0.25 * scale
    # the conversion happens before either engine runs: minimize is checked on the Python one
    for call, step in ((lambda v, s: fastgrad.gradient(f, v, step=s), central),
                       (lambda v, s: fastgrad.hessian(f, v, step=s), hess),
                       (lambda v, s: fastgrad.jacobian(f, v, step=s), central),
                       (lambda v, s: fastgrad.gradient(f, v[None, :], step=s), central),
                       (lambda v, s: fastgrad.derivative(problems.seed_poly_a, v[:1],
                                                         step=s if s is None else s[0]),
                        central)):
        got, want = call(x, None), call(x64, step if low else None)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)
    for call in (lambda v: fastgrad.minimize(f, v, method="lbfgs", jac="central", jit=False).x,
                 lambda v: fastgrad.minimize(f, np.stack([v, v]), jit=False, method="gd").x):
        got, want = call(x), call(x64)
        assert got.dtype == np.float64
        if low:  # f is quadratic: central differences are exact up to rounding, any step
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
        else:
            np.testing.assert_array_equal(got, want)
    assert isinstance(fastgrad.check_grad(f, problems.function_2_grad, x), float)
    assert fastgrad.minimize(f, x, method="lbfgs", jit=False).fun.__class__ is float
