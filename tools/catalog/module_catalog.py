"""The `modules` part of the catalog: every module directory of a source tree."""

from __future__ import annotations

import json
import os

from . import modules as m
from .csource import collect_defines, defined_symbols
from .tree import SourceTree

CORE_HEADER_DIRS = ("", "mi", "evi", "db", "cachedb", "aaa", "parser", "mem", "net")
SUMMARIES = os.path.join(os.path.dirname(__file__), "summaries.json")


def default_build_symbols(tree: SourceTree) -> set[str]:
    """Symbols switched on by the default DEFS of Makefile.conf.template."""
    symbols = set()
    for line in tree.read("Makefile.conf.template").splitlines():
        if line.startswith("DEFS+="):
            symbols.update(w[2:].split("=")[0] for w in line.split() if w.startswith("-D"))
    return symbols


def core_macros(tree: SourceTree) -> tuple[dict[str, str], set[str]]:
    headers = [p for p in tree.files if p.endswith(".h") and os.path.dirname(p) in CORE_HEADER_DIRS]
    tree.preload(headers)
    defines: dict[str, str] = {}
    known = default_build_symbols(tree)
    for path in headers:
        text = tree.read(path)
        defines.update(collect_defines(text))
        known |= defined_symbols(text)
    return defines, known


def module_dirs(tree: SourceTree) -> list[str]:
    dirs = sorted({p.split("/")[1] for p in tree.files
                   if p.startswith("modules/") and p.count("/") >= 2})
    nets = sorted({p.split("/")[1] for p in tree.files
                   if p.startswith("net/proto_") and p.count("/") >= 2})
    return ["modules/" + d for d in dirs] + ["net/" + d for d in nets]


def read_summaries() -> dict[str, str]:
    with open(SUMMARIES, encoding="utf-8") as f:
        return json.load(f)


def module_entry(src: m.ModuleSource, name: str, exports: dict, docs) -> dict:
    entry: dict = {"path": src.path,
                   "module_type": m.MODULE_TYPES.get(exports["type"].text, "default")}
    entry["functions"] = m.functions(src, exports.get("cmds"), with_routes=True)
    entry["async_functions"] = m.functions(src, exports.get("acmds"), with_routes=False)
    params, conditional = m.modparams(src, exports.get("params"))
    entry["params"] = params
    if conditional:
        entry["params_conditional"] = conditional
    pvs = m.pvars(src, exports.get("items"))
    entry["pvars"] = list(pvs)
    entry["pvar_details"] = pvs
    entry["mi"] = m.mi_commands(src, exports.get("mi_cmds"), name)
    deps, param_deps = m.dependencies(src, exports.get("deps"))
    entry["depends"] = sorted({d["module"] for d in deps if d["module"]})
    entry["depends_detail"] = deps
    entry["param_depends"] = param_deps
    entry["transport"] = m.transports(src)
    entry["transformations"] = m.transformations(src, exports.get("trans"))
    events, from_modparams = docs.events(src.path, m.event_names(src))
    entry["events"] = events
    if from_modparams:
        entry["event_params_from_modparams"] = from_modparams
    return entry


def module_catalog(tree: SourceTree, docs) -> dict[str, dict]:
    macros, known = core_macros(tree)
    summaries = read_summaries()
    catalog: dict[str, dict] = {}
    for path in module_dirs(tree):
        src = m.ModuleSource.read(tree, path, macros, known)
        exports = src.exports()
        if exports is None:
            continue
        name = exports["name"].string() or path.rsplit("/", 1)[1]
        entry = module_entry(src, name, exports, docs)
        entry["summary"] = summaries.get(name, "")
        catalog[name] = entry
    return catalog
