"""Classic optimization test functions: Rosenbrock, Beale, Himmelblau, Booth, Matyas,
three-hump camel, Powell singular, Wood, Rastrigin, Styblinski-Tang, Trid.

Each comes with its analytic gradient and, for most, its Hessian. All of them obey the
rules written in :mod:`fastgrad.problems` (compiled by ``numba.njit``, exact under the
complex step, the argument left unchanged).
"""

import numpy as np

#: Coordinate of the Styblinski-Tang minimizer, root of 2x^3 - 16x + 2.5 = 0.
_STYBLINSKI_TANG_XI = -2.903534027771177
_STYBLINSKI_TANG_FI = -39.16616570377141


# ---------------------------------------------------------------------------
# Classic optimization test functions.
# ---------------------------------------------------------------------------


def rosenbrock(x):
    """Rosenbrock function ``sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2``.

    The chained form, identical to :func:`scipy.optimize.rosen`; any
    dimension ``n >= 2``, minimum 0 at ``(1, ..., 1)``.
    """
    s = 0.0
    for i in range(x.shape[0] - 1):
        a = x[i + 1] - x[i] * x[i]
        b = 1.0 - x[i]
        s += 100.0 * a * a + b * b
    return s


def rosenbrock_grad(x):
    """Analytic gradient of :func:`rosenbrock` (as :func:`scipy.optimize.rosen_der`)."""
    n = x.shape[0]
    g = np.zeros(n)
    for i in range(n - 1):
        a = x[i + 1] - x[i] * x[i]
        g[i] += -400.0 * x[i] * a - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * a
    return g


def rosenbrock_hess(x):
    """Analytic Hessian of :func:`rosenbrock` (as :func:`scipy.optimize.rosen_hess`)."""
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0
        h[i, i + 1] -= 400.0 * x[i]
        h[i + 1, i] -= 400.0 * x[i]
        h[i + 1, i + 1] += 200.0
    return h


def beale(x):
    y = x[1]
    a = 1.5 - x[0] + x[0] * y
    b = 2.25 - x[0] + x[0] * y * y
    c = 2.625 - x[0] + x[0] * y * y * y
    return a * a + b * b + c * c


def beale_grad(x):
    y = x[1]
    a = 1.5 - x[0] + x[0] * y
    b = 2.25 - x[0] + x[0] * y * y
    c = 2.625 - x[0] + x[0] * y * y * y
    g = np.zeros(2)
    g[0] = 2.0 * (a * (y - 1.0) + b * (y * y - 1.0) + c * (y * y * y - 1.0))
    g[1] = 2.0 * x[0] * (a + 2.0 * b * y + 3.0 * c * y * y)
    return g


def himmelblau(x):
    a = x[0] * x[0] + x[1] - 11.0
    b = x[0] + x[1] * x[1] - 7.0
    return a * a + b * b


def himmelblau_grad(x):
    a = x[0] * x[0] + x[1] - 11.0
    b = x[0] + x[1] * x[1] - 7.0
    g = np.zeros(2)
    g[0] = 4.0 * x[0] * a + 2.0 * b
    g[1] = 2.0 * a + 4.0 * x[1] * b
    return g


def himmelblau_hess(x):
    a = x[0] * x[0] + x[1] - 11.0
    b = x[0] + x[1] * x[1] - 7.0
    h = np.zeros((2, 2))
    h[0, 0] = 4.0 * a + 8.0 * x[0] * x[0] + 2.0
    h[0, 1] = h[1, 0] = 4.0 * (x[0] + x[1])
    h[1, 1] = 2.0 + 4.0 * b + 8.0 * x[1] * x[1]
    return h


def booth(x):
    a = x[0] + 2.0 * x[1] - 7.0
    b = 2.0 * x[0] + x[1] - 5.0
    return a * a + b * b


def booth_grad(x):
    a = x[0] + 2.0 * x[1] - 7.0
    b = 2.0 * x[0] + x[1] - 5.0
    g = np.zeros(2)
    g[0] = 2.0 * a + 4.0 * b
    g[1] = 4.0 * a + 2.0 * b
    return g


def booth_hess(x):
    h = np.zeros((2, 2))
    h[0, 0] = h[1, 1] = 10.0
    h[0, 1] = h[1, 0] = 8.0
    return h


def matyas(x):
    return 0.26 * (x[0] * x[0] + x[1] * x[1]) - 0.48 * x[0] * x[1]


def matyas_grad(x):
    g = np.zeros(2)
    g[0] = 0.52 * x[0] - 0.48 * x[1]
    g[1] = 0.52 * x[1] - 0.48 * x[0]
    return g


def matyas_hess(x):
    h = np.zeros((2, 2))
    h[0, 0] = h[1, 1] = 0.52
    h[0, 1] = h[1, 0] = -0.48
    return h


def three_hump_camel(x):
    u = x[0] * x[0]
    return 2.0 * u - 1.05 * u * u + u * u * u / 6.0 + x[0] * x[1] + x[1] * x[1]


def three_hump_camel_grad(x):
    u = x[0] * x[0]
    g = np.zeros(2)
    g[0] = 4.0 * x[0] - 4.2 * u * x[0] + u * u * x[0] + x[1]
    g[1] = x[0] + 2.0 * x[1]
    return g


def three_hump_camel_hess(x):
    u = x[0] * x[0]
    h = np.zeros((2, 2))
    h[0, 0] = 4.0 - 12.6 * u + 5.0 * u * u
    h[0, 1] = h[1, 0] = 1.0
    h[1, 1] = 2.0
    return h


def powell_singular(x):
    a = x[0] + 10.0 * x[1]
    b = x[2] - x[3]
    c = x[1] - 2.0 * x[2]
    d = x[0] - x[3]
    return a * a + 5.0 * b * b + c * c * c * c + 10.0 * d * d * d * d


def powell_singular_grad(x):
    a = x[0] + 10.0 * x[1]
    b = x[2] - x[3]
    c = x[1] - 2.0 * x[2]
    d = x[0] - x[3]
    c3 = c * c * c
    d3 = d * d * d
    g = np.zeros(4)
    g[0] = 2.0 * a + 40.0 * d3
    g[1] = 20.0 * a + 4.0 * c3
    g[2] = 10.0 * b - 8.0 * c3
    g[3] = -10.0 * b - 40.0 * d3
    return g


def powell_singular_hess(x):
    c = x[1] - 2.0 * x[2]
    d = x[0] - x[3]
    c2 = 12.0 * c * c
    d2 = 120.0 * d * d
    h = np.zeros((4, 4))
    h[0, 0] = 2.0 + d2
    h[0, 1] = h[1, 0] = 20.0
    h[0, 3] = h[3, 0] = -d2
    h[1, 1] = 200.0 + c2
    h[1, 2] = h[2, 1] = -2.0 * c2
    h[2, 2] = 10.0 + 4.0 * c2
    h[2, 3] = h[3, 2] = -10.0
    h[3, 3] = 10.0 + d2
    return h


def wood(x):
    a = x[0] * x[0] - x[1]
    c = x[2] * x[2] - x[3]
    return (
        100.0 * a * a
        + (x[0] - 1.0) ** 2
        + (x[2] - 1.0) ** 2
        + 90.0 * c * c
        + 10.1 * ((x[1] - 1.0) ** 2 + (x[3] - 1.0) ** 2)
        + 19.8 * (x[1] - 1.0) * (x[3] - 1.0)
    )


def wood_grad(x):
    a = x[0] * x[0] - x[1]
    c = x[2] * x[2] - x[3]
    g = np.zeros(4)
    g[0] = 400.0 * x[0] * a + 2.0 * (x[0] - 1.0)
    g[1] = -200.0 * a + 20.2 * (x[1] - 1.0) + 19.8 * (x[3] - 1.0)
    g[2] = 360.0 * x[2] * c + 2.0 * (x[2] - 1.0)
    g[3] = -180.0 * c + 20.2 * (x[3] - 1.0) + 19.8 * (x[1] - 1.0)
    return g


def wood_hess(x):
    h = np.zeros((4, 4))
    h[0, 0] = 1200.0 * x[0] * x[0] - 400.0 * x[1] + 2.0
    h[0, 1] = h[1, 0] = -400.0 * x[0]
    h[1, 1] = 220.2
    h[1, 3] = h[3, 1] = 19.8
    h[2, 2] = 1080.0 * x[2] * x[2] - 360.0 * x[3] + 2.0
    h[2, 3] = h[3, 2] = -360.0 * x[2]
    h[3, 3] = 200.2
    return h


def rastrigin(x):
    n = x.shape[0]
    s = 10.0 * n
    for i in range(n):
        s += x[i] * x[i] - 10.0 * np.cos(2.0 * np.pi * x[i])
    return s


def rastrigin_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = 2.0 * x[i] + 20.0 * np.pi * np.sin(2.0 * np.pi * x[i])
    return g


def rastrigin_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        h[i, i] = 2.0 + 40.0 * np.pi * np.pi * np.cos(2.0 * np.pi * x[i])
    return h


def styblinski_tang(x):
    s = 0.0
    for i in range(x.shape[0]):
        u = x[i] * x[i]
        s += 0.5 * (u * u - 16.0 * u + 5.0 * x[i])
    return s


def styblinski_tang_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = 2.0 * x[i] * x[i] * x[i] - 16.0 * x[i] + 2.5
    return g


def styblinski_tang_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        h[i, i] = 6.0 * x[i] * x[i] - 16.0
    return h


def trid(x):
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        s += (x[i] - 1.0) ** 2
    for i in range(1, n):
        s -= x[i] * x[i - 1]
    return s


def trid_grad(x):
    n = x.shape[0]
    g = np.zeros(n)
    for i in range(n):
        g[i] = 2.0 * (x[i] - 1.0)
        if i > 0:
            g[i] -= x[i - 1]
        if i < n - 1:
            g[i] -= x[i + 1]
    return g


def trid_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        h[i, i] = 2.0
        if i < n - 1:
            h[i, i + 1] = h[i + 1, i] = -1.0
    return h
