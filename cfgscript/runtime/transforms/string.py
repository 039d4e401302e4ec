"""The s.* transformations (string class): length, digests, case, hex, escaping,
base64, dates, substrings, padding and the rest of tr_eval_string().

NAMES maps each name to its compiler; canonical_name() is how tr_parse_string()
matches a name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import zlib
from typing import Union

from ...syntax.ints import wrap32
from ...syntax.pvspec import PVSpec
from ..values import StrInt, Value, VInt, byte_len, from_bytes, has_int, int_of, to_bytes
from .common import DIGITS, HEXDIGITS, WS, WS_OK, Args, Compiler, Step, ascii_lower, simple, str_of

_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_BUFFER_SIZE = 65536                            # TR_BUFFER_SIZE


def _seq(s: str) -> Union[str, bytes]:
    """Something to index by bytes: the str itself when it is ASCII."""
    return s if s.isascii() else to_bytes(s)


def _out(seq: Union[str, bytes]) -> str:
    return seq if type(seq) is str else from_bytes(seq)


def str2sint(s: str) -> tuple[int, bool]:
    """str2sint(): the leading [+-]digits as a C int, and whether all of s was used."""
    if not s:
        return 0, False
    sign, i = 1, 0
    if s[0] in "+-":
        sign, i = (-1 if s[0] == "-" else 1), 1
    n = 0
    while i < len(s) and s[i] in DIGITS:
        n = n * 10 + ord(s[i]) - 48
        i += 1
    return wrap32(sign * n), i == len(s)


# --------------------------------------------------------------------------- without parameters

def _s_len(value: Value, ctx: object) -> Value:
    return VInt(byte_len(str_of(value)))


def _s_int(value: Value, ctx: object) -> Value:
    if type(value) is StrInt and str.__str__(value) != str(int_of(value)):
        return value                    # OpenSIPS keeps the text it had (s.hex2dec's)
    if has_int(value):
        return VInt(int_of(value))
    return VInt(str2sint(value)[0])


def _digest(algo: str) -> Step:
    def step(value: Value, ctx: object) -> Value:
        return hashlib.new(algo, to_bytes(str_of(value))).hexdigest()
    return step


def _c_hmac(algo: str) -> Compiler:
    def compile_hmac(args: Args, p: int) -> Step:
        get_key = args.only_str_param(p)

        def step(value: Value, ctx: object) -> Value:
            key = get_key(ctx)
            if key is None:
                return None
            return hmac.new(to_bytes(key), to_bytes(str_of(value)), algo).hexdigest()
        return step
    return compile_hmac


def _s_crc32(value: Value, ctx: object) -> Value:
    # crc32_uint() keeps the register as is: the bit-inverse of the standard CRC-32
    return str(zlib.crc32(to_bytes(str_of(value))) ^ 0xFFFFFFFF)


def _s_tolower(value: Value, ctx: object) -> Value:
    return ascii_lower(str_of(value))


def _s_toupper(value: Value, ctx: object) -> Value:
    return str_of(value).translate(_UPPER)


def _s_encode_hexa(value: Value, ctx: object) -> Value:
    return to_bytes(str_of(value)).hex()


def _s_decode_hexa(value: Value, ctx: object) -> Value:
    s = str_of(value)
    if not s.isascii():
        return None             # a non-ASCII byte is never a hex digit
    digits = s[:len(s) // 2 * 2]     # an odd last char is ignored
    if not HEXDIGITS.issuperset(digits):
        return None
    return from_bytes(bytes.fromhex(digits))


def _s_hex2dec(value: Value, ctx: object) -> Value:
    if has_int(value):
        return value
    if not HEXDIGITS.issuperset(value):
        return None
    return _printed_unsigned(wrap32(int(value, 16))) if value else VInt(0)


def _printed_unsigned(number: int) -> Value:
    """An int that OpenSIPS prints through int2str(), an unsigned 64-bit
    conversion: a negative one shows as 2**64 + number."""
    return VInt(number) if number >= 0 else StrInt.with_text(number, str(number + (1 << 64)))


def _s_dec2hex(value: Value, ctx: object) -> Value:
    if has_int(value):
        number = int_of(value)
    else:
        number, whole = str2sint(value)
        if not whole:
            return None
    return "%x" % (number & 0xFFFFFFFF)


_DAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_C_SPACE = " \t\n\v\f\r"


def _strptime_name(s: str, i: int, names: tuple[str, ...]) -> tuple[int, int]:
    """%a / %b: the longest full or abbreviated name, case-insensitively."""
    low = ascii_lower(s[i:i + 9])
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
    if i >= len(s) or s[i] not in DIGITS:
        return -1, i
    number = 0
    while True:
        number = number * 10 + ord(s[i]) - 48
        i += 1
        digits -= 1
        if not (digits > 0 and number * 10 <= high and i < len(s) and s[i] in DIGITS):
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
    stamp = _parse_http_date(str_of(value))
    if stamp is None or str(stamp).startswith("-1"):    # mktime() error check of the C code
        return None
    return str(stamp)


_ESCAPE_COMMON = str.maketrans({"'": "\\'", '"': '\\"', "\\": "\\\\", "\0": "\\0"})
_UNESCAPE_COMMON_RE = re.compile(r"\\(['\"\\0])")
_UNESCAPE_COMMON = {"'": "'", '"': '"', "\\": "\\", "0": "\0"}


def _s_escape_common(value: Value, ctx: object) -> Value:
    return str_of(value).translate(_ESCAPE_COMMON)


def _s_unescape_common(value: Value, ctx: object) -> Value:
    return _UNESCAPE_COMMON_RE.sub(lambda m: _UNESCAPE_COMMON[m.group(1)], str_of(value))


def _percent_table(safe: str) -> dict[int, str]:
    return {c: f"%{c:02x}" for c in range(32, 127) if chr(c) not in safe}


_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_ESCAPE_USER = _percent_table(_ALNUM + "!$&'()*+,-./;=?_~")      # is_username_char()
_ESCAPE_PARAM = _percent_table(_ALNUM + "-_.!~*'()[]/:&+$")


def _escaper(table: dict[int, str]) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = str_of(value)
        if not (s.isascii() and s.isprintable()):       # only bytes 32..126 are allowed
            return None
        return s.translate(table)
    return step


def _s_unescape_user(value: Value, ctx: object) -> Value:
    s = str_of(value)
    parts = s.split("%")
    out = [parts[0]]
    for part in parts[1:]:
        if len(part) < 2 or not HEXDIGITS.issuperset(part[:2]):
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
    return base64.b64encode(to_bytes(str_of(value))).decode("ascii")


def _s_b64decode(value: Value, ctx: object) -> Value:
    return from_bytes(_b64_lenient(to_bytes(str_of(value))))


def _s_trim(value: Value, ctx: object) -> Value:
    return value if has_int(value) else value.strip(WS)


def _s_trimr(value: Value, ctx: object) -> Value:
    return value if has_int(value) else value.rstrip(WS)


def _s_triml(value: Value, ctx: object) -> Value:
    return value if has_int(value) else value.lstrip(WS)


def _s_reverse(value: Value, ctx: object) -> Value:
    return _out(_seq(str_of(value))[::-1])


def _c_eval(args: Args, p: int) -> Step:
    expand = args.host.expand

    def step(value: Value, ctx: object) -> Value:
        try:
            return expand(ctx, str_of(value))
        except Exception:               # any failure to parse or print the format: NULL
            return None
    return step


# --------------------------------------------------------------------------- with parameters

def _c_substr(args: Args, p: int) -> Step:
    offset, p = args.nparam(args.expect(p))
    length, _ = args.nparam(args.expect(args.skip_ws(p)))
    get_offset, get_length = args.int_arg(offset), args.int_arg(length)

    def step(value: Value, ctx: object) -> Value:
        i, j = get_offset(ctx), get_length(ctx)
        if i is None or j is None:
            return None
        seq = _seq(str_of(value))
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


def _c_select(args: Args, p: int) -> Step:
    index, p = args.nparam(args.expect(p))
    separator = args.at(args.expect(args.skip_ws(p)))     # one byte; may be the '}'
    sep_byte = to_bytes(separator)[:1]
    get_index = args.int_arg(index)

    def step(value: Value, ctx: object) -> Value:
        i = get_index(ctx)
        if i is None:
            return None
        s = str_of(value)
        if s.isascii() and separator.isascii():
            fields: list = s.split(separator)
        else:
            fields = to_bytes(s).split(sep_byte)
        if (i >= len(fields)) if i >= 0 else (-i > len(fields)):
            return None
        return _out(fields[i])
    return step


def _c_index(reverse: bool) -> Compiler:
    def compile_index(args: Args, p: int) -> Step:
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
            s = str_of(value)
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
    def compile_fill(args: Args, p: int) -> Step:
        pad, p = args.sparam(args.expect(p), WS_OK)
        if isinstance(pad, PVSpec):
            raise args.error("fill does not take variables")
        if len(pad) > 1:
            pad = pad.rstrip(WS)
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
        s = str_of(value)
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


def _c_width(args: Args, p: int) -> Step:
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
        s = str_of(value)
        seq = _seq(s)
        if i == len(seq):
            return value
        if i < len(seq):
            return _out(seq[:i])
        if i > _BUFFER_SIZE - 1:
            return None
        return s + " " * (i - len(seq))
    return step


def _c_xor(args: Args, p: int) -> Step:
    get_secret = args.only_str_param(p)

    def step(value: Value, ctx: object) -> Value:
        key = get_secret(ctx)
        data = to_bytes(str_of(value))
        if not key:     # an empty constant secret: OpenSIPS divides by zero if there is data
            return "" if key == "" and not data else None
        key_bytes = to_bytes(key)
        klen = len(key_bytes)
        return from_bytes(bytes(b ^ key_bytes[i % klen] for i, b in enumerate(data)))
    return step


NAMES: dict[str, Compiler] = {
    "len": simple(_s_len), "int": simple(_s_int), "md5": simple(_digest("md5")),
    "sha1": simple(_digest("sha1")), "sha224": simple(_digest("sha224")),
    "sha256": simple(_digest("sha256")), "sha384": simple(_digest("sha384")),
    "sha512": simple(_digest("sha512")),
    "sha1_hmac": _c_hmac("sha1"), "sha224_hmac": _c_hmac("sha224"),
    "sha256_hmac": _c_hmac("sha256"), "sha384_hmac": _c_hmac("sha384"),
    "sha512_hmac": _c_hmac("sha512"),
    "crc32": simple(_s_crc32), "tolower": simple(_s_tolower),
    "toupper": simple(_s_toupper), "encode.hexa": simple(_s_encode_hexa),
    "decode.hexa": simple(_s_decode_hexa), "hex2dec": simple(_s_hex2dec),
    "dec2hex": simple(_s_dec2hex), "date2unix": simple(_s_date2unix),
    "escape.common": simple(_s_escape_common),
    "unescape.common": simple(_s_unescape_common),
    "escape.user": simple(_escaper(_ESCAPE_USER)),
    "unescape.user": simple(_s_unescape_user),
    "escape.param": simple(_escaper(_ESCAPE_PARAM)),
    "unescape.param": simple(_s_unescape_user),
    "index": _c_index(False), "rindex": _c_index(True), "substr": _c_substr,
    "select": _c_select, "fill.left": _c_fill(True), "fill.right": _c_fill(False),
    "width": _c_width, "b64encode": simple(_s_b64encode),
    "b64decode": simple(_s_b64decode), "xor": _c_xor, "trim": simple(_s_trim),
    "trimr": simple(_s_trimr), "triml": simple(_s_triml),
    "reverse": simple(_s_reverse), "eval": _c_eval,
}


def canonical_name(name: str) -> str:
    """The NAMES key of a name: case-insensitive, and tr_parse_string() also takes
    "trimr..."/"triml..." and "sha1??_hmac"."""
    name = ascii_lower(name)
    if name.startswith("trim") and len(name) > 4:
        return name[:5]
    if len(name) in (9, 11) and name.startswith("sha") and name.endswith("_hmac"):
        return "sha1_hmac" if name[3] == "1" else f"sha{name[3:6]}_hmac"
    return name
