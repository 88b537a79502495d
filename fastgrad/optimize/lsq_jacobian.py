"""The analytic Jacobian kernel of :func:`fastgrad.least_squares`' "lm" solver: the user's
``jac(x, *args) -> (k, n)`` behind the signature of the finite-difference ``jacobian_at``
(:mod:`fastgrad.optimize.trf` has its own, within bounds)."""

from __future__ import annotations

from .._core.jit import jit


def make_analytic_jacobian(jac, copy):
    """A Jacobian kernel with the signature of ``jacobian_at`` that calls the user's
    ``jac(x, *args) -> (k, n)`` and copies it into ``out``."""

    def jacobian_at(x, scheme, steps, r0, out, work, args):
        copy(jac(x, *args), out)
        return 0

    return jacobian_at


def copy_matrix(value, out):
    """Copy a (k, n) array into ``out``, or raise when its shape differs."""
    if value.ndim != 2 or value.shape[0] != out.shape[0] or value.shape[1] != out.shape[1]:
        raise ValueError("jac must return an array of shape (k, n): k residuals, n parameters")
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = value[i, j]


copy_matrix_jit = jit(copy_matrix)
