"""fastgrad._core.borrow: a borrowed view is the same array as the one it views (data, shape,
strides, dtype), in compiled code and in Python, and the loops that use it stay exact."""

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad._core.borrow import borrowed


@numba.njit
def _fill_row(A, r, value):
    row = borrowed(A[r])
    for i in range(row.shape[0]):
        row[i] = value + i
    return row.sum(), row.shape[0], row.strides[0]


@numba.njit
def _column_sum(A, c):
    col = borrowed(A[:, c])  # a non-contiguous view keeps its strides
    s = 0.0
    for i in range(col.shape[0]):
        s += col[i]
    return s, col.strides[0]


def test_python_gets_the_array_itself():
    a = np.arange(4.0)
    assert borrowed(a) is a


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_compiled_view_reads_and_writes_the_same_memory(dtype):
    A = np.zeros((3, 5), dtype=dtype)
    total, size, stride = _fill_row(A, 1, 2)
    assert size == 5 and stride == A.strides[1]
    np.testing.assert_array_equal(A[1], np.arange(5) + 2)
    assert total == A[1].sum()
    assert not A[0].any() and not A[2].any()


def test_compiled_view_of_a_column():
    A = np.arange(12.0).reshape(4, 3)
    s, stride = _column_sum(A, 2)
    assert s == A[:, 2].sum() and stride == A.strides[0]


def test_loops_over_borrowed_rows_match_the_reference_and_their_batch():
    """The loop borrows its rows: gd equals the pure-Python reference, and each row of a
    batch (per-row views of one block) equals its single run, bit for bit, lbfgs too."""
    from fastgrad import problems, reference

    p = problems.get("seed_quadratic3")
    x0 = np.array(p.x0, dtype=float)
    res = fastgrad.minimize(p.f, x0, method="gd", lr=0.01, max_iter=200, gtol=0.0)
    ref = reference.gradient_descent(p.f, x0, lr=0.01, step_num=200)
    # the reference's step is the seeds' h = 1e-4, fastgrad's its relative step: each
    # gradient differs by rounding, eps |f| / h ~ 2e-10, and gd contracts what accumulates
    np.testing.assert_allclose(res.x, ref, rtol=0, atol=1e-9)
    X0 = np.array([x0, x0 + 1.0, x0 - 2.0])
    for method in ("gd", "lbfgs"):
        batch = fastgrad.minimize(p.f, X0, method=method, max_iter=200)
        for r in range(3):
            one = fastgrad.minimize(p.f, X0[r], method=method, max_iter=200)
            np.testing.assert_array_equal(batch.x[r], one.x)
            assert batch.nfev[r] == one.nfev and batch.fun[r] == one.fun


@numba.njit
def _finite_at_infinity(x):  # -x, floored at -1e308: finite also at x = +inf
    return max(-x[0], -1e308) + 0.0 * x[1]


@pytest.mark.parametrize("jac", ["forward", "backward", "central", "central4"])
@pytest.mark.parametrize("step", [None, 1e-3])
def test_an_iterate_that_overflows_is_never_a_success(jac, step):
    """The driver's gradient kernel does not test x for finiteness (the loop's hot path):
    a non-finite coordinate gets a NaN step, so a NaN component, and the run diverges.
    gd with a huge learning rate pushes x to +inf, where f is finite."""
    res = fastgrad.minimize(_finite_at_infinity, np.array([1e308, 0.0]), method="gd",
                            lr=1e308, max_iter=50, jac=jac, step=step)
    if jac == "backward" and step is None:  # this one does reach x = +inf
        assert not np.all(np.isfinite(res.x))
    assert np.all(np.isfinite(res.x)) or (res.status == 2 and not res.success)
    if not np.all(np.isfinite(res.x)):
        assert "the iterate became non-finite" in res.message
