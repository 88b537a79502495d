"""Scheme codes and names: the vocabulary the validation and every kernel share.

The step policy of each scheme is :mod:`fastgrad.diff.steps`.
"""

from __future__ import annotations

# Scheme codes, as the kernels see them.
FORWARD = 0
BACKWARD = 1
CENTRAL = 2
CENTRAL4 = 3
COMPLEX = 4
HESSIAN = 5

SCHEME_CODES = {
    "forward": FORWARD,
    "backward": BACKWARD,
    "central": CENTRAL,
    "central4": CENTRAL4,
    "complex": COMPLEX,
}
"""Public scheme names and their codes."""

SCHEME_ALIASES = {"2-point": "forward", "3-point": "central", "cs": "complex"}
"""SciPy's names, accepted so that code migrates unchanged."""
