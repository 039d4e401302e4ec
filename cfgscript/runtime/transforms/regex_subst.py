"""The re.subst transformation: a sed-like /regex/replacement/flags expression
(subst_parser, subst_run) applied to the value, the expression a constant or
held in a variable.

Two parts: the translation of a POSIX extended regex (glibc flavour) into a
Python regex, and the subst expression itself. NAMES maps the name to its
compiler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Union

from ...syntax.pvspec import SpecError, parse_spec_at
from ..values import Value, from_bytes, to_bytes
from .common import WS_RBRACKET, Args, Getter, Step, str_of

# --------------------------------------------------------------------------- POSIX ERE translation

_POSIX_CLASSES: dict[bytes, frozenset[int]] = {
    b"alpha": frozenset(range(65, 91)) | frozenset(range(97, 123)),
    b"digit": frozenset(range(48, 58)),
    b"upper": frozenset(range(65, 91)), b"lower": frozenset(range(97, 123)),
    b"space": frozenset((32, 9, 10, 11, 12, 13)), b"blank": frozenset((32, 9)),
    b"print": frozenset(range(32, 127)), b"graph": frozenset(range(33, 127)),
    b"cntrl": frozenset(range(32)) | {127},
    b"xdigit": frozenset(b"0123456789abcdefABCDEF"),
}
_POSIX_CLASSES[b"alnum"] = _POSIX_CLASSES[b"alpha"] | _POSIX_CLASSES[b"digit"]
_POSIX_CLASSES[b"punct"] = _POSIX_CLASSES[b"graph"] - _POSIX_CLASSES[b"alnum"]
_ERE_ESCAPES = {ord("<"): rb"\b(?=\w)", ord(">"): rb"\b(?<=\w)", ord("`"): rb"\A",
                ord("'"): rb"\Z", ord("b"): rb"\b", ord("B"): rb"\B"}
_INTERVAL = re.compile(rb"\{(\d*)(,(\d*))?\}")
_RE_DUP_MAX = 0x7FFF
_ALT, _ANCHOR, _ATOM, _REPEATED = range(4)


class _EreError(Exception):
    pass


def _ere_bracket(pat: bytes, i: int, newline: bool) -> tuple[bytes, int]:
    """A POSIX bracket expression starting after '['; returns it and the end."""
    negate = pat[i:i + 1] == b"^"
    i += negate
    members: set[int] = set()
    first = True
    while True:
        if i >= len(pat):
            raise _EreError
        if pat[i] == 93 and not first:                      # ']'
            break
        first = False
        low, i = _ere_bracket_item(pat, i, members)
        if low is None:
            continue
        if pat[i:i + 1] == b"-" and pat[i + 1:i + 2] not in (b"]", b""):
            high, i = _ere_bracket_item(pat, i + 1, members)
            if high is None or high < low:
                raise _EreError
            members.update(range(low, high + 1))
        else:
            members.add(low)
    if negate and newline:
        members.add(10)             # REG_NEWLINE: a non-matching list never matches newline
    body = b"".join(b"\\x%02x" % m for m in sorted(members))
    return b"[" + (b"^" if negate else b"") + body + b"]", i + 1


def _ere_bracket_item(pat: bytes, i: int, members: set[int]) -> tuple[Union[int, None], int]:
    """One char, [.c.], [=c=] (-> its code) or [:class:] (added to members -> None)."""
    if pat[i] == 91 and pat[i + 1:i + 2] in (b":", b".", b"="):
        kind = pat[i + 1:i + 2]
        close = pat.find(kind + b"]", i + 2)
        if close < 0:
            raise _EreError
        name, i = pat[i + 2:close], close + 2
        if kind == b":":
            if name not in _POSIX_CLASSES:
                raise _EreError
            members.update(_POSIX_CLASSES[name])
            return None, i
        if len(name) != 1:
            raise _EreError
        return name[0], i
    return pat[i], i + 1


def _ere_to_python(pat: bytes, newline: bool, notbol: bool) -> bytes:
    """Translate a POSIX extended regex (glibc flavour) to a Python bytes regex.
    With notbol (REG_NOTBOL), '^' does not match at the start of the subject."""
    caret = (rb"(?<=\n)" if newline else rb"(?!)") if notbol else b"^"
    stack: list[list[tuple[bytes, int]]] = [[]]
    i = 0
    while i < len(pat):
        c = pat[i]
        items = stack[-1]
        i += 1
        if c == 92:                                                 # '\'
            if i >= len(pat):
                raise _EreError
            c = pat[i]
            i += 1
            if c in _ERE_ESCAPES:
                items.append((_ERE_ESCAPES[c], _ANCHOR))
            elif c in b"123456789":                                # a back-reference
                items.append((b"(?:\\%c)" % c, _ATOM))           # "\11": \1 then '1'
            elif c in b"wWsS":
                items.append((b"\\" + bytes([c]), _ATOM))
            else:
                items.append((re.escape(bytes([c])), _ATOM))
        elif c == 91:                                               # '['
            text, i = _ere_bracket(pat, i, newline)
            items.append((text, _ATOM))
        elif c == 40:                                               # '('
            stack.append([])
        elif c == 41 and len(stack) > 1:                            # ')'
            group = stack.pop()
            stack[-1].append((b"(" + b"".join(t for t, _ in group) + b")", _ATOM))
        elif c in b"*+?{":
            quant = bytes([c])
            if c == 123:
                quant, i = _ere_interval(pat, i - 1)
            _ere_repeat(items, quant)
        elif c == 124:                                              # '|'
            items.append((b"|", _ALT))
        elif c == 94:                                               # '^'
            items.append((caret, _ANCHOR))
        elif c == 36:                                               # '$'
            items.append((b"$" if newline else rb"\Z", _ANCHOR))
        elif c == 46:
            items.append((b".", _ATOM))
        else:
            items.append((re.escape(bytes([c])), _ATOM))
    if len(stack) > 1:
        raise _EreError
    return b"".join(t for t, _ in stack[0])


def _ere_interval(pat: bytes, i: int) -> tuple[bytes, int]:
    m = _INTERVAL.match(pat, i)
    if m is None or (not m.group(1) and m.group(2) is None):
        raise _EreError
    low = int(m.group(1) or 0)
    high = m.group(3)
    if low > _RE_DUP_MAX or (high and (int(high) < low or int(high) > _RE_DUP_MAX)):
        raise _EreError
    if m.group(2) is None:
        return b"{%d}" % low, m.end()
    return (b"{%d,%s}" % (low, high)) if high else (b"{%d,}" % low), m.end()


def _ere_repeat(items: list[tuple[bytes, int]], quant: bytes) -> None:
    if not items or items[-1][1] in (_ALT, _ANCHOR):
        raise _EreError                     # RE_CONTEXT_INVALID_OPS
    text, kind = items[-1]
    if kind == _REPEATED:
        text = b"(?:" + text + b")"         # "a**" and "a+?" are nested repeats in POSIX
    items[-1] = (text + quant, _REPEATED)


# --------------------------------------------------------------------------- subst expressions

ReplItem = Union[bytes, int, Callable]


class _Subst:
    """A compiled /regex/replacement/flags expression (subst_parser). `regexes`
    holds the regex as compiled for a subject at the beginning of a line, and
    for one that is not (REG_NOTBOL)."""

    def __init__(self, regexes: tuple[re.Pattern, re.Pattern],
                 replacement: tuple[ReplItem, ...], every: bool):
        self.regexes = regexes
        self.groups = regexes[0].groups
        self.replacement = replacement
        self.every = every

    def expand(self, m: re.Match, ctx: object) -> bytes:
        out = []
        for item in self.replacement:
            if type(item) is bytes:
                out.append(item)
            elif type(item) is int:
                if item <= self.groups and m.group(item) is not None:
                    out.append(m.group(item))
            else:
                value = item(ctx)
                out.append(to_bytes(str_of(value)) if value is not None else b"")
        return b"".join(out)

    def apply(self, data: bytes, ctx: object) -> Union[bytes, None, bool]:
        """The substituted bytes; False when nothing matched; None on an error
        (an empty match). Like subst_run(), each search runs on the rest of the
        subject, so word boundaries see a fresh start there; '^' matches at that
        start only after a newline or a carriage return."""
        data = data.split(b"\0", 1)[0]                  # the C code works up to a NUL
        pieces: list[bytes] = []
        pos, at_bol = 0, True
        while True:
            m = self.regexes[0 if at_bol else 1].search(data[pos:])
            if m is None:
                break
            if m.start() == m.end():
                return None
            pieces += (data[pos:pos + m.start()], self.expand(m, ctx))
            pos += m.end()
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
                raise _EreError from None
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
    raise _EreError                                             # missing separator


def _compile_subst(expr: str, host) -> Union[_Subst, None]:
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
        newline = ord("s") not in flags
        options = (re.IGNORECASE if ord("i") in flags else 0) | (
            re.MULTILINE if newline else re.DOTALL)
        regexes = (re.compile(_ere_to_python(pattern, newline, False), options),
                   re.compile(_ere_to_python(pattern, newline, True), options))
    except (_EreError, SpecError, re.error, OverflowError, RecursionError):
        return None
    return _Subst(regexes, replacement, ord("g") in flags)


def _dynamic_subst(get_expr: Getter, host) -> Callable[[object], Union[_Subst, None]]:
    """An expression held in a variable, compiled when it changes (OpenSIPS keeps
    the last one too)."""
    last: list = [None, None]

    def get(ctx: object) -> Union[_Subst, None]:
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
        get_subst: Callable[[object], Union[_Subst, None]] = lambda ctx: constant  # noqa: E731
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
