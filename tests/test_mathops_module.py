"""mathops' strtod() range errors against glibc's own, through ctypes (what
the module logs is checked in tests/test_module_logs.py)."""

from __future__ import annotations

import ctypes
import ctypes.util

from cfgscript.modules.mathops_eval import strtod

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
_libc.strtod.restype = ctypes.c_double
_libc.strtod.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]
_libc.__errno_location.restype = ctypes.POINTER(ctypes.c_int)
ERANGE = 34


def _glibc(text: str) -> tuple[float, bool]:
    _libc.__errno_location()[0] = 0
    value = _libc.strtod(text.encode(), None)
    return value, _libc.__errno_location()[0] == ERANGE


def test_strtod_range_errors_as_glibc() -> None:
    texts = ["1e-310", "1e-400", "1e400", "-1e400", "0.0", "0e-999", "2.2250738585072014e-308",
             "2.225073858507201e-308", "0x1p-1074", "0x1.8p-1070", "0x1p-1080", "4.9e-324",
             "1e308", "0x1p1024", "123.5e-2", "0x10", "7"]
    for text in texts:
        parsed = strtod(text)
        assert (parsed.value, parsed.out_of_range) == _glibc(text), text
