"""Event Interface rules (V2xx): events nothing publishes or nothing receives,
near-miss names, socket strings, expiring subscriptions, event parameters."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import ClassVar, Optional

from ...catalog import CORE
from ..facts import ScriptFacts, Subscription
from ..finding import WARNING
from ..rule import Rule, Scope
from .sockets import NEVER_EXPIRE, ROUTE_TRANSPORT, SocketProblem, socket_problem, transport_of


def near_miss(name: str, candidates: Iterable[str]) -> Optional[str]:
    """The one candidate that is surely a typo of `name`, if any."""
    others = sorted({c for c in candidates if c != name})
    close = difflib.get_close_matches(name, others, n=1, cutoff=0.85)
    return close[0] if close else None


def published_events(facts: ScriptFacts, scope: Scope) -> set[str]:
    """Events that the core or a loaded module publishes."""
    loaded = set(facts.loaded)
    return {name for name, (module, _) in scope.catalog.events.items()
            if module == CORE or module in loaded}


def has_mi(facts: ScriptFacts) -> bool:
    """Whether an MI module is loaded, through which an application may subscribe."""
    return any(module.startswith("mi_") for module in facts.loaded)


class EventRouteUnpublished(Rule):
    code = "V201"
    name = "event-route-unpublished"
    severity = WARNING
    summary = "An event_route for an event nothing publishes or raises"
    what = ("Reports `event_route[E]` blocks whose event no loaded module publishes and the "
            "script neither raises nor subscribes to by name. With an MI module loaded, "
            "through which an application may raise any event, only near misses of known "
            "names are reported.")
    why = ("The route never runs: OpenSIPS publishes the name for it, so no start-up error "
           "tells you the name is misspelt or its module is not loaded.")
    bad = ('loadmodule "event_datagram.so"\n'
           'event_route[E_MY_EVNT] { xlog("got it\\n"); }\n'
           'startup_route { raise_event("E_MY_EVENT"); }\n')
    good = ('loadmodule "event_datagram.so"\n'
            'event_route[E_MY_EVENT] { xlog("got it\\n"); }\n'
            'startup_route { raise_event("E_MY_EVENT"); }\n')

    def check_script(self, facts: ScriptFacts, scope: Scope) -> None:
        published = published_events(facts, scope)
        used = facts.raised_events | facts.subscribed_events | _route_socket_targets(facts)
        for route in facts.event_routes:
            if route.name in published or route.name in used:
                continue
            owner = scope.catalog.events.get(route.name)
            if owner is not None:
                message = ("%s is published by module '%s', which is not loaded; this route "
                           "never runs" % (route.name, owner[0]))
            else:
                guess = near_miss(route.name, published | used)
                if guess is None and has_mi(facts):
                    continue        # an application may raise it over MI (evi:raise)
                message = "nothing publishes or raises %s; this route never runs" % route.name
                if guess:
                    message += " (did you mean %s?)" % guess
            scope.report(self, route.place, message)


def _route_socket_targets(facts: ScriptFacts) -> set[str]:
    """event_routes that a subscribe_event(..., "route:NAME") runs for another event."""
    prefix = ROUTE_TRANSPORT + ":"
    return {sub.socket[len(prefix):] for sub in facts.subscriptions
            if sub.socket is not None and sub.socket.startswith(prefix)}


class RaiseUnheard(Rule):
    code = "V202"
    name = "raise-unheard"
    severity = WARNING
    summary = "raise_event() of an event that nothing can receive"
    what = ("Reports raise_event() of a literal event that has no event_route, no "
            "subscribe_event() in the script, and no MI module loaded through which an "
            "application could subscribe at run time.")
    why = "Every raise is thrown away: the Event Interface has no subscriber to deliver it to."
    bad = 'startup_route { raise_event("E_ALERT"); }\n'
    good = ('event_route[E_ALERT] { xlog("alert\\n"); }\n'
            'startup_route { raise_event("E_ALERT"); }\n')

    def check_script(self, facts: ScriptFacts, scope: Scope) -> None:
        if has_mi(facts):
            return
        heard = facts.event_route_names | facts.subscribed_events
        for site in facts.raises:
            if site.event in heard or near_miss(site.event, _known(facts, scope)):
                continue                # a near miss is EventNearMiss's finding
            scope.report(self, site.place, "nothing receives %s: no event_route, no "
                         "subscribe_event() and no MI module to subscribe through" % site.event)


def _known(facts: ScriptFacts, scope: Scope) -> set[str]:
    return (facts.event_route_names | facts.subscribed_events | published_events(facts, scope))


class EventNearMiss(Rule):
    code = "V203"
    name = "event-name-near-miss"
    severity = WARNING
    summary = "An event name that is a near miss of a subscribed or known event"
    what = ("Reports raise_event() and subscribe_event() of an event that nothing else in "
            "the script or the loaded modules uses, when its name is a near miss of one that is.")
    why = ("The Event Interface matches names exactly: a misspelt name creates a second "
           "event that nobody hears (or that never happens).")
    bad = ('event_route[E_CALL_ENDED] { xlog("done\\n"); }\n'
           'startup_route { raise_event("E_CALL_ENDDED"); }\n')
    good = ('event_route[E_CALL_ENDED] { xlog("done\\n"); }\n'
            'startup_route { raise_event("E_CALL_ENDED"); }\n')

    def check_script(self, facts: ScriptFacts, scope: Scope) -> None:
        published = published_events(facts, scope)
        receivers = facts.event_route_names | facts.subscribed_events
        for site in facts.raises:
            if site.event not in receivers | published:
                self._report(site, receivers | published, scope)
        for sub in facts.subscriptions:
            if sub.site.event not in facts.raised_events | published | facts.event_route_names:
                self._report(sub.site, facts.raised_events | published, scope)

    def _report(self, site, candidates: set[str], scope: Scope) -> None:
        guess = near_miss(site.event, candidates)
        if guess:
            scope.report(self, site.place, "%s is used nowhere else; did you mean %s?"
                         % (site.event, guess))


def socket_problems(facts: ScriptFacts,
                    scope: Scope) -> Iterator[tuple[Subscription, SocketProblem]]:
    """Each subscription with a literal socket that cannot work, and why."""
    for sub in facts.subscriptions:
        if sub.socket is not None:
            problem = socket_problem(sub.socket, scope.catalog, facts.loaded,
                                     facts.event_route_names)
            if problem is not None:
                yield sub, problem


class _SocketRule(Rule):
    """One of the two rules that share socket_problems(): those of a transport
    whose module is not loaded, or all the others."""
    not_loaded: ClassVar[bool]

    def check_script(self, facts: ScriptFacts, scope: Scope) -> None:
        for sub, problem in socket_problems(facts, scope):
            if problem.not_loaded == self.not_loaded:
                scope.report(self, sub.socket_place, problem.message)


class BadSocket(_SocketRule):
    code = "V210"
    name = "bad-socket"
    severity = WARNING
    summary = "A subscribe_event() socket the transport refuses"
    what = ("Reports subscribe_event() socket strings that name no transport or that the "
            "transport's parser refuses (missing port, port out of range, a bad rabbitmq "
            "parameter, a route: naming no event_route, ...).")
    why = ("OpenSIPS starts (it never refuses a script for a subscription), but the "
           "subscription fails at run time: subscribe_event() returns -1 and no event is "
           "ever delivered there.")
    bad = ('loadmodule "event_datagram.so"\n'
           'startup_route { subscribe_event("E_X", "udp:127.0.0.1"); }\n')
    good = ('loadmodule "event_datagram.so"\n'
            'startup_route { subscribe_event("E_X", "udp:127.0.0.1:9999"); }\n')
    not_loaded = False


class TransportNotLoaded(_SocketRule):
    code = "V211"
    name = "transport-not-loaded"
    severity = WARNING
    summary = "A subscribe_event() socket whose transport module is not loaded"
    what = "Reports sockets whose transport exists in OpenSIPS but whose module is not loaded."
    why = ("subscribe_event() fails at run time with \"couldn't find a protocol\": "
           "the event is never delivered there.")
    bad = 'startup_route { subscribe_event("E_X", "udp:127.0.0.1:9999"); }\n'
    good = ('loadmodule "event_datagram.so"\n'
            'startup_route { subscribe_event("E_X", "udp:127.0.0.1:9999"); }\n')
    not_loaded = True


class SubscriptionExpires(Rule):
    code = "V212"
    name = "subscription-expires"
    severity = WARNING
    summary = "A startup_route subscription with an expire that no timer_route renews"
    what = ("Reports subscribe_event() with an expire in startup_route when no timer_route "
            "subscribes to the same event again.")
    why = ("The subscription silently stops after `expire` seconds: from then on the event "
           "is not delivered there, and nothing is logged.")
    bad = ('loadmodule "event_datagram.so"\n'
           'startup_route { subscribe_event("E_X", "udp:127.0.0.1:9999", 60); }\n')
    good = ('loadmodule "event_datagram.so"\n'
            'startup_route { subscribe_event("E_X", "udp:127.0.0.1:9999", 60); }\n'
            'timer_route[renew, 30] { subscribe_event("E_X", "udp:127.0.0.1:9999", 60); }\n')

    def check_script(self, facts: ScriptFacts, scope: Scope) -> None:
        renewed = {s.site.event for s in facts.subscriptions if s.site.route_kind == "timer_route"}
        for sub in facts.subscriptions:
            if (sub.site.route_kind == "startup_route" and sub.expire
                    and sub.site.event not in renewed and sub.socket is not None
                    and transport_of(sub.socket) not in NEVER_EXPIRE):
                scope.report(self, sub.site.place, "this subscription to %s ends after %d s "
                             "and no timer_route renews it" % (sub.site.event, sub.expire))


class ExpireIgnored(Rule):
    code = "V213"
    name = "expire-ignored"
    severity = WARNING
    summary = "An expire given on a transport whose subscriptions never expire"
    what = "Reports an expire argument on rabbitmq: and route: sockets."
    why = "These transports ignore it: the subscription lasts until OpenSIPS stops."
    bad = ('event_route[E_X] { exit; }\n'
           'startup_route { subscribe_event("E_Y", "route:E_X", 30); raise_event("E_Y"); }\n')
    good = ('event_route[E_X] { exit; }\n'
            'startup_route { subscribe_event("E_Y", "route:E_X"); raise_event("E_Y"); }\n')

    def check_script(self, facts: ScriptFacts, scope: Scope) -> None:
        for sub in facts.subscriptions:
            if (sub.has_expire and sub.expire != 0 and sub.socket is not None
                    and transport_of(sub.socket) in NEVER_EXPIRE):
                scope.report(self, sub.socket_place, "%s: subscriptions never expire; the "
                             "expire is ignored" % transport_of(sub.socket))


RULES = (EventRouteUnpublished, RaiseUnheard, EventNearMiss, BadSocket, TransportNotLoaded,
         SubscriptionExpires, ExpireIgnored)
