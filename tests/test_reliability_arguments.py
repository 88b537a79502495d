"""Bad arguments fail at once, with a message that says what to fix.

One table of bad calls across every public function and the command line. Each row gives the
call, the exception type and a regular expression that the message must match: the argument's
name, the rule it broke and the value it got (the valid choices, for a name). Each call must
raise before anything is computed and print nothing (no output from compiled code).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import fastgrad
from fastgrad import cli, problems

F2 = problems.function_2  # x0**2 + x1**2
G2 = problems.function_2_grad
SEED = problems.seed_poly_a  # a scalar function for derivative
X2 = np.array([3.0, 4.0])
SCHEMES = r"'forward', 'backward', 'central', 'central4', 'complex' \(or SciPy's '2-point', " \
          r"'3-point', 'cs'\)"
METHODS = r"'gd', 'momentum', 'nesterov', 'adam', 'lbfgs', 'bfgs'"
REAL = r"must be an array of real numbers \(float or int\), got"


def wrong_length_grad(x):
    return np.zeros(3)


def minimize(x0=X2, f=F2, **kw):
    """``fastgrad.minimize`` on the Python engine (validation comes before any compilation)."""
    return lambda: fastgrad.minimize(f, x0, jit=False, **kw)


BAD_CALLS = [
    # ---- derivative -----------------------------------------------------------------------
    ("derivative f not callable", lambda: fastgrad.derivative(3, 1.0),
     TypeError, r"f must be callable, got int 3"),
    ("derivative x 4-d", lambda: fastgrad.derivative(SEED, np.zeros((1, 1, 1, 1))),
     ValueError, r"x must have shape \(\) or \(n,\) or \(m, n\) or \(l, m, n\), got shape "
                 r"\(1, 1, 1, 1\)"),
    ("derivative x empty", lambda: fastgrad.derivative(SEED, []),
     ValueError, r"x must not be empty, got shape \(0,\)"),
    ("derivative x complex", lambda: fastgrad.derivative(SEED, 1j),
     TypeError, rf"x {REAL} complex dtype complex128: 1j"),
    ("derivative x nan scalar", lambda: fastgrad.derivative(SEED, np.nan),
     ValueError, r"x must be finite, got nan$"),
    ("derivative x inf in array", lambda: fastgrad.derivative(SEED, [0.0, -np.inf]),
     ValueError, r"x must be finite, got -inf at index 1"),
    ("derivative x string", lambda: fastgrad.derivative(SEED, "1.0"),
     TypeError, rf"x {REAL} string dtype <U3: '1.0'"),
    ("derivative unknown method", lambda: fastgrad.derivative(SEED, 1.0, method="five"),
     ValueError, rf"method must be one of {SCHEMES}, got 'five'"),
    ("derivative step zero", lambda: fastgrad.derivative(SEED, 1.0, step=0),
     ValueError, r"step must be a positive finite float or None, got 0"),
    ("derivative args list", lambda: fastgrad.derivative(SEED, 1.0, args=[1]),
     TypeError, r"args must be a tuple of extra arguments for f, got list \[1\]"),
    ("derivative unknown keyword", lambda: fastgrad.derivative(SEED, 1.0, stepsize=1e-3),
     TypeError, r"unexpected keyword argument 'stepsize'"),
    # ---- gradient -------------------------------------------------------------------------
    ("gradient f not callable", lambda: fastgrad.gradient("F2", X2),
     TypeError, r"f must be callable, got str 'F2'"),
    ("gradient x 3-d", lambda: fastgrad.gradient(F2, np.zeros((2, 2, 2))),
     ValueError, r"x must have shape \(n,\) or \(m, n\), got shape \(2, 2, 2\)"),
    ("gradient x scalar", lambda: fastgrad.gradient(F2, 1.0),
     ValueError, r"x must have shape \(n,\) or \(m, n\), got shape \(\)"),
    ("gradient x empty rows", lambda: fastgrad.gradient(F2, np.empty((3, 0))),
     ValueError, r"x must not be empty, got shape \(3, 0\)"),
    ("gradient x inf", lambda: fastgrad.gradient(F2, [1.0, np.inf]),
     ValueError, r"x must be finite, got inf at index 1"),
    ("gradient x nan in a batch", lambda: fastgrad.gradient(F2, [[1.0, 2.0], [np.nan, 0.0]]),
     ValueError, r"x must be finite, got nan at index \(1, 0\)"),
    ("gradient x ragged lists", lambda: fastgrad.gradient(F2, [[1.0, 2.0], [3.0]]),
     TypeError, r"x must be an array of real numbers, got \[\[1.0, 2.0\], \[3.0\]\]: nested "
                r"sequences must have equal lengths"),
    ("gradient x object array", lambda: fastgrad.gradient(F2, np.array([1.0, None], object)),
     TypeError, rf"x {REAL} object dtype object: array\(\[1.0, None\], dtype=object\)"),
    ("gradient x booleans", lambda: fastgrad.gradient(F2, [True, False]),
     TypeError, rf"x {REAL} boolean dtype bool: \[True, False\]"),
    ("gradient x complex", lambda: fastgrad.gradient(F2, [1.0, 2j]),
     TypeError, rf"x {REAL} complex dtype complex128: \[1.0, 2j\]"),
    ("gradient x dict", lambda: fastgrad.gradient(F2, {"a": 1.0}),
     TypeError, rf"x {REAL} object dtype object: \{{'a': 1.0\}}"),
    ("gradient unknown method", lambda: fastgrad.gradient(F2, X2, method="centre"),
     ValueError, rf"method must be one of {SCHEMES}, got 'centre'"),
    ("gradient method not a string", lambda: fastgrad.gradient(F2, X2, method=None),
     ValueError, rf"method must be one of {SCHEMES}, got None"),
    ("gradient step negative", lambda: fastgrad.gradient(F2, X2, step=-1e-3),
     ValueError, r"step must be a positive finite float or None, got -0.001"),
    ("gradient step nan", lambda: fastgrad.gradient(F2, X2, step=np.nan),
     ValueError, r"step must be a positive finite float or None, got nan"),
    ("gradient step wrong length", lambda: fastgrad.gradient(F2, X2, step=[1e-3] * 3),
     ValueError, r"step must be None, a positive float or an array of shape \(2,\), got shape "
                 r"\(3,\)"),
    ("gradient step array with zero", lambda: fastgrad.gradient(F2, X2, step=[1e-3, 0.0]),
     ValueError, r"step must contain positive finite values, got \[0.001, 0.0\]"),
    ("gradient step string", lambda: fastgrad.gradient(F2, X2, step="big"),
     TypeError, r"step must be None, a positive float or an array of 2 positive floats, got "
                r"'big'"),
    ("gradient step bool", lambda: fastgrad.gradient(F2, X2, step=True),
     TypeError, r"step must be None, a positive float or an array of 2 positive floats, got "
                r"bool True"),
    ("gradient args array", lambda: fastgrad.gradient(F2, X2, args=np.ones(2)),
     TypeError, r"args must be a tuple of extra arguments for f, got ndarray"),
    ("gradient jit not a bool", lambda: fastgrad.gradient(F2, X2, jit="yes"),
     TypeError, r"jit must be None, True or False, got 'yes'"),
    ("gradient unknown keyword", lambda: fastgrad.gradient(F2, X2, setp=1e-3),
     TypeError, r"unexpected keyword argument 'setp'"),
    # ---- jacobian -------------------------------------------------------------------------
    ("jacobian x 2-d", lambda: fastgrad.jacobian(F2, np.zeros((2, 2))),
     ValueError, r"x must have shape \(n,\), got shape \(2, 2\)"),
    ("jacobian method not a string", lambda: fastgrad.jacobian(F2, X2, method=2),
     ValueError, rf"method must be one of {SCHEMES}, got 2"),
    ("jacobian x nan", lambda: fastgrad.jacobian(F2, [np.nan, 1.0]),
     ValueError, r"x must be finite, got nan at index 0"),
    ("jacobian step zero", lambda: fastgrad.jacobian(F2, X2, step=0.0),
     ValueError, r"step must be a positive finite float or None, got 0.0"),
    ("jacobian f not callable", lambda: fastgrad.jacobian(None, X2),
     TypeError, r"f must be callable, got NoneType None"),
    # ---- hessian --------------------------------------------------------------------------
    ("hessian has no method", lambda: fastgrad.hessian(F2, X2, method="central"),
     TypeError, r"unexpected keyword argument 'method'"),
    ("hessian x empty", lambda: fastgrad.hessian(F2, []),
     ValueError, r"x must not be empty, got shape \(0,\)"),
    ("hessian x batch", lambda: fastgrad.hessian(F2, [[1.0, 2.0]]),
     ValueError, r"x must have shape \(n,\), got shape \(1, 2\)"),
    ("hessian step -inf", lambda: fastgrad.hessian(F2, X2, step=-np.inf),
     ValueError, r"step must be a positive finite float or None, got -inf"),
    ("hessian args string", lambda: fastgrad.hessian(F2, X2, args="data"),
     TypeError, r"args must be a tuple of extra arguments for f, got str 'data'"),
    # ---- grad -----------------------------------------------------------------------------
    ("grad f not callable", lambda: fastgrad.grad(None),
     TypeError, r"f must be callable, got NoneType None"),
    ("grad unknown method", lambda: fastgrad.grad(F2, method="fwd"),
     ValueError, rf"method must be one of {SCHEMES}, got 'fwd'"),
    ("grad step zero", lambda: fastgrad.grad(F2, step=0.0),
     ValueError, r"step must be a positive finite float or None, got 0.0"),
    ("grad args list", lambda: fastgrad.grad(F2, args=[1.0]),
     TypeError, r"args must be a tuple of extra arguments for f, got list \[1.0\]"),
    # ---- check_grad -----------------------------------------------------------------------
    ("check_grad grad not callable", lambda: fastgrad.check_grad(F2, "G2", X2),
     TypeError, r"grad must be callable, got str 'G2'"),
    ("check_grad x nan", lambda: fastgrad.check_grad(F2, G2, [np.nan, 1.0]),
     ValueError, r"x must be finite, got nan at index 0"),
    ("check_grad wrong-length grad", lambda: fastgrad.check_grad(F2, wrong_length_grad, X2),
     ValueError, r"grad must return an array of shape \(2,\), got shape \(3,\)"),
    ("check_grad unknown method", lambda: fastgrad.check_grad(F2, G2, X2, method="exact"),
     ValueError, rf"method must be one of {SCHEMES}, got 'exact'"),
    # ---- minimize -------------------------------------------------------------------------
    ("minimize f not callable", minimize(f=3, method="gd"),
     TypeError, r"f must be callable, got int 3"),
    ("minimize x0 3-d", minimize(np.zeros((2, 2, 2))),
     ValueError, r"x0 must have shape \(n,\) or \(m, n\), got shape \(2, 2, 2\)"),
    ("minimize x0 empty", minimize([]),
     ValueError, r"x0 must not be empty, got shape \(0,\)"),
    ("minimize x0 nan", minimize([1.0, np.nan]),
     ValueError, r"x0 must be finite, got nan at index 1"),
    ("minimize x0 inf in a batch", minimize([[1.0, 2.0], [np.inf, 0.0]]),
     ValueError, r"x0 must be finite, got inf at index \(1, 0\)"),
    ("minimize x0 complex", minimize([1j, 2.0]),
     TypeError, rf"x0 {REAL} complex dtype complex128: \[1j, 2.0\]"),
    ("minimize x0 string", minimize("abc"),
     TypeError, rf"x0 {REAL} string dtype <U3: 'abc'"),
    ("minimize x0 None", minimize(None),
     TypeError, rf"x0 {REAL} object dtype object: None"),
    ("minimize x0 ragged lists", minimize([[1.0, 2.0], [3.0]]),
     TypeError, r"x0 must be an array of real numbers, got \[\[1.0, 2.0\], \[3.0\]\]: nested"),
    ("minimize unknown method", minimize(method="newton"),
     ValueError, rf"method must be None or one of {METHODS}, got 'newton'"),
    ("minimize unknown jac scheme", minimize(jac="five-point", method="gd"),
     ValueError, rf"jac must be one of {SCHEMES}, got 'five-point'; or 'auto', or pass a "
                 "callable"),
    ("minimize jac not callable", minimize(jac=3, method="gd"),
     TypeError, r"jac must be None, 'auto', a finite-difference scheme name or a callable "
                r"jac\(x, \*args\), got int 3"),
    ("minimize lr zero", minimize(lr=0, method="gd"),
     ValueError, r"lr must be a positive finite float, got 0$"),
    ("minimize lr negative", minimize(lr=-0.1, method="gd"),
     ValueError, r"lr must be a positive finite float, got -0.1"),
    ("minimize lr inf", minimize(lr=np.inf, method="gd"),
     ValueError, r"lr must be a positive finite float, got inf"),
    ("minimize lr string", minimize(lr="0.1", method="gd"),
     TypeError, r"lr must be a positive finite float, got str '0.1'"),
    ("minimize lr bool", minimize(lr=True, method="gd"),
     TypeError, r"lr must be a positive finite float, got bool True"),
    ("minimize gtol negative", minimize(gtol=-1e-6, method="gd"),
     ValueError, r"gtol must be a finite float >= 0, got -1e-06"),
    ("minimize gtol nan", minimize(gtol=np.nan, method="gd"),
     ValueError, r"gtol must be a finite float >= 0, got nan"),
    ("minimize max_iter zero", minimize(max_iter=0, method="gd"),
     ValueError, r"max_iter must be an integer >= 1, got 0"),
    ("minimize max_iter negative", minimize(max_iter=-5, method="gd"),
     ValueError, r"max_iter must be an integer >= 1, got -5"),
    ("minimize max_iter inf", minimize(max_iter=np.inf, method="gd"),
     TypeError, r"max_iter must be an integer >= 1, got float inf"),
    ("minimize max_iter fractional", minimize(max_iter=1.5, method="gd"),
     TypeError, r"max_iter must be an integer >= 1, got float 1.5"),
    ("minimize max_time zero", minimize(max_time=0, method="gd"),
     ValueError, r"max_time must be None or a positive finite number of seconds, got 0$"),
    ("minimize max_time negative", minimize(max_time=-1.0, method="gd"),
     ValueError, r"max_time must be None or a positive finite number of seconds, got -1.0"),
    ("minimize max_time inf", minimize(max_time=float("inf"), method="gd"),
     ValueError, r"max_time must be None or a positive finite number of seconds, got inf"),
    ("minimize max_time string", minimize(max_time="10", method="gd"),
     TypeError, r"max_time must be None or a positive finite number of seconds, got str '10'"),
    ("minimize step zero", minimize(step=0.0, method="gd"),
     ValueError, r"step must be a positive finite float or None, got 0.0"),
    ("minimize args list", minimize(args=[1], method="gd"),
     TypeError, r"args must be a tuple of extra arguments for f, got list \[1\]"),
    ("minimize misspelt keyword", minimize(setp=1e-3, method="gd"),
     TypeError, r"minimize got an unexpected keyword argument 'setp'; did you mean 'step'\?"),
    ("minimize SciPy's maxiter", minimize(maxiter=10, method="gd"),
     TypeError, r"unexpected keyword argument 'maxiter'; did you mean 'max_iter'\?"),
    ("minimize unknown method option", minimize(method="adam", beta=0.9),
     TypeError, r"unknown option 'beta' for method 'adam'; valid options for 'adam': 'beta1', "
                r"'beta2', 'eps'"),
    ("minimize option out of range", minimize(method="momentum", momentum=1.5),
     ValueError, r"momentum must be a float in \[0, 1\), got 1.5"),
    ("minimize callback not callable", minimize(callback=3, method="gd"),
     TypeError, r"callback must be callable, got int 3"),
    ("minimize history not a bool", minimize(history="yes", method="gd"),
     TypeError, r"history must be True or False, got 'yes'"),
    ("minimize jit not a bool", lambda: fastgrad.minimize(F2, X2, jit=1.0, method="gd"),
     TypeError, r"jit must be None, True or False, got 1.0"),
]

CLI_CALLS = [
    ("cli x0 nan", ["minimize", "x[0]**2", "--x0", "nan"],
     r"x0 must be finite, got nan at index 0"),
    ("cli max-iter zero", ["minimize", "x[0]**2", "--x0", "1", "--max-iter", "0"],
     r"max_iter must be an integer >= 1, got 0"),
    ("cli gtol negative", ["minimize", "x[0]**2", "--x0", "1", "--gtol", "-1"],
     r"gtol must be a finite float >= 0, got -1.0"),
    ("cli lr inf", ["minimize", "x[0]**2", "--x0", "1", "--method", "gd", "--lr", "inf"],
     r"lr must be a positive finite float, got inf"),
    ("cli max-time zero", ["minimize", "x[0]**2", "--x0", "1", "--max-time", "0"],
     r"max_time must be None or a positive finite number of seconds, got 0.0"),
    ("cli unknown option", ["minimize", "x[0]**2", "--x0", "1", "--option", "beta1=0.9"],
     r"unknown option 'beta1' for method 'lbfgs'; valid options for 'lbfgs': 'memory', 'c1', "
     r"'c2', 'max_linesearch'"),
    ("cli option out of range",
     ["minimize", "x[0]**2", "--x0", "1", "--option", "memory=0"],
     r"memory must be an integer >= 1, got 0"),
]

CLI_PARSER_CALLS = [  # rejected by argparse itself (exit status 2, usage and message)
    ("cli unknown method", ["minimize", "x[0]**2", "--x0", "1", "--method", "newton"],
     r"argument --method: invalid choice: 'newton' \(choose from 'gd', 'momentum', "
     r"'nesterov', 'adam', 'lbfgs', 'bfgs'\)"),
    ("cli unknown scheme", ["minimize", "x[0]**2", "--x0", "1", "--jac", "five"],
     r"argument --jac: invalid choice: 'five' \(choose from 'auto', 'forward', 'backward', "
     r"'central'"),
    ("cli max-iter not a number", ["minimize", "x[0]**2", "--x0", "1", "--max-iter", "ten"],
     r"argument --max-iter: invalid int value: 'ten'"),
    ("cli max-time not a number", ["minimize", "x[0]**2", "--x0", "1", "--max-time", "soon"],
     r"argument --max-time: invalid float value: 'soon'"),
]

TOTAL_BAD_CALLS = len(BAD_CALLS) + len(CLI_CALLS) + len(CLI_PARSER_CALLS)


def test_the_table_has_at_least_forty_bad_calls_over_every_entry_point():
    assert TOTAL_BAD_CALLS >= 40
    names = {row[0].split()[0] for row in BAD_CALLS}
    assert names == {"derivative", "gradient", "jacobian", "hessian", "grad", "check_grad",
                     "minimize"}
    assert len({row[0] for row in BAD_CALLS + CLI_CALLS + CLI_PARSER_CALLS}) == TOTAL_BAD_CALLS


@pytest.mark.parametrize(("call", "error", "match"), [row[1:] for row in BAD_CALLS],
                         ids=[row[0] for row in BAD_CALLS])
def test_a_bad_call_raises_at_once_naming_the_argument_the_rule_and_the_value(
        call, error, match, capfd):
    with pytest.raises(error, match=match) as info:
        call()
    assert type(info.value) in (TypeError, ValueError)  # not a subclass from deep inside
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # nothing printed, from Python or compiled code


@pytest.mark.parametrize(("argv", "match"), [row[1:] for row in CLI_CALLS],
                         ids=[row[0] for row in CLI_CALLS])
def test_a_bad_command_line_exits_2_with_the_message(argv, match, capfd):
    assert cli.main(argv) == 2
    out, err = capfd.readouterr()
    assert out == ""
    assert err.startswith("fastgrad minimize: error: ")
    assert re.search(match, err), err


@pytest.mark.parametrize(("argv", "match"), [row[1:] for row in CLI_PARSER_CALLS],
                         ids=[row[0] for row in CLI_PARSER_CALLS])
def test_a_command_line_argparse_rejects_exits_2_with_the_choices(argv, match, capfd):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    out, err = capfd.readouterr()
    assert out == "" and re.search(match, err), err


def test_the_callers_arrays_are_untouched_by_a_rejected_call():
    x0 = np.array([[1.0, 2.0], [np.nan, 0.0]])
    step = np.array([1e-3, -1.0])
    before = (x0.copy(), step.copy())
    with pytest.raises(ValueError):
        fastgrad.minimize(F2, x0, jit=False, method="gd")
    with pytest.raises(ValueError):
        fastgrad.gradient(F2, X2, step=step)
    np.testing.assert_array_equal(x0, before[0])
    np.testing.assert_array_equal(step, before[1])
