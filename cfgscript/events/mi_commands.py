"""The Event Interface's MI commands: evi:subscribe, evi:list, evi:subscribers
and evi:raise (with their pre-4.0 names as aliases)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Protocol

from ..mi.core import Command, get_int, get_str
from ..mi.errors import MIError, invalid_params
from ..runtime.host import Interpreter
from .core import EventCore
from .redaction import redact_socket

DEFAULT_MI_EXPIRE = 3600


class EventCommandsHost(Interpreter, Protocol):
    """What the evi:* commands see of the engine."""
    events: EventCore

    def run_as_event_job(self, job: Callable[[], Any]) -> Any:
        """Run work as OpenSIPS runs an IPC job: event routes it raises run inline."""


def event_commands(engine: EventCommandsHost) -> list[Command]:
    """The Event Interface commands of one engine."""
    evi = _EventCommands(engine)
    return [
        Command("evi:subscribe", (("event", "socket"), ("event", "socket", "expire")),
                evi.subscribe, ("event_subscribe",), "subscribes a socket to an event"),
        Command("evi:list", ((),), evi.list_events, ("events_list",),
                "lists all the published events"),
        Command("evi:subscribers", ((), ("event",), ("event", "socket")), evi.subscribers,
                ("subscribers_list",), "lists subscribers of events"),
        Command("evi:raise", (("event",), ("event", "params")), evi.raise_event,
                ("raise_event",), "raises an event"),
    ]


class _EventCommands:
    def __init__(self, engine: EventCommandsHost) -> None:
        self.engine = engine
        self.events = engine.events

    def subscribe(self, params: dict) -> str:
        name = get_str(params, "event")
        socket = get_str(params, "socket")
        expire = get_int(params, "expire") if "expire" in params else DEFAULT_MI_EXPIRE
        if expire < 0:
            raise invalid_params("Negative expire value")
        if self.events.subscribe(name, socket, expire, from_mi=True) < 0:
            raise MIError(400, "Bad parameter value")
        return "OK"

    def list_events(self, params: dict) -> dict:
        return {"Events": [{"name": e.name, "id": e.id} for e in self.events.by_id]}

    def subscribers(self, params: dict) -> dict:
        now = time.time()
        if "event" not in params:
            return {"Events": [self._event_json(event, subs, now)
                               for event, subs in self.events.all_subscribed()]}
        event = self.events.get(get_str(params, "event"))
        if event is None:
            raise MIError(404, "Event not published")
        subscribers = self.events.live_subscribers(event)
        if "socket" in params:
            socket = get_str(params, "socket")
            forms = (socket, redact_socket(socket))     # as given, or as listed
            match = next((s for s in subscribers if s.socket in forms), None)
            if match is None:
                raise MIError(404, "Subscriber does not exist")
            return {"Event": {"name": event.name, "id": event.id,
                              "Subscriber": _subscriber_json(match, now)}}
        return {"Event": self._event_json(event, subscribers, now) if subscribers else {}}

    @staticmethod
    def _event_json(event, subscribers, now: float) -> dict:
        return {"name": event.name, "id": event.id,
                "Subscribers": [_subscriber_json(s, now) for s in subscribers]}

    def raise_event(self, params: dict) -> str:
        event = self.events.get(get_str(params, "event"))
        if event is None:
            raise MIError(404, "Event not registered")
        event_params = _raise_params(params.get("params")) if "params" in params else ()
        if not self.events.has_subscribers(event):
            raise MIError(480, "Temporarily Unavailable")
        self.engine.post(lambda: self.engine.run_as_event_job(
            lambda: self._raise(event, event_params)))
        return "OK"

    def _raise(self, event, params) -> None:
        if self.events.raise_event(event, params) < 0:
            self.engine.logger.error("core", "rpc_raise_event", "cannot raise event RPC")


def event_statistics(events: EventCore) -> Callable[[], list[tuple[str, int]]]:
    """The cfgscript statistics group: "EVENT:raised" for every event raised
    at least once, and "EVENT:SOCKET:sent|failed|buffered|dropped" for every
    current subscriber (OpenSIPS keeps no such accounting)."""
    def read() -> list[tuple[str, int]]:
        values = []
        for event in events.by_id:
            if event.raised:
                values.append(("%s:raised" % event.name, event.raised))
            for sub in list(event.subscribers):
                for counter in ("sent", "failed", "buffered", "dropped"):
                    values.append(("%s:%s:%s" % (event.name, sub.socket, counter),
                                   getattr(sub, counter)))
        return values
    return read


def _subscriber_json(sub, now: float) -> dict:
    if not sub.expiring:
        return {"socket": sub.socket, "expire": "never"}
    ttl = sub.ttl(now)
    return {"socket": sub.socket, "expire": sub.expire, "ttl": ttl if ttl > 0 else "expired"}


def _raise_params(value: Any) -> tuple:
    """evi:raise "params": an array (positional strings) or a JSON object in a string."""
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, (list, dict)):
                raise MIError(400, "Bad Params")
            out.append((None, _text(item)))
        return tuple(out)
    if not isinstance(value, str):
        raise MIError(400, "No Params")
    try:
        decoded = json.loads(value)
    except ValueError:
        raise MIError(400, "Bad Params") from None
    if not isinstance(decoded, dict):
        raise MIError(400, "Bad Params")
    return tuple((name, _json_param(item)) for name, item in decoded.items())


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value)


def _json_param(value: Any):
    """Numbers become ints (truncated), strings stay, anything else its compact JSON."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, (int, float)):
        return int(value)
    return value
