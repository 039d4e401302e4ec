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
    nodes = list(host.engine.script.routes())
    for node in nodes:
        name = "[%s]" % node.name if node.name not in (None, "0") else ""
        interval = " every %d s" % node.interval if node.interval else ""
        host.out.show("%-40s %s:%d%s" % (node.kind + name, node.file, node.line, interval))
    if not nodes:
        host.out.show("no routes")
    return True


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
    for name, value in values:
        host.out.show("$var(%s) = %s" % (name, _shown(value)))
    if not values:
        host.out.show("no $var set")
    return True


@meta_command(":avps")
def avps(host: Host, words: list[Word]) -> bool:
    """The $avp values of the prompt's run, newest first."""
    arity(words, 0, 0, ":avps")
    stacks = host.on_interpreter(lambda: sorted((name, list(values)) for name, values
                                                in host.context.avps.stacks.items() if values))
    for name, values in stacks:
        host.out.show("$avp(%s) = %s" % (name, ", ".join(_shown(v) for v in reversed(values))))
    if not stacks:
        host.out.show("no $avp set")
    return True


@meta_command(":timers")
def timers(host: Host, words: list[Word]) -> bool:
    """The timer routes and their intervals."""
    arity(words, 0, 0, ":timers")
    for route in host.engine.timer_routes:
        host.out.show("timer_route[%s] every %d s" % (route.name, route.interval or 0))
    if not host.engine.timer_routes:
        host.out.show("no timer routes")
    return True


def _shown(value: object) -> str:
    """Strings quoted, ints bare, NULL as <null>."""
    if value is None:
        return text(None)
    if type(value) is str:
        return json.dumps(value, ensure_ascii=False)
    return text(value)
