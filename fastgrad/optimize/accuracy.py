"""How accurate a finite-difference gradient is, inside the optimizers: when ``jac="auto"``
switches from forward to central differences, and when a run has reached the accuracy of its
gradient (honest stopping).

Forward differences cost n evaluations of f per gradient (f at the iterate is known), central
ones 2n, but the error of forward differences, about ``h |f''| / 2 + 2 eps |f| / h`` per
component with ``h ~ sqrt(eps)``, is some 1e-8 relative: harmless far from a stationary point,
where the gradient is large, ruinous near one. ``jac="auto"`` therefore starts with forward
differences and switches to central ones, for the rest of the run, once the estimated error of
the forward gradient (:func:`forward_error`, from f and the curvature ``y'y / s'y`` of the
last step) exceeds :data:`SWITCH_FRACTION` of ``||g||_inf``, or when a line search fails
(the rule of Gill, Murray, Saunders and Wright, *Practical Optimization*, 8.6).

A line search that fails with the most accurate gradient the run has may fail because the
gradient is as small as its own error: then the run has converged to the accuracy of its
finite differences, not failed. :func:`make_noise` measures that error at the iterate, along
the coordinate of the largest gradient component (which decides ``||g||_inf``): f at six
more points spaced by the finite-difference step h gives a table of differences whose orders
4 to 6 estimate the noise of f (Moré and Wild, *Estimating computational noise*, SIAM J. Sci.
Comput. 33, 2011: for independent noise of size s, ``gamma_k E[(Delta^k f)^2] = s^2`` with
``gamma_k = (k!)^2 / (2k)!``) and whose order matching the scheme estimates its truncation.
The gradient component's error is then the rounding of the scheme (noise times its weights,
over h) plus that truncation; :data:`NOISE_FACTOR` times it bounds a gradient "at the noise
level". The search may also fail because f itself cannot be resolved: along -g the largest
decrease the quadratic model of the failed search predicts (:func:`predicted_decrease`)
is below the noise of f (an ill-conditioned minimum with a large f: the gradient is not small,
but no step changes f by more than its rounding). Either way the run has converged as far as
f and its differences allow. A wrong gradient of a smooth f (an analytic ``jac`` with a bug)
shows no noise in the table and f increases along -g as predicted by no quadratic with a
small minimum: it stays a failure.

The same table tells whether the automatic step is the right one for f at the iterate. The
rounding part of the error grows like ``1 / h`` and the truncation part like ``h**p`` (p = 2
for central differences), so the table gives the step factor ``s`` that minimizes their sum
(:func:`step_refinement`: the finite-difference interval of Gill, Murray, Saunders and Wright,
*Practical Optimization*, 8.6.2, from the table's estimates). When that step makes the
gradient's error :data:`REFINE_GAIN` times smaller, a gradient "at its noise level" is not yet
at the accuracy finite differences allow: ``jac="auto"`` takes the step ``s h`` from then on
and goes on (an ill-scaled minimum such as MGH's Meyer problem, whose third derivatives make
the truncation of the standard central step as large as the gradient, is resolved that way).
"""

from __future__ import annotations

import math

import numpy as np

from .._core.jit import jit_cached
from .._core.schemes import CENTRAL, CENTRAL4, FORWARD
from ..diff.steps import is_automatic, step_for, value_eps

SWITCH_FRACTION = 0.1
"""``jac="auto"`` switches to central differences when the estimated error of the forward
gradient exceeds this fraction of its largest component."""

NOISE_FACTOR = 10.0
"""A gradient is at its noise level when ``||g||_inf`` is at most this many times the
estimated error of its largest component (the estimate is good to a factor of a few)."""

ANALYTIC = -1
"""Scheme code passed to the noise estimate for a gradient that takes no differences of f."""

REFINE_GAIN = 4.0
"""``jac="auto"`` refines its step (see the module docstring) when the refined step's
estimated gradient error is at least this many times smaller than the current one's."""

REFINE_LIMITS = (1e-3, 1e3)
"""The factor of a refined step is kept in this range (the estimates come from one table)."""

NOISE_POINTS = 7
"""Points of the difference table (f at the iterate and at six more points)."""

ROUNDING = np.array([np.sqrt(2.0), np.sqrt(2.0), np.sqrt(2.0) / 2.0, np.sqrt(130.0) / 12.0])
"""Per scheme code (forward, backward, central, central4): the error of the gradient component
per unit noise of f and unit 1/h (root sum of squares of the stencil's weights / divisor)."""

TRUNCATION_ORDER = np.array([2, 2, 3, 5])
TRUNCATION_WEIGHT = np.array([0.5, 0.5, 1.0 / 6.0, 1.0 / 30.0])
"""Per scheme code: the truncation error of the component is about
``TRUNCATION_WEIGHT * |Delta^k f| / h`` with k = ``TRUNCATION_ORDER`` (h^(k-1) f^(k) times
the leading coefficient of the scheme's error)."""


@jit_cached
def forward_error(x, fx, steps, curvature):
    """Estimated largest error of a forward-difference gradient component at ``x`` (where f is
    ``fx``): truncation ``h_i c / 2`` (c: the curvature estimate, 0 when unknown) plus rounding
    ``2 eps |fx| / h_i``, with the steps of ``steps``."""
    eps = value_eps(steps)
    worst = 0.0
    for i in range(x.shape[0]):
        h = step_for(FORWARD, x[i], steps, i)
        if h > 0.0:
            worst = max(worst, 0.5 * h * curvature + 2.0 * eps * abs(fx) / h)
    return worst


@jit_cached
def predicted_decrease(fx, slope, t, ft):
    """The largest decrease of f along a direction predicted by the quadratic through
    ``f(0) = fx``, ``f'(0) = slope < 0`` and ``f(t) = ft``: ``slope**2 / (2 c)`` with the
    curvature ``c = 2 (ft - fx - t slope) / t**2``; infinite when the quadratic has no
    minimum (or ``ft`` is not finite)."""
    if not np.isfinite(ft) or t <= 0.0:
        return np.inf
    c = 2.0 * (ft - fx - t * slope) / (t * t)
    return slope * slope / (2.0 * c) if c > 0.0 else np.inf


@jit_cached
def largest(g):
    """Index of the largest ``|g_i|``."""
    best = 0
    for i in range(g.shape[0]):
        if abs(g[i]) > abs(g[best]):
            best = i
    return best


@jit_cached
def table_estimates(v, scheme):
    """``(noise of f, truncation term)`` from the values ``v`` at equally spaced points
    (overwritten by the difference table); NaN when a value is not finite. Values above
    :data:`SCALED_ABOVE` in size are scaled by a power of two first (exactly) and the
    estimates scaled back: the differences and their squares would overflow (inf estimates
    of a finite f, once taken for noise)."""
    big = 0.0
    for j in range(v.shape[0]):
        if not np.isfinite(v[j]):
            return np.nan, np.nan
        big = max(big, abs(v[j]))
    if big > SCALED_ABOVE:
        power = math.frexp(big)[1]
        for j in range(v.shape[0]):
            v[j] = math.ldexp(v[j], -power)
        noise, truncation = _table_estimates(v, scheme)
        return math.ldexp(noise, power), math.ldexp(truncation, power)
    return _table_estimates(v, scheme)


SCALED_ABOVE = 2.0 ** 500
"""Size of f's values above which :func:`table_estimates` scales them (squares of their
differences could overflow above about 1e154); below it nothing changes, bit for bit."""


@jit_cached
def _table_estimates(v, scheme):
    """:func:`table_estimates` of values of moderate size."""
    noise = 0.0
    truncation = 0.0
    gamma = 1.0
    for k in range(1, v.shape[0]):
        m = v.shape[0] - k
        for j in range(m):
            v[j] = v[j + 1] - v[j]
        gamma *= k / (2.0 * (2 * k - 1))  # (k!)^2 / (2k)!, one factor at a time
        if k == TRUNCATION_ORDER[scheme]:
            mean_abs = 0.0
            for j in range(m):
                mean_abs += abs(v[j])
            truncation = mean_abs / m
        if k >= 4:
            mean_sq = 0.0
            for j in range(m):
                mean_sq += v[j] * v[j]
            noise = max(noise, np.sqrt(gamma * mean_sq / m))
    return noise, truncation


@jit_cached
def step_refinement(rounding, truncation, scheme):
    """The factor ``s`` of the step that minimizes the estimated error ``rounding / s +
    truncation * s**p`` of a gradient component of ``scheme`` (``rounding`` and
    ``truncation``: the two parts of the error at the current step; p the power of h in the
    scheme's truncation), kept in :data:`REFINE_LIMITS`; 1.0 when it would not make the error
    :data:`REFINE_GAIN` times smaller (or an estimate is not positive and finite)."""
    if not (rounding > 0.0 and truncation > 0.0 and np.isfinite(rounding + truncation)):
        return 1.0
    p = TRUNCATION_ORDER[scheme] - 1.0
    s = (rounding / (p * truncation)) ** (1.0 / (p + 1.0))
    s = min(max(s, REFINE_LIMITS[0]), REFINE_LIMITS[1])
    if REFINE_GAIN * (rounding / s + truncation * s ** p) <= rounding + truncation:
        return s
    return 1.0


def make_table(value):
    """``table(x, i, h, first, fx, scheme, args, info) -> (error, noise of f, step factor,
    slope)``: f at ``x + (first + j) h e_i`` for j = 0 .. 6 (``first = -3``: centred on x,
    where f is ``fx``, which is not evaluated again; another ``first`` keeps the table on one
    side of x, in a box), counted in ``info``, and from that table the estimated error of a
    gradient component of ``scheme`` (a real stencil) with step h, the noise of f,
    :func:`step_refinement`'s factor and the central difference of the table's middle
    (f's slope at ``x + (first + 3) h e_i``). NaN error and noise (factor 1.0) when a value
    is not finite. x is left as it was."""

    def table(x, i, h, first, fx, scheme, args, info):
        xi = x[i]
        v = np.empty(NOISE_POINTS)
        for j in range(NOISE_POINTS):  # spaced by the scheme's own step
            if first + j == 0:
                v[j] = fx
            else:
                x[i] = xi + (first + j) * h
                v[j] = value(x, args, info)
        x[i] = xi
        slope = (v[4] - v[2]) / (2.0 * h)
        noise_f, difference = table_estimates(v, scheme)
        rounding = ROUNDING[scheme] * noise_f / h
        truncation = TRUNCATION_WEIGHT[scheme] * difference / h
        return (rounding + truncation, noise_f, step_refinement(rounding, truncation, scheme),
                slope)

    return table


TABLE_STARTS = (-3, -2, -4, -1, -5, 0, -6)
"""Offsets (in steps) of the first point of a difference table along a coordinate, centred
first, then shifted away from a bound it would cross."""


def make_noise(table):
    """``noise(x, g, fx, lo, hi, scheme, steps, args, info, every, skip) -> (error, noise of
    f, step factor, signal)``: the estimated error of a gradient ``g`` of scheme ``scheme`` at
    ``x`` (f there is ``fx``), from the difference tables of ``table`` (:func:`make_table`,
    six evaluations of f each): along the largest component of g (``every`` False), or the
    largest error of all components but ``skip`` (``every`` True, 6 evaluations each; ``skip``
    is a component whose table the caller has already taken, or n for none); also the noise of f
    and the factor of the step that would make that component's error
    :data:`REFINE_GAIN` times smaller (:func:`step_refinement`; 1.0 for none); and the
    largest ratio ``|g_i| / error_i`` over the components measured (0.0 where no error
    could be estimated): a component far above its own error is not noise, whatever the
    largest one is. Within a box
    (``lo``, ``hi`` of shape (n,); empty for none) each table is shifted to lie in it, and a
    coordinate whose box is too narrow for one is skipped. The error and noise are NaN when
    they cannot be estimated (a non-finite value); the error is NaN (and the factor 1.0) for
    schemes that take no differences of f (the complex step; pass it for an analytic
    gradient), whose table is spaced by the central step."""

    def noise(x, g, fx, lo, hi, scheme, steps, args, info, every, skip):
        differences = FORWARD <= scheme <= CENTRAL4  # the real stencils, backward too
        table_scheme = scheme if differences else CENTRAL
        bounded = lo.shape[0] > 0
        last = NOISE_POINTS - 1
        worst, noise_f, factor, signal = np.nan, np.nan, 1.0, 0.0
        start = 0 if every else largest(g)
        for i in range(start, x.shape[0] if every else start + 1):
            xi = x[i]
            h = step_for(table_scheme, xi, steps, i)
            if h == 0.0 or (every and i == skip):
                continue
            for first in TABLE_STARTS:
                if bounded and not (lo[i] <= xi + first * h and xi + (first + last) * h <= hi[i]):
                    continue
                error, noise_i, factor_i, _ = table(x, i, h, first, fx, table_scheme, args,
                                                    info)
                if not every or (np.isfinite(error) and not error <= worst):  # the largest
                    worst, noise_f, factor = error, noise_i, factor_i
                if error > 0.0 and np.isfinite(error):
                    signal = max(signal, abs(g[i]) / error)
                break
        if not differences:
            return np.nan, noise_f, 1.0, 0.0
        return worst, noise_f, factor, signal

    return noise


MASK_SHRINK = 1e-3
"""A claim at the noise level is checked (:func:`make_masked`) with a table spaced by this
fraction of the gradient's step."""

MASK_ABOVE = 100.0
"""The check runs only where the table's noise of f exceeds this many units of roundoff of
``|f(x)|``: the rounding of a smooth f, the common end of a run, costs no evaluation."""


def make_masked(table):
    """``masked(x, fx, i, error, noise_f, scheme, steps, args, info) -> (error, noise of f,
    slope)``: those of a finer table where it masks a claim (NaN slope where it does not).
    The claim is that gradient component ``g_i`` (of ``scheme``, a real stencil) is within
    its estimated ``error`` at ``x`` (where f is ``fx``), from a table whose noise of f was
    ``noise_f``; it is masked when that table was filled by something other than noise: a
    pole or a jump of f within the stencil's reach gives differences of every order that
    alternate in sign as noise does (``1/x + x**2`` from -0.5 stopped at x = -2.1e-7 with
    a central step of 6e-6: the difference quotient was +2.7e10 where f' is -2.3e13, and its
    table claimed noise of the same size).

    Noise of f keeps its size at a smaller spacing; a pole outside a smaller table does not
    show. So where ``noise_f`` is more than :data:`MASK_ABOVE` units of roundoff of ``|fx|``
    (the rounding of a smooth f costs nothing), a table along ``x_i`` spaced by
    :data:`MASK_SHRINK` times the step is taken (six evaluations of f, counted in ``info``):
    the claim is masked when its central slope there is resolved, more than
    :data:`NOISE_FACTOR` times that table's own error, and more than NOISE_FACTOR times
    ``error``. A truly noisy f gives no resolved slope at that spacing, and a
    piecewise-constant one a zero slope: their claims stand. x is left as it was."""

    def masked(x, fx, i, error, noise_f, scheme, steps, args, info):
        if not noise_f > MASK_ABOVE * value_eps(steps) * abs(fx):
            return np.nan, np.nan, np.nan
        h = (x[i] + MASK_SHRINK * abs(step_for(scheme, x[i], steps, i))) - x[i]  # exact
        if h == 0.0:
            return np.nan, np.nan, np.nan
        fine, noise_fine, _, slope = table(x, i, h, -3, fx, CENTRAL, args, info)
        if abs(slope) > NOISE_FACTOR * max(fine, error):  # (False for NaN)
            return fine, noise_fine, slope
        return np.nan, np.nan, np.nan

    return masked


@jit_cached
def takes_refinement(current, steps, factor):
    """Whether ``jac="auto"`` takes a refined step of factor ``factor`` (from
    :func:`step_refinement`; 1.0 for none): only for automatic ``steps`` and only once in a
    run (``current``, the run's step factor so far, is 1.0 until it is refined)."""
    return factor != 1.0 and current == 1.0 and is_automatic(steps)


@jit_cached
def refinable(current, steps):
    """Whether a run's step can still be refined: automatic ``steps``, not refined yet
    (``current``, the run's step factor so far, is 1.0)."""
    return current == 1.0 and is_automatic(steps)
