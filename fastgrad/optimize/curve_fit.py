"""Public :func:`curve_fit`: SciPy's interface over :func:`fastgrad.least_squares`.

The model ``model(x, p1, ..., pn)`` is wrapped once per model and number of parameters into
weighted residuals ``(model(x, *p) - y) / sigma`` (compiled, the parameters unpacked from the
array by a chain of small compiled functions, :func:`unpacker`), and the covariance follows
SciPy's conventions (:func:`covariance`).
"""

from __future__ import annotations

import warnings

import numpy as np
from numba.extending import overload

from .._core import cache
from .._core import jit as _jit
from .._core.objective import _LOCK, OBJECTIVE, FastgradWarning, not_compilable
from .._core.scalar import as_real_vector
from .._core.validate import bounds_arrays, check_bool, check_callable
from .._core.validate import unknown_keyword_hint
from ..diff.steps import precision_eps
from .least_squares import _PARAMETERS, fit
from .lm_linalg import covariance_into
from .model_signature import fit_parameters, keywords_after
from .per_start import PerStart, per_start, split_args


def curve_fit(model, xdata, ydata, p0=None, *, sigma=None, absolute_sigma=False,
              bounds=None, method=None, jac=None, full_output=False, jit=None,
              check_finite=True, **kwargs):
    """Fit ``model(xdata, *params)`` to ``ydata`` by least squares, as
    ``scipy.optimize.curve_fit`` does (method "lm", or "trf" within bounds).

    Parameters
    ----------
    model : callable
        ``model(x, p1, ..., pn) -> (k,)``, compiled with Numba in nopython mode (a plain
        Python/numpy function is compiled; if Numba cannot compile it, the Python engine
        runs the fit after a ``FastgradWarning``).
    xdata : array_like, shape (k,) or (d, k)
        The independent variable, passed to ``model`` as it is (float64).
        ``per_start(X)`` with X of shape (m, k) or (m, d, k) gives fit i its own ``X[i]``.
    ydata : array_like, shape (k,)
        The data; ``per_start(Y)`` with Y of shape (m, k) fits m curves (with ``p0`` of
        shape (m, n)).
    p0 : array_like, shape (n,) or (m, n), optional
        Initial parameters; default all ones, n the positional parameters of ``model``
        after x, as SciPy counts them (``*args`` needs p0); with bounds, as SciPy: the
        middle of a finite box, one inside a half-bounded one.
    sigma : None or array_like of shape (k,) or (k, k), optional
        Uncertainty of ``ydata``, as SciPy's: 1-D, the residuals are
        ``(model - ydata) / sigma``; 2-D, the covariance matrix of ``ydata``, and the
        residuals are ``L**-1 (model - ydata)`` with ``sigma = L L'`` (Cholesky).
        ``per_start(S)`` gives fit i its own ``S[i]``.
    absolute_sigma : bool, optional
        False (default): ``pcov`` is scaled by the reduced chi-square
        ``sum(r**2) / (k - n)``; True: ``sigma`` is absolute and ``pcov`` is not scaled.
    bounds : None, (lb, ub) or scipy.optimize.Bounds, optional
        Bounds of the parameters, SciPy's convention: ``lb`` and ``ub`` scalars or arrays
        of shape (n,), ``-np.inf``/``np.inf`` for none; ``p0`` must lie within them.
        The model is never evaluated outside them (see :func:`fastgrad.least_squares`).
    method : {None, "lm", "trf"}, optional
        None (default): "lm" without bounds, "trf" with them; "lm" refuses bounds.
    jac : None, str or callable, optional
        None: ``"auto"`` of :func:`fastgrad.least_squares`; a scheme name; or a callable
        ``jac(x, p1, ..., pn) -> (k, n)``, the Jacobian of the model.
    full_output : bool, optional
        Also return the :class:`OptimizeResult` of :func:`fastgrad.least_squares`.
    jit : bool or None, optional
        As :func:`fastgrad.least_squares`.
    check_finite : bool, optional
        True (default, as SciPy): a ``ValueError`` names the first non-finite entry of
        ``xdata`` or ``ydata`` (an infinite x can give a finite model value, and the fit
        would go on with it silently). False: no check; a NaN or inf that reaches the
        residuals stops the fit (``RuntimeError``).
    **kwargs
        Passed on to :func:`fastgrad.least_squares` (``ftol``, ``xtol``, ``gtol``,
        ``max_nfev``, ``x_scale``, ``step``, ``max_time``).

    Returns
    -------
    popt : ndarray, shape (n,) or (m, n)
    pcov : ndarray, shape (n, n) or (m, n, n)
        ``pinv(J' J)`` of the weighted Jacobian at ``popt`` (singular values below
        ``eps * max(k, n) * s_max`` dropped, as SciPy), times the reduced chi-square unless
        ``absolute_sigma``. All inf, with a ``FastgradWarning``, when it cannot be estimated
        (k <= n without ``absolute_sigma``, a non-finite Jacobian, or a Jacobian of rank
        below n, where the pseudo-inverse would give a variance of 0 to what the data do
        not determine; SciPy's ``lm`` gives inf there too, its ``trf`` the pseudo-inverse).
    result : OptimizeResult
        With ``full_output=True`` only.

    Raises
    ------
    RuntimeError
        A single fit that did not succeed (as SciPy); a batch reports failures in
        ``result.success`` and a warning instead.

    Examples
    --------
    >>> import numpy as np, fastgrad
    >>> def decay(t, a, b, c):
    ...     return a * np.exp(-b * t) + c
    >>> t = np.linspace(0, 4, 50)
    >>> y = decay(t, 2.0, 1.3, 0.4) + 0.001 * np.sin(7 * t)
    >>> popt, pcov = fastgrad.curve_fit(decay, t, y, [1.0, 1.0, 0.0])
    >>> np.round(popt, 2), pcov.shape
    (array([2. , 1.3, 0.4]), (3, 3))
    """
    absolute_sigma = check_bool(absolute_sigma, "absolute_sigma")
    checked = None
    if sigma is None and bounds is None and jac is None:
        checked = _checked_before(model, xdata, ydata, p0, jit, kwargs)
    if checked is not None:  # the checks of an earlier call with these shapes hold
        if (check_finite is True or check_bool(check_finite, "check_finite")) and not (
                _finite(xdata) and _finite(ydata)):
            _data(xdata, ydata, None, None, True)  # raises, naming the entry
        residual, value_eps, python = checked
        m, n, jac_arg = None, p0.shape[0], "auto"
        args = (xdata, ydata, UNWEIGHTED)
    else:
        check_callable(model, "model")
        p0 = _initial(model, p0, bounds)
        m = p0.shape[0] if p0.ndim == 2 else None
        n = p0.shape[-1]
        args = _data(xdata, ydata, sigma, m, check_bool(check_finite, "check_finite"))
        model_obj = cache.get(model, jit)
        keywords_after(model_obj, n, jit is True)
        plain, mask = split_args(args, m, ("xdata", "ydata", "sigma"))
        value_eps = _check_model(model_obj, plain, mask, p0, n, jit is True)
        python = _on_python(model_obj, n, jit is True)
        residual = residuals_of(model_obj, n, python=python)
        jac_arg = "auto" if jac is None else jac
        if callable(jac):
            jac_obj = cache.get(jac, jit)
            keywords_after(jac_obj, n, jit is True)
            _check_jac(jac_obj, plain, mask, p0, n)
            jac_arg = residuals_of(jac_obj, n, jacobian=True,
                                   python=python or _on_python(jac_obj, n))
        for name in kwargs:
            if name not in _PASSED_ON:
                raise TypeError(f"curve_fit() got an unexpected keyword argument {name!r}"
                                + unknown_keyword_hint(name, _PASSED_ON + _OWN))
    res = fit(residual, p0, args, _points(args[1]), jac=jac_arg, bounds=bounds, method=method,
              jit=False if python else jit, value_eps=value_eps, **kwargs)
    _check_success(res, m)  # a failed single fit raises before its pcov is taken
    pcov = covariance(res, n, absolute_sigma)
    x = res["x"]  # (item access: the attribute goes through OptimizeResult.__getattr__)
    return (x, pcov, res) if check_bool(full_output, "full_output") else (x, pcov)


_PASSED_ON = tuple(name for name in _PARAMETERS
                   if name not in ("jac", "bounds", "method", "args", "jit"))
"""Keywords passed on to :func:`fastgrad.least_squares`."""
_OWN = ("p0", "sigma", "absolute_sigma", "bounds", "method", "jac", "full_output", "jit",
        "check_finite")


def _checked_before(model, xdata, ydata, p0, jit, kwargs):
    """``(residuals, value_eps, python)`` when this call (no sigma, bounds or jac) repeats
    one whose checks hold for it as they are: ``p0`` a 1-D float64 array, ``xdata`` and
    ``ydata`` C-contiguous float64 arrays (ydata 1-D) of shapes an earlier call with this n
    checked (:func:`_check_model`), keywords all known; else None (the full checks run)."""
    if not (type(p0) is np.ndarray and p0.ndim == 1 and p0.dtype == np.float64
            and _plain(xdata) and _plain(ydata) and ydata.ndim == 1):
        return None
    obj = cache.peek(model, jit)
    if obj is None:
        return None
    n = p0.shape[0]
    value_eps = obj.drivers.get(("curve_fit checked", xdata.shape, ydata.shape, n))
    python = _on_python(obj, n)
    residual = obj.drivers.get(("curve_fit", n, False, python))
    if value_eps is None or residual is None:
        return None
    if any(name not in _PASSED_ON for name in kwargs):
        return None
    return residual, value_eps, python


def _on_python(obj, n: int, strict: bool = False) -> bool:
    """Whether the model (or jac) of ``obj`` runs on the Python engine for n parameters: its
    engine, or a recorded compile failure of ``model(x, p1, ..., pn)`` (a lambda calling a
    plain Python function, ``**kwargs``: :func:`keywords_after`). Its residuals then unpack the
    parameters in Python too: a compiled unpacker would fail to compile. ``strict``
    (``jit=True``): a TypeError instead, also where a call with ``jit=None`` fell back."""
    reason = obj.reason if obj.engine == "python" else obj.failed(
        OBJECTIVE, (0.0,) * n + keywords_after(obj, n))
    if reason is not None and strict:
        raise not_compilable(reason)
    return reason is not None


def _finite(a: np.ndarray) -> bool:
    """True if every entry of the float64 array ``a`` is finite."""
    return bool(np.isfinite(a).all())


def _plain(a) -> bool:
    return (type(a) is np.ndarray and a.dtype == np.float64 and a.ndim >= 1
            and a.flags.c_contiguous)


def _points(y) -> int:
    """k, the number of points of ydata (a per-start marker's: the last axis)."""
    return (y.array if isinstance(y, PerStart) else y).shape[-1]


def _initial(model, p0, bounds) -> np.ndarray:
    """``p0`` as an array, or the default start: ones for the positional parameters of
    ``model`` after x (within ``bounds``, as SciPy: the middle of a finite interval, 1 inside
    a half-bounded one)."""
    if p0 is None and bounds is not None:
        p = _initial(model, None, None)
        box = bounds_arrays(bounds, p.shape)
        if box is None:
            return p
        lb, ub = box
        p = np.where(np.isfinite(lb), lb + 1.0, p)
        p = np.where(np.isfinite(ub), ub - 1.0, p)
        both = np.isfinite(lb) & np.isfinite(ub)
        with np.errstate(invalid="ignore"):  # inf - inf where unbounded: not used
            return np.where(both, 0.5 * (lb + ub), p)
    if p0 is not None:
        p = np.array(p0, dtype=np.float64)
        if p.ndim not in (1, 2) or p.size == 0:
            raise ValueError(f"p0 must have shape (n,) or (m, n), got shape {p.shape}")
        return p
    return np.ones(fit_parameters(model))


def _array(value, name: str) -> np.ndarray | PerStart:
    if isinstance(value, PerStart):
        return per_start(np.ascontiguousarray(value.array, dtype=np.float64))
    arr = np.ascontiguousarray(value, dtype=np.float64)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array, got a scalar {value!r}")
    return arr


def _data(xdata, ydata, sigma, m, check_finite: bool) -> tuple:
    """xdata, ydata and the weights 1/sigma as float64 (per-start markers kept), after
    checking that their lengths agree (naming the arguments and their shapes)."""
    x, y = _array(xdata, "xdata"), _array(ydata, "ydata")
    if check_finite:
        for name, a in (("xdata", x), ("ydata", y)):
            arr = a.array if isinstance(a, PerStart) else a
            if not _finite(arr):
                bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
                raise ValueError(
                    f"{name} must be finite (check_finite=True, as SciPy's curve_fit): "
                    f"{name}[{bad[0] if len(bad) == 1 else bad}] = {arr[bad]}; pass "
                    "check_finite=False to fit it as it is")
    per = {"xdata": isinstance(x, PerStart), "ydata": isinstance(y, PerStart)}
    x_len = (x.array if per["xdata"] else x).shape[-1]
    y_arr = y.array if per["ydata"] else y
    if y_arr.ndim != (2 if per["ydata"] else 1):
        raise ValueError(f"ydata must have shape {'(m, k)' if per['ydata'] else '(k,)'}, got "
                         f"shape {y_arr.shape}")
    k = y_arr.shape[-1]
    if x_len != k:
        raise ValueError(
            f"xdata and ydata must have the same number k of points (the last axis): xdata "
            f"has shape {(x.array if per['xdata'] else x).shape}, ydata has shape "
            f"{y_arr.shape}")
    w = UNWEIGHTED if sigma is None else _weights(_array(sigma, "sigma"), k)
    if isinstance(y, PerStart) and m is None:
        raise ValueError("ydata is marked per_start, but p0 has shape (n,): give p0 of "
                         "shape (m, n), one row of initial parameters per curve")
    return x, y, w


def _weights(s, k: int):
    """The weights of ``sigma``: ``1 / sigma`` (1-D), or the lower Cholesky factor of a
    covariance matrix (2-D), per start under a ``per_start`` marker."""
    per = isinstance(s, PerStart)
    arr = s.array if per else s
    dims = arr.ndim - per
    if dims not in (1, 2) or arr.shape[per:] != (k,) * dims:
        raise ValueError(
            f"sigma must have shape (k,) = ({k},) or ({k}, {k}) (a covariance matrix), with a "
            f"leading axis m under per_start; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("sigma must contain finite values")
    if dims == 1:
        if not np.all(arr > 0):
            raise ValueError("sigma must contain positive finite values")
        w = 1.0 / arr
    else:
        try:
            w = np.linalg.cholesky(arr)
        except np.linalg.LinAlgError as exc:
            raise ValueError("sigma of shape (k, k) must be a symmetric positive definite "
                             "covariance matrix: its Cholesky factorization failed") from exc
    return per_start(w) if per else np.ascontiguousarray(w)


def _check_model(model_obj, plain, mask, p0, n, strict=False) -> float:
    """Evaluate the model once at the first p0 and check what it returns against ydata, the
    first time a model meets these shapes of xdata and ydata and this n (not counted in
    ``nfev``; ``strict``: jit=True, a TypeError where it does not compile). Returns the unit
    roundoff of the model's values (float32's for a float32 model: the automatic
    finite-difference step must follow it; the residuals are float64)."""
    x, y, params = _first_point(plain, mask, p0)
    key = ("curve_fit checked", x.shape, y.shape, n)
    if key in model_obj.drivers:
        return model_obj.drivers[key]
    extra = keywords_after(model_obj, n)
    try:
        value = model_obj.call(x, params + extra, strict)
    except TypeError:  # Numba failed, and the Python engine was given ``extra`` too
        if not extra or model_obj.failed(OBJECTIVE, params + extra) is None:
            raise
        value = model_obj.python_f(x, *params)
    shape = np.shape(value)
    if shape != y.shape:
        raise ValueError(
            f"model(xdata, *p0) must return one value per point of ydata, shape {y.shape}; "
            f"it returned shape {shape} (xdata of shape {x.shape}, {n} parameters)")
    model_obj.drivers[key] = eps = precision_eps(np.asarray(value).dtype)
    return eps


def _first_point(plain, mask, p0) -> tuple:
    """xdata and ydata of the first problem (row 0 of per-start data) and its parameters as
    a tuple of floats: where the model and its jac are first evaluated."""
    x = plain[0][0] if mask[0] else plain[0]
    y = plain[1][0] if mask[1] else plain[1]
    p = p0[0] if p0.ndim == 2 else p0
    return x, y, tuple(float(v) for v in p)


def _check_jac(jac_obj, plain, mask, p0, n) -> None:
    """Evaluate ``jac`` once at the first p0 for these shapes of xdata and ydata and this n
    (not counted in ``njev``): it must return (k, n); a compile failure is recorded."""
    x, y, params = _first_point(plain, mask, p0)
    key = ("curve_fit jac checked", x.shape, y.shape, n)
    if key in jac_obj.drivers:
        return
    shape = np.shape(jac_obj.call(x, params + keywords_after(jac_obj, n)))
    if shape != (y.shape[0], n):
        raise ValueError(
            f"jac(xdata, *p0) must return the Jacobian of the model, shape (k, n) = "
            f"{(y.shape[0], n)}; it returned shape {shape}")
    jac_obj.drivers[key] = True


def unpacker(f, n: int, python: bool, extra: tuple = ()):
    """``call(x, p, ())`` -> ``f(x, p[0], ..., p[n-1], *extra)`` (:func:`_keywords`),
    compiled unless ``python``: a chain of n small functions, each appending one parameter
    to the tuple it passes on, which Numba inlines into one another (``inline="always"``):
    separately compiled, the n calls cost about 80 ns per evaluation of a 6-parameter model
    (Lanczos1: 343 against 266 ns), and compiling them took longer (0.84 against 0.30 s for
    6 parameters, 2.6 against 0.55 s for 20)."""
    compile_ = (lambda fn: fn) if python else _jit.jit_inline
    if n == 0:
        def call_all(x, p, given):
            return f(x, *(given + extra))

        return compile_(call_all)
    inner = unpacker(f, n - 1, python, extra)

    def call_next(x, p, given):
        return inner(x, p, given + (p[len(given)],))

    return compile_(call_next)


UNWEIGHTED = np.empty(0)
"""The weights ``w`` of a fit without sigma: none (the residuals are ``model - y`` as they
are, not multiplied by ones)."""


def weigh(d, w, out, col):
    """Column ``col`` of ``out`` (a vector: ``col`` ignored) = the weighted ``d``: ``d * w``
    for 1-D weights ``w = 1 / sigma``, ``d`` itself for no weights (:data:`UNWEIGHTED`), or
    ``L**-1 d`` (forward substitution) for the lower Cholesky factor ``w = L`` of a 2-D
    ``sigma`` (SciPy's conventions); ``d`` may be ``out``. Compiled: the overload below."""
    target = out if np.ndim(out) == 1 else out[:, col]
    if np.ndim(w) == 1:
        target[:] = d if w.shape[0] == 0 else d * w
        return
    for i in range(d.shape[0]):
        target[i] = (d[i] - w[i, :i] @ target[:i]) / w[i, i]


@overload(weigh)
def _weigh_jit(d, w, out, col):
    one_d = out.ndim == 1
    if w.ndim == 1:
        if one_d:
            def scale(d, w, out, col):
                unweighted = w.shape[0] == 0
                for i in range(d.shape[0]):
                    out[i] = d[i] if unweighted else d[i] * w[i]
        else:
            def scale(d, w, out, col):
                unweighted = w.shape[0] == 0
                for i in range(d.shape[0]):
                    out[i, col] = d[i] if unweighted else d[i] * w[i]
        return scale
    if one_d:
        def solve(d, w, out, col):
            for i in range(d.shape[0]):
                acc = d[i]
                for j in range(i):
                    acc -= w[i, j] * out[j]
                out[i] = acc / w[i, i]
    else:
        def solve(d, w, out, col):
            for i in range(d.shape[0]):
                acc = d[i]
                for j in range(i):
                    acc -= w[i, j] * out[j, col]
                out[i, col] = acc / w[i, i]
    return solve


def make_residuals(call):
    def residuals(p, x, y, w):
        v = as_real_vector(call(x, p, ()), y.shape[0])
        out = np.empty(y.shape[0])
        np.subtract(v, y, out)
        if w.size != 0:  # (UNWEIGHTED: the difference as it is)
            weigh(out, w, out, 0)  # in place: each value is read before it is written
        return out

    return residuals


def make_jacobian(call):
    def jacobian(p, x, y, w):
        jm = call(x, p, ())
        out = np.empty((y.shape[0], p.shape[0]))
        for j in range(p.shape[0]):
            weigh(np.ascontiguousarray(jm[:, j]), w, out, j)
        return out

    return jacobian


def residuals_of(obj, n: int, jacobian: bool = False, python: bool = False):
    """The weighted residuals (or their Jacobian, from the model's) of a model's Objective
    with n parameters, kept on it; on the Python engine with ``python`` or that engine."""
    python = python or obj.engine == "python"
    key = ("curve_fit", n, jacobian, python)
    fn = obj.drivers.get(key)
    if fn is None:
        with _LOCK:
            fn = obj.drivers.get(key)
            if fn is None:
                call = (unpacker(obj.python_f, n, True) if python
                        else unpacker(obj.callable, n, False, keywords_after(obj, n)))
                source = (make_jacobian if jacobian else make_residuals)(call)
                fn = source if python else _jit.jit(source)
                obj.drivers[key] = fn
    return fn


def covariance(res, n: int, absolute_sigma: bool) -> np.ndarray:
    """SciPy's ``pcov`` of each fit: ``pinv(J' J)`` of the weighted Jacobian at the solution
    by its SVD (singular values at or below ``eps max(k, n) s_max`` dropped), times ``2 cost
    / (k - n)`` unless ``absolute_sigma``; inf where it cannot be estimated (``lm_linalg``)."""
    J = res["jac"]
    if J.ndim == 2:
        out = np.empty((n, n))
        if not covariance_into(J, res["cost"], absolute_sigma, out):
            _warn_covariance()
        return out
    out = np.empty((J.shape[0], n, n))
    estimated = [covariance_into(J[i], c, absolute_sigma, out[i])
                 for i, c in enumerate(res["cost"].tolist())]
    if not all(estimated):
        _warn_covariance()
    return out


def _warn_covariance() -> None:
    warnings.warn("Covariance of the parameters could not be estimated (k <= n without "
                  "absolute_sigma, a non-finite Jacobian, or a Jacobian of rank below n at "
                  "popt: the data do not determine every parameter): pcov is inf",
                  FastgradWarning, stacklevel=4)


def _check_success(res, m) -> None:
    if m is None:
        if not res["success"]:
            raise RuntimeError(f"Optimal parameters not found: {res.message}")
        return
    failed = np.flatnonzero(~np.asarray(res.success))
    if failed.size:
        warnings.warn(f"{failed.size} of {m} fits did not succeed (rows "
                      f"{failed[:10].tolist()}{'...' if failed.size > 10 else ''}): see "
                      "result.message with full_output=True", FastgradWarning, stacklevel=3)
