"""Borrowed views: fastgrad's own work arrays without reference counting, for hot loops.

Numba counts references to every array it passes around: each view a compiled function
makes, each argument of an inlined helper, is an atomic increment and decrement of its
owner's counter (``NRT_incref`` / ``NRT_decref``), and Numba's pruning of such pairs gives up
around loops with several exits, which is what an optimization loop is. Measured on the seeds'
example (gd, n = 3, ``bench/embed_floor.py``): 8 such pairs per iteration, about 60 % of the
loop's time.

:func:`borrowed` returns a view of an array (the same data, shape and strides) that has no
owner to count, as Numba's own views of foreign memory (``numba.carray``) have none. It is
safe where the array it views is held by the caller for as long as the view is used and the
view does not escape: the single-start loop of :mod:`fastgrad.optimize.loop` takes borrowed
views of the rows of its state arrays, which its caller holds for the whole call, and passes
them only to fastgrad's own kernels. The user's objective never receives one (it is given x,
an owned view).

On the Python engine :func:`borrowed` returns its argument.
"""

from __future__ import annotations

from numba.core import types
from numba.extending import intrinsic, overload
from numba.np.arrayobj import make_array, populate_array


def borrowed(arr):
    """``arr`` itself in Python; in compiled code a view of it without an owner (see the
    module's docstring for when that is safe)."""
    return arr


@intrinsic
def _ownerless_view(typingctx, arr):
    if not isinstance(arr, types.Array):
        return None
    sig = arr(arr)

    def codegen(context, builder, signature, args):
        src = make_array(signature.args[0])(context, builder, value=args[0])
        view = make_array(signature.return_type)(context, builder)
        populate_array(view, data=src.data, shape=src.shape, strides=src.strides,
                       itemsize=src.itemsize, meminfo=None)
        return view._getvalue()

    return sig, codegen


@overload(borrowed, inline="always")
def _borrowed(arr):
    if isinstance(arr, types.Array):
        return lambda arr: _ownerless_view(arr)
    return None
