"""Coordinates held on a bound (``minimize(..., bounds=)``, lbfgs and bfgs): their gradient
component is not differenced again while they stay there (no evaluations of f), and is taken
again at x before the run claims convergence or stops, so that ``jac`` is the gradient at x
and a coordinate whose component turns to point into the box is freed."""

from __future__ import annotations

import numpy as np
import pytest

import fastgrad

LB = np.array([-5.0, -2.0, -2.0])
UB = np.array([1.0, 2.0, 2.0])


def pinned(x):
    """x0 wants 3 (held at its upper bound 1, gradient -4 there, whatever x1 and x2 do);
    x1, x2 form a Rosenbrock valley with its minimum (1, 1) inside the box."""
    return (x[0] - 3.0) ** 2 + 100.0 * (x[2] - x[1] ** 2) ** 2 + (1.0 - x[1]) ** 2


def pinned_grad(x):
    return np.array([2.0 * (x[0] - 3.0),
                     -400.0 * x[1] * (x[2] - x[1] ** 2) - 2.0 * (1.0 - x[1]),
                     200.0 * (x[2] - x[1] ** 2)])


@pytest.mark.parametrize("method", ["lbfgs", "bfgs"])
def test_a_held_coordinate_costs_no_evaluations_until_the_end(method):
    points = []

    def logged(x):
        points.append(x.copy())
        return pinned(x)

    x0 = np.array([0.5, -1.2, 1.0])
    res = fastgrad.minimize(logged, x0, method=method, bounds=(LB, UB), jit=False)
    assert res.success and res.status == 0
    # the minimizer: x0 on its bound, the valley's minimum (gtol 1e-6 on a Rosenbrock valley
    # whose Hessian has eigenvalues up to ~1000: x within ~1e-6 of (1, 1))
    np.testing.assert_allclose(res.x, [1.0, 1.0, 1.0], atol=1e-5)
    assert res.active_mask.tolist() == [1, 0, 0]
    # jac is the gradient at x, also in the held component: forward or central differences
    # with a step ~1.5e-8 (forward) err by ~h |f''| / 2 + eps |f| / h, below 1e-5 here
    np.testing.assert_allclose(res.jac, pinned_grad(res.x), atol=1e-5)
    on_bound = [i for i, p in enumerate(points) if p[0] == UB[0]]
    first = on_bound[0]
    # after x0 reached its bound, f was evaluated with x0 off it only to difference x0:
    # once at the iterate where it arrived (forward differences), and at the end (two
    # evaluations once jac="auto" has turned to central differences); SciPy's L-BFGS-B
    # differences x0 at every iterate
    off = [i for i in range(first, len(points)) if points[i][0] != UB[0]]
    assert res.nit >= 10  # a run long enough for the saving to show
    assert len(off) <= 3, f"{len(off)} evaluations off the bound over {res.nit} iterations"


def test_a_held_coordinate_whose_gradient_turns_inward_is_freed():
    """x0 is pushed onto its lower bound first (its component points out of the box while x1
    is far below 2), then must leave it: the minimum is (2, 2), inside the box."""
    def f(x):
        return (x[0] - x[1]) ** 2 + (x[1] - 2.0) ** 2

    from scipy.optimize import minimize as scipy_minimize
    for method in ("lbfgs", "bfgs"):
        res = fastgrad.minimize(f, np.array([0.0, -3.0]), method=method,
                                bounds=([-0.2, -10.0], [10.0, 10.0]))
        assert res.success
        np.testing.assert_allclose(res.x, [2.0, 2.0], atol=1e-6)
        assert res.active_mask.tolist() == [0, 0]
        ref = scipy_minimize(f, [0.0, -3.0], method="L-BFGS-B", bounds=[(-0.2, 10), (-10, 10)])
        np.testing.assert_allclose(res.x, ref.x, atol=1e-4)  # SciPy stops at gtol 1e-5


def test_batch_rows_and_compiled_solve_equal_single_runs():
    X0 = np.array([[0.5, -1.2, 1.0], [-4.0, 1.5, -1.0], [1.0, 0.0, 0.0]])
    batch = fastgrad.minimize(pinned, X0, bounds=(LB, UB))
    solve = fastgrad.compile_minimizer(pinned, bounds=(LB, UB))
    for r in range(X0.shape[0]):
        one = fastgrad.minimize(pinned, X0[r], bounds=(LB, UB))
        assert one.success
        np.testing.assert_array_equal(batch.x[r], one.x)
        np.testing.assert_array_equal(batch.jac[r], one.jac)
        assert batch.nfev[r] == one.nfev and batch.nit[r] == one.nit
        sol = solve(X0[r])
        np.testing.assert_array_equal(sol.x, one.x)
        assert (sol.fun, sol.nit, sol.nfev, sol.status) == (one.fun, one.nit, one.nfev,
                                                             one.status)


def test_a_callback_sees_nan_for_a_held_component_and_the_result_does_not():
    seen = []
    res = fastgrad.minimize(pinned, np.array([0.5, -1.2, 1.0]), bounds=(LB, UB),
                            callback=lambda r: seen.append(r.jac.copy()), callback_every=1)
    assert res.success
    held = [j for j in seen if np.isnan(j[0])]
    assert held, "x0 sat on its bound for most iterations: its component was held"
    assert all(np.isfinite(j[1:]).all() for j in seen)  # the free ones are taken every time
    np.testing.assert_allclose(res.jac, pinned_grad(res.x), atol=1e-5)
    # a run in one piece: the chunks of the callback changed nothing (the mark of a held
    # component survives the end of a chunk, so the next chunk takes it before a claim)
    plain = fastgrad.minimize(pinned, np.array([0.5, -1.2, 1.0]), bounds=(LB, UB))
    np.testing.assert_array_equal(res.x, plain.x)
    np.testing.assert_array_equal(res.jac, plain.jac)
    assert (res.nit, res.nfev, res.status) == (plain.nit, plain.nfev, plain.status)


def test_max_iter_ends_with_the_gradient_at_x():
    res = fastgrad.minimize(pinned, np.array([0.5, -1.2, 1.0]), bounds=(LB, UB), max_iter=6)
    assert res.status == 1 and not res.success  # MAX_ITER
    # every component at x, the held one included (forward differences: error ~1e-6 here)
    np.testing.assert_allclose(res.jac, pinned_grad(res.x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["float32", "kinked"])
def test_hostile_objectives_with_a_held_coordinate(kind):
    """A float32 objective (steps some 800 times larger, gradients checked against their
    noise) and a non-differentiable one (|x2 - x1^2| in place of the valley's square): x0
    still held on its bound, and jac at x in the held component (df/dx0 = -4 there, exact
    for a forward difference of a quadratic up to h ~ 1e-4 for float32)."""
    if kind == "float32":
        def f(x):
            return np.float32((x[0] - 3.0) ** 2 + (x[1] - 1.0) ** 2 + (x[2] - 0.5) ** 2)
    else:
        def f(x):
            return (x[0] - 3.0) ** 2 + abs(x[2] - x[1] ** 2) + (1.0 - x[1]) ** 2

    res = fastgrad.minimize(f, np.array([0.5, -1.2, 1.0]), bounds=(LB, UB))
    assert res.x[0] == UB[0] and res.active_mask[0] == 1
    assert np.all(res.x >= LB) and np.all(res.x <= UB)
    np.testing.assert_allclose(res.jac[0], -4.0, atol=1e-2 if kind == "float32" else 1e-5)
    if res.success:  # the kink may end in a documented failure, never a wrong claim
        np.testing.assert_allclose(res.x[1:], [1.0, 0.5] if kind == "float32" else [1.0, 1.0],
                                   atol=1e-2)
