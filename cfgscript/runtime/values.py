"""The script value model (OpenSIPS pv_value_t, reduced to what scripts can see).

A value is one of:

  None     NULL
  str      a string (only a string form)
  int      a "pure" integer: a literal, an arithmetic result, a return code.
           It has no string form: "id:" + 5 is an error in OpenSIPS.
  VInt     an integer read from a variable ($var, $avp, $param, $Ts, {s.len}, ...):
           it carries both its int form and its decimal string form.
  StrInt   a string that also has an int form but is not integer-typed: an
           integer handed back by return(code, 42) through $return(i). It is
           stored as a string, but compares as an int.

Strings are Python str. Script bytes that are not UTF-8 are kept as lone
surrogates (the "surrogateescape" convention), so every byte survives a round
trip; length and offsets of the string transformations count bytes, as in C.
"""

from __future__ import annotations

from typing import Union


class VInt(int):
    """An integer value that also has a string form (its decimal text)."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "VInt(%d)" % int(self)

    def __str__(self) -> str:
        return int.__repr__(self)


class StrInt(str):
    """A string with an integer form that is not integer-typed ($return values)."""

    def __new__(cls, value: int) -> StrInt:
        obj = super().__new__(cls, str(value))
        obj.ival = value
        return obj

    @classmethod
    def with_text(cls, value: int, text: str) -> StrInt:
        """An integer whose string form is not its decimal text."""
        obj = str.__new__(cls, text)
        obj.ival = value
        return obj

    def __int__(self) -> int:
        return self.ival


Value = Union[None, str, int, VInt, StrInt]


class _NoValue:
    """An expression that produced no value (an evaluation error)."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()


def has_str(value: Value) -> bool:
    """Does the value have a string form? (strings and variable-read ints)"""
    kind = type(value)
    return kind is str or kind is VInt or kind is StrInt


def has_int(value: Value) -> bool:
    """Does the value have an integer form?"""
    kind = type(value)
    return kind is int or kind is VInt or kind is StrInt


def is_int_typed(value: Value) -> bool:
    """Integer-typed (PV_TYPE_INT): stored as an int, the left side of arithmetic."""
    kind = type(value)
    return kind is int or kind is VInt


def int_of(value: Value) -> int:
    """The integer form of a value that has one."""
    return value.ival if type(value) is StrInt else int(value)


def stored(value: Value) -> Value:
    """The value as a variable keeps it: integer-typed values become VInt,
    everything else a plain str (NULL stays None)."""
    kind = type(value)
    if kind is VInt or value is None or kind is str:
        return value
    if kind is int:
        return VInt(value)
    return str(value)


def text(value: Value) -> str:
    """How a value prints in a format string: NULL is <null>."""
    if value is None:
        return "<null>"
    kind = type(value)
    if kind is str:
        return value
    return str.__str__(value) if kind is StrInt else str(int(value))


def to_bytes(value: str) -> bytes:
    """The C bytes of a script string."""
    return value.encode("utf-8", "surrogateescape")


def from_bytes(data: bytes) -> str:
    """A script string from C bytes (stray bytes kept as surrogates)."""
    return data.decode("utf-8", "surrogateescape")


def byte_len(value: str) -> int:
    return len(value) if value.isascii() else len(to_bytes(value))
