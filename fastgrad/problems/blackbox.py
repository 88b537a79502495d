"""Objectives for the Python engine only (``jit=False``): they call Python (``time.sleep``),
so Numba cannot compile them, and they stand in no table."""

import numpy as np


def sleepy_sphere(x, seconds=0.02):
    """``sum(x**2)`` after sleeping ``seconds``: an expensive black box (Python engine only).

    Module-level so that process pools and Dask workers can unpickle it; used by the
    scale-out tests and benchmarks (``workers=``).
    """
    import time

    time.sleep(seconds)
    x = np.asarray(x)
    return np.sum(x * x)  # a complex sum for the complex step
