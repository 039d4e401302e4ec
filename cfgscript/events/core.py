"""The Event Interface: published events, their subscribers, raising.

As OpenSIPS (evi/event_interface.c) does it:

  * events are published once, with ids in publication order; names are at
    most 64 bytes, compared exactly;
  * a subscription is a transport plus its parsed socket; subscribing again to
    the same socket refreshes it (no duplicate), new ones go first in the list;
  * expiry is checked lazily, at raise and listing time; only transports that
    declare themselves expirable expire (not rabbitmq:, not route:); a script
    subscription without an expire (or with 0) never expires; MI expire 0
    means "expire now";
  * raising calls every live subscriber's transport and returns the sum of
    their results (0 ok or queued, -1 error); nesting is limited to 100.

Transports are small objects registered by the modules that provide them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Optional, Protocol

from ..runtime.logger import Logger
from .payload import Param, encode, notification
from .redaction import redact_socket

MAX_EVENT_NAME = 64
MAX_NESTED_RAISES = 100


class SocketError(ValueError):
    """A socket string that cannot be used; logged as module:function: message."""

    def __init__(self, message: str, module: str = "core", function: str = "evi_event_subscribe"):
        super().__init__(message)
        self.module, self.function = module, function


class Transport(Protocol):
    proto: str                  # "udp", "route", ...
    module: str                 # the OpenSIPS module providing it
    expirable: bool             # subscriptions may expire
    queued: bool                # delivery happens in a sender worker

    def parse(self, rest: str):
        """The endpoint for the socket text after "proto:" (raises SocketError)."""

    def deliver(self, occurrence: Occurrence, endpoint, subscriber: Subscriber) -> int:
        """Send one event: 0 sent or queued, -1 failed. Queued transports take
        a fourth argument, on_failure (see deliver_to)."""

    def describe(self, endpoint) -> str:
        """The socket as listings show it, e.g. "udp:127.0.0.1:9999"."""


class TransportBase:
    """Defaults of a Transport: expirable subscriptions, delivered in the raising
    thread, through the module (or engine) that owns the transport."""
    expirable = True
    queued = False

    def __init__(self, owner) -> None:
        self.owner = owner


def syntax_check(split: Callable[[str], object]) -> staticmethod:
    """A transport's check_syntax from the function that splits its socket text
    without lookups: it raises SocketError and returns nothing (a list returned
    is read as the member sockets of a virtual socket)."""
    def check_syntax(rest: str) -> None:
        split(rest)
    return staticmethod(check_syntax)


@dataclass(eq=False)
class Subscriber:
    transport: Transport
    endpoint: object
    socket: str                     # printed form
    expire: int = 0
    expiring: bool = False
    since: float = 0.0
    sent: int = 0
    failed: int = 0
    buffered: int = 0
    dropped: int = 0

    def expired(self, now: float) -> bool:
        return self.expiring and self.since + self.expire < int(now)

    def ttl(self, now: float) -> int:
        return int(self.since + self.expire - int(now))


def deliver_to(sub: Subscriber, occurrence: Occurrence, on_failure=None) -> int:
    """Hand one event to one subscriber and count the outcome. A queued
    transport counts its own (at submission and when its sender is done);
    on_failure, for queued transports only, runs when the delivery fails later."""
    transport = sub.transport
    if transport.queued:
        return transport.deliver(occurrence, sub.endpoint, sub, on_failure)
    result = transport.deliver(occurrence, sub.endpoint, sub)
    if result < 0:
        sub.failed += 1
    else:
        sub.sent += 1
    return result


@dataclass(eq=False)
class Event:
    name: str
    id: int
    origin: str                     # "core", a module name, or "script"
    subscribers: list[Subscriber] = field(default_factory=list)
    raised: int = 0                         # times raised, with or without subscribers
    next_expiry: float = float("inf")      # earliest moment a subscriber may expire
    _last_params: tuple = ()
    _last_payload: Optional[str] = None
    _last_bytes: Optional[bytes] = None

    def payload_for(self, params: tuple[Param, ...]) -> str:
        """The JSON-RPC payload; the last one is kept, since events are often
        raised again with the same parameters (or none at all)."""
        if params != self._last_params or self._last_payload is None:
            self._last_payload = notification(self.name, params)
            self._last_params = params
            self._last_bytes = None
        return self._last_payload

    def payload_bytes_for(self, params: tuple[Param, ...]) -> bytes:
        """The payload's wire bytes, kept with the last payload."""
        if self._last_bytes is not None and params == self._last_params:
            return self._last_bytes
        payload = self.payload_for(params)
        if self._last_bytes is None:
            self._last_bytes = encode(payload)
        return self._last_bytes


@dataclass(eq=False, slots=True)
class Occurrence:
    """One raise of an event: its parameters and, built on first use, its payload."""
    event: Event
    params: tuple[Param, ...] = ()
    _payload: Optional[str] = None
    _payload_bytes: Optional[bytes] = None

    @property
    def name(self) -> str:
        return self.event.name

    def payload(self) -> str:
        if self._payload is None:
            self._payload = self.event.payload_for(self.params)
        return self._payload

    def payload_bytes(self) -> bytes:
        if self._payload_bytes is None:
            self._payload_bytes = self.event.payload_bytes_for(self.params)
        return self._payload_bytes


class EventCore:
    def __init__(self, logger: Logger, clock: Callable[[], float] = time.time):
        self.log = logger
        self.clock = clock
        self.events: dict[str, Event] = {}
        self.by_id: list[Event] = []
        self.transports: dict[str, Transport] = {}
        self.depth = 0

    # ------------------------------------------------------------ events

    def publish(self, name: str, origin: str = "script") -> Optional[Event]:
        event = self.events.get(name)
        if event is not None:
            return event
        size = len(name.encode("utf-8", "surrogateescape"))
        if size > MAX_EVENT_NAME:
            self.log.error("core", "evi_publish_event", "event name too long [%d>%d]"
                           % (size, MAX_EVENT_NAME))
            return None
        event = Event(name, len(self.by_id), origin)
        self.events[name] = event
        self.by_id.append(event)
        return event

    def get(self, name: str) -> Optional[Event]:
        return self.events.get(name)

    def register_transport(self, transport: Transport) -> None:
        self.transports[transport.proto] = transport

    # ------------------------------------------------------------ subscriptions

    def parse_socket(self, socket: str) -> tuple[Transport, object]:
        """(transport, endpoint) for a socket string; raises SocketError."""
        proto, sep, rest = socket.partition(":")
        transport = self.transports.get(proto) if sep else None
        if transport is None:
            raise SocketError("couldn't find a protocol to support %s" % redact_socket(socket))
        return transport, transport.parse(rest)

    def subscribe(self, name: str, socket: str, expire: int = 0, from_mi: bool = False) -> int:
        """1 on success, -1 for an unknown event or a bad socket (logged)."""
        event = self.events.get(name)
        if event is None:
            self.log.error("core", "evi_event_subscribe", "invalid event name <%s>" % name)
            return -1
        try:
            transport, endpoint = self.parse_socket(socket)
        except SocketError as err:
            self.log.error(err.module, err.function, str(err))
            return -1
        # a script subscribe without expire never expires; MI always keeps expiry
        expiring = transport.expirable and (bool(expire) or from_mi)
        now = int(self.clock())
        for sub in event.subscribers:
            if sub.transport is transport and sub.endpoint == endpoint:
                sub.since = now
                if expiring:
                    sub.expire, sub.expiring = expire, True
                self._update_expiry(event)
                return 1
        sub = Subscriber(transport, endpoint, transport.describe(endpoint), expire if expiring
                         else 0, expiring, now)
        event.subscribers.insert(0, sub)
        self._update_expiry(event)
        return 1

    @staticmethod
    def _update_expiry(event: Event) -> None:
        event.next_expiry = min((s.since + s.expire + 1 for s in event.subscribers
                                 if s.expiring), default=float("inf"))

    def live_subscribers(self, event: Event) -> list[Subscriber]:
        """Subscribers after dropping the expired ones."""
        if event.next_expiry <= self.clock():
            now = self.clock()
            event.subscribers = [s for s in event.subscribers if not s.expired(now)]
            self._update_expiry(event)
        return event.subscribers

    def endpoints_in_use(self) -> Iterator[tuple[Transport, object]]:
        """(transport, endpoint) of every subscriber not expired, and of the
        members of composite endpoints (those with a parts() method, e.g.
        virtual:). Reads snapshots and prunes nothing, so sender threads may
        call it while the interpreter thread subscribes."""
        now = self.clock()
        for event in list(self.by_id):
            for sub in list(event.subscribers):
                if not sub.expired(now):
                    yield sub.transport, sub.endpoint
                    parts = getattr(sub.endpoint, "parts", None)
                    if parts is not None:
                        yield from parts()

    def all_subscribed(self) -> Iterator[tuple[Event, list[Subscriber]]]:
        for event in self.by_id:
            subscribers = self.live_subscribers(event)
            if subscribers:
                yield event, subscribers

    # ------------------------------------------------------------ raising

    def raise_event(self, event: Event, params: tuple[Param, ...] = ()) -> int:
        """Hand the event to every live subscriber: the sum of their results."""
        if self.depth >= MAX_NESTED_RAISES:
            self.log.error("core", "evi_raise_event_msg", "Too many nested events %d"
                           % MAX_NESTED_RAISES)
            return 0
        event.raised += 1
        subscribers = self.live_subscribers(event)
        if not subscribers:
            return 0
        occurrence = Occurrence(event, params)
        total = 0
        self.depth += 1
        try:
            for sub in list(subscribers):
                total += deliver_to(sub, occurrence)
        finally:
            self.depth -= 1
        return total

    def has_subscribers(self, event: Event) -> bool:
        return bool(self.live_subscribers(event))
