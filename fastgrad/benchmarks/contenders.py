"""What a workload is made of: :class:`Workload`, its :class:`Contender` rows, and the
helpers that build a contender or say why it does not run."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .sizes import SIZES


@dataclass
class Contender:
    """One way of computing a workload's result: ``fn()`` (warm) and ``check(output)``.

    ``check`` returns what is recorded beside the time: ``nfev`` (evaluations of f, None
    where there are none: autodiff) and ``error`` (see the workload). ``skip`` is the reason
    the contender cannot run here (a peer not installed). ``per_call`` divides the time of
    one call (compiled loops run several gradients per call). A ``heavy`` contender is timed
    by ``heavy_rounds`` full calls with no warm-up call (its builder compiled it on a small
    input); ``seconds(output)``, when given, replaces the wall time of a call (cold start:
    the time the child process measured itself).
    """

    name: str
    peer: str
    fn: Callable[[], Any] | None = None
    check: Callable[[Any], dict] | None = None
    note: str = ""
    skip: str | None = None
    per_call: int = 1
    heavy: bool = False
    rounds: int | None = None
    seconds: Callable[[Any], float] | None = None
    tol: float | None = None  # smoke test: error must be below this
    long: bool = False        # seconds per call: skipped by --quick and the smoke test
    scale: float = 1.0        # the time is multiplied by this (a timed subset of the work)


@dataclass
class Workload:
    id: str
    title: str
    kind: str
    fastgrad: str                     # the contender that is fastgrad
    contenders: list = field(default_factory=list)
    params: dict = field(default_factory=dict)
    error: str = ""                   # what the error column means
    reference: str | None = None      # the contender the "vs reference" ratios divide
    paired: tuple = ()                # contenders timed side by side (timing.measure_together)

    def contender(self, name: str) -> Contender:
        return next(c for c in self.contenders if c.name == name)


def _rel_error(g, exact) -> float:
    g = np.asarray(g, dtype=np.float64)
    return float(np.max(np.abs(g - exact)) / max(np.max(np.abs(exact)), 1e-300))


def _counted(f):
    count = [0]

    def counted(*args):
        count[0] += 1
        return f(*args)

    return counted, count


def _python_peer(name, peer_name, make, check_out, count_with, note="", tol=None):
    """A contender that calls ``f`` from Python: ``make(f)`` returns the zero-argument call.
    Its evaluations are counted once, with a counting wrapper around ``count_with``."""

    def check(out):
        counted, count = _counted(count_with)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make(counted)()
        return {"nfev": count[0], **check_out(out)}

    return Contender(name, peer_name, make(None), check, note=note, tol=tol)


LONG = "takes seconds per call: skipped by --quick and the smoke test"


def skip_reason(contender: Contender, size: str) -> str | None:
    """Why ``contender`` does not run at ``size`` (a peer not installed, or too long)."""
    if contender.skip:
        return contender.skip
    if contender.long and SIZES[size].skip_long:
        return LONG
    return None
