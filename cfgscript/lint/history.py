"""Where a name exists across the OpenSIPS releases, and what to say about one that
a release lacks: removed (with what replaced it), renamed, or newer than it.

The per-release catalogs say where a global, module, module parameter, function or
event exists; releases.SUCCESSORS says what replaced it. Other releases' catalogs are
loaded only when a name is unknown to the release asked about."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Optional

from ..catalog import RELEASES, Catalog, load_catalog
from ..releases import FUNCTION, GLOBAL, MODPARAM, MODULE, Successor, predecessor, successor

EVENT = "event"


@dataclass(frozen=True)
class Verdict:
    """Why a release lacks a name, and what to write instead."""
    message: str
    rename: Optional[str] = None        # a plain rename: the name to write instead (safe)
    successor: Optional[Successor] = None   # the table's entry, when it has one


def version(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.split("."))


def exists(catalog: Catalog, kind: str, name: str, module: str = "") -> bool:
    if kind == GLOBAL:
        return catalog.global_type(name) is not None
    if kind == MODULE:
        return catalog.has_module(name)
    if kind == MODPARAM:
        return name in catalog.module_params(module)
    if kind == FUNCTION:
        return bool(catalog.functions_named(name))
    return name in catalog.events


def subject(kind: str, name: str, module: str = "") -> str:
    """How a message names the thing: "global 'listen'", "function avp_op()", ..."""
    if kind == FUNCTION:
        return "function %s()" % name
    if kind == MODPARAM:
        return "parameter '%s' of module %s" % (name, module)
    return "%s '%s'" % (kind, name)


@cache
def releases_with(kind: str, name: str, module: str = "") -> tuple[str, ...]:
    return tuple(r for r in RELEASES if exists(load_catalog(r), kind, name, module))


@cache
def verdict(kind: str, name: str, release: str, module: str = "") -> Optional[Verdict]:
    """None when `release` has the name, or when no release and no table entry knows it."""
    if exists(load_catalog(release), kind, name, module):
        return None
    what = subject(kind, name, module)
    entry = successor(kind, name, module)
    if entry is not None and version(entry.gone_in) <= version(release):
        return _replaced(what, entry)
    present = releases_with(kind, name, module)
    older = [r for r in present if version(r) < version(release)]
    newer = [r for r in present if version(r) > version(release)]
    if newer and not older:
        return _newer(kind, what, name, module, newer[0], release)
    if older and not newer:
        gone_in = RELEASES[RELEASES.index(older[-1]) + 1]
        return Verdict("%s was removed in OpenSIPS %s" % (what, gone_in))
    if present:
        return Verdict("%s is not in OpenSIPS %s (it is in %s)"
                       % (what, release, ", ".join(present)))
    return None


def _replaced(what: str, entry: Successor) -> Verdict:
    if entry.renamed:
        return Verdict("%s was renamed to '%s' in OpenSIPS %s" % (what, entry.use[0],
                                                                 entry.gone_in),
                       entry.use[0], entry)
    message = "%s was removed in OpenSIPS %s" % (what, entry.gone_in)
    if entry.use:
        message += "; use %s" % " and ".join("'%s'" % name for name in entry.use)
    if entry.note:
        message += " (%s)" % entry.note
    return Verdict(message, successor=entry)


def _newer(kind: str, what: str, name: str, module: str, first: str, release: str) -> Verdict:
    message = "%s is new in OpenSIPS %s; %s does not have it" % (what, first, release)
    older_name = predecessor(kind, name, module)
    if older_name is not None and exists(load_catalog(release), kind, older_name.name, module):
        return Verdict(message + "; use '%s'" % older_name.name, older_name.name)
    return Verdict(message)
