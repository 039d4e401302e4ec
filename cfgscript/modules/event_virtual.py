"""event_virtual: `virtual:POLICY sock1 sock2 ...`, several sockets as one.

  PARALLEL     every member gets the event; the first member that fails stops it
  FAILOVER     members in order until one takes the event; a failed member is
               skipped for failover_timeout seconds (queued members report
               failure later: the event then moves on to the next member)
  ROUND-ROBIN  one member per raise, in turn

The policy is upper-case; members are separated by spaces or tabs and parsed
at their first use, so an unusable member shows up when an event is raised.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

from ..events.core import Occurrence, SocketError, Subscriber, TransportBase, deliver_to
from ..events.host import ModuleHost
from ..events.redaction import redact_socket
from ..runtime.module import ModParam, Module

POLICIES = ("PARALLEL", "FAILOVER", "ROUND-ROBIN")


@dataclass(eq=False)
class Member:
    text: str
    shown: str                                  # text without a password
    transport: object = None
    endpoint: object = None
    last_failed: float = 0.0
    subscriber: Optional[Subscriber] = None     # per-member delivery accounting


@dataclass(eq=False)
class VirtualEndpoint:
    policy: str
    members: list[Member]
    next_index: int = 0
    description: str = field(default="")

    def key(self) -> tuple:
        texts = tuple(m.text for m in self.members)
        return (self.policy, tuple(sorted(texts)) if self.policy == "PARALLEL" else texts)

    def parts(self) -> list[tuple[object, object]]:
        """(transport, endpoint) of the members parsed so far (see
        EventCore.endpoints_in_use)."""
        return [(m.transport, m.endpoint) for m in self.members if m.transport is not None]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VirtualEndpoint) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())


class VirtualTransport(TransportBase):
    owner: EventVirtual
    proto = "virtual"
    module = "event_virtual"

    @staticmethod
    def members(rest: str) -> list[str]:
        """The member sockets of "POLICY sock1 sock2 ..." (SocketError); they are
        parsed when first used."""
        if not rest:
            raise SocketError("no socket specified", "event_virtual", "virtual_parse")
        words = rest.replace("\t", " ").split()
        if (words[0] if words else "") not in POLICIES:
            raise SocketError("invalid virtual socket type", "event_virtual", "virtual_parse")
        return words[1:]

    check_syntax = members

    def parse(self, rest: str) -> VirtualEndpoint:
        self.members(rest)
        words = rest.replace("\t", " ").split()
        policy = words[0]
        members = [Member(text, redact_socket(text)) for text in words[1:]]
        return VirtualEndpoint(policy, members,
                               description=" ".join([policy] + [m.shown for m in members]))

    def describe(self, endpoint: VirtualEndpoint) -> str:
        return "virtual:" + endpoint.description

    def deliver(self, occurrence: Occurrence, endpoint: VirtualEndpoint,
                subscriber: Subscriber) -> int:
        return self.owner.raise_virtual(occurrence, endpoint)


class EventVirtual(Module):
    engine: ModuleHost
    name = "event_virtual"
    transport_classes = (VirtualTransport,)
    params = (ModParam("failover_timeout", "int", 30),)

    def _ready(self, member: Member) -> bool:
        """Parse a member on first use; False (logged) when it cannot be used."""
        if member.transport is not None:
            return True
        events = self.engine.events
        try:
            member.transport, member.endpoint = events.parse_socket(member.text)
        except SocketError as err:
            self.engine.logger.error(err.module, err.function, str(err))
            return False
        member.subscriber = Subscriber(member.transport, member.endpoint, member.shown)
        return True

    @staticmethod
    def _send(member: Member, occurrence: Occurrence, on_failure=None) -> int:
        return deliver_to(member.subscriber, occurrence, on_failure)

    def raise_virtual(self, occurrence: Occurrence, endpoint: VirtualEndpoint) -> int:
        log = self.engine.logger
        if endpoint.policy == "PARALLEL":
            for member in endpoint.members:
                if self._raise_member(member, occurrence) < 0:
                    return -1
            return 0
        if endpoint.policy == "FAILOVER":
            if self._failover(occurrence, endpoint.members, 0) < 0:
                log.error(self.name, "virtual_raise", "unable to raise any socket for event: %s"
                          % occurrence.name)
                return -1
            return 0
        if not endpoint.members:
            return 0
        member = endpoint.members[endpoint.next_index % len(endpoint.members)]
        if self._raise_member(member, occurrence) < 0:
            return -1
        endpoint.next_index = (endpoint.next_index + 1) % len(endpoint.members)
        return 0

    def _raise_member(self, member: Member, occurrence: Occurrence) -> int:
        """PARALLEL and ROUND-ROBIN: one member takes the event, or it is logged."""
        if self._ready(member) and self._send(member, occurrence) == 0:
            return 0
        self.engine.logger.error(self.name, "virtual_raise",
                                 "unable to raise socket %s" % member.shown)
        return -1

    def _failover(self, occurrence: Occurrence, members: list[Member], start: int) -> int:
        timeout = self.param("failover_timeout")
        for index in range(start, len(members)):
            member = members[index]
            now = time.monotonic()
            if member.last_failed and now - member.last_failed <= timeout:
                continue
            if not self._ready(member):
                member.last_failed = now
                continue
            member.last_failed = 0.0
            retry = self._later_failure(occurrence, members, index)
            if self._send(member, occurrence, retry) == 0:
                return 0
            member.last_failed = time.monotonic()
        return -1

    def _later_failure(self, occurrence: Occurrence, members: list[Member], index: int):
        """For a queued member: when its delivery fails later, mark it failed
        and hand the event to the next member."""
        def on_failure() -> None:
            members[index].last_failed = time.monotonic()
            self.engine.post(lambda: self._failover(occurrence, members, index + 1))
        return on_failure
