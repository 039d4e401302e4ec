"""json: $json documents (modules/json/json.c), json_link() and json_merge().

A document is a json-c tree held per process, by name: $json(doc) is the whole
document, $json(doc/key[idx]/...) a node in it. The tree is kept as Python
values that follow json-c's model:

    dict    object (insertion order; replacing a key keeps its place)
    list    array
    str     string
    int     integer (int64, or uint64 above INT64_MAX as json-c 0.14+ parses it)
    bool    true / false
    Double  a number with a fraction or exponent, printed as it was written
    None    null

Writes `=` store an int or a string, `:=` parse JSON text the way json-c's
non-strict tokener does, `= NULL` deletes the node. Reads give ints as ints,
strings as strings and everything else as json-c's text (`{ "k": 1 }` for $json,
`{"k":1}` for $json_compact, indented for $json_pretty). json_link() makes two
paths share one node (a json-c reference), json_merge() applies an RFC 7386
merge patch with OpenSIPS's bundled cJSON and stores its compact text.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, Union

from ...runtime.accessor import Accessor
from ...runtime.compiler import CompileError
from ...runtime.context import RunContext
from ...runtime.logger import Logger
from ...runtime.module import Arg, ModParam, Module, function, pvar
from ...runtime.values import (
    Value,
    VInt,
    has_int,
    has_str,
    int_of,
    is_int_typed,
    text,
    to_bytes,
)
from ...syntax.ints import INT_MAX, INT_MIN, wrap32
from ...syntax.pvspec import PVSpec, SpecError, parse_spec_at

if TYPE_CHECKING:  # pragma: no cover
    from ...runtime.calls import VarRef

INT64_MIN, INT64_MAX, UINT64_MAX = -(1 << 63), (1 << 63) - 1, (1 << 64) - 1

# json_object_to_json_string_ext() flags
SPACED, PRETTY, NOSLASHESCAPE = 1, 2, 16
READ_FLAGS = {"json": SPACED, "json_compact": 0, "json_pretty": PRETTY,
              "json_compact_noescape": NOSLASHESCAPE}

Reader = Callable[[RunContext], Value]


@dataclass(frozen=True, slots=True)
class Double:
    """A json-c double: only JSON text creates one, and it prints the text it was
    parsed from ("1.5", "1e3"); NaN and Infinity print as such."""
    text: str


# ---------------------------------------------------------------- json-c printing

def _escape_table(slash: bool) -> dict[int, str]:
    table = {c: f"\\u{c:04x}" for c in range(0x20)}
    table.update({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r",
                  ord('"'): '\\"', ord("\\"): "\\\\"})
    if slash:
        table[ord("/")] = "\\/"
    return table


_ESCAPES = {True: _escape_table(True), False: _escape_table(False)}


def _quoted(value: str, flags: int) -> str:
    return '"' + value.translate(_ESCAPES[not flags & NOSLASHESCAPE]) + '"'


def serialize(node: Any, flags: int = SPACED) -> str:
    """json_object_to_json_string_ext()."""
    out: list[str] = []
    _print_node(node, flags, 0, out)
    return "".join(out)


def _print_node(node: Any, flags: int, level: int, out: list[str]) -> None:
    kind = type(node)
    if kind is dict or kind is list:
        _print_container(node, flags, level, out)
    elif kind is str:
        out.append(_quoted(node, flags))
    elif kind is bool:
        out.append("true" if node else "false")
    elif kind is int:
        out.append(str(node))
    elif kind is Double:
        out.append(node.text)
    else:
        out.append("null")


def _print_container(node: Union[dict, list], flags: int, level: int, out: list[str]) -> None:
    pretty, is_object = flags & PRETTY, type(node) is dict
    spaced = flags & SPACED and not pretty
    out.append("{" if is_object else "[")
    if pretty:
        out.append("\n")
    items = node.items() if is_object else enumerate(node)
    for position, (key, value) in enumerate(items):
        if position:
            out.append(",\n" if pretty else ",")
        if spaced:
            out.append(" ")
        if pretty:
            out.append("  " * (level + 1))
        if is_object:
            out.append(_quoted(key, flags) + (": " if flags & SPACED else ":"))
        _print_node(value, flags, level + 1, out)
    if pretty:
        out.append(("\n" if node else "") + "  " * level)
    closing = "}" if is_object else "]"
    out.append(" " + closing if spaced else closing)


# ---------------------------------------------------------------- json-c parsing

class JsonError(Exception):
    """JSON text that does not parse; the message is the parser's own."""


MAX_DEPTH = 32                              # JSON_TOKENER_DEFAULT_DEPTH
_WHITESPACE = " \t\n\r"
_NUMBER_END = frozenset(_WHITESPACE + ",]}/Ii")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "n": "\n", "r": "\r",
                   "t": "\t", "f": "\f"}
_STRING_RUN = {'"': re.compile(r'[^"\\]*'), "'": re.compile(r"[^'\\]*")}
_HEX = frozenset("0123456789abcdefABCDEF")
_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_REPLACEMENT = "\ufffd"


class _EndedInComment(Exception):
    """The text ended inside a comment right after a value: json-c then stops
    with success and returns that (innermost) value as the whole result."""

    def __init__(self, node: Any) -> None:
        super().__init__()
        self.node = node


_NO_VALUE = object()


class JsoncParser:
    """json-c's tokener in its default, non-strict mode, as OpenSIPS drives it:
    json_tokener_parse_ex() on the text, then once more on "" (a terminating
    NUL) when the text ended inside a token.

    Non-strict means: single-quoted strings, /* */ and // comments, trailing
    commas, case-insensitive true/false/null, NaN and Infinity, leading zeros.
    Text after the first complete value is ignored. An error met at the end of
    the text is "unexpected end of data"; but right after a value, a '/' that
    starts no comment is "expected comment", and a comment left open ends the
    parse with that value. Values nest at most 32 deep.
    """

    def __init__(self, source: str) -> None:
        self.text = source
        self.pos = 0

    def parse(self) -> Any:
        try:
            node = self.value(0)
            self.skip_space(node)
        except _EndedInComment as ended:
            return ended.node
        return node

    def fail(self, message: str) -> NoReturn:
        raise JsonError("unexpected end of data" if self.pos >= len(self.text) else message)

    def peek(self) -> str:
        return self.text[self.pos:self.pos + 1]

    def skip_space(self, after: Any = _NO_VALUE) -> None:
        """Whitespace and comments; `after` is the value they follow, if any."""
        source, size = self.text, len(self.text)
        while self.pos < size:
            char = source[self.pos]
            if char in _WHITESPACE:
                self.pos += 1
            elif char != "/":
                return
            elif source.startswith(("/*", "//"), self.pos):
                end = (_block_comment_end(source, self.pos + 2) if source[self.pos + 1] == "*"
                       else source.find("\n", self.pos + 2))
                if end < 0 and after is not _NO_VALUE:
                    raise _EndedInComment(after)
                self.pos = size if end < 0 else end
            else:
                self.pos += 1
                if after is not _NO_VALUE:
                    raise JsonError("expected comment")
                self.fail("expected comment")

    def value(self, depth: int) -> Any:
        self.skip_space()
        char = self.peek()
        if char == "{":
            return self.object(depth)
        if char == "[":
            return self.array(depth)
        if char in ('"', "'"):
            return self.string(char)
        if char in ("n", "N"):
            return None if self.word(("null", "nan"), "null expected") == "null" \
                else Double("NaN")
        if char in ("t", "T", "f", "F"):
            return self.word(("true", "false"), "boolean expected") == "true"
        if char in ("i", "I"):
            return self.infinity(False)
        if char and char in "-0123456789":
            return self.number(depth)
        self.fail("unexpected character")

    def object(self, depth: int) -> dict:
        self.pos += 1
        node: dict = {}
        while True:
            self.skip_space()
            char = self.peek()
            if char == "}":
                self.pos += 1
                return node
            if char not in ('"', "'"):
                self.fail("quoted object property name expected")
            key = self.string(char).split("\0", 1)[0]
            self.skip_space()
            if self.peek() != ":":
                self.fail("object property name separator ':' expected")
            self.pos += 1
            self.skip_space()
            self.check_depth(depth)
            node[key] = member = self.value(depth + 1)
            if not self.separator(member, "}", "object value separator ',' expected"):
                return node

    def array(self, depth: int) -> list:
        self.pos += 1
        node: list = []
        while True:
            self.skip_space()
            if self.peek() == "]":
                self.pos += 1
                return node
            self.check_depth(depth)
            member = self.value(depth + 1)
            node.append(member)
            if not self.separator(member, "]", "array value separator ',' expected"):
                return node

    def check_depth(self, depth: int) -> None:
        if depth >= MAX_DEPTH - 1:
            self.fail("nesting too deep")

    def separator(self, member: Any, closing: str, message: str) -> bool:
        """After a member: True on ',' (more may follow), False on the closing bracket."""
        self.skip_space(member)
        char = self.peek()
        if char != "," and char != closing:
            self.fail(message)
        self.pos += 1
        return char == ","

    def string(self, quote: str) -> str:
        self.pos += 1
        run, source, out = _STRING_RUN[quote], self.text, []
        while True:
            end = run.match(source, self.pos).end()
            out.append(source[self.pos:end])
            self.pos = end
            char = self.peek()
            if not char:
                self.fail("unexpected end of data")
            self.pos += 1
            if char == quote:
                return "".join(out)
            self.escape(out)

    def escape(self, out: list[str]) -> None:
        """The character after a backslash."""
        char = self.peek()
        if char == "u":
            self.pos += 1
            self.unicode(out)
        elif char and char in _SIMPLE_ESCAPES:
            self.pos += 1
            out.append(_SIMPLE_ESCAPES[char])
        else:
            self.fail("invalid string sequence")

    def unicode(self, out: list[str]) -> None:
        """\\uXXXX; a high surrogate pairs with a following \\uXXXX low one, a
        surrogate left alone becomes U+FFFD."""
        code = self.hex4()
        while 0xD800 <= code < 0xDC00:
            if self.peek() != "\\":
                out.append(_REPLACEMENT)
                return
            self.pos += 1
            if self.peek() != "u":
                out.append(_REPLACEMENT)
                self.escape(out)
                return
            self.pos += 1
            low = self.hex4()
            if 0xDC00 <= low < 0xE000:
                out.append(chr(0x10000 + ((code & 0x3FF) << 10) + (low & 0x3FF)))
                return
            out.append(_REPLACEMENT)
            code = low
        out.append(_REPLACEMENT if 0xDC00 <= code < 0xE000 else chr(code))

    def hex4(self) -> int:
        code = 0
        for _ in range(4):
            char = self.peek()
            if not char or char not in _HEX:
                self.fail("invalid string sequence")
            code = code * 16 + int(char, 16)
            self.pos += 1
        return code

    def word(self, words: tuple[str, ...], message: str) -> str:
        """A literal matched case-insensitively; returns which one."""
        start = self.pos
        rest = self.text[start:start + max(len(w) for w in words)].lower()
        for word in words:
            if rest.startswith(word):
                self.pos = start + len(word)
                return word
        self.pos = start + max(_common_prefix(rest, word) for word in words)
        self.fail(message)

    def infinity(self, negative: bool) -> Double:
        start = self.pos
        for offset, expected in enumerate("infinity"):
            if self.text[start + offset:start + offset + 1].lower() != expected:
                self.pos = start + offset
                self.fail("unexpected character")
        self.pos = start + 8
        return Double("-Infinity" if negative else "Infinity")

    def number(self, depth: int) -> Any:
        start = self.pos
        self.pos, is_double = _scan_number(self.text, start)
        char = self.peek()
        if depth > 0 and char not in _NUMBER_END:
            self.fail("number expected")
        digits = self.text[start:self.pos]
        if digits == "-" and char in ("i", "I"):
            return self.infinity(True)
        if is_double:
            digits = digits[:1] + digits[1:].rstrip("eE+-")
            if not _DECIMAL.fullmatch(digits):
                self.fail("number expected")
            return Double(digits)
        if digits == "-":
            self.fail("number expected")
        return max(INT64_MIN, min(int(digits), UINT64_MAX))


def _block_comment_end(source: str, pos: int) -> int:
    """Where a /* comment ends (-1: never). As in json-c, the character after a
    '*' is skipped when it is not '/': "/* a **/" is still open."""
    while True:
        star = source.find("*", pos)
        if star < 0 or star + 1 >= len(source):
            return -1
        if source[star + 1] == "/":
            return star + 2
        pos = star + 2


def _common_prefix(a: str, b: str) -> int:
    size = 0
    while size < len(a) and size < len(b) and a[size] == b[size]:
        size += 1
    return size


def _scan_number(source: str, pos: int) -> tuple[int, bool]:
    """json_tokener_state_number: how far the number characters go, and
    whether a '.' or an exponent made it a double."""
    is_double = is_exponent = False
    minus_ok, plus_ok = True, False
    size = len(source)
    while pos < size:
        char = source[pos]
        if not ("0" <= char <= "9" or (char in "eE" and not is_exponent)
                or (char == "-" and minus_ok) or (char == "+" and plus_ok)
                or (char == "." and not is_double)):
            break
        minus_ok = plus_ok = char in ".eE"      # a sign may follow '.', 'e' or 'E'
        if char in ".eE":
            is_double = True
            is_exponent = is_exponent or char != "."
        pos += 1
    return pos, is_double


def parse_json(source: str) -> Any:
    """`:=` on $json: the parsed tree. A top-level null parses to nothing,
    which OpenSIPS treats as a failure as well."""
    node = JsoncParser(source).parse()
    if node is None:
        raise JsonError("success")
    return node


# ---------------------------------------------------------------- cJSON (json_merge)

class Pairs(list):
    """A cJSON object: (key, value) pairs in order, duplicate keys kept."""


_STRTOD = re.compile(r"-?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)"
                     r"(?:[pP][-+]?[0-9]+)?|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
                     r"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN](?:\([0-9A-Za-z_]*\))?)")
_CJSON_ESCAPES = {c: f"\\u{c:04x}" for c in range(1, 0x20)}
_CJSON_ESCAPES.update({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r",
                       ord('"'): '\\"', ord("\\"): "\\\\"})
_DBL_EPSILON = 2.220446049250313e-16


def cjson_parse(source: str) -> Any:
    """cJSON_Parse() of OpenSIPS's bundled cJSON: a C string, text after the
    value ignored, numbers read by strtod() (so hex, inf and nan too)."""
    source = source.split("\0", 1)[0]
    return _cj_value(source, _cj_skip(source, 0))[0]


def _cj_skip(source: str, pos: int) -> int:
    while pos < len(source) and source[pos] <= " ":
        pos += 1
    return pos


def _cj_value(source: str, pos: int) -> tuple[Any, int]:
    for word, node in (("null", None), ("false", False), ("true", True)):
        if source.startswith(word, pos):
            return node, pos + len(word)
    char = source[pos:pos + 1]
    if char == '"':
        return _cj_string(source, pos)
    if char == "[":
        return _cj_members(source, pos, "]", [])
    if char == "{":
        return _cj_members(source, pos, "}", Pairs())
    match = _STRTOD.match(source, pos) if char and char in "-0123456789" else None
    if match is None:
        raise JsonError("cJSON: bad value")
    return _strtod(match.group()), match.end()


def _strtod(number: str) -> float:
    body = number.lstrip("-")
    if body[:2] in ("0x", "0X"):
        return float.fromhex(number)
    return float(number.split("(", 1)[0])


def _cj_members(source: str, pos: int, closing: str, node: list) -> tuple[Any, int]:
    pos = _cj_skip(source, pos + 1)
    if source.startswith(closing, pos):
        return node, pos + 1
    while True:
        if type(node) is Pairs:
            key, pos = _cj_string(source, _cj_skip(source, pos))
            pos = _cj_skip(source, pos)
            if not source.startswith(":", pos):
                raise JsonError("cJSON: ':' expected")
            member, pos = _cj_value(source, _cj_skip(source, pos + 1))
            node.append((key, member))
        else:
            member, pos = _cj_value(source, _cj_skip(source, pos))
            node.append(member)
        pos = _cj_skip(source, pos)
        if source.startswith(closing, pos):
            return node, pos + 1
        if not source.startswith(",", pos):
            raise JsonError("cJSON: ',' expected")
        pos += 1


def _cj_string(source: str, pos: int) -> tuple[str, int]:
    """parse_string(): an unterminated string runs to the end of the text."""
    if not source.startswith('"', pos):
        raise JsonError("cJSON: string expected")
    end, size = pos + 1, len(source)
    while end < size and source[end] != '"':
        if source[end] == "\\":
            end += 1
            if end >= size:
                raise JsonError("cJSON: backslash at the end")
        end += 1
    out, cur = [], pos + 1
    while cur < end:
        char = source[cur]
        if char != "\\":
            out.append(char)
        else:
            cur = _cj_escape(source, cur + 1, end, out)
        cur += 1
    return "".join(out), end + 1 if end < size else end


def _cj_escape(source: str, cur: int, end: int, out: list[str]) -> int:
    """One escape; returns the position of its last character."""
    char = source[cur]
    if char in _SIMPLE_ESCAPES:
        out.append(_SIMPLE_ESCAPES[char])
        return cur
    if char != "u":
        raise JsonError("cJSON: bad escape")
    code, cur = _cj_hex4(source, cur + 1), cur + 4
    if cur >= end or 0xDC00 <= code <= 0xDFFF or code == 0:
        raise JsonError("cJSON: bad \\u escape")
    if 0xD800 <= code <= 0xDBFF:
        if cur + 6 > end or source[cur + 1:cur + 3] != "\\u":
            raise JsonError("cJSON: lone surrogate")
        low, cur = _cj_hex4(source, cur + 3), cur + 6
        if not 0xDC00 <= low <= 0xDFFF:
            raise JsonError("cJSON: bad surrogate pair")
        code = 0x10000 + (((code & 0x3FF) << 10) | (low & 0x3FF))
    out.append(chr(code))
    return cur


def _cj_hex4(source: str, pos: int) -> int:
    digits = source[pos:pos + 4]
    return int(digits, 16) if len(digits) == 4 and set(digits) <= _HEX else 0


def merge_patch(target: Any, patch: Any) -> Any:
    """cJSONUtils_MergePatch(): RFC 7386, keys matched case-insensitively
    (ASCII), a patched key moves to the end under the patch's spelling."""
    if type(patch) is not Pairs:
        return copy.deepcopy(patch)
    if type(target) is not Pairs:
        target = Pairs()
    for key, value in patch:
        folded = to_bytes(key).lower()
        found = next((i for i, (k, _) in enumerate(target) if to_bytes(k).lower() == folded), None)
        current = None if found is None else target.pop(found)[1]
        if value is not None:
            target.append((key, merge_patch(current, value)))
    return target


def cjson_print(node: Any) -> str:
    """cJSON_Print() then cJSON_Minify(): compact text."""
    kind = type(node)
    if kind is Pairs:
        return "{" + ",".join(_cj_quoted(k) + ":" + cjson_print(v) for k, v in node) + "}"
    if kind is list:
        return "[" + ",".join(cjson_print(v) for v in node) + "]"
    if kind is str:
        return _cj_quoted(node)
    if kind is float:
        return _cj_number(node)
    return "null" if node is None else ("true" if node else "false")


def _cj_quoted(value: str) -> str:
    return '"' + value.translate(_CJSON_ESCAPES) + '"'


def _cj_number(number: float) -> str:
    """print_number(), with the module's own fabs()/floor() (no libm)."""
    if number == 0:
        return "0"
    if math.isnan(number) or math.isinf(number):
        return "null"
    as_int = INT_MAX if number >= INT_MAX else INT_MIN if number <= INT_MIN else int(number)
    if abs(as_int - number) <= _DBL_EPSILON and INT_MIN <= number <= INT_MAX:
        return str(as_int)
    if abs(_c_floor(number) - number) <= _DBL_EPSILON and abs(number) < 1.0e60:
        return f"{number:.0f}"
    if abs(number) < 1.0e-6 or abs(number) > 1.0e9:
        return f"{number:e}"
    return f"{number:f}"


def _c_floor(number: float) -> float:
    """cJSON's myfloor(): (long) casts, LONG_MIN when out of range (x86)."""
    value = number if number > 0 else number - 0.9999999999999999
    return float(int(value)) if INT64_MIN <= value < 2.0 ** 63 else float(INT64_MIN)


# ---------------------------------------------------------------- paths

ITER_NONE, ITER_KEYS, ITER_VALUES = 0, 1, 2


class Tag(NamedTuple):
    """One step of a path: /key, [index], [] (append), or either from a variable."""
    is_key: bool
    key: str = ""
    index: int = 0
    append: bool = False
    var: Reader | None = None


@dataclass(frozen=True)
class JsonPath:
    """What pv_parse_json_name() makes of "doc/key[1]/x.keys"."""
    name: str
    tags: tuple[Tag, ...]
    iterate: int
    dynamic: bool

    def steps(self, ctx: RunContext, log: Logger) -> tuple[Tag, ...] | None:
        """expand_tag_list(): the tags with variables read (None: logged error)."""
        if not self.dynamic:
            return self.tags
        steps = []
        for tag in self.tags:
            if tag.var is not None:
                value = tag.var(ctx)
                if tag.is_key and not has_str(value):
                    log.error("json", "expand_tag_list", "Non string value in key")
                    return None
                if not tag.is_key and not has_int(value):
                    log.error("json", "expand_tag_list", "Non integer value in index")
                    return None
                tag = tag._replace(key=text(value)) if tag.is_key \
                    else tag._replace(index=int_of(value))
            steps.append(tag)
        return tuple(steps)


_NAME, _TEST, _KEY, _IDX, _ITER, _ERR = range(6)
_FROM_TEST = {"[": _IDX, "/": _KEY, ".": _ITER}
_INDEX = re.compile(r"\s*([-+]?[0-9]+)")


def _next_state(state: int, char: str) -> int:
    if state == _TEST:
        return _FROM_TEST.get(char, _ERR)
    if state == _IDX:
        return _TEST if char == "]" else _IDX
    if char in "/[.":
        return _ERR if state == _ITER else _TEST
    return state


def parse_path(inner: str, compiler) -> JsonPath:
    """pv_parse_json_name(): its character state machine, quirks included
    (a trailing '/' makes a "/" key, a '.' inside a key ends it)."""
    name, tags, iterate = "", [], ITER_NONE
    state, previous, start, pos = _NAME, -1, 0, 0

    def emit(state: int, piece: str) -> None:
        nonlocal name, iterate
        if state == _NAME:
            name = piece
        elif state == _KEY:
            tags.append(_key_tag(piece, compiler))
        elif state == _IDX:
            tags.append(_index_tag(piece, compiler))
        elif state == _ITER:
            if piece not in ("keys", "values"):
                raise CompileError(f"$json({inner}): Bad iterator type")
            iterate = ITER_KEYS if piece == "keys" else ITER_VALUES

    while pos < len(inner):
        following = _next_state(state, inner[pos])
        if following == _ERR:
            raise CompileError(f"$json({inner}): Unexpected char at position: {pos}")
        if state != previous:
            start = pos
        if state != following:
            emit(state, inner[start:pos])
        if not (following == _TEST and state in (_NAME, _KEY)):
            pos += 1
        previous, state = state, following
    if state == _IDX:
        raise CompileError(f"$json({inner}): Mismatched parenthesis")
    emit(state, inner[start:])
    return JsonPath(name, tuple(tags), iterate, any(t.var is not None for t in tags))


def _variable(piece: str, compiler) -> Reader:
    try:
        spec, _ = parse_spec_at(piece, 0)
    except SpecError:
        raise CompileError(f"$json: Unable to parse variable {piece}") from None
    return compiler.compile_read(spec)


def _key_tag(piece: str, compiler) -> Tag:
    if piece.startswith("$"):
        return Tag(True, var=_variable(piece, compiler))
    return Tag(True, key=piece)


def _index_tag(piece: str, compiler) -> Tag:
    if not piece.strip():
        return Tag(False, append=True)
    if piece.lstrip()[0] == "$":
        return Tag(False, var=_variable(piece, compiler))
    match = _INDEX.match(piece)
    if match is None:
        raise CompileError(f"$json: Index value is not an integer:[{piece}]")
    return Tag(False, index=wrap32(int(match.group(1))))


def _lookup(root: Any, steps: tuple[Tag, ...], parent: bool) -> tuple[Any, int]:
    """get_object(): the node at the path (or, with `parent`, the container of its
    last step, which need not exist yet). Returns (node, -1), or (None, i) when
    step i cannot be followed."""
    node, container = root, None
    for position, tag in enumerate(steps):
        container = node
        if tag.is_key:
            if type(node) is not dict or (tag.key not in node and not parent):
                return None, position
            node = node.get(tag.key)
        else:
            if type(node) is not list:
                return None, position
            size = len(node)
            index = size if tag.append else tag.index + size if tag.index < 0 else tag.index
            if index < 0:
                return None, position
            node = node[index] if index < size else None
            if node is None and not parent:
                return None, position
    return (container if parent else node), -1


def _contains(tree: Any, target: Any) -> bool:
    """Is `target` (by identity) `tree` or somewhere inside it?"""
    pending = [tree]
    while pending:
        node = pending.pop()
        if node is target:
            return True
        if type(node) is dict:
            pending.extend(node.values())
        elif type(node) is list:
            pending.extend(node)
    return False


@dataclass(slots=True)
class JsonAccessor(Accessor):
    """A $json accessor; json_link() finds the compiled path here."""
    path: JsonPath | None = None


# ---------------------------------------------------------------- the module

class Json(Module):
    name = "json"
    params = (ModParam("enable_long_quoting", "int", 0),)

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self.docs: dict[str, Any] = {}          # per process, never reset
        self.log: Logger = engine.logger

    # ------------------------------------------------------------ variables

    @pvar("json", "json_compact", "json_pretty", "json_compact_noescape")
    def json_var(self, spec: PVSpec, compiler) -> Accessor:
        if spec.inner is None:
            raise CompileError(f"${spec.name} needs a document name: ${spec.name}(name/path)")
        if spec.index is not None and spec.index != "*":
            raise CompileError(f'${spec.name}: the only index supported is "[*]" in for '
                               "each statements")
        path = parse_path(spec.inner, compiler)
        flags, every = READ_FLAGS[spec.name], spec.index == "*"
        cursor = _Cursor()

        def read(ctx: RunContext) -> Value:
            node = self._get(ctx, path, "pv_get_json_ext")
            if node is None:
                return None
            if every:
                self.log.error("json", "pv_get_json_ext",
                               '"[*]" index only supported in for each statement')
                return None
            return self._value(node, flags)

        def item(ctx: RunContext, index: int) -> Value:
            node = self._get(ctx, path, "pv_get_json_ext")
            if node is None:
                return None
            found, node = cursor.step(node, index, path.iterate)
            if not found or path.iterate == ITER_KEYS:
                return node
            return self._value(node, flags)

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            return self._set(ctx, path, op, value)

        def delete(ctx: RunContext, op: str) -> bool:
            steps = self._steps(ctx, path, "pv_set_json")
            return steps is not None and self._add(path.name, steps, None)

        return JsonAccessor(read, write, delete, item, path=path)

    def _steps(self, ctx: RunContext, path: JsonPath, caller: str) -> tuple[Tag, ...] | None:
        steps = path.steps(ctx, self.log)
        if steps is None:
            self.log.error("json", caller, "Cannot expand variables in path")
        return steps

    def _get(self, ctx: RunContext, path: JsonPath, caller: str) -> Any:
        """The node a read sees; None when there is none (missing, null)."""
        steps = self._steps(ctx, path, caller)
        if steps is None or path.name not in self.docs:
            return None
        return _lookup(self.docs[path.name], steps, False)[0]

    def _value(self, node: Any, flags: int) -> Value:
        """What a script reads: int -> int, string -> string, the rest as JSON text."""
        kind = type(node)
        if kind is int:
            number = min(node, INT64_MAX)
            if self.param("enable_long_quoting") and not INT_MIN <= number <= INT_MAX:
                return str(number)
            return VInt(number)
        if kind is str:
            return node
        return serialize(node, flags)

    def _set(self, ctx: RunContext, path: JsonPath, op: str, value: Value) -> bool:
        """pv_set_json(): ':=' parses JSON text, anything else stores an int or a string."""
        steps = self._steps(ctx, path, "pv_set_json")
        if steps is None:
            return False
        if op != ":=":
            node = int(value) if is_int_typed(value) else text(value)
            return self._add(path.name, steps, node)
        if not has_str(value):
            self.log.error("json", "pv_set_json", "Trying to interpret a non-string value")
            return False
        try:
            node = parse_json(text(value))
        except JsonError as err:
            self.log.error("json", "pv_set_json", f"Error parsing json: {err}")
            self._add(path.name, steps, None)
            return False
        return self._add(path.name, steps, node)

    def _add(self, name: str, steps: tuple[Tag, ...], node: Any) -> bool:
        """pv_add_json(): store `node` at the path, or delete there when None."""
        log = self.log
        if name not in self.docs and steps:
            log.error("json", "pv_add_json", "Object is not initialized yet")
            return False
        if not steps:
            self.docs[name] = node
            return True
        container, failed = _lookup(self.docs[name], steps, True)
        if failed >= 0:
            self._report(name, steps, failed)
            log.notice("json", "pv_add_json", "Could not find object with that path")
            return False
        last = steps[-1]
        if last.is_key:
            if node is None:
                container.pop(last.key, None)
            else:
                container[last.key] = node
            return True
        if last.append:
            if node is None:
                log.error("json", "pv_add_json", "Invalid parameter for deletion")
                return False
            container.append(node)
            return True
        index = last.index + len(container) if last.index < 0 else last.index
        if not 0 <= index < len(container):
            log.error("json", "pv_add_json",
                      f"Attempting to replace at invalid index in array:{index}")
            return False
        if node is None:
            del container[index]
        else:
            container[index] = node
        return True

    def _report(self, name: str, steps: tuple[Tag, ...], failed: int) -> None:
        """get_object()'s notices when a path cannot be followed."""
        log, root = self.log, self.docs[name]
        log.notice("json", "get_object", "Trying to get a value from a json of incorrect type")
        if root is None:
            log.notice("json", "get_object", "Object is null")
        else:
            log.notice("json", "get_object", f"Object is:\n{serialize(root)}\n")
        log.notice("json", "print_tag_list", "Tag list:")
        for tag in steps[:failed + 1]:
            log.notice("json", "print_tag_list",
                       f"key=[{tag.key}]" if tag.is_key else f"idx=[{tag.index}]")

    # ------------------------------------------------------------ functions

    @function("json_link", Arg("var", writable=True), Arg("var"))
    def json_link(self, ctx: RunContext, dest: VarRef, source: VarRef) -> int:
        """json_link($json(dest), $json(src)): dest becomes the very node at src."""
        log = self.log
        if not isinstance(dest.accessor, JsonAccessor) or \
                not isinstance(source.accessor, JsonAccessor):
            log.error("json", "fixup_json_bind", "Parameter must be a json variable")
            return -1
        src_path, dest_path = source.accessor.path, dest.accessor.path
        if src_path.name not in self.docs:
            log.error("json", "json_bind", f"Variable named:{src_path.name} not found")
            return -1
        src_steps = self._steps(ctx, src_path, "json_bind")
        dest_steps = self._steps(ctx, dest_path, "json_bind")
        if src_steps is None or dest_steps is None:
            return -1
        node, failed = _lookup(self.docs[src_path.name], src_steps, False)
        if failed >= 0:
            self._report(src_path.name, src_steps, failed)
        if node is None:
            log.notice("json", "json_bind", "Could not find object with that path")
            return -1
        if self._would_cycle(dest_path.name, dest_steps, node):
            log.error("json", "json_bind", "Cannot link a json node inside itself")
            return -1
        return 1 if self._add(dest_path.name, dest_steps, node) else -1

    def _would_cycle(self, name: str, steps: tuple[Tag, ...], node: Any) -> bool:
        if not steps or name not in self.docs or type(node) not in (dict, list):
            return False
        container = _lookup(self.docs[name], steps, True)[0]
        return container is not None and _contains(node, container)

    @function("json_merge", Arg("str"), Arg("str"), Arg("var", writable=True))
    def json_merge(self, ctx: RunContext, main: str, patch: str, out: VarRef) -> int:
        """json_merge(main, patch, $out): RFC 7386 merge, stored as compact text."""
        log = self.log
        parsed = []
        for which, source in (("first", main), ("second", patch)):
            try:
                parsed.append(cjson_parse(source))
            except (JsonError, RecursionError):
                log.error("json", "w_merge_json", f"Failed to parse {which} param ")
                return -1
        if not out.write(ctx, cjson_print(merge_patch(*parsed))):
            log.error("json", "w_merge_json", "SET output value failed ")
            return -1
        return 1


class _Cursor:
    """pv_json_iterate(): for-each over an object walks one iterator kept by the
    variable, restarted unless the index is the previous one plus one; over an
    array it reads index i directly."""
    __slots__ = ("previous", "entries")

    def __init__(self) -> None:
        self.previous = 0
        self.entries = iter(())

    def step(self, node: Any, index: int, iterate: int) -> tuple[bool, Any]:
        """(found, key or member); (False, None) ends the loop. A null member
        reads as the text "null"."""
        if type(node) is dict:
            if index != self.previous + 1:
                self.previous, self.entries = 0, iter(list(node.items()))
            else:
                self.previous += 1
            entry = next(self.entries, None)
            if entry is None:
                return False, None
            return True, entry[0] if iterate == ITER_KEYS else entry[1]
        if type(node) is not list or iterate != ITER_NONE:
            return False, None
        if index >= len(node):      # OpenSIPS tests ==: a loop that shrinks its array
            self.previous = 0       # would read "null" past the end forever
            return False, None
        return True, node[index]
