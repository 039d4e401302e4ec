"""The `route:` transport (OpenSIPS core): an event runs an event_route.

Raised from a top-level run (startup, timer), the route run is queued and
happens after the raising run ends, in raise order; raised while an event
route or an MI request is being handled, it runs at once, nested. Each run
gets its own AVP list and sees the event's parameters through $param.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from typing import Protocol

from .core import Occurrence, SocketError, Subscriber, TransportBase


class EventRouteRunner(Protocol):
    """The engine, as the route transport sees it."""
    event_routes: Container[str]

    def run_event_route(self, name: str, occurrence: Occurrence) -> None:
        """Run event_route[name] now (nested) or after the current run (queued)."""


@dataclass(frozen=True)
class RouteEndpoint:
    name: str


class RouteTransport(TransportBase):
    owner: EventRouteRunner
    proto = "route"
    module = "core"
    expirable = False

    def parse(self, rest: str) -> RouteEndpoint:
        if rest not in self.owner.event_routes:
            raise SocketError("cannot find route %s" % rest, "core", "scriptroute_parse")
        return RouteEndpoint(rest)

    def describe(self, endpoint: RouteEndpoint) -> str:
        return "route:" + endpoint.name

    def deliver(self, occurrence: Occurrence, endpoint: RouteEndpoint,
                subscriber: Subscriber) -> int:
        self.owner.run_event_route(endpoint.name, occurrence)
        return 0
