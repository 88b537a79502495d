"""Upper limits of count options, seen from the user's side.

A count too large for the compiled loops (``max_iter``, ``max_nfev``, ``max_linesearch``) or
an L-BFGS ``memory`` too large to allocate is refused up front with a ``ValueError`` that
names the argument, the limit and the value given, at every entry point that takes it.
An objective whose output length changes is refused on either engine.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import fastgrad
from fastgrad import cli

TOO_MANY = [pytest.param(2**62 + 1, id="2**62+1"), pytest.param(2**63, id="2**63"),
            pytest.param(10**30, id="10**30"), pytest.param(10**400, id="10**400")]
"""Counts above the limit 2**62: just above it, past int64, past float64."""


def bowl(x):
    return np.sum((x - 1.0) ** 2)


def residuals(p):
    return p - np.array([1.0, 2.0])


def line(x, a, b):
    return a * x + b


def _limit_message(name: str, value: int, limit: str) -> str:
    """The pattern of the refusal: the argument, the rule with its limit, the value given."""
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77]
    return rf"{name} must be an integer >= 1 and <= {re.escape(limit)}.*got {re.escape(shown)}"


@pytest.mark.parametrize("value", TOO_MANY)
@pytest.mark.parametrize("max_time", [None, 10.0])
def test_minimize_refuses_a_max_iter_above_the_limit(value, max_time):
    with pytest.raises(ValueError, match=_limit_message("max_iter", value, "2**62")):
        fastgrad.minimize(bowl, np.zeros(2), max_iter=value, max_time=max_time)


@pytest.mark.parametrize("value", [2**63, 10**30])
def test_every_minimizer_entry_point_refuses_a_max_iter_above_the_limit(value):
    pattern = _limit_message("max_iter", value, "2**62")
    with pytest.raises(ValueError, match=pattern):
        fastgrad.compile_minimizer(bowl, max_iter=value)
    with pytest.raises(ValueError, match=pattern):
        fastgrad.multistart(bowl, ([-1.0, -1.0], [2.0, 2.0]), n_starts=2, max_iter=value)
    with pytest.raises(ValueError, match=pattern):
        fastgrad.minimize(bowl, np.zeros((3, 2)), max_iter=value)  # a batch


def test_the_limit_itself_is_accepted():
    res = fastgrad.minimize(bowl, np.zeros(2), max_iter=2**62, max_time=10.0)
    assert res.success
    solve = fastgrad.compile_minimizer(bowl, max_iter=2**62)
    assert solve(np.zeros(2)).status == 0
    fit = fastgrad.least_squares(residuals, np.zeros(2), max_nfev=2**62)
    assert fit.success


def test_the_command_line_refuses_a_max_iter_above_the_limit(capsys):
    argv = ["minimize", "x[0]**2", "--x0", "1", "--max-iter", str(2**63)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert re.search(_limit_message("max_iter", 2**63, "2**62"), err), err


@pytest.mark.parametrize("value", TOO_MANY[1::2])
def test_least_squares_entry_points_refuse_a_max_nfev_above_the_limit(value):
    pattern = _limit_message("max_nfev", value, "2**62")
    with pytest.raises(ValueError, match=pattern):
        fastgrad.least_squares(residuals, np.zeros(2), max_nfev=value)
    with pytest.raises(ValueError, match=pattern):
        fastgrad.compile_least_squares(residuals, max_nfev=value)
    xdata = np.arange(5.0)
    with pytest.raises(ValueError, match=pattern):
        fastgrad.curve_fit(line, xdata, 2.0 * xdata + 1.0, max_nfev=value)


@pytest.mark.parametrize("value", [10**4 + 1, 10**12, 2**63])
def test_lbfgs_refuses_a_memory_it_could_not_use(value):
    pattern = _limit_message("memory", value, "10000")
    with pytest.raises(ValueError, match=pattern):
        fastgrad.minimize(bowl, np.zeros(2), method="lbfgs", memory=value)
    with pytest.raises(ValueError, match=pattern):
        fastgrad.compile_minimizer(bowl, method="lbfgs", memory=value)


def test_lbfgs_memory_at_the_limit_runs():
    res = fastgrad.minimize(bowl, np.zeros(2), method="lbfgs", memory=10**4)
    assert res.success


def test_the_line_search_refuses_a_max_linesearch_above_the_limit():
    with pytest.raises(ValueError, match=_limit_message("max_linesearch", 2**63, "2**62")):
        fastgrad.minimize(bowl, np.zeros(2), method="bfgs", max_linesearch=2**63)


def grows(x):
    """Length 1 at x[0] == 1, else 2: forward differences see the length change."""
    return np.ones(1 if x[0] == 1.0 else 2) * x[1]


@pytest.mark.parametrize("jit", [None, False])
@pytest.mark.parametrize("method", ["forward", "central"])
def test_jacobian_refuses_an_output_that_changes_length(jit, method):
    """Either engine refuses it clearly; the Python engine names both lengths (a compiled
    message with numbers would compile Numba's string formatting into every kernel: seconds
    of cold start)."""
    x = np.array([1.0, 2.0])
    lengths = "; it returned length 2 after length 1" if jit is False else ""
    with pytest.raises(ValueError, match="the objective f must return arrays of one length"
                       + re.escape(lengths)):
        fastgrad.jacobian(grows, x, method=method, jit=jit)
