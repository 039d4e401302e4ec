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


def moved(value: Any, delta: int, path: str) -> Any:
    """A copy of `value` (dataclasses, named tuples and containers of them) with
    the lines of every position in the file `path` moved by `delta`."""
    return value if delta == 0 else _moved(value, delta, path, False)


def _moved(value: Any, delta: int, path: str, in_file: bool) -> Any:
    kind = type(value)
    mover = _MOVERS.get(kind)
    if mover is None:
        mover = _MOVERS[kind] = _mover_for(kind) or _same
    return mover(value, delta, path, in_file)


def _same(value: Any, delta: int, path: str, in_file: bool) -> Any:
    return value


def _list(value: list, delta: int, path: str, in_file: bool) -> list:
    return [_moved(item, delta, path, in_file) for item in value]


def _tuple(value: tuple, delta: int, path: str, in_file: bool) -> tuple:
    return tuple([_moved(item, delta, path, in_file) for item in value])


def _set(value: set | frozenset, delta: int, path: str, in_file: bool) -> set | frozenset:
    return type(value)(_moved(item, delta, path, in_file) for item in value)


def _dict(value: dict, delta: int, path: str, in_file: bool) -> dict:
    return {key: _moved(item, delta, path, in_file) for key, item in value.items()}


# one mover per type, found by a single lookup (this runs for every fact of a
# large script); dataclasses and named tuples get theirs generated on first sight
_MOVERS: dict[type, _Mover] = {str: _same, int: _same, bool: _same, float: _same,
                               type(None): _same, list: _list, tuple: _tuple, set: _set,
                               frozenset: _set, dict: _dict}


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
    values = [_moved_field(name, annotation) for name, annotation in fields]
    scope: dict[str, Any] = {"kind": kind, "_moved": _moved, "new": object.__new__}
    if _settable(kind, names):
        # a frozen dataclass's __init__ sets each field through object.__setattr__;
        # its slots' own descriptors do the same work at half the cost
        lines.append("    n = new(kind)")
        for name, value in zip(names, values):
            scope["set_" + name] = getattr(kind, name).__set__
            lines.append("    set_%s(n, %s)" % (name, value))
        lines.append("    return n")
    else:
        lines.append("    return kind(%s)" % ", ".join(values))
    exec("\n".join(lines), scope)       # noqa: S102 - generated from the class's own fields
    return scope["move"]


def _moved_field(name: str, annotation: str) -> str:
    """The expression giving a field's moved value in a generated mover."""
    if name in _LINE_FIELDS:
        return "v.%s + d if in_file and v.%s > 0 else v.%s" % (name, name, name)
    if name == "included_from":
        return "tuple((f, n + d if f == path else n) for f, n in v.included_from)"
    if annotation in _PLAIN:
        return "v.%s" % name
    return "_moved(v.%s, d, path, in_file)" % name


def _settable(kind: type, names: list[str]) -> bool:
    """Whether a frozen dataclass can be rebuilt slot by slot: every field is a
    slot and nothing runs after __init__."""
    slots = getattr(kind, "__slots__", ())
    return (dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen
            and not hasattr(kind, "__post_init__")
            and all(name in slots for name in names) and len(names) == len(slots))
