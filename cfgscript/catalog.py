"""The OpenSIPS module catalog: what every module and the core export, per release.

One source of truth, read by the checker and linter, the runtime ("known but not
available in cfgscript") and REPL completion. The data was read out of the OpenSIPS
sources (tools/catalog/ regenerates it): functions with parameter kinds and allowed
route types, module parameters, pseudo-variables, transformations, events, MI
commands and Event Interface transports.

data/catalog.json holds the newest release whole; data/catalog-<release>.json holds
each older release as a delta against it (see apply_delta). A release is loaded on
first use.

data/descriptions.json holds a one-line description of each function, parameter,
pseudo-variable, event and MI command, taken from the newest release's documentation
(older releases use the same text). It is read only when a description is first asked
for (describe_function() and its siblings), so loading a catalog does not pay for it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Optional

CORE = "core"

# The OpenSIPS releases a catalog ships for, oldest first; the last one is the default.
RELEASES = ("3.4", "3.5", "3.6", "4.0", "4.1")
DEFAULT_RELEASE = RELEASES[-1]

ROUTE_TYPE_BITS = {"REQUEST": 1, "FAILURE": 2, "ONREPLY": 4, "BRANCH": 8, "ERROR": 16,
                   "LOCAL": 32, "STARTUP": 64, "TIMER": 128, "EVENT": 256}

# The route type a block is parsed with (named route[] blocks count as REQUEST).
ROUTE_KIND_TYPES = {"route": "REQUEST", "failure_route": "FAILURE", "onreply_route": "ONREPLY",
                    "branch_route": "BRANCH", "error_route": "ERROR", "local_route": "LOCAL",
                    "startup_route": "STARTUP", "timer_route": "TIMER", "event_route": "EVENT"}


@dataclass(frozen=True, slots=True)
class Param:
    kind: str                   # "int", "str", "var", "regex", possibly joined by "|"
    optional: bool
    flags: tuple[str, ...]      # "opt", "fix_null", "no_expand", "static"
    fixup: Optional[str]

    @property
    def expands(self) -> bool:
        """A string literal given here is a format string."""
        return "no_expand" not in self.flags

    @property
    def main_kind(self) -> str:
        """The kind OpenSIPS checks first: int, then str, var, regex."""
        for kind in ("int", "str", "var", "regex"):
            if kind in self.kind.split("|"):
                return kind
        return ""


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    module: str
    params: tuple[Param, ...]
    min_args: int
    max_args: int
    route_mask: int

    def allowed_in(self, route_type: str) -> bool:
        return bool(self.route_mask & ROUTE_TYPE_BITS[route_type])

    @property
    def route_types(self) -> list[str]:
        return [name for name, bit in ROUTE_TYPE_BITS.items() if self.route_mask & bit]


def signature(fn: Function) -> str:
    """How completion and hover show a function: name, parameter kinds, owner."""
    params = ["[%s]" % (p.kind or "any") if p.optional else (p.kind or "any") for p in fn.params]
    where = "core" if fn.module == CORE else "module %s" % fn.module
    return "%s(%s)  — %s" % (fn.name, ", ".join(params), where)


@dataclass(frozen=True, slots=True)
class PVar:
    name: str
    module: str
    writable: bool
    takes_name: bool
    takes_index: bool


def _function(name: str, module: str, data: dict) -> Function:
    params = tuple(Param(p.get("kind") or "", bool(p.get("optional")), tuple(p.get("flags") or ()),
                         p.get("fixup")) for p in data.get("params", ()))
    return Function(name, module, params, data.get("min_args", 0), data.get("max_args", 0),
                    data.get("route_mask", 511))


def _pvar(name: str, module: str, details: dict) -> PVar:
    variants = [details] + list(details.get("variants", ()))
    return PVar(name, module,
                writable=any(v.get("writable") for v in variants),
                takes_name=any(v.get("name_arg") for v in variants),
                takes_index=any(v.get("index") for v in variants))


class Catalog:
    def __init__(self, data: dict):
        self._data = data
        self._core = data["core"]
        self._modules: dict[str, dict] = data["modules"]

    @property
    def opensips_version(self) -> str:
        return self._data.get("opensips_version", "")

    @property
    def source_commit(self) -> str:
        """The OpenSIPS git commit the catalog was read from."""
        return self._data.get("source_commit", "")

    @property
    def release(self) -> str:
        """The release line ("3.6") of the sources this catalog was read from."""
        return ".".join(self.opensips_version.split(".")[:2])

    # ------------------------------------------------------------ modules

    def has_module(self, name: str) -> bool:
        return name in self._modules

    @property
    def module_names(self) -> list[str]:
        return sorted(self._modules)

    def module_summary(self, name: str) -> str:
        return self._modules.get(name, {}).get("summary", "")

    def module_params(self, module: str) -> dict[str, str]:
        """Module parameter name -> type ("int", "str", "int|str", "str|func", ...)."""
        return self._modules.get(module, {}).get("params", {})

    def module_depends(self, module: str) -> list[str]:
        return list(self._modules.get(module, {}).get("depends", ()))

    # ------------------------------------------------------------ functions

    @cached_property
    def _functions(self) -> dict[str, list[Function]]:
        """Function name -> its definitions (core first, then modules)."""
        table: dict[str, list[Function]] = {}
        for name, fdata in self._core["functions"].items():
            table.setdefault(name, []).append(_function(name, CORE, fdata))
        for module, mdata in self._modules.items():
            for name, fdata in mdata.get("functions", {}).items():
                table.setdefault(name, []).append(_function(name, module, fdata))
        return table

    def functions_named(self, name: str) -> list[Function]:
        return self._functions.get(name, [])

    def function(self, name: str, loaded: Iterable[str]) -> Optional[Function]:
        """The function as seen with these modules loaded (core always is)."""
        available = loaded if isinstance(loaded, (set, frozenset)) else set(loaded)
        for fn in self._functions.get(name, ()):
            if fn.module == CORE or fn.module in available:
                return fn
        return None

    def module_function(self, module: str, name: str) -> Optional[Function]:
        """The function `name` of one module (or of the core)."""
        return next((fn for fn in self._functions.get(name, ()) if fn.module == module), None)

    def async_function(self, name: str, loaded: Iterable[str]) -> Optional[Function]:
        available = set(loaded)
        for module in sorted(available):
            fdata = self._modules.get(module, {}).get("async_functions", {}).get(name)
            if fdata is not None:
                return _function(name, module, fdata)
        return None

    def module_functions(self, module: str) -> list[str]:
        if module == CORE:
            return sorted(self._core["functions"])
        return sorted(self._modules.get(module, {}).get("functions", {}))

    # ------------------------------------------------------------ variables, transformations

    @cached_property
    def _pvars(self) -> dict[str, PVar]:
        table = {}
        details = self._core.get("pvar_details", {})
        for name in self._core.get("pvars", ()):
            table[name] = _pvar(name, CORE, details.get(name, {}))
        for module, mdata in self._modules.items():
            mdetails = mdata.get("pvar_details", {})
            for name in mdata.get("pvars", ()):
                table.setdefault(name, _pvar(name, module, mdetails.get(name, {})))
        return table

    def pvar(self, name: str) -> Optional[PVar]:
        return self._pvars.get(name)

    def pvar_names(self, loaded: Iterable[str] = ()) -> list[str]:
        available = set(loaded) | {CORE}
        return sorted(n for n, pv in self._pvars.items() if pv.module in available)

    @cached_property
    def transformations(self) -> frozenset[str]:
        names = set(self._core.get("transformations", ()))
        for mdata in self._modules.values():
            names.update(mdata.get("transformations", ()))
        return frozenset(n.lower() for n in names)

    # ------------------------------------------------------------ globals, statements

    def statement_forms(self, statement: str) -> list[str]:
        """The argument forms cfg.y accepts after a statement keyword ("return", "assert")."""
        return list(self._core.get("statement_forms", {}).get(statement, ()))

    def global_type(self, name: str) -> Optional[str]:
        """The type of a core global parameter ("int", "bool", "str", "socket", ...)."""
        return self._core["globals"].get(name)

    def global_forms(self, name: str) -> list[str]:
        """The value forms cfg.y accepts for a global ("NUMBER", "snumber", "STRING", "ID",
        or a compound rule such as "socket_def"); empty when not recorded."""
        return list(self._core.get("globals_detail", {}).get(name, {}).get("forms", ()))

    @property
    def global_names(self) -> list[str]:
        return sorted(self._core["globals"])

    # ------------------------------------------------------------ events and transports

    @cached_property
    def events(self) -> dict[str, tuple[str, list[str]]]:
        """Event name -> (publishing module, parameter names)."""
        core_events = self._core.get("events", {})
        table = {name: (CORE, list(params)) for name, params in core_events.items()}
        for module, mdata in self._modules.items():
            for name, params in mdata.get("events", {}).items():
                table.setdefault(name, (module, list(params)))
        return table

    @cached_property
    def transports(self) -> dict[str, str]:
        """Event Interface transport name ("udp", "rabbitmq", ...) -> module."""
        table = {name: CORE for name in self._core.get("event_transports", ())}
        for module, mdata in self._modules.items():
            for name in mdata.get("transport") or ():
                table[name] = module
        return table

    # ------------------------------------------------------------ MI

    def mi_commands(self) -> dict[str, dict]:
        """Full command name ("evi:raise") -> {recipes, aliases, module}."""
        table = {}
        for full, cdata in self._core.get("mi", {}).items():
            table[full] = {"recipes": cdata.get("recipes", []),
                           "aliases": cdata.get("aliases", []), "module": CORE}
        for module, mdata in self._modules.items():
            for local, cdata in mdata.get("mi", {}).items():
                full = cdata.get("full_name", "%s:%s" % (module, local))
                table[full] = {"recipes": cdata.get("recipes", []),
                               "aliases": cdata.get("aliases", []), "module": module}
        return table


def catalog_path(release: str = DEFAULT_RELEASE) -> str:
    """The data file of a release: the whole newest catalog, or an older release's delta."""
    if release not in RELEASES:
        raise ValueError("unknown OpenSIPS release %r (known: %s)" % (release, ", ".join(RELEASES)))
    name = "catalog.json" if release == DEFAULT_RELEASE else "catalog-%s.json" % release
    return os.path.join(os.path.dirname(os.path.realpath(__file__)), "data", name)


@cache
def data_digest(release: str = DEFAULT_RELEASE) -> str:
    """A digest of the data files a release's catalog is made from: what caches
    of results that depend on the catalog key on, without loading it."""
    import hashlib

    digest = hashlib.sha256()
    for path in {catalog_path(DEFAULT_RELEASE), catalog_path(release)}:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def apply_delta(base: dict, delta: dict) -> dict:
    """`base` changed by `delta`, without modifying `base`.

    A delta is a dict of up to four parts: "-" keys to remove, "~" key -> delta of a
    nested dict, "+" key -> new value (added, or replacing the old one whole), and "^"
    the final key order when added keys must not simply go last.
    """
    result = dict(base)
    for key in delta.get("-", ()):
        del result[key]
    for key, nested in delta.get("~", {}).items():
        result[key] = apply_delta(base[key], nested)
    result.update(delta.get("+", {}))
    order = delta.get("^")
    return {key: result[key] for key in order} if order is not None else result


def _read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@cache
def _release_data(release: str) -> dict:
    path = catalog_path(release)
    if release == DEFAULT_RELEASE:
        return _read_json(path)
    return apply_delta(_release_data(DEFAULT_RELEASE), _read_json(path))


def load_catalog(release: str = DEFAULT_RELEASE) -> Catalog:
    """The catalog of an OpenSIPS release ("3.4" ... "4.1"; see RELEASES), one object each."""
    return _catalog(release)


@cache
def _catalog(release: str) -> Catalog:
    return Catalog(_release_data(release))


# ---------------------------------------------------------------- descriptions


def descriptions_path() -> str:
    return os.path.join(os.path.dirname(os.path.realpath(__file__)), "data", "descriptions.json")


@cache
def _descriptions() -> dict:
    return _read_json(descriptions_path())


def _describe(kind: str, module: str, name: str) -> Optional[str]:
    data = _descriptions()
    side = data["core"] if module == CORE else data["modules"].get(module, {})
    return side.get(kind, {}).get(name)


def describe_function(module: str, name: str) -> Optional[str]:
    """What a function of a module (or of the core) does, in one sentence; None if undocumented."""
    return _describe("functions", module, name)


def describe_param(module: str, name: str) -> Optional[str]:
    """A module parameter's description; with module CORE, a global parameter's."""
    return _describe("params", module, name)


def describe_pvar(module: str, name: str) -> Optional[str]:
    """A pseudo-variable's description, by its name without "$" ("ru", "DLG_count")."""
    return _describe("pvars", module, name)


def describe_event(module: str, name: str) -> Optional[str]:
    return _describe("events", module, name)


def describe_mi(module: str, name: str) -> Optional[str]:
    """An MI command's description, by full ("dialog:list") or local ("list") name."""
    if module == CORE:
        return _describe("mi", CORE, name if ":" in name else "core:" + name)
    return _describe("mi", module, name.rsplit(":", 1)[-1])
