"""Tests of the ``fastgrad`` command line."""

import os
import subprocess
import sys

import numpy as np
import pytest

from fastgrad import cli

ROSENBROCK = "(1 - x[0])**2 + 100*(x[1] - x[0]**2)**2"


def test_demo_prints_both_results_the_speedup_and_the_verdict(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert out.count("[ 1.00000001  0.50038973 -3.99942566]") == 2  # reference and fastgrad
    assert "speedup:" in out and "first call" in out
    assert "did not converge: maximum number of iterations reached (max_iter=500)" in out
    assert "method='lbfgs'" in out and "converged after" in out


def test_demo_with_a_learning_rate_that_diverges(capsys):
    assert cli.main(["demo", "--lr", "1.1", "--steps", "3000"]) == 0
    assert "diverged at iteration" in capsys.readouterr().out


def test_minimize_an_expression(capsys):
    assert cli.main(["minimize", ROSENBROCK, "--x0", "-1.2", "1"]) == 0
    out = capsys.readouterr().out
    assert "converged after" in out and "success: True" in out
    x = out.split("x: [")[1].split("]")[0].split()
    np.testing.assert_allclose([float(v) for v in x], [1.0, 1.0], atol=1e-6)


def test_minimize_with_options_and_an_exit_status_for_no_convergence(capsys):
    argv = ["minimize", "x[0]**2 + sin(x[1])", "--x0=-3,4", "--method", "momentum",
            "--lr", "0.01", "--max-iter", "5", "--option", "momentum=0.5"]
    assert cli.main(argv) == 1
    assert "did not converge" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["minimize", "x[0] +", "--x0", "1"], "EXPR is not a valid Python expression"),
        (["minimize", "x[0] + y", "--x0", "1"], "EXPR cannot be evaluated at x0"),
        (["minimize", "x", "--x0", "1", "2"], "EXPR must give a number"),
        (["minimize", "x[0]**2", "--x0", "one"], "--x0 must be numbers, got 'one'"),
        (["minimize", "x[0]**2", "--x0", "1", "--option", "memory"],
         "--option must be NAME=VALUE, got 'memory'"),
        (["minimize", "x[0]**2", "--x0", "1", "--option", "memory=lots"],
         "--option memory must be a number, got 'lots'"),
        (["minimize", "x[0]**2", "--x0", "1", "--option", "beta1=0.9"],
         "unknown option 'beta1' for method 'lbfgs'"),
        (["minimize", "x[0]**2", "--x0", "1", "--lr", "-1", "--method", "gd"],
         "lr must be a positive finite float, got -1.0"),
    ],
)
def test_bad_input_exits_with_status_2_and_a_message(argv, message, capsys):
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err


def test_argparse_errors_exit_with_status_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["minimize", "x[0]**2"])
    assert exc.value.code == 2 and "--x0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main([])


def test_subcommands_are_registered_with_argparse_subparsers():
    parser = cli.build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    assert {"demo", "minimize"} <= set(action.choices)


def test_python_dash_m_fastgrad():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "fastgrad", "--help"], capture_output=True,
                          text=True, env=env, check=False)
    assert done.returncode == 0
    assert "demo" in done.stdout and "minimize" in done.stdout
