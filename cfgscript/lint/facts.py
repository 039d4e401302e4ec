"""Facts about the whole script that the script-level rules need, gathered in the
same walk as the node rules. They hold no nodes, so a part of a large file
walked in a child process can send them back; `merge` joins the parts. The small
records are NamedTuples: a walk makes one per variable read, and a tuple is made
(and pickled) several times faster than a frozen dataclass."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from ..syntax import ast


class Place(NamedTuple):
    """A finding's place without its node (it may cross a process boundary)."""
    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def of(cls, node: ast.Node) -> Place:
        return cls(node.file, node.line, node.col, node.end_line, node.end_col)


VARIABLE = None         # an argument given by a variable, not a literal


class EventSite(NamedTuple):
    """A raise_event() or subscribe_event() with a literal event name."""
    event: str
    place: Place
    route_kind: str
    route_name: Optional[str]


class Subscription(NamedTuple):
    site: EventSite
    socket: Optional[str]           # None when given by a variable
    socket_place: Place
    expire: Optional[int]           # None: no expire argument; VARIABLE counts as present
    has_expire: bool


class Use(NamedTuple):
    name: str
    place: Place


class IntComparison(NamedTuple):
    """`VAR op NUMBER` where VAR is a string SIP variable or a plain $var."""
    variable: str                   # as written: "$var(n)", "$hdr(X-Count)"
    var_name: Optional[str]         # "n" for $var(n); None for a string SIP variable
    place: Place


@dataclass(slots=True)
class ScriptFacts:
    loaded: list[str] = field(default_factory=list)     # modules, in load order
    event_routes: list[Use] = field(default_factory=list)
    timer_routes: int = 0
    raises: list[EventSite] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    var_writes: set[str] = field(default_factory=set)
    var_kinds: dict[str, set[str]] = field(default_factory=dict)   # lint/kinds.py
    dynamic_var_writes: bool = False        # $var($var(n)) = ...: any $var may be written
    int_comparisons: list[IntComparison] = field(default_factory=list)
    var_reads: list[Use] = field(default_factory=list)
    routes_with_args: set[str] = field(default_factory=set)
    param_reads: list[tuple[EventSite, str]] = field(default_factory=list)  # site, $param name

    @property
    def event_route_names(self) -> set[str]:
        return {use.name for use in self.event_routes}

    @property
    def subscribed_events(self) -> set[str]:
        return {s.site.event for s in self.subscriptions}

    @property
    def raised_events(self) -> set[str]:
        return {site.event for site in self.raises}


def merge(parts: Iterable[ScriptFacts]) -> ScriptFacts:
    total = ScriptFacts()
    for part in parts:
        for module in part.loaded:
            if module not in total.loaded:
                total.loaded.append(module)
        total.event_routes += part.event_routes
        total.timer_routes += part.timer_routes
        total.raises += part.raises
        total.subscriptions += part.subscriptions
        total.var_writes |= part.var_writes
        for name, kinds in part.var_kinds.items():
            total.var_kinds.setdefault(name, set()).update(kinds)
        total.dynamic_var_writes |= part.dynamic_var_writes
        total.int_comparisons += part.int_comparisons
        total.var_reads += part.var_reads
        total.routes_with_args |= part.routes_with_args
        total.param_reads += part.param_reads
    return total
