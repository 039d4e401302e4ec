"""The core:* MI commands (the Event Interface's evi:* ones live with it, in
events/mi_commands.py)."""

from __future__ import annotations

import os
import platform
import sys
import time
from typing import Any, Protocol

from ..runtime.host import Interpreter
from .core import Command, Registry, get_int, get_str
from .errors import MIError, invalid_params

# the length of `git rev-parse --short` in the OpenSIPS repository
SHORT_REVISION = 8


class MIHost(Interpreter, Protocol):
    """What the core commands see of the engine."""
    mi: Registry

    def stop(self) -> None:
        """Shut down (core:kill)."""


def core_commands(engine: MIHost) -> list[Command]:
    """The core commands of one engine."""
    core = _CoreCommands(engine)
    return [
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


class _CoreCommands:
    def __init__(self, engine) -> None:
        self.engine = engine

    @property
    def registry(self) -> Registry:
        return self.engine.mi

    def version(self, params: dict) -> dict:
        """OpenSIPS's shape, "NAME (VERSION (ARCH/OS))", which clients parse
        (opensips-cli's diagnose reads the major and minor version from it).
        Any one parameter (OpenSIPS names it "revision" but never reads its
        value) adds the revision the sources were built from, keyed by the
        version control system: git's short form of the catalog's commit, as
        `git rev-parse --short` gives it for the OpenSIPS tree."""
        catalog = self.engine.catalog
        answer = {"Server": "OpenSIPS (%s (%s/%s))" % (catalog.opensips_version,
                                                       platform.machine() or "unknown",
                                                       sys.platform)}
        if "revision" in params:
            commit = catalog.source_commit
            if commit:
                answer["git"] = commit[:SHORT_REVISION]
            else:
                answer["unknown"] = "unknown"
        return answer

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
