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
from .facts import EventSite, Place, ScriptFacts, Subscription, Use
from .finding import Finding
from .rule import Rule, Scope

_VAR_READ = re.compile(r"\$\(?var\(([^()$]+)\)")
_PARAM_READ = re.compile(r"\$\(?param\(([^()$]+)\)")
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
        return WalkResult(scope.findings, facts)

    def _route(self, route: ast.Route, scope: Scope, facts: ScriptFacts) -> None:
        if route.kind == "event_route" and route.name:
            facts.event_routes.append(Use(route.name, Place.of(route)))
        elif route.kind == "timer_route":
            facts.timer_routes += 1
        gather = _Gatherer(facts, route)
        for node in ast.walk(route):
            for rule in self.by_type.get(type(node), ()):
                rule.check_node(node, scope)
            if self.body_rules and type(node) in _BODY_FIELDS:
                for name in _BODY_FIELDS[type(node)]:
                    body = getattr(node, name)
                    if body:
                        for rule in self.body_rules:
                            rule.check_body(body, scope)
            gather.node(node)


class _Gatherer:
    """Collects one route's contribution to ScriptFacts."""

    def __init__(self, facts: ScriptFacts, route: ast.Route) -> None:
        self.facts = facts
        self.route = route
        self.written: set[int] = set()          # ids of Var nodes that are written

    def node(self, node: ast.Node) -> None:
        kind = type(node)
        if kind is ast.Assign:
            self._written(node.target, reads=node.op != "=")
        elif kind is ast.ForEach:
            self._written(node.var, reads=False)
        elif kind is ast.Call:
            self._call(node)
        elif kind is ast.RouteCall:
            if isinstance(node.target, ast.Str) and node.args:
                self.facts.routes_with_args.add(node.target.value)
        elif kind is ast.Var:
            self._var(node)
        elif kind is ast.Str:               # formats: xlog() text, function arguments
            self._reads_in(node.value, node)

    def _site(self, name: ast.Node) -> EventSite:
        return EventSite(name.value, Place.of(name), self.route.kind, self.route.name)

    def _call(self, node: ast.Call) -> None:
        for arg in node.args:               # a function may write any variable it is given
            if isinstance(arg, ast.Var):
                self._written(arg, reads=True)
        args = node.args
        first = args[0] if args else None
        if not isinstance(first, ast.Str):
            return
        if node.name == "raise_event":
            self.facts.raises.append(self._site(first))
        elif node.name == "subscribe_event" and len(args) >= 2 and args[1] is not None:
            socket = args[1]
            expire = args[2] if len(args) > 2 else None
            self.facts.subscriptions.append(Subscription(
                self._site(first), socket.value if isinstance(socket, ast.Str) else None,
                Place.of(socket), expire.value if isinstance(expire, ast.Num) else None,
                expire is not None))

    def _written(self, var: ast.Var, reads: bool) -> None:
        if var.spec.name == "var" and var.spec.inner and "$" not in var.spec.inner:
            self.facts.var_writes.add(var.spec.inner)
            if not reads:
                self.written.add(id(var))

    def _var(self, node: ast.Var) -> None:
        spec = node.spec
        if spec.name == "param" and spec.inner is not None:
            self.facts.param_reads.append((EventSite(spec.inner, Place.of(node), self.route.kind,
                                                     self.route.name), spec.inner))
        if id(node) in self.written:
            return
        self._reads_in(spec.text, node)

    def _reads_in(self, text: str, node: ast.Node) -> None:
        if "$" not in text:
            return
        for match in _VAR_READ.finditer(text):
            self.facts.var_reads.append(Use(match.group(1), Place.of(node)))
        if not isinstance(node, ast.Var):       # a $param() Var is counted by _var
            for match in _PARAM_READ.finditer(text):
                site = EventSite(match.group(1), Place.of(node), self.route.kind,
                                 self.route.name)
                self.facts.param_reads.append((site, match.group(1)))
