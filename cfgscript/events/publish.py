"""Which events exist once a script is loaded, in OpenSIPS's publication order.

  1. the core events (E_CORE_THRESHOLD, ...);
  2. each event_route name, subscribed to `route:NAME` (never expires);
  3. the profiling events;
  4. the events of the loaded modules (E_FLATSTORE_ROTATION, ...);
  5. every constant event name given to raise_event() / subscribe_event(),
     route by route in the order OpenSIPS fixes them up, whether the call
     ever runs or not;
  6. E_CORE_LOG.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..syntax import ast
from ..syntax.pvspec import parse_format
from .core import EventCore

CORE_EVENTS = ("E_CORE_SR_STATUS_CHANGED", "E_CORE_THRESHOLD", "E_CORE_SHM_THRESHOLD",
               "E_CORE_PKG_THRESHOLD", "E_CORE_PROC_AUTO_SCALE", "E_CORE_TCP_DISCONNECT")
PROFILING_EVENTS = ("E_PROFILING_SCRIPT", "E_PROFILING_PROC")
LOG_EVENT = "E_CORE_LOG"
EVENT_FUNCTIONS = ("raise_event", "subscribe_event")

# the order OpenSIPS fixes route tables up in (fix_rls)
_FIXUP_ORDER = ("route", "onreply_route", "failure_route", "branch_route", "local_route",
                "error_route", "startup_route", "timer_route", "event_route")


def publish_events(core: EventCore, event_routes: Iterable[str],
                   module_events: Iterable[tuple[str, str]], script: ast.Script) -> None:
    """Publish, in order, what a loaded script has: its event_route names,
    the (event, module) pairs of its modules, and the events it names."""
    for name in CORE_EVENTS:
        core.publish(name, "core")
    for name in event_routes:
        if core.publish(name, "script") is not None:
            core.subscribe(name, "route:" + name)
    for name in PROFILING_EVENTS:
        core.publish(name, "core")
    for name, module in module_events:
        core.publish(name, module)
    for name in constant_event_names(script):
        core.publish(name, "script")
    core.publish(LOG_EVENT, "core")


def constant_event_names(script: ast.Script) -> Iterator[str]:
    """Constant first arguments of raise_event()/subscribe_event() calls."""
    routes = list(script.routes())
    for kind in _FIXUP_ORDER:
        for route in routes:
            if route.kind == kind:
                yield from _names_in(route)


def _names_in(route: ast.Route) -> Iterator[str]:
    for node in ast.walk(route):
        if isinstance(node, ast.Call) and node.name in EVENT_FUNCTIONS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Str) and parse_format(first.value).is_constant:
                yield parse_format(first.value).text
