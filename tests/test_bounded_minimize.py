"""minimize(..., bounds=): every method stays in the box, converges on the projected
gradient, and finds the minimizers of bound-constrained problems (SciPy's L-BFGS-B as the
reference); the result's active_mask, projected gradient and messages; batches with shared
or per-start bounds; workers=; the validation of bounds."""

import numpy as np
import pytest

import fastgrad
from fastgrad.problems.boxed import BOXED

METHODS = ("lbfgs", "bfgs", "gd", "momentum", "nesterov", "adam")
LB = np.array([-2.0, -1.0, 0.5])
UB = np.array([0.5, 2.0, 3.0])


def guarded(x, lo, hi):
    """A quadratic pulled outside the box [lo, hi], which raises if evaluated outside."""
    for i in range(x.shape[0]):
        if x[i] < lo[i] or x[i] > hi[i]:
            raise ValueError("f was evaluated outside the box")
    return (x[0] - 3.0) ** 2 + 2.0 * (x[1] - 0.5) ** 2 + (x[2] + 1.0) ** 2 + x[0] * x[1]


def starts():
    """On the bounds, at the corners, next to the bounds, inside."""
    tiny = 1e-13
    return np.array([
        LB, UB, [LB[0], UB[1], LB[2]], LB + tiny, UB - tiny, (LB + UB) / 2,
        [UB[0] - 1e-9, LB[1] + 1e-9, 1.0],
    ])


@pytest.mark.parametrize("method", METHODS)
def test_never_evaluates_outside_the_box(method):
    lr = {} if method in ("lbfgs", "bfgs") else dict(lr=0.05, max_iter=400)
    for jac in ("central", "forward", "central4", "backward"):
        res = fastgrad.minimize(guarded, starts(), method=method, jac=jac, args=(LB, UB),
                                bounds=(LB, UB), **lr)
        assert np.all(res.x >= LB) and np.all(res.x <= UB)
        assert np.all(np.isfinite(res.fun))
    for x0 in starts():  # one start at a time, the default gradient
        res = fastgrad.minimize(guarded, x0, method=method, args=(LB, UB), bounds=(LB, UB),
                                **lr)
        assert np.all(res.x >= LB) and np.all(res.x <= UB)


@pytest.mark.parametrize("method", ("lbfgs", "bfgs"))
def test_quasi_newton_converges_on_the_projected_gradient(method):
    res = fastgrad.minimize(guarded, starts(), method=method, args=(LB, UB), bounds=(LB, UB))
    assert res.success.all(), res.message
    assert (res.status == 0).all()
    assert np.all(res.projected_gradient <= 1e-6)
    # the minimizer: x0 at its upper bound, x2 at its lower bound, x1 free
    np.testing.assert_allclose(res.x[:, 0], 0.5, atol=0)
    np.testing.assert_allclose(res.x[:, 2], 0.5, atol=0)
    np.testing.assert_allclose(res.x[:, 1], 0.5 - 0.5 / 4, atol=1e-6)
    assert (res.active_mask == np.array([1, 0, -1])).all()
    assert all("||P(x - g) - x||_inf" in m for m in res.message)


def reference(p):
    """SciPy's L-BFGS-B, run to its tightest tolerances, when no exact minimizer is known."""
    if p.x_star is not None:
        return np.array(p.x_star)
    scipy_optimize = pytest.importorskip("scipy.optimize")
    res = scipy_optimize.minimize(p.f, np.array(p.x0), method="L-BFGS-B",
                                  bounds=list(zip(p.lb, p.ub)),
                                  options=dict(ftol=1e-15, gtol=1e-11, maxls=50))
    return res.x


@pytest.mark.parametrize("name", sorted(BOXED))
def test_bound_constrained_problems_known_solutions(name):
    p = BOXED[name]
    res = fastgrad.minimize(p.f, p.x0, bounds=(np.array(p.lb), np.array(p.ub)),
                            gtol=1e-12 if name == "hs3" else 1e-9)
    assert res.success, res.message
    assert np.max(np.abs(res.x - reference(p))) <= 1e-6
    assert np.all(res.x >= np.array(p.lb)) and np.all(res.x <= np.array(p.ub))


def test_free_coordinate_keeps_its_curvature_when_another_sits_on_a_bound():
    """HS 3, f = x2 + 1e-5 (x2 - x1)^2 with x2 >= 0, from (10, 1): x2 reaches its bound at
    once and stays there while the gradient of x2 changes with x1. The curvature pairs must
    describe f along the free x1 only: then, f being quadratic in x1, the secant step is
    exact and x1 reaches 0 to rounding. With the pairs polluted by x2's gradient changes the
    run crept along x1 and stopped at x1 = 0.045, where g1 = 2e-5 x1 is already below
    gtol = 1e-6 (the default): the tolerance cannot catch this, the model must."""
    p = BOXED["hs3"]
    res = fastgrad.minimize(p.f, p.x0, bounds=(p.lb, p.ub))
    assert res.success, res.message
    assert np.max(np.abs(res.x)) <= 1e-6, res.x
    assert res.nit <= 4  # SciPy's L-BFGS-B: 3


def test_a_long_steepest_descent_step_is_reached_in_few_trials():
    """HS 3's first step: steepest descent from (10, 1), whose length the method does not
    know. x2 reaches its bound at t of about 1, and then x1 (gradient 1.8e-4) must travel
    about 10, to t of about 5.5e4. Beyond the bound the path is one quadratic in t, so the
    extension reaches it from the quadratic through three trials: the whole run takes
    L-BFGS-B's 12 evaluations (3 per gradient with n = 2 forward differences and the value
    reused); trials 4x longer each time took 9 trials, 21 evaluations. 14 leaves room for
    one more trial or gradient, not for the 4x walk."""
    p = BOXED["hs3"]
    res = fastgrad.minimize(p.f, np.array(p.x0), bounds=(p.lb, p.ub))
    assert res.success and np.max(np.abs(res.x)) <= 1e-6, (res.message, res.x)
    assert res.nfev <= 14, res.nfev


def test_x0_outside_is_projected_and_said():
    x0 = np.array([[5.0, -7.0, 1.0], [0.0, 0.0, 1.0]])
    copy = x0.copy()
    res = fastgrad.minimize(guarded, x0, args=(LB, UB), bounds=(LB, UB))
    assert (x0 == copy).all()  # the caller's array is not touched
    assert "x0 was outside the bounds and was projected" in res.message[0]
    assert "projected" not in res.message[1]
    single = fastgrad.minimize(guarded, x0[0], args=(LB, UB), bounds=(LB, UB))
    assert single.message.endswith("x0 was outside the bounds and was projected into them")


def test_batch_rows_equal_single_runs_with_per_start_bounds():
    X0 = starts()[:4]
    LBs = np.array([LB, LB - 1.0, LB, LB - 0.5])
    UBs = np.array([UB, UB, UB + 1.0, UB + 0.25])
    X0 = np.clip(X0, LBs, UBs)
    res = fastgrad.minimize(six_hump_camel_3, X0, bounds=(LBs, UBs))
    for r in range(X0.shape[0]):
        one = fastgrad.minimize(six_hump_camel_3, X0[r], bounds=(LBs[r], UBs[r]))
        assert np.array_equal(one.x, res.x[r]) and one.nfev == res.nfev[r]
        assert np.array_equal(one.active_mask, res.active_mask[r])


def six_hump_camel_3(x):
    """The six-hump camel in (x0, x1), plus a quadratic in x2."""
    a = x[0] * x[0]
    return ((4.0 - 2.1 * a + a * a / 3.0) * a + x[0] * x[1]
            + (-4.0 + 4.0 * x[1] * x[1]) * x[1] * x[1] + (x[2] - 1.0) ** 2)


def test_workers_batch_equals_local_batch():
    X0 = np.clip(starts(), LB, UB)
    LBs = np.repeat(LB[None], X0.shape[0], axis=0)
    LBs[1] -= 0.5
    local = fastgrad.minimize(six_hump_camel_3, X0, bounds=(LBs, UB))
    scaled = fastgrad.minimize(six_hump_camel_3, X0, bounds=(LBs, UB), workers=2)
    for key in ("x", "fun", "nfev", "status", "active_mask", "projected_gradient"):
        assert np.array_equal(local[key], scaled[key]), key


def test_callback_chunks_and_python_engine_give_the_same_run():
    x0 = np.array([0.0, 0.0, 1.0])
    one = fastgrad.minimize(guarded, x0, args=(LB, UB), bounds=(LB, UB))
    seen = []
    chunked = fastgrad.minimize(guarded, x0, args=(LB, UB), bounds=(LB, UB),
                                callback=lambda r: seen.append(r.nit), history=True)
    assert np.array_equal(one.x, chunked.x) and one.nfev == chunked.nfev
    assert len(seen) == one.nit - 1 or len(seen) == one.nit
    assert np.all(chunked.x_history >= LB) and np.all(chunked.x_history <= UB)
    python = fastgrad.minimize(guarded, x0, args=(LB, UB), bounds=(LB, UB), jit=False)
    assert python.success and np.allclose(one.x, python.x, atol=1e-6)


def test_analytic_jac_within_bounds():
    def grad(x):
        return np.array([2.0 * (x[0] - 3.0), 2.0 * (x[1] + 4.0)])

    def f(x):
        return (x[0] - 3.0) ** 2 + (x[1] + 4.0) ** 2

    res = fastgrad.minimize(f, [0.0, 0.0], jac=grad, bounds=(np.array([-1, -1]),
                                                             np.array([1, 1])))
    assert res.success and np.array_equal(res.x, [1.0, -1.0])
    assert np.array_equal(res.active_mask, [1, -1])


def test_infinite_bounds_are_the_unbounded_run():
    x0 = np.array([0.3, 0.2, 1.0])
    plain = fastgrad.minimize(six_hump_camel_3, x0)
    free = fastgrad.minimize(six_hump_camel_3, x0, bounds=(-np.inf, np.inf))
    assert np.array_equal(plain.x, free.x) and plain.nfev == free.nfev
    assert "active_mask" not in free


def test_bounds_validation_messages():
    x0 = np.zeros(3)
    with pytest.raises(ValueError, match="jac='complex' evaluates f at real points"):
        fastgrad.minimize(guarded, x0, args=(LB, UB), bounds=(LB, UB), jac="complex")
    with pytest.raises(ValueError, match="bounds= with workers= and one start"):
        fastgrad.minimize(guarded, x0, bounds=(LB, UB), args=(LB, UB), workers=2)
    with pytest.raises(ValueError, match="lower bound above upper bound"):
        fastgrad.minimize(guarded, x0, bounds=([1, 0, 0], [0, 1, 1]), args=(LB, UB))
    with pytest.raises(ValueError, match="must broadcast to the shape of x"):
        fastgrad.minimize(guarded, x0, bounds=([0, 0], [1, 1]), args=(LB, UB))
    with pytest.raises(TypeError, match="bounds must be None, \\(lb, ub\\)"):
        fastgrad.minimize(guarded, x0, bounds=3.0, args=(LB, UB))


def test_scipy_style_bounds_and_pairs():
    pairs = list(zip(LB, UB))
    a = fastgrad.minimize(guarded, np.zeros(3) + 0.6, args=(LB, UB), bounds=pairs)
    b = fastgrad.minimize(guarded, np.zeros(3) + 0.6, args=(LB, UB), bounds=(LB, UB))
    assert np.array_equal(a.x, b.x)
    scipy_optimize = pytest.importorskip("scipy.optimize")
    c = fastgrad.minimize(guarded, np.zeros(3) + 0.6, args=(LB, UB),
                          bounds=scipy_optimize.Bounds(LB, UB))
    assert np.array_equal(a.x, c.x)


def _bowl(x):
    return (x[0] - 0.7) ** 2 + (x[1] - 1.5) ** 2


def test_two_pairs_for_two_coordinates_are_read_as_scipy_minimize_reads_them():
    # read as (lb, ub), [(0, 1), (-1, 2)] is no box (1 > 2 is fine, 0 > -1 is not): one
    # (lo, hi) pair per coordinate is meant
    res = fastgrad.minimize(_bowl, [0.5, 0.5], bounds=[(0, 1), (-1, 2)])
    np.testing.assert_allclose(res.x, [0.7, 1.5], atol=1e-6)
    assert res.success and "projected" not in res.message, res.message
    # read as (lb, ub), [(0, 1), (0, 2)] would fix x[0] at 0 and keep x[1] in [1, 2]; as
    # pairs, x[0] in [0, 1] and x[1] in [0, 2]: both are boxes, which one is meant is not
    # known (both were read once, each silently)
    with pytest.raises(ValueError, match=r"ambiguous for two coordinates"):
        fastgrad.minimize(_bowl, [0.5, 0.5], bounds=[(0, 1), (0, 2)])
    with pytest.raises(ValueError, match=r"ambiguous for two coordinates.*pass \(lb, ub\) as "
                                         r"two numpy arrays, or scipy.optimize.Bounds"):
        fastgrad.minimize(_bowl, [0.5, 1.5], bounds=[(0, 2), (1, 3)])
    res = fastgrad.minimize(_bowl, [0.5, 1.5], bounds=(np.array([0.0, 1.0]),
                                                       np.array([2.0, 3.0])))
    np.testing.assert_allclose(res.x, [0.7, 1.5], atol=1e-6)


def _rosen_loop(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


@pytest.mark.parametrize("method", ["lbfgs", "bfgs"])
@pytest.mark.parametrize("every", [1, 5])
def test_a_run_split_into_chunks_is_the_run_in_one_piece(method, every):
    # a callback that does nothing splits the compiled run at every callback_every
    # iterations. The box loop kept the last projected gradient norm (which decides
    # jac="auto"'s switch to central differences) in a local that restarted at 0 in each
    # chunk: x moved by 1.2e-8 and nfev by 9 on this problem
    lb, ub = np.full(4, -1.5), np.array([1.8, 0.9, 1.8, 0.7])
    x0 = np.array([-0.07142399667476806, 0.9519869295802486, 1.323288572465387,
                   -1.0828082420415694])
    whole = fastgrad.minimize(_rosen_loop, x0, method=method, bounds=(lb, ub))
    split = fastgrad.minimize(_rosen_loop, x0, method=method, bounds=(lb, ub),
                              callback=lambda r: None, callback_every=every)
    np.testing.assert_array_equal(split.x, whole.x)
    assert (split.fun, split.nit, split.nfev, split.njev) == (
        whole.fun, whole.nit, whole.nfev, whole.njev)
