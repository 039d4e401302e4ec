"""Core MI commands: the Event Interface (evi:*) and the core:* commands."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from .. import __version__
from .core import Command, Registry, get_int, get_str
from .errors import MIError, invalid_params

DEFAULT_MI_EXPIRE = 3600


def core_commands(engine) -> list[Command]:
    """The core and Event Interface commands of one engine."""
    evi = _EventCommands(engine)
    core = _CoreCommands(engine)
    return [
        Command("evi:subscribe", (("event", "socket"), ("event", "socket", "expire")),
                evi.subscribe, ("event_subscribe",), "subscribes a socket to an event"),
        Command("evi:list", ((),), evi.list_events, ("events_list",),
                "lists all the published events"),
        Command("evi:subscribers", ((), ("event",), ("event", "socket")), evi.subscribers,
                ("subscribers_list",), "lists subscribers of events"),
        Command("evi:raise", (("event",), ("event", "params")), evi.raise_event,
                ("raise_event",), "raises an event"),
        Command("core:version", ((), ("revision",)), core.version),
        Command("core:uptime", ((),), core.uptime),
        Command("core:which", ((), ("command",)), core.which),
        Command("core:help", ((), ("mi_cmd",)), core.help),
        Command("core:ps", ((),), core.ps),
        Command("core:pwd", ((),), core.pwd),
        Command("core:arg", ((),), core.arg),
        Command("core:log_level", ((), ("level",), ("level", "pid")), core.log_level),
        Command("core:xlog_level", ((), ("level",)), core.xlog_level),
        Command("core:kill", ((),), core.kill),
    ]


class _EventCommands:
    def __init__(self, engine) -> None:
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
            match = next((s for s in subscribers if s.socket == socket), None)
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


class _CoreCommands:
    def __init__(self, engine) -> None:
        self.engine = engine

    @property
    def registry(self) -> Registry:
        return self.engine.mi

    def version(self, params: dict) -> dict:
        return {"Server": "cfgscript %s (OpenSIPS %s script interpreter)"
                % (__version__, self.engine.catalog.opensips_version)}

    def uptime(self, params: dict) -> dict:
        started = self.engine.started
        return {"Now": time.ctime(), "Up since": time.ctime(started),
                "Up time": "%d [sec]" % int(time.time() - started)}

    def which(self, params: dict) -> list:
        if "command" not in params:
            return self.registry.names()
        name = get_str(params, "command")
        if name.endswith(":"):
            return [c for c in self.registry.names() if c.startswith(name)]
        try:
            command = self.registry.resolve(name)
        except MIError:
            raise MIError(404, "unknown MI command") from None
        return [list(recipe) for recipe in command.recipes]

    def help(self, params: dict) -> Any:
        if "mi_cmd" not in params:
            return "Usage: help mi_cmd - returns information about 'mi_cmd'"
        try:
            command = self.registry.resolve(get_str(params, "mi_cmd"))
        except MIError:
            raise MIError(404, "unknown MI command") from None
        return {"Help": command.help or "no help available",
                "Exported by": command.group}

    def ps(self, params: dict) -> dict:
        return {"Processes": [{"ID": 0, "PID": os.getpid(), "Type": "cfgscript interpreter"}]}

    def pwd(self, params: dict) -> dict:
        return {"WD": os.getcwd()}

    def arg(self, params: dict) -> list:
        return list(sys.argv)

    def log_level(self, params: dict) -> dict:
        log = self.engine.logger
        if "level" not in params:
            return {"Processes": [{"PID": os.getpid(), "Log level": log.log_level,
                                   "Type": "cfgscript interpreter"}]}
        level = get_int(params, "level")
        if "pid" in params:
            if get_int(params, "pid") != os.getpid():
                raise invalid_params("Bad PID")
            log.log_level = level
            return {"Log level": level}
        log.log_level = level
        return {"New global log level": level}

    def xlog_level(self, params: dict) -> dict:
        log = self.engine.logger
        if "level" not in params:
            return {"xLog Level": log.xlog_level}
        log.xlog_level = get_int(params, "level")
        return {"New xLog level": log.xlog_level}

    def kill(self, params: dict) -> str:
        self.engine.stop()
        return "OK"
