"""Elementary objectives ``R^n -> R`` and the functions of the seed documents.

Each comes with its analytic gradient and, for most, its Hessian. All of them obey the
rules written in :mod:`fastgrad.problems` (compiled by ``numba.njit``, exact under the
complex step, the argument left unchanged).
"""

import numpy as np


# ---------------------------------------------------------------------------
# Elementary functions and compositions.
# ---------------------------------------------------------------------------


def sum_exp(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.exp(x[i])
    return s


def sum_exp_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = np.exp(x[i])
    return g


def sum_exp_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        h[i, i] = np.exp(x[i])
    return h


def sum_sin(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.sin(x[i])
    return s


def sum_sin_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = np.cos(x[i])
    return g


def sum_sin_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        h[i, i] = -np.sin(x[i])
    return h


def log_squares(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.log(1.0 + x[i] * x[i])
    return s


def log_squares_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = 2.0 * x[i] / (1.0 + x[i] * x[i])
    return g


def log_squares_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        q = 1.0 + x[i] * x[i]
        h[i, i] = 2.0 * (1.0 - x[i] * x[i]) / (q * q)
    return h


def product_xyz(x):
    return x[0] * x[1] * x[2]


def product_xyz_grad(x):
    g = np.zeros(3)
    g[0] = x[1] * x[2]
    g[1] = x[0] * x[2]
    g[2] = x[0] * x[1]
    return g


def product_xyz_hess(x):
    h = np.zeros((3, 3))
    h[0, 1] = h[1, 0] = x[2]
    h[0, 2] = h[2, 0] = x[1]
    h[1, 2] = h[2, 1] = x[0]
    return h


def lorentzian_well(x):
    s = 0.0
    for i in range(x.shape[0]):
        s -= 1.0 / (1.0 + x[i] * x[i])
    return s


def lorentzian_well_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        q = 1.0 + x[i] * x[i]
        g[i] = 2.0 * x[i] / (q * q)
    return g


def lorentzian_well_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        q = 1.0 + x[i] * x[i]
        h[i, i] = (2.0 - 6.0 * x[i] * x[i]) / (q * q * q)
    return h


def sigmoid_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += 1.0 / (1.0 + np.exp(-x[i]))
    return s


def sigmoid_sum_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        s = 1.0 / (1.0 + np.exp(-x[i]))
        g[i] = s * (1.0 - s)
    return g


def tanh_squares(x):
    s = 0.0
    for i in range(x.shape[0]):
        t = np.tanh(x[i])
        s += t * t
    return s


def tanh_squares_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        t = np.tanh(x[i])
        g[i] = 2.0 * t * (1.0 - t * t)
    return g


def sigmoid_neuron(x):
    # x = (input, weight, bias); output sigmoid(w * x + b)
    return 1.0 / (1.0 + np.exp(-(x[1] * x[0] + x[2])))


def sigmoid_neuron_grad(x):
    s = 1.0 / (1.0 + np.exp(-(x[1] * x[0] + x[2])))
    ds = s * (1.0 - s)
    g = np.zeros(3)
    g[0] = x[1] * ds
    g[1] = x[0] * ds
    g[2] = ds
    return g


def composite(x):
    return (
        np.exp(0.5 * x[0] * x[1])
        + np.sin(x[1] + x[2])
        + np.sqrt(1.0 + x[0] * x[0] + x[2] * x[2])
        + np.arctan(x[2])
    )


def composite_grad(x):
    e = np.exp(0.5 * x[0] * x[1])
    c = np.cos(x[1] + x[2])
    r = np.sqrt(1.0 + x[0] * x[0] + x[2] * x[2])
    g = np.zeros(3)
    g[0] = 0.5 * x[1] * e + x[0] / r
    g[1] = 0.5 * x[0] * e + c
    g[2] = c + x[2] / r + 1.0 / (1.0 + x[2] * x[2])
    return g


# ---------------------------------------------------------------------------
# Functions from the seed documents.
# ---------------------------------------------------------------------------


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def function_2_grad(x):
    g = np.zeros(2)
    g[0] = 2.0 * x[0]
    g[1] = 2.0 * x[1]
    return g


def function_2_hess(x):
    return 2.0 * np.eye(2)


def saddle_xy(x):
    return x[0] ** 2 + x[0] * x[1] - x[1] ** 2


def saddle_xy_grad(x):
    g = np.zeros(2)
    g[0] = 2.0 * x[0] + x[1]
    g[1] = x[0] - 2.0 * x[1]
    return g


def saddle_xy_hess(x):
    h = np.zeros((2, 2))
    h[0, 0] = 2.0
    h[0, 1] = h[1, 0] = 1.0
    h[1, 1] = -2.0
    return h


def sphere3(x):
    return x[0] ** 2 + x[1] ** 2 + x[2] ** 2


def sphere3_grad(x):
    g = np.zeros(3)
    for i in range(3):
        g[i] = 2.0 * x[i]
    return g


def sphere3_hess(x):
    return 2.0 * np.eye(3)


def seed_quadratic3(x):
    return 2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2 + (x[2] + 4.0) ** 2


def seed_quadratic3_grad(x):
    g = np.zeros(3)
    g[0] = 4.0 * (x[0] - 1.0)
    g[1] = 2.0 * (x[1] - 0.5)
    g[2] = 2.0 * (x[2] + 4.0)
    return g


def seed_quadratic3_hess(x):
    h = np.zeros((3, 3))
    h[0, 0] = 4.0
    h[1, 1] = 2.0
    h[2, 2] = 2.0
    return h


def parabola(x):
    return 2.0 * x[0] ** 2


def parabola_grad(x):
    g = np.zeros(1)
    g[0] = 4.0 * x[0]
    return g


def parabola_hess(x):
    return 4.0 * np.eye(1)
