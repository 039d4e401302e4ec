"""One walk over a run of top-level items: every rule's node and body hooks, and
the facts the script-level rules need. The checker calls it on each part of the
file it parses (check.check_and_visit), so lint parses nothing of its own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from ..catalog import ROUTE_KIND_TYPES, Catalog
from ..syntax import ast
from ..syntax.source import Source
from .facts import EventSite, IntComparison, Place, ScriptFacts, Subscription, Use
from .finding import Finding
from .kinds import OTHER, STRING, is_string_pvar, plain_var_name, value_kind
from .rule import Rule, Scope

_VAR_READ = re.compile(r"\$\(?var\(([^()$]+)\)")
_PARAM_READ = re.compile(r"\$\(?param\(([^()$]+)\)")
_ORDERING_OPS = frozenset(("==", "!=", "<", ">", "<=", ">="))
_BODY_FIELDS = {ast.Route: ("body",), ast.If: ("body", "orelse"), ast.While: ("body",),
                ast.ForEach: ("body",), ast.Case: ("body",), ast.Switch: ("default",),
                ast.Block: ("body",)}


@dataclass
class WalkResult:
    findings: list[Finding]
    facts: ScriptFacts


class Walker:
    """Callable as the checker's item visitor: (items, modules loaded before them)."""

    def __init__(self, rules: Sequence[Rule], catalog: Catalog, source: Source,
                 upgrade: Optional[Catalog] = None) -> None:
        self.catalog = catalog
        self.upgrade = upgrade
        self.source = source
        self.by_type: dict[type, list[Rule]] = {}
        for rule in rules:
            for node_type in rule.nodes:
                self.by_type.setdefault(node_type, []).append(rule)
        self.body_rules = [r for r in rules if r.overrides("check_body")]

    def __call__(self, items: list[ast.Node], loaded: list[str]) -> WalkResult:
        chains = {f.path: f.included_from for f in self.source.files}
        scope = Scope(self.catalog, chains, self.source.line_text, self.upgrade)
        facts = ScriptFacts(loaded=list(loaded))
        for item in items:
            if isinstance(item, ast.Route):
                scope.route, scope.loaded = item, frozenset(facts.loaded)
                scope.route_type = ROUTE_KIND_TYPES.get(item.kind, "")
                self._route(item, scope, facts)
                continue
            scope.route, scope.loaded, scope.route_type = None, frozenset(facts.loaded), ""
            for rule in self.by_type.get(type(item), ()):
                rule.check_node(item, scope)
            if (isinstance(item, ast.LoadModule) and self.catalog.has_module(item.module)
                    and item.module not in facts.loaded):
                facts.loaded.append(item.module)
            elif isinstance(item, ast.ModParam) and isinstance(item.value, str):
                _modparam_writes(item, facts)
        return WalkResult(scope.findings, facts)

    def _route(self, route: ast.Route, scope: Scope, facts: ScriptFacts) -> None:
        if route.kind == "event_route" and route.name:
            facts.event_routes.append(Use(route.name, Place.of(route)))
        elif route.kind == "timer_route":
            facts.timer_routes += 1
        gather = _Gatherer(facts, route, self.catalog, scope.loaded)
        plans: dict[type, tuple] = {}
        stack: list[ast.Node] = [route]
        while stack:
            node = stack.pop()
            kind = type(node)
            plan = plans.get(kind)
            if plan is None:
                plan = plans[kind] = self._plan(kind, gather)
            rules, has_bodies, handler = plan
            for rule in rules:
                rule.check_node(node, scope)
            if has_bodies:
                self._bodies(node, scope)
            if handler is not None:
                handler(node)
            for name in node._fields:      # children in any order: parents come first
                value = getattr(node, name)
                if type(value) is list:
                    stack += [child for child in value if child is not None]
                elif value is not None:
                    stack.append(value)

    def _plan(self, kind: type, gather: _Gatherer) -> tuple:
        """What to do with a node of this type: its rules, whether it has statement
        lists for the body rules, and its fact gatherer."""
        return (tuple(self.by_type.get(kind, ())), bool(self.body_rules) and kind in _BODY_FIELDS,
                gather.handlers.get(kind))

    def _bodies(self, node: ast.Node, scope: Scope) -> None:
        for name in _BODY_FIELDS[type(node)]:
            body = getattr(node, name)
            if body:
                for rule in self.body_rules:
                    rule.check_body(body, scope)


class _Gatherer:
    """Collects one route's contribution to ScriptFacts."""

    def __init__(self, facts: ScriptFacts, route: ast.Route, catalog: Catalog,
                 loaded: frozenset[str]) -> None:
        self.facts = facts
        self.route = route
        self.catalog = catalog
        self.loaded = loaded
        self.written: set[int] = set()          # ids of Var nodes that are written
        self.handlers = {ast.Assign: self._assign, ast.ForEach: self._foreach,
                         ast.Call: self._call, ast.RouteCall: self._route_call,
                         ast.Var: self._var, ast.Str: self._string,
                         ast.Compare: self._compare}

    def _assign(self, node: ast.Assign) -> None:
        self._written(node.target, reads=node.op != "=", kind=_assigned_kind(node))

    def _foreach(self, node: ast.ForEach) -> None:
        self._written(node.var, reads=False, kind=OTHER)

    def _route_call(self, node: ast.RouteCall) -> None:
        if isinstance(node.target, ast.Str) and node.args:
            self.facts.routes_with_args.add(node.target.value)

    def _string(self, node: ast.Str) -> None:     # formats: xlog() text, function arguments
        self._reads_in(node.value, node)

    def _site(self, name: ast.Node) -> EventSite:
        return EventSite(name.value, Place.of(name), self.route.kind, self.route.name)

    def _call(self, node: ast.Call) -> None:
        for arg in node.args:               # a function may write any variable it is given
            if isinstance(arg, ast.Var):
                self._written(arg, reads=True, kind=OTHER)
        self._output_lists(node)
        args = node.args
        first = args[0] if args else None
        if not isinstance(first, ast.Str):
            return
        if node.name == "raise_event":
            self.facts.raises.append(self._site(first))
        elif node.name == "subscribe_event" and len(args) >= 2 and args[1] is not None:
            socket = args[1]
            expire = args[2] if len(args) > 2 else None
            literal = isinstance(socket, ast.Str) and "$" not in socket.value
            self.facts.subscriptions.append(Subscription(
                self._site(first), socket.value if literal else None,
                Place.of(socket), expire.value if isinstance(expire, ast.Num) else None,
                expire is not None))

    def _output_lists(self, node: ast.Call) -> None:
        """Variables named in a no-expand string argument ("$avp(a);$var(b)"),
        which functions such as sql_query() write their results to."""
        function = self.catalog.function(node.name, self.loaded)
        if function is None:
            return
        for arg, param in zip(node.args, function.params):
            if isinstance(arg, ast.Str) and "no_expand" in param.flags:
                for name in _VAR_READ.findall(arg.value):
                    _record_write(self.facts, name, OTHER)

    def _compare(self, node: ast.Compare) -> None:
        if node.op not in _ORDERING_OPS or not isinstance(node.right, ast.Num):
            return
        spec = node.left.spec
        name = plain_var_name(spec)
        if name is not None or is_string_pvar(spec):
            self.facts.int_comparisons.append(IntComparison(spec.text, name,
                                                            Place.of(node.left)))

    def _written(self, var: ast.Var, reads: bool, kind: str) -> None:
        spec = var.spec
        if spec.name != "var" or not spec.inner:
            return
        if "$" in spec.inner or spec.dynamic is not None:
            self.facts.dynamic_var_writes = True
            return
        _record_write(self.facts, spec.inner, kind)
        if not reads:
            self.written.add(id(var))

    def _var(self, node: ast.Var) -> None:
        spec = node.spec
        if spec.name == "param" and spec.inner is not None:
            self.facts.param_reads.append((EventSite(spec.inner, Place.of(node), self.route.kind,
                                                     self.route.name), spec.inner))
        if id(node) in self.written:
            return
        if spec.name == "var" and spec.dynamic is None and not spec.transforms:
            if spec.inner:
                self.facts.var_reads.append(Use(spec.inner, Place.of(node)))
        else:
            self._reads_in(spec.text, node)

    def _reads_in(self, text: str, node: ast.Node) -> None:
        if "var(" not in text and "param(" not in text:
            return
        for match in _VAR_READ.finditer(text):
            self.facts.var_reads.append(Use(match.group(1), Place.of(node)))
        if not isinstance(node, ast.Var):       # a $param() Var is counted by _var
            for match in _PARAM_READ.finditer(text):
                site = EventSite(match.group(1), Place.of(node), self.route.kind,
                                 self.route.name)
                self.facts.param_reads.append((site, match.group(1)))


def _modparam_writes(item: ast.ModParam, facts: ScriptFacts) -> None:
    """$vars a module sets: cfgutils' varset ("name=s:text"), and any $var named in a
    module parameter (modules may write their results to it)."""
    if item.module == "cfgutils" and item.param == "varset":
        name, _, typed = item.value.partition("=")
        _record_write(facts, name.strip(), STRING if typed.startswith("s:") else OTHER)
    for name in _VAR_READ.findall(item.value):
        _record_write(facts, name, OTHER)


def _record_write(facts: ScriptFacts, name: str, kind: str) -> None:
    facts.var_writes.add(name)
    facts.var_kinds.setdefault(name, set()).add(kind)


def _assigned_kind(node: ast.Assign) -> str:
    if node.op in ("=", ":="):
        return value_kind(node.value)
    # += of a string to a string concatenates; to an int it fails and changes nothing
    return STRING if node.op == "+=" and value_kind(node.value) == STRING else OTHER
