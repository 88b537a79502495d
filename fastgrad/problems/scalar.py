"""Scalar functions ``f: R -> R`` with their analytic derivatives, and their table:
:data:`SCALAR_FUNCTIONS`, :func:`get_scalar`.

The functions take a float (or complex) scalar and obey the rules written in
:mod:`fastgrad.problems` (compiled by ``numba.njit``, exact under the complex step).
"""

from __future__ import annotations

import numpy as np

from .records import ScalarFunction


# ---------------------------------------------------------------------------
# Scalar functions f: R -> R.
# ---------------------------------------------------------------------------


def constant(x):
    return 3.0 + 0.0 * x


def constant_d(x):
    return 0.0 * x


def identity(x):
    return x


def identity_d(x):
    return 1.0 + 0.0 * x


def exp_(x):
    return np.exp(x)


def exp_d(x):
    return np.exp(x)


def square(x):
    return x ** 2


def square_d(x):
    return 2.0 * x


def cube(x):
    return x * x * x


def cube_d(x):
    return 3.0 * x * x


def reciprocal(x):
    return 1.0 / x


def reciprocal_d(x):
    return -1.0 / (x * x)


def log_(x):
    return np.log(x)


def log_d(x):
    return 1.0 / x


def sqrt_(x):
    return np.sqrt(x)


def sqrt_d(x):
    return 0.5 / np.sqrt(x)


def sin_(x):
    return np.sin(x)


def sin_d(x):
    return np.cos(x)


def tanh_(x):
    return np.tanh(x)


def tanh_d(x):
    t = np.tanh(x)
    return 1.0 - t * t


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_d(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return s * (1.0 - s)


def inv_exp(x):
    return 1.0 / np.exp(x)


def inv_exp_d(x):
    return -1.0 / np.exp(x)


def seed_poly_a(x):
    return 0.01 * x ** 2 + 0.1 * x


def seed_poly_a_d(x):
    return 0.02 * x + 0.1


def seed_poly_b(x):
    return 0.1 * x ** 2 + 0.01 * x


def seed_poly_b_d(x):
    return 0.2 * x + 0.01


def seed_parabola(x):
    return 2.0 * x ** 2


def seed_parabola_d(x):
    return 4.0 * x


def softplus(x):
    return np.log(1.0 + np.exp(x))


def softplus_d(x):
    return 1.0 / (1.0 + np.exp(-x))


def arctan_(x):
    return np.arctan(x)


def arctan_d(x):
    return 1.0 / (1.0 + x * x)


def exp_sin(x):
    return np.exp(np.sin(x))


def exp_sin_d(x):
    return np.cos(x) * np.exp(np.sin(x))


_SCALAR_LIST = [
    ScalarFunction("constant", constant, constant_d, "real", "c -> 0 (seeds' derivative table)."),
    ScalarFunction("identity", identity, identity_d, "real", "x -> 1 (seeds' derivative table)."),
    ScalarFunction("exp", exp_, exp_d, "real", "e^x -> e^x (seeds' derivative table)."),
    ScalarFunction("square", square, square_d, "real", "x^2 -> 2x (seeds' derivative table)."),
    ScalarFunction("cube", cube, cube_d, "real", "x^3 written x*x*x (complex-step safe)."),
    ScalarFunction(
        "reciprocal", reciprocal, reciprocal_d, "positive",
        "1/x -> -1/x^2 (seeds' derivative table); pole at 0.",
    ),
    ScalarFunction(
        "log", log_, log_d, "positive", "ln x -> 1/x (seeds' derivative table)."
    ),
    ScalarFunction(
        "sqrt", sqrt_, sqrt_d, "positive", "Derivative unbounded as x -> 0+."
    ),
    ScalarFunction("sin", sin_, sin_d, "real"),
    ScalarFunction("tanh", tanh_, tanh_d, "real", "Derivative 1 - tanh^2 (seeds' activations)."),
    ScalarFunction(
        "sigmoid", sigmoid, sigmoid_d, "real",
        "Derivative s(1 - s), range (0, 1/4] (seeds' activations).",
    ),
    ScalarFunction(
        "inv_exp", inv_exp, inv_exp_d, "real", "1/e^x -> -1/e^x (seeds' chain-rule example)."
    ),
    ScalarFunction(
        "seed_poly_a", seed_poly_a, seed_poly_a_d, "real",
        "0.01x^2 + 0.1x: derivative 0.2 at 5 and 0.3 at 10; the seeds' h = 1e-4 "
        "forward difference gives 0.20000099999917254 and 0.3000009999976072.",
    ),
    ScalarFunction(
        "seed_poly_b", seed_poly_b, seed_poly_b_d, "real",
        "0.1x^2 + 0.01x: the seeds' tangent-line plot at x = 5 and 14.",
    ),
    ScalarFunction("seed_parabola", seed_parabola, seed_parabola_d, "real", "y = 2x^2 -> 4x."),
    ScalarFunction(
        "softplus", softplus, softplus_d, "real", "log(1 + e^x); overflows for x > ~709."
    ),
    ScalarFunction("arctan", arctan_, arctan_d, "real"),
    ScalarFunction("exp_sin", exp_sin, exp_sin_d, "real", "Composition exp(sin(x))."),
]

#: Scalar functions with analytic derivatives, by name.
SCALAR_FUNCTIONS: dict[str, ScalarFunction] = {s.name: s for s in _SCALAR_LIST}


def get_scalar(name: str) -> ScalarFunction:
    """Return the scalar function called `name`.

    Parameters
    ----------
    name : str
        A key of :data:`SCALAR_FUNCTIONS`.

    Returns
    -------
    ScalarFunction

    Raises
    ------
    KeyError
        If there is no such function; the message lists the valid names.
    """
    try:
        return SCALAR_FUNCTIONS[name]
    except KeyError:
        raise KeyError(
            f"unknown scalar function {name!r}; valid names: {', '.join(SCALAR_FUNCTIONS)}"
        ) from None
