"""cfgutils: $shv, $RANDOM, $env, $ctime, random decisions, sleeps, locks,
time recurrences, and the MI commands for probabilities, shared variables and
the config file hash."""

from __future__ import annotations

import hashlib
import os
import random
import re
import time

from ..mi.core import get_int, get_str
from ..mi.errors import MIError
from ..runtime.accessor import Accessor
from ..runtime.context import RunContext, ScriptAbort
from ..runtime.expressions import CompileError
from ..runtime.logger import L_CRIT
from ..runtime.module import Arg, ModParam, Module, function, mi_command, pvar
from ..runtime.values import Value, VInt, has_int, int_of
from ..syntax.ints import INT_MAX
from ..syntax.pvspec import PVSpec
from .cfgutils_time_expression import check_time_rec
from .hashing import core_hash

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


def _md5_of(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.md5(handle.read()).hexdigest()


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
        self.static_held: set[str] = set()
        self.dynamic_held: dict[int, str] = {}     # lock index -> the key that took it
        self.config_hash: str | None = None

    def init(self) -> None:
        self.probability = self.param("initial_probability")
        if self.param("hash_file"):
            try:
                self.config_hash = _md5_of(self.param("hash_file"))
            except OSError:
                self.engine.logger.error(self.name, "mod_init", "could not hash the config file")
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
        shared.setdefault(name, VInt(0))        # as OpenSIPS, naming one creates it

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
        field = _CTIME_FIELDS.get(spec.inner or "")
        if field is None:
            raise CompileError("unknown PV time name %s" % (spec.inner or ""))
        return Accessor(lambda ctx: VInt(field(time.localtime())))

    # ------------------------------------------------------------ functions

    @function("rand_event", Arg("int", optional=True))
    def rand_event(self, ctx: RunContext, probability=None) -> int:
        chance = self.probability if probability is None else probability
        return 1 if self.random.random() * 100 < chance else -1

    @function("rand_set_prob", Arg("int"))
    def rand_set_prob(self, ctx: RunContext, probability: int) -> int:
        self.probability = probability      # OpenSIPS takes any value, as given
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

    def _deadlock(self, function_name: str, what: str) -> int:
        self.engine.logger.error(self.name, function_name, "%s is already held by this "
                                 "process: OpenSIPS would wait for it forever" % what)
        return -1

    @function("get_static_lock", Arg("str"))
    def get_static_lock(self, ctx: RunContext, key: str) -> int:
        if key in self.static_held:
            return self._deadlock("get_static_lock", "static lock '%s'" % key)
        self.static_held.add(key)
        return 1

    @function("release_static_lock", Arg("str"))
    def release_static_lock(self, ctx: RunContext, key: str) -> int:
        self.static_held.discard(key)
        return 1

    @function("get_dynamic_lock", Arg("str"))
    def get_dynamic_lock(self, ctx: RunContext, key: str) -> int:
        index = core_hash(key, self.param("lock_pool_size"))
        holder = self.dynamic_held.get(index)
        if holder is not None:
            shared = "" if holder == key else " (taken for '%s', same pool entry)" % holder
            return self._deadlock("get_dynamic_lock", "dynamic lock of '%s'%s" % (key, shared))
        self.dynamic_held[index] = key
        return 1

    @function("release_dynamic_lock", Arg("str"))
    def release_dynamic_lock(self, ctx: RunContext, key: str) -> int:
        self.dynamic_held.pop(core_hash(key, self.param("lock_pool_size")), None)
        return 1

    @function("strings_share_lock", Arg("str"))
    def strings_share_lock(self, ctx: RunContext, key: str) -> int:
        """OpenSIPS 4.1 declares one parameter where the function reads two: the
        second key is missing, and OpenSIPS crashes reading it."""
        self.engine.logger.error(self.name, "strings_share_lock",
                                 "strings_share_lock() has no second key to compare "
                                 "(OpenSIPS 4.1 declares one parameter and crashes here)")
        return -1

    @function("check_time_rec", Arg("str"), Arg("int", optional=True))
    def check_time_rec(self, ctx: RunContext, recurrence: str, timestamp=None) -> int:
        when = int(time.time()) if timestamp is None else timestamp & 0xFFFFFFFF
        result, lines = check_time_rec(recurrence, when)
        for where, message in lines:
            self.engine.logger.error("core", where, message)
        return result

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

    def _indexed_values(self, ctx: RunContext, source, function_name: str) -> list | None:
        """The values at index 0, 1, ... up to the first NULL. A variable with no
        indexes never gives a NULL there: OpenSIPS loops forever; here, an error."""
        values = source.values(ctx)
        if source.accessor.item is None and values:
            self.engine.logger.error(self.name, function_name,
                                     "$%s has no indexes: OpenSIPS would count it forever"
                                     % source.spec.name)
            return None
        return values

    @function("set_count", Arg("var"), Arg("var", writable=True))
    def set_count(self, ctx: RunContext, source, target) -> int:
        values = self._indexed_values(ctx, source, "pv_set_count")
        if values is None:
            return -1
        return 1 if target.write(ctx, VInt(len(values))) else -1

    @function("set_select_weight", Arg("var"))
    def set_select_weight(self, ctx: RunContext, source) -> int:
        """Roulette-wheel selection: the index of one value, picked with a
        probability proportional to it (0 for the first: that ends the script)."""
        weights = self._indexed_values(ctx, source, "pv_sel_weight")
        if weights is None:
            return -1
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

    # ------------------------------------------------------------ MI

    @mi_command("cfgutils:rand_set_prob", ("prob_proc",))
    def mi_set_prob(self, params: dict) -> str:
        percent = get_int(params, "prob_proc")
        if percent > 100:
            self.engine.logger.error(self.name, "mi_set_prob",
                                     "incorrect probability <%d>" % percent)
            raise MIError(400, "Bad parameter value")
        self.probability = percent
        return "OK"

    @mi_command("cfgutils:rand_reset_prob")
    def mi_reset_prob(self, params: dict) -> str:
        self.probability = self.param("initial_probability")
        return "OK"

    @mi_command("cfgutils:rand_get_prob")
    def mi_get_prob(self, params: dict) -> dict:
        return {"actual probability percent": self.probability}

    def _hash_file(self) -> str:
        if not self.param("hash_file"):
            raise MIError(404, "Functionality disabled")
        return self.param("hash_file")

    @mi_command("cfgutils:get_config_hash")
    def mi_get_hash(self, params: dict) -> str:
        self._hash_file()
        if self.config_hash is None:
            raise MIError(500, "Internal error")
        return self.config_hash

    @mi_command("cfgutils:check_config_hash")
    def mi_check_hash(self, params: dict) -> str:
        try:
            current = _md5_of(self._hash_file())
        except OSError:
            self.engine.logger.error(self.name, "mi_check_hash", "could not hash the config file")
            raise MIError(500, "Internal error") from None
        if current != self.config_hash:
            raise MIError(400, "The actual config file hash is not identical to the stored one.")
        return "The actual config file hash is identical to the stored one."

    @staticmethod
    def _shown(value: Value) -> dict:
        if type(value) is str:
            return {"type": "string", "value": value}
        return {"type": "integer", "value": int(value)}

    def _table_order(self, names) -> list[str]:
        """OpenSIPS's order for a listing of its shared-variable table: bucket by
        bucket (core_hash over shv_hash_size), names in byte order in each."""
        size = self.param("shv_hash_size")
        return sorted(names, key=lambda name: (core_hash(name, size),
                                               name.encode("utf-8", "surrogateescape")))

    @mi_command("cfgutils:shv_get", (), ("name",))
    def mi_shv_get(self, params: dict) -> dict | list:
        if "name" not in params:
            # OpenSIPS adds its "VARs" array to a result that is itself an array,
            # where the name is lost: the listing comes as an array in an array
            return [[{"name": name, **self._shown(self.shared[name])}
                     for name in self._table_order(self.shared)]]
        name = get_str(params, "name")
        if name not in self.shared:
            raise MIError(404, "Not found")
        return {"VAR": self._shown(self.shared[name])}

    @mi_command("cfgutils:shv_set", ("name", "type", "value"))
    def mi_shv_set(self, params: dict) -> str:
        name, kind = get_str(params, "name"), get_str(params, "type")
        if kind[0] in "sS":
            value = params.get("value")
            if value == "":
                raise MIError(500, "value not found")
            self.shared[name] = get_str(params, "value")
        else:
            self.shared[name] = VInt(get_int(params, "value"))
        return "OK"
