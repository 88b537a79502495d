"""What the signature of a ``curve_fit`` model says: how many parameters it fits (as SciPy
counts them, :func:`fit_parameters`) and what a compiled model takes by position after them
(:func:`keywords_after`: Numba binds keyword-only parameters by position)."""

from __future__ import annotations

import inspect

from .._core.objective import OBJECTIVE


def fit_parameters(model) -> int:
    """n, the number of fit parameters of ``model(x, p1, ..., pn)`` read from its signature:
    its positional parameters after x (keyword-only ones with defaults and ``**kwargs`` are
    not fitted). ValueError naming p0 where the signature cannot tell."""
    try:  # n as SciPy counts it: keyword-only parameters and **kwargs are not fitted
        sig = inspect.signature(model)
    except (TypeError, ValueError) as exc:
        raise ValueError("p0 is needed: the number of fit parameters cannot be read from the "
                         "signature of model") from exc
    params = sig.parameters.values()
    n = sum(q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD) for q in params) - 1
    if (n < 1 or any(q.kind is q.VAR_POSITIONAL for q in params)
            or any(q.kind is q.KEYWORD_ONLY and q.default is q.empty for q in params)):
        raise ValueError(f"p0 is needed unless model is model(x, p1, ..., pn), its fit "
                         f"parameters named and positional (keyword-only ones with defaults); "
                         f"got model{sig}")
    return n


def keywords_after(obj, n: int, strict: bool | None = None) -> tuple:
    """What a compiled model (or jac) takes by position after its n parameters where it has
    keyword-only ones (Numba binds those by position, without their defaults): the defaults
    of its positional parameters after the n given, then its keyword-only defaults; () on
    the Python engine or without keyword-only parameters. TypeError, as Python's, where n
    does not fit the positional parameters (Numba would bind a value to the wrong one).
    With ``strict`` given, a model taking ``**kwargs``, which Numba cannot bind, goes to the
    Python engine after the usual warning (TypeError if ``strict``)."""
    if obj.engine == "python":
        return ()
    kept = obj.drivers.get("curve_fit keywords")
    if kept is None:
        try:
            params = list(inspect.signature(obj.python_f).parameters.values())
        except (TypeError, ValueError):
            params = []
        positional = [q.default for q in params[1:]
                      if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)]
        kept = obj.drivers["curve_fit keywords"] = (
            tuple(q.default for q in params if q.kind is q.KEYWORD_ONLY),
            any(q.kind is q.VAR_KEYWORD for q in params), positional,
            any(q.kind is q.VAR_POSITIONAL for q in params))
    keyword_only, var_keyword, positional, var_positional = kept
    probe = (0.0,) * n + keyword_only
    if strict is not None and var_keyword and obj.failed(OBJECTIVE, probe) is None:
        obj.recover(TypeError(f"{obj.name} takes **kwargs, which Numba cannot bind"), strict,
                    OBJECTIVE, probe)
    if not keyword_only:
        return ()
    rest = positional[n:]
    if (n > len(positional) and not var_positional) or any(
            d is inspect.Parameter.empty for d in rest):
        raise TypeError(f"{obj.name} takes {len(positional)} positional parameter(s) after x "
                        f"({sum(d is inspect.Parameter.empty for d in positional)} without a "
                        f"default; its keyword-only ones are not fitted), got p0 of {n} "
                        "value(s)")
    return tuple(rest) + keyword_only
