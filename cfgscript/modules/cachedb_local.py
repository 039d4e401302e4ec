"""The cachedb_local module: an in-memory key-value cache behind the core
cache_store()/cache_fetch()/cache_remove() functions and the counters of
cache_add()/cache_sub()/cache_counter_fetch(). Values are text (a counter is
text that reads as an int) and expire after the seconds given when they are
stored (0: never), counted in whole seconds as OpenSIPS's ticks are. Scripts
name a cache by the id of its URL: "local" (modparam cachedb_url "local://" or
"local:///coll") or "local:GROUP" ("local:GROUP:///coll").

Each collection is a hash table of 2^n buckets (cache_collections "name=n",
n 9 by default), each bucket newest first: the order MI fetch_chunk lists
keys in."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Optional

from ..mi.core import get_str
from ..mi.errors import INVALID_PARAMS, MIError
from ..runtime.context import RunContext
from ..runtime.module import Arg, ModParam, Module, function, mi_command
from ..runtime.values import VInt
from ..syntax.ints import wrap32
from .hashing import core_hash, fnmatch

DEFAULT_COLLECTION = "default"
DEFAULT_HASH_POWER = 9
NOT_FOUND = -2
NOT_A_COUNTER = -3
_URL = re.compile(r"^local(?::(?P<group>[^:/]+))?://(?:/(?P<collection>[^/]*))?$")


def str2sint(text: str) -> Optional[int]:
    """OpenSIPS's str2sint(): an optional sign and digits only (None otherwise);
    a lone sign reads as 0."""
    if not text:
        return None
    sign, digits = (-1, text[1:]) if text[0] == "-" else (1, text[1:] if text[0] == "+" else text)
    value = 0
    for char in digits:
        if not "0" <= char <= "9":
            return None
        value = wrap32(value * 10 + ord(char) - 48)
    return wrap32(sign * value)


@dataclass
class Entry:
    value: str
    expires: int = 0                # tick after which it is gone; 0 never
    order: int = 0                  # insertion number: newer first within a bucket


@dataclass
class Collection:
    name: str
    buckets: int
    entries: dict[str, Entry]

    def listed(self) -> list[tuple[str, Entry]]:
        """Entries in the table's own order: bucket by bucket, newest first."""
        return sorted(self.entries.items(),
                      key=lambda item: (core_hash(item[0], self.buckets), -item[1].order))


def _collections(spec: str) -> list[Collection]:
    """cache_collections: "name[=power]" items separated by ";" ("/r" marks a
    replicated one, which here is an ordinary one)."""
    found = []
    for item in spec.split(";"):
        name, _, power = item.partition("=")
        name = name.strip()
        if name.endswith("/r"):
            name = name[:-2]
        if name and all(c.name != name for c in found):
            exponent = int(power) if power.strip().isdigit() else DEFAULT_HASH_POWER
            found.append(Collection(name, 1 << (exponent % 32), {}))
    return found


class CachedbLocal(Module):
    name = "cachedb_local"
    params = (
        ModParam("cachedb_url", "str", repeatable=True),
        ModParam("cache_collections", "str", DEFAULT_COLLECTION),
        ModParam("cache_clean_period", "int", 600),
        ModParam("exec_threshold", "int", 0),
        ModParam("cluster_id", "int", 0),
        ModParam("cluster_persistency", "str", None),
        ModParam("enable_restart_persistency", "int", 0),
    )

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self.collections: list[Collection] = []
        self.groups: dict[str, Collection] = {}   # "" for "local", else the group name
        self.inserted = 0
        self.started = time.monotonic()
        self.swept = 0                  # tick of the last cleaning

    def init(self) -> None:
        if self.param("cache_clean_period") <= 0:
            self.engine.logger.error(self.name, "mod_init", "Wrong parameter cache_clean_period "
                                     "- need a positive value")
            raise OSError("cache_clean_period must be positive")
        self.collections = _collections(self.param("cache_collections"))
        if all(c.name != DEFAULT_COLLECTION for c in self.collections):
            self.collections.insert(0, Collection(DEFAULT_COLLECTION,
                                                  1 << DEFAULT_HASH_POWER, {}))
        self.groups[""] = self._collection(DEFAULT_COLLECTION)
        for url in self.param("cachedb_url"):
            match = _URL.match(url.strip())
            collection = self._collection(match.group("collection") or DEFAULT_COLLECTION) \
                if match else None
            if collection is None:
                self.engine.logger.error(self.name, "mod_init", "invalid cachedb_url %s" % url)
                continue
            self.groups[match.group("group") or ""] = collection

    def _collection(self, name: Optional[str]) -> Optional[Collection]:
        """A collection by name; None for the first one (as OpenSIPS takes it)."""
        if name is None:
            return self.collections[0]
        return next((c for c in self.collections if c.name == name), None)

    def ticks(self) -> int:
        return int(time.monotonic() - self.started)

    def _sweep_if_due(self) -> None:
        """OpenSIPS drops expired keys every cache_clean_period seconds; the
        sweeps that would have run since the last one run now, as one."""
        period = self.param("cache_clean_period")
        due = self.ticks() // period * period
        if due <= self.swept:
            return
        self.swept = due
        for table in self.collections:
            for key in [k for k, e in table.entries.items() if e.expires and e.expires < due]:
                del table.entries[key]

    # ------------------------------------------------------------ storage

    def _table(self, cache_id: str, function_name: str) -> Optional[Collection]:
        self._sweep_if_due()
        engine, _, group = cache_id.partition(":")
        log = self.engine.logger
        if engine != "local":
            log.error("core", function_name, "Wrong argument <%s> - no cachedb system with "
                      "this name registered" % engine)
            return None
        collection = self.groups.get(group)
        if collection is None:
            log.error("core", function_name, "failed to get connection for grp name [%s] : "
                      "check db_url" % group)
        return collection

    def _live(self, table: Collection, key: str) -> Optional[Entry]:
        entry = table.entries.get(key)
        if entry is not None and entry.expires and entry.expires < self.ticks():
            del table.entries[key]
            return None
        return entry

    def _insert(self, table: Collection, key: str, value: str, expire: int) -> None:
        self.inserted += 1
        expires = self.ticks() + expire if expire else 0
        table.entries.pop(key, None)
        table.entries[key] = Entry(value, expires, self.inserted)

    def _key_given(self, key: str, function_name: str) -> bool:
        if not key:
            self.engine.logger.error("core", function_name, "attribute cannot be empty")
        return bool(key)

    # ------------------------------------------------------------ script functions

    @function("cache_store", Arg("str"), Arg("str"), Arg("str"), Arg("int", optional=True))
    def cache_store(self, ctx: RunContext, cache_id: str, key: str, value: str,
                    expire: Optional[int] = None) -> int:
        table = self._table(cache_id, "cachedb_store")
        if table is None or not self._key_given(key, "w_cache_store"):
            return -1
        self._insert(table, key, value, expire or 0)
        return 1

    @function("cache_fetch", Arg("str"), Arg("str"), Arg("var", writable=True))
    def cache_fetch(self, ctx: RunContext, cache_id: str, key: str, target) -> int:
        table = self._table(cache_id, "cachedb_fetch")
        if table is None or not self._key_given(key, "w_cache_fetch"):
            return -1
        entry = self._live(table, key)
        if entry is None:
            return NOT_FOUND
        return 1 if target.write(ctx, entry.value) else -1

    @function("cache_remove", Arg("str"), Arg("str"))
    def cache_remove(self, ctx: RunContext, cache_id: str, key: str) -> int:
        table = self._table(cache_id, "cachedb_remove")
        if table is None or not self._key_given(key, "w_cache_remove"):
            return -1
        table.entries.pop(key, None)
        return 1

    @function("cache_add", Arg("str"), Arg("str"), Arg("int"), Arg("int"),
              Arg("var", optional=True, writable=True))
    def cache_add(self, ctx: RunContext, cache_id: str, key: str, amount: int, expire: int,
                  target=None) -> int:
        return self._count(ctx, cache_id, key, amount, expire, target, "add")

    @function("cache_sub", Arg("str"), Arg("str"), Arg("int"), Arg("int"),
              Arg("var", optional=True, writable=True))
    def cache_sub(self, ctx: RunContext, cache_id: str, key: str, amount: int, expire: int,
                  target=None) -> int:
        return self._count(ctx, cache_id, key, wrap32(-amount), expire, target, "sub")

    def _count(self, ctx: RunContext, cache_id: str, key: str, delta: int, expire: int,
               target, verb: str) -> int:
        """A new counter starts at the amount with the expiry given; an existing
        one keeps the expiry it had."""
        table = self._table(cache_id, "cachedb_" + verb)
        if table is None or not self._key_given(key, "w_cache_" + verb):
            return -1
        entry = self._live(table, key)
        if entry is None:
            value = delta
            self._insert(table, key, str(value), expire)
        else:
            old = str2sint(entry.value)
            if old is None:
                self.engine.logger.error(self.name, "lcache_htable_add", "not an integer")
                return -1
            value = wrap32(old + delta)
            entry.value = str(value)
        if target is not None and not target.write(ctx, VInt(value)):
            self.engine.logger.error("core", "w_cache_add", "cannot set the variable value")
            return -1
        return 1

    @function("cache_counter_fetch", Arg("str"), Arg("str"), Arg("var", writable=True))
    def cache_counter_fetch(self, ctx: RunContext, cache_id: str, key: str, target) -> int:
        table = self._table(cache_id, "cachedb_counter_fetch")
        if table is None or not self._key_given(key, "w_cache_counter_fetch"):
            return -1
        entry = self._live(table, key)
        if entry is None:
            return NOT_FOUND
        value = str2sint(entry.value)
        if value is None:
            self.engine.logger.error(self.name, "lcache_htable_fetch_counter",
                                     "Not a counter key")
            return NOT_A_COUNTER
        return 1 if target.write(ctx, VInt(value)) else -1

    @function("cache_raw_query", Arg("str"), Arg("str"), Arg("str", optional=True, expand=False))
    def cache_raw_query(self, ctx: RunContext, cache_id: str, query: str,
                        avps: Optional[str] = None) -> int:
        if self._table(cache_id, "cachedb_raw_query") is not None:
            self.engine.logger.error("core", "cachedb_raw_query",
                                     "The backend does not support raw queries")
        return -1

    @function("cache_remove_chunk", Arg("str", optional=True), Arg("str"))
    def cache_remove_chunk(self, ctx: RunContext, collection: Optional[str],
                           pattern: str) -> int:
        return 1 if self._remove_matching(collection, pattern) else -1

    # ------------------------------------------------------------ chunks, MI

    def _remove_matching(self, name: Optional[str], pattern: str) -> bool:
        """Remove the keys of one collection (the first when none is named) that
        match a glob; False for an unknown collection."""
        self._sweep_if_due()
        table = self._collection(name)
        if table is None:
            self.engine.logger.error(self.name, "remove_chunk_f",
                                     "collection <%s> not defined!" % name)
            return False
        for key in [k for k in table.entries if fnmatch(pattern, k)]:
            del table.entries[key]
        return True

    @mi_command("cachedb_local:remove_chunk", ("glob",), ("glob", "collection"),
                aliases=("cache_remove_chunk",))
    def mi_remove_chunk(self, params: dict) -> str:
        name = get_str(params, "collection") if "collection" in params else None
        if not self._remove_matching(name, get_str(params, "glob")):
            raise MIError(500, "Internal error")
        return "OK"

    @mi_command("cachedb_local:fetch_chunk", ("glob",), ("glob", "collection"),
                aliases=("cache_fetch_chunk",))
    def mi_fetch_chunk(self, params: dict) -> dict:
        """Every key of the collection that matches, also expired ones that
        neither a read nor a cleaning has dropped yet."""
        pattern = get_str(params, "glob")
        name = get_str(params, "collection") if "collection" in params else None
        self._sweep_if_due()
        table = self._collection(name)
        if table is None:
            self.engine.logger.error(self.name, "mi_cache_fetch_chunk",
                                     "collection <%s> not defined!" % name)
            # OpenSIPS answers with its generic parameter error, which names the
            # last parameter it read
            raise MIError(INVALID_PARAMS, "Invalid params", "Bad type for parameter 'glob'")
        return {"keys": [{"name": key, "value": entry.value} for key, entry in table.listed()
                         if fnmatch(pattern, key)]}
