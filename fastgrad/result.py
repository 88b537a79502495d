"""The result of :func:`fastgrad.minimize` and its status codes: the public name of
:mod:`fastgrad.optimize.result`, where they are defined (see there)."""

from .optimize.result import *  # noqa: F401,F403
from .optimize.result import __doc__  # noqa: F401
