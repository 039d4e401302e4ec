"""How the clients print JSON: indented (and coloured) for a terminal, one
compact line otherwise."""

from __future__ import annotations

import json
import os
import time
from typing import Any, TextIO

from .listener import Event

BOLD_CYAN, DIM, RESET = "\033[1;36m", "\033[2m", "\033[0m"


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def wants_colour(stream: TextIO) -> bool:
    return is_terminal(stream) and "NO_COLOR" not in os.environ


def dump_json(value: Any, pretty: bool) -> str:
    if pretty:
        return json.dumps(value, indent=4, ensure_ascii=False)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def format_event(event: Event, pretty: bool, colour: bool = False) -> str:
    """jsonl: the message on one line, as it arrived when it came on one line
    (OpenSIPS may send duplicate keys, {"":"a","":"b"}, which decoding would
    merge). pretty: a heading (time, event, where it came from), then the
    params indented."""
    if not pretty:
        text = event.raw.decode("utf-8", "replace").strip()
        if event.message is not None and "\n" not in text and "\r" not in text:
            return text
        return dump_json(event.record(), False)
    stamp = time.strftime("%H:%M:%S", time.localtime(event.received))
    name = event.name or "(not JSON-RPC)"
    origin = "%s %s" % (event.transport, event.peer) if event.peer else event.transport
    if colour:
        heading = "%s%s%s %s%s%s  %s%s%s" % (DIM, stamp, RESET, BOLD_CYAN, name, RESET,
                                            DIM, origin, RESET)
    else:
        heading = "%s %s  %s" % (stamp, name, origin)
    if event.message is None:
        body = event.raw.decode("utf-8", "replace")
    elif isinstance(event.message, dict) and set(event.message) <= {"jsonrpc", "method",
                                                                    "params"}:
        body = dump_json(event.params, True) if "params" in event.message else ""
    else:
        body = dump_json(event.message, True)
    if not body:
        return heading
    return heading + "\n" + "\n".join("    " + line for line in body.splitlines())
