"""Step-size policy of the finite-difference schemes: the public name of
:mod:`fastgrad.diff.steps`, where it is written (see there)."""

from .diff.steps import *  # noqa: F401,F403
from .diff.steps import __doc__  # noqa: F401
