"""The table of workloads (:data:`WORKLOADS`: id -> builder and contender names) and
:func:`build`, which builds and warms one on first use."""

from __future__ import annotations

from typing import Sequence

from ..problems import MGH
from ..problems.boxed import BOXED, GLOBAL
from ..problems.nist import NAMES as NIST_NAMES
from .boxed import (
    BOX_CONTENDERS, BOX_PREFIX, MS_CONTENDERS, MS_PREFIX, box_workload, multistart_workload,
)
from .cold_start import COLD_CONTENDERS, _COLD_NAMES, _cold_workload
from .contenders import Workload
from .embedding import FITS_CONTENDERS, fits_workload
from .least_squares import (
    FITS_CONTENDERS as LSQ_FITS_CONTENDERS, NIST_CONTENDERS, NIST_PREFIX, fits_workload as
    lsq_fits_workload, nist_workload,
)
from .gradient_workloads import (
    COMPILED_CONTENDERS, GRADIENT_CONTENDERS, SLOW_CONTENDERS, _compiled_workload,
    _gradient_workload, _overhead_workload,
)
from .minimize_workloads import (
    BATCHED_CONTENDERS, LBFGS_CONTENDERS, SEED_CONTENDERS, _batched_workload, _lbfgs_workload,
    _seed_workload,
)
from .mgh20 import MGH_CONTENDERS, PREFIX, mgh_workload
from .simulation import PROCESSES, SIMULATION_CONTENDERS, simulation_workload
from .sizes import DIMS, LBFGS_DIMS


# Registry: id -> (builder(size), contender names), in the order of the report.
WORKLOADS: dict = {}
for _n in DIMS:
    WORKLOADS[f"gradient-rosen-n{_n}"] = (
        lambda size, n=_n: _gradient_workload(n, size, slow=False), GRADIENT_CONTENDERS)
for _n in DIMS:
    WORKLOADS[f"gradient-slow-n{_n}"] = (
        lambda size, n=_n: _gradient_workload(n, size, slow=True), SLOW_CONTENDERS)
for _n in DIMS:
    WORKLOADS[f"compiled-rosen-n{_n}"] = (
        lambda size, n=_n: _compiled_workload(n, size), COMPILED_CONTENDERS)
WORKLOADS["overhead-n3"] = (_overhead_workload, ["fastgrad.gradient",
                                                 "compiled 2n evaluations"])
WORKLOADS["seed-gd"] = (_seed_workload, SEED_CONTENDERS)
WORKLOADS["fits-2000"] = (fits_workload, FITS_CONTENDERS)
for _n in LBFGS_DIMS:
    WORKLOADS[f"lbfgs-rosen-n{_n}"] = (lambda size, n=_n: _lbfgs_workload(n, size),
                                       LBFGS_CONTENDERS)
WORKLOADS["batched-rastrigin"] = (_batched_workload, BATCHED_CONTENDERS)
for _name in MGH:
    WORKLOADS[PREFIX + _name] = (lambda size, name=_name: mgh_workload(name, size),
                                 MGH_CONTENDERS)
for _name in BOXED:
    WORKLOADS[BOX_PREFIX + _name] = (lambda size, name=_name: box_workload(name, size),
                                     BOX_CONTENDERS)
for _name in GLOBAL:
    WORKLOADS[MS_PREFIX + _name] = (lambda size, name=_name: multistart_workload(name, size),
                                    MS_CONTENDERS)
WORKLOADS["simulation-serial"] = (simulation_workload, SIMULATION_CONTENDERS)
WORKLOADS[f"simulation-{PROCESSES}-processes"] = (
    lambda size: simulation_workload(size, PROCESSES), SIMULATION_CONTENDERS)
for _name in NIST_NAMES:
    WORKLOADS[NIST_PREFIX + _name] = (lambda size, name=_name: nist_workload(name, size),
                                      NIST_CONTENDERS)
WORKLOADS["lsq-fits-2000"] = (lsq_fits_workload, LSQ_FITS_CONTENDERS)
WORKLOADS["cold-start"] = (_cold_workload, [_COLD_NAMES[t] for t in COLD_CONTENDERS])
del _n, _name


_BUILT: dict = {}


def build(workload_id: str, size: str = "full") -> Workload:
    """The workload ``workload_id`` at ``size``, built and warmed (compiled) on first use."""
    key = (workload_id, size)
    if key not in _BUILT:
        builder, names = WORKLOADS[workload_id]
        w = builder(size)
        assert [c.name for c in w.contenders] == list(names), (workload_id, names)
        _BUILT[key] = w
    return _BUILT[key]


def parameters(ids: Sequence[str]) -> list:
    """``(workload id, contender name)`` pairs of the workloads ``ids`` (for pytest)."""
    return [(wid, name) for wid in ids for name in WORKLOADS[wid][1]]


def parameter_id(value) -> str:
    return str(value).replace(" ", "_")
