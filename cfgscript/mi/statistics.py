"""Statistics, as OpenSIPS's statistics manager keeps them, and their MI
commands statistics:get / list / reset / reset_all (get_statistics,
list_statistics, reset_statistics, reset_all_statistics).

A statistic belongs to a group and is shown as "group:name". It is a counter
(incremental, resettable unless marked no_reset) or a function of the
running process (non-incremental). Groups can also be computed: a provider
gives the current (name, value) pairs each time they are read (the cfgscript
group, from the Event Interface's accounting).

The selectors MI takes, as OpenSIPS reads them: "all", "group:" (every
statistic of a group) or a statistic's bare name, in any case ("group:name"
names nothing). Selectors that match nothing are skipped; if none matches,
404 "Statistics Not Found" (OpenSIPS 4.1 means to; reading an uninitialised
flag it mostly answers {}).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Optional

from .core import Command
from .errors import MIError, invalid_params

NOT_FOUND = MIError(404, "Statistics Not Found")
SIP_COUNTERS = ("rcv_requests", "rcv_replies", "fwd_requests", "fwd_replies", "drop_requests",
                "drop_replies", "err_requests", "err_replies", "bad_URIs_rcvd", "bad_msg_hdr",
                "slow_messages")
QUERY_GROUPS = ("dns", "sql", "cdb")
LOAD_STATISTICS = ("load", "load1m", "load10m", "load-all", "load1m-all", "load10m-all")
Provider = Callable[[], Iterable[tuple[str, int]]]


@dataclass(eq=False)
class Stat:
    name: str
    value: int = 0
    resettable: bool = True
    read: Optional[Callable[[], int]] = None     # a function statistic

    @property
    def current(self) -> int:
        return self.read() if self.read is not None else self.value

    @property
    def kind(self) -> str:
        return "incremental" if self.read is None and self.resettable else "non-incremental"

    def update(self, delta: int) -> None:
        self.value += delta

    def reset(self) -> None:
        if self.resettable and self.read is None:
            self.value = 0


@dataclass
class Statistics:
    groups: dict[str, dict[str, Stat]] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)

    def add_group(self, group: str) -> None:
        self.groups.setdefault(group, {})

    def add_provider(self, group: str, provider: Provider) -> None:
        self.providers[group] = provider

    def register(self, group: str, name: str, resettable: bool = True,
                 read: Optional[Callable[[], int]] = None) -> Stat:
        stats = self.groups.setdefault(group, {})
        stat = stats.get(name)
        if stat is None:
            stat = stats[name] = Stat(name, resettable=resettable, read=read)
        return stat

    def has_group(self, group: str) -> bool:
        return group in self.groups or group in self.providers

    def find(self, group: Optional[str], name: str) -> Optional[Stat]:
        """A statistic by name, in one group or (group None) the first that has it."""
        if group is not None:
            return self.groups.get(group, {}).get(name)
        for stats in self.groups.values():
            if name in stats:
                return stats[name]
        return None

    def group_values(self, group: str) -> list[tuple[str, Stat]]:
        """("group:name", stat) for each statistic of a group (computed ones
        as non-resettable snapshots)."""
        if group in self.providers:
            return [("%s:%s" % (group, name), Stat(name, value, resettable=False,
                                                   read=_constant(value)))
                    for name, value in self.providers[group]()]
        return [("%s:%s" % (group, stat.name), stat) for stat in self.groups.get(group, {})
                .values()]

    def group_names(self) -> list[str]:
        return list(self.groups) + [g for g in self.providers if g not in self.groups]

    def select(self, selector: str) -> list[tuple[str, Stat]]:
        """What one MI selector names: ("group:name", stat) pairs, maybe none."""
        if selector == "all":
            return [pair for group in self.group_names() for pair in self.group_values(group)]
        if len(selector) > 1 and selector.endswith(":"):
            return self.group_values(selector[:-1]) if self.has_group(selector[:-1]) else []
        wanted = selector.lower()
        for group in self.group_names():
            for full, stat in self.group_values(group):
                if stat.name.lower() == wanted:
                    return [(full, stat)]
        return []


def _constant(value: int) -> Callable[[], int]:
    return lambda: value


def core_statistics(statistics: Statistics, uptime: Callable[[], int]) -> None:
    """The core groups that mean something without SIP: "core" (its SIP
    counters stay 0, "timestamp" is the uptime in seconds), the query counters
    of "dns", "sql" and "cdb" (cfgscript makes no such queries: 0), "load" of
    its one process (not measured: 0) and "dynamic", where script statistics
    without a group go. Monitoring tools (opensips-cli's diagnose) read these
    names."""
    for name in SIP_COUNTERS:
        statistics.register("core", name)
    statistics.register("core", "timestamp", read=uptime)
    for group in QUERY_GROUPS:
        statistics.register(group, group + "_total_queries")
        statistics.register(group, group + "_slow_queries")
    for name in LOAD_STATISTICS:
        statistics.register("load", name, read=_constant(0))
    statistics.register("load", "processes_number", read=_constant(1))
    statistics.add_group("dynamic")


# ---------------------------------------------------------------- MI

def statistics_commands(statistics: Statistics) -> list[Command]:
    commands = _StatisticsCommands(statistics)
    return [
        Command("statistics:get", (("statistics",),), commands.get, ("get_statistics",),
                "prints the statistics (all, group or one) realtime values."),
        Command("statistics:list", ((), ("statistics",)), commands.list,
                ("list_statistics",), "lists all the registered statistics and their types"),
        Command("statistics:reset", (("statistics",),), commands.reset, ("reset_statistics",),
                "resets the value of a statistic variable"),
        Command("statistics:reset_all", ((),), commands.reset_all, ("reset_all_statistics",),
                "resets the value of all resetable variables"),
    ]


def _selectors(params: dict) -> list[str]:
    """The "statistics" parameter: an array of strings (numbers as text)."""
    value = params.get("statistics")
    if not isinstance(value, list):
        raise invalid_params("Bad type for parameter 'statistics'")
    selectors = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise invalid_params("Bad type for parameter 'statistics'")
        selectors.append(item if isinstance(item, str) else str(item))
    return selectors


class _StatisticsCommands:
    def __init__(self, statistics: Statistics) -> None:
        self.statistics = statistics

    def _matches(self, params: dict) -> list[tuple[str, Stat]]:
        found = False
        pairs: list[tuple[str, Stat]] = []
        for selector in _selectors(params):
            matched = self.statistics.select(selector)
            found = found or bool(matched)
            pairs.extend(matched)
        if not found:
            raise NOT_FOUND
        return pairs

    def get(self, params: dict) -> dict:
        return {name: stat.current for name, stat in self._matches(params)}

    def list(self, params: dict) -> dict:
        pairs = (self._matches(params) if "statistics" in params
                 else self.statistics.select("all"))
        return {name: stat.kind for name, stat in pairs}

    def reset(self, params: dict) -> str:
        # reset takes statistics by name only, not "all" or groups
        pairs = [pair for selector in _selectors(params)
                 if selector != "all" and not selector.endswith(":")
                 for pair in self.statistics.select(selector)]
        if not pairs:
            raise NOT_FOUND
        for _, stat in pairs:
            stat.reset()
        return "OK"

    def reset_all(self, params: dict) -> str:
        for group in self.statistics.groups.values():
            for stat in group.values():
                stat.reset()
        return "OK"
