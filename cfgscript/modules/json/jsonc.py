"""json-c as the json module sees it: the tree, its printer and its tokener.

A document is kept as Python values that follow json-c's model:

    dict    object (insertion order; replacing a key keeps its place)
    list    array
    str     string
    int     integer (int64, or uint64 above INT64_MAX as json-c 0.14+ parses it)
    bool    true / false
    Double  a number with a fraction or exponent, printed as it was written
    None    null

serialize() prints a tree the way json_object_to_json_string_ext() does (the
SPACED, PRETTY and NOSLASHESCAPE flags), JsoncParser reads text the way
json-c's non-strict tokener does, and parse_json() is what `:=` on $json uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NoReturn, Union

INT64_MIN, INT64_MAX, UINT64_MAX = -(1 << 63), (1 << 63) - 1, (1 << 64) - 1

# json_object_to_json_string_ext() flags
SPACED, PRETTY, NOSLASHESCAPE = 1, 2, 16


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
SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "n": "\n", "r": "\r",
                   "t": "\t", "f": "\f"}
_STRING_RUN = {'"': re.compile(r'[^"\\]*'), "'": re.compile(r"[^'\\]*")}
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
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
        elif char and char in SIMPLE_ESCAPES:
            self.pos += 1
            out.append(SIMPLE_ESCAPES[char])
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
            if not char or char not in HEX_DIGITS:
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
    if source == "{}":              # the usual way to start a document: no parser needed
        return {}
    node = JsoncParser(source).parse()
    if node is None:
        raise JsonError("success")
    return node
