"""Event parameter rules (V22x): how raise_event() is given its parameters and
where $param() can be read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from ...check.codes import E_FUNCTION
from ...syntax import ast
from ..facts import ScriptFacts
from ..finding import ERROR, WARNING
from ..rule import Rule, Scope

PARAM_ROUTE_KINDS = ("event_route", "route")    # where $param() can have a value
FRESH_ROUTE_KINDS = ("startup_route", "timer_route", "event_route")
REMOVED_FUNCTIONS = {"fetch_event_params": "$param(name)"}


def _avp_name(node: Optional[ast.Node]) -> Optional[str]:
    if (isinstance(node, ast.Var) and node.spec.name == "avp" and node.spec.inner
            and "$" not in node.spec.inner and node.spec.index is None):
        return node.spec.inner
    return None


def _is_raise(node: ast.Node) -> bool:
    return isinstance(node, ast.Call) and node.name == "raise_event"


class LegacyRaiseEvent(Rule):
    code = "V220"
    name = "legacy-raise-event"
    severity = WARNING
    summary = "raise_event() with two arguments"
    what = "Reports raise_event(EVENT, $avp(x)) with one AVP."
    why = ("Since OpenSIPS 3.0 the second argument holds the parameter *names* and every "
           "value is null; scripts written for 2.x meant it as the values.")
    bad = ('event_route[E_LINK] { exit; }\n'
           'startup_route { $avp(v) = "up"; raise_event("E_LINK", $avp(v)); }\n')
    good = ('event_route[E_LINK] { exit; }\n'
            'startup_route {\n    $avp(n) = "state"; $avp(v) = "up";\n'
            '    raise_event("E_LINK", $avp(n), $avp(v));\n}\n')
    nodes = (ast.Call,)

    def check_node(self, node: ast.Call, scope: Scope) -> None:
        if node.name == "raise_event" and len(node.args) == 2 and node.args[1] is not None:
            scope.report(self, node, "with two arguments, the AVP gives only parameter names "
                         "and every value is null; give names and values: "
                         "raise_event(event, $avp(names), $avp(values))")


class MoreValuesThanNames(Rule):
    code = "V221"
    name = "more-values-than-names"
    severity = WARNING
    summary = "raise_event() given more values than parameter names"
    what = ("Reports raise_event(EVENT, $avp(names), $avp(values)) where the statements just "
            "before it give the values AVP more entries than the names AVP.")
    why = "raise_event() fails when there are more values than names: the event is not raised."
    bad = ('event_route[E_X] { exit; }\nstartup_route {\n    $avp(n) = "a";\n'
           '    $avp(v) = 1;\n    $avp(v) = 2;\n    raise_event("E_X", $avp(n), $avp(v));\n}\n')
    good = ('event_route[E_X] { exit; }\nstartup_route {\n    $avp(n) = "a";\n'
            '    $avp(n) = "b";\n    $avp(v) = 1;\n'
            '    $avp(v) = 2;\n    raise_event("E_X", $avp(n), $avp(v));\n}\n')

    def check_body(self, statements: Sequence[ast.Node], scope: Scope) -> None:
        for statement in statements:
            if type(statement) is ast.Call and statement.name == "raise_event":
                break
        else:
            return                      # nothing to compare: the common case, kept cheap
        # AVPs start empty in the routes that get a fresh context
        fresh = statements is scope.route.body and scope.route.kind in FRESH_ROUTE_KINDS
        counts: dict[str, Optional[int]] = {}
        for statement in statements:
            if isinstance(statement, ast.Assign):
                self._count(statement, counts, fresh)
            elif _is_raise(statement) and len(statement.args) == 3:
                self._compare(statement, counts, scope)
            elif (counts or fresh) and any(isinstance(node, (ast.Assign, ast.Call, ast.RouteCall))
                                           for node in ast.walk(statement)):
                counts, fresh = {}, False   # it may have added AVPs: nothing is known now

    @staticmethod
    def _count(node: ast.Assign, counts: dict[str, Optional[int]], fresh: bool) -> None:
        name = _avp_name(node.target)
        if name is None:
            return
        known = counts.get(name, 0 if fresh else None)
        if isinstance(node.value, ast.Null) or node.op not in ("=", ":="):
            counts[name] = None
        elif node.op == ":=":
            counts[name] = 1
        else:
            counts[name] = None if known is None else known + 1

    def _compare(self, node: ast.Call, counts: dict[str, Optional[int]], scope: Scope) -> None:
        names, values = _avp_name(node.args[1]), _avp_name(node.args[2])
        if names is None or values is None:
            return
        n_names, n_values = counts.get(names), counts.get(values)
        if n_names is not None and n_values is not None and n_values > n_names:
            scope.report(self, node, "$avp(%s) holds %d values but $avp(%s) only %d names: "
                         "raise_event() fails" % (values, n_values, names, n_names))


class ParamOutsideEventRoute(Rule):
    code = "V222"
    name = "param-outside-event-route"
    severity = WARNING
    summary = "$param() read where it can have no value"
    what = ("Reports $param() in routes that are neither an event_route nor a route[] "
            "(which may be called with parameters).")
    why = "$param() holds the event's or the route call's parameters; anywhere else it is null."
    bad = 'startup_route { xlog("$param(reason)\\n"); }\n'
    good = ('event_route[E_X] { xlog("$param(reason)\\n"); }\n'
            'startup_route { raise_event("E_X"); }\n')

    def check_script(self, facts: ScriptFacts, scope: Scope) -> None:
        for site, name in facts.param_reads:
            if site.route_kind not in PARAM_ROUTE_KINDS:
                scope.report(self, site.place, "$param(%s) is always null in a %s"
                             % (name, site.route_kind))


class EventRouteRaisesItself(Rule):
    code = "V223"
    name = "event-route-raises-itself"
    severity = WARNING
    summary = "An event_route that raises its own event"
    what = "Reports raise_event(E) inside event_route[E]."
    why = ("Each raise runs the route again, nested, until OpenSIPS refuses the 101st level "
           "with \"Too many nested events\".")
    bad = ('event_route[E_TICK] { raise_event("E_TICK"); }\n'
           'startup_route { raise_event("E_TICK"); }\n')
    good = ('event_route[E_TICK] { raise_event("E_TOCK"); }\n'
            'event_route[E_TOCK] { exit; }\nstartup_route { raise_event("E_TICK"); }\n')
    nodes = (ast.Call,)

    def check_node(self, node: ast.Call, scope: Scope) -> None:
        if (node.name == "raise_event" and scope.in_event_route and node.args
                and isinstance(node.args[0], ast.Str)
                and node.args[0].value == scope.route.name):
            scope.report(self, node, "event_route[%s] raises %s again: it recurses until the "
                         "nesting limit" % (scope.route.name, scope.route.name))


class RemovedEventFunction(Rule):
    code = "V224"
    name = "removed-event-function"
    severity = ERROR
    summary = "An Event Interface function that no longer exists"
    what = "Reports fetch_event_params() and other functions removed from the Event Interface."
    why = "OpenSIPS 3.0 and later refuse the script: the function is unknown."
    bad = 'event_route[E_X] { fetch_event_params("ip=$avp(ip)"); }\nstartup_route { exit; }\n'
    good = ('event_route[E_X] { $avp(ip) = $param(ip); }\n'
            'startup_route { raise_event("E_X"); }\n')
    nodes = (ast.Call,)
    supersedes = (E_FUNCTION,)

    def check_node(self, node: ast.Call, scope: Scope) -> None:
        replacement = REMOVED_FUNCTIONS.get(node.name)
        if replacement:
            scope.report(self, node, "%s() was removed in OpenSIPS 3.0; read parameters with %s"
                         % (node.name, replacement))


RULES = (LegacyRaiseEvent, MoreValuesThanNames, ParamOutsideEventRoute, EventRouteRaisesItself,
         RemovedEventFunction)
