"""Event payloads: the JSON-RPC 2.0 notification OpenSIPS builds with cJSON.

    {"jsonrpc":"2.0","method":"E_X","params":{"b":"2","a":1}}

Compact, keys in the order jsonrpc, method, params ("id" first when a
transport asks for one); params is an object when the first parameter has a
name, an array otherwise, and absent without parameters; ints are numbers,
strings are strings, NULL is null; duplicate names stay duplicate keys.
Strings are escaped like cJSON: \\" \\\\ \\b \\f \\n \\r \\t, other bytes below
0x20 as \\u00xx (lower-case), everything else (0x7f, '/', UTF-8) raw.
"""

from __future__ import annotations

import re
from typing import Optional, Union

from ..runtime.values import to_bytes

ParamValue = Union[int, str, None]
Param = tuple[Optional[str], ParamValue]

_ESCAPES = {i: "\\u%04x" % i for i in range(0x20)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", 0x08: "\\b", 0x0C: "\\f",
                 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"})
_SPECIAL = re.compile(r'[\x00-\x1f"\\]')


def json_string(value: str) -> str:
    """A cJSON string literal (quotes included)."""
    if _SPECIAL.search(value) is None:
        return '"' + value + '"'
    return '"' + value.translate(_ESCAPES) + '"'


_NAMES: dict[str, str] = {}       # parameter names, as JSON strings
_NAMES_KEPT = 4096


def json_name(name: str) -> str:
    """json_string() of a parameter name: names repeat, so they are kept."""
    quoted = _NAMES.get(name)
    if quoted is None:
        if len(_NAMES) >= _NAMES_KEPT:
            _NAMES.clear()
        quoted = _NAMES[name] = json_string(name)
    return quoted


def json_value(value: ParamValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return json_string(value)
    return str(int(value))


def params_json(params: tuple[Param, ...]) -> Optional[str]:
    """The "params" member: an object, an array, or None for no parameters."""
    if not params:
        return None
    if params[0][0] is not None:
        return "{" + ",".join([json_name(name or "") + ":" + json_value(value)
                               for name, value in params]) + "}"
    return "[" + ",".join([json_value(value) for _, value in params]) + "]"


def notification(method: str, params: tuple[Param, ...], request_id: Optional[int] = None) -> str:
    """The JSON-RPC notification text (a request when request_id is given)."""
    head = '{"id":%d,' % request_id if request_id is not None else "{"
    body = params_json(params)
    if body is None:
        return '%s"jsonrpc":"2.0","method":%s}' % (head, json_string(method))
    return '%s"jsonrpc":"2.0","method":%s,"params":%s}' % (head, json_string(method), body)


def encode(text: str) -> bytes:
    """Wire bytes of a payload (bytes that were not UTF-8 in the script stay as they were)."""
    return to_bytes(text)
