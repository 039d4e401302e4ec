"""The re.subst transformation: a sed-like /regex/replacement/flags expression
(subst_parser, subst_run) applied to the value, the expression a constant or
held in a variable.

The regex is glibc's (runtime/regex), with the registers regexec() fills:
as many as the highest \\N of the replacement needs. NAMES maps the name to
its compiler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Union

from ...syntax.pvspec import SpecError, parse_spec_at
from ..regex import Regex, RegexError, Spans, compile_regex
from ..values import Value, from_bytes, to_bytes
from .common import WS_RBRACKET, Args, Getter, Step, str_of


class _BadSubst(Exception):
    pass


# --------------------------------------------------------------------------- subst expressions

ReplItem = Union[bytes, int, Callable]


class Subst:
    """A compiled /regex/replacement/flags expression (subst_parser)."""

    def __init__(self, regex: Regex, replacement: tuple[ReplItem, ...], every: bool):
        self.regex = regex
        self.replacement = replacement
        self.every = every
        self.nmatch = 1 + max((item for item in replacement if type(item) is int), default=0)

    def expand(self, subject: bytes, spans: Spans, ctx: object) -> bytes:
        out = []
        for item in self.replacement:
            if type(item) is bytes:
                out.append(item)
            elif type(item) is int:
                start, end = spans[item]
                if start != -1:
                    out.append(subject[start:end])
            else:
                value = item(ctx)
                out.append(to_bytes(str_of(value)) if value is not None else b"")
        return b"".join(out)

    def apply(self, data: bytes, ctx: object) -> Union[bytes, None, bool]:
        """The substituted bytes; False when nothing matched; None on an error
        (an empty match). Like subst_run(), each search runs on the rest of the
        subject, so word boundaries see a fresh start there; '^' matches at that
        start only after a newline or a carriage return (REG_NOTBOL otherwise)."""
        data = data.split(b"\0", 1)[0]                  # the C code works up to a NUL
        pieces: list[bytes] = []
        pos, at_bol = 0, True
        while True:
            rest = data[pos:]
            spans = self.regex.spans(rest, self.nmatch, notbol=not at_bol)
            if spans is None:
                break
            start, end = spans[0]
            if start == end:
                return None
            pieces += (rest[:start], self.expand(rest, spans, ctx))
            pos += end
            at_bol = data[pos - 1:pos] in (b"\n", b"\r")
            if not self.every:
                break
        if not pieces:
            return False
        pieces.append(data[pos:])
        return b"".join(pieces)


def _unescape_braces(data: bytes) -> bytes:
    """tr_eval_re(): "\\{" and "\\}" lose their backslash; a trailing '\\' is dropped."""
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i] == 92:
            if i + 1 >= len(data):
                break
            if data[i + 1] in b"{}":
                i += 1
        out.append(data[i])
        i += 1
    return bytes(out)


_REPL_CHARS = {ord("\\"): b"\\", ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t",
               ord("$"): b"$", ord("u"): b""}      # \u: the request URI; there is none


def _parse_replacement(data: bytes, p: int, host) -> tuple[tuple[ReplItem, ...], int]:
    """parse_repl(): from the separator at p to the next unescaped one."""
    sep = data[p]
    items: list[ReplItem] = []
    literal = bytearray()
    p += 1
    while p < len(data):
        c = data[p]
        if c == 92 and p + 1 < len(data):
            c = data[p + 1]
            p += 2
            if 48 <= c <= 57:
                items += (bytes(literal), c - 48)
                literal.clear()
            else:
                literal += _REPL_CHARS.get(c, bytes([c]))
            continue
        if c == 36:                                             # '$': a variable
            rest = from_bytes(data[p:])
            spec, end = parse_spec_at(rest, 0)
            try:
                read = host.compile_read(spec)
            except Exception:           # whatever the host refuses: a bad expression
                raise _BadSubst from None
            items += (bytes(literal), read)
            literal.clear()
            p += len(to_bytes(rest[:end]))
            continue
        if c == sep:
            items.append(bytes(literal))
            return tuple(item for item in items if item != b""), p
        if c != 92:
            literal.append(c)
        p += 1
    raise _BadSubst                                             # missing separator


def _compile_subst(expr: str, host) -> Union[Subst, None]:
    """subst_parser() on the text after tr_eval_re's brace un-escaping."""
    data = _unescape_braces(to_bytes(expr))
    if len(data) < 3 or data[0] == 92:
        return None
    sep = data[0]
    p = 1
    while p < len(data) and not (data[p] == sep and data[p - 1] != 92):
        p += 1
    if len(data) < p + 2:
        return None
    pattern = data[1:p].split(b"\0", 1)[0]
    try:
        replacement, p = _parse_replacement(data, p, host)
        flags = set(data[p + 1:])
        if not flags <= set(b"isg"):
            return None
        regex = compile_regex(from_bytes(pattern), icase=ord("i") in flags,
                              newline=ord("s") not in flags)
    except (_BadSubst, SpecError, RegexError):
        return None
    return Subst(regex, replacement, ord("g") in flags)


def _dynamic_subst(get_expr: Getter, host) -> Callable[[object], Union[Subst, None]]:
    """An expression held in a variable, compiled when it changes (OpenSIPS keeps
    the last one too)."""
    last: list = [None, None]

    def get(ctx: object) -> Union[Subst, None]:
        expr = get_expr(ctx)
        if expr is None:
            return None
        if expr != last[0]:
            last[:] = [expr, _compile_subst(expr, host)]
        return last[1]
    return get


def _c_re_subst(args: Args, p: int) -> Step:
    expr, _ = args.sparam(args.expect(p), WS_RBRACKET)
    if isinstance(expr, str):
        constant = _compile_subst(expr, args.host)
        get_subst: Callable[[object], Union[Subst, None]] = lambda ctx: constant  # noqa: E731
    else:
        get_subst = _dynamic_subst(args.str_arg(expr), args.host)

    def step(value: Value, ctx: object) -> Value:
        s = str_of(value)
        subst = get_subst(ctx) if s else None
        if subst is None:
            return None
        result = subst.apply(to_bytes(s), ctx)
        if result is False:
            return value                # no match: the value is left as it was
        return None if result is None else from_bytes(result)
    return step


NAMES = {"subst": _c_re_subst}
