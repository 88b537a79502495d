"""The result of :func:`fastgrad.minimize`: one result type, one table of status codes.

:class:`OptimizeResult` is a dict with attribute access, as ``scipy.optimize.OptimizeResult``.
Every run ends with one of the codes of :data:`STATUS`; its message is written here, in Python,
from the code and a few numbers of the run (iteration, learning rate, gradient norm), so the
compiled driver only ever returns integers.
"""

from __future__ import annotations

import numpy as np

from .accuracy import MASK_SHRINK, NOISE_FACTOR

RUNNING = -1
"""Internal: the run has not stopped yet (between two compiled chunks)."""
NOT_STARTED = -2
"""Internal: f and its gradient have not been evaluated at x0 yet."""

CONVERGED = 0
MAX_ITER = 1
DIVERGED = 2
CALLBACK = 3
LINE_SEARCH = 4
MAX_TIME = 5
STEP_TOO_SMALL = 6
INTERRUPTED = 7
NOT_RUN = 8
FTOL = 9
XTOL = 10
NOISE = 11
UNRESOLVED = 12

SUCCESS = (CONVERGED, FTOL, XTOL, NOISE)
"""The codes of a successful run."""

STATUS = {
    CONVERGED: "converged: ||g||_inf <= gtol",
    MAX_ITER: "did not converge: maximum number of iterations reached",
    DIVERGED: "diverged: f or its gradient became non-finite",
    CALLBACK: "stopped by the callback",
    LINE_SEARCH: "line search failed: f could not be decreased along the search direction",
    MAX_TIME: "stopped: the time limit max_time was reached",
    STEP_TOO_SMALL: "the finite-difference step vanished: x + step == x",
    INTERRUPTED: "interrupted: KeyboardInterrupt (Ctrl-C) during the run",
    NOT_RUN: "not started: the run was stopped (Ctrl-C or max_time) before this start was "
             "evaluated, or with workers= before its result came back; x is x0, fun NaN",
    FTOL: "converged: the relative change of f in the last iteration was <= ftol",
    XTOL: "converged: the relative change of x in the last iteration was <= xtol",
    NOISE: "converged to the accuracy of the finite-difference gradient: ||g||_inf is at the "
           "level of its own error, so no smaller gradient can be resolved (the message says "
           "which accuracy was reached)",
    UNRESOLVED: "the gradient is not resolved: rounding erased f's change over the "
                "finite-difference step, and a larger step shows f decreasing across x",
}
"""Status code -> short description; :attr:`OptimizeResult.success` is True for the codes of
:data:`SUCCESS` (0, 9, 10, 11)."""


def callback_halts(callback, intermediate) -> bool:
    """Call ``callback(intermediate)``; True if it asks the run to stop: it raised
    StopIteration or returned True, a Python or a numpy bool (``r.fun < 1e-3`` is a numpy
    bool). Any other return value is ignored, as SciPy ignores it."""
    try:
        value = callback(intermediate)
    except StopIteration:
        return True
    return isinstance(value, (bool, np.bool_)) and bool(value)


def inf_norm(g: np.ndarray) -> float:
    """``max |g_i|`` of a finite vector (plain Python for a short one: cheaper than numpy)."""
    if g.shape[0] <= 32:
        return max(map(abs, g.tolist()))
    return float(np.max(np.abs(g)))


def _short(values: np.ndarray) -> str:
    """A vector in a message: at most 6 entries, 6 significant digits."""
    return np.array2string(values, precision=6, threshold=6, edgeitems=3, separator=", ",
                           max_line_width=10**6)


def _divergence(nit: int, x: np.ndarray, g: np.ndarray, f0: float, fun: float) -> str:
    """Where a run diverged: at x0 or at an iteration, which value was not finite, and x."""
    if nit == 0 and not np.isfinite(f0):
        return f"diverged at x0: f(x0) = {f0!r}"
    where = "at x0" if nit == 0 else f"at iteration {nit}"
    if not np.all(np.isfinite(x)):
        return f"diverged {where}: the iterate became non-finite, x = {_short(x)}"
    if not np.isfinite(fun):
        return f"diverged {where}: f = {fun!r} at x = {_short(x)}"
    bad = np.flatnonzero(~np.isfinite(g))
    return (
        f"diverged {where}: the gradient has non-finite component(s) {_short(bad)} = "
        f"{_short(g[bad])} at x = {_short(x)}, where f = {fun:.6g}: f is not finite at a "
        "finite-difference point next to x"
    )


def status_message(
    status: int,
    *,
    nit: int,
    g: np.ndarray,
    x: np.ndarray,
    gtol: float,
    max_iter: int,
    f0: float,
    fun: float,
    lr: float | None,
    max_time: float | None = None,
    tolerances: tuple = (0.0, 0.0),
    noise: tuple = (np.nan, np.nan, np.nan, np.nan),
) -> str:
    """The full message of one run: what happened, where, and what to do about it.

    ``g`` and ``x`` are the gradient and the iterate the run ended with, ``f0`` and ``fun``
    f at x0 and at x, ``lr`` the learning rate (None for a method without one),
    ``tolerances`` ``(ftol, xtol)`` and ``noise`` the estimated error of the gradient's largest
    component, the noise of f, the decrease of f predicted along -g (measured when a line
    search failed) and the slope of f that a finer table measured where it refused a claim
    at the noise level (:func:`fastgrad.optimize.accuracy.make_masked`; NaN for none).
    """
    # Long because it is the one table of messages, a branch per status code.
    if status == CONVERGED:
        return converged_message(nit, g, gtol)
    if status == MAX_ITER:
        text = (
            f"did not converge: maximum number of iterations reached (max_iter={max_iter}) "
            f"with ||g||_inf = {inf_norm(g):.3g} > gtol = {gtol:.3g}"
        )
        if lr is None:
            return text + "; increase max_iter"
        if f0 - fun <= 1e-6 * abs(f0):  # no real progress (or worse): lr too large
            return text + (
                f"; f did not decrease (f(x0) = {f0:.6g}, f = {fun:.6g}): the iterates "
                f"oscillate or grow, lower the learning rate (lr={lr:g})"
            )
        return text + (
            f"; f decreased from {f0:.6g} to {fun:.6g}: increase max_iter or the learning "
            f"rate (lr={lr:g}), or use method='lbfgs', which needs no learning rate"
        )
    if status == DIVERGED:
        hint = (
            f"lower the learning rate (lr={lr:g})"
            if lr is not None and nit > 0
            else "check that f is finite near x0 and bounded below"
        )
        return f"{_divergence(nit, x, g, f0, fun)}; {hint}"
    if status == CALLBACK:
        return f"stopped by the callback after {nit} iterations"
    if status in (FTOL, XTOL, NOISE):
        return _converged_otherwise(status, nit, inf_norm(g), gtol, tolerances, noise)
    if status == LINE_SEARCH:
        gnorm = inf_norm(g)
        if np.isfinite(noise[3]):  # a finer table refused a claim at the noise level
            return (
                f"line search failed at iteration {nit}: f could not be decreased along the "
                f"search direction, and the finite-difference gradient is wrong here: "
                f"||g||_inf = {gnorm:.3g} looked like noise of f, but at a step "
                f"{1.0 / MASK_SHRINK:.0f} times smaller f's slope along its largest component "
                f"is {noise[3]:.3g}: f has a pole, a jump or a steep feature within a step of "
                "x (is f bounded below there?); check f near x, or pass a smaller step="
            )
        if gnorm <= NOISE_FACTOR * noise[0]:  # the largest component is noise, another not
            return (
                f"line search failed at iteration {nit}: f could not be decreased along the "
                f"search direction; ||g||_inf = {gnorm:.3g} is at the level of its estimated "
                f"error {noise[0]:.2g}, but other components are far above theirs: the noisy "
                "component spoils the direction (a badly scaled f): try jac='central4', or "
                "rescale x so that its coordinates matter alike"
            )
        measured = (
            f", far above its estimated error {noise[0]:.2g}" if np.isfinite(noise[0]) else "")
        return (
            f"line search failed at iteration {nit}: f could not be decreased along the "
            f"search direction (||g||_inf = {inf_norm(g):.3g}{measured}); the gradient may "
            f"be wrong or too inaccurate for gtol = {gtol:.3g}: check an analytic jac, try "
            "jac='central4' or 'complex', or a larger gtol"
        )
    if status == MAX_TIME:
        return (
            f"stopped after {nit} iterations: the time limit max_time={max_time:g} s was "
            f"reached, f = {fun:.6g} (f(x0) = {f0:.6g}), ||g||_inf = {inf_norm(g):.3g}; x is "
            "the last iterate"
        )
    if status == INTERRUPTED:
        return (
            f"interrupted by KeyboardInterrupt (Ctrl-C) after {nit} iterations, f = "
            f"{fun:.6g} (f(x0) = {f0:.6g}), ||g||_inf = {inf_norm(g):.3g}; x is the last "
            "iterate"
        )
    if status == NOT_RUN:
        return (
            "not started: the run was stopped (Ctrl-C or max_time) before f was evaluated at "
            "this start, or with workers= before its worker returned it; x is x0, fun and "
            "jac are NaN"
        )
    if status == UNRESOLVED:
        return (
            f"stopped at iteration {nit}: the finite-difference gradient is not resolved: f "
            f"(|f| = {abs(fun):.3g}) rounds to the same value over the automatic step (relative"
            " to max(1, |x_i|), not to the size of f) of some coordinate, while a larger step "
            "shows f decreasing across x, so x is no minimum; rescale x or f (so that f "
            "changes over a step of 1e-8 max(1, |x_i|)), or pass a larger step="
        )
    if status == STEP_TOO_SMALL:
        return (
            f"stopped at iteration {nit}: the finite-difference step vanished (x + step == x "
            "in float64); use a larger step or step=None"
        )
    return STATUS.get(status, f"unknown status {status}")


_GTOL_TEXT: dict = {}
"""``gtol`` -> its text in :func:`converged_message` (formatting a float costs 0.25 us; a
program uses a few values of gtol, and the dict is emptied past 64)."""


def converged_message(nit: int, g: np.ndarray, gtol: float) -> str:
    """The message of status ``CONVERGED`` (``||g||_inf <= gtol``): the most common one, built
    here without the keywords of :func:`status_message` (minimize's lean path)."""
    return converged_message_of_norm(nit, inf_norm(g), gtol)


PROJECTED = "||P(x - g) - x||_inf"
"""How a message of a bounded run names the norm its convergence test uses."""

PROJECTED_NOTE = "; x0 was outside the bounds and was projected into them"
"""Appended to the message of a start that ``minimize`` projected into the box."""


def bounded_message(message: str, projected: bool = False) -> str:
    """The message of a run within bounds from that of :func:`status_message` (which names
    the norm ``||g||_inf``): it names :data:`PROJECTED` instead, and ends with
    :data:`PROJECTED_NOTE` where minimize projected x0 into the box."""
    message = message.replace("||g||_inf", PROJECTED)
    return message + PROJECTED_NOTE if projected else message


def converged_message_of_norm(nit: int, gnorm: float, gtol: float) -> str:
    """:func:`converged_message` of a gradient of norm ``gnorm``."""
    text = _GTOL_TEXT.get(gtol)
    if text is None:
        if len(_GTOL_TEXT) >= 64:
            _GTOL_TEXT.clear()
        text = _GTOL_TEXT[gtol] = f"{gtol:.3g}"
    return f"converged after {nit} iterations: ||g||_inf = {gnorm:.3g} <= gtol = {text}"


def _converged_otherwise(status: int, nit: int, gnorm: float, gtol: float,
                         tolerances: tuple, noise: tuple) -> str:
    """The message of a success other than ``||g||_inf <= gtol``."""
    if status == FTOL:
        return (f"converged after {nit} iterations: the relative change of f was <= ftol = "
                f"{tolerances[0]:.3g} (||g||_inf = {gnorm:.3g})")
    if status == XTOL:
        return (f"converged after {nit} iterations: the relative change of x was <= xtol = "
                f"{tolerances[1]:.3g} (||g||_inf = {gnorm:.3g})")
    error, noise_f, predicted = noise[:3]
    if gnorm <= NOISE_FACTOR * error:
        return (
            f"converged after {nit} iterations to the accuracy of the finite-difference "
            f"gradient: ||g||_inf = {gnorm:.3g} is at the level of its estimated error "
            f"{error:.2g} (truncation and rounding at the step used; noise of f about "
            f"{noise_f:.2g}), so f cannot be decreased further along it; gtol = {gtol:.3g} is "
            "below that level (jac='central4' or an analytic jac can go further)"
        )
    return (
        f"converged after {nit} iterations to the accuracy of f: ||g||_inf = {gnorm:.3g}, but "
        f"the largest decrease of f predicted along -g is {predicted:.2g}, below the noise of "
        f"f (about {noise_f:.2g}): no step can decrease f measurably; gtol = {gtol:.3g} is "
        "not reachable in this precision (f's rounding limits how closely its minimum can be "
        "located)"
    )


_get = dict.__getitem__


def _field(name: str) -> property:
    """The property of :class:`OptimizeResult` that reads key ``name`` (an
    AttributeError where the result has no such key, as ``__getattr__`` raises): the stored
    value, also of a :class:`~fastgrad.optimize.pending.PendingResult`, whose own
    ``__getitem__`` writes its message first."""

    def get(self):
        try:
            return _get(self, name)
        except KeyError:
            raise AttributeError(name) from None

    return property(get)


class OptimizeResult(dict):
    """Result of :func:`fastgrad.minimize`: a dict whose keys are also attributes.

    Attributes
    ----------
    x : ndarray
        Final iterate, shape (n,) (batched: (m, n)).
    fun : float
        f at ``x`` (batched: (m,)).
    jac : ndarray
        Gradient at ``x`` as used by the method (finite-difference or analytic).
    nit : int
        Number of iterations (updates of x).
    nfev : int
        Number of evaluations of f, including those inside finite differences
        (f once per iterate, but only at x0 and where f is read for the fixed-step methods
        with central, central4 or complex gradients and no ftol, xtol or history; plus per
        gradient: central 2n, forward/backward n (they reuse f at the iterate), central4
        4n, complex 2n + 4 (with its check), ``jac="auto"`` n or 2n, and 6 for the noise
        estimate when a line search fails, 6 more for the finer table that checks a claim
        at the noise level where that noise is above f's rounding). Not counted: the one
        or two evaluations of the check of f on the first call with a length of x and types
        of args (does f read past x or write into it, in which precision does it compute).
    njev : int
        Number of gradient evaluations.
    success : bool
        True when the run converged: ``||g||_inf <= gtol`` (status 0), the ``ftol`` or
        ``xtol`` test (9, 10), or the gradient at the level of its own finite-difference
        error (11).
    status : int
        A code of :data:`fastgrad.result.STATUS`.
    message : str
        What happened, in words (batched: a list of m strings).
    x_history, f_history : ndarray
        With ``history=True``: every iterate, shape (nit + 1, n), and f at each, (nit + 1,).
        Batched: (m, max(nit) + 1, n) and (m, max(nit) + 1), rows padded with NaN after
        their own ``nit + 1`` entries.
    best : int or None
        Batched only: index of the start with the lowest finite ``fun`` (None if none); a
        start that was never run (status 8, ``fun`` NaN) is never ``best``.
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    # The fields every result of minimize has are also properties: reading one (``res.x``)
    # is then a lookup on the class, some 6 times faster than __getattr__, which Python
    # calls only after the class and the instance failed (a cost a loop of many small
    # fits pays at every call). Other keys go through __getattr__.
    x = _field("x")
    fun = _field("fun")
    jac = _field("jac")
    nit = _field("nit")
    nfev = _field("nfev")
    njev = _field("njev")
    success = _field("success")
    status = _field("status")
    message = _field("message")

    __setattr__ = dict.__setitem__
    __delattr__ = dict.__delitem__

    def __dir__(self):
        return list(self.keys())

    def __repr__(self) -> str:
        if not self:
            return f"{type(self).__name__}()"
        width = max(len(k) for k in self) + 1
        lines = []
        for key, value in self.items():
            text = np.array2string(value, threshold=20, precision=8) if isinstance(
                value, np.ndarray
            ) else repr(value)
            text = text.replace("\n", "\n" + " " * (width + 2))
            lines.append(f"{key.rjust(width)}: {text}")
        return "\n".join(lines)
