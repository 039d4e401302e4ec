"""What the OpenSIPS core exports through C tables: functions, variables,
transformations, MI commands, events and Event Interface transports.

The same table readers as for modules are used; the core spreads its tables
over several files (core_cmds.c, pvar.c, transformations.c, mi/, evi/, ...).
"""

from __future__ import annotations

import re

from . import modules as m
from .tree import SourceTree

CORE_DIRS = ("", "mi", "evi", "net")
_INCLUDE_NAME = re.compile(r'\bstr\s+include_v\d+\s*=\s*str_init\(\s*"([^"]+)"')
_REGISTER_MI = re.compile(r'register_mi_mod\(\s*"(\w+)"\s*,\s*(\w+)\s*\)')


def core_source(tree: SourceTree, macros: dict[str, str], known: set[str]) -> m.ModuleSource:
    files = [p for p in tree.files if p.endswith((".c", ".h"))
             and (p.rsplit("/", 1)[0] if "/" in p else "") in CORE_DIRS]
    return m.ModuleSource.from_files(tree, "", files, macros, known)


def core_functions(src: m.ModuleSource) -> dict[str, dict]:
    return m.functions(src, src.named("core_cmds"), with_routes=True)


def core_pvars(src: m.ModuleSource) -> dict[str, dict]:
    return m.pvars(src, src.named("_pv_names_table"))


def core_transformations(src: m.ModuleSource) -> tuple[list[str], list[str]]:
    """(transformation classes, full transformation names)."""
    classes = [m._first_string((n.items or [m.Node()])[0]) or ""
               for n in src.table(src.named("core_trans"))]
    return classes, m.transformations(src, src.named("core_trans"))


def mi_registrations(src: m.ModuleSource) -> list[tuple[str, str]]:
    """(group, table) of every register_mi_mod call, the MI core's own first
    (init_mi_core runs before the other core parts register theirs)."""
    ordered = sorted(zip(src.files, src.texts), key=lambda ft: (not ft[0].startswith("mi/"), ft[0]))
    return [reg for _path, text in ordered for reg in _REGISTER_MI.findall(text)]


def core_mi(src: m.ModuleSource) -> dict[str, dict]:
    table: dict[str, dict] = {}
    for group, table_name in mi_registrations(src):
        for local, entry in m.mi_commands(src, src.named(table_name), group).items():
            entry = dict(entry)
            entry.pop("full_name")
            entry["group"] = group
            entry["local_name"] = local
            table["%s:%s" % (group, local)] = entry
    return table


def core_transports(src: m.ModuleSource) -> list[str]:
    return m.transports(src) or []


def preprocessor_directives(tree: SourceTree) -> list[str]:
    """The include directives cfg_pp.c recognises (include_file, import_file)."""
    return _INCLUDE_NAME.findall(tree.read("cfg_pp.c")) if tree.exists("cfg_pp.c") else []


def statements_requiring_modules(tree: SourceTree, module_dirs: list[str]) -> dict[str, list[str]]:
    """async and launch run only when a module registered the async script handlers."""
    providers = sorted({d.rsplit("/", 1)[1] for d in module_dirs for p in tree.listdir(d)
                        if p.endswith(".c") and "register_async_script_handlers(" in tree.read(p)})
    return {"async": providers, "launch": providers} if providers else {}
