"""Tests of fastgrad.minimize, grouped by what they prove.

Objectives come from the shared problem table (module-level functions), so each is compiled
once for the whole module; tests whose point does not depend on compilation use the Python
engine (``jit=False``), which compiles nothing.
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import fastgrad
from fastgrad import problems
from fastgrad._core import cache
from fastgrad.optimize import api as _api
from fastgrad.optimize import driver as _driver
from fastgrad.optimize import loop as _loop
from fastgrad.optimize import methods as _methods
from fastgrad.problems import PROBLEMS
from fastgrad.reference import gradient_descent
from fastgrad.result import STATUS, OptimizeResult

SEED = PROBLEMS["seed_quadratic3"]
F2 = PROBLEMS["function_2"]
RASTRIGIN = problems.make_rastrigin(2)
FIELDS = ("x", "fun", "jac", "nit", "nfev", "njev", "success", "status", "message")
METHODS = ("gd", "momentum", "nesterov", "adam", "lbfgs")


def least_squares(w, X, y):
    s = 0.0
    for i in range(X.shape[0]):
        r = -y[i]
        for j in range(X.shape[1]):
            r += X[i, j] * w[j]
        s += 0.5 * r * r
    return s


def least_squares_grad(w, X, y):
    g = np.zeros(w.shape[0])
    for i in range(X.shape[0]):
        r = -y[i]
        for j in range(X.shape[1]):
            r += X[i, j] * w[j]
        for j in range(X.shape[1]):
            g[j] += r * X[i, j]
    return g


_rng = np.random.default_rng(7)
LS_X = _rng.standard_normal((40, 4))
LS_Y = LS_X @ np.array([1.5, -2.0, 0.5, 3.0]) + 0.1 * _rng.standard_normal(40)


def assert_rows_equal(batched, i, single):
    """Row i of a batched result equals a single-start result, field by field."""
    for key, value in single.items():
        row = batched[key][i]
        if key in ("x_history", "f_history"):
            row = row[: single.nit + 1]
        if key == "message":
            assert row == value
        else:
            assert np.array_equal(row, value, equal_nan=True), key


# ---------------------------------------------------------------------------------------------
# The seeds' experiments
# ---------------------------------------------------------------------------------------------


def test_seed_example_gradient_descent_and_history_equal_reference():
    res = fastgrad.minimize(SEED.f, [10, 10, 10], method="gd", lr=0.01, max_iter=500, gtol=0,
                            history=True)
    np.testing.assert_allclose(res.x, [1.00000001, 0.50038973, -3.99942566], atol=1e-8)
    x_ref, hist_ref = gradient_descent(SEED.f, [10, 10, 10], lr=0.01, step_num=500,
                                       history=True)
    assert res.x_history.shape == (501, 3) and res.f_history.shape == (501,)
    np.testing.assert_allclose(res.x_history, hist_ref, rtol=0, atol=1e-9)
    assert res.status == 1 and not res.success  # gtol=0: the 500 steps of the seeds ran
    assert "max_iter=500" in res.message


def test_seed_example_with_the_reference_step():
    res = fastgrad.minimize(SEED.f, [10, 10, 10], lr=0.01, max_iter=500, gtol=0, step=1e-4,
                            history=True, method="gd")
    _, hist_ref = gradient_descent(SEED.f, [10, 10, 10], lr=0.01, step_num=500, history=True)
    np.testing.assert_allclose(res.x_history, hist_ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("lr", "expected", "atol"),
    [
        # 1e-21 is rounding noise of the seeds' last steps (h = 1e-4): compare as zero
        (0.2, [-2.14405215e-21, 6.35274710e-21], 1e-21),
        (0.1, [-6.11110793e-10, 8.14814391e-10], 1e-17),
        (0.01, [-0.39785867, 0.53047822], 1e-8),
    ],
)
def test_seed_learning_rates(lr, expected, atol):
    res = fastgrad.minimize(F2.f, [-3, 4], lr=lr, max_iter=100, gtol=0, step=1e-4, method="gd")
    np.testing.assert_allclose(res.x, expected, rtol=0, atol=atol)
    if lr == 0.2:  # the gradient became exactly 0: converged even with gtol = 0
        assert res.success and res.nit <= 100
    else:
        assert res.status == 1 and res.nit == 100
    if lr == 0.01:
        assert "f decreased" in res.message and "lbfgs" in res.message


def test_seed_lr_1_oscillates_and_is_reported_as_not_converged():
    res = fastgrad.minimize(F2.f, [-3, 4], lr=1.0, max_iter=100, method="gd")
    np.testing.assert_allclose(res.x, [-3, 4], atol=1e-6)
    assert not res.success and res.status == 1
    assert "did not converge" in res.message and "lower the learning rate (lr=1)" in res.message


def test_seed_lr_1_1_diverges():
    res = fastgrad.minimize(F2.f, [-3, 4], lr=1.1, max_iter=5000, method="gd")
    assert not res.success and res.status == 2
    assert 100 < res.nit < 5000 and not np.isfinite(res.fun)
    assert f"diverged at iteration {res.nit}" in res.message
    assert "lower the learning rate (lr=1.1)" in res.message
    short = fastgrad.minimize(F2.f, [-3, 4], lr=1.1, max_iter=100, method="gd")  # the seeds' 100 steps
    np.testing.assert_allclose(short.x, [-2.5e8, 3.3e8], rtol=0.01)
    assert short.status == 1 and "f did not decrease" in short.message


# ---------------------------------------------------------------------------------------------
# Methods reach known minimizers
# ---------------------------------------------------------------------------------------------

# Compilation dominates the run time of these tests, and both engines run the same source to
# bit-identical results (test_python_engine_gives_the_same_result): the small problems run on
# the Python engine, which compiles nothing.
LBFGS_PROBLEMS = [
    ("rosenbrock2", 1e-6, None), ("rosenbrock10", 1e-6, None), ("rosenbrock100", 1e-6, None),
    ("wood", 1e-6, None), ("beale", 1e-6, False), ("powell_singular", 1e-2, False),
    ("ill_conditioned_quadratic10", 1e-6, False),
]


@pytest.mark.parametrize(("name", "xtol", "jit"), LBFGS_PROBLEMS)
def test_lbfgs_reaches_known_minimizers(name, xtol, jit):
    p = PROBLEMS[name]
    res = fastgrad.minimize(p.f, p.x0, method="lbfgs", max_iter=5000, jit=jit)
    assert res.success, res.message
    assert np.max(np.abs(res.jac)) <= 1e-6
    assert np.max(np.abs(p.grad(res.x))) <= 1e-5  # the analytic gradient agrees
    np.testing.assert_allclose(res.x, p.xmin, rtol=0, atol=xtol)
    assert np.all(np.diff(fastgrad.minimize(p.f, p.x0, method="lbfgs", max_iter=30,
                                            history=True, jit=jit).f_history) < 0)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=2))
@example([-1.2, 1.0])
@example([0.0, 0.0])
def test_lbfgs_decreases_f_at_every_iteration(start):
    p = PROBLEMS["rosenbrock2"]
    res = fastgrad.minimize(p.f, start, method="lbfgs", max_iter=200, history=True)
    assert res.status in (0, 1)
    assert np.all(np.diff(res.f_history) < 0)
    assert res.f_history[0] == p.f(np.array(start, dtype=float))


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize(
    ("name", "jit"),
    [("function_2", None), ("seed_quadratic3", None), ("booth", False),
     ("random_quadratic5", False)],
)
def test_first_order_methods_converge_on_well_conditioned_problems(method, name, jit):
    p = PROBLEMS[name]
    res = fastgrad.minimize(p.f, p.x0, method=method, lr=0.05, max_iter=5000, jit=jit)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, p.xmin, rtol=0, atol=1e-5)


def test_method_options_change_the_run():
    base = fastgrad.minimize(SEED.f, SEED.x0, method="momentum", lr=0.05)
    other = fastgrad.minimize(SEED.f, SEED.x0, method="momentum", lr=0.05, momentum=0.5)
    assert base.success and other.success and base.nit != other.nit
    short = fastgrad.minimize(SEED.f, SEED.x0, method="lbfgs", memory=1)
    assert short.success


# ---------------------------------------------------------------------------------------------
# Gradients: analytic, schemes, extra arguments, evaluation counts
# ---------------------------------------------------------------------------------------------


def test_least_squares_with_args_analytic_and_finite_differences_agree_with_lstsq():
    w_exact = np.linalg.lstsq(LS_X, LS_Y, rcond=None)[0]
    w0 = np.zeros(4)
    numeric = fastgrad.minimize(least_squares, w0, method="lbfgs", args=(LS_X, LS_Y))
    analytic = fastgrad.minimize(least_squares, w0, method="lbfgs", jac=least_squares_grad,
                                 args=(LS_X, LS_Y))
    for res in (numeric, analytic):
        assert res.success, res.message
        np.testing.assert_allclose(res.x, w_exact, rtol=0, atol=1e-7)
    assert analytic.nfev < numeric.nfev  # no f evaluations for gradients
    np.testing.assert_allclose(analytic.jac, least_squares_grad(analytic.x, LS_X, LS_Y))


def test_analytic_jac_from_the_problem_table():
    p = PROBLEMS["rosenbrock2"]
    res = fastgrad.minimize(p.f, p.x0, method="lbfgs", jac=p.grad, jit=False)
    assert res.success and res.njev >= res.nit + 1 and res.nfev >= res.nit + 1
    np.testing.assert_allclose(res.x, 1.0, atol=1e-6)


@pytest.mark.parametrize(
    ("jac", "per_gradient"),
    [("central", 6), ("forward", 3), ("backward", 3), ("central4", 12), ("complex", 10)],
)
def test_nfev_counts_every_evaluation_of_f(jac, per_gradient):
    """f once per iterate plus the gradient's own evaluations: forward and backward reuse
    f at the iterate, so they cost n (here 3) per gradient, not n + 1. gd with a gradient
    that ignores f at the iterate (central, central4, complex) values f only at x0 and
    where it stops (tests/test_lazy_value.py)."""
    calls = []

    def f(x):
        calls.append(1)
        return (x[0] - 1.0) ** 2 + 2.0 * x[1] ** 2 + x[2] ** 2

    # The first call with a new length of x also evaluates f once at x0 to check it (reads
    # past x, precision: fastgrad.diff.probe); that check is not part of the run nor of nfev.
    fastgrad.gradient(f, [1.0, 2.0, 3.0], jit=False)
    calls.clear()
    res = fastgrad.minimize(f, [1.0, 2.0, 3.0], method="gd", jac=jac, lr=0.1, max_iter=20,
                            jit=False)
    values = res.njev if jac in ("forward", "backward") else 2
    assert res.nfev == len(calls) == res.njev * per_gradient + values
    calls.clear()
    res = fastgrad.minimize(f, [1.0, 2.0, 3.0], method="lbfgs", jac=jac, jit=False)
    assert res.success and res.nfev == len(calls)


def one_sided_objective(x):  # IEEE operations only: both engines give the same bits
    y = x[1] * x[1]
    return (x[0] - 1.0) * (x[0] - 1.0) + 2.0 * y * y + x[0] * x[1] / (1.0 + x[0] * x[0])


@pytest.mark.parametrize("jit", [None, False], ids=["jit", "python"])
@pytest.mark.parametrize("jac", ["forward", "backward"])
def test_one_sided_differences_reuse_f_at_the_iterate_and_change_no_number(jac, jit):
    """The driver passes f(x), which it has, to the one-sided kernel: the numbers are those of
    the public gradient (which evaluates f(x) itself) step for step, bit for bit; only nfev
    drops from (n + 2) to (n + 1) per iteration."""
    x = np.array([0.3, -0.8])
    lr, iterations = 0.05, 25
    for _ in range(iterations):  # gd with the public gradient, which evaluates f(x) itself
        x = x - lr * fastgrad.gradient(one_sided_objective, x, method=jac, jit=jit)
    res = fastgrad.minimize(one_sided_objective, [0.3, -0.8], method="gd", jac=jac, lr=lr,
                            max_iter=iterations, gtol=0.0, jit=jit)
    assert res.nit == iterations and np.array_equal(res.x, x)
    assert res.fun == one_sided_objective(x)
    assert res.nfev == (iterations + 1) * (1 + 2) and res.njev == iterations + 1
    calls = []

    def counted(z):
        calls.append(z.copy())
        return one_sided_objective(z)

    fastgrad.gradient(counted, [0.3, -0.8], jit=False)  # the first-call check of f (not a
    calls.clear()  # part of any run): see test_nfev_counts_every_evaluation_of_f
    res = fastgrad.minimize(counted, [0.3, -0.8], method="lbfgs", jac=jac, jit=False)
    assert res.success and res.nfev == len(calls)
    # no point of the run is evaluated twice (f(x) is never recomputed); the last 6n are the
    # check of the gtol claim against the scheme's error, a table of steps around x
    run = calls[:-6 * 2]
    assert len({tuple(z) for z in run}) == len(run)
    same = fastgrad.minimize(one_sided_objective, [0.3, -0.8], method="lbfgs", jac=jac)
    for key in FIELDS:
        assert np.array_equal(res[key], same[key]) if key != "message" else \
            res[key] == same[key], key


def test_complex_step_scheme():
    res = fastgrad.minimize(SEED.f, SEED.x0, method="lbfgs", jac="complex")
    assert res.success
    np.testing.assert_allclose(res.x, SEED.xmin, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Batched multi-start
# ---------------------------------------------------------------------------------------------

GRID = np.array([[a, b] for a in np.linspace(-4.5, 4.5, 5) for b in np.linspace(-4.5, 4.5, 5)])
MANY = np.vstack([GRID, GRID + 0.1, GRID - 0.1])  # enough starts to run over threads at once


@pytest.mark.parametrize("method", ["lbfgs", "adam"])
def test_batched_rows_equal_single_runs_and_find_the_global_minimum(method):
    res = fastgrad.minimize(RASTRIGIN.f, GRID, method=method, history=True, max_iter=300)
    assert res.x.shape == GRID.shape and len(res.message) == len(GRID)
    assert res.x_history.shape == (len(GRID), res.nit.max() + 1, 2)
    for i in range(len(GRID)):
        assert_rows_equal(res, i, fastgrad.minimize(RASTRIGIN.f, GRID[i], method=method,
                                                    history=True, max_iter=300))
        assert np.all(np.isnan(res.f_history[i, res.nit[i] + 1:]))  # padding after nit
    if method == "lbfgs":
        assert res.success.any()
        np.testing.assert_allclose(res.x[res.best], 0.0, atol=1e-6)
        assert res.fun[res.best] == np.min(res.fun)


def test_a_diverging_start_stops_alone_and_the_batch_completes():
    x0 = np.array([[0.0, 0.0], [3.1, -2.3], [0.4, 0.2]])
    res = fastgrad.minimize(RASTRIGIN.f, x0, method="gd", lr=1.1, max_iter=10000)
    assert list(res.status) == [0, 2, 2]
    assert res.success[0] and res.nit[0] == 0 and res.best == 0
    assert all("diverged at iteration" in m for m in res.message[1:])
    assert res.nit[1] != res.nit[2]  # each start stopped on its own


def guarded(x, limit):
    if x[0] > limit:
        raise ValueError("x[0] is above the limit")
    return x[0] * x[0] + x[1] * x[1]


def test_an_exception_of_the_objective_in_a_batch_reaches_the_caller():
    x0 = np.array([[1.0, 1.0], [2.0, 0.0], [6.0, 1.0], [0.5, 0.5]] * 16)  # 64: over threads
    with pytest.raises(ValueError, match="x\\[0\\] is above the limit"):
        fastgrad.minimize(guarded, x0, args=(5.0,), max_iter=20, method="gd")
    res = fastgrad.minimize(guarded, x0, args=(7.0,), method="lbfgs")
    assert res.success.all()


def test_batch_where_every_start_diverges_has_no_best():
    res = fastgrad.minimize(F2.f, [[1.0, 2.0], [-3.0, 4.0]], lr=1.1, max_iter=5000, jit=False, method="gd")
    assert list(res.status) == [2, 2] and res.best is None


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_every_method_returns_every_field(method):
    res = fastgrad.minimize(SEED.f, SEED.x0, method=method, lr=0.05, history=True)
    assert isinstance(res, OptimizeResult)
    for key in FIELDS + ("x_history", "f_history"):
        assert key in res and getattr(res, key) is res[key]
    assert isinstance(res.fun, float) and isinstance(res.nit, int)
    assert isinstance(res.success, bool) and res.status in STATUS
    assert res.x_history.shape == (res.nit + 1, 3) and res.f_history.shape == (res.nit + 1,)
    np.testing.assert_array_equal(res.x_history[-1], res.x)
    assert res.f_history[-1] == res.fun and res.f_history[0] == SEED.f(np.array(SEED.x0))
    np.testing.assert_allclose(res.jac, SEED.grad(res.x), atol=1e-7)
    assert "x:" in repr(res) and "message:" in repr(res)
    with pytest.raises(AttributeError):
        res.no_such_field


def test_result_fields_read_and_write_as_attributes_and_keys():
    import pickle

    empty = OptimizeResult()  # the fields are properties: an absent one is no attribute
    for key in FIELDS:
        assert not hasattr(empty, key)
    res = OptimizeResult(x=np.zeros(2), fun=1.0, other=3)
    assert res.other == 3 and res.fun == 1.0
    res.fun = 2.0  # writes the key, as SciPy's OptimizeResult does
    assert res["fun"] == 2.0 and res.fun == 2.0 and list(res) == ["x", "fun", "other"]
    del res.fun
    assert "fun" not in res and not hasattr(res, "fun")
    with pytest.raises(AttributeError, match="fun"):
        res.fun
    again = pickle.loads(pickle.dumps(res))
    assert type(again) is OptimizeResult and sorted(again) == ["other", "x"]
    assert again.other == 3 and vars(again) == {}


def test_history_longer_than_one_chunk_equals_reference():
    res = fastgrad.minimize(F2.f, [-3, 4], lr=0.001, max_iter=3000, gtol=0, history=True, method="gd")
    _, hist = gradient_descent(F2.f, [-3.0, 4.0], lr=0.001, step_num=3000, history=True)
    assert res.x_history.shape == (3001, 2)
    np.testing.assert_allclose(res.x_history, hist, rtol=0, atol=1e-9)


def test_x0_is_not_modified_and_integers_become_float():
    x0 = np.array([10, 10, 10])
    res = fastgrad.minimize(SEED.f, x0, method="lbfgs")
    np.testing.assert_array_equal(x0, [10, 10, 10])
    assert x0.dtype.kind == "i" and res.x.dtype == np.float64 and res.success
    batch = np.array([[10.0, 10.0, 10.0], [0.0, 0.0, 0.0]])
    fastgrad.minimize(SEED.f, batch, method="gd", max_iter=5, jit=False)
    np.testing.assert_array_equal(batch, [[10, 10, 10], [0, 0, 0]])


# ---------------------------------------------------------------------------------------------
# Callbacks
# ---------------------------------------------------------------------------------------------


def test_callback_every_k_iterations():
    seen = []
    res = fastgrad.minimize(SEED.f, SEED.x0, lr=0.01, max_iter=50, gtol=0,
                            callback=lambda r: seen.append((r.nit, r.x.copy(), r.fun)),
                            callback_every=10, method="gd")
    assert [s[0] for s in seen] == [10, 20, 30, 40]  # not after the last iteration
    plain = fastgrad.minimize(SEED.f, SEED.x0, lr=0.01, max_iter=20, gtol=0, history=True, method="gd")
    np.testing.assert_array_equal(seen[1][1], plain.x)
    np.testing.assert_array_equal(plain.x_history[10], seen[0][1])
    assert res.nit == 50 and res.status == 1


@pytest.mark.parametrize("how", ["raise", "return", "numpy bool"])
def test_callback_stops_the_run_and_keeps_the_result(how):
    def callback(intermediate):
        if how == "numpy bool":  # a comparison of numpy values is a numpy bool, not True
            return np.int64(intermediate.nit) >= 7
        if intermediate.nit == 7:
            if how == "raise":
                raise StopIteration
            return True
        return None

    res = fastgrad.minimize(SEED.f, SEED.x0, lr=0.01, callback=callback, history=True, method="gd")
    assert res.status == 3 and not res.success and res.nit == 7
    assert res.message == "stopped by the callback after 7 iterations"
    assert res.x_history.shape == (8, 3)


def test_callback_in_a_batch_sees_every_start():
    seen = []
    res = fastgrad.minimize(RASTRIGIN.f, GRID[:4], method="lbfgs",
                            callback=lambda r: seen.append(r.x.shape) or len(seen) == 2)
    assert seen == [(4, 2), (4, 2)]
    assert all(s in (0, 3) for s in res.status) and 3 in res.status


@pytest.mark.parametrize("value", [None, False, np.False_, 1, "stop", [True], np.array([True])])
def test_callback_stops_only_on_a_true_boolean(value):
    """Only True (a Python or numpy bool) or StopIteration stops; other return values, such
    as those of list.append or print, are ignored, as SciPy ignores them."""
    res = fastgrad.minimize(SEED.f, SEED.x0, lr=0.01, method="gd", max_iter=20,
                            callback=lambda r: value)
    assert res.status == 1 and res.nit == 20


# ---------------------------------------------------------------------------------------------
# Failures are reported, not raised
# ---------------------------------------------------------------------------------------------


def test_nonfinite_f_at_x0():
    res = fastgrad.minimize(lambda x: np.sqrt(x[0]) + x[1] ** 2, [-1.0, 1.0], jit=False, method="gd")
    assert res.status == 2 and res.nit == 0 and "diverged at x0" in res.message
    assert np.all(np.isnan(res.jac))


def test_line_search_failure_with_a_wrong_gradient():
    res = fastgrad.minimize(F2.f, [1.0, 2.0], method="lbfgs", jac=lambda x: -2.0 * x,
                            jit=False)
    assert res.status == 4 and res.nit == 0
    assert "line search failed at iteration 0" in res.message
    np.testing.assert_array_equal(res.x, [1.0, 2.0])  # x stays at the last iterate


def test_step_too_small():
    res = fastgrad.minimize(F2.f, [1.0, 2.0], step=1e-30, jit=False, method="gd")
    assert res.status == 6 and "step vanished" in res.message


# ---------------------------------------------------------------------------------------------
# Engines and compilation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method"), [("rosenbrock2", "lbfgs"), ("wood", "lbfgs"),
                                             ("seed_quadratic3", "adam")])
def test_python_engine_gives_the_same_result(name, method):
    p = PROBLEMS[name]
    compiled = fastgrad.minimize(p.f, p.x0, method=method, max_iter=40, history=True)
    python = fastgrad.minimize(p.f, p.x0, method=method, max_iter=40, history=True, jit=False)
    for key in compiled:
        assert np.array_equal(compiled[key], python[key]), key


def test_an_objective_numba_cannot_compile_runs_on_python_with_a_warning():
    def f(x):
        return sum(float(v) ** 2 for v in x.tolist())

    with pytest.warns(fastgrad.FastgradWarning, match="Python engine"):
        res = fastgrad.minimize(f, [1.0, -2.0], method="lbfgs")
    assert res.success
    with pytest.raises(TypeError, match="jit=True but Numba cannot compile"):
        fastgrad.minimize(lambda x: sum(float(v) for v in x.tolist()), [1.0], jit=True, method="gd")


def test_a_second_call_does_not_compile_again():
    fastgrad.minimize(SEED.f, SEED.x0, method="adam", lr=0.05, history=True)
    fastgrad.minimize(SEED.f, SEED.x0, method="lbfgs")
    fastgrad.minimize(RASTRIGIN.f, MANY, method="gd")  # 64+ starts: over threads at once
    fastgrad.minimize(RASTRIGIN.f, MANY, method="bfgs")
    loops = []  # one compiled loop per family of methods, each serving all of its methods
    for family in (_loop.SEARCHING, _loop.FIXED_STEP):
        driver = _driver.get_driver(cache.get(SEED.f, None), "driver_gradient", family=family)
        batched = _driver.get_driver(cache.get(RASTRIGIN.f, None), "driver_gradient",
                                     family=family).batched_for()
        loops += [driver.single, batched]
    before = [len(loop.signatures) for loop in loops]
    for method in METHODS:
        fastgrad.minimize(SEED.f, [1, 2, 3], method=method, lr=0.05, max_iter=50)
    fastgrad.minimize(SEED.f, SEED.x0, method="adam", lr=0.05, history=True,
                      callback=lambda r: None, callback_every=100)
    fastgrad.minimize(RASTRIGIN.f, MANY, method="lbfgs", history=True)
    fastgrad.minimize(RASTRIGIN.f, MANY, method="nesterov", lr=1e-3, max_iter=20)
    assert [len(loop.signatures) for loop in loops] == before == [1, 1, 1, 1]
    assert len(_methods.update.signatures) == 1  # one update for all objectives and engines


@pytest.mark.parametrize(("method", "jit"), [("lbfgs", None), ("gd", False)])
def test_a_family_loop_refuses_a_method_of_the_other_family(monkeypatch, method, jit):
    """Each family's loop holds a stub in place of the other family's part: were a driver
    ever picked for the wrong family, the run raises instead of looping or answering."""
    def bowl(x):  # its own objective: the wrongly keyed drivers die with it
        return (x[0] - 1.0) ** 2 + 3.0 * x[1] ** 2

    swapped = {_loop.SEARCHING: _loop.FIXED_STEP, _loop.FIXED_STEP: _loop.SEARCHING}
    monkeypatch.setattr(_api, "family_of", lambda m: swapped[_loop.family_of(m)])
    with pytest.raises(RuntimeError, match="method ran in the .* methods' loop"):
        fastgrad.minimize(bowl, [0.0, 1.0], method=method, lr=0.1, jit=jit)


# ---------------------------------------------------------------------------------------------
# Input validation: every message
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"f": 3}, TypeError, "f must be callable, got int 3"),
        ({"method": "newton"}, ValueError,
         "method must be None or one of 'gd', 'momentum', 'nesterov', 'adam', 'lbfgs', 'bfgs', "
             "got 'newton'"),
        ({"lr": 0.0}, ValueError, r"lr must be a positive finite float, got 0.0"),
        ({"lr": -1}, ValueError, r"lr must be a positive finite float, got -1"),
        ({"lr": float("nan")}, ValueError, r"lr must be a positive finite float, got nan"),
        ({"lr": "0.1"}, TypeError, r"lr must be a positive finite float, got str '0.1'"),
        ({"max_iter": 0}, ValueError, r"max_iter must be an integer >= 1, got 0"),
        ({"max_iter": 10.5}, TypeError, r"max_iter must be an integer >= 1, got float 10.5"),
        ({"gtol": -1e-6}, ValueError, r"gtol must be a finite float >= 0, got -1e-06"),
        ({"gtol": float("inf")}, ValueError, r"gtol must be a finite float >= 0, got inf"),
        ({"x0": np.zeros((2, 2, 2))}, ValueError,
         r"x0 must have shape \(n,\) or \(m, n\), got shape \(2, 2, 2\)"),
        ({"x0": 1.0}, ValueError, r"x0 must have shape \(n,\) or \(m, n\), got shape \(\)"),
        ({"x0": []}, ValueError, r"x0 must not be empty, got shape \(0,\)"),
        ({"x0": [1.0, np.nan]}, ValueError, "x0 must be finite, got .*nan.* at index 1"),
        ({"x0": [1j, 2]}, TypeError, "x0 must be an array of real numbers"),
        ({"method": "gd", "momentum": 0.9}, TypeError,
         r"unknown option 'momentum' for method 'gd'; valid options for 'gd': none "
         r"\('momentum' is an option of 'momentum', 'nesterov'\)"),
        ({"method": "adam", "beta": 0.9}, TypeError,
         r"unknown option 'beta' for method 'adam'; valid options for 'adam': 'beta1', "
         r"'beta2', 'eps'$"),
        ({"method": "momentum", "momentum": 1.0}, ValueError,
         r"momentum must be a float in \[0, 1\), got 1.0"),
        ({"method": "adam", "eps": 0}, ValueError, "eps must be a positive finite float, got 0"),
        ({"method": "lbfgs", "memory": 0}, ValueError, "memory must be an integer >= 1, got 0"),
        ({"method": "lbfgs", "c1": 1.0}, ValueError, r"c1 must be a float in \(0, 1\), got 1.0"),
        ({"jac": "five-point"}, ValueError,
         r"jac must be one of 'forward', .*got 'five-point'; or 'auto', or pass a callable "
         r"jac\(x, \*args\)"),
        ({"jac": 3}, TypeError,
         r"jac must be None, 'auto', a finite-difference scheme name or a callable"),
        ({"jac": lambda x: x, "step": 1e-4}, ValueError,
         "step applies to finite-difference gradients only"),
        ({"jac": lambda x: x[:1]}, ValueError,
         r"jac must return a real array of shape \(2,\) \(the shape of x\), got shape \(1,\)"),
        ({"step": -1.0}, ValueError, "step must be a positive finite float or None, got -1.0"),
        ({"step": [1e-4, 1e-4, 1e-4]}, ValueError, r"step must be .* shape \(2,\)"),
        ({"args": [1]}, TypeError, "args must be a tuple of extra arguments for f, got list"),
        ({"history": "yes"}, TypeError, "history must be True or False, got 'yes'"),
        ({"callback": 3}, TypeError, "callback must be callable, got int 3"),
        ({"callback": print, "callback_every": 0}, ValueError,
         "callback_every must be an integer >= 1, got 0"),
        ({"callback_every": 5}, ValueError, "callback_every=5 is given but callback is None"),
        ({"jit": "yes"}, TypeError, "jit must be None, True or False, got 'yes'"),
    ],
)
def test_input_validation(kwargs, error, match):
    arguments = {"f": F2.f, "x0": [1.0, 2.0], "jit": False, **kwargs}
    with pytest.raises(error, match=match):
        fastgrad.minimize(arguments.pop("f"), arguments.pop("x0"), **arguments)
