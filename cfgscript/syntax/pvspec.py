"""Script variable specs ("$var(x)", "$(avp(y)[-1]{s.len})") and format strings.

This is the structural parse that OpenSIPS does in pv_parse_spec() and
pv_parse_format(): it splits a spec into class name, inner name, index and
transformations. Whether the class exists, takes a name or an index is decided
later against the module catalog (check.py) and by the runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Union

MARKER = "$"
MAX_NESTING = 16    # variables within variables: $avp($var(n)), $(avp(x)[$var(i)])
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


class SpecError(ValueError):
    """A malformed variable spec; `offset` is relative to the parsed text."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Transformation:
    """One {class.rest} step; `rest` is "name[,params]" as written."""
    cls: str
    rest: str
    text: str

    @property
    def name(self) -> str:
        """'s.substr' for {s.substr,1,2}: class and name, lower-cased."""
        return (self.cls + "." + self.rest.split(",", 1)[0].strip()).lower()


Index = Union[int, str, "PVSpec", None]     # int, "*", a word ("append"), a variable, or none


@dataclass(frozen=True, slots=True)
class PVSpec:
    text: str                               # the spec as written, "$" included
    name: str                               # class name: "var", "avp", "Ts", "route.name"
    inner: Union[str, None] = None          # text inside $name(...), None without parens
    dynamic: Union[PVSpec, None] = None     # inner name given by a variable: $avp($var(n))
    index: Index = None
    index_text: Union[str, None] = None
    transforms: tuple[Transformation, ...] = ()
    context: Union[str, None] = None        # $(<request>ru): SIP only
    is_marker: bool = False                 # "$$": a literal dollar

    @property
    def has_inner(self) -> bool:
        return self.inner is not None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Format:
    """A format string split into literal text and variables."""
    parts: tuple[Union[str, PVSpec], ...]

    @property
    def is_constant(self) -> bool:
        return all(isinstance(p, str) for p in self.parts)

    @property
    def text(self) -> str:
        """The literal text of a constant format."""
        return "".join(p for p in self.parts if isinstance(p, str))

    def variables(self) -> list[PVSpec]:
        return [p for p in self.parts if isinstance(p, PVSpec)]


def _scan_balanced(text: str, pos: int, open_ch: str, close_ch: str) -> int:
    """Index of the close_ch that ends a run starting at pos (nesting aware)."""
    depth = 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch == close_ch:
            if depth == 0:
                return pos
            depth -= 1
        elif ch == open_ch:
            depth += 1
        pos += 1
    raise SpecError("unbalanced '%s' in variable" % open_ch, pos)


def _scan_transformations(text: str, pos: int) -> tuple[tuple[Transformation, ...], int]:
    """Parse '{a.b,..}{c.d}' starting at the first '{'; returns the steps and
    the index just past the last '}'."""
    steps = []
    n = len(text)
    while pos < n and text[pos] == "{":
        start = pos
        pos += 1
        dot = pos
        while dot < n and text[dot] not in ".}":
            dot += 1
        if dot >= n or text[dot] != "." or dot == pos:
            raise SpecError("invalid transformation", start)
        cls = text[pos:dot]
        depth = 0
        end = dot + 1
        while end < n and (depth > 0 or text[end] != "}"):
            if text[end] == "{":
                depth += 1
            elif text[end] == "}":
                depth -= 1
            end += 1
        if end >= n:
            raise SpecError("unterminated transformation", start)
        steps.append(Transformation(cls, text[dot + 1:end], text[start:end + 1]))
        pos = end + 1
        look = pos
        while look < n and text[look] in " \t":
            look += 1
        if look < n and text[look] == "{":
            pos = look
    return tuple(steps), pos


def _parse_nested(raw: str, what: str, offset: int, depth: int, whole: bool = True) -> PVSpec:
    """The variable that gives a name or an index; `offset` is where raw starts;
    `whole`: nothing may follow it."""
    if depth >= MAX_NESTING:
        raise SpecError("variables nest deeper than %d levels" % MAX_NESTING, offset)
    try:
        spec, end = parse_spec_at(raw, 0, depth + 1)
    except SpecError as err:
        raise SpecError(str(err), offset + err.offset) from None
    if whole and end != len(raw):
        raise SpecError("invalid %s [%s]" % (what, raw), offset)
    return spec


def _parse_index(raw: str, offset: int, depth: int) -> Index:
    """As pv_parse_index(): a variable (what follows it is ignored), "*", or an
    optional '-' and digits ("-" alone is 0). Any other word is kept, lower-cased,
    for the variable's own index parser to judge (check/indexes.py): "append" of
    $avp, "insert" of $sdp.line, "1/active" of $tm.branch.uri."""
    if raw.startswith(MARKER):
        return _parse_nested(raw, "index", offset, depth, whole=False)
    if raw == "*":
        return "*"
    digits = raw[1:] if raw.startswith("-") else raw
    if digits.isdigit() and digits.isascii() or not digits:
        return int(raw) if digits else 0
    return raw.lower()


def parse_spec_at(text: str, pos: int, depth: int = 0) -> tuple[PVSpec, int]:
    """Parse the spec that starts with '$' at text[pos]; return it and the end index.

    Follows pv_parse_spec(): "$name", "$name(inner)", "$(name)", "$(name(inner))",
    "$(name[idx])", "$(name(inner)[idx]{tr}...)", "$$", "$(<ctx>name...)".
    `depth` counts the variables this one is the name or index of.
    """
    start = pos
    n = len(text)
    if pos >= n or text[pos] != MARKER:
        raise SpecError("expected '$'", pos - start)
    pos += 1
    if pos < n and text[pos] == MARKER:
        return PVSpec(text[start:pos + 1], "$", is_marker=True), pos + 1
    full = pos < n and text[pos] == "("
    if full:
        pos += 1
        if pos < n and text[pos] == MARKER:
            if pos + 1 < n and text[pos + 1] == ")":
                return PVSpec(text[start:pos + 2], "$", is_marker=True), pos + 2
            raise SpecError("invalid variable", pos - start)
    context = None
    if pos < n and text[pos] == "<":
        close = text.find(">", pos)
        if close < 0:
            raise SpecError("expected the end of the context", pos - start)
        context = text[pos + 1:close]
        pos = close + 1
    name_start = pos
    while pos < n and text[pos] in _NAME_CHARS:
        pos += 1
    name = text[name_start:pos]
    if not name:
        raise SpecError("invalid variable name", name_start - start)

    inner = dynamic = index = index_text = None
    transforms: tuple[Transformation, ...] = ()
    if pos < n and text[pos] == "(":
        close = _scan_balanced(text, pos + 1, "(", ")")
        inner = text[pos + 1:close]
        if not inner:
            raise SpecError("variable $%s does not take an empty name" % name, pos - start)
        if inner.startswith(MARKER):
            # as pv_parse_avp_name(): text after the variable is ignored (a
            # module's own name parser may read it, json paths do)
            dynamic = _parse_nested(inner, "name", pos + 1 - start, depth, whole=False)
        pos = close + 1
    if not full:
        spec = PVSpec(text[start:pos], name, inner, dynamic, context=context)
        return spec, pos
    if pos < n and text[pos] == "[":
        close = _scan_balanced(text, pos + 1, "[", "]")
        index_text = text[pos + 1:close]
        if not index_text:
            raise SpecError("variable $%s does not take an empty index" % name, pos - start)
        index = _parse_index(index_text, pos + 1 - start, depth)
        pos = close + 1
    if pos < n and text[pos] == "{":
        transforms, pos = _scan_transformations(text, pos)
    if pos >= n or text[pos] != ")":
        found = repr(text[pos]) if pos < n else "end of text"
        raise SpecError("invalid character %s in variable" % found, pos - start)
    pos += 1
    spec = PVSpec(text[start:pos], name, inner, dynamic, index, index_text, transforms, context)
    return spec, pos


@lru_cache(maxsize=8192)
def parse_spec(text: str) -> PVSpec:
    """Parse a variable token. As pv_parse_spec(), what follows the variable is
    ignored: the token "$ru[1]" (a name without parentheses runs on up to a
    blank or an operator) is $ru."""
    return parse_spec_at(text, 0)[0]


@lru_cache(maxsize=8192)
def parse_format(text: str) -> Format:
    """Split a format string into literal text and variables ("$$" is a '$')."""
    parts: list[Union[str, PVSpec]] = []
    literal: list[str] = []
    pos = 0
    n = len(text)
    while pos < n:
        dollar = text.find(MARKER, pos)
        if dollar < 0:
            literal.append(text[pos:])
            break
        literal.append(text[pos:dollar])
        try:
            spec, pos = parse_spec_at(text, dollar)
        except SpecError as err:
            raise SpecError(str(err), dollar + err.offset) from None
        if spec.is_marker:
            literal.append(MARKER)
            continue
        if literal:
            joined = "".join(literal)
            if joined:
                parts.append(joined)
            literal = []
        parts.append(spec)
    joined = "".join(literal)
    if joined:
        parts.append(joined)
    return Format(tuple(parts))
