"""The via.* transformations: the parts of one Via header body, read as
parse_via() reads it when tr_eval_via() hands it the value followed by a line
end ("SIP / 2.0 / UDP host:port;params (comment)"; the first of several
comma-separated bodies).

The grammar here is the one of RFC 3261 with OpenSIPS's leniencies (white
space around '/', ':', ';' and '=', any token as transport), not a port of
parse_via()'s state machine: see README's differences.

NAMES maps each name to its compiler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ..values import Value, VInt, byte_len
from .common import Args, Compiler, Step, ascii_lower, simple, str_of

_LWS = r"[ \t]*"
_TOKEN = r"[A-Za-z0-9\-.!%*_+`'~]+"
_HOST = r"\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_PARAM = r"(%s)(?:%s=%s(%s|%s))?" % (_TOKEN, _LWS, _LWS, _QUOTED, _TOKEN)
_HEAD = re.compile(
    r"%s(SIP)%s/%s(2\.0)%s/%s(%s)[ \t]+(%s)(?:%s:%s([0-9]+))?"
    % (_LWS, _LWS, _LWS, _LWS, _LWS, _TOKEN, _HOST, _LWS, _LWS),
    re.IGNORECASE,
)
_PARAM_AT = re.compile(r"%s;%s%s" % (_LWS, _LWS, _PARAM))
_COMMENT = re.compile(r"%s\(([^)]*)\)" % _LWS)
_TAIL = re.compile(r"%s(?:,.*)?\Z" % _LWS, re.DOTALL)


@dataclass(frozen=True)
class ViaBody:
    name: str
    version: str
    transport: str
    host: str
    port_text: str
    params_text: str
    params: tuple[tuple[str, str], ...]
    comment: str


@lru_cache(maxsize=256)
def parse_via(text: str) -> Optional[ViaBody]:
    """The first Via body of text, or None where parse_via() reports an error."""
    head = _HEAD.match(text)
    if head is None or (head.group(5) and int(head.group(5)) > 65535):
        return None
    p, params, first, last = head.end(), [], -1, -1
    while (found := _PARAM_AT.match(text, p)) is not None:
        first = found.start(1) if first < 0 else first
        last = found.end()
        params.append((found.group(1), found.group(2) or ""))
        p = found.end()
    comment = _COMMENT.match(text, p)
    if comment is not None:
        last = comment.start(1) - 1 if last >= 0 else last      # the params run up to '('
        p = comment.end()
    if _TAIL.match(text, p) is None:
        return None
    name, version, transport, host, port = head.groups()
    return ViaBody(name, version, transport, host, port or "",
                   text[first:last] if first >= 0 else "", tuple(params),
                   comment.group(1) if comment is not None else "")


def _via_step(read) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = str_of(value)
        via = parse_via(s) if byte_len(s) > 2 else None
        return None if via is None else read(via, ctx)
    return step


def _field(name: str) -> Compiler:
    return simple(_via_step(lambda via, ctx: getattr(via, name) or None))


def _port(via: ViaBody, ctx: object) -> Value:
    return VInt(int(via.port_text)) if via.port_text else None


def _named_param(name: str) -> Compiler:
    return simple(_via_step(lambda via, ctx: _lookup(via, name) or None))


def _lookup(via: ViaBody, wanted: str) -> Optional[str]:
    wanted = ascii_lower(wanted)
    return next((body for pname, body in via.params if ascii_lower(pname) == wanted), None)


def _c_param(args: Args, p: int) -> Step:
    name, _ = args.sparam(args.expect(p))
    get_name = args.str_arg(name)

    def read(via: ViaBody, ctx: object) -> Value:
        wanted = get_name(ctx)
        if not via.params_text or wanted is None:
            return None
        return _lookup(via, wanted)
    return _via_step(read)


NAMES: dict[str, Compiler] = {
    "name": _field("name"), "version": _field("version"), "transport": _field("transport"),
    "host": _field("host"), "domain": _field("host"), "port": simple(_via_step(_port)),
    "params": _field("params_text"), "param": _c_param, "comment": _field("comment"),
    "branch": _named_param("branch"), "received": _named_param("received"),
    "rport": _named_param("rport"),
}
