"""statistics: script statistics, `$stat(name)`, `update_stat()`, `reset_stat()`.

As OpenSIPS's statistics module keeps them:

  * modparam "variable" declares a statistic of the "script" group, its
    name optionally followed by "/no_reset"; "stat_groups" declares groups
    (comma-separated) that names may use as "group:name";
  * update_stat(name, n) adds n (creating the statistic, in "dynamic" when
    the name has no group); a group that was not declared is an error;
  * reading $stat(name) gives the value, or null for a statistic that does
    not exist; assigning to it resets it (a value other than 0 is warned
    about and still means 0);
  * the names may contain variables ($stat($var(n)), update_stat("$var(g):x", 1)).

MI reads the same statistics (statistics:get and the rest, mi/statistics.py).
Statistic series (stat_series_profile, update_stat_series) and iterators are
not implemented.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

from ..events.host import ModuleHost
from ..mi.statistics import Stat, Statistics
from ..runtime.accessor import Accessor
from ..runtime.context import RunContext
from ..runtime.module import Arg, ModParam, Module, function, pvar
from ..runtime.values import VInt
from ..syntax.pvspec import PVSpec

MODULE = "statistics"
SCRIPT_GROUP = "script"
DYNAMIC_GROUP = "dynamic"
NO_RESET = "no_reset"


class UndeclaredGroup(ValueError):
    """A "group:name" whose group was not declared with stat_groups."""


class StatisticsModule(Module):
    engine: ModuleHost
    name = MODULE
    params = (
        ModParam("variable", "str", repeatable=True),
        ModParam("stat_groups", "str", repeatable=True),
        ModParam("stat_series_profile", "str", repeatable=True),
    )

    @property
    def stats(self) -> Statistics:
        return self.engine.statistics

    def init(self) -> None:
        self.stats.add_group(SCRIPT_GROUP)
        for declared in self.param("stat_groups"):
            for group in declared.split(","):
                if group.strip():
                    self.stats.add_group(group.strip())
        for declared in self.param("variable"):
            name, _, flag = declared.partition("/")
            if flag and flag != NO_RESET:
                raise OSError("unsupported flag <%s> for statistic %s" % (flag, name))
            self.stats.register(SCRIPT_GROUP, name, resettable=not flag)

    # ------------------------------------------------------------ lookup

    def _split(self, text: str) -> tuple[Optional[str], str]:
        group, sep, name = text.partition(":")
        if not sep:
            return None, text
        if not self.stats.has_group(group):
            raise UndeclaredGroup(group)
        return group, name

    def lookup(self, text: str, create: bool) -> Optional[Stat]:
        """The statistic a script names (created if asked); logs a bad group."""
        try:
            group, name = self._split(text)
        except UndeclaredGroup as err:
            self.engine.logger.error(MODULE, "resolve_stat",
                                     "stat group '%s' must be explicitly defined using the "
                                     "'stat_groups' module parameter!" % err)
            return None
        stat = self.stats.find(group, name)
        if stat is None and create:
            stat = self.stats.register(group or DYNAMIC_GROUP, name)
        return stat

    def _name_reader(self, text: str, compiler) -> Callable[[RunContext], str]:
        if "$" in text:
            return compiler.compile_format(text)
        return lambda ctx: text

    # ------------------------------------------------------------ script

    @pvar("stat")
    def stat_var(self, spec: PVSpec, compiler) -> Accessor:
        name_of = self._name_reader(spec.inner or "", compiler)

        def read(ctx: RunContext):
            stat = self.lookup(name_of(ctx), create=False)
            return None if stat is None else VInt(stat.current)

        def write(ctx: RunContext, op: str, value) -> bool:
            stat = self.lookup(name_of(ctx), create=True)
            if stat is None:
                return False
            if value not in (0, "0"):
                self.engine.logger.warning(MODULE, "pv_set_stat",
                                           "non-zero value - setting value to 0")
            stat.reset()
            return True
        return Accessor(read, write)

    @function("update_stat", Arg("str"), Arg("int"))
    def update_stat(self, ctx: RunContext, name: str, delta: int) -> int:
        if delta == 0:
            return 1
        stat = self.lookup(name, create=True)
        if stat is None:
            return -1
        stat.update(delta)
        return 1

    @function("reset_stat", Arg("str"))
    def reset_stat(self, ctx: RunContext, name: str) -> int:
        stat = self.lookup(name, create=True)
        if stat is None:
            return -1
        stat.reset()
        return 1
