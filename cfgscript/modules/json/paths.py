"""$json paths: "doc/key[idx]/..." as pv_parse_json_name() reads it, the lookup
of a path in a document, the compiled accessor json_link() recognises, and the
cursor a for-each over $json(...)[*] walks with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from ...runtime.accessor import Accessor
from ...runtime.compiler import CompileError
from ...runtime.context import RunContext
from ...runtime.expressions import Reader
from ...runtime.logger import Logger
from ...runtime.values import has_int, has_str, int_of, text
from ...syntax.ints import wrap32
from ...syntax.pvspec import SpecError, parse_spec_at

ITER_NONE, ITER_KEYS, ITER_VALUES = 0, 1, 2


class Tag(NamedTuple):
    """One step of a path: /key, [index], [] (append), or either from a variable."""
    is_key: bool
    key: str = ""
    index: int = 0
    append: bool = False
    var: Reader | None = None


@dataclass(frozen=True)
class JsonPath:
    """What pv_parse_json_name() makes of "doc/key[1]/x.keys"."""
    name: str
    tags: tuple[Tag, ...]
    iterate: int
    dynamic: bool

    def steps(self, ctx: RunContext, log: Logger) -> tuple[Tag, ...] | None:
        """expand_tag_list(): the tags with variables read (None: logged error)."""
        if not self.dynamic:
            return self.tags
        steps = []
        for tag in self.tags:
            if tag.var is not None:
                value = tag.var(ctx)
                if tag.is_key and not has_str(value):
                    log.error("json", "expand_tag_list", "Non string value in key")
                    return None
                if not tag.is_key and not has_int(value):
                    log.error("json", "expand_tag_list", "Non integer value in index")
                    return None
                tag = tag._replace(key=text(value)) if tag.is_key \
                    else tag._replace(index=int_of(value))
            steps.append(tag)
        return tuple(steps)


_NAME, _TEST, _KEY, _IDX, _ITER, _ERR = range(6)
_FROM_TEST = {"[": _IDX, "/": _KEY, ".": _ITER}
_INDEX = re.compile(r"\s*([-+]?[0-9]+)")


def _next_state(state: int, char: str) -> int:
    if state == _TEST:
        return _FROM_TEST.get(char, _ERR)
    if state == _IDX:
        return _TEST if char == "]" else _IDX
    if char in "/[.":
        return _ERR if state == _ITER else _TEST
    return state


def parse_path(inner: str, compiler) -> JsonPath:
    """pv_parse_json_name(): its character state machine, quirks included
    (a trailing '/' makes a "/" key, a '.' inside a key ends it)."""
    name, tags, iterate = "", [], ITER_NONE
    state, previous, start, pos = _NAME, -1, 0, 0

    def emit(state: int, piece: str) -> None:
        nonlocal name, iterate
        if state == _NAME:
            name = piece
        elif state == _KEY:
            tags.append(_key_tag(piece, compiler))
        elif state == _IDX:
            tags.append(_index_tag(piece, compiler))
        elif state == _ITER:
            if piece not in ("keys", "values"):
                raise CompileError(f"$json({inner}): Bad iterator type")
            iterate = ITER_KEYS if piece == "keys" else ITER_VALUES

    while pos < len(inner):
        following = _next_state(state, inner[pos])
        if following == _ERR:
            raise CompileError(f"$json({inner}): Unexpected char at position: {pos}")
        if state != previous:
            start = pos
        if state != following:
            emit(state, inner[start:pos])
        if not (following == _TEST and state in (_NAME, _KEY)):
            pos += 1
        previous, state = state, following
    if state == _IDX:
        raise CompileError(f"$json({inner}): Mismatched parenthesis")
    emit(state, inner[start:])
    return JsonPath(name, tuple(tags), iterate, any(t.var is not None for t in tags))


def _variable(piece: str, compiler) -> Reader:
    try:
        spec, _ = parse_spec_at(piece, 0)
    except SpecError:
        raise CompileError(f"$json: Unable to parse variable {piece}") from None
    return compiler.compile_read(spec)


def _key_tag(piece: str, compiler) -> Tag:
    if piece.startswith("$"):
        return Tag(True, var=_variable(piece, compiler))
    return Tag(True, key=piece)


def _index_tag(piece: str, compiler) -> Tag:
    if not piece.strip():
        return Tag(False, append=True)
    if piece.lstrip()[0] == "$":
        return Tag(False, var=_variable(piece, compiler))
    match = _INDEX.match(piece)
    if match is None:
        raise CompileError(f"$json: Index value is not an integer:[{piece}]")
    return Tag(False, index=wrap32(int(match.group(1))))


def lookup(root: Any, steps: tuple[Tag, ...], parent: bool) -> tuple[Any, int]:
    """get_object(): the node at the path (or, with `parent`, the container of its
    last step, which need not exist yet). Returns (node, -1), or (None, i) when
    step i cannot be followed."""
    node, container = root, None
    for position, tag in enumerate(steps):
        container = node
        if tag.is_key:
            if type(node) is not dict or (tag.key not in node and not parent):
                return None, position
            node = node.get(tag.key)
        else:
            if type(node) is not list:
                return None, position
            size = len(node)
            index = size if tag.append else tag.index + size if tag.index < 0 else tag.index
            if index < 0:
                return None, position
            node = node[index] if index < size else None
            if node is None and not parent:
                return None, position
    return (container if parent else node), -1


def contains(tree: Any, target: Any) -> bool:
    """Is `target` (by identity) `tree` or somewhere inside it?"""
    pending = [tree]
    while pending:
        node = pending.pop()
        if node is target:
            return True
        if type(node) is dict:
            pending.extend(node.values())
        elif type(node) is list:
            pending.extend(node)
    return False


@dataclass(slots=True)
class JsonAccessor(Accessor):
    """A $json accessor; json_link() finds the compiled path here."""
    path: JsonPath | None = None


class Cursor:
    """pv_json_iterate(): for-each over an object walks one iterator kept by the
    variable, restarted unless the index is the previous one plus one; over an
    array it reads index i directly."""
    __slots__ = ("previous", "entries")

    def __init__(self) -> None:
        self.previous = 0
        self.entries = iter(())

    def step(self, node: Any, index: int, iterate: int) -> tuple[bool, Any]:
        """(found, key or member); (False, None) ends the loop. A null member
        reads as the text "null"."""
        if type(node) is dict:
            if index != self.previous + 1:
                self.previous, self.entries = 0, iter(list(node.items()))
            else:
                self.previous += 1
            entry = next(self.entries, None)
            if entry is None:
                return False, None
            return True, entry[0] if iterate == ITER_KEYS else entry[1]
        if type(node) is not list or iterate != ITER_NONE:
            return False, None
        if index >= len(node):      # OpenSIPS tests ==: a loop that shrinks its array
            self.previous = 0       # would read "null" past the end forever
            return False, None
        return True, node[index]
