"""Moré-Garbow-Hillstrom problems 1-10 as sums of squares ``f(x) = sum_i r_i(x)^2``.

Rosenbrock, Freudenstein-Roth, Powell badly scaled, Brown badly scaled, Beale,
Jennrich-Sampson (m = 10), helical valley, Bard, Gaussian, Meyer: for each, the residuals
``mgh_<name>_residuals(x) -> (m,)``, the objective ``mgh_<name>(x)`` and its exact gradient
``mgh_<name>_grad(x) = 2 J(x)^T r(x)``, with the Jacobian J written out by hand from the
residuals. Definitions, data and starts follow Moré, Garbow and Hillstrom (1981), checked
against the MINPACK-1 test routines ``ssqfcn``/``objfcn`` of the same authors; the table with
starts and minima is :data:`fastgrad.problems.mgh.MGH`.

Every function obeys the rules of :mod:`fastgrad.problems` (nopython Numba, plain loops,
data as module-level arrays, exact under the complex step: the residual arrays take the
dtype of x, and the one branch, in the helical valley, tests ``x[0].real``).
"""

import numpy as np

_TWO_PI = 2.0 * np.pi
#: Beale: y_i for i = 1, 2, 3.
_BEALE_Y = np.array([1.5, 2.25, 2.625])
#: Bard: the 15 observations y_i (u_i = i, v_i = 16 - i, w_i = min(u_i, v_i)).
_BARD_Y = np.array([0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73,
                    0.96, 1.34, 2.10, 4.39])
#: Gaussian: the 15 observations y_i at t_i = (8 - i) / 2.
_GAUSSIAN_Y = np.array([0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989,
                        0.3521, 0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009])
#: Meyer: the 16 observations y_i at t_i = 45 + 5 i.
_MEYER_Y = np.array([34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0,
                     9744.0, 8261.0, 7030.0, 6005.0, 5147.0, 4427.0, 3820.0, 3307.0,
                     2872.0])


# --- 1. Rosenbrock (n = 2, m = 2) -------------------------------------------------------

def mgh_rosenbrock_residuals(x):
    """r = (10 (x2 - x1^2), 1 - x1)."""
    r = np.zeros(2, dtype=x.dtype)
    r[0] = 10.0 * (x[1] - x[0] * x[0])
    r[1] = 1.0 - x[0]
    return r


def mgh_rosenbrock(x):
    a = 10.0 * (x[1] - x[0] * x[0])
    b = 1.0 - x[0]
    return a * a + b * b


def mgh_rosenbrock_grad(x):
    a = 10.0 * (x[1] - x[0] * x[0])
    b = 1.0 - x[0]
    g = np.zeros(2)
    g[0] = 2.0 * (a * (-20.0 * x[0]) - b)
    g[1] = 2.0 * a * 10.0
    return g


# --- 2. Freudenstein and Roth (n = 2, m = 2) --------------------------------------------

def mgh_freudenstein_roth_residuals(x):
    """r = (-13 + x1 + ((5 - x2) x2 - 2) x2, -29 + x1 + ((x2 + 1) x2 - 14) x2)."""
    r = np.zeros(2, dtype=x.dtype)
    r[0] = -13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1]
    r[1] = -29.0 + x[0] + ((x[1] + 1.0) * x[1] - 14.0) * x[1]
    return r


def mgh_freudenstein_roth(x):
    a = -13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1]
    b = -29.0 + x[0] + ((x[1] + 1.0) * x[1] - 14.0) * x[1]
    return a * a + b * b


def mgh_freudenstein_roth_grad(x):
    y = x[1]
    a = -13.0 + x[0] + ((5.0 - y) * y - 2.0) * y
    b = -29.0 + x[0] + ((y + 1.0) * y - 14.0) * y
    g = np.zeros(2)
    g[0] = 2.0 * (a + b)
    g[1] = 2.0 * (a * (-3.0 * y * y + 10.0 * y - 2.0) + b * (3.0 * y * y + 2.0 * y - 14.0))
    return g


# --- 3. Powell badly scaled (n = 2, m = 2) ----------------------------------------------

def mgh_powell_badly_scaled_residuals(x):
    """r = (1e4 x1 x2 - 1, exp(-x1) + exp(-x2) - 1.0001)."""
    r = np.zeros(2, dtype=x.dtype)
    r[0] = 1e4 * x[0] * x[1] - 1.0
    r[1] = np.exp(-x[0]) + np.exp(-x[1]) - 1.0001
    return r


def mgh_powell_badly_scaled(x):
    a = 1e4 * x[0] * x[1] - 1.0
    b = np.exp(-x[0]) + np.exp(-x[1]) - 1.0001
    return a * a + b * b


def mgh_powell_badly_scaled_grad(x):
    e0 = np.exp(-x[0])
    e1 = np.exp(-x[1])
    a = 1e4 * x[0] * x[1] - 1.0
    b = e0 + e1 - 1.0001
    g = np.zeros(2)
    g[0] = 2.0 * (a * 1e4 * x[1] - b * e0)
    g[1] = 2.0 * (a * 1e4 * x[0] - b * e1)
    return g


# --- 4. Brown badly scaled (n = 2, m = 3) -----------------------------------------------

def mgh_brown_badly_scaled_residuals(x):
    """r = (x1 - 1e6, x2 - 2e-6, x1 x2 - 2)."""
    r = np.zeros(3, dtype=x.dtype)
    r[0] = x[0] - 1e6
    r[1] = x[1] - 2e-6
    r[2] = x[0] * x[1] - 2.0
    return r


def mgh_brown_badly_scaled(x):
    a = x[0] - 1e6
    b = x[1] - 2e-6
    c = x[0] * x[1] - 2.0
    return a * a + b * b + c * c


def mgh_brown_badly_scaled_grad(x):
    c = x[0] * x[1] - 2.0
    g = np.zeros(2)
    g[0] = 2.0 * ((x[0] - 1e6) + c * x[1])
    g[1] = 2.0 * ((x[1] - 2e-6) + c * x[0])
    return g


# --- 5. Beale (n = 2, m = 3) ------------------------------------------------------------

def mgh_beale_residuals(x):
    """r_i = y_i - x1 (1 - x2^i), y = (1.5, 2.25, 2.625)."""
    r = np.zeros(3, dtype=x.dtype)
    p = x[1]
    for i in range(3):
        r[i] = _BEALE_Y[i] - x[0] * (1.0 - p)
        p = p * x[1]
    return r


def mgh_beale(x):
    s = 0.0
    p = x[1]
    for i in range(3):
        r = _BEALE_Y[i] - x[0] * (1.0 - p)
        s += r * r
        p = p * x[1]
    return s


def mgh_beale_grad(x):
    g = np.zeros(2)
    p = x[1]      # x2^i
    dp = 1.0      # i x2^(i-1)
    for i in range(3):
        r = _BEALE_Y[i] - x[0] * (1.0 - p)
        g[0] += 2.0 * r * (p - 1.0)
        g[1] += 2.0 * r * x[0] * dp
        dp = (i + 2) * p
        p = p * x[1]
    return g


# --- 6. Jennrich and Sampson (n = 2, m = 10) --------------------------------------------

def mgh_jennrich_sampson_residuals(x):
    """r_i = 2 + 2 i - (exp(i x1) + exp(i x2)), i = 1..10."""
    r = np.zeros(10, dtype=x.dtype)
    for k in range(10):
        i = k + 1.0
        r[k] = 2.0 + 2.0 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))
    return r


def mgh_jennrich_sampson(x):
    s = 0.0
    for k in range(10):
        i = k + 1.0
        r = 2.0 + 2.0 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))
        s += r * r
    return s


def mgh_jennrich_sampson_grad(x):
    g = np.zeros(2)
    for k in range(10):
        i = k + 1.0
        e0 = np.exp(i * x[0])
        e1 = np.exp(i * x[1])
        r = 2.0 + 2.0 * i - (e0 + e1)
        g[0] -= 2.0 * r * i * e0
        g[1] -= 2.0 * r * i * e1
    return g


# --- 7. Helical valley (n = 3, m = 3) ---------------------------------------------------

def mgh_helical_valley_residuals(x):
    """r = (10 (x3 - 10 theta(x1, x2)), 10 (sqrt(x1^2 + x2^2) - 1), x3), with
    2 pi theta = arctan(x2 / x1), plus pi when x1 < 0 (as MINPACK's ``ssqfcn``)."""
    if x[0].real > 0.0:
        th = np.arctan(x[1] / x[0]) / _TWO_PI
    elif x[0].real < 0.0:
        th = np.arctan(x[1] / x[0]) / _TWO_PI + 0.5
    elif x[1].real >= 0.0:
        th = 0.25 + 0.0 * x[1]
    else:
        th = -0.25 + 0.0 * x[1]
    r = np.zeros(3, dtype=x.dtype)
    r[0] = 10.0 * (x[2] - 10.0 * th)
    r[1] = 10.0 * (np.sqrt(x[0] * x[0] + x[1] * x[1]) - 1.0)
    r[2] = x[2]
    return r


def mgh_helical_valley(x):
    if x[0].real > 0.0:
        th = np.arctan(x[1] / x[0]) / _TWO_PI
    elif x[0].real < 0.0:
        th = np.arctan(x[1] / x[0]) / _TWO_PI + 0.5
    elif x[1].real >= 0.0:
        th = 0.25 + 0.0 * x[1]
    else:
        th = -0.25 + 0.0 * x[1]
    a = 10.0 * (x[2] - 10.0 * th)
    b = 10.0 * (np.sqrt(x[0] * x[0] + x[1] * x[1]) - 1.0)
    return a * a + b * b + x[2] * x[2]


def mgh_helical_valley_grad(x):
    if x[0] > 0.0:
        th = np.arctan(x[1] / x[0]) / _TWO_PI
    elif x[0] < 0.0:
        th = np.arctan(x[1] / x[0]) / _TWO_PI + 0.5
    elif x[1] >= 0.0:
        th = 0.25
    else:
        th = -0.25
    rho2 = x[0] * x[0] + x[1] * x[1]
    rho = np.sqrt(rho2)
    a = 10.0 * (x[2] - 10.0 * th)
    b = 10.0 * (rho - 1.0)
    c = 100.0 / (_TWO_PI * rho2)        # d theta / d(x1, x2) = (-x2, x1) / (2 pi rho^2)
    g = np.zeros(3)
    g[0] = 2.0 * (a * c * x[1] + b * 10.0 * x[0] / rho)
    g[1] = 2.0 * (-a * c * x[0] + b * 10.0 * x[1] / rho)
    g[2] = 2.0 * (a * 10.0 + x[2])
    return g


# --- 8. Bard (n = 3, m = 15) ------------------------------------------------------------

def mgh_bard_residuals(x):
    """r_i = y_i - (x1 + u_i / (v_i x2 + w_i x3)), u_i = i, v_i = 16 - i,
    w_i = min(u_i, v_i)."""
    r = np.zeros(15, dtype=x.dtype)
    for k in range(15):
        u = k + 1.0
        v = 15.0 - k
        w = u if k < 8 else v
        r[k] = _BARD_Y[k] - (x[0] + u / (v * x[1] + w * x[2]))
    return r


def mgh_bard(x):
    s = 0.0
    for k in range(15):
        u = k + 1.0
        v = 15.0 - k
        w = u if k < 8 else v
        r = _BARD_Y[k] - (x[0] + u / (v * x[1] + w * x[2]))
        s += r * r
    return s


def mgh_bard_grad(x):
    g = np.zeros(3)
    for k in range(15):
        u = k + 1.0
        v = 15.0 - k
        w = u if k < 8 else v
        d = v * x[1] + w * x[2]
        r = _BARD_Y[k] - (x[0] + u / d)
        q = u / (d * d)
        g[0] -= 2.0 * r
        g[1] += 2.0 * r * q * v
        g[2] += 2.0 * r * q * w
    return g


# --- 9. Gaussian (n = 3, m = 15) --------------------------------------------------------

def mgh_gaussian_residuals(x):
    """r_i = x1 exp(-x2 (t_i - x3)^2 / 2) - y_i, t_i = (8 - i) / 2."""
    r = np.zeros(15, dtype=x.dtype)
    for k in range(15):
        d = 3.5 - 0.5 * k - x[2]
        r[k] = x[0] * np.exp(-0.5 * x[1] * d * d) - _GAUSSIAN_Y[k]
    return r


def mgh_gaussian(x):
    s = 0.0
    for k in range(15):
        d = 3.5 - 0.5 * k - x[2]
        r = x[0] * np.exp(-0.5 * x[1] * d * d) - _GAUSSIAN_Y[k]
        s += r * r
    return s


def mgh_gaussian_grad(x):
    g = np.zeros(3)
    for k in range(15):
        d = 3.5 - 0.5 * k - x[2]
        e = np.exp(-0.5 * x[1] * d * d)
        r = x[0] * e - _GAUSSIAN_Y[k]
        g[0] += 2.0 * r * e
        g[1] -= r * x[0] * e * d * d
        g[2] += 2.0 * r * x[0] * e * x[1] * d
    return g


# --- 10. Meyer (n = 3, m = 16) ----------------------------------------------------------

def mgh_meyer_residuals(x):
    """r_i = x1 exp(x2 / (t_i + x3)) - y_i, t_i = 45 + 5 i."""
    r = np.zeros(16, dtype=x.dtype)
    for k in range(16):
        r[k] = x[0] * np.exp(x[1] / (50.0 + 5.0 * k + x[2])) - _MEYER_Y[k]
    return r


def mgh_meyer(x):
    s = 0.0
    for k in range(16):
        r = x[0] * np.exp(x[1] / (50.0 + 5.0 * k + x[2])) - _MEYER_Y[k]
        s += r * r
    return s


def mgh_meyer_grad(x):
    g = np.zeros(3)
    for k in range(16):
        d = 50.0 + 5.0 * k + x[2]
        e = np.exp(x[1] / d)
        r = x[0] * e - _MEYER_Y[k]
        g[0] += 2.0 * r * e
        g[1] += 2.0 * r * x[0] * e / d
        g[2] -= 2.0 * r * x[0] * e * x[1] / (d * d)
    return g
