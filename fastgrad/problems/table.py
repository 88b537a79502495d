"""The table of vector problems: :data:`PROBLEMS`, :func:`get`, and the problems of any
dimension (:func:`make_rosenbrock`, :func:`make_rastrigin`).

Each row names its objective, gradient and Hessian from the modules of functions
(:mod:`~fastgrad.problems.elementary`, :mod:`~fastgrad.problems.quadratics`,
:mod:`~fastgrad.problems.classic`), with a start, the known minimum and notes.
"""

from __future__ import annotations

import numpy as np

from .classic import (
    rosenbrock, rosenbrock_grad, rosenbrock_hess, beale, beale_grad, himmelblau,
    himmelblau_grad, himmelblau_hess, booth, booth_grad, booth_hess, matyas, matyas_grad,
    matyas_hess, three_hump_camel, three_hump_camel_grad, three_hump_camel_hess,
    powell_singular, powell_singular_grad, powell_singular_hess, wood, wood_grad, wood_hess,
    rastrigin, rastrigin_grad, rastrigin_hess, styblinski_tang, styblinski_tang_grad,
    styblinski_tang_hess, trid, trid_grad, trid_hess, _STYBLINSKI_TANG_XI,
    _STYBLINSKI_TANG_FI,
)
from .elementary import (
    sum_exp, sum_exp_grad, sum_exp_hess, sum_sin, sum_sin_grad, sum_sin_hess, log_squares,
    log_squares_grad, log_squares_hess, product_xyz, product_xyz_grad, product_xyz_hess,
    lorentzian_well, lorentzian_well_grad, lorentzian_well_hess, sigmoid_sum,
    sigmoid_sum_grad, tanh_squares, tanh_squares_grad, sigmoid_neuron, sigmoid_neuron_grad,
    composite, composite_grad, function_2, function_2_grad, function_2_hess, saddle_xy,
    saddle_xy_grad, saddle_xy_hess, sphere3, sphere3_grad, sphere3_hess, seed_quadratic3,
    seed_quadratic3_grad, seed_quadratic3_hess, parabola, parabola_grad, parabola_hess,
)
from .quadratics import (
    random_quadratic5, random_quadratic5_grad, random_quadratic5_hess,
    ill_conditioned_quadratic10, ill_conditioned_quadratic10_grad,
    ill_conditioned_quadratic10_hess, _RANDOM_QUADRATIC_XMIN, _RANDOM_QUADRATIC_FMIN,
)
from .records import Problem


# ---------------------------------------------------------------------------
# Problem constructors for variable dimension.
# ---------------------------------------------------------------------------


def make_rosenbrock(n: int) -> Problem:
    """Rosenbrock problem of dimension `n`.

    Parameters
    ----------
    n : int
        Dimension, at least 2.

    Returns
    -------
    Problem
        Start ``(-1.2, 1, -1.2, 1, ...)``, minimizer ``(1, ..., 1)``,
        minimum 0.
    """
    if n < 2:
        raise ValueError(f"n must be at least 2; got {n!r}")
    return Problem(
        name=f"rosenbrock{n}",
        f=rosenbrock,
        grad=rosenbrock_grad,
        n=n,
        x0=tuple(-1.2 if i % 2 == 0 else 1.0 for i in range(n)),
        xmin=(1.0,) * n,
        fmin=0.0,
        hess=rosenbrock_hess,
        notes=(
            "Chained Rosenbrock function, as scipy.optimize.rosen. Curved narrow "
            "valley: gradient descent with a fixed step needs lr < ~1/(1200 x^2) and "
            "crawls along the valley floor. The gradient has terms of size ~1e3 "
            "that cancel near the valley, so finite-difference relative errors "
            "there are large."
        ),
    )


def make_rastrigin(n: int) -> Problem:
    """Rastrigin problem of dimension `n`.

    Parameters
    ----------
    n : int
        Dimension, at least 1.

    Returns
    -------
    Problem
        A fixed start in ``[-3.3, 3.1]^n``, minimizer 0, minimum 0.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1; got {n!r}")
    pattern = (3.1, -2.3, 1.7, -0.6, 0.4, 2.8, -1.9, 1.2, -3.3, 0.9)
    return Problem(
        name=f"rastrigin{n}",
        f=rastrigin,
        grad=rastrigin_grad,
        n=n,
        x0=tuple(pattern[i % len(pattern)] for i in range(n)),
        xmin=(0.0,) * n,
        fmin=0.0,
        hess=rastrigin_hess,
        notes=(
            "Highly multimodal (a local minimum near every integer point): local "
            "methods stop in a local minimum, so only the gradient, not the "
            "minimum, is a fair test from x0."
        ),
    )


# ---------------------------------------------------------------------------
# The table.
# ---------------------------------------------------------------------------

_PROBLEM_LIST = [
    # Elementary functions and compositions.
    Problem(
        "sum_exp", sum_exp, sum_exp_grad, 3, (0.5, -1.0, 2.0), None, None, sum_exp_hess,
        "sum exp(x_i): convex, unbounded below direction -inf (infimum 0, no minimum).",
    ),
    Problem(
        "sum_sin", sum_sin, sum_sin_grad, 3, (0.1, 0.5, 1.0),
        (-0.5 * np.pi,) * 3, -3.0, sum_sin_hess,
        "sum sin(x_i): periodic, one of infinitely many minimizers given; "
        "grad at xmin is cos(-pi/2) = 6e-17, not exactly 0.",
    ),
    Problem(
        "log_squares", log_squares, log_squares_grad, 3, (2.0, -3.0, 0.5),
        (0.0, 0.0, 0.0), 0.0, log_squares_hess,
        "sum log(1 + x_i^2): non-convex for |x_i| > 1, gradient -> 0 at infinity.",
    ),
    Problem(
        "product_xyz", product_xyz, product_xyz_grad, 3, (1.0, 2.0, 3.0), None, None,
        product_xyz_hess,
        "x*y*z: unbounded, saddle at 0 (no minimum). Gradient (yz, xz, xy).",
    ),
    Problem(
        "lorentzian_well", lorentzian_well, lorentzian_well_grad, 2, (1.5, -0.7),
        (0.0, 0.0), -2.0, lorentzian_well_hess,
        "-sum 1/(1 + x_i^2): minimum -n at 0, flat tails (gradient ~ 2/x^3).",
    ),
    Problem(
        "sigmoid_sum", sigmoid_sum, sigmoid_sum_grad, 3, (-1.0, 0.0, 2.0), None, None,
        None,
        "sum sigmoid(x_i): derivative s(1-s) in (0, 1/4]; infimum 0 not attained. "
        "exp(-x) overflows for x < -709 (sigmoid still returns 0).",
    ),
    Problem(
        "tanh_squares", tanh_squares, tanh_squares_grad, 3, (0.3, -1.2, 2.5),
        (0.0, 0.0, 0.0), 0.0, None,
        "sum tanh(x_i)^2: saturates for large |x_i| (vanishing gradient, "
        "~8 exp(-2|x|)); gradient descent from far away barely moves.",
    ),
    Problem(
        "sigmoid_neuron", sigmoid_neuron, sigmoid_neuron_grad, 3, (1.0, 0.0, 0.0),
        None, None, None,
        "sigmoid(w*x + b) as a function of (x, w, b), as in the seeds' computational "
        "graph example: at (1, 0, 0) the gradient is (0, 0.25, 0.25).",
    ),
    Problem(
        "composite", composite, composite_grad, 3, (0.5, -1.0, 2.0), None, None, None,
        "exp(x0 x1 / 2) + sin(x1 + x2) + sqrt(1 + x0^2 + x2^2) + arctan(x2): "
        "chain rule through exp, sin, sqrt and arctan; unbounded below.",
    ),
    # From the seed documents.
    Problem(
        "function_2", function_2, function_2_grad, 2, (-3.0, 4.0), (0.0, 0.0), 0.0,
        function_2_hess,
        "x0^2 + x1^2, the seeds' function_2; gradient [6, 8] at (3, 4). Fixed-step "
        "descent from (-3, 4), 100 steps: lr 0.2 and 0.1 converge, lr 0.01 is too "
        "slow, lr 1.0 oscillates between (3, -4) and (-3, 4), lr > 1 diverges.",
    ),
    Problem(
        "saddle_xy", saddle_xy, saddle_xy_grad, 2, (3.0, 4.0), None, None, saddle_xy_hess,
        "x^2 + x*y - y^2 from the seeds' gradient example: indefinite Hessian, "
        "saddle at 0, unbounded below (no minimum).",
    ),
    Problem(
        "sphere3", sphere3, sphere3_grad, 3, (512.0, -301.0, 777.0), (0.0, 0.0, 0.0),
        0.0, sphere3_hess,
        "x^2 + y^2 + z^2 with gradient (2x, 2y, 2z); the seeds start from random "
        "integers in [-1000, 1000] and run lr 1e-2 for 1000 epochs.",
    ),
    Problem(
        "seed_quadratic3", seed_quadratic3, seed_quadratic3_grad, 3, (10.0, 10.0, 10.0),
        (1.0, 0.5, -4.0), 0.0, seed_quadratic3_hess,
        "2(x-1)^2 + (y-0.5)^2 + (z+4)^2; the seeds' descent with lr 0.01, 500 steps "
        "gives [1.00000001, 0.50038973, -3.99942566].",
    ),
    Problem(
        "parabola", parabola, parabola_grad, 1, (500.0,), (0.0,), 0.0, parabola_hess,
        "y = 2x^2 with derivative 4x (one variable, as an array of length 1); the "
        "seeds use lr 1e-2, 1000 epochs from a random integer in [-1000, 1000].",
    ),
    # Quadratics.
    Problem(
        "random_quadratic5", random_quadratic5, random_quadratic5_grad, 5,
        (1.0, -1.0, 2.0, 0.5, -0.5),
        tuple(float(v) for v in _RANDOM_QUADRATIC_XMIN), _RANDOM_QUADRATIC_FMIN,
        random_quadratic5_hess,
        "0.5 x^T A x - b^T x with the seeded SPD matrix RANDOM_QUADRATIC_A and "
        "vector RANDOM_QUADRATIC_B; minimizer solve(A, b). xmin and fmin are "
        "computed in floating point, so f(xmin) == fmin holds to ~1e-15 only.",
    ),
    Problem(
        "ill_conditioned_quadratic10", ill_conditioned_quadratic10,
        ill_conditioned_quadratic10_grad, 10, (1.0,) * 10, (0.0,) * 10, 0.0,
        ill_conditioned_quadratic10_hess,
        "0.5 sum d_i x_i^2 with d = logspace(0, 4, 10), condition number 1e4: "
        "fixed-step descent needs lr < 2e-4 and then needs ~1e4 steps.",
    ),
    # Classic test functions.
    make_rosenbrock(2),
    make_rosenbrock(10),
    make_rosenbrock(100),
    Problem(
        "beale", beale, beale_grad, 2, (1.0, 1.0), (3.0, 0.5), 0.0, None,
        "Beale: flat region near the x axis, steep walls for |y| > 1.",
    ),
    Problem(
        "himmelblau", himmelblau, himmelblau_grad, 2, (0.0, 0.0), (3.0, 2.0), 0.0,
        himmelblau_hess,
        "Himmelblau: four global minima (value 0); only (3, 2) is listed. "
        "Descent from (0, 0) reaches (3, 2).",
    ),
    Problem(
        "booth", booth, booth_grad, 2, (0.0, 0.0), (1.0, 3.0), 0.0, booth_hess,
        "Booth: convex quadratic, condition number 9.",
    ),
    Problem(
        "matyas", matyas, matyas_grad, 2, (5.0, -3.0), (0.0, 0.0), 0.0, matyas_hess,
        "Matyas: convex quadratic with condition number 25 (eigenvalues 1.0, 0.04); "
        "nearly flat along the diagonal.",
    ),
    Problem(
        "three_hump_camel", three_hump_camel, three_hump_camel_grad, 2, (-1.0, -1.0),
        (0.0, 0.0), 0.0, three_hump_camel_hess,
        "Three-hump camel: global minimum 0 at the origin and two local minima "
        "near (+-1.75, -+0.87).",
    ),
    Problem(
        "powell_singular", powell_singular, powell_singular_grad, 4,
        (3.0, -1.0, 0.0, 1.0), (0.0, 0.0, 0.0, 0.0), 0.0, powell_singular_hess,
        "Powell singular function, f(x0) = 215: the Hessian is singular at the "
        "minimizer, so the gradient vanishes like |x - xmin|^3 and iterates "
        "approach xmin slowly; expect ||x - xmin|| ~ 1e-3 when ||g|| ~ 1e-8.",
    ),
    Problem(
        "wood", wood, wood_grad, 4, (-3.0, -1.0, -3.0, -1.0), (1.0, 1.0, 1.0, 1.0), 0.0,
        wood_hess,
        "Wood (Colville) function, f(x0) = 19192; a nearly stationary saddle "
        "region near (-0.97, 0.95, -0.97, 0.95) slows local methods.",
    ),
    make_rastrigin(10),
    Problem(
        "styblinski_tang", styblinski_tang, styblinski_tang_grad, 4, (0.0,) * 4,
        (_STYBLINSKI_TANG_XI,) * 4, 4 * _STYBLINSKI_TANG_FI, styblinski_tang_hess,
        "Styblinski-Tang: 0.5 sum(x^4 - 16x^2 + 5x), 2^n local minima; the global "
        "one has x_i = -2.9035340277711770 (root of 2x^3 - 16x + 2.5), rounded to "
        "double, so f(xmin) == fmin and grad(xmin) == 0 hold to ~1e-14 only.",
    ),
    Problem(
        "trid6", trid, trid_grad, 6, (0.0,) * 6, (6.0, 10.0, 12.0, 12.0, 10.0, 6.0),
        -50.0, trid_hess,
        "Trid: sum (x_i - 1)^2 - sum x_i x_{i-1}; convex, minimizer i (n + 1 - i), "
        "minimum -n (n + 4)(n - 1) / 6.",
    ),
]

#: All test problems by name, in a stable order.
PROBLEMS: dict[str, Problem] = {p.name: p for p in _PROBLEM_LIST}


def get(name: str) -> Problem:
    """Return the problem called `name`.

    Parameters
    ----------
    name : str
        A key of :data:`PROBLEMS`.

    Returns
    -------
    Problem

    Raises
    ------
    KeyError
        If there is no such problem; the message lists the valid names.
    """
    try:
        return PROBLEMS[name]
    except KeyError:
        raise KeyError(
            f"unknown problem {name!r}; valid names: {', '.join(PROBLEMS)}"
        ) from None
