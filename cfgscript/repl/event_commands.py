"""Meta-commands of the Event Interface: raise, subscribe, list."""

from __future__ import annotations

import time

from ..events.core import Subscriber
from .host import Host
from .registry import CommandError, arity, meta_command
from .words import EventValue, Word, event_value

DEFAULT_EXPIRE = 3600       # evi:subscribe's


def event_params(words: list[Word]) -> tuple[tuple[str | None, EventValue], ...]:
    """All named (in the order typed) or all bare (an array)."""
    named = [w for w in words if w.name is not None]
    if named and len(named) != len(words):
        bare = next(w for w in words if w.name is None)
        raise CommandError("name every parameter (name=value) or none", bare.column)
    return tuple((w.name, event_value(w)) for w in words)


@meta_command(":raise", "EVENT [NAME=VALUE ... | VALUE ...]", takes=("event", "param"))
def raise_event(host: Host, words: list[Word]) -> bool:
    """Raise an event to its subscribers, as raise_event() does.
    Values: 5 is an int, "5" and bare words are strings, JSON arrays, objects,
    true, false and null go as their JSON text. Named parameters go out in the
    order typed (a JSON object); bare values go out as an array."""
    if not words:
        raise CommandError("usage: :raise EVENT [NAME=VALUE ... | VALUE ...]")
    name, params = words[0].text, event_params(words[1:])
    engine = host.engine

    def deliver() -> tuple[int, int]:
        event = engine.events.get(name)
        if event is None:
            raise CommandError("%s: no such event (see :events)" % name, words[0].column)
        count = len(engine.events.live_subscribers(event))
        if not count:
            return 0, 0
        return count, engine.run_as_event_job(lambda: engine.events.raise_event(event, params))
    count, result = host.on_interpreter(deliver)
    if not count:
        host.out.error("%s has no subscribers: nothing sent (see :subscribe)" % name)
        return False
    if result < 0:
        host.out.error("%s: delivery failed for %d of %d subscriber(s)" % (name, -result, count))
        return False
    host.out.show("raised %s to %d subscriber(s)" % (name, count))
    return True


@meta_command(":subscribe", "EVENT SOCKET [EXPIRE]", takes=("event", "socket"))
def subscribe(host: Host, words: list[Word]) -> bool:
    """Subscribe a socket to an event, as evi:subscribe does.
    EXPIRE is in seconds (default 3600); subscribing again renews it."""
    arity(words, 2, 3, ":subscribe EVENT SOCKET [EXPIRE]")
    params = {"event": words[0].text, "socket": words[1].text}
    expire = DEFAULT_EXPIRE
    if len(words) == 3:
        if not isinstance(words[2].value, int):
            raise CommandError("EXPIRE: expected whole seconds, got %s" % words[2].text,
                               words[2].column)
        expire = params["expire"] = words[2].value
    host.mi("evi:subscribe", params)
    host.out.show("subscribed %s to %s (expire %d s)" % (words[1].text, words[0].text, expire))
    return True


@meta_command(":unsubscribe", "EVENT SOCKET", takes=("event", "subscriber"))
def unsubscribe(host: Host, words: list[Word]) -> bool:
    """Remove a subscription (evi:subscribe with expire 0)."""
    arity(words, 2, 2, ":unsubscribe EVENT SOCKET")
    host.mi("evi:subscribe", {"event": words[0].text, "socket": words[1].text, "expire": 0})
    host.out.show("unsubscribed %s from %s" % (words[1].text, words[0].text))
    return True


@meta_command(":events")
def list_events(host: Host, words: list[Word]) -> bool:
    """The published events: id, name, who published it, times raised."""
    arity(words, 0, 0, ":events")
    for event in host.on_interpreter(lambda: list(host.engine.events.by_id)):
        host.out.show("%3d  %-32s %-12s raised %d" % (event.id, event.name, event.origin,
                                                      event.raised))
    return True


@meta_command(":subscribers", "[EVENT]", takes=("event",))
def subscribers(host: Host, words: list[Word]) -> bool:
    """The live subscribers, with their time to live and delivery counts."""
    arity(words, 0, 1, ":subscribers [EVENT]")
    events = host.engine.events
    wanted = words[0].text if words else None
    if wanted is not None and events.get(wanted) is None:
        raise CommandError("%s: no such event (see :events)" % wanted, words[0].column)

    def listing() -> list[tuple[str, list[Subscriber]]]:
        return [(event.name, list(subs)) for event, subs in events.all_subscribed()
                if wanted is None or event.name == wanted]
    found = host.on_interpreter(listing)
    now = time.time()
    for name, subs in found:
        for sub in subs:
            host.out.show("%-32s %-36s %s  sent %d  failed %d" % (name, sub.socket,
                                                                  _lifetime(sub, now), sub.sent,
                                                                  sub.failed))
    if not found:
        host.out.show("no subscribers")
    return True


def _lifetime(sub: Subscriber, now: float) -> str:
    if not sub.expiring:
        return "never expires"
    return "expire %d ttl %d" % (sub.expire, max(0, sub.ttl(now)))
