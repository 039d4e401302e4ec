"""OpenSIPS's bundled cJSON, which json_merge() uses: its parser, its compact
printer and cJSONUtils' RFC 7386 merge patch. An object is `Pairs` (duplicate
keys kept, in order); numbers are floats, as strtod() reads them.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

from ...runtime.values import to_bytes
from ...syntax.ints import INT_MAX, INT_MIN
from .jsonc import HEX_DIGITS, INT64_MIN, SIMPLE_ESCAPES, JsonError


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
    if char in SIMPLE_ESCAPES:
        out.append(SIMPLE_ESCAPES[char])
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
    return int(digits, 16) if len(digits) == 4 and set(digits) <= HEX_DIGITS else 0


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
