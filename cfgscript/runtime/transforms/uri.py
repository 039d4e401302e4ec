"""The uri.* transformations: the parts of a SIP/SIPS/TEL URI, through a port of
parse_uri() (the state machine of parser/parse_uri.c).

NAMES maps each name to its compiler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Union

from ..values import Value, VInt, byte_len
from .common import DIGITS, Args, Compiler, Step, ascii_lower, simple, str_of
from .params import parse_params

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
        self.kind = ""

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
        self.kind = kind
        return self.result(kind)

    def result(self, kind: str) -> dict[str, Union[str, int]]:
        s, fields = self.s, self.fields
        out: dict[str, Union[str, int]] = {name: s[a:b] for name, (a, b) in fields.items()}
        if kind == "tel:":
            out["user"] = out.pop("host", "")
        elif kind == "urn:nena":
            out.pop("user", None)
        out["port_no"] = self.port_no
        out["scheme"] = kind
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
        if ch in DIGITS:
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
        if ch not in DIGITS:
            raise _BadUri
        self.port_no = self.port_no * 10 + ord(ch) - 48
        if self.port_no > 0xFFFF:
            raise _BadUri
        return state

    def st_param(self, ch: str, p: int, state: int) -> int:
        if ch in "@;?:":
            return self.common(ch, p, state)
        low = ascii_lower(ch) if ch.isascii() else ""
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
        longer = name + ascii_lower(ch) if ch.isascii() else ""
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


# sip:/sips: with an optional plain user, a name or IPv4 host and an optional
# port: characters the state machine passes over in every state they occur in,
# so the fields are just the groups (tests hold the two to the same results)
_SIMPLE_URI = re.compile(r"[sS][iI][pP][sS]?:(?:([A-Za-z0-9_.+-]+)@)?"
                         r"([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?")


def _simple_uri(s: str) -> Union[dict[str, Union[str, int]], None]:
    """The fields of a URI of the simple shape, or None for every other URI."""
    match = _SIMPLE_URI.fullmatch(s)
    if match is None:
        return None
    user, host, port = match.groups()
    fields: dict[str, Union[str, int]] = {"host": host, "port_no": 0,
                                          "scheme": s[:4].lower()}    # "sip:" or "sips"
    if user is not None:
        fields["user"] = user
    if port is not None:
        number = int(port)
        if number > 0xFFFF:
            return None
        fields["port"], fields["port_no"] = port, number
    return fields


@lru_cache(maxsize=256)
def _parse_uri(s: str) -> Union[dict[str, Union[str, int]], None]:
    simple_fields = _simple_uri(s)
    if simple_fields is not None:
        return simple_fields
    try:
        return _UriParser(s).parse()
    except _BadUri:
        return None


@dataclass(frozen=True, slots=True)
class UriSpans:
    """A parsed URI as positions: each part's (start, end) in the text."""
    kind: str                               # "sip:", "sips", "tel:", "urn:service", ...
    spans: dict[str, tuple[int, int]]
    port_no: int


def uri_spans(s: str) -> Optional[UriSpans]:
    """parse_uri() keeping where each part is, for rewriting a URI; None when it is no URI."""
    parser = _UriParser(s)
    try:
        parser.parse()
    except _BadUri:
        return None
    spans = dict(parser.fields)
    if parser.kind == "tel:":
        spans["user"] = spans.pop("host", (parser.start, parser.start))
    return UriSpans(parser.kind, spans, parser.port_no)


def parse_uri(s: str) -> Optional[dict[str, Union[str, int]]]:
    """The parts of a URI as text (cached), with "port_no"; None when it is no URI."""
    return _parse_uri(s) if s else None


def _uri_step(work: Callable[[dict, str, object], Value]) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = str_of(value)
        uri = _parse_uri(s) if s else None
        return None if uri is None else work(uri, s, ctx)
    return step


def _uri_field(field: str) -> Compiler:
    step = _uri_step(lambda uri, s, ctx: uri.get(field) or None)
    return simple(step)


def _uri_port(uri: dict, s: str, ctx: object) -> Value:
    return VInt(uri["port_no"]) if uri.get("port") else None


def _uri_schema(uri: dict, s: str, ctx: object) -> Value:
    colon = s.find(":", 0, 5)
    return s[:colon] if colon >= 0 else None


def _c_uri_param(args: Args, p: int) -> Step:
    get_name = args.only_str_param(p)

    def work(uri: dict, s: str, ctx: object) -> Value:
        if not uri.get("params"):
            return None
        params = parse_params(uri["params"])
        wanted = get_name(ctx)
        if params is None or wanted is None:
            return None
        wanted = ascii_lower(wanted)
        for pname, body in params:
            if ascii_lower(pname) == wanted:
                return body
        return None
    return _uri_step(work)


NAMES: dict[str, Compiler] = {
    "user": _uri_field("user"), "host": _uri_field("host"), "domain": _uri_field("host"),
    "passwd": _uri_field("passwd"), "port": simple(_uri_step(_uri_port)),
    "params": _uri_field("params"), "param": _c_uri_param,
    "headers": _uri_field("headers"), "transport": _uri_field("transport_val"),
    "ttl": _uri_field("ttl_val"), "uparam": _uri_field("uparam_val"),
    "maddr": _uri_field("maddr_val"), "method": _uri_field("method_val"),
    "lr": _uri_field("lr_val"), "r2": _uri_field("r2_val"),
    "schema": simple(_uri_step(_uri_schema)),
}
