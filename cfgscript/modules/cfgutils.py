"""cfgutils: $shv, $RANDOM, $env, $ctime, random decisions, sleeps, locks."""

from __future__ import annotations

import os
import random
import time

from ..runtime.accessor import Accessor
from ..runtime.context import RunContext
from ..runtime.module import Arg, ModParam, Module, function, pvar
from ..runtime.values import Value, VInt
from ..syntax.pvspec import PVSpec

# $ctime(name): fields of the local time as OpenSIPS gives them (month 1-12,
# full year, week day 1-7 from Sunday, year day 1-366)
_CTIME_FIELDS = {
    "sec": lambda t: t.tm_sec, "min": lambda t: t.tm_min, "hour": lambda t: t.tm_hour,
    "mday": lambda t: t.tm_mday, "mon": lambda t: t.tm_mon, "year": lambda t: t.tm_year,
    "wday": lambda t: (t.tm_wday + 1) % 7 + 1, "yday": lambda t: t.tm_yday,
    "isdst": lambda t: t.tm_isdst,
}


def _shared_value(spec: str) -> tuple[str, Value]:
    """shvset/varset "name=i:1" or "name=s:text"."""
    name, _, typed = spec.partition("=")
    kind, _, raw = typed.partition(":")
    if kind.lower() in ("i", "int"):
        return name.strip(), VInt(int(raw.strip() or 0))
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
        for item in self.param("shvset"):
            name, value = _shared_value(item)
            self.shared[name] = value
        for item in self.param("varset"):
            name, value = _shared_value(item)
            self.engine.script_vars[name] = value

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
              Arg("var", writable=True))
    def ts_usec_delta(self, ctx: RunContext, s1, u1, s2, u2, target) -> int:
        delta = abs((s1 * 1_000_000 + u1) - (s2 * 1_000_000 + u2))
        return 1 if target.write(ctx, VInt(delta)) else -1
