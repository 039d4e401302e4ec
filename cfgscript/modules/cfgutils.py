"""cfgutils: $shv, $RANDOM, $env, $ctime, random decisions, sleeps, locks."""

from __future__ import annotations

import os
import random
import re
import time

from ..runtime.accessor import Accessor
from ..runtime.context import RunContext, ScriptAbort
from ..runtime.logger import L_CRIT
from ..runtime.module import Arg, ModParam, Module, function, pvar
from ..runtime.values import Value, VInt, has_int, int_of
from ..syntax.ints import INT_MAX
from ..syntax.pvspec import PVSpec

# $ctime(name): fields of the local time as OpenSIPS gives them (month 1-12,
# full year, week day 1-7 from Sunday, year day 1-366)
_CTIME_FIELDS = {
    "sec": lambda t: t.tm_sec, "min": lambda t: t.tm_min, "hour": lambda t: t.tm_hour,
    "mday": lambda t: t.tm_mday, "mon": lambda t: t.tm_mon, "year": lambda t: t.tm_year,
    "wday": lambda t: (t.tm_wday + 1) % 7 + 1, "yday": lambda t: t.tm_yday,
    "isdst": lambda t: t.tm_isdst,
}


_SIGNED_INT = re.compile(r"[+-]?[0-9]+")


def _shared_value(spec: str) -> tuple[str, Value]:
    """shvset/varset "name=i:1" or "name=s:text" (ValueError for an int that is none)."""
    name, _, typed = spec.partition("=")
    kind, _, raw = typed.partition(":")
    if kind.lower() in ("i", "int"):
        raw = raw.strip()
        if raw and not _SIGNED_INT.fullmatch(raw):
            raise ValueError(raw)
        return name.strip(), VInt(int(raw or 0))
    return name.strip(), raw


class Cfgutils(Module):
    name = "cfgutils"
    params = (
        ModParam("initial_probability", "int", 10),
        ModParam("shvset", "str", repeatable=True),
        ModParam("varset", "str", repeatable=True),
        ModParam("shv_hash_size", "int", 64),
        ModParam("lock_pool_size", "int", 32),
        ModParam("hash_file", "str", None),
    )

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self.shared: dict[str, Value] = {}
        self.probability = 10
        self.random = random.Random()

    def init(self) -> None:
        self.probability = self.param("initial_probability")
        for target, kind, item in self._settings():
            try:
                name, value = _shared_value(item)
            except ValueError:      # OpenSIPS refuses to start; here it is left out
                self.engine.logger.error(self.name, "param_set_xvar", "unable to set %s "
                                         "parameter [%s]" % (kind, item))
                continue
            target[name] = value

    def _settings(self) -> list[tuple[dict[str, Value], str, str]]:
        """(where it goes, "shv" or "var", the modparam) for each shvset and varset."""
        return ([(self.shared, "shv", item) for item in self.param("shvset")]
                + [(self.engine.script_vars, "var", item) for item in self.param("varset")])

    # ------------------------------------------------------------ variables

    @pvar("shv")
    def shv(self, spec: PVSpec, compiler) -> Accessor:
        name = spec.inner or ""
        shared = self.shared

        def read(ctx: RunContext) -> Value:
            return shared.get(name, VInt(0))

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            shared[name] = VInt(value) if type(value) is int or type(value) is VInt else str(value)
            return True

        def delete(ctx: RunContext, op: str) -> bool:
            shared[name] = VInt(0)
            return True
        return Accessor(read, write, delete)

    @pvar("RANDOM")
    def random_value(self, spec: PVSpec, compiler) -> Accessor:
        rng = self.random
        return Accessor(lambda ctx: VInt(rng.randrange(0, 1 << 31)))

    @pvar("env")
    def env(self, spec: PVSpec, compiler) -> Accessor:
        name = spec.inner or ""
        return Accessor(lambda ctx: os.environ.get(name))

    @pvar("ctime")
    def ctime(self, spec: PVSpec, compiler) -> Accessor:
        field = _CTIME_FIELDS.get(spec.inner or "", _CTIME_FIELDS["sec"])
        return Accessor(lambda ctx: VInt(field(time.localtime())))

    # ------------------------------------------------------------ functions

    @function("rand_event", Arg("int", optional=True))
    def rand_event(self, ctx: RunContext, probability=None) -> int:
        chance = self.probability if probability is None else probability
        return 1 if self.random.random() * 100 < chance else -1

    @function("rand_set_prob", Arg("int"))
    def rand_set_prob(self, ctx: RunContext, probability: int) -> int:
        self.probability = max(0, min(100, probability))
        return 1

    @function("rand_reset_prob")
    def rand_reset_prob(self, ctx: RunContext) -> int:
        self.probability = self.param("initial_probability")
        return 1

    @function("rand_get_prob")
    def rand_get_prob(self, ctx: RunContext) -> int:
        return self.probability

    @function("sleep", Arg("int"))
    def sleep(self, ctx: RunContext, seconds: int) -> int:
        self.engine.pause(max(seconds, 0))
        return 1

    @function("usleep", Arg("int"))
    def usleep(self, ctx: RunContext, micros: int) -> int:
        self.engine.pause(max(micros, 0) / 1_000_000)
        return 1

    @function("get_static_lock", Arg("str"))
    def get_static_lock(self, ctx: RunContext, key: str) -> int:
        return 1        # one interpreter thread: locks never contend

    @function("release_static_lock", Arg("str"))
    def release_static_lock(self, ctx: RunContext, key: str) -> int:
        return 1

    @function("get_dynamic_lock", Arg("str"))
    def get_dynamic_lock(self, ctx: RunContext, key: str) -> int:
        return 1

    @function("release_dynamic_lock", Arg("str"))
    def release_dynamic_lock(self, ctx: RunContext, key: str) -> int:
        return 1

    @function("shuffle_avps", Arg("var", avp_only=True))
    def shuffle_avps(self, ctx: RunContext, target) -> int:
        stack = ctx.avps.stacks.get(target.spec.inner or "")
        if stack:
            self.random.shuffle(stack)
        return 1

    @function("ts_usec_delta", Arg("int"), Arg("int"), Arg("int"), Arg("int"),
              Arg("var", optional=True, writable=True), Arg("var", optional=True, writable=True))
    def ts_usec_delta(self, ctx: RunContext, s1, u1, s2, u2, as_text=None, as_int=None) -> int:
        """|t1 - t2| in microseconds, as a string and/or an int (which must fit 32 bits)."""
        delta = abs(1_000_000 * (s1 - s2) + u1 - u2)
        if as_text is not None and not as_text.write(ctx, str(delta)):
            return -1
        if as_int is not None:
            if delta > INT_MAX:
                self.engine.logger.error(
                    self.name, "ts_usec_delta", "diff is too large to store in 'delta_int' "
                    "(%d us), use the 'delta_str' output variable instead!" % delta)
                return -1
            if not as_int.write(ctx, VInt(delta)):
                return -1
        return 1

    @function("get_accurate_time", Arg("var", writable=True), Arg("var", writable=True),
              Arg("var", optional=True, writable=True))
    def get_accurate_time(self, ctx: RunContext, seconds, micros, as_text=None) -> int:
        now = time.time_ns() // 1000
        sec, usec = divmod(now, 1_000_000)
        if not (seconds.write(ctx, VInt(sec)) and micros.write(ctx, VInt(usec))):
            return -1
        if as_text is not None and not as_text.write(ctx, "%d.%06d" % (sec, usec)):
            return -1
        return 1

    @function("set_count", Arg("var"), Arg("var", writable=True))
    def set_count(self, ctx: RunContext, source, target) -> int:
        return 1 if target.write(ctx, VInt(len(source.values(ctx)))) else -1

    @function("set_select_weight", Arg("var"))
    def set_select_weight(self, ctx: RunContext, source) -> int:
        """Roulette-wheel selection: the index of one value, picked with a
        probability proportional to it (0 for the first: that ends the script)."""
        weights = source.values(ctx)
        if any(not has_int(w) for w in weights):
            self.engine.logger.error(self.name, "pv_sel_weight", "Applied select weight "
                                     "algorithm for a varible set containing not only "
                                     "integer values")
            return -1
        if not weights:
            return -1
        bounds, total = [], 0
        for weight in weights:
            total += int_of(weight)
            bounds.append(total)
        if len(weights) == 1 or total <= 0:
            return 0
        pick = self.random.randrange(total)
        return next((i for i, bound in enumerate(bounds) if pick < bound), len(bounds) - 1)

    @function("abort")
    def abort(self, ctx: RunContext) -> int:
        self.engine.logger.log(L_CRIT, self.name, "dbg_abort", "abort called")
        raise ScriptAbort("abort() called by the script")

    @function("pkg_status")
    def pkg_status(self, ctx: RunContext) -> int:
        return 1        # memory dumps need a memory-debugging OpenSIPS build; nothing to show

    @function("shm_status")
    def shm_status(self, ctx: RunContext) -> int:
        return 1
