"""Moré-Garbow-Hillstrom problems 11-20 as sums of squares ``f(x) = sum_i r_i(x)^2``.

Gulf research and development (m = 99), Box three-dimensional (m = 10), Powell singular,
Wood, Kowalik-Osborne, Brown-Dennis (m = 20), Osborne 1, Biggs EXP6 (m = 13), Osborne 2,
Watson (any n, m = 31): residuals ``mgh_<name>_residuals(x)``, objective ``mgh_<name>(x)``
and exact gradient ``mgh_<name>_grad(x) = 2 J^T r``, as in
:mod:`~fastgrad.problems.mgh_1to10` (same rules, same sources).
"""

import numpy as np

_SQRT5 = np.sqrt(5.0)
_SQRT10 = np.sqrt(10.0)
_SQRT90 = np.sqrt(90.0)

#: Gulf: t_i = i / 100 and y_i = 25 + (-50 log t_i)^(2/3), i = 1..99.
_GULF_T = np.arange(1, 100) / 100.0
_GULF_Y = 25.0 + (-50.0 * np.log(_GULF_T)) ** (2.0 / 3.0)
#: Kowalik and Osborne: observations y_i and abscissae u_i (m = 11).
_KOWALIK_Y = np.array([0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342,
                       0.0323, 0.0235, 0.0246])
_KOWALIK_U = np.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714,
                       0.0625])
#: Osborne 1: the 33 observations y_i at t_i = 10 (i - 1).
_OSBORNE1_Y = np.array([
    0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751, 0.718,
    0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490, 0.478, 0.467,
    0.457, 0.448, 0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406])
#: Osborne 2: the 65 observations y_i at t_i = (i - 1) / 10 (y_18 = 0.626, as in MINPACK).
_OSBORNE2_Y = np.array([
    1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746, 0.679,
    0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649, 0.694, 0.644,
    0.624, 0.661, 0.612, 0.558, 0.533, 0.495, 0.500, 0.423, 0.395, 0.375, 0.372, 0.391,
    0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653, 0.672, 0.708, 0.633, 0.668,
    0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739, 0.710, 0.729, 0.720, 0.636, 0.581,
    0.428, 0.292, 0.162, 0.098, 0.054])
#: Biggs EXP6: t_i = i / 10 and y_i = exp(-t_i) - 5 exp(-10 t_i) + 3 exp(-4 t_i), m = 13.
_BIGGS_T = np.arange(1, 14) / 10.0
_BIGGS_Y = np.exp(-_BIGGS_T) - 5.0 * np.exp(-10.0 * _BIGGS_T) + 3.0 * np.exp(-4.0 * _BIGGS_T)


# --- 11. Gulf research and development (n = 3, m = 99) ----------------------------------

def mgh_gulf_residuals(x):
    """r_i = exp(-|y_i - x2|^x3 / x1) - t_i, with |u|^x3 written exp(x3 log(u^2) / 2)."""
    r = np.zeros(99, dtype=x.dtype)
    for k in range(99):
        u = _GULF_Y[k] - x[1]
        p = np.exp(0.5 * x[2] * np.log(u * u))
        r[k] = np.exp(-p / x[0]) - _GULF_T[k]
    return r


def mgh_gulf(x):
    s = 0.0
    for k in range(99):
        u = _GULF_Y[k] - x[1]
        p = np.exp(0.5 * x[2] * np.log(u * u))
        r = np.exp(-p / x[0]) - _GULF_T[k]
        s += r * r
    return s


def mgh_gulf_grad(x):
    g = np.zeros(3)
    for k in range(99):
        u = _GULF_Y[k] - x[1]
        lu = 0.5 * np.log(u * u)          # log |u|
        p = np.exp(x[2] * lu)             # |u|^x3
        e = np.exp(-p / x[0])
        r = e - _GULF_T[k]
        g[0] += 2.0 * r * e * p / (x[0] * x[0])
        g[1] += 2.0 * r * e * x[2] * p / (x[0] * u)
        g[2] -= 2.0 * r * e * p * lu / x[0]
    return g


# --- 12. Box three-dimensional (n = 3, m = 10) ------------------------------------------

def mgh_box3d_residuals(x):
    """r_i = exp(-t_i x1) - exp(-t_i x2) - x3 (exp(-t_i) - exp(-10 t_i)), t_i = i / 10."""
    r = np.zeros(10, dtype=x.dtype)
    for k in range(10):
        t = 0.1 * (k + 1)
        r[k] = np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * (np.exp(-t) - np.exp(-10.0 * t))
    return r


def mgh_box3d(x):
    s = 0.0
    for k in range(10):
        t = 0.1 * (k + 1)
        r = np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * (np.exp(-t) - np.exp(-10.0 * t))
        s += r * r
    return s


def mgh_box3d_grad(x):
    g = np.zeros(3)
    for k in range(10):
        t = 0.1 * (k + 1)
        e0 = np.exp(-t * x[0])
        e1 = np.exp(-t * x[1])
        c = np.exp(-t) - np.exp(-10.0 * t)
        r = e0 - e1 - x[2] * c
        g[0] -= 2.0 * r * t * e0
        g[1] += 2.0 * r * t * e1
        g[2] -= 2.0 * r * c
    return g


# --- 13. Powell singular (n = 4, m = 4) -------------------------------------------------

def mgh_powell_singular_residuals(x):
    """r = (x1 + 10 x2, sqrt(5) (x3 - x4), (x2 - 2 x3)^2, sqrt(10) (x1 - x4)^2)."""
    r = np.zeros(4, dtype=x.dtype)
    c = x[1] - 2.0 * x[2]
    d = x[0] - x[3]
    r[0] = x[0] + 10.0 * x[1]
    r[1] = _SQRT5 * (x[2] - x[3])
    r[2] = c * c
    r[3] = _SQRT10 * d * d
    return r


def mgh_powell_singular(x):
    a = x[0] + 10.0 * x[1]
    b = _SQRT5 * (x[2] - x[3])
    c = x[1] - 2.0 * x[2]
    d = x[0] - x[3]
    c2 = c * c
    d2 = _SQRT10 * d * d
    return a * a + b * b + c2 * c2 + d2 * d2


def mgh_powell_singular_grad(x):
    a = x[0] + 10.0 * x[1]
    b = _SQRT5 * (x[2] - x[3])
    c = x[1] - 2.0 * x[2]
    d = x[0] - x[3]
    r3 = c * c
    r4 = _SQRT10 * d * d
    g = np.zeros(4)
    g[0] = 2.0 * (a + r4 * 2.0 * _SQRT10 * d)
    g[1] = 2.0 * (10.0 * a + r3 * 2.0 * c)
    g[2] = 2.0 * (_SQRT5 * b - r3 * 4.0 * c)
    g[3] = 2.0 * (-_SQRT5 * b - r4 * 2.0 * _SQRT10 * d)
    return g


# --- 14. Wood (n = 4, m = 6) ------------------------------------------------------------

def mgh_wood_residuals(x):
    """r = (10 (x2 - x1^2), 1 - x1, sqrt(90) (x4 - x3^2), 1 - x3, sqrt(10) (x2 + x4 - 2),
    (x2 - x4) / sqrt(10))."""
    r = np.zeros(6, dtype=x.dtype)
    r[0] = 10.0 * (x[1] - x[0] * x[0])
    r[1] = 1.0 - x[0]
    r[2] = _SQRT90 * (x[3] - x[2] * x[2])
    r[3] = 1.0 - x[2]
    r[4] = _SQRT10 * (x[1] + x[3] - 2.0)
    r[5] = (x[1] - x[3]) / _SQRT10
    return r


def mgh_wood(x):
    r0 = 10.0 * (x[1] - x[0] * x[0])
    r1 = 1.0 - x[0]
    r2 = _SQRT90 * (x[3] - x[2] * x[2])
    r3 = 1.0 - x[2]
    r4 = _SQRT10 * (x[1] + x[3] - 2.0)
    r5 = (x[1] - x[3]) / _SQRT10
    return r0 * r0 + r1 * r1 + r2 * r2 + r3 * r3 + r4 * r4 + r5 * r5


def mgh_wood_grad(x):
    r0 = 10.0 * (x[1] - x[0] * x[0])
    r1 = 1.0 - x[0]
    r2 = _SQRT90 * (x[3] - x[2] * x[2])
    r3 = 1.0 - x[2]
    r4 = _SQRT10 * (x[1] + x[3] - 2.0)
    r5 = (x[1] - x[3]) / _SQRT10
    g = np.zeros(4)
    g[0] = 2.0 * (-20.0 * x[0] * r0 - r1)
    g[1] = 2.0 * (10.0 * r0 + _SQRT10 * r4 + r5 / _SQRT10)
    g[2] = 2.0 * (-2.0 * _SQRT90 * x[2] * r2 - r3)
    g[3] = 2.0 * (_SQRT90 * r2 + _SQRT10 * r4 - r5 / _SQRT10)
    return g


# --- 15. Kowalik and Osborne (n = 4, m = 11) --------------------------------------------

def mgh_kowalik_osborne_residuals(x):
    """r_i = y_i - x1 (u_i^2 + u_i x2) / (u_i^2 + u_i x3 + x4)."""
    r = np.zeros(11, dtype=x.dtype)
    for k in range(11):
        u = _KOWALIK_U[k]
        r[k] = _KOWALIK_Y[k] - x[0] * u * (u + x[1]) / (u * (u + x[2]) + x[3])
    return r


def mgh_kowalik_osborne(x):
    s = 0.0
    for k in range(11):
        u = _KOWALIK_U[k]
        r = _KOWALIK_Y[k] - x[0] * u * (u + x[1]) / (u * (u + x[2]) + x[3])
        s += r * r
    return s


def mgh_kowalik_osborne_grad(x):
    g = np.zeros(4)
    for k in range(11):
        u = _KOWALIK_U[k]
        num = u * (u + x[1])
        den = u * (u + x[2]) + x[3]
        r = _KOWALIK_Y[k] - x[0] * num / den
        q = x[0] * num / (den * den)
        g[0] -= 2.0 * r * num / den
        g[1] -= 2.0 * r * x[0] * u / den
        g[2] += 2.0 * r * q * u
        g[3] += 2.0 * r * q
    return g


# --- 16. Brown and Dennis (n = 4, m = 20) -----------------------------------------------

def mgh_brown_dennis_residuals(x):
    """r_i = (x1 + t_i x2 - exp(t_i))^2 + (x3 + x4 sin(t_i) - cos(t_i))^2, t_i = i / 5."""
    r = np.zeros(20, dtype=x.dtype)
    for k in range(20):
        t = (k + 1) / 5.0
        a = x[0] + t * x[1] - np.exp(t)
        b = x[2] + x[3] * np.sin(t) - np.cos(t)
        r[k] = a * a + b * b
    return r


def mgh_brown_dennis(x):
    s = 0.0
    for k in range(20):
        t = (k + 1) / 5.0
        a = x[0] + t * x[1] - np.exp(t)
        b = x[2] + x[3] * np.sin(t) - np.cos(t)
        r = a * a + b * b
        s += r * r
    return s


def mgh_brown_dennis_grad(x):
    g = np.zeros(4)
    for k in range(20):
        t = (k + 1) / 5.0
        st = np.sin(t)
        a = x[0] + t * x[1] - np.exp(t)
        b = x[2] + x[3] * st - np.cos(t)
        r = a * a + b * b
        g[0] += 4.0 * r * a
        g[1] += 4.0 * r * a * t
        g[2] += 4.0 * r * b
        g[3] += 4.0 * r * b * st
    return g


# --- 17. Osborne 1 (n = 5, m = 33) ------------------------------------------------------

def mgh_osborne1_residuals(x):
    """r_i = y_i - (x1 + x2 exp(-t_i x4) + x3 exp(-t_i x5)), t_i = 10 (i - 1)."""
    r = np.zeros(33, dtype=x.dtype)
    for k in range(33):
        t = 10.0 * k
        r[k] = _OSBORNE1_Y[k] - (x[0] + x[1] * np.exp(-t * x[3]) + x[2] * np.exp(-t * x[4]))
    return r


def mgh_osborne1(x):
    s = 0.0
    for k in range(33):
        t = 10.0 * k
        r = _OSBORNE1_Y[k] - (x[0] + x[1] * np.exp(-t * x[3]) + x[2] * np.exp(-t * x[4]))
        s += r * r
    return s


def mgh_osborne1_grad(x):
    g = np.zeros(5)
    for k in range(33):
        t = 10.0 * k
        e4 = np.exp(-t * x[3])
        e5 = np.exp(-t * x[4])
        r = _OSBORNE1_Y[k] - (x[0] + x[1] * e4 + x[2] * e5)
        g[0] -= 2.0 * r
        g[1] -= 2.0 * r * e4
        g[2] -= 2.0 * r * e5
        g[3] += 2.0 * r * x[1] * t * e4
        g[4] += 2.0 * r * x[2] * t * e5
    return g


# --- 18. Biggs EXP6 (n = 6, m = 13) -----------------------------------------------------

def mgh_biggs_exp6_residuals(x):
    """r_i = x3 exp(-t_i x1) - x4 exp(-t_i x2) + x6 exp(-t_i x5) - y_i, t_i = i / 10."""
    r = np.zeros(13, dtype=x.dtype)
    for k in range(13):
        t = _BIGGS_T[k]
        r[k] = (x[2] * np.exp(-t * x[0]) - x[3] * np.exp(-t * x[1])
                + x[5] * np.exp(-t * x[4]) - _BIGGS_Y[k])
    return r


def mgh_biggs_exp6(x):
    s = 0.0
    for k in range(13):
        t = _BIGGS_T[k]
        r = (x[2] * np.exp(-t * x[0]) - x[3] * np.exp(-t * x[1])
             + x[5] * np.exp(-t * x[4]) - _BIGGS_Y[k])
        s += r * r
    return s


def mgh_biggs_exp6_grad(x):
    g = np.zeros(6)
    for k in range(13):
        t = _BIGGS_T[k]
        e1 = np.exp(-t * x[0])
        e2 = np.exp(-t * x[1])
        e5 = np.exp(-t * x[4])
        r = x[2] * e1 - x[3] * e2 + x[5] * e5 - _BIGGS_Y[k]
        g[0] -= 2.0 * r * t * x[2] * e1
        g[1] += 2.0 * r * t * x[3] * e2
        g[2] += 2.0 * r * e1
        g[3] -= 2.0 * r * e2
        g[4] -= 2.0 * r * t * x[5] * e5
        g[5] += 2.0 * r * e5
    return g


# --- 19. Osborne 2 (n = 11, m = 65) -----------------------------------------------------

def mgh_osborne2_residuals(x):
    """r_i = y_i - (x1 exp(-t_i x5) + x2 exp(-(t_i - x9)^2 x6) + x3 exp(-(t_i - x10)^2 x7)
    + x4 exp(-(t_i - x11)^2 x8)), t_i = (i - 1) / 10."""
    r = np.zeros(65, dtype=x.dtype)
    for k in range(65):
        t = k / 10.0
        d9 = t - x[8]
        d10 = t - x[9]
        d11 = t - x[10]
        r[k] = _OSBORNE2_Y[k] - (x[0] * np.exp(-t * x[4]) + x[1] * np.exp(-d9 * d9 * x[5])
                                 + x[2] * np.exp(-d10 * d10 * x[6])
                                 + x[3] * np.exp(-d11 * d11 * x[7]))
    return r


def mgh_osborne2(x):
    s = 0.0
    for k in range(65):
        t = k / 10.0
        d9 = t - x[8]
        d10 = t - x[9]
        d11 = t - x[10]
        r = _OSBORNE2_Y[k] - (x[0] * np.exp(-t * x[4]) + x[1] * np.exp(-d9 * d9 * x[5])
                              + x[2] * np.exp(-d10 * d10 * x[6])
                              + x[3] * np.exp(-d11 * d11 * x[7]))
        s += r * r
    return s


def mgh_osborne2_grad(x):
    g = np.zeros(11)
    for k in range(65):
        t = k / 10.0
        d9 = t - x[8]
        d10 = t - x[9]
        d11 = t - x[10]
        ea = np.exp(-t * x[4])
        eb = np.exp(-d9 * d9 * x[5])
        ec = np.exp(-d10 * d10 * x[6])
        ed = np.exp(-d11 * d11 * x[7])
        r2 = 2.0 * (_OSBORNE2_Y[k] - (x[0] * ea + x[1] * eb + x[2] * ec + x[3] * ed))
        g[0] -= r2 * ea
        g[1] -= r2 * eb
        g[2] -= r2 * ec
        g[3] -= r2 * ed
        g[4] += r2 * x[0] * t * ea
        g[5] += r2 * x[1] * d9 * d9 * eb
        g[6] += r2 * x[2] * d10 * d10 * ec
        g[7] += r2 * x[3] * d11 * d11 * ed
        g[8] -= r2 * 2.0 * x[1] * x[5] * d9 * eb
        g[9] -= r2 * 2.0 * x[2] * x[6] * d10 * ec
        g[10] -= r2 * 2.0 * x[3] * x[7] * d11 * ed
    return g


# --- 20. Watson (2 <= n <= 31, m = 31) --------------------------------------------------

def mgh_watson_residuals(x):
    """r_i = sum_{j=2}^n (j - 1) x_j t_i^(j-2) - (sum_{j=1}^n x_j t_i^(j-1))^2 - 1,
    t_i = i / 29 (i = 1..29); r_30 = x1, r_31 = x2 - x1^2 - 1."""
    n = x.shape[0]
    r = np.zeros(31, dtype=x.dtype)
    for k in range(29):
        t = (k + 1) / 29.0
        s1 = 0.0 * x[0]
        s2 = x[0]
        p = 1.0                          # t^(j-1) for j = 1, 2, ...
        for j in range(1, n):
            s1 = s1 + j * p * x[j]
            p = p * t
            s2 = s2 + p * x[j]
        r[k] = s1 - s2 * s2 - 1.0
    r[29] = x[0]
    r[30] = x[1] - x[0] * x[0] - 1.0
    return r


def mgh_watson(x):
    n = x.shape[0]
    s = x[0] * x[0]
    a = x[1] - x[0] * x[0] - 1.0
    s += a * a
    for k in range(29):
        t = (k + 1) / 29.0
        s1 = 0.0 * x[0]
        s2 = x[0]
        p = 1.0
        for j in range(1, n):
            s1 = s1 + j * p * x[j]
            p = p * t
            s2 = s2 + p * x[j]
        r = s1 - s2 * s2 - 1.0
        s += r * r
    return s


def mgh_watson_grad(x):
    n = x.shape[0]
    g = np.zeros(n)
    for k in range(29):
        t = (k + 1) / 29.0
        s1 = 0.0
        s2 = x[0]
        p = 1.0
        for j in range(1, n):
            s1 += j * p * x[j]
            p *= t
            s2 += p * x[j]
        r2 = 2.0 * (s1 - s2 * s2 - 1.0)
        # dr/dx_j = (j - 1) t^(j-2) - 2 s2 t^(j-1), 1-based j
        g[0] -= r2 * 2.0 * s2
        p = 1.0
        for j in range(1, n):
            g[j] += r2 * (j * p - 2.0 * s2 * p * t)
            p *= t
    a = x[1] - x[0] * x[0] - 1.0
    g[0] += 2.0 * x[0] - 4.0 * x[0] * a
    g[1] += 2.0 * a
    return g
