"""The optional peers (SciPy, numdifftools, JAX), imported on first use, and the machine and
versions that a report names."""

from __future__ import annotations

import importlib
import os
import platform
import warnings

import numba
import numpy as np

import fastgrad

INSTALL_HINT = "pip install 'fastgrad[bench]'"

_PEERS: dict = {}


def peer(name: str):
    """The module of the optional peer ``name`` (scipy, numdifftools, jax), or None.

    JAX is switched to float64 (``jax_enable_x64``) so that it computes what the others do.
    """
    if name not in _PEERS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
                if name == "jax":
                    module.config.update("jax_enable_x64", True)
                    importlib.import_module("jax.numpy")
                elif name == "scipy":
                    importlib.import_module("scipy.optimize")
        except ImportError:
            module = None
        _PEERS[name] = module
    return _PEERS[name]


def not_installed(name: str) -> str:
    return f"{name}: not installed ({INSTALL_HINT})"


def versions() -> dict:
    """Versions of Python, the core libraries and every peer (None: not installed)."""
    out = {"python": platform.python_version(), "numpy": np.__version__,
           "numba": numba.__version__, "fastgrad": fastgrad.__version__}
    for name in ("scipy", "numdifftools", "jax"):
        module = peer(name)
        out[name] = getattr(module, "__version__", "?") if module is not None else None
    return out


def machine() -> dict:
    """The machine a report was measured on: CPU, cores, load, threads and :func:`versions`."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except (OSError, AttributeError):
        load = None
    return {"platform": platform.platform(), "machine": platform.machine(), "cpu": cpu,
            "load_average": load,
            "cores": os.cpu_count(), "numba_threads": numba.config.NUMBA_NUM_THREADS,
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            **versions()}
