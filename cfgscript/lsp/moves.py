"""Moving analysis results down or up the document: a block of text analysed
once keeps its findings and facts when lines are added or removed above it,
with every position in the document's own file shifted by the same number of
lines (positions in included files stay where they are)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

# Fields whose annotation says they hold no position: copied as they are.
_PLAIN = frozenset(("str", "int", "bool", "float", "Optional[str]", "Optional[int]",
                    "tuple[str, ...]", "set[str]", "frozenset[str]", "list[str]"))
_LINE_FIELDS = frozenset(("line", "end_line"))
_Mover = Callable[[Any, int, str, bool], Any]
_MOVERS: dict[type, _Mover] = {}


def moved(value: Any, delta: int, path: str) -> Any:
    """A copy of `value` (dataclasses, named tuples and containers of them) with
    the lines of every position in the file `path` moved by `delta`."""
    return value if delta == 0 else _moved(value, delta, path, False)


def _moved(value: Any, delta: int, path: str, in_file: bool) -> Any:
    kind = type(value)
    if kind in (str, int, bool, float) or value is None:
        return value
    if kind is list:
        return [_moved(item, delta, path, in_file) for item in value]
    if kind is tuple:
        return tuple(_moved(item, delta, path, in_file) for item in value)
    if kind is set or kind is frozenset:
        return kind(_moved(item, delta, path, in_file) for item in value)
    if kind is dict:
        return {key: _moved(item, delta, path, in_file) for key, item in value.items()}
    mover = _MOVERS.get(kind) or _mover_for(kind)
    return value if mover is None else mover(value, delta, path, in_file)


def _mover_for(kind: type) -> _Mover | None:
    """A function rebuilding a dataclass or named tuple with its lines moved,
    written out field by field (this runs for every fact of a large script)."""
    if dataclasses.is_dataclass(kind):
        fields = [(f.name, str(f.type)) for f in dataclasses.fields(kind) if f.init]
    elif issubclass(kind, tuple) and hasattr(kind, "_fields"):
        hints = getattr(kind, "__annotations__", {})
        fields = [(name, str(hints.get(name, ""))) for name in kind._fields]
    else:
        return None
    names = [name for name, _ in fields]
    where = "file" if "file" in names else "path" if "path" in names else None
    lines = ["def move(v, d, path, in_file):"]
    if where:
        lines.append("    in_file = v.%s == path" % where)
    arguments = []
    for name, annotation in fields:
        if name in _LINE_FIELDS:
            arguments.append("v.%s + d if in_file and v.%s > 0 else v.%s" % (name, name, name))
        elif name == "included_from":
            arguments.append("tuple((f, n + d if f == path else n) for f, n in v.included_from)")
        elif annotation in _PLAIN:
            arguments.append("v.%s" % name)
        else:
            arguments.append("_moved(v.%s, d, path, in_file)" % name)
    lines.append("    return kind(%s)" % ", ".join(arguments))
    scope = {"kind": kind, "_moved": _moved}
    exec("\n".join(lines), scope)       # noqa: S102 - generated from the class's own fields
    _MOVERS[kind] = scope["move"]
    return scope["move"]
