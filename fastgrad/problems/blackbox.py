"""Objectives for the Python engine only (``jit=False``): they call Python (``time.sleep``)
or run plain Python loops over Python floats, as a black box would, and they stand in no
table.

* :func:`sleepy_sphere`: ``sum(x**2)`` after a sleep, for the scale-out tests;
* :func:`lotka_volterra_fit`: a realistic expensive objective, the least-squares fit of a
  6-parameter predator-prey model integrated by a fixed-step RK4 loop in pure Python
  (about 5 ms per call), with its data and true parameters.
"""

import numpy as np


def sleepy_sphere(x, seconds=0.02):
    """``sum(x**2)`` after sleeping ``seconds``: an expensive black box (Python engine only).

    Module-level so that process pools and Dask workers can unpickle it; used by the
    scale-out tests and benchmarks (``workers=``).
    """
    import time

    time.sleep(seconds)
    x = np.asarray(x)
    return np.sum(x * x)  # a complex sum for the complex step


# ---------------------------------------------------------------------------
# Lotka-Volterra parameter fit: a 6-parameter simulation objective.
# ---------------------------------------------------------------------------

#: True parameters (a, b, c, d, u0, v0) of the predator-prey model
#: ``u' = a u - b u v``, ``v' = -c v + d u v``, ``u(0) = u0``, ``v(0) = v0``.
LOTKA_VOLTERRA_TRUTH = (1.0, 0.1, 1.5, 0.075, 10.0, 5.0)
#: The minimizer of :func:`lotka_volterra_fit`, whose x holds the logarithms of the
#: parameters: ``log(LOTKA_VOLTERRA_TRUTH)``.
LOTKA_VOLTERRA_XMIN = tuple(float(v) for v in np.log(LOTKA_VOLTERRA_TRUTH))
#: A start for the fit (log-parameters): every parameter 10 to 20 % off the truth,
#: ``log((0.9, 0.12, 1.3, 0.085, 8.5, 5.8))``.
LOTKA_VOLTERRA_X0 = tuple(float(v) for v in np.log((0.9, 0.12, 1.3, 0.085, 8.5, 5.8)))
#: Integration: fixed RK4 step and number of steps (t in [0, 15]); a sample every
#: ``_LV_EVERY`` steps.
_LV_H = 0.0025
_LV_STEPS = 6000
_LV_EVERY = 200


def _lotka_volterra_path(p, steps=_LV_STEPS):
    """Samples ``[u(t_1), v(t_1), u(t_2), ...]`` of the model with parameters p (Python
    floats or complex), t_k = k * _LV_EVERY * _LV_H, by RK4 with the step _LV_H."""
    a, b, c, d, u, v = p
    h = _LV_H
    h2 = 0.5 * h
    out = []
    for k in range(1, steps + 1):
        k1u = a * u - b * u * v
        k1v = -c * v + d * u * v
        uu = u + h2 * k1u
        vv = v + h2 * k1v
        k2u = a * uu - b * uu * vv
        k2v = -c * vv + d * uu * vv
        uu = u + h2 * k2u
        vv = v + h2 * k2v
        k3u = a * uu - b * uu * vv
        k3v = -c * vv + d * uu * vv
        uu = u + h * k3u
        vv = v + h * k3v
        k4u = a * uu - b * uu * vv
        k4v = -c * vv + d * uu * vv
        u = u + h / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u)
        v = v + h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
        if k % _LV_EVERY == 0:
            out.append(u)
            out.append(v)
    return out


#: The synthetic data: the noise-free samples of the model at the true parameters
#: (60 values: prey and predator at t = 0.5, 1.0, ..., 15), computed by the same integrator,
#: so that the fit's minimum is 0, exactly, at :data:`LOTKA_VOLTERRA_TRUTH`.
LOTKA_VOLTERRA_DATA = np.array(_lotka_volterra_path(LOTKA_VOLTERRA_TRUTH))


def lotka_volterra_fit(x):
    """Sum of squared misfits of the Lotka-Volterra model with parameters
    ``(a, b, c, d, u0, v0) = exp(x)`` to :data:`LOTKA_VOLTERRA_DATA`: an expensive black box.

    ``x`` (6,) holds the logarithms of the parameters, the usual way to fit rates that must
    stay positive (and a better-scaled problem: the six parameters span 0.075 to 10).
    Integrates ``u' = a u - b u v``, ``v' = -c v + d u v`` over t in [0, 15] with 6000
    fixed RK4 steps in plain Python (no numpy in the loop, as a simulation code would be):
    about 5 ms per call on one core. Pass ``jit=False``: fastgrad then calls it as the
    black box it stands for, on the Python engine.
    The minimum is 0 at :data:`LOTKA_VOLTERRA_XMIN` = ``log(LOTKA_VOLTERRA_TRUTH)``; a start
    is :data:`LOTKA_VOLTERRA_X0`.
    Complex x works too (the complex step is exact): the loop runs on Python complex numbers.
    Module-level, so process pools and Dask workers can unpickle it.
    """
    path = _lotka_volterra_path(np.exp(np.asarray(x)).tolist())
    s = 0.0
    for yk, dk in zip(path, LOTKA_VOLTERRA_DATA.tolist()):
        r = yk - dk
        s += r * r
    return s
