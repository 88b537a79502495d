"""Optimization: the options of a call (:mod:`.options`), the compiled loop (:mod:`.loop`)
and its driver (:mod:`.driver`), the methods as (init, update) (:mod:`.methods`), chunks
between Python and the loop (:mod:`.chunks`), the result and its status table
(:mod:`.result`, :mod:`.report`), batches over workers (:mod:`.batch`) and the public
:func:`minimize` (:mod:`.api`); least squares: the Levenberg-Marquardt kernel (:mod:`.lm`,
:mod:`.lm_linalg`), its result (:mod:`.lsq_report`), the public :func:`least_squares` and
:func:`curve_fit`, and the per-start marker of batches (:mod:`.per_start`)."""

from .api import minimize
from .curve_fit import curve_fit
from .least_squares import least_squares
from .per_start import per_start
from .result import OptimizeResult

__all__ = ["OptimizeResult", "curve_fit", "least_squares", "minimize", "per_start"]
