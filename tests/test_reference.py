"""Tests of the pure-numpy reference implementations against the seed documents."""

import numpy as np
import pytest

from fastgrad.problems import get
from fastgrad.reference import gradient_descent, numerical_diff, numerical_gradient


def seed_poly(x):
    return 0.01 * x**2 + 0.1 * x


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def seed_quadratic(x):
    return 2 * (x[0] - 1) ** 2 + (x[1] - 0.5) ** 2 + (x[2] + 4) ** 2


# ---------------------------------------------------------------------------
# numerical_diff
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"), [(5, 0.20000099999917254), (10, 0.3000009999976072)]
)
def test_forward_difference_reproduces_seed_values(x, expected):
    # The seed prints these (labelled "central"); they are forward differences.
    assert numerical_diff(seed_poly, x, h=1e-4, method="forward") == expected


@pytest.mark.parametrize(
    ("x", "expected"), [(5, 0.1999999999990898), (10, 0.2999999999986347)]
)
def test_central_difference_reproduces_seed_values(x, expected):
    assert numerical_diff(seed_poly, x) == expected
    assert numerical_diff(seed_poly, float(x), h=1e-4, method="central") == expected


def test_central_is_more_accurate_than_forward():
    exact = 0.2
    forward = numerical_diff(seed_poly, 5.0, method="forward")
    central = numerical_diff(seed_poly, 5.0, method="central")
    assert abs(central - exact) < abs(forward - exact) / 100


def test_numerical_diff_accepts_numpy_scalars_and_returns_float():
    d = numerical_diff(np.exp, np.float32(0.0))
    assert isinstance(d, float)
    assert d == pytest.approx(1.0, rel=1e-8)
    assert numerical_diff(lambda x: 1 / np.exp(x), np.int64(1)) == pytest.approx(
        -np.exp(-1.0), rel=1e-8
    )


def test_numerical_diff_rejects_unknown_method():
    with pytest.raises(ValueError, match=r"method.*'forward'.*'central'.*got 'backward'"):
        numerical_diff(seed_poly, 5.0, method="backward")


# ---------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------


def test_gradient_of_integer_input_is_not_truncated():
    x = np.array([3, 4])
    g = numerical_gradient(function_2, x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, [6.0, 8.0], rtol=1e-9)
    # The caller's integer array is neither modified nor converted.
    assert x.dtype.kind == "i"
    np.testing.assert_array_equal(x, [3, 4])


def test_gradient_does_not_modify_float_input():
    x = np.array([3.0, 4.0])
    numerical_gradient(function_2, x)
    np.testing.assert_array_equal(x, [3.0, 4.0])


@pytest.mark.parametrize(
    ("f", "x", "expected"),
    [
        (lambda x: x[0] * x[1], [1.0, 1.0], [1.0, 1.0]),
        (lambda x: x[0] * x[1], [10.0, -20.0], [-20.0, 10.0]),
        (lambda x: x[0] + 2 * x[1], [0.3, -7.0], [1.0, 2.0]),
        (lambda x: x[0] ** 2 + x[0] * x[1] - x[1] ** 2, [1.0, 2.0], [4.0, -3.0]),
        (lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2, [1.0, -2.0, 3.0], [2.0, -4.0, 6.0]),
    ],
)
def test_gradients_from_the_seeds(f, x, expected):
    np.testing.assert_allclose(numerical_gradient(f, np.array(x)), expected, rtol=1e-8)


def test_gradient_of_sigmoid_neuron_weight_is_one_quarter():
    p = get("sigmoid_neuron")
    g = numerical_gradient(p.f, np.array([1.0, 0.0, 0.0]))
    np.testing.assert_allclose(g, [0.0, 0.25, 0.25], atol=1e-9)


def test_gradient_of_batch_is_computed_row_by_row():
    x = np.array([[3.0, 4.0], [-1.0, 0.5], [0.0, 2.0]])
    g = numerical_gradient(lambda row: np.sum(row**2), x)
    assert g.shape == x.shape
    np.testing.assert_allclose(g, 2 * x, rtol=1e-9, atol=1e-10)


def test_gradient_step_size_is_used():
    # Forward/central differences of a cubic have error h**2 (central).
    g_big = numerical_gradient(lambda x: x[0] ** 3, np.array([1.0]), h=0.1)
    np.testing.assert_allclose(g_big, [3.01], rtol=1e-12)


def test_gradient_rejects_three_dimensional_input():
    with pytest.raises(ValueError, match="1-D or 2-D"):
        numerical_gradient(function_2, np.zeros((2, 2, 2)))


# ---------------------------------------------------------------------------
# gradient_descent
# ---------------------------------------------------------------------------


def test_seed_quadratic_descent():
    x0 = np.array([10.0, 10.0, 10.0])
    x = gradient_descent(seed_quadratic, x0, lr=0.01, step_num=500)
    # Printed with 8 decimals in the seed.
    np.testing.assert_allclose(x, [1.00000001, 0.50038973, -3.99942566], rtol=0, atol=5e-9)
    np.testing.assert_array_equal(x0, [10.0, 10.0, 10.0])


@pytest.mark.parametrize(
    ("lr", "expected", "rtol", "atol"),
    [
        # Printed with 9 significant digits in the seed.
        (0.2, [-2.14405215e-21, 6.35274710e-21], 1e-8, 0.0),
        (0.1, [-6.11110793e-10, 8.14814391e-10], 1e-8, 0.0),
        # Printed with 8 decimals.
        (0.01, [-0.39785867, 0.53047822], 0.0, 5e-9),
    ],
)
def test_function_2_descent_learning_rates(lr, expected, rtol, atol):
    x = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=lr, step_num=100)
    np.testing.assert_allclose(x, expected, rtol=rtol, atol=atol)


def test_function_2_descent_with_lr_one_oscillates():
    x, hist = gradient_descent(function_2, [-3.0, 4.0], lr=1.0, step_num=100, history=True)
    np.testing.assert_allclose(hist[1::2], np.tile([3.0, -4.0], (50, 1)), atol=1e-6)
    np.testing.assert_allclose(hist[0::2], np.tile([-3.0, 4.0], (51, 1)), atol=1e-6)
    np.testing.assert_allclose(x, [-3.0, 4.0], atol=1e-6)


def test_function_2_descent_with_lr_above_one_diverges():
    x, hist = gradient_descent(function_2, [-3.0, 4.0], lr=1.1, step_num=100, history=True)
    np.testing.assert_allclose(x, [-2.5e8, 3.3e8], rtol=5e-2)
    # Exact iteration x_k = (1 - 2 lr)^k x0; the finite differences of f ~ 1e17
    # lose ~4 digits to cancellation at the end, hence the loose tolerance.
    np.testing.assert_allclose(x, (-1.2) ** 100 * np.array([-3.0, 4.0]), rtol=1e-2)
    norms = np.linalg.norm(hist, axis=1)
    assert np.all(np.diff(norms) > 0)


def test_history_shape_and_end_rows():
    x0 = np.array([-3.0, 4.0])
    x, hist = gradient_descent(function_2, x0, lr=0.1, step_num=100, history=True)
    assert hist.shape == (101, 2)
    np.testing.assert_array_equal(hist[0], x0)
    np.testing.assert_array_equal(hist[-1], x)
    np.testing.assert_array_equal(x0, [-3.0, 4.0])
    # Without history only the final point is returned, and it is the same.
    x_plain = gradient_descent(function_2, x0, lr=0.1, step_num=100)
    assert isinstance(x_plain, np.ndarray)
    np.testing.assert_array_equal(x_plain, x)


def test_history_with_zero_steps_is_the_start_point():
    x, hist = gradient_descent(function_2, [1.0, 2.0], step_num=0, history=True)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_array_equal(hist, [[1.0, 2.0]])


def test_descent_accepts_integer_start_and_leaves_it_alone():
    x0 = np.array([-3, 4])
    x = gradient_descent(function_2, x0, lr=0.1, step_num=100)
    np.testing.assert_allclose(x, [-6.11110793e-10, 8.14814391e-10], rtol=1e-8)
    np.testing.assert_array_equal(x0, [-3, 4])
    assert x0.dtype.kind == "i"


def test_seed_parabola_and_sphere_descent_reach_zero():
    # 2x^2: x_k = (1 - 4 lr)^k x0 = 0.96^1000 x0 ~ 2e-18 x0.
    x = gradient_descent(get("parabola").f, [-683.0], lr=1e-2, step_num=1000)
    assert abs(x[0]) < 1e-14
    # x^2 + y^2 + z^2: x_k = 0.98^1000 x0 ~ 1.7e-9 x0.
    x = gradient_descent(get("sphere3").f, [512.0, -301.0, 777.0], lr=1e-2, step_num=1000)
    np.testing.assert_allclose(x, 0.98**1000 * np.array([512.0, -301.0, 777.0]), rtol=1e-6)
