"""What a runtime module sees of the engine that loaded it: the interpreter's
interface plus the event core, the other loaded modules and the MI entry point.
The engine satisfies `ModuleHost`; modules never import the engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional, Protocol

from ..mi.statistics import Statistics
from ..runtime.host import Interpreter
from ..runtime.module import Module
from ..syntax import ast
from .core import EventCore


class ModuleHost(Interpreter, Protocol):
    events: EventCore
    modules: Mapping[str, Module]       # the loaded modules cfgscript implements
    statistics: Statistics              # what $stat() and MI statistics:* see
    script: ast.Script                  # the script as parsed (its sockets, aliases)

    def mi_request(self, data: bytes, timeout: float = ...) -> Optional[bytes]:
        """Answer one MI request on the interpreter thread (None: timed out or
        a notification)."""
