"""Command-line words to JSON-RPC params, the way opensips-cli's `mi` reads them.

    evi:subscribe E_X udp:127.0.0.1:9999 60      positional: ["E_X", "udp:...", "60"]
    evi:subscribe event=E_X socket=udp:...       all name=value: an object
    evi:raise E_X a b c                          trailing words folded into the
                                                 array parameter: ["E_X", ["a","b","c"]]
    evi:raise E_X '{"a": 1}'                     a JSON object for evi:raise's params
                                                 is sent as its text, the form
                                                 OpenSIPS accepts
    -j                                           each word JSON-decoded when it parses
                                                 (nothing is folded then)

Positional params reach the command's parameters by count, as OpenSIPS matches
them against its recipes.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any, Optional, Union

from .errors import ArgumentError

# commands taking an array: the position and name of that parameter
ARRAY_PARAMS: dict[str, tuple[int, str]] = {
    "evi:raise": (1, "params"), "raise_event": (1, "params"),
    "statistics:get": (0, "statistics"), "get_statistics": (0, "statistics"),
    "statistics:list": (0, "statistics"), "list_statistics": (0, "statistics"),
    "statistics:reset": (0, "statistics"), "reset_statistics": (0, "statistics"),
    "tracer:start": (0, "filter"), "trace_start": (0, "filter"),
    "dialog:push_var": (2, "DID"), "dlg_push_var": (2, "DID"),
    "clusterer:broadcast_mi": (2, "cmd_params"), "cluster_broadcast_mi": (2, "cmd_params"),
    "b2b_logic:trigger_scenario": (3, "scenario_params"),
    "b2b_trigger_scenario": (3, "scenario_params"),
    "freeswitch_scripting:subscribe": (1, "events"), "fs_subscribe": (1, "events"),
    "freeswitch_scripting:unsubscribe": (1, "events"), "fs_unsubscribe": (1, "events"),
}
# parameters that take a JSON object only as text
OBJECT_TEXT_PARAMS = {"evi:raise": "params", "raise_event": "params"}

_NAMED = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)=(.*)", re.S)


def build_params(command: str, words: list[str],
                 decode_json: bool = False) -> Union[list, dict, None]:
    """The params of `command` from its words (None when there are none)."""
    if not words:
        return None
    named = [_NAMED.fullmatch(word) for word in words]
    if all(named):
        return {m.group(1): _named_value(command, m.group(1), m.group(2), decode_json)
                for m in named if m is not None}
    values: list[Any] = [_decode(word) for word in words] if decode_json else list(words)
    if command in ARRAY_PARAMS and not decode_json:
        values = _fold(command, values)
    return _object_as_text(command, values)


def _named_value(command: str, name: str, value: str, decode_json: bool) -> Any:
    if decode_json:
        decoded = _decode(value)
    elif ARRAY_PARAMS.get(command, (0, None))[1] == name and not _json_object(value):
        try:
            decoded = shlex.split(value)
        except ValueError as err:
            raise ArgumentError("%s=%s: %s" % (name, value, err)) from None
    else:
        decoded = value
    if OBJECT_TEXT_PARAMS.get(command) == name and isinstance(decoded, dict):
        return json.dumps(decoded, separators=(",", ":"), ensure_ascii=False)
    return decoded


def _fold(command: str, values: list[Any]) -> list[Any]:
    index, _ = ARRAY_PARAMS[command]
    head, tail = values[:index], values[index:]
    if not tail:
        return head
    if len(tail) == 1 and command in OBJECT_TEXT_PARAMS and _json_object(tail[0]):
        return head + tail
    return head + [tail]


def _object_as_text(command: str, values: list[Any]) -> list[Any]:
    """evi:raise's params position: an object goes as its JSON text."""
    name = OBJECT_TEXT_PARAMS.get(command)
    if name is None:
        return values
    index = ARRAY_PARAMS[command][0]
    if len(values) > index and isinstance(values[index], dict):
        values = list(values)
        values[index] = json.dumps(values[index], separators=(",", ":"), ensure_ascii=False)
    return values


def _decode(word: str) -> Any:
    try:
        return json.loads(word)
    except ValueError:
        return word


def _json_object(value: Any) -> Optional[dict]:
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return None
    decoded = _decode(value)
    return decoded if isinstance(decoded, dict) else None
