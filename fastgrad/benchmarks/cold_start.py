"""The cold-start workload: a fresh process imports a tool and differentiates a new
objective; the child scripts (:data:`COLD_CHILD`) time themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import fastgrad

from .contenders import Contender, Workload
from .peers import not_installed, peer
from .sizes import SIZES

COLD_CHILD = {
    "fastgrad": r"""
import json, time
t0 = time.perf_counter()
import numpy as np
import fastgrad
t1 = time.perf_counter()
def f(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s
fastgrad.gradient(f, np.linspace(-1.0, 2.0, 10))
t2 = time.perf_counter()
def f2(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += (x[i] - 1.0) ** 2 * (i + 1.0)
    return s
fastgrad.gradient(f2, np.linspace(-1.0, 2.0, 10))
t3 = time.perf_counter()
def f3(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
fastgrad.gradient(f3, np.linspace(-1.0, 2.0, 10))
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first call": t2 - t1, "total": t2 - t0,
                  "next new objective (loop)": t3 - t2,
                  "next new objective (numpy style)": t4 - t3}))
""",
    "scipy": r"""
import json, time
t0 = time.perf_counter()
import numpy as np
from scipy.optimize import approx_fprime
t1 = time.perf_counter()
def f(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
approx_fprime(np.linspace(-1.0, 2.0, 10), f, 1.49e-8)
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first call": t2 - t1, "total": t2 - t0}))
""",
    "jax": r"""
import json, time
t0 = time.perf_counter()
import numpy as np
import jax, jax.numpy as jnp
jax.config.update("jax_enable_x64", True)
t1 = time.perf_counter()
def f(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
jax.jit(jax.grad(f))(jnp.linspace(-1.0, 2.0, 10)).block_until_ready()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first call": t2 - t1, "total": t2 - t0}))
""",
    "numba": r"""
import json, time
t0 = time.perf_counter()
import numpy as np
import numba
t1 = time.perf_counter()
@numba.njit
def f(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s
@numba.njit
def grad(x, rel):
    x = x.copy()
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        xi = x[i]
        h = rel * max(1.0, abs(xi))
        h = (xi + h) - xi
        x[i] = xi + h
        fp = f(x)
        x[i] = xi - h
        fm = f(x)
        x[i] = xi
        out[i] = (fp - fm) / (2.0 * h)
    return out
grad(np.linspace(-1.0, 2.0, 10), 6e-6)
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first call": t2 - t1, "total": t2 - t0}))
""",
}
COLD_CONTENDERS = ["fastgrad", "scipy", "jax", "numba"]
_COLD_NAMES = {"fastgrad": "fastgrad: import + first gradient",
               "scipy": "scipy: import + first approx_fprime",
               "jax": "jax: import + first jit(grad) call",
               "numba": "numba floor: import + compile + call"}


def _child_env() -> dict:
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


def cold_child(tool: str) -> dict:
    """Run the cold-start script of ``tool`` in a fresh process; its own timings, seconds."""
    done = subprocess.run([sys.executable, "-c", COLD_CHILD[tool]], capture_output=True,
                          text=True, env=_child_env(), check=False)
    if done.returncode != 0:
        raise RuntimeError(f"cold start of {tool} failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cold_workload(size: str) -> Workload:
    runs = SIZES[size].cold_runs
    w = Workload("cold-start", "cold start: fresh process, import + first call on a new "
                 f"objective (median of {runs})", "cold", _COLD_NAMES["fastgrad"],
                 params={"runs": runs}, error="")
    for tool in COLD_CONTENDERS:
        name = _COLD_NAMES[tool]
        if tool in ("scipy", "jax") and peer(tool) is None:
            w.contenders.append(Contender(name, tool, skip=not_installed(tool)))
            continue
        w.contenders.append(Contender(
            name, tool, lambda t=tool: cold_child(t),
            lambda out: {"nfev": None, "error": None, "parts": out}, heavy=True, rounds=runs,
            seconds=lambda out: out["total"], long=tool != "fastgrad"))
    return w
