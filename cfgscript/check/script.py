"""The second phase of the check: across route blocks, from their RouteFacts
alone: definitions and redefinitions, the route-count limits, timer intervals,
reserved names, route() targets, and the route types that functions are reached
from through route()."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Optional

from ..catalog import ROUTE_KIND_TYPES, Catalog
from ..diagnostics import Diagnostic
from ..syntax.source import Source
from .codes import (
    E_ROUTE_DEFINED,
    E_ROUTE_HEADER,
    E_ROUTE_LIMIT,
    E_ROUTE_TYPE,
    E_ROUTE_UNDEFINED,
    RESERVED_WORDS,
)
from .facts import Reporter, RouteFacts, Where
from .release import ReleaseLimits


class ScriptChecker(Reporter):
    """The checks across route blocks, from their RouteFacts in file order."""

    def __init__(self, source: Source, catalog: Catalog) -> None:
        super().__init__(source)
        self.catalog = catalog
        self.limits = ReleaseLimits.of(catalog.release)
        self.named: dict[tuple[str, Optional[str]], RouteFacts] = {}
        self.singletons: dict[str, RouteFacts] = {}     # kind -> main/startup/... route
        self.top_routes: list[RouteFacts] = []          # the routes that run on their own
        self.counts: dict[str, int] = {}

    def run(self, routes: Iterable[RouteFacts]) -> list[Diagnostic]:
        for facts in routes:
            if self._register(facts):
                self.top_routes.append(facts)
        self.check_route_calls()
        self.check_route_types()
        return self.diagnostics

    def _register(self, facts: RouteFacts) -> bool:
        """Record the route; False when it is a redefinition or over a limit."""
        kind, name = facts.kind, facts.name
        if name is not None and not facts.name_quoted and (
                name in RESERVED_WORDS or self.catalog.global_type(name) is not None):
            self.error(E_ROUTE_HEADER, "'%s' is a reserved word: quote the route name (%s[\"%s\"])"
                       % (name, kind, name), facts.where)
        if kind == "timer_route":
            return self._register_timer(facts)
        if name is None or (kind == "route" and name == "0"):
            return self._register_singleton(facts)
        first = self.named.get(facts.key)
        if first is not None:
            self.error(E_ROUTE_DEFINED, "script route <%s> is redefined (%s first defined at %s:%d)"
                       % (name, kind, first.where.file, first.where.line), facts.where)
            return False
        limit = self.limits.event_routes if kind == "event_route" else self.limits.named_routes
        count = self.counts.get(kind, 0) + 1
        if count > limit:
            extra = " (OpenSIPS 4.1 crashes at start-up with 99)" if kind == "event_route" else ""
            self.error(E_ROUTE_LIMIT, "too many %s blocks: at most %d%s, no slot left for <%s>"
                       % (kind, limit, extra, name), facts.where)
            return False
        self.counts[kind] = count
        self.named[facts.key] = facts
        return True

    def _register_singleton(self, facts: RouteFacts) -> bool:
        previous = self.singletons.get(facts.kind)
        if previous is not None:
            what = "main route" if facts.kind == "route" else facts.kind
            self.error(E_ROUTE_DEFINED, "re-definition of the %s (first defined at %s:%d)"
                       % (what, previous.where.file, previous.where.line), facts.where)
            return False
        self.singletons[facts.kind] = facts
        return True

    def _register_timer(self, facts: RouteFacts) -> bool:
        count = self.counts.get("timer_route", 0) + 1
        if count > self.limits.timer_routes:
            self.error(E_ROUTE_LIMIT, "too many timer routes defined (at most %d)"
                       % self.limits.timer_routes, facts.where)
            return False
        self.counts["timer_route"] = count
        if facts.interval is not None and facts.interval <= 0:
            self.error(E_ROUTE_HEADER, "timer_route[%s, %d]: the interval must be at least 1 second"
                       % (facts.name, facts.interval), facts.where)
        return True

    def check_route_calls(self) -> None:
        for facts in list(self.named.values()) + self.top_routes:
            for target, where in facts.calls:
                route = self.named.get(("route", target))
                if route is None or not route.has_body:
                    self.error(E_ROUTE_UNDEFINED, "called route [%s] is not defined" % target,
                               where)

    def check_route_types(self) -> None:
        """Functions reached through route() must support the calling block's type."""
        for facts in self.top_routes:
            if facts.kind == "route" and facts.name not in (None, "0"):
                continue
            route_type = ROUTE_KIND_TYPES[facts.kind]
            for name, module, where in self._reachable_functions(facts):
                fn = self.catalog.module_function(module, name)
                if not fn.allowed_in(route_type):
                    self.error(E_ROUTE_TYPE, "%s() cannot be used in %s (reached through route()); "
                               "it is allowed in: %s" % (name, facts.kind,
                                                          ", ".join(fn.route_types)), where)

    def _reachable_functions(self, facts: RouteFacts) -> Iterator[tuple[str, str, Where]]:
        seen = set()
        stack = self._callees(facts)
        while stack:
            callee = stack.pop()
            if id(callee) in seen:
                continue
            seen.add(id(callee))
            yield from callee.functions
            stack.extend(self._callees(callee))

    def _callees(self, facts: RouteFacts) -> list[RouteFacts]:
        routes = (self.named.get(("route", target)) for target, _ in facts.calls)
        return [route for route in routes if route is not None]
