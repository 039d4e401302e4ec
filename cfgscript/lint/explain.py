"""What the catalog and the OpenSIPS documentation say about a name a script uses:
a function, a $pseudo-variable, an event or an MI command (`cfgscript rule NAME`
when NAME is not a rule)."""

from __future__ import annotations

from typing import Optional

from ..catalog import (
    CORE,
    Catalog,
    Function,
    describe_event,
    describe_function,
    describe_mi,
    describe_pvar,
)
from .mi_names import reached


def _owner(module: str) -> str:
    return "the core" if module == CORE else "module %s" % module


def _arguments(fn: Function) -> str:
    count = (
        "%d" % fn.max_args
        if fn.min_args == fn.max_args
        else "%d to %d" % (fn.min_args, fn.max_args)
    )
    kinds = [
        "%d: %s%s" % (n, p.kind or "any", ", optional" if p.optional else "")
        for n, p in enumerate(fn.params, 1)
    ]
    return "Arguments: %s%s" % (count, " (%s)" % "; ".join(kinds) if kinds else "")


def _function(fn: Function) -> str:
    lines = [
        "%s() — function of %s" % (fn.name, _owner(fn.module)),
        describe_function(fn.module, fn.name) or "(not documented)",
        _arguments(fn),
        "Allowed in: %s" % ", ".join(fn.route_types),
    ]
    return "\n".join(lines)


def _pvar(catalog: Catalog, name: str) -> Optional[str]:
    pvar = catalog.pvar(name)
    if pvar is None:
        return None
    access = "writable" if pvar.writable else "read-only"
    return "$%s — pseudo-variable of %s, %s\n%s" % (
        name,
        _owner(pvar.module),
        access,
        describe_pvar(pvar.module, name) or "(not documented)",
    )


def _event(catalog: Catalog, name: str) -> Optional[str]:
    known = catalog.events.get(name)
    if known is None:
        return None
    module, params = known
    return "%s — event of %s\n%s\nParameters: %s" % (
        name,
        _owner(module),
        describe_event(module, name) or "(not documented)",
        ", ".join(params) or "none",
    )


def _mi(catalog: Catalog, name: str) -> Optional[str]:
    modules = catalog.module_names
    found = reached(catalog, name, modules)
    if not found:
        return None
    return "\n".join(
        "%s — MI command of %s\n%s"
        % (
            command.full_name,
            _owner(command.module),
            describe_mi(command.module, command.full_name) or "(not documented)",
        )
        for command in found
    )


def explain_name(catalog: Catalog, name: str) -> Optional[str]:
    """Plain text about `name` ("t_relay", "t_relay()", "$ru", "E_CORE_LOG", "dialog:list"),
    or None when the catalog does not know it."""
    if name.startswith("$"):
        return _pvar(catalog, name.lstrip("$(").rstrip(")"))
    bare = name.removesuffix("()")
    functions = catalog.functions_named(bare)
    if functions:
        return "\n\n".join(_function(fn) for fn in functions)
    return _event(catalog, bare) or _mi(catalog, bare)
