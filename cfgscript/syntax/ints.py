"""Integers as the language has them: C ints, 32 bits, signed.

Literals are read with strtol and cast to int, arithmetic wraps around; the
builder folds negative literals with the same rule the interpreter computes with.
"""

from __future__ import annotations

INT_MIN = -(1 << 31)
INT_MAX = (1 << 31) - 1
_INT32 = 1 << 32


def wrap32(value: int) -> int:
    """C int semantics: keep the low 32 bits, signed."""
    value &= _INT32 - 1
    return value - _INT32 if value > INT_MAX else value
