"""Meta-commands that look at the running script: routes, variables, timers."""

from __future__ import annotations

import json

from ..runtime.values import text
from .host import Host
from .registry import CommandError, arity, meta_command
from .words import Word


@meta_command(":routes")
def routes(host: Host, words: list[Word]) -> bool:
    """The script's routes, by kind, with where they start."""
    arity(words, 0, 0, ":routes")
    rows = []
    for node in host.engine.script.routes():
        name = "[%s]" % node.name if node.name not in (None, "0") else ""
        interval = " every %d s" % node.interval if node.interval else ""
        rows.append("%-40s %s:%d%s" % (node.kind + name, node.file, node.line, interval))
    return _listing(host, rows, "no routes")


@meta_command(":run", "ROUTE [ARG ...]", takes=("route", "value"))
def run_route(host: Host, words: list[Word]) -> bool:
    """Call route[ROUTE] with arguments, as route(ROUTE, ARG, ...) does.
    ARG: 5 is an int, "quoted" or bare words are strings."""
    if not words:
        raise CommandError("usage: :run ROUTE [ARG ...]")
    name = words[0].text
    if host.engine.named_route(name) is None:
        raise CommandError("route[%s] is not defined (see :routes)" % name, words[0].column)
    args = [str(w.value) if isinstance(w.value, int) and not w.quoted
            else json.dumps(str(w.value)) for w in words[1:]]
    return host.run_code("route(%s);" % ", ".join([name] + args))


@meta_command(":vars")
def script_vars(host: Host, words: list[Word]) -> bool:
    """The $var values, kept across the runs of the script."""
    arity(words, 0, 0, ":vars")
    values = host.on_interpreter(lambda: sorted(host.engine.script_vars.items()))
    return _listing(host, ["$var(%s) = %s" % (name, _shown(value)) for name, value in values],
                    "no $var set")


@meta_command(":avps")
def avps(host: Host, words: list[Word]) -> bool:
    """The $avp values of the prompt's run, newest first."""
    arity(words, 0, 0, ":avps")
    stacks = host.on_interpreter(lambda: sorted((name, list(values)) for name, values
                                                in host.context.avps.stacks.items() if values))
    return _listing(host, ["$avp(%s) = %s" % (name, ", ".join(_shown(v) for v in reversed(values)))
                           for name, values in stacks], "no $avp set")


@meta_command(":timers")
def timers(host: Host, words: list[Word]) -> bool:
    """The timer routes and their intervals."""
    arity(words, 0, 0, ":timers")
    return _listing(host, ["timer_route[%s] every %d s" % (route.name, route.interval or 0)
                           for route in host.engine.timer_routes], "no timer routes")


def _listing(host: Host, rows: list[str], empty: str) -> bool:
    for row in rows or [empty]:
        host.out.show(row)
    return True


def _shown(value: object) -> str:
    """Strings quoted, ints bare, NULL as <null>."""
    if value is None:
        return text(None)
    if type(value) is str:
        return json.dumps(value, ensure_ascii=False)
    return text(value)
