"""Every user-facing message of the differentiation API, with the rule it states.

Each message names the argument, states the rule and shows the value it got; each check is run
through every public function it applies to.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import fastgrad
from fastgrad import problems

F2 = problems.function_2  # x0**2 + x1**2, compiled once for the whole run
SEED = problems.seed_poly_a  # a scalar function for derivative
ROSEN = problems.rosenbrock
X2 = np.array([3.0, 4.0])
GRAD_F2 = fastgrad.grad(F2, step=1e-7)  # compiled once; used for x that is NaN or too large


def returns_a_vector(x):
    return 2.0 * x


def returns_a_pair(t):
    return np.array([t, 2.0 * t])


def returns_a_matrix(x):
    return x.reshape((1, x.shape[0]))


def grows(x):
    """One value at x[0] <= 1, two beyond."""
    return x[: 1 if x[0] <= 1.0 else 2]


def returns_none(x):
    return None


def sums_the_batch(X):
    """Claims to be vectorized but returns one number for the whole batch."""
    return np.sum(X * X)


PYTHON_DATA = {"scale": 2.0}


def reads_a_dict(x):
    return PYTHON_DATA["scale"] * x[0] * x[0]


def reads_a_dict_too(x):
    return PYTHON_DATA["scale"] * x[0] * x[0]


class CallableInstance:
    def __call__(self, x):
        return x[0] * x[0]


def calls(x=X2, f=F2, **kw):
    """One call of each public function that takes (f, x) with the keyword arguments kw."""
    return {
        "gradient": lambda: fastgrad.gradient(f, x, **kw),
        "jacobian": lambda: fastgrad.jacobian(f, x, **kw),
        "hessian": lambda: fastgrad.hessian(f, x, **{k: v for k, v in kw.items()
                                                     if k != "method"}),
        "check_grad": lambda: fastgrad.check_grad(f, problems.function_2_grad, x, **kw),
    }


# ---------------------------------------------------------------------------
# f, args, method, jit
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: fastgrad.derivative(1.5, 0.0),
        lambda: fastgrad.gradient("x**2", X2),
        lambda: fastgrad.jacobian(None, X2),
        lambda: fastgrad.hessian([F2], X2),
        lambda: fastgrad.grad(42),
        lambda: fastgrad.check_grad(np.zeros(2), problems.function_2_grad, X2),
    ],
    ids=["derivative", "gradient", "jacobian", "hessian", "grad", "check_grad"],
)
def test_f_must_be_callable(call):
    with pytest.raises(TypeError, match=r"^f must be callable, got \w+ "):
        call()


def test_check_grads_grad_must_be_callable():
    with pytest.raises(TypeError, match=r"grad must be callable, got ndarray"):
        fastgrad.check_grad(F2, np.zeros(2), X2)


@pytest.mark.parametrize("name", ["gradient", "jacobian", "hessian", "check_grad"])
@pytest.mark.parametrize("bad", [[1.0], 1.0, "data"])
def test_args_must_be_a_tuple(name, bad):
    with pytest.raises(TypeError, match=r"args must be a tuple of extra arguments for f, got "
                                        r"\w+ .*; write args=\(value,\) for a single argument"):
        calls(args=bad)[name]()


@pytest.mark.parametrize("bad", [[1.0], np.ones(2)])
def test_args_must_be_a_tuple_for_derivative_and_grad(bad):
    with pytest.raises(TypeError, match="args must be a tuple"):
        fastgrad.derivative(SEED, 1.0, args=bad)
    with pytest.raises(TypeError, match="args must be a tuple"):
        fastgrad.grad(F2, args=bad)


VALID_METHODS = (r"method must be one of 'forward', 'backward', 'central', 'central4', "
                 r"'complex' \(or SciPy's '2-point', '3-point', 'cs'\), got ")


@pytest.mark.parametrize("bad", ["centre", "Central", "", None, 2])
def test_unknown_method_lists_the_valid_ones(bad):
    for name, call in calls(method=bad).items():
        if name == "hessian":
            continue  # hessian has one scheme and no method argument
        with pytest.raises(ValueError, match=VALID_METHODS + re.escape(repr(bad)) + "$"):
            call()
    with pytest.raises(ValueError, match=VALID_METHODS):
        fastgrad.derivative(SEED, 1.0, method=bad)
    with pytest.raises(ValueError, match=VALID_METHODS):
        fastgrad.grad(F2, method=bad)


def test_hessian_has_no_method_argument():
    with pytest.raises(TypeError, match="method"):
        fastgrad.hessian(F2, X2, method="central")


@pytest.mark.parametrize("alias, name", [("2-point", "forward"), ("3-point", "central"),
                                         ("cs", "complex")])
def test_scipy_method_names_are_aliases(objectives, alias, name):
    c = np.array([1.0, -2.0])
    np.testing.assert_array_equal(
        fastgrad.gradient(objectives.linear, X2, method=alias, args=(c,)),
        fastgrad.gradient(objectives.linear, X2, method=name, args=(c,)),
    )


@pytest.mark.parametrize("f", [reads_a_dict, CallableInstance()], ids=["typing", "not-function"])
def test_jit_true_with_an_uncompilable_objective_is_a_type_error(f):
    with pytest.raises(TypeError, match="jit=True but Numba cannot compile the objective f: "):
        fastgrad.gradient(f, X2, jit=True)
    with pytest.raises(TypeError, match="jit=True but Numba cannot compile the objective f"):
        fastgrad.grad(f, jit=True)


def test_jit_true_after_a_fallback_is_still_a_type_error():
    with pytest.warns(fastgrad.FastgradWarning, match="Python engine"):
        fastgrad.gradient(reads_a_dict_too, X2)  # falls back to the Python engine
    for call in (lambda: fastgrad.gradient(reads_a_dict_too, X2, jit=True),
                 lambda: fastgrad.hessian(reads_a_dict_too, X2, jit=True),
                 lambda: fastgrad.grad(reads_a_dict_too, jit=True)):
        with pytest.raises(TypeError, match="jit=True but Numba cannot compile.*dict"):
            call()


# ---------------------------------------------------------------------------
# x
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, shapes",
    [
        (lambda x: fastgrad.gradient(F2, x), r"\(n,\) or \(m, n\)"),
        (lambda x: fastgrad.jacobian(F2, x), r"\(n,\)"),
        (lambda x: fastgrad.hessian(F2, x), r"\(n,\)"),
        (lambda x: fastgrad.check_grad(F2, problems.function_2_grad, x), r"\(n,\) or \(m, n\)"),
    ],
    ids=["gradient", "jacobian", "hessian", "check_grad"],
)
def test_x_must_have_the_right_number_of_dimensions(call, shapes):
    with pytest.raises(ValueError, match=rf"x must have shape {shapes}, got shape \(2, 2, 2\)"):
        call(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=rf"x must have shape {shapes}, got shape \(\)"):
        call(3.0)


@pytest.mark.parametrize("call", [lambda x: fastgrad.jacobian(F2, x),
                                  lambda x: fastgrad.hessian(F2, x)], ids=["jacobian", "hessian"])
def test_jacobian_and_hessian_take_one_point(call):
    with pytest.raises(ValueError, match=r"x must have shape \(n,\), got shape \(2, 2\)"):
        call(np.ones((2, 2)))


def test_derivative_takes_up_to_three_dimensions():
    with pytest.raises(ValueError, match=r"x must have shape \(\) or \(n,\) or \(m, n\) or "
                                         r"\(l, m, n\), got shape \(1, 1, 1, 1\)"):
        fastgrad.derivative(SEED, np.ones((1, 1, 1, 1)))


@pytest.mark.parametrize("empty", [[], np.empty((0,)), np.empty((3, 0)), np.empty((0, 2))])
def test_x_must_not_be_empty(empty):
    with pytest.raises(ValueError, match=r"x must not be empty, got shape \("):
        fastgrad.gradient(F2, empty)
    if np.ndim(empty) == 1:
        for call in (fastgrad.jacobian, fastgrad.hessian):
            with pytest.raises(ValueError, match=r"x must not be empty, got shape \(0,\)"):
                call(F2, empty)
    with pytest.raises(ValueError, match=r"x must not be empty"):
        fastgrad.derivative(SEED, empty)


@pytest.mark.parametrize(
    "bad, what",
    [
        (np.array([1.0 + 2.0j, 3.0]), "complex dtype complex128"),
        ([1.0, 2j], "complex dtype complex128"),
        (np.array([1.0, None], dtype=object), "object dtype object"),
        ([True, False], "boolean dtype bool"),
        (np.array([True, False]), "boolean dtype bool"),
        (["1.0", "2.0"], "string dtype <U3"),
        ("12", "string dtype <U2"),
        ([b"1", b"2"], "bytes dtype |S1"),
    ],
    ids=["complex-array", "complex-list", "object", "bool-list", "bool-array", "strings",
         "string", "bytes"],
)
def test_x_must_be_real_numbers(bad, what):
    pattern = r"x must be an array of real numbers \(float or int\), got " + what.replace(
        "|", r"\|")
    for call in (lambda: fastgrad.gradient(F2, bad), lambda: fastgrad.jacobian(F2, bad),
                 lambda: fastgrad.hessian(F2, bad), lambda: fastgrad.derivative(SEED, bad),
                 lambda: fastgrad.check_grad(F2, problems.function_2_grad, bad)):
        with pytest.raises(TypeError, match=pattern):
            call()


def test_x_that_is_not_an_array_at_all():
    with pytest.raises(TypeError, match=r"x must be an array of real numbers, got \[\[1.0, 2.0\], "
                                        r"\[3.0\]\]"):
        fastgrad.gradient(F2, [[1.0, 2.0], [3.0]])  # ragged
    with pytest.raises(TypeError, match="x must be an array of real numbers"):
        fastgrad.gradient(F2, [1.0, {"a": 1}])


@pytest.mark.parametrize("bad, shown", [(np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_x_must_be_finite(objectives, bad, shown):
    x = np.array([1.0, bad, 2.0])
    message = rf"x must be finite, got {shown} at index 1$"
    for method in ("central", "complex"):
        with pytest.raises(ValueError, match=message):
            fastgrad.gradient(objectives.linear, x, args=(np.ones(3),), method=method)
        with pytest.raises(ValueError, match=message):
            fastgrad.jacobian(objectives.view_of_x, x, method=method)
    with pytest.raises(ValueError, match=message):
        fastgrad.derivative(SEED, x)
    with pytest.raises(ValueError, match=message):
        fastgrad.hessian(ROSEN, x)
    with pytest.raises(ValueError, match=message):
        fastgrad.gradient(sums_the_batch, x, vectorized=True)
    with pytest.raises(ValueError, match=rf"x must be finite, got {shown} at index \(1, 2\)$"):
        fastgrad.gradient(ROSEN, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, bad]]))
    with pytest.raises(ValueError, match=r"x must be finite"):
        GRAD_F2(np.array([1.0, bad]))


# ---------------------------------------------------------------------------
# step
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 0.0, -1e-3, np.nan, np.inf, -np.inf, np.float32(-1.0)])
def test_step_must_be_positive_and_finite(bad):
    message = r"step must be a positive finite float or None, got "
    for call in calls(step=bad).values():
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(ValueError, match=message):
        fastgrad.derivative(SEED, 1.0, step=bad)
    with pytest.raises(ValueError, match=message):
        fastgrad.grad(F2, step=bad)


@pytest.mark.parametrize("bad", [[1e-3, 0.0], [1e-3, -1.0], [np.nan, 1e-3], [1e-3, np.inf]])
def test_step_arrays_must_be_positive_and_finite(bad):
    for call in calls(step=bad).values():
        with pytest.raises(ValueError, match=r"step must contain positive finite values, got "):
            call()


@pytest.mark.parametrize("bad, shape", [([1e-3] * 3, r"\(3,\)"), ([[1e-3, 1e-3]], r"\(1, 2\)"),
                                        (np.array(True), r"\(\)")])  # step=True: a TypeError
def test_step_array_must_have_one_value_per_coordinate(bad, shape):
    for call in calls(step=bad).values():
        with pytest.raises(ValueError, match=r"step must be None, a positive float or an array "
                                             rf"of shape \(2,\), got shape {shape}"):
            call()


def test_step_must_be_numbers():
    with pytest.raises(TypeError, match=r"step must be None, a positive float or an array of 2 "
                                        r"positive floats, got 'small'"):
        fastgrad.gradient(F2, X2, step="small")


@pytest.mark.parametrize("method", ["forward", "backward", "central", "central4"])
def test_step_too_small_for_x(method):
    x = np.array([1e10, 1.0])  # 1e10 + 1e-7 == 1e10
    message = (r"step is too small for x: x \+ step == x in float64 for some coordinate "
               r"\(step \[1e-07\], \|x\| up to 1e\+10\); use a larger step or step=None")
    with pytest.raises(ValueError, match=message):
        fastgrad.gradient(F2, x, step=1e-7, method=method)
    with pytest.raises(ValueError, match=message):
        fastgrad.gradient(ROSEN, np.array([[1.0, 2.0], x]), step=1e-7, method=method)
    with pytest.raises(ValueError, match=message):
        fastgrad.derivative(SEED, x, step=1e-7, method=method)
    with pytest.raises(ValueError, match=r"step is too small for x: .*\(step \[1e-07, 1.0\], "):
        fastgrad.gradient(F2, x, step=[1e-7, 1.0], method=method)


def test_step_too_small_in_a_grad_function():
    with pytest.raises(ValueError, match=r"step is too small for x: x \+ step == x"):
        GRAD_F2(np.array([1e10, 1.0]))


def test_step_too_small_for_hessian_and_jacobian(objectives):
    x = np.array([1e10, 1.0])
    with pytest.raises(ValueError, match="step is too small for x: x \\+ step == x"):
        fastgrad.hessian(ROSEN, x, step=1e-7)
    with pytest.raises(ValueError, match="step is too small for x: x \\+ step == x"):
        fastgrad.jacobian(objectives.view_of_x, x, step=1e-7)


def test_a_step_that_fits_every_coordinate_is_accepted():
    # 1e10 + 1e-3 != 1e10 and 1 + 1e-7 != 1: no error (the values are another matter: f ~ 1e20
    # has rounding errors of ~1e4, far more than the second component's size times h).
    g = fastgrad.gradient(F2, [1e10, 1.0], step=[1e-3, 1e-7])
    assert g.shape == (2,) and np.all(np.isfinite(g))


# ---------------------------------------------------------------------------
# What f and grad return
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("jit", [None, False])
def test_gradient_needs_a_scalar_objective(jit):
    message = r"the objective f must return a real scalar \(a float\); "
    message += "its compiled version returns array" if jit is None else (
        r"it returned an array of shape \(2,\) and dtype float64")
    for call in (lambda: fastgrad.gradient(returns_a_vector, X2, jit=jit),
                 lambda: fastgrad.hessian(returns_a_vector, X2, jit=jit)):
        with pytest.raises(ValueError, match=message):
            call()
    # The same check in the batched kernels (shown on the Python engine: the compiled batched
    # kernels report it through the very same path, at the price of a long compilation).
    with pytest.raises(ValueError, match=r"the objective f must return a real scalar \(a float\); "
                                         r"it returned an array of shape \(2,\)"):
        fastgrad.gradient(returns_a_vector, [X2, X2], jit=False)
    with pytest.raises(ValueError, match=r"the objective f must return a real scalar \(a float\); "
                                         r"it returned an array of shape \(2,\)"):
        fastgrad.derivative(returns_a_pair, X2, jit=False)


@pytest.mark.parametrize("jit", [None, False])
def test_jacobian_needs_a_one_dimensional_result(jit):
    message = r"the objective f must return a 1-D array of floats; " + (
        "its compiled version returns array" if jit is None else
        r"it returned an array of shape \(1, 2\) and dtype float64")
    with pytest.raises(ValueError, match=message):
        fastgrad.jacobian(returns_a_matrix, X2, jit=jit)


def test_gradient_names_what_a_python_objective_returned_instead():
    with pytest.raises(ValueError, match=r"must return a real scalar \(a float\); it returned a "
                                         r"NoneType \(None\)"):
        fastgrad.gradient(returns_none, X2, jit=False)


def test_jacobian_needs_one_length():
    x = np.array([1.0, 2.0])  # f(x) has length 1, f(x + h e_0) length 2
    with pytest.raises(ValueError, match=r"the objective f must return arrays of one length; it "
                                         r"returned length 2 after length 1"):
        fastgrad.jacobian(grows, x, method="forward", jit=False)
    with pytest.raises(ValueError, match=r"the objective f must return arrays of one length"):
        fastgrad.jacobian(grows, x, method="forward")


def test_vectorized_objective_must_return_one_value_per_row():
    with pytest.raises(ValueError, match=r"with vectorized=True the objective f must return an "
                                         r"array of shape \(\d+,\) for a batch of shape "
                                         r"\(\d+, 2\); it returned shape \(\)"):
        fastgrad.gradient(sums_the_batch, X2, vectorized=True)
    with pytest.raises(ValueError, match=r"it returned shape \(\)"):
        fastgrad.gradient(sums_the_batch, [X2, X2], vectorized=True, method="forward")


def test_check_grad_needs_grad_of_the_right_shape():
    with pytest.raises(ValueError, match=r"grad must return an array of shape \(2,\), got shape "
                                         r"\(3,\)"):
        fastgrad.check_grad(F2, lambda x: np.zeros(3), X2)
    with pytest.raises(ValueError, match=r"grad must return an array of shape \(2,\), got shape "
                                         r"\(\)"):
        fastgrad.check_grad(F2, lambda x: 0.0, X2)


@pytest.mark.parametrize("values, expected", [
    ([], True), ([1.0, -2.5, 0.0], True), ([1e308, 1e308], True),  # the sum overflows
    ([-1e308, -1e308, 3.0], True), ([np.inf], False), ([1.0, np.nan], False),
    ([np.inf, -np.inf], False), ([-np.inf, 2.0], False), ([1e308, 1e308, np.nan], False),
])
@pytest.mark.parametrize("shape", ["flat", "column", "long"])
def test_all_finite_answers_every_element(values, expected, shape):
    """validate.all_finite: the fast path (a finite sum) never hides a non-finite element,
    and a sum that overflows is not taken for one; small and large (numpy) arrays alike."""
    from fastgrad._core.validate import all_finite

    a = np.array(values, dtype=float)
    if shape == "column":
        a = a.reshape(-1, 1)
    elif shape == "long":
        a = np.concatenate([np.ones(40), a])
    assert all_finite(a) is expected


@pytest.mark.parametrize("step", [1e-170, [1e-3, 1e-160]])
def test_hessian_refuses_a_step_whose_square_underflows(step):
    """h**2 divides a second difference: at h = 1e-170 it is 0 and the Hessian was
    [[nan]] (x = 0, so x + h != x and the step passed as large enough)."""
    with pytest.raises(ValueError, match="step is too small for a Hessian"):
        fastgrad.hessian(lambda x: x[0] * x[0] + x[1] ** 2, [0.0, 0.0], step=step)
    np.testing.assert_allclose(
        fastgrad.hessian(lambda x: x[0] * x[0] + x[1] ** 2, [0.0, 0.0], step=1e-150),
        2 * np.eye(2), rtol=1e-6)
