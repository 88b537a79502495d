"""Optimization: the options of a call (:mod:`.options`), the compiled loop (:mod:`.loop`)
and its driver (:mod:`.driver`), the methods as (init, update) (:mod:`.methods`), chunks
between Python and the loop (:mod:`.chunks`), the result and its status table
(:mod:`.result`, :mod:`.report`), batches over workers (:mod:`.batch`) and the public
:func:`minimize` (:mod:`.api`)."""

from .api import minimize
from .result import OptimizeResult

__all__ = ["OptimizeResult", "minimize"]
