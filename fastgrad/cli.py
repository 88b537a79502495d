"""The ``fastgrad`` command line (also ``python -m fastgrad``).

Subcommands::

    fastgrad demo [--lr LR] [--steps N]
    fastgrad minimize "EXPR" --x0 X0 [X0 ...] [--method M] [--jac SCHEME] [--lr LR]
                      [--max-iter N] [--gtol TOL] [--max-time SECONDS]
                      [--option NAME=VALUE ...]

Each subcommand is one ``add_<name>(subparsers)`` function that adds its parser and sets
``handler``; :data:`SUBCOMMANDS` lists them, so a new subcommand is one function and one entry.
Exit status: 0 success, 1 the minimization did not converge (time limit included), 2 bad
command line, 130 interrupted by Ctrl-C (``minimize`` then prints the result reached so far).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from typing import Callable, Sequence

import numpy as np

from . import problems, reference
from ._core.objective import FastgradWarning
from ._core.schemes import SCHEME_CODES
from .optimize.api import minimize
from .optimize.methods import METHODS
from .optimize.result import INTERRUPTED

SEED_START = (10.0, 10.0, 10.0)

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT, as shells report it)."""

_EXPRESSION_NAMES = {
    name: getattr(np, name)
    for name in (
        "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "exp",
        "log", "log1p", "expm1", "sqrt", "abs", "pi", "e",
    )
}


def _timed(fn: Callable, repeat: int = 1):
    """``(result, best time in seconds)`` of ``repeat`` calls of ``fn()``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return result, best


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1.0 else f"{seconds:.3g} s"


def run_demo(options: argparse.Namespace) -> int:
    """``minimize`` with its defaults on the seeds' example, then the seeds' own gradient
    descent by the pure-Python reference and by fastgrad, side by side."""
    f = problems.seed_quadratic3
    lr, steps = options.lr, options.steps
    x0 = np.array(SEED_START)
    print("f(x, y, z) = 2(x - 1)^2 + (y - 0.5)^2 + (z + 4)^2, minimum at (1, 0.5, -4)\n")
    best, t_first = _timed(lambda: minimize(f, x0))
    best, t_best = _timed(lambda: minimize(f, x0), repeat=5)
    print("fastgrad.minimize(f, x0) from (10, 10, 10) (default: L-BFGS, no learning rate):")
    print(f"  x = {best.x}, f = {best.fun:.3g}")
    print(f"  {best.nit} iterations, {best.nfev} evaluations of f, time {_ms(t_best)} "
          f"(first call {_ms(t_first)}, with compilation)")
    print(f"  result: {best.message}\n")
    print(f"the seeds' gradient descent from (10, 10, 10), lr = {lr:g}, {steps} steps:")
    x_ref, t_ref = _timed(lambda: reference.gradient_descent(f, x0, lr=lr, step_num=steps))
    print("reference (pure Python, central differences with h = 1e-4):")
    print(f"  x = {x_ref}    time {_ms(t_ref)}")

    def run():
        return minimize(f, x0, method="gd", lr=lr, max_iter=steps, gtol=0.0)

    _, t_first = _timed(run)
    res, t_warm = _timed(run, repeat=5)
    print(f"fastgrad.minimize(f, x0, method='gd', lr={lr:g}, max_iter={steps}, gtol=0):")
    print(f"  x = {res.x}    time {_ms(t_warm)} (first call {_ms(t_first)}, with compilation)")
    with np.errstate(all="ignore"):
        gap = float(np.max(np.abs(res.x - x_ref)))
    print(f"  max |x - x_reference| = {gap:.2g}")
    print(f"  speedup: {t_ref / t_warm:.0f}x (compiled loop vs. reference, warm)")
    print(f"  result: {res.message}")
    return 0


def add_demo(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="minimize's defaults and the seeds' gradient-descent example",
        description="Minimize 2(x-1)^2 + (y-0.5)^2 + (z+4)^2 from (10, 10, 10) with "
        "fastgrad.minimize's defaults (L-BFGS), then by the seeds' fixed-step gradient descent "
        "with the pure-Python reference and with fastgrad; print the results, the speedup "
        "and what each result says.",
    )
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")
    parser.add_argument("--steps", type=int, default=500, help="iterations (default 500)")
    parser.set_defaults(handler=run_demo)


def expression_function(expr: str) -> Callable:
    """``f(x)`` evaluating ``expr`` in ``x[0], x[1], ...`` with numpy functions."""
    namespace = {"np": np, "numpy": np, **_EXPRESSION_NAMES}
    try:
        return eval(f"lambda x: ({expr})", namespace)  # the user's own expression
    except SyntaxError as exc:
        raise ValueError(f"EXPR is not a valid Python expression: {expr!r} ({exc.msg})") from None


def _start(values: Sequence[str]) -> np.ndarray:
    """Numbers given as ``1 2 3``, ``1,2,3`` or a mix."""
    parts = [p for v in values for p in v.replace(",", " ").split()]
    try:
        return np.array([float(p) for p in parts])
    except ValueError:
        raise ValueError(f"--x0 must be numbers, got {' '.join(values)!r}") from None


def _option(text: str):
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"--option must be NAME=VALUE, got {text!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"--option {name} must be a number, got {value!r}") from None
    return name, int(number) if number.is_integer() and "." not in value else number


def run_minimize(options: argparse.Namespace) -> int:
    """Minimize EXPR from --x0 and print the result."""
    f = expression_function(options.expr)
    x0 = _start(options.x0)
    try:
        value = f(x0.copy())
    except Exception as exc:
        raise ValueError(f"EXPR cannot be evaluated at x0 = {x0}: {exc}") from None
    if np.ndim(value) != 0:
        raise ValueError(f"EXPR must give a number, got an array of shape {np.shape(value)}")
    method_options = dict(_option(text) for text in options.option)
    try:
        with warnings.catch_warnings():  # said below, in the command line's own words
            warnings.filterwarnings("ignore", "minimize was interrupted", FastgradWarning)
            res = minimize(
                f, x0, method=options.method, jac=options.jac, lr=options.lr,
                max_iter=options.max_iter, gtol=options.gtol, max_time=options.max_time,
                **method_options,
            )
    except KeyboardInterrupt:  # before the loop, or as the run ended: no result to show
        print("fastgrad minimize: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"minimize {options.expr} from x0 = {x0} (method={options.method!r})")
    print(res)
    if res.status == INTERRUPTED:
        print("fastgrad minimize: interrupted (Ctrl-C); the result above is the last iterate",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0 if res.success else 1


def add_minimize(subparsers) -> None:
    parser = subparsers.add_parser(
        "minimize",
        help="minimize an expression in x[0], x[1], ...",
        description="Minimize EXPR, a Python expression in x[0], x[1], ... that may use numpy "
        "as np and sin, cos, exp, log, sqrt, tanh, pi, ... (for example "
        "\"(1 - x[0])**2 + 100*(x[1] - x[0]**2)**2\"), and print the result.",
    )
    parser.add_argument("expr", metavar="EXPR", help="objective in x[0], x[1], ...")
    parser.add_argument("--x0", nargs="+", required=True, help="start, e.g. --x0 -1.2 1")
    parser.add_argument("--method", choices=list(METHODS), default=None,
                        help="default lbfgs (needs no learning rate)")
    parser.add_argument("--jac", choices=["auto", *SCHEME_CODES], default=None,
                        help="finite-difference scheme (default: auto for lbfgs and bfgs, "
                        "central for the others)")
    parser.add_argument("--lr", type=float, default=1e-2, help="learning rate (default 0.01)")
    parser.add_argument("--max-iter", type=int, default=1000, help="default 1000")
    parser.add_argument("--gtol", type=float, default=1e-6, help="default 1e-6")
    parser.add_argument("--max-time", type=float, default=None, metavar="SECONDS",
                        help="stop after this many seconds with the result so far (default: "
                        "no limit); Ctrl-C also stops with the result so far")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="method option, e.g. --option momentum=0.8 (repeatable)")
    parser.set_defaults(handler=run_minimize)


def add_bench(subparsers) -> None:
    from . import benchmarks

    parser = subparsers.add_parser(
        "bench",
        help="benchmarks: fastgrad against the reference and the installed peers",
        description="Run the benchmark workloads (gradients for n = 2 ... 1000, the seeds' "
        "example, L-BFGS, batched multi-start, cold start, peak memory) with fastgrad, "
        "fastgrad.reference and every installed peer (SciPy, numdifftools, JAX, a "
        "hand-written Numba loop) in one run; print medians, ratios and the goals (met / NOT "
        "met), save JSON and a speedup chart. Runs with OPENBLAS_NUM_THREADS=1 (in a child "
        "process when it is not set). Exit status 1 if a workload failed.",
    )
    benchmarks.add_arguments(parser)
    parser.set_defaults(handler=benchmarks.run_cli)


SUBCOMMANDS = [add_demo, add_minimize, add_bench]
"""Functions that add one subcommand each to the parser."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastgrad",
        description="JIT-compiled numerical differentiation and gradient-based minimization.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        return options.handler(options)
    except (ValueError, TypeError) as exc:
        print(f"fastgrad {options.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
