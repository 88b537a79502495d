"""The analytic Jacobian kernel of :func:`fastgrad.least_squares`' "lm" solver: the user's
``jac(x, *args) -> (k, n)`` behind the signature of the finite-difference ``jacobian_at``
(:mod:`fastgrad.optimize.trf` has its own, within bounds)."""

from __future__ import annotations

import numpy as np

from .._core.jit import jit


def make_analytic_jacobian(jac, copy):
    """A Jacobian kernel with the signature of ``jacobian_at`` that calls the user's
    ``jac(x, *args) -> (k, n)`` and copies it into ``out``."""

    def jacobian_at(x, scheme, steps, r0, out, work, args):
        copy(jac(x, *args), out)
        return 0

    return jacobian_at


SHAPE_MESSAGE = "jac must return an array of shape (k, n): k residuals, n parameters"


def _copy_matrix(value, out):
    """Copy a (k, n) array into ``out``, or raise when its shape differs (compiled: the
    message cannot show the shape without compiling Numba's string formatting)."""
    if value.ndim != 2 or value.shape[0] != out.shape[0] or value.shape[1] != out.shape[1]:
        raise ValueError(SHAPE_MESSAGE)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = value[i, j]


copy_matrix_jit = jit(_copy_matrix)


def copy_matrix(value, out):
    """:func:`_copy_matrix` on the Python engine, which takes what numpy makes an array of
    (a list of rows, as SciPy does) and says which shape it got."""
    value = np.asarray(value)
    if value.dtype.kind not in "biuf":
        raise ValueError(f"jac must return real numbers; it returned an array of dtype "
                         f"{value.dtype}")
    if value.shape != out.shape:
        raise ValueError(f"jac must return an array of shape (k, n) = {out.shape} (k "
                         f"residuals, n parameters); it returned shape {value.shape}")
    out[...] = value
