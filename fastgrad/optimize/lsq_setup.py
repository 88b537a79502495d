"""The constants of a least-squares run, built in one place for :func:`fastgrad.least_squares`
and :func:`fastgrad.compile_least_squares`: the Jacobian's scheme or analytic function, the
settings template of :mod:`fastgrad.optimize.lm`, the scale ``1 / x_scale`` and the steps."""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from .._core.schemes import CENTRAL, FORWARD
from .._core.validate import (
    check_callable, check_count, check_float, check_max_time, scheme_code, steps_array,
)
from . import lm

_SCHEMES = {"forward": FORWARD, "backward": 1, "central": CENTRAL, "central4": 3}
"""Finite-difference schemes of a least-squares Jacobian."""


def _jacobian_choice(jac) -> tuple:
    """(scheme of the iterations, scheme of the polishing phase, analytic jac or None)."""
    if callable(jac):
        return FORWARD, FORWARD, jac
    if jac == "auto":
        return FORWARD, CENTRAL, None
    if isinstance(jac, str):
        code = scheme_code(jac, "jac", allowed={**_SCHEMES, "auto": -1})
        return code, code, None
    raise TypeError(f"jac must be 'auto', a scheme name ({', '.join(map(repr, _SCHEMES))}) "
                    f"or a callable jac(x, *args) -> (k, n), got {type(jac).__name__} {jac!r}")


LmSetup = namedtuple("LmSetup", ["scheme", "jac", "settings", "scale", "steps"])
"""The Levenberg-Marquardt solver's constants from the options of :func:`least_squares`: the
scheme of the iterations, the analytic ``jac`` (or None), the template of ``settings`` (for
:func:`fastgrad.optimize.lm.run_settings`), ``1 / x_scale`` (empty for "jac"; for
:func:`fastgrad.optimize.lm.scale_row`) and the step array."""


def lm_setup(jac, ftol, xtol, gtol, max_nfev, x_scale, step, max_time,
             n: int | None) -> LmSetup:
    """Check the options of :func:`least_squares` and build the solver's constants, for
    :func:`least_squares` (``n`` the length of x0) and :func:`fastgrad.compile_least_squares`
    (``n`` None: x0 comes at each call, and ``x_scale`` and ``step`` may have any length,
    which each call checks)."""
    scheme, polish, jac_fn = _jacobian_choice(jac)
    if jac_fn is not None:
        check_callable(jac_fn, "jac")
    settings = _settings(ftol, xtol, gtol, max_nfev, jac_fn is not None, polish, max_time)
    settings[lm.JAC_SCALE_S] = 1.0 if isinstance(x_scale, str) else 0.0
    scale = _scale(x_scale, n)
    steps = steps_array(step, n if n is not None else 1 if np.ndim(step) == 0 else len(step))
    return LmSetup(scheme, jac_fn, settings, scale, steps)


def _settings(ftol, xtol, gtol, max_nfev, analytic, polish, max_time) -> np.ndarray:
    """The template of ``settings``: ``max_nfev`` NaN for its default, the time limit in
    seconds (inf: none)."""
    ftol = check_float(ftol, "ftol", "nonnegative")
    xtol = check_float(xtol, "xtol", "nonnegative")
    gtol = check_float(gtol, "gtol", "nonnegative")
    if max(ftol, xtol, gtol) < lm.EPS:
        raise ValueError(f"at least one of ftol, xtol and gtol must be >= {lm.EPS:.3g} "
                         f"(machine epsilon), got ftol={ftol!r}, xtol={xtol!r}, gtol={gtol!r}")
    evals = math.nan if max_nfev is None else float(check_count(max_nfev, "max_nfev"))
    seconds = check_max_time(max_time)
    return np.array([ftol, xtol, gtol, evals, 100.0, math.inf if seconds is None else seconds,
                     0.0, float(polish), math.inf, math.inf, float(analytic)])


def _scale(x_scale, n: int | None) -> np.ndarray:
    """``1 / x_scale``: empty for "jac" (the kernel fills ``D``), else one value or n (n None:
    one value or any number, which each call of compile_least_squares' solve checks)."""
    if isinstance(x_scale, str) and x_scale == "jac":
        return np.empty(0)
    try:
        scale = np.asarray(x_scale, dtype=np.float64)
        if n is not None:
            scale = np.broadcast_to(scale, (n,))
        elif scale.ndim > 1:
            raise ValueError("x_scale has more than one axis")
    except (TypeError, ValueError) as exc:
        shape = "(n,)" if n is None else f"({n},)"
        raise ValueError(f"x_scale must be 'jac', a positive float or an array of shape "
                         f"{shape}, got {x_scale!r}") from exc
    if not (np.all(np.isfinite(scale)) and np.all(scale > 0)):
        raise ValueError(f"x_scale must contain positive finite values, got {x_scale!r}")
    return np.ascontiguousarray(1.0 / scale.reshape(-1))


