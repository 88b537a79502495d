"""``gradient(..., vectorized=True)`` needs f's value for a row to depend on that row only:
the stencil points of every coordinate travel in one batch. An f that mixes rows (a mean over
the batch, a factor of its length) keeps the shape (k,) and would give a plausible but wrong
gradient; the first call per length of x and types of args refuses it with a clear error."""

import numpy as np
import pytest

import fastgrad
from fastgrad._core.scalar import ObjectiveReturnError


def centred(P):  # the batch's mean mixes every row into each value
    return np.sum((P - P.mean(axis=0)) ** 2, axis=1)


def scaled_by_length(P):  # len(P) is the batch's size, not a property of the row
    return len(P) * np.sum(P ** 2, axis=1)


def batch_total(P):  # every value is the sum over the batch
    return np.full(P.shape[0], np.sum(P ** 2))


@pytest.mark.parametrize("f", [scaled_by_length, batch_total])
@pytest.mark.parametrize("step", [None, 1e-6])
def test_mixing_rows_is_refused(f, step):
    def g(P):  # a new function each time: the check runs on its first call
        return f(P)
    with pytest.raises(ObjectiveReturnError, match=r"vectorized=True.*row"):
        fastgrad.gradient(g, np.array([1.0, 2.0, 3.0]), vectorized=True, step=step)


@pytest.mark.parametrize("f", [centred, scaled_by_length, batch_total])
@pytest.mark.parametrize("bounds", [None, ([0.0, 0.0], [3.0, 3.0])])
def test_mixing_rows_is_refused_for_a_batch_of_starts(f, bounds):
    def g(P):
        return f(P)
    with pytest.raises(ObjectiveReturnError, match="row"):
        fastgrad.gradient(g, np.array([[1.0, 2.0], [0.5, 0.25]]), vectorized=True,
                          bounds=bounds)


def test_the_check_evaluates_no_new_point():
    seen = []

    def f(P):
        seen.append(P.copy())
        return np.sum(P ** 2, axis=1)

    X = np.array([[1.0, 2.0], [0.5, 0.25]])
    fastgrad.gradient(f, X, vectorized=True, method="forward", step=1e-3)
    stencil = {tuple(p) for P in seen[2:] for p in P}  # the gradient's own batch
    checked = {tuple(p) for P in seen[:2] for p in P}  # the first-call checks
    assert checked <= stencil | {tuple(x) for x in X}


def test_a_batch_mean_of_one_start_is_harmless():
    """One start: the stencil's points are symmetric about x, so a batch mean is x, and the
    gradient is that of the per-row function (here 0, f being 0 on every single row)."""
    def g(P):
        return centred(P)
    # the batch's mean is x up to rounding: 0 within the central scheme's rounding error
    np.testing.assert_allclose(
        fastgrad.gradient(g, np.array([1.0, 2.0, 3.0]), vectorized=True), 0.0, atol=1e-9)


def test_row_independent_objectives_pass():
    A = np.arange(12.0).reshape(3, 4) / 7 + np.eye(3, 4)

    def quad(P):  # a matrix product: BLAS may sum a 1-row and a 2-row batch differently
        Y = P @ A
        return np.einsum("ij,ij->i", Y, Y)

    x = np.array([0.3, -1.2, 2.5])
    g = fastgrad.gradient(quad, x, vectorized=True)
    exact = 2 * A @ (A.T @ x)
    # central differences: truncation O(h^2 f''') = 0 for a quadratic, rounding about
    # eps |f| / h with h = eps**(1/3) max(1, |x|): below 1e-8 relative here
    np.testing.assert_allclose(g, exact, rtol=1e-8, atol=1e-8)


def test_float32_objective_passes():
    def f32(P):
        P = P.astype(np.float32)
        return np.sum(P * P, axis=1)

    x = np.array([1.0, -2.0])
    g = fastgrad.gradient(f32, x, vectorized=True)
    # float32 values: steps of eps32**(1/3) ~ 5e-3, rounding error ~ eps32 |f| / h ~ 1e-4
    np.testing.assert_allclose(g, 2 * x, rtol=1e-3)


def test_an_f_undefined_beside_x_is_not_refused():
    def f(P):  # NaN outside the positive orthant: the check's second row may land there
        return np.sum(np.sqrt(P), axis=1)

    x = np.array([4.0, 9.0])
    g = fastgrad.gradient(f, x, vectorized=True)
    np.testing.assert_allclose(g, 0.5 / np.sqrt(x), rtol=1e-8)


def test_the_message_names_the_values():
    def g(P):
        return scaled_by_length(P)
    with pytest.raises(ObjectiveReturnError) as info:
        fastgrad.gradient(g, np.array([1.0, 2.0]), vectorized=True)
    text = str(info.value)
    assert "5.0" in text and "15.0" in text  # f(x) alone and in a batch of three
