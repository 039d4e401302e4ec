"""What the transformation classes share: the error, the types of a compiled
step, the string helpers, and Args, the parameter parser of the C code
(tr_parse_nparam, tr_parse_sparam) that every class compiler reads its
parameters with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Union

from ...syntax.ints import wrap32
from ...syntax.pvspec import PVSpec, SpecError, Transformation, parse_spec_at
from ..values import StrInt, Value, has_int, has_str, int_of

Step = Callable[[Value, object], Value]
Getter = Callable[[object], Union[int, str, None]]


class TransformError(ValueError):
    """A bad or unknown transformation, or bad parameters (found at load time)."""


WS = " \t\r\n"                                  # is_ws()
DIGITS = "0123456789"
HEXDIGITS = frozenset("0123456789abcdefABCDEF")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def str_of(value: Value) -> str:
    """The string form of a (non-NULL) value; ints print in decimal."""
    kind = type(value)
    if kind is str:
        return value
    return str.__str__(value) if kind is StrInt else str(int_of(value))


def ascii_lower(s: str) -> str:
    """ASCII-only lower case (strncasecmp, tolower in the C locale)."""
    return s.translate(_LOWER)


def _int_param(value: Value) -> Union[int, None]:
    """A numeric parameter's variable must have an int form."""
    return int_of(value) if has_int(value) else None


def _str_param(value: Value) -> Union[str, None]:
    """A string parameter's variable must have a non-empty string form."""
    return (str_of(value) or None) if has_str(value) else None


def _getter(arg: Union[int, str, PVSpec], host, convert: Callable[[Value], object]) -> Getter:
    """A parameter: a constant as given, or a variable read and converted."""
    if not isinstance(arg, PVSpec):
        return lambda ctx: arg
    read = host.compile_read(arg)
    return lambda ctx: convert(read(ctx))


# --------------------------------------------------------------------------- parameter parsing

NO_WS, WS_OK, WS_RBRACKET = range(3)            # enum tr_parse_sparam_mode


class Args:
    """The text of one transformation after "class.", as the C parsers see it:
    followed by the closing '}' (which is what *p finds at the end)."""

    def __init__(self, step: Transformation, host):
        self.step = step
        self.rest = step.rest
        self.buf = step.rest + "}"
        self.end = len(step.rest)
        self.host = host

    def error(self, what: str) -> TransformError:
        return TransformError(f"{what} in {self.step.text}")

    def at(self, p: int) -> str:
        return self.buf[p] if p < len(self.buf) else "\0"

    def skip_ws(self, p: int) -> int:
        while p < self.end and self.buf[p] in WS:
            p += 1
        return p

    def name(self, stops: str = ",}") -> tuple[str, int]:
        """The transformation name (trimmed) and the index of the stop char."""
        p = 0
        while p < self.end and self.buf[p] not in stops:
            p += 1
        return self.rest[:p].strip(WS), p

    def expect(self, p: int, char: str = ",") -> int:
        if self.at(p) != char:
            raise self.error(f"expected '{char}'")
        return p + 1

    def spec(self, p: int) -> tuple[PVSpec, int]:
        try:
            return parse_spec_at(self.rest, p)
        except SpecError as err:
            raise self.error(f"invalid variable parameter ({err})") from None

    def nparam(self, p: int) -> tuple[Union[int, PVSpec], int]:
        """tr_parse_nparam(): a variable or [+-] [ws] digits."""
        p = self.skip_ws(p)
        ch = self.at(p)
        if ch == "$":
            return self.spec(p)
        if ch not in "+-" and ch not in DIGITS:
            raise self.error("invalid parameter")
        sign = -1 if ch == "-" else 1
        if ch in "+-":
            p = self.skip_ws(p + 1)
        n = 0
        while p < self.end and self.buf[p] in DIGITS:
            n = n * 10 + ord(self.buf[p]) - 48
            p += 1
        return wrap32(sign * n), p

    def sparam(self, p: int, mode: int = NO_WS) -> tuple[Union[str, PVSpec], int]:
        """tr_parse_sparam(): a variable, or text up to an unescaped ',' (or '}')."""
        p = self.skip_ws(p)
        if self.at(p) == "$":
            return self.spec(p)
        start = p
        while p < self.end and (mode != NO_WS or self.buf[p] not in WS):
            ch = self.buf[p]
            if (ch == "," or (ch == "}" and mode != WS_RBRACKET)) and (
                    p == start or self.buf[p - 1] != "\\"):
                break
            p += 1
        return self.rest[start:p], p

    def int_arg(self, arg: Union[int, PVSpec]) -> Getter:
        return _getter(arg, self.host, _int_param)

    def str_arg(self, arg: Union[str, PVSpec]) -> Getter:
        return _getter(arg, self.host, _str_param)

    def only_str_param(self, p: int) -> Getter:
        """The getter of the one string parameter after the ',' at p."""
        arg, _ = self.sparam(self.expect(p))
        return self.str_arg(arg)

    def only_int_param(self, p: int) -> Getter:
        """The getter of the one numeric parameter after the ',' at p."""
        arg, _ = self.nparam(self.expect(p))
        return self.int_arg(arg)


Compiler = Callable[[Args, int], Step]


def simple(step: Step) -> Compiler:
    """A transformation without parameters (anything after the name is ignored)."""
    return lambda args, p: step


def list_index(items: tuple, i: int):
    """An element by index, negative from the end; None when out of range."""
    return items[i] if -len(items) <= i < len(items) else None
