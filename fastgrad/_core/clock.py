"""A monotonic clock that compiled code can read: how ``minimize(max_time=)`` keeps its
deadline inside a compiled chunk.

:func:`clock` is a plain Python function (the Python engine calls it as it is) with a Numba
overload that reads the very same clock from compiled code, without the GIL and without
allocating: ``clock_gettime(CLOCK_MONOTONIC)`` on POSIX, ``QueryPerformanceCounter`` on
Windows. A read costs about 30 ns compiled (150 ns from Python); the driver reads it only every
so many evaluations of f (:func:`fastgrad.optimize.loop.make_single`), so a run without ``max_time``
never reads it and one with it pays well under 1%.
"""

from __future__ import annotations

import ctypes
import sys
import time

import llvmlite.binding as llvm
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic, overload

_F64 = ir.DoubleType()
_I64 = ir.IntType(64)
_I32 = ir.IntType(32)

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    _kernel32 = ctypes.windll.kernel32
    _count = ctypes.c_int64()
    _kernel32.QueryPerformanceFrequency(ctypes.byref(_count))
    _TICK = 1.0 / _count.value
    llvm.add_symbol("QueryPerformanceCounter",
                    ctypes.cast(_kernel32.QueryPerformanceCounter, ctypes.c_void_p).value)

    def clock() -> float:
        """Seconds on a monotonic clock (the one compiled code reads)."""
        value = ctypes.c_int64()
        _kernel32.QueryPerformanceCounter(ctypes.byref(value))
        return value.value * _TICK

    def _read(builder):
        ticks = cgutils.alloca_once(builder, _I64)
        query = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(_I32, [_I64.as_pointer()]),
            "QueryPerformanceCounter")
        builder.call(query, [ticks])
        return builder.fmul(builder.sitofp(builder.load(ticks), _F64),
                            ir.Constant(_F64, _TICK))
else:
    _CLOCK_ID = time.CLOCK_MONOTONIC
    llvm.add_symbol("clock_gettime",
                    ctypes.cast(ctypes.CDLL(None).clock_gettime, ctypes.c_void_p).value)

    def clock() -> float:
        """Seconds on a monotonic clock (the one compiled code reads)."""
        return time.clock_gettime(_CLOCK_ID)

    def _read(builder):
        timespec = ir.LiteralStructType([_I64, _I64])  # time_t, long: LP64
        spec = cgutils.alloca_once(builder, timespec)
        gettime = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(_I32, [_I32, timespec.as_pointer()]),
            "clock_gettime")
        builder.call(gettime, [ir.Constant(_I32, _CLOCK_ID), spec])
        seconds = builder.sitofp(builder.load(cgutils.gep_inbounds(builder, spec, 0, 0)), _F64)
        nanoseconds = builder.sitofp(builder.load(cgutils.gep_inbounds(builder, spec, 0, 1)),
                                     _F64)
        return builder.fadd(seconds, builder.fmul(nanoseconds, ir.Constant(_F64, 1e-9)))


@intrinsic
def _compiled_clock(typingctx):
    def codegen(context, builder, signature, args):
        return _read(builder)

    return types.float64(), codegen


@overload(clock)
def _clock_jit():
    return lambda: _compiled_clock()
