"""Script transformations: the {class.name,params} steps of $(var{...}).

A port of OpenSIPS transformations.c (4.x) and of the C helpers it relies on
(parse_uri, parse_params, parse_to, the CSV and base64 decoders, str2ip and
str2ip6, subst_parser). compile_chain() does all the name dispatch and
parameter parsing once, at load time, following the per-class parsers
(tr_parse_string, tr_parse_uri, ...); the callables it returns only do the
work. String operations count bytes, as in C.

Deliberate differences from OpenSIPS 4.x:
  - an int result always prints as its value: {s.int} (OpenSIPS keeps the input
    text), {s.hex2dec} >= 0x80000000 (printed as unsigned 64-bit), {uri.port} of
    "05060"; {s.xor} and a truncating {s.width} of an int give a plain string
    (OpenSIPS keeps the old int beside the new text);
  - {s.crc32} is the decimal text (OpenSIPS always reports 10 bytes, padding a
    shorter number with a NUL and stray bytes);
  - what crashes OpenSIPS gives a value: {s.substr,2,-5} of "abcdef" is "", an
    empty {s.xor,} secret and an empty {s.index,} needle give NULL;
  - {re.subst} runs Python's engine on a translation of the POSIX regex:
    alternatives are tried in order rather than longest-first ("a|ab"), glibc's
    odd anchors next to a newline without REG_NEWLINE are not copied, \\u (the
    request URI) inserts nothing;
  - the 64 KB transformation buffers only limit {s.width};
  - via.* and sdp.* are refused at load time, as are the module classes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import socket
import zlib
from collections.abc import Callable
from functools import lru_cache
from typing import Union

from ...syntax.ints import wrap32
from ...syntax.pvspec import PVSpec, SpecError, Transformation, parse_spec_at
from ..values import Value, VInt, byte_len, from_bytes, has_int, has_str, int_of, to_bytes

Step = Callable[[Value, object], Value]
Getter = Callable[[object], Union[int, str, None]]


class TransformError(ValueError):
    """A bad or unknown transformation, or bad parameters (found at load time)."""


# --------------------------------------------------------------------------- helpers

_WS = " \t\r\n"                                 # is_ws()
_DIGITS = "0123456789"
_HEXDIGITS = frozenset("0123456789abcdefABCDEF")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_BUFFER_SIZE = 65536                            # TR_BUFFER_SIZE


def _str(value: Value) -> str:
    """The string form of a (non-NULL) value; ints print in decimal."""
    return value if type(value) is str else str(int_of(value))


def _seq(s: str) -> Union[str, bytes]:
    """Something to index by bytes: the str itself when it is ASCII."""
    return s if s.isascii() else to_bytes(s)


def _out(seq: Union[str, bytes]) -> str:
    return seq if type(seq) is str else from_bytes(seq)


def _lower(s: str) -> str:
    """ASCII-only lower case (strncasecmp, tolower in the C locale)."""
    return s.translate(_LOWER)


def _str2sint(s: str) -> tuple[int, bool]:
    """str2sint(): the leading [+-]digits as a C int, and whether all of s was used."""
    if not s:
        return 0, False
    sign, i = 1, 0
    if s[0] in "+-":
        sign, i = (-1 if s[0] == "-" else 1), 1
    n = 0
    while i < len(s) and s[i] in _DIGITS:
        n = n * 10 + ord(s[i]) - 48
        i += 1
    return wrap32(sign * n), i == len(s)


def _int_getter(arg: Union[int, PVSpec], host) -> Getter:
    """A numeric parameter: a number, or a variable that must have an int form."""
    if isinstance(arg, int):
        return lambda ctx: arg
    read = host.compile_read(arg)

    def get(ctx: object) -> Union[int, None]:
        value = read(ctx)
        return int_of(value) if has_int(value) else None
    return get


def _str_getter(arg: Union[str, PVSpec], host) -> Getter:
    """A string parameter: a constant, or a variable with a non-empty string form."""
    if isinstance(arg, str):
        return lambda ctx: arg
    read = host.compile_read(arg)

    def get(ctx: object) -> Union[str, None]:
        value = read(ctx)
        return (_str(value) or None) if has_str(value) else None
    return get


# --------------------------------------------------------------------------- parameter parsing

_NO_WS, _WS_OK, _WS_RBRACKET = range(3)         # enum tr_parse_sparam_mode


class _Args:
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
        while p < self.end and self.buf[p] in _WS:
            p += 1
        return p

    def name(self, stops: str = ",}") -> tuple[str, int]:
        """The transformation name (trimmed) and the index of the stop char."""
        p = 0
        while p < self.end and self.buf[p] not in stops:
            p += 1
        return self.rest[:p].strip(_WS), p

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
        if ch not in "+-" and ch not in _DIGITS:
            raise self.error("invalid parameter")
        sign = -1 if ch == "-" else 1
        if ch in "+-":
            p = self.skip_ws(p + 1)
        n = 0
        while p < self.end and self.buf[p] in _DIGITS:
            n = n * 10 + ord(self.buf[p]) - 48
            p += 1
        return wrap32(sign * n), p

    def sparam(self, p: int, mode: int = _NO_WS) -> tuple[Union[str, PVSpec], int]:
        """tr_parse_sparam(): a variable, or text up to an unescaped ',' (or '}')."""
        p = self.skip_ws(p)
        if self.at(p) == "$":
            return self.spec(p)
        start = p
        while p < self.end and (mode != _NO_WS or self.buf[p] not in _WS):
            ch = self.buf[p]
            if (ch == "," or (ch == "}" and mode != _WS_RBRACKET)) and (
                    p == start or self.buf[p - 1] != "\\"):
                break
            p += 1
        return self.rest[start:p], p

    def int_arg(self, arg: Union[int, PVSpec]) -> Getter:
        return _int_getter(arg, self.host)

    def str_arg(self, arg: Union[str, PVSpec]) -> Getter:
        return _str_getter(arg, self.host)


Compiler = Callable[[_Args, int], Step]


def _simple(step: Step) -> Compiler:
    """A transformation without parameters (anything after the name is ignored)."""
    return lambda args, p: step


# --------------------------------------------------------------------------- s.*: simple

def _s_len(value: Value, ctx: object) -> Value:
    return VInt(byte_len(_str(value)))


def _s_int(value: Value, ctx: object) -> Value:
    if has_int(value):
        return VInt(int_of(value))
    return VInt(_str2sint(value)[0])


def _digest(algo: str) -> Step:
    def step(value: Value, ctx: object) -> Value:
        return hashlib.new(algo, to_bytes(_str(value))).hexdigest()
    return step


def _c_hmac(algo: str) -> Compiler:
    def compile_hmac(args: _Args, p: int) -> Step:
        key_arg, _ = args.sparam(args.expect(p))
        get_key = args.str_arg(key_arg)

        def step(value: Value, ctx: object) -> Value:
            key = get_key(ctx)
            if key is None:
                return None
            return hmac.new(to_bytes(key), to_bytes(_str(value)), algo).hexdigest()
        return step
    return compile_hmac


def _s_crc32(value: Value, ctx: object) -> Value:
    # crc32_uint() keeps the register as is: the bit-inverse of the standard CRC-32
    return str(zlib.crc32(to_bytes(_str(value))) ^ 0xFFFFFFFF)


def _s_tolower(value: Value, ctx: object) -> Value:
    return _str(value).translate(_LOWER)


def _s_toupper(value: Value, ctx: object) -> Value:
    return _str(value).translate(_UPPER)


def _s_encode_hexa(value: Value, ctx: object) -> Value:
    return to_bytes(_str(value)).hex()


def _s_decode_hexa(value: Value, ctx: object) -> Value:
    s = _str(value)
    if not s.isascii():
        return None             # a non-ASCII byte is never a hex digit
    digits = s[:len(s) // 2 * 2]     # an odd last char is ignored
    if not _HEXDIGITS.issuperset(digits):
        return None
    return from_bytes(bytes.fromhex(digits))


def _s_hex2dec(value: Value, ctx: object) -> Value:
    if has_int(value):
        return value
    if not _HEXDIGITS.issuperset(value):
        return None
    return VInt(wrap32(int(value, 16))) if value else VInt(0)


def _s_dec2hex(value: Value, ctx: object) -> Value:
    if has_int(value):
        number = int_of(value)
    else:
        number, whole = _str2sint(value)
        if not whole:
            return None
    return "%x" % (number & 0xFFFFFFFF)


_DAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_C_SPACE = " \t\n\v\f\r"


def _strptime_name(s: str, i: int, names: tuple[str, ...]) -> tuple[int, int]:
    """%a / %b: the longest full or abbreviated name, case-insensitively."""
    low = _lower(s[i:i + 9])
    best = (-1, i)
    for index, name in enumerate(names):
        for form in (name, name[:3]):
            if low.startswith(form) and i + len(form) > best[1]:
                best = (index, i + len(form))
    return best


def _strptime_number(s: str, i: int, low: int, high: int, digits: int) -> tuple[int, int]:
    """glibc get_number(): skip spaces, 1..digits digits, in [low, high]; (-1, i) if not."""
    while i < len(s) and s[i] in _C_SPACE:
        i += 1
    if i >= len(s) or s[i] not in _DIGITS:
        return -1, i
    number = 0
    while True:
        number = number * 10 + ord(s[i]) - 48
        i += 1
        digits -= 1
        if not (digits > 0 and number * 10 <= high and i < len(s) and s[i] in _DIGITS):
            break
    return (number, i) if low <= number <= high else (-1, i)


def _days_from_civil(year: int, month: int, day: int) -> int:
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _skip_space(s: str, i: int) -> int:
    while i < len(s) and s[i] in _C_SPACE:
        i += 1
    return i


def _parse_http_date(s: str) -> Union[int, None]:
    """strptime(s, "%a, %d %b %Y %H:%M:%S GMT") then mktime() in UTC, with the glibc
    rules: a space in the format skips any spaces, numbers may follow spaces, the
    other characters match exactly, trailing text is ignored."""
    weekday, i = _strptime_name(s, 0, _DAY_NAMES)
    if weekday < 0 or s[i:i + 1] != ",":
        return None
    mday, i = _strptime_number(s, i + 1, 1, 31, 2)
    month, i = _strptime_name(s, _skip_space(s, i), _MONTH_NAMES) if mday >= 0 else (-1, i)
    year, i = _strptime_number(s, i, 0, 9999, 4) if month >= 0 else (-1, i)
    hour, i = _strptime_number(s, i, 0, 23, 2) if year >= 0 else (-1, i)
    if hour < 0 or s[i:i + 1] != ":":
        return None
    minute, i = _strptime_number(s, i + 1, 0, 59, 2)
    if minute < 0 or s[i:i + 1] != ":":
        return None
    second, i = _strptime_number(s, i + 1, 0, 61, 2)
    i = _skip_space(s, i)
    if second < 0 or s[i:i + 3] != "GMT":
        return None
    days = _days_from_civil(year, month + 1, 1) + mday - 1
    return days * 86400 + hour * 3600 + minute * 60 + second


def _s_date2unix(value: Value, ctx: object) -> Value:
    stamp = _parse_http_date(_str(value))
    if stamp is None or str(stamp).startswith("-1"):    # mktime() error check of the C code
        return None
    return str(stamp)


_ESCAPE_COMMON = str.maketrans({"'": "\\'", '"': '\\"', "\\": "\\\\", "\0": "\\0"})
_UNESCAPE_COMMON_RE = re.compile(r"\\(['\"\\0])")
_UNESCAPE_COMMON = {"'": "'", '"': '"', "\\": "\\", "0": "\0"}


def _s_escape_common(value: Value, ctx: object) -> Value:
    return _str(value).translate(_ESCAPE_COMMON)


def _s_unescape_common(value: Value, ctx: object) -> Value:
    return _UNESCAPE_COMMON_RE.sub(lambda m: _UNESCAPE_COMMON[m.group(1)], _str(value))


def _percent_table(safe: str) -> dict[int, str]:
    return {c: f"%{c:02x}" for c in range(32, 127) if chr(c) not in safe}


_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_ESCAPE_USER = _percent_table(_ALNUM + "!$&'()*+,-./;=?_~")      # is_username_char()
_ESCAPE_PARAM = _percent_table(_ALNUM + "-_.!~*'()[]/:&+$")


def _escaper(table: dict[int, str]) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = _str(value)
        if not (s.isascii() and s.isprintable()):       # only bytes 32..126 are allowed
            return None
        return s.translate(table)
    return step


def _s_unescape_user(value: Value, ctx: object) -> Value:
    s = _str(value)
    parts = s.split("%")
    out = [parts[0]]
    for part in parts[1:]:
        if len(part) < 2 or not _HEXDIGITS.issuperset(part[:2]):
            return None
        code = int(part[:2], 16)
        if not 32 <= code <= 126:
            return None
        out.append(chr(code) + part[2:])
    return "".join(out)


_B64_VALUES = {c: i for i, c in
               enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_BAD, _PAD = -1, -2


def _b64_lenient(data: bytes) -> bytes:
    """base64decode(): skips bad characters, stops at '=' or at the end."""
    out = bytearray()
    n = len(data)
    i = 0

    def take(stop_at_pad: bool) -> int:
        nonlocal i
        while True:
            byte = data[i] if i < n else 0
            i += 1
            if stop_at_pad and byte == 61:
                return _PAD
            code = _B64_VALUES.get(byte, _BAD)
            if not (i < n and code == _BAD):
                return code
    while n > i:
        c1 = take(False)
        c2 = take(False) if c1 != _BAD else _BAD
        if c2 == _BAD:
            break
        out.append(((c1 << 2) | ((c2 & 0x30) >> 4)) & 0xFF)
        c3 = take(True)
        if c3 < 0:
            break
        out.append(((c2 & 0x0F) << 4) | ((c3 & 0x3C) >> 2))
        c4 = take(True)
        if c4 < 0:
            break
        out.append(((c3 & 0x03) << 6) | c4)
    return bytes(out)


def _s_b64encode(value: Value, ctx: object) -> Value:
    return base64.b64encode(to_bytes(_str(value))).decode("ascii")


def _s_b64decode(value: Value, ctx: object) -> Value:
    return from_bytes(_b64_lenient(to_bytes(_str(value))))


def _s_trim(value: Value, ctx: object) -> Value:
    return value if has_int(value) else value.strip(_WS)


def _s_trimr(value: Value, ctx: object) -> Value:
    return value if has_int(value) else value.rstrip(_WS)


def _s_triml(value: Value, ctx: object) -> Value:
    return value if has_int(value) else value.lstrip(_WS)


def _s_reverse(value: Value, ctx: object) -> Value:
    return _out(_seq(_str(value))[::-1])


def _c_eval(args: _Args, p: int) -> Step:
    expand = args.host.expand

    def step(value: Value, ctx: object) -> Value:
        try:
            return expand(ctx, _str(value))
        except Exception:               # any failure to parse or print the format: NULL
            return None
    return step


# --------------------------------------------------------------------------- s.*: with parameters

def _c_substr(args: _Args, p: int) -> Step:
    offset, p = args.nparam(args.expect(p))
    length, _ = args.nparam(args.expect(args.skip_ws(p)))
    get_offset, get_length = args.int_arg(offset), args.int_arg(length)

    def step(value: Value, ctx: object) -> Value:
        i, j = get_offset(ctx), get_length(ctx)
        if i is None or j is None:
            return None
        seq = _seq(_str(value))
        n = len(seq)
        if i < 0:
            if -i > n:
                return None
            i += n
        if i >= n:
            return None
        if j < 1:
            j = n + j - i           # may go negative: OpenSIPS crashes, cfgscript gives ""
        return _out(seq[i:i + max(min(j, n - i), 0)])
    return step


def _c_select(args: _Args, p: int) -> Step:
    index, p = args.nparam(args.expect(p))
    separator = args.at(args.expect(args.skip_ws(p)))     # one byte; may be the '}'
    sep_byte = to_bytes(separator)[:1]
    get_index = args.int_arg(index)

    def step(value: Value, ctx: object) -> Value:
        i = get_index(ctx)
        if i is None:
            return None
        s = _str(value)
        if s.isascii() and separator.isascii():
            fields: list = s.split(separator)
        else:
            fields = to_bytes(s).split(sep_byte)
        if (i >= len(fields)) if i >= 0 else (-i > len(fields)):
            return None
        return _out(fields[i])
    return step


def _c_index(reverse: bool) -> Compiler:
    def compile_index(args: _Args, p: int) -> Step:
        needle, p = args.sparam(args.expect(p))
        p = args.skip_ws(p)
        if args.at(p) not in ",}":
            raise args.error("invalid parameters")
        get_needle = args.str_arg(needle)
        get_start = args.int_arg(args.nparam(p + 1)[0]) if args.at(p) == "," else None

        def step(value: Value, ctx: object) -> Value:
            pattern = get_needle(ctx)
            start = get_start(ctx) if get_start is not None else None
            if not pattern or (start is None and get_start is not None):
                return None         # an empty needle: cfgscript says "not found"
            s = _str(value)
            if s.isascii() and pattern.isascii():
                hay, pat = s, pattern
            else:
                hay, pat = to_bytes(s), to_bytes(pattern)
            return _find(hay, pat, start, reverse)
        return step
    return compile_index


def _find(hay, pat, start: Union[int, None], reverse: bool) -> Value:
    n, m = len(hay), len(pat)
    i = start if start is not None else (n - 1 if reverse else 0)
    if i < 0:
        i = (-i) % n if n > 0 else 0
        if i > 0:
            i = n - i
    if not reverse:
        if i >= n or m > n - i:
            return None
        found = hay.find(pat, i)
    else:
        if m > n:
            return None
        i = min(i, n - m)           # clamped to the end, then to room for the needle
        found = hay.rfind(pat, 0, i + m)
    return VInt(found) if found >= 0 else None


def _c_fill(left: bool) -> Compiler:
    def compile_fill(args: _Args, p: int) -> Step:
        pad, p = args.sparam(args.expect(p), _WS_OK)
        if isinstance(pad, PVSpec):
            raise args.error("fill does not take variables")
        if len(pad) > 1:
            pad = pad.rstrip(_WS)
            if len(pad) > 1 and pad[0] == pad[-1] and pad[0] in "'\"":
                pad = pad[1:-1]
        if not pad:
            raise args.error("fill with nothing (maybe use quotes?)")
        width, _ = args.nparam(args.expect(args.skip_ws(p)))
        if isinstance(width, PVSpec):
            raise args.error("fill does not take variables")
        return _fill_step(pad, width, left)
    return compile_fill


def _fill_step(pad: str, width: int, left: bool) -> Step:
    pad_bytes = to_bytes(pad)

    def step(value: Value, ctx: object) -> Value:
        s = _str(value)
        seq = s if s.isascii() and pad.isascii() else to_bytes(s)
        unit = pad if type(seq) is str else pad_bytes
        missing = width - len(seq)
        if missing < 0:
            return value
        if left:
            return _out(unit[len(unit) - missing % len(unit):] + unit * (missing // len(unit))
                        + seq)
        return _out(seq + (unit * (missing // len(unit) + 1))[:missing])
    return step


def _c_width(args: _Args, p: int) -> Step:
    width, p = args.nparam(args.expect(p))
    if isinstance(width, int) and width < 0:
        raise args.error("negative width")
    while p < args.end and args.buf[p] in " \t\n":
        p += 1
    args.expect(p, "}")
    get_width = args.int_arg(width)

    def step(value: Value, ctx: object) -> Value:
        i = get_width(ctx)
        if i is None or i <= 0:
            return None
        s = _str(value)
        seq = _seq(s)
        if i == len(seq):
            return value
        if i < len(seq):
            return _out(seq[:i])
        if i > _BUFFER_SIZE - 1:
            return None
        return s + " " * (i - len(seq))
    return step


def _c_xor(args: _Args, p: int) -> Step:
    secret, _ = args.sparam(args.expect(p))
    get_secret = args.str_arg(secret)

    def step(value: Value, ctx: object) -> Value:
        key = get_secret(ctx)
        data = to_bytes(_str(value))
        if not key:     # an empty constant secret: OpenSIPS divides by zero if there is data
            return "" if key == "" and not data else None
        key_bytes = to_bytes(key)
        klen = len(key_bytes)
        return from_bytes(bytes(b ^ key_bytes[i % klen] for i, b in enumerate(data)))
    return step


_STRING: dict[str, Compiler] = {
    "len": _simple(_s_len), "int": _simple(_s_int), "md5": _simple(_digest("md5")),
    "sha1": _simple(_digest("sha1")), "sha224": _simple(_digest("sha224")),
    "sha256": _simple(_digest("sha256")), "sha384": _simple(_digest("sha384")),
    "sha512": _simple(_digest("sha512")),
    "sha1_hmac": _c_hmac("sha1"), "sha224_hmac": _c_hmac("sha224"),
    "sha256_hmac": _c_hmac("sha256"), "sha384_hmac": _c_hmac("sha384"),
    "sha512_hmac": _c_hmac("sha512"),
    "crc32": _simple(_s_crc32), "tolower": _simple(_s_tolower),
    "toupper": _simple(_s_toupper), "encode.hexa": _simple(_s_encode_hexa),
    "decode.hexa": _simple(_s_decode_hexa), "hex2dec": _simple(_s_hex2dec),
    "dec2hex": _simple(_s_dec2hex), "date2unix": _simple(_s_date2unix),
    "escape.common": _simple(_s_escape_common),
    "unescape.common": _simple(_s_unescape_common),
    "escape.user": _simple(_escaper(_ESCAPE_USER)),
    "unescape.user": _simple(_s_unescape_user),
    "escape.param": _simple(_escaper(_ESCAPE_PARAM)),
    "unescape.param": _simple(_s_unescape_user),
    "index": _c_index(False), "rindex": _c_index(True), "substr": _c_substr,
    "select": _c_select, "fill.left": _c_fill(True), "fill.right": _c_fill(False),
    "width": _c_width, "b64encode": _simple(_s_b64encode),
    "b64decode": _simple(_s_b64decode), "xor": _c_xor, "trim": _simple(_s_trim),
    "trimr": _simple(_s_trimr), "triml": _simple(_s_triml),
    "reverse": _simple(_s_reverse), "eval": _c_eval,
}


def _string_name(name: str) -> str:
    """tr_parse_string() also takes "trimr..."/"triml..." and "sha1??_hmac"."""
    if name.startswith("trim") and len(name) > 4:
        return name[:5]
    if len(name) in (9, 11) and name.startswith("sha") and name.endswith("_hmac"):
        return "sha1_hmac" if name[3] == "1" else f"sha{name[3:6]}_hmac"
    return name


# --------------------------------------------------------------------------- param.*

def _parse_token(s: str, i: int) -> int:
    """parse_token_param(): the end of a token starting at i."""
    while i < len(s) and s[i] not in " \t\r\n,;":
        i += 1
    return i


@lru_cache(maxsize=256)
def _parse_params(s: str) -> Union[tuple[tuple[str, str], ...], None]:
    """parse_params(CLASS_ANY): (name, body) pairs, or None on a syntax error.
    A parameter without a body has "" as body. Stops at ',' or '>'."""
    params = []
    i, n = 0, len(s)
    while True:
        start = i
        while i < n and s[i] not in " \t\r\n;,=":
            i += 1
        name, body = s[start:i], ""
        while i < n and s[i] in _WS:
            i += 1
        if i < n and s[i] == "=":
            i += 1
            while i < n and s[i] in _WS:
                i += 1
            if i == n:
                return None                                 # body missing
            if s[i] == '"':
                close = s.find('"', i + 1)
                if n - i < 2 or close < 0:
                    return None
                body, i = s[i + 1:close], close + 1
            else:
                end = _parse_token(s, i)
                if end == i:
                    return None
                body, i = s[i:end], end
            while i < n and s[i] in _WS:
                i += 1
        params.append((name, body))
        if i == n or s[i] in ",>":
            return tuple(params)
        if s[i] != ";":
            return None
        i += 1
        while i < n and s[i] in _WS:
            i += 1
        if i == n:
            return None                                     # name missing after ';'


def _list_index(items: tuple, i: int):
    """An element by index, negative from the end; None when out of range."""
    return items[i] if -len(items) <= i < len(items) else None


def _params_step(work: Callable[[tuple, object], Value]) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = _str(value)
        params = _parse_params(s) if s else None
        return None if params is None else work(params, ctx)
    return step


def _c_param_lookup(exist: bool) -> Compiler:
    def compile_lookup(args: _Args, p: int) -> Step:
        name, _ = args.sparam(args.expect(p))
        get_name = args.str_arg(name)

        def work(params: tuple, ctx: object) -> Value:
            wanted = get_name(ctx)
            if wanted is None:
                return None
            wanted = _lower(wanted)
            for pname, body in params:
                if _lower(pname) == wanted:
                    return VInt(1) if exist else body
            return VInt(0) if exist else None
        return _params_step(work)
    return compile_lookup


def _c_param_at(field: int) -> Compiler:
    def compile_at(args: _Args, p: int) -> Step:
        index, _ = args.nparam(args.expect(p))
        get_index = args.int_arg(index)

        def work(params: tuple, ctx: object) -> Value:
            i = get_index(ctx)
            found = _list_index(params, i) if i is not None else None
            return None if found is None else found[field]
        return _params_step(work)
    return compile_at


_PARAMS: dict[str, Compiler] = {
    "value": _c_param_lookup(False), "exist": _c_param_lookup(True),
    "exists": _c_param_lookup(True), "valueat": _c_param_at(1), "name": _c_param_at(0),
    "count": _simple(_params_step(lambda params, ctx: VInt(len(params)))),
}


def _param_name(name: str) -> str:
    """exist/exists are matched case-sensitively (str_match), the rest not."""
    low = _lower(name)
    return name if low in ("exist", "exists") else low


# --------------------------------------------------------------------------- csv.*

@lru_cache(maxsize=256)
def _parse_csv(s: str) -> Union[tuple[str, ...], None]:
    """_parse_csv_record(CSV_RFC_4180): printable ASCII, quoted fields."""
    if s.endswith("\r\n"):
        s = s[:-2]
    fields: list[str] = []
    field_start = 0
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if not " " <= ch <= "~":
            return None
        if ch == ",":
            fields.append(s[field_start:i])
            field_start = i + 1
        elif ch == '"' and i == field_start:
            close = i + 1
            while close < n and not (s[close] == '"' and (close == n - 1 or s[close + 1] != '"')):
                close += 2 if s[close] == '"' else 1
            if close >= n:
                return None
            fields.append(s[i + 1:close].replace('""', '"'))
            if close == n - 1:
                return tuple(fields)
            if s[close + 1] != ",":
                return None
            i = close + 1
            field_start = i + 1
            if i == n - 1:
                return tuple(fields)
        i += 1
    fields.append(s[field_start:])
    return tuple(fields)


def _csv_step(work: Callable[[tuple, object], Value]) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = _str(value)
        fields = _parse_csv(s) if s else None
        return None if fields is None else work(fields, ctx)
    return step


def _c_csv_value(args: _Args, p: int) -> Step:
    index, _ = args.nparam(args.expect(p))
    get_index = args.int_arg(index)

    def work(fields: tuple, ctx: object) -> Value:
        i = get_index(ctx)
        return None if i is None else _list_index(fields, i)
    return _csv_step(work)


_CSV: dict[str, Compiler] = {
    "count": _simple(_csv_step(lambda fields, ctx: VInt(len(fields)))),
    "value": _c_csv_value,
}


# --------------------------------------------------------------------------- uri.*

_URI_VALUE_PARAMS = {"transport": "transport", "ttl": "ttl", "user": "uparam",
                     "method": "method", "maddr": "maddr"}
_URI_FLAG_PARAMS = {"lr": "lr", "r2": "r2", "gr": "gr", "pn-provider": "pn-provider"}
_URI_STRICT_PARAMS = ("pn-prid", "pn-param", "pn-purr")     # must be followed by '='
_URI_PARAM_PREFIXES = frozenset(
    name[:k] for name in (*_URI_VALUE_PARAMS, *_URI_FLAG_PARAMS, *_URI_STRICT_PARAMS)
    for k in range(1, len(name) + 1))
_URI_FIELDS = {n: n for n in _URI_STRICT_PARAMS} | _URI_VALUE_PARAMS | _URI_FLAG_PARAMS

(_U_INIT, _U_USER, _U_PASSWORD, _U_PASSWORD_ALPHA, _U_HOST, _U_HOST_P, _U_HOST6_P,
 _U_HOST6_END, _U_PORT, _U_PARAM, _U_PARAM_P, _U_PARAM_VAL_P, _U_NAME, _U_EQ, _U_VAL_P,
 _U_HEADERS) = range(16)


class _BadUri(Exception):
    pass


class _UriParser:
    """parse_uri(): the state machine of parser/parse_uri.c, on one string.

    The recognised parameter names (transport, ttl, user, method, maddr, lr, r2,
    gr, pn-*) are followed through a prefix table instead of one state per letter;
    `pname` is the part matched so far."""

    def __init__(self, s: str):
        self.s = s
        self.fields: dict[str, tuple[int, int]] = {}
        self.port_no = 0
        self.found_user = False
        self.passwd_at = -1             # `pass`: the ':' that may end a user
        self.error_headers = False
        self.pname = ""
        self.param = ""                 # field of the recognised parameter being read
        self.value_start = 0
        self.start = 0                  # `s` in the C code

    def parse(self) -> dict[str, Union[str, int]]:
        s = self.s
        if byte_len(s) < 5 or not s[:4].isascii():
            raise _BadUri
        scheme = bytes(ord(c) | 0x20 for c in s[:4])
        kind = scheme.decode("latin-1")
        p = 4
        if kind == "sips":
            if s[4] != ":":
                raise _BadUri
            p = 5
        elif kind == "urn:":
            if s.startswith(":service:", 3):
                p, kind = 12, "urn:service"
            elif s.startswith(":nena:service:", 3):
                p, kind = 17, "urn:nena"
            else:
                raise _BadUri
        elif kind not in ("sip:", "tel:"):
            raise _BadUri
        self.start = p
        state = _U_INIT
        handlers = self.HANDLERS
        for i in range(p, len(s)):
            state = handlers[state](self, s[i], i, state)
        self.finish(state, len(s))
        return self.result(kind)

    def result(self, kind: str) -> dict[str, Union[str, int]]:
        s, fields = self.s, self.fields
        out: dict[str, Union[str, int]] = {name: s[a:b] for name, (a, b) in fields.items()}
        if kind == "tel:":
            out["user"] = out.pop("host", "")
        elif kind == "urn:nena":
            out.pop("user", None)
        out["port_no"] = self.port_no
        return out

    # ---- the C macros
    def set(self, field: str, a: int, b: int) -> None:
        self.fields[field] = (a, b)

    def still_at_user(self, p: int) -> int:
        if self.found_user:
            raise _BadUri
        user_start = self.fields.get("host", (self.start, 0))[0]
        passwd_at = self.passwd_at
        self.fields.clear()
        if passwd_at >= 0:
            self.set("user", user_start, passwd_at)
            self.set("passwd", passwd_at + 1, p)
        else:
            self.set("user", user_start, p)
        self.start = p + 1
        self.found_user = True
        self.error_headers = False
        return _U_HOST

    def semicolon(self) -> int:
        if self.passwd_at >= 0:
            self.found_user, self.passwd_at = True, -1
        return _U_PARAM

    def question(self, p: int) -> int:
        self.set("params", self.start, p)
        self.start = p + 1
        if self.passwd_at >= 0:
            self.found_user, self.passwd_at = True, -1
        return _U_HEADERS

    def colon(self, p: int) -> int:
        if not self.found_user:
            if self.passwd_at >= 0:
                self.found_user, self.passwd_at = True, -1
            else:
                self.passwd_at = p
        return _U_PARAM_P

    def common(self, ch: str, p: int, state: int) -> int:
        """param_common_cases: '@' ';' '?' ':'; the state unchanged otherwise."""
        if ch == "@":
            return self.still_at_user(p)
        if ch == ";":
            return self.semicolon()
        if ch == "?":
            return self.question(p)
        if ch == ":":
            return self.colon(p)
        return state

    def value_set(self, p: int) -> None:
        self.set(self.param, self.value_start, p)

    # ---- one method per state: (char, position, state) -> next state
    def st_init(self, ch: str, p: int, state: int) -> int:
        if ch == "[":
            self.start = p
            return _U_HOST6_P
        if ch in "]:@":
            raise _BadUri
        return _U_USER

    def st_user(self, ch: str, p: int, state: int) -> int:
        if ch in "@:":
            self.set("user", self.start, p)
            if ch == "@":
                self.found_user = True
            self.start = p + 1
            return _U_HOST if ch == "@" else _U_PASSWORD
        if ch in ";?":
            self.set("host", self.start, p)
            self.start = p + 1
            return _U_PARAM if ch == ";" else _U_HEADERS
        if ch in "[]":
            raise _BadUri
        return state

    def st_password(self, ch: str, p: int, state: int) -> int:
        if ch == "@":
            self.set("passwd", self.start, p)
            self.port_no = 0
            self.found_user = True
            self.start = p + 1
            return _U_HOST
        if ch in ";?":
            self.port_as_host(p)
            return _U_PARAM if ch == ";" else _U_HEADERS
        if ch in _DIGITS:
            if self.port_no < 0x7FFFFFFF // 10:
                self.port_no = self.port_no * 10 + ord(ch) - 48
            return state
        if ch in "[]:":
            raise _BadUri
        self.port_no = 0
        return _U_PASSWORD_ALPHA

    def port_as_host(self, p: int) -> None:
        """"user:digits" was in fact host:port."""
        self.set("port", self.start, p)
        self.port_no &= 0xFFFF
        self.fields["host"] = self.fields.pop("user")
        self.found_user = True
        self.start = p + 1

    def st_password_alpha(self, ch: str, p: int, state: int) -> int:
        if ch == "@":
            self.set("passwd", self.start, p)
            self.found_user = True
            self.start = p + 1
            return _U_HOST
        if ch in ";?[]:":
            raise _BadUri
        return state

    def st_host(self, ch: str, p: int, state: int) -> int:
        if ch == "[":
            return _U_HOST6_P
        if ch in ":;?&@":
            raise _BadUri
        return _U_HOST_P

    def st_host_p(self, ch: str, p: int, state: int) -> int:
        if ch in ":;?":
            self.set("host", self.start, p)
            self.start = p + 1
            return {":": _U_PORT, ";": _U_PARAM, "?": _U_HEADERS}[ch]
        if ch in "&@" or state == _U_HOST6_END:
            raise _BadUri
        return state

    def st_host6_p(self, ch: str, p: int, state: int) -> int:
        if ch == "]":
            return _U_HOST6_END
        if ch in "[&@;?":
            raise _BadUri
        return state

    def st_port(self, ch: str, p: int, state: int) -> int:
        if ch in ";?":
            self.set("port", self.start, p)
            self.start = p + 1
            return _U_PARAM if ch == ";" else _U_HEADERS
        if ch not in _DIGITS:
            raise _BadUri
        self.port_no = self.port_no * 10 + ord(ch) - 48
        if self.port_no > 0xFFFF:
            raise _BadUri
        return state

    def st_param(self, ch: str, p: int, state: int) -> int:
        if ch in "@;?:":
            return self.common(ch, p, state)
        low = _lower(ch) if ch.isascii() else ""
        if low in _URI_PARAM_PREFIXES:
            self.pname = low
            return _U_NAME
        return _U_PARAM_P

    def st_param_p(self, ch: str, p: int, state: int) -> int:
        if ch == "=" and state == _U_PARAM_P:
            return _U_PARAM_VAL_P
        return self.common(ch, p, state)

    def st_name(self, ch: str, p: int, state: int) -> int:
        name = self.pname
        if name in _URI_STRICT_PARAMS:
            if ch != "=":
                raise _BadUri
            return _U_EQ
        if name in _URI_FIELDS:                 # a complete value or flag name
            if ch == "=":
                return _U_EQ
            return self.common(ch, p, _U_PARAM_P)
        longer = name + _lower(ch) if ch.isascii() else ""
        if longer in _URI_PARAM_PREFIXES:
            self.pname = longer
            return state
        return self.common(ch, p, _U_PARAM_P)

    def st_eq(self, ch: str, p: int, state: int) -> int:
        self.param = _URI_FIELDS[self.pname] + "_val"
        if ch in "@;?:":
            return self.common(ch, p, state)
        self.value_start = p
        return _U_VAL_P

    def st_val_p(self, ch: str, p: int, state: int) -> int:
        if ch in ";?":
            self.value_set(p)
        if ch == ":":
            self.colon(p)
            return state
        return self.common(ch, p, state)

    def st_headers(self, ch: str, p: int, state: int) -> int:
        if ch == "@":
            return self.still_at_user(p)
        if ch == ";":
            if self.found_user or self.passwd_at >= 0:
                raise _BadUri
            self.error_headers = True
        elif ch == ":" and not self.found_user:
            self.colon(p)
        elif ch == "?" and self.passwd_at >= 0:
            self.found_user, self.passwd_at = True, -1
        return state

    HANDLERS = (st_init, st_user, st_password, st_password_alpha, st_host, st_host_p,
                st_host6_p, st_host_p, st_port, st_param, st_param_p, st_param_p, st_name,
                st_eq, st_val_p, st_headers)

    def finish(self, state: int, p: int) -> None:
        """The "end of uri" switch."""
        if state == _U_USER and not self.found_user:
            self.set("host", self.start, p)
        elif state == _U_PASSWORD and not self.found_user and self.port_no <= 0xFFFF:
            self.port_as_host(p)
        elif state in (_U_HOST_P, _U_HOST6_END):
            self.set("host", self.start, p)
        elif state == _U_PORT:
            self.set("port", self.start, p)
        elif state == _U_HEADERS and not self.error_headers:
            self.set("headers", self.start, p)
        elif state in (_U_PARAM, _U_PARAM_P, _U_PARAM_VAL_P, _U_NAME, _U_EQ, _U_VAL_P):
            # a name starting with "ma", and pn-prid/param/purr, are not allowed last
            if (state in (_U_NAME, _U_EQ) and self.pname.startswith(("ma", "pn-prid", "pn-param",
                                                                      "pn-purr"))):
                raise _BadUri
            self.set("params", self.start, p)
            if state == _U_VAL_P:
                self.value_set(p)
        else:
            raise _BadUri


@lru_cache(maxsize=256)
def _parse_uri(s: str) -> Union[dict[str, Union[str, int]], None]:
    try:
        return _UriParser(s).parse()
    except _BadUri:
        return None


def _uri_step(work: Callable[[dict, str, object], Value]) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = _str(value)
        uri = _parse_uri(s) if s else None
        return None if uri is None else work(uri, s, ctx)
    return step


def _uri_field(field: str) -> Compiler:
    step = _uri_step(lambda uri, s, ctx: uri.get(field) or None)
    return _simple(step)


def _uri_port(uri: dict, s: str, ctx: object) -> Value:
    return VInt(uri["port_no"]) if uri.get("port") else None


def _uri_schema(uri: dict, s: str, ctx: object) -> Value:
    colon = s.find(":", 0, 5)
    return s[:colon] if colon >= 0 else None


def _c_uri_param(args: _Args, p: int) -> Step:
    name, _ = args.sparam(args.expect(p))
    get_name = args.str_arg(name)

    def work(uri: dict, s: str, ctx: object) -> Value:
        if not uri.get("params"):
            return None
        params = _parse_params(uri["params"])
        wanted = get_name(ctx)
        if params is None or wanted is None:
            return None
        wanted = _lower(wanted)
        for pname, body in params:
            if _lower(pname) == wanted:
                return body
        return None
    return _uri_step(work)


_URI: dict[str, Compiler] = {
    "user": _uri_field("user"), "host": _uri_field("host"), "domain": _uri_field("host"),
    "passwd": _uri_field("passwd"), "port": _simple(_uri_step(_uri_port)),
    "params": _uri_field("params"), "param": _c_uri_param,
    "headers": _uri_field("headers"), "transport": _uri_field("transport_val"),
    "ttl": _uri_field("ttl_val"), "uparam": _uri_field("uparam_val"),
    "maddr": _uri_field("maddr_val"), "method": _uri_field("method_val"),
    "lr": _uri_field("lr_val"), "r2": _uri_field("r2_val"),
    "schema": _simple(_uri_step(_uri_schema)),
}


# --------------------------------------------------------------------------- nameaddr.*

(_T_START, _T_DISPLAY_QUOTED, _T_E_DISPLAY_QUOTED, _T_DISPLAY_TOKEN, _T_DISPLAY_TOKEN2,
 _T_S_URI_ENCLOSED, _T_URI_ENCLOSED, _T_E_URI_ENCLOSED, _T_URI_OR_TOKEN, _T_MAYBE_URI_END,
 _T_END, _T_F_CR, _T_F_LF, _T_F_CRLF) = range(14)
(_P_S_NAME, _P_NAME, _P_S_EQUAL, _P_S_VALUE, _P_TAG1, _P_TAG2, _P_TAG3, _P_VALUE_TOKEN,
 _P_VALUE_QUOTED, _P_E_VALUE) = range(20, 30)
_T_FOLD = (_T_F_CR, _T_F_LF, _T_F_CRLF)
_NOT_FOLDED = " \t\r\n\0,\\"     # chars the F_CR/F_LF states do not take as a new line


class _ToParam:
    __slots__ = ("tag", "name_s", "name_len", "value_s", "value_len")

    def __init__(self) -> None:
        self.tag = False
        self.name_s = self.name_len = self.value_len = 0
        self.value_s = -1


class _ToBody:
    __slots__ = ("error", "body_s", "body_len", "uri_s", "uri_len", "display_s",
                 "display_len", "params", "next")

    def __init__(self) -> None:
        self.error = False
        self.body_s = self.uri_s = self.display_s = -1
        self.body_len = self.uri_len = self.display_len = 0
        self.params: list[_ToParam] = []
        self.next: Union[_ToBody, None] = None


class _ToEnd(Exception):
    """goto endofheader"""


class _ToError(Exception):
    """goto parse_error / error"""


class _ParamParser:
    """parse_to_param() of parser/parse_to.c (multi-body mode).

    char() handles buf[tmp] and returns the position reached; it raises _ToEnd
    for "goto endofheader" and _ToError for "goto parse_error"."""

    def __init__(self, buf: str, body: _ToBody):
        self.buf = buf
        self.body = body
        self.param: Union[_ToParam, None] = None
        self.status = self.saved = _P_E_VALUE

    def run(self, tmp: int) -> tuple[int, int]:
        """Parse from the ';' at tmp; returns (stop position, status for the caller)."""
        buf, end = self.buf, len(self.buf)
        try:
            while tmp < end:
                tmp = self.char(buf[tmp], tmp) + 1
            if self.status == _P_VALUE_QUOTED:
                raise _ToError
        except _ToEnd:
            pass
        except _ToError:
            return self.fail(tmp)
        param = self.param
        if param is not None and self.saved in (_P_S_EQUAL, _P_S_VALUE):
            self.saved = _P_E_VALUE
            param.value_s, param.value_len = -1, 0
            if param.tag:
                return self.fail(tmp)
            self.add()
        return tmp, self.saved

    def fail(self, tmp: int) -> tuple[int, int]:
        self.body.params.clear()
        self.body.error = True
        return tmp, self.status

    def add(self) -> None:
        self.body.params.append(self.param)
        self.param = None

    def end_name(self, tmp: int) -> None:
        if self.status == _P_TAG3:
            self.param.tag = True
        self.param.name_len = tmp - self.param.name_s

    def char(self, ch: str, tmp: int) -> int:
        status, param = self.status, self.param
        if status in _T_FOLD and ch not in _NOT_FOLDED:
            raise _ToEnd                    # the next line does not continue the header
        if ch in " \t":
            if status in (_P_TAG3, _P_NAME, _P_TAG1, _P_TAG2):
                self.end_name(tmp)
                self.status = _P_S_EQUAL
            elif status == _P_VALUE_TOKEN:
                param.value_len = tmp - param.value_s
                self.status = _P_E_VALUE
                self.add()
            elif status in _T_FOLD:
                self.status = self.saved
        elif ch in "\r\n":
            self.line_end(ch, tmp)
        elif ch in "\0,":
            if status != _P_VALUE_QUOTED:
                self.value_end(tmp)
                self.saved = self.status
                raise _ToEnd
        elif ch == "\\":
            if status != _P_VALUE_QUOTED or tmp + 1 == len(self.buf):
                raise _ToError
            if self.buf[tmp + 1] not in "\r\n":
                return tmp + 1
        elif ch == '"':
            self.quote(tmp)
        elif ch == ";":
            if status != _P_VALUE_QUOTED:
                self.value_end(tmp)
                self.param = _ToParam()
                self.status = _P_S_NAME
        elif ch == "=":
            self.equal(tmp)
        else:
            self.other(ch, tmp)
        return tmp

    def line_end(self, ch: str, tmp: int) -> None:
        status, param = self.status, self.param
        fold = _T_F_LF if ch == "\n" else _T_F_CR
        if status in (_P_S_NAME, _P_S_EQUAL, _P_S_VALUE, _P_E_VALUE):
            self.saved, self.status = status, fold
        elif status in (_P_TAG3, _P_NAME, _P_TAG1, _P_TAG2):
            self.end_name(tmp)
            self.saved, self.status = _P_S_EQUAL, fold
        elif status == _P_VALUE_TOKEN:
            param.value_len = tmp - param.value_s
            self.saved, self.status = _P_E_VALUE, fold
            self.add()
        elif status == _T_F_CR and ch == "\n":
            self.status = _T_F_CRLF
        elif status in _T_FOLD:
            self.status = self.saved
            raise _ToEnd
        else:
            raise _ToError

    def value_end(self, tmp: int) -> None:
        """At ';' ',' NUL: the fall-through PARA_NAME -> S_EQUAL -> VALUE_TOKEN -> E_VALUE."""
        status, param = self.status, self.param
        if status == _P_E_VALUE:
            return
        if status not in (_P_NAME, _P_S_EQUAL, _P_S_VALUE, _P_VALUE_TOKEN):
            raise _ToError
        if status == _P_NAME:
            param.name_len = tmp - param.name_s
        if status != _P_VALUE_TOKEN:
            if param.tag:
                raise _ToError          # "tag" needs a value
            param.value_s = tmp
        self.status = _P_E_VALUE
        param.value_len = tmp - param.value_s
        self.add()

    def quote(self, tmp: int) -> None:
        if self.status == _P_S_VALUE:
            self.param.value_s = tmp + 1
            self.status = _P_VALUE_QUOTED
        elif self.status == _P_VALUE_QUOTED:
            self.param.value_len = tmp - self.param.value_s
            self.add()
            self.status = _P_E_VALUE
        else:
            raise _ToError

    def equal(self, tmp: int) -> None:
        status = self.status
        if status in (_P_TAG3, _P_NAME, _P_TAG1, _P_TAG2):
            self.end_name(tmp)
            self.status = _P_S_VALUE
        elif status == _P_S_EQUAL:
            self.status = _P_S_VALUE
        elif status != _P_VALUE_QUOTED:
            raise _ToError

    def other(self, ch: str, tmp: int) -> None:
        """Any other char; 't' 'a' 'g' spell the "tag" parameter."""
        status = self.status
        low = _lower(ch) if ch.isascii() else ""
        if status == _P_S_NAME:
            self.param.name_s = tmp
            self.status = _P_TAG1 if low == "t" else _P_NAME
        elif status == _P_S_VALUE:
            self.param.value_s = tmp
            self.status = _P_VALUE_TOKEN
        elif status in (_P_TAG1, _P_TAG2, _P_TAG3):
            self.status = {(_P_TAG1, "a"): _P_TAG2, (_P_TAG2, "g"): _P_TAG3}.get(
                (status, low), _P_NAME)
        elif status not in (_P_VALUE_QUOTED, _P_VALUE_TOKEN, _P_NAME):
            raise _ToError


class _ToParser:
    """_parse_to() of parser/parse_to.c in multi-body mode (parse_multi_to).
    char() works like _ParamParser.char()."""

    def __init__(self, buf: str):
        self.buf = buf
        self.first = self.body = _ToBody()
        self.status = self.saved = _T_START
        self.end_mark = -1
        self.stop = len(buf)            # where "endofheader" was reached

    def parse(self) -> _ToBody:
        buf, end = self.buf, len(self.buf)
        tmp = 0
        try:
            while tmp < end:
                tmp = self.char(buf[tmp], tmp) + 1
        except _ToEnd:
            pass
        except _ToError:
            self.first.error = True
            return self.first
        body = self.body
        if body.display_len == 0:
            body.display_s = -1
        status = self.saved
        if status == _T_MAYBE_URI_END:
            body.uri_len = self.end_mark - body.uri_s
        if status in (_T_MAYBE_URI_END, _T_END):
            body.body_len = self.stop - body.body_s
        elif status != _P_E_VALUE:
            self.first.error = True
        return self.first

    def end_at(self, tmp: int) -> None:
        self.stop = tmp
        raise _ToEnd

    def new_body(self) -> None:
        self.body.next = self.body = _ToBody()
        self.saved = self.status = _T_START
        self.end_mark = -1

    def char(self, ch: str, tmp: int) -> int:
        status, body = self.status, self.body
        if status in _T_FOLD and ch not in _NOT_FOLDED:
            self.end_at(tmp)
        if ch in " \t":
            self.space(tmp)
        elif ch in "\r\n":
            self.line_end(ch, tmp)
        elif ch in "\0,":
            self.separator(ch, tmp)
        elif ch == "\\":
            if status != _T_DISPLAY_QUOTED:
                raise _ToError
            return tmp + 1
        elif ch in '<>"':
            self.bracket(ch, tmp)
        elif ch == ";":
            return self.semicolon(tmp)
        elif status == _T_START:
            body.uri_s = body.body_s = body.display_s = tmp
            self.status = _T_URI_OR_TOKEN
        elif status == _T_S_URI_ENCLOSED:
            body.uri_s = tmp
            self.status = _T_URI_ENCLOSED
        elif status in (_T_MAYBE_URI_END, _T_DISPLAY_TOKEN2):
            self.status = _T_DISPLAY_TOKEN
        elif status not in (_T_DISPLAY_QUOTED, _T_DISPLAY_TOKEN, _T_URI_ENCLOSED,
                            _T_URI_OR_TOKEN):
            raise _ToError
        return tmp

    def space(self, tmp: int) -> None:
        status = self.status
        if status in _T_FOLD:
            self.status = self.saved
        elif status == _T_URI_ENCLOSED:
            self.body.uri_len = tmp - self.body.uri_s
            self.status = _T_E_URI_ENCLOSED
        elif status in (_T_URI_OR_TOKEN, _T_DISPLAY_TOKEN):
            self.end_mark = tmp
            self.status = _T_MAYBE_URI_END if status == _T_URI_OR_TOKEN else _T_DISPLAY_TOKEN2

    def line_end(self, ch: str, tmp: int) -> None:
        status = self.status
        fold = _T_F_LF if ch == "\n" else _T_F_CR
        if status == _T_URI_OR_TOKEN:
            self.end_mark = tmp
            status = _T_MAYBE_URI_END
        if status in (_T_MAYBE_URI_END, _T_DISPLAY_TOKEN, _T_DISPLAY_TOKEN2,
                      _T_E_DISPLAY_QUOTED, _T_END):
            self.saved, self.status = status, fold
        elif status == _T_F_CR and ch == "\n":
            self.status = _T_F_CRLF
        elif status in _T_FOLD:
            self.status = self.saved
            self.end_at(tmp)
        else:
            raise _ToError

    def separator(self, ch: str, tmp: int) -> None:
        """NUL ends the header, ',' starts the next body."""
        status = self.status
        if ch == "," and status in (_T_DISPLAY_QUOTED, _T_URI_ENCLOSED):
            return
        if status in (_T_URI_OR_TOKEN, _T_MAYBE_URI_END):
            self.body.uri_len = tmp - self.body.uri_s
        elif status != _T_END:
            raise _ToError
        if ch == ",":
            self.new_body()
        else:
            self.saved = self.status = _T_END
            self.end_at(tmp)

    def bracket(self, ch: str, tmp: int) -> None:
        status, body = self.status, self.body
        if ch == '"':
            if status == _T_START:
                body.body_s = body.display_s = tmp
                self.status = _T_DISPLAY_QUOTED
            elif status == _T_DISPLAY_QUOTED:
                self.status = _T_E_DISPLAY_QUOTED
                body.display_len = tmp - body.display_s + 1
            else:
                raise _ToError
        elif status == _T_DISPLAY_QUOTED:
            return
        elif ch == ">":
            if status == _T_URI_ENCLOSED:
                body.uri_len = tmp - body.uri_s
            elif status != _T_E_URI_ENCLOSED:
                raise _ToError
            self.status = _T_END
        else:
            if status == _T_START:
                body.body_s = tmp
            elif status in (_T_URI_OR_TOKEN, _T_DISPLAY_TOKEN, _T_DISPLAY_TOKEN2,
                            _T_MAYBE_URI_END):
                if status in (_T_URI_OR_TOKEN, _T_DISPLAY_TOKEN):
                    self.end_mark = tmp
                body.display_len = self.end_mark - body.display_s
            elif status != _T_E_DISPLAY_QUOTED:
                raise _ToError
            self.status = _T_S_URI_ENCLOSED

    def semicolon(self, tmp: int) -> int:
        status, body = self.status, self.body
        if status in (_T_DISPLAY_QUOTED, _T_DISPLAY_TOKEN, _T_URI_ENCLOSED):
            return tmp
        if status == _T_URI_OR_TOKEN:
            self.end_mark = tmp
        if status in (_T_URI_OR_TOKEN, _T_MAYBE_URI_END):
            body.uri_len = self.end_mark - body.uri_s
        elif status != _T_END:
            raise _ToError
        body.body_len = tmp - body.body_s
        tmp, self.saved = _ParamParser(self.buf, body).run(tmp)
        if body.error or self.buf[tmp:tmp + 1] != ",":
            self.end_at(tmp)
        self.new_body()
        return tmp


@lru_cache(maxsize=256)
def _parse_nameaddr(s: str) -> Union[tuple[_ToBody, str], None]:
    """The bodies of s parsed as a To header (CRLF appended, as tr_eval_nameaddr
    does), and the parsed buffer; None when the first body has an error."""
    buf = s + "\r\n"
    first = _ToParser(buf).parse()
    return None if first.error else (first, buf)


NameAddrWork = Callable[[_ToBody, str], Value]


def _slice_or_null(buf: str, start: int, length: int) -> Value:
    """A parsed part; NULL when it is missing or empty."""
    return (buf[start:start + length] or None) if start >= 0 else None


def _na_params(body: _ToBody, buf: str) -> Value:
    """From the first parameter's name to the end of the last one (with its
    closing quote)."""
    if not body.params:
        return None
    last = body.params[-1]
    if last.value_s < 0:
        end = last.name_s + last.name_len
    else:
        end = last.value_s + last.value_len
        if end < len(buf) and buf[end] in "\"'":
            end += 1
    return buf[body.params[0].name_s:end]


def _na_param(name: str) -> NameAddrWork:
    def work(body: _ToBody, buf: str) -> Value:
        for param in body.params:
            if buf[param.name_s:param.name_s + param.name_len] == name:
                return _slice_or_null(buf, param.value_s, param.value_len)
        return None
    return work


_NAMEADDR: dict[str, NameAddrWork] = {
    "uri": lambda body, buf: _slice_or_null(buf, body.uri_s, body.uri_len),
    "len": lambda body, buf: VInt(byte_len(buf[body.body_s:body.body_s + body.body_len])),
    "name": lambda body, buf: _slice_or_null(buf, body.display_s, body.display_len),
    "params": _na_params,
}


def _nameaddr_step(work: NameAddrWork, index: Union[Getter, None]) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = _str(value)
        parsed = _parse_nameaddr(s) if s else None
        if parsed is None:
            return None
        body, buf = parsed
        if index is not None:
            i = index(ctx)
            bodies = [body]
            while bodies[-1].next is not None:
                bodies.append(bodies[-1].next)
            body = _list_index(tuple(bodies), i) if i is not None else None
            if body is None:
                return None
        return work(body, buf)
    return step


def _compile_nameaddr(args: _Args) -> Step:
    """tr_parse_nameaddr(): [index.]name[,param]."""
    index: Union[Getter, None] = None
    start = 0
    while True:
        p = start
        while p < args.end and args.buf[p] not in ",}.":
            p += 1
        name = args.rest[start:p].strip(_WS)
        if args.at(p) != ".":
            break
        if index is not None:
            raise args.error("the transformation already has an index")
        sub = _Args(Transformation(args.step.cls, name, args.step.text), args.host)
        index = sub.int_arg(sub.nparam(0)[0])
        start = p + 1
    name = _lower(name)
    if name == "param":
        param, _ = args.sparam(args.expect(p))
        # a variable is accepted at load time but refused at run time by OpenSIPS
        work = _na_param(param) if isinstance(param, str) else lambda body, buf: None
    elif name in _NAMEADDR:
        work = _NAMEADDR[name]
    else:
        raise args.error("unknown transformation")
    return _nameaddr_step(work, index)


# --------------------------------------------------------------------------- ip.*

def _str2ip4(s: str) -> Union[bytes, None]:
    """str2ip(): dotted quad, no leading zeros; "1.2.3." is 1.2.3.0 as in C."""
    if not s or s[0] not in _DIGITS:
        return None
    addr = [ord(s[0]) - 48, 0, 0, 0]
    part, digits, k, n = 0, 1, 1, len(s)
    while k < n:
        ch = s[k]
        if ch == ".":
            part, digits = part + 1, 0
            if part > 3:
                return None
            k += 1
            if k == n:
                break
            if s[k] not in _DIGITS:
                return None
            digits, addr[part] = 1, ord(s[k]) - 48
        elif ch in _DIGITS and digits in (1, 2):
            if (digits == 1 and addr[part] == 0) or (digits == 2 and (
                    addr[part] > 25 or (addr[part] == 25 and ch > "5"))):
                return None
            digits += 1
            addr[part] = addr[part] * 10 + ord(ch) - 48
        else:
            return None
        k += 1
    return bytes(addr) if part == 3 else None


def _str2ip6(s: str) -> Union[bytes, None]:
    """str2ip6(): with or without [ ], one '::' at most."""
    if s.startswith("["):
        if not s.endswith("]"):
            return None
        s = s[1:-1]
    head, tail = [0] * 8, [0] * 8
    addr, i, idx1, colons, double = head, 0, 0, 0, False
    for ch in s:
        if ch == ":":
            colons += 1
            if colons > 7:
                return None
            if double:
                if addr is tail:
                    return None
                idx1, i, addr = i, 0, tail
            else:
                double, i = True, i + 1
        elif ch in _HEXDIGITS:
            addr[i] = (addr[i] * 16 + int(ch, 16)) & 0xFFFF
            double = False
        else:
            return None
    if not double:
        i += 1
    if addr is tail:
        rest = 8 - i - idx1
        head[idx1 + rest:idx1 + rest + i] = tail[:i]
    elif colons < 7:
        return None
    return b"".join(x.to_bytes(2, "big") for x in head)


def _str2ip(s: str) -> Union[bytes, None]:
    return _str2ip4(s) or _str2ip6(s)


def _ip2a(addr: bytes) -> str:
    """ip_addr2a(): IPv6 in uppercase, without zero compression."""
    if len(addr) == 4:
        return ".".join(str(b) for b in addr)
    return ":".join(f"{int.from_bytes(addr[k:k + 2], 'big'):X}" for k in range(0, 16, 2))


def _ip_step(work: Callable[[str], Value]) -> Compiler:
    def step(value: Value, ctx: object) -> Value:
        s = _str(value)
        return work(s) if s else None
    return _simple(step)


def _ip_binary(work: Callable[[bytes], Value]) -> Compiler:
    def on_text(s: str) -> Value:
        data = to_bytes(s)
        return work(data) if len(data) in (4, 16) else None
    return _ip_step(on_text)


def _ip_test(test: Callable[[str], object]) -> Compiler:
    return _ip_step(lambda s: VInt(1 if test(s) else 0))


def _ip_pton(s: str) -> Value:
    addr = _str2ip(s)
    return None if addr is None else from_bytes(addr)


_PRIVATE_NETS = ((0x0A000000, 8), (0xAC100000, 12), (0xC0A80000, 16), (0x64400000, 10),
                 (0x7F000000, 8))


def _is_private(s: str) -> bool:
    """ip_addr_is_1918(s, 0): IPv4 only."""
    addr = _str2ip4(s)
    if addr is None:
        return False
    number = int.from_bytes(addr, "big")
    return any(number >> (32 - bits) == net >> (32 - bits) for net, bits in _PRIVATE_NETS)


def _resolver(family: int) -> Callable[[str], Value]:
    """resolvehost_af(): an IP literal of the family as is, else a DNS lookup (IPv4
    unless IPv6 is asked for: dns_try_ipv6 is off by default)."""
    lookup = socket.AF_INET6 if family == socket.AF_INET6 else socket.AF_INET

    def resolve(s: str) -> Value:
        name = s.split("\0", 1)[0]
        literal = ((_str2ip4(name) if family != socket.AF_INET6 else None)
                   or (_str2ip6(name) if family != socket.AF_INET else None))
        if literal is not None:
            return _ip2a(literal)
        try:
            infos = socket.getaddrinfo(name, None, lookup)
        except (OSError, UnicodeError, ValueError):
            return None
        if not infos:
            return None
        address = infos[0][4][0]
        return _ip2a(socket.inet_pton(infos[0][0], address.split("%", 1)[0]))
    return resolve


def _c_ip_matches(args: _Args, p: int) -> Step:
    net, _ = args.sparam(args.expect(p))
    get_net = args.str_arg(net)

    def step(value: Value, ctx: object) -> Value:
        s, network = _str(value), get_net(ctx)
        addr = _str2ip(s) if s else None
        if addr is None or network is None or "/" not in network:
            return None
        base_text, _, bits_text = network.partition("/")
        base = _str2ip(base_text)
        if base is None or not bits_text or not set(bits_text) <= set(_DIGITS):
            return None
        bits = int(bits_text) & 0xFFFFFFFF
        if bits > len(base) * 8 or len(base) != len(addr):
            return None
        shift = len(base) * 8 - bits
        same = int.from_bytes(addr, "big") >> shift == int.from_bytes(base, "big") >> shift
        return VInt(1 if same else 0)
    return step


_IP: dict[str, Compiler] = {
    "family": _ip_binary(lambda data: "INET" if len(data) == 4 else "INET6"),
    "ntop": _ip_binary(_ip2a),
    "isip": _ip_test(_str2ip), "isip4": _ip_test(_str2ip4), "isip6": _ip_test(_str2ip6),
    "pton": _ip_step(_ip_pton),
    "resolve": _ip_step(_resolver(socket.AF_UNSPEC)),
    "resolve4": _ip_step(_resolver(socket.AF_INET)),
    "resolve6": _ip_step(_resolver(socket.AF_INET6)),
    "matches": _c_ip_matches, "isprivate": _ip_test(_is_private),
}


def _ip_name(name: str) -> str:
    """tr_parse_ip() compares only "match" for a 7-letter name."""
    low = _lower(name)
    return "matches" if len(low) == 7 and low.startswith("match") else low


# --------------------------------------------------------------------------- re.subst

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
                out.append(to_bytes(_str(value)) if value is not None else b"")
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


def _c_re_subst(args: _Args, p: int) -> Step:
    expr, _ = args.sparam(args.expect(p), _WS_RBRACKET)
    if isinstance(expr, str):
        constant = _compile_subst(expr, args.host)
        get_subst: Callable[[object], Union[_Subst, None]] = lambda ctx: constant  # noqa: E731
    else:
        get_subst = _dynamic_subst(args.str_arg(expr), args.host)

    def step(value: Value, ctx: object) -> Value:
        s = _str(value)
        subst = get_subst(ctx) if s else None
        if subst is None:
            return None
        result = subst.apply(to_bytes(s), ctx)
        if result is False:
            return value                # no match: the value is left as it was
        return None if result is None else from_bytes(result)
    return step


# --------------------------------------------------------------------------- dispatch

def _by_name(table: dict[str, Compiler], canonical: Callable[[str], str] = _lower
             ) -> Callable[[_Args], Step]:
    def compile_class(args: _Args) -> Step:
        name, p = args.name()
        compile_step = table.get(canonical(name))
        if compile_step is None:
            raise args.error("unknown transformation")
        return compile_step(args, p)
    return compile_class


def _unsupported(args: _Args) -> Step:
    raise args.error("not supported in cfgscript")


_CLASSES: dict[str, Callable[[_Args], Step]] = {
    "s": _by_name(_STRING, lambda name: _string_name(_lower(name))),
    "uri": _by_name(_URI),
    "param": _by_name(_PARAMS, _param_name),
    "nameaddr": _compile_nameaddr,
    "ip": _by_name(_IP, _ip_name),
    "csv": _by_name(_CSV),
    "re": _by_name({"subst": _c_re_subst}),
    "via": _unsupported,
    "sdp": _unsupported,
}


def _compile_step(step: Transformation, host) -> Step:
    compile_class = _CLASSES.get(_lower(step.cls))
    if compile_class is None:
        raise TransformError(f"unknown transformation class '{step.cls}' in {step.text}")
    return compile_class(_Args(step, host))


def compile_chain(steps: tuple[Transformation, ...], host) -> Callable[[Value, object], Value]:
    """Compile a chain once at load time; the returned callable(value, ctx) applies
    the steps left to right. NULL passes through, a failing step gives NULL, an int
    is first given its decimal string form. Raises TransformError."""
    compiled = tuple(_compile_step(step, host) for step in steps)

    def run(value: Value, ctx: object) -> Value:
        if value is None:
            return None
        if type(value) is int:
            value = VInt(value)
        for step in compiled:
            value = step(value, ctx)
            if value is None:
                return None
        return value
    return run


def known_transformations() -> frozenset[str]:
    """Every supported "class.name", lower-case."""
    tables = {"s": _STRING, "uri": _URI, "param": _PARAMS, "ip": _IP, "csv": _CSV,
              "re": {"subst": None}, "nameaddr": {**_NAMEADDR, "param": None}}
    return frozenset(f"{cls}.{name}" for cls, table in tables.items() for name in table)
