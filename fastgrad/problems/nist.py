"""The NIST StRD nonlinear regression problems: their models, and a loader of NIST's ``.dat``
files (data, the two starts, certified parameters, their standard deviations and the
certified residual sum of squares).

Each model is a plain function ``model(x, b1, ..., bn)`` in SciPy's ``curve_fit`` form, which
``numba.njit`` compiles; :data:`MODELS` maps a problem's name to it, as the header of its
file states it. Nelson's model is for ``log(y)`` and takes ``x`` of shape (2, k): the loader
returns ``y`` as ``log(y)`` for it.

The files are read from :data:`DATA_DIR` (``FASTGRAD_NIST_DIR`` overrides it).
"""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

import numpy as np

DATA_DIR = pathlib.Path(os.environ.get("FASTGRAD_NIST_DIR", "/work/shared/data/nist_strd"))
"""Where the ``.dat`` files are."""


def chwirut(x, b1, b2, b3):
    return np.exp(-b1 * x) / (b2 + b3 * x)


def danwood(x, b1, b2):
    return b1 * x ** b2


def enso(x, b1, b2, b3, b4, b5, b6, b7, b8, b9):
    w = 2.0 * np.pi * x
    return (b1 + b2 * np.cos(w / 12.0) + b3 * np.sin(w / 12.0)
            + b5 * np.cos(w / b4) + b6 * np.sin(w / b4)
            + b8 * np.cos(w / b7) + b9 * np.sin(w / b7))


def gauss(x, b1, b2, b3, b4, b5, b6, b7, b8):
    return (b1 * np.exp(-b2 * x) + b3 * np.exp(-(x - b4) ** 2 / b5 ** 2)
            + b6 * np.exp(-(x - b7) ** 2 / b8 ** 2))


def hahn1(x, b1, b2, b3, b4, b5, b6, b7):
    return (b1 + b2 * x + b3 * x ** 2 + b4 * x ** 3) / (1.0 + b5 * x + b6 * x ** 2 + b7 * x ** 3)


def kirby2(x, b1, b2, b3, b4, b5):
    return (b1 + b2 * x + b3 * x ** 2) / (1.0 + b4 * x + b5 * x ** 2)


def lanczos(x, b1, b2, b3, b4, b5, b6):
    return b1 * np.exp(-b2 * x) + b3 * np.exp(-b4 * x) + b5 * np.exp(-b6 * x)


def mgh17(x, b1, b2, b3, b4, b5):
    return b1 + b2 * np.exp(-x * b4) + b3 * np.exp(-x * b5)


def misra1a(x, b1, b2):
    return b1 * (1.0 - np.exp(-b2 * x))


def misra1b(x, b1, b2):
    return b1 * (1.0 - (1.0 + b2 * x / 2.0) ** (-2.0))


def misra1c(x, b1, b2):
    return b1 * (1.0 - (1.0 + 2.0 * b2 * x) ** (-0.5))


def misra1d(x, b1, b2):
    return b1 * b2 * x * ((1.0 + b2 * x) ** (-1.0))


def nelson(x, b1, b2, b3):
    return b1 - b2 * x[0] * np.exp(-b3 * x[1])


def roszman1(x, b1, b2, b3, b4):
    return b1 - b2 * x - np.arctan(b3 / (x - b4)) / np.pi


MODELS = {
    "Chwirut1": chwirut, "Chwirut2": chwirut, "DanWood": danwood, "ENSO": enso,
    "Gauss1": gauss, "Gauss2": gauss, "Gauss3": gauss, "Hahn1": hahn1, "Kirby2": kirby2,
    "Lanczos1": lanczos, "Lanczos2": lanczos, "Lanczos3": lanczos, "MGH17": mgh17,
    "Misra1a": misra1a, "Misra1b": misra1b, "Misra1c": misra1c, "Misra1d": misra1d,
    "Nelson": nelson, "Roszman1": roszman1,
}
"""Problem name -> its model ``model(x, b1, ..., bn)``."""

NAMES = tuple(MODELS)


@dataclass(frozen=True)
class NistProblem:
    """One NIST StRD problem: ``model(x, *b)`` fits ``y``; ``starts`` (2, n) are NIST's
    first and second starts; ``certified`` and ``certified_sd`` the certified parameters
    and their standard deviations; ``rss`` the certified residual sum of squares."""

    name: str
    model: object
    x: np.ndarray
    y: np.ndarray
    starts: np.ndarray
    certified: np.ndarray
    certified_sd: np.ndarray
    rss: float

    @property
    def n(self) -> int:
        return self.certified.shape[0]


def _number(text: str) -> float:
    return float(text.replace("D", "E"))


def load(name: str, data_dir=None) -> NistProblem:
    """The problem ``name`` (a key of :data:`MODELS`) from its ``.dat`` file."""
    if name not in MODELS:
        raise ValueError(f"name must be one of {', '.join(NAMES)}, got {name!r}")
    path = pathlib.Path(data_dir or DATA_DIR) / f"{name}.dat"
    lines = path.read_text().splitlines()
    params, rss = [], None
    for line in lines[:60]:
        words = line.split()
        if len(words) >= 6 and words[0].startswith("b") and words[1] == "=":
            params.append([_number(w) for w in words[2:6]])
        elif line.startswith("Residual Sum of Squares:"):
            rss = _number(words[-1])
    table = np.array(params)
    data = np.array([[_number(w) for w in line.split()] for line in lines[60:]
                     if line.strip()])
    y = data[:, 0]
    x = data[:, 1] if data.shape[1] == 2 else np.ascontiguousarray(data[:, 1:].T)
    if name == "Nelson":
        y = np.log(y)
    return NistProblem(name, MODELS[name], np.ascontiguousarray(x), np.ascontiguousarray(y),
                       np.ascontiguousarray(table[:, :2].T), table[:, 2].copy(),
                       table[:, 3].copy(), float(rss))


def load_all(data_dir=None) -> list:
    """Every problem of :data:`MODELS` whose file is present, in table order."""
    where = pathlib.Path(data_dir or DATA_DIR)
    return [load(name, where) for name in NAMES if (where / f"{name}.dat").exists()]


def significant_digits(value: np.ndarray, certified: np.ndarray) -> float:
    """The smallest number of significant digits of ``value`` that agree with
    ``certified`` (NIST's log relative error, capped at 15)."""
    err = np.abs(np.asarray(value) - certified)
    with np.errstate(divide="ignore"):
        lre = -np.log10(np.where(err == 0, 1e-16, err / np.abs(certified)))
    return float(np.min(np.minimum(lre, 15.0)))
