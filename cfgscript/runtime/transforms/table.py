"""The table of transformation classes: each class prefix ("s", "uri", ...) with
the names it knows and the compiler of one of its steps. Dispatch and
known_transformations() both read CLASSES; a new class is a file of its own
with its NAMES, registered here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from . import csv, ip, nameaddr, params, regex_subst, sdp, string, uri, via
from .common import Args, Compiler, Step, ascii_lower


@dataclass(frozen=True)
class TransformClass:
    """One class: its names (lower-case) and how a step "{class.rest}" is compiled."""

    names: Collection[str]
    compile: Callable[[Args], Step]
    canonical: Callable[[str], str] = ascii_lower     # a written name -> its key in names


def by_name(table: dict[str, Compiler], canonical: Callable[[str], str] = ascii_lower
            ) -> TransformClass:
    """A class whose step starts with a name, looked up in table after canonical()."""
    def compile_class(args: Args) -> Step:
        name, p = args.name()
        compile_step = table.get(canonical(name))
        if compile_step is None:
            raise args.error("unknown transformation")
        return compile_step(args, p)
    return TransformClass(frozenset(table), compile_class, canonical)


CLASSES: dict[str, TransformClass] = {
    "s": by_name(string.NAMES, string.canonical_name),
    "uri": by_name(uri.NAMES),
    "param": by_name(params.NAMES, params.canonical_name),
    "nameaddr": TransformClass(nameaddr.NAMES, nameaddr.compile_nameaddr),
    "ip": by_name(ip.NAMES, ip.canonical_name),
    "csv": by_name(csv.NAMES),
    "re": by_name(regex_subst.NAMES),
    "via": by_name(via.NAMES),
    "sdp": TransformClass(frozenset(sdp.NAMES), sdp.compile_sdp),
}


def canonical_transformation(name: str) -> str:
    """"class.name" as OpenSIPS's parser reads it: "S.TrimLeft" is "s.triml"."""
    prefix, dot, rest = name.partition(".")
    prefix = ascii_lower(prefix)
    cls = CLASSES.get(prefix)
    return prefix + dot + (cls.canonical(rest) if cls else ascii_lower(rest))


def known_transformations() -> frozenset[str]:
    """Every supported "class.name", lower-case."""
    return frozenset(f"{prefix}.{name}" for prefix, cls in CLASSES.items() for name in cls.names)
