"""The cachedb_local module: an in-memory key-value cache behind the core
cache_store()/cache_fetch()/cache_remove() functions and the counters of
cache_add()/cache_sub()/cache_counter_fetch(). Values expire after the number
of seconds given when they are stored (0: never). Scripts name a cache by the
id of its URL: "local" (modparam cachedb_url "local://" or "local:///coll")
or "local:GROUP" ("local:GROUP:///coll"); every collection is one table."""

from __future__ import annotations

import fnmatch
import re
import time
from dataclasses import dataclass
from typing import Optional, Union

from ..mi.core import get_str
from ..mi.errors import MIError
from ..runtime.context import RunContext
from ..runtime.module import Arg, ModParam, Module, function, mi_command
from ..runtime.values import VInt
from ..syntax.ints import wrap32

DEFAULT_COLLECTION = "default"
NOT_FOUND = -2
NOT_A_COUNTER = -3
_URL = re.compile(r"^local(?::(?P<group>[^:/]+))?://(?:/(?P<collection>[^/]*))?$")
_NUMBER = re.compile(r"^[+-]?\d+$")


@dataclass
class Entry:
    value: Union[str, int]           # int: a counter
    expires: float = 0.0             # monotonic deadline; 0 never

    def alive(self, now: float) -> bool:
        return not self.expires or now < self.expires


def _deadline(expire: Optional[int], now: float) -> float:
    return now + expire if expire and expire > 0 else 0.0


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
        self.tables: dict[str, dict[str, Entry]] = {}
        self.urls: dict[str, str] = {}          # script id ("local", "local:grp") -> collection

    def init(self) -> None:
        for item in self.param("cache_collections").split(";"):
            name = item.split("=", 1)[0].strip()
            if name:
                self.tables.setdefault(name, {})
        self.tables.setdefault(DEFAULT_COLLECTION, {})
        self.urls["local"] = DEFAULT_COLLECTION
        for url in self.param("cachedb_url"):
            match = _URL.match(url.strip())
            if match is None:
                self.engine.logger.error(self.name, "mod_init", "invalid cachedb_url %s" % url)
                continue
            group = match.group("group")
            collection = match.group("collection") or DEFAULT_COLLECTION
            self.urls["local:" + group if group else "local"] = collection
            self.tables.setdefault(collection, {})

    # ------------------------------------------------------------ storage

    def _table(self, cache_id: str, function_name: str) -> Optional[dict[str, Entry]]:
        collection = self.urls.get(cache_id.strip())
        if collection is None:
            self.engine.logger.error("core", function_name,
                                     "cachedb_url %s is not defined by a cachedb module"
                                     % cache_id)
            return None
        return self.tables[collection]

    def _live(self, table: dict[str, Entry], key: str) -> Optional[Entry]:
        entry = table.get(key)
        if entry is not None and not entry.alive(time.monotonic()):
            del table[key]
            return None
        return entry

    # ------------------------------------------------------------ script functions

    @function("cache_store", Arg("str"), Arg("str"), Arg("str"), Arg("int", optional=True))
    def cache_store(self, ctx: RunContext, cache_id: str, key: str, value: str,
                    expire: Optional[int] = None) -> int:
        table = self._table(cache_id, "w_cache_store")
        if table is None:
            return -1
        table[key] = Entry(value, _deadline(expire, time.monotonic()))
        return 1

    @function("cache_fetch", Arg("str"), Arg("str"), Arg("var", writable=True))
    def cache_fetch(self, ctx: RunContext, cache_id: str, key: str, target) -> int:
        table = self._table(cache_id, "w_cache_fetch")
        if table is None:
            return -1
        entry = self._live(table, key)
        if entry is None:
            return NOT_FOUND
        return 1 if target.write(ctx, str(entry.value)) else -1

    @function("cache_remove", Arg("str"), Arg("str"))
    def cache_remove(self, ctx: RunContext, cache_id: str, key: str) -> int:
        table = self._table(cache_id, "w_cache_remove")
        if table is None:
            return -1
        table.pop(key, None)
        return 1

    @function("cache_add", Arg("str"), Arg("str"), Arg("int"), Arg("int"),
              Arg("var", optional=True, writable=True))
    def cache_add(self, ctx: RunContext, cache_id: str, key: str, amount: int, expire: int,
                  target=None) -> int:
        return self._count(ctx, cache_id, key, amount, expire, target, "w_cache_add")

    @function("cache_sub", Arg("str"), Arg("str"), Arg("int"), Arg("int"),
              Arg("var", optional=True, writable=True))
    def cache_sub(self, ctx: RunContext, cache_id: str, key: str, amount: int, expire: int,
                  target=None) -> int:
        return self._count(ctx, cache_id, key, -amount, expire, target, "w_cache_sub")

    def _count(self, ctx: RunContext, cache_id: str, key: str, delta: int, expire: int,
               target, function_name: str) -> int:
        table = self._table(cache_id, function_name)
        if table is None:
            return -1
        entry = self._live(table, key)
        now = time.monotonic()
        if entry is None:
            entry = table[key] = Entry(0, _deadline(expire, now))
        elif isinstance(entry.value, str):
            if not _NUMBER.match(entry.value):
                self.engine.logger.error(self.name, "lcache_htable_add", "Not a counter key")
                return -1
            entry.value = int(entry.value)
        entry.value = wrap32(entry.value + delta)
        if expire and expire > 0:
            entry.expires = _deadline(expire, now)
        if target is not None and not target.write(ctx, VInt(entry.value)):
            return -1
        return 1

    @function("cache_counter_fetch", Arg("str"), Arg("str"), Arg("var", writable=True))
    def cache_counter_fetch(self, ctx: RunContext, cache_id: str, key: str, target) -> int:
        table = self._table(cache_id, "w_cache_counter_fetch")
        if table is None:
            return -1
        entry = self._live(table, key)
        if entry is None:
            return NOT_FOUND
        if not isinstance(entry.value, int):
            self.engine.logger.error(self.name, "lcache_htable_fetch_counter",
                                     "Not a counter key")
            return NOT_A_COUNTER
        return 1 if target.write(ctx, VInt(entry.value)) else -1

    @function("cache_remove_chunk", Arg("str", optional=True), Arg("str"))
    def cache_remove_chunk(self, ctx: RunContext, collection: Optional[str],
                           pattern: str) -> int:
        return 1 if self._remove_matching(collection, pattern) is not None else -1

    # ------------------------------------------------------------ MI

    def _remove_matching(self, collection: Optional[str], pattern: str) -> Optional[int]:
        """Remove the keys that match a glob pattern (in one collection, or all);
        None for an unknown collection."""
        if collection and collection not in self.tables:
            return None
        tables = [self.tables[collection]] if collection else list(self.tables.values())
        removed = 0
        for table in tables:
            for key in [k for k in table if fnmatch.fnmatchcase(k, pattern)]:
                del table[key]
                removed += 1
        return removed

    @mi_command("cachedb_local:remove_chunk", ("glob",), ("glob", "collection"),
                aliases=("cache_remove_chunk",))
    def mi_remove_chunk(self, params: dict) -> str:
        if self._remove_matching(params.get("collection"), get_str(params, "glob")) is None:
            raise MIError(400, "Collection not found")
        return "OK"

    @mi_command("cachedb_local:fetch_chunk", ("glob",), ("glob", "collection"),
                aliases=("cache_fetch_chunk",))
    def mi_fetch_chunk(self, params: dict) -> dict:
        collection = params.get("collection")
        if collection and collection not in self.tables:
            raise MIError(400, "Collection not found")
        tables = [self.tables[collection]] if collection else list(self.tables.values())
        pattern, now = get_str(params, "glob"), time.monotonic()
        keys = [{"name": key, "value": str(entry.value)} for table in tables
                for key, entry in table.items()
                if entry.alive(now) and fnmatch.fnmatchcase(key, pattern)]
        return {"keys": keys}
