"""The names a document defines and uses, found in the trees of its blocks:
route blocks and route() calls, event routes and the events raised or
subscribed, $var() assignments and reads, and the files it includes.

A block's symbols are gathered once, with lines counted from the block's first
line; `DocumentIndex` places them in the document when asked."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Optional

from ..catalog import ROUTE_KIND_TYPES
from ..syntax import ast
from .analysis import Analysis, ParsedBlock

ROUTE = "route"             # a route block of any kind (the name's place)
ROUTE_CALL = "route-call"   # route(NAME)
EVENT = "event"             # an event name in raise_event() / subscribe_event()
VAR_SET = "var-set"         # $var(NAME) assigned
VAR_READ = "var-read"
INCLUDE = "include"         # include_file "NAME": the line, and the file's path as name
EVENT_FUNCTIONS = ("raise_event", "subscribe_event")
_HEADER = re.compile(r'(?P<kind>[a-z_]+)[ \t]*(?:\[[ \t]*"?(?P<name>[^\]",\s]+))?')


@dataclass(frozen=True, slots=True)
class Symbol:
    kind: str
    name: str
    line: int                   # 1-based, in the document
    col: int
    end_line: int
    end_col: int                # exclusive
    route_kind: str = ""        # for ROUTE: "route", "event_route", "timer_route", ...
    block_end_line: int = 0     # for ROUTE: the last line of the block
    target: str = ""            # for INCLUDE: the included file's path

    def moved(self, lines: int) -> Symbol:
        return replace(self, line=self.line + lines, end_line=self.end_line + lines,
                       block_end_line=self.block_end_line + lines if self.block_end_line else 0)

    def contains(self, line: int, col: int) -> bool:
        return (self.line, self.col) <= (line, col) <= (self.end_line, self.end_col)


def block_symbols(parsed: ParsedBlock, path: str) -> list[Symbol]:
    """The symbols of one block, in the block's own lines."""
    symbols: list[Symbol] = []
    source = parsed.source
    for included in source.files[1:]:
        origin, line = included.included_from[0]
        if origin == path and len(included.included_from) == 1:
            text = source.main.line(line) or ""
            symbols.append(Symbol(INCLUDE, included.path, line, 1, line, len(text) + 1,
                                  target=included.path))
    for item in parsed.result.script.items:
        if isinstance(item, ast.Route) and item.file == path:
            symbols.append(_route(item, source.main.line(item.line) or ""))
            symbols += _uses(item, path)
    if not parsed.ok and not any(s.kind == ROUTE and s.line == 1 for s in symbols):
        symbols += _unparsed_route(source.main.text)
    return symbols


def _unparsed_route(text: str) -> list[Symbol]:
    """A block being edited that does not parse yet still tells, by its header,
    which route it is (completion needs that most while the text is incomplete)."""
    header = _HEADER.match(text)
    if header is None or header.group("kind") not in ROUTE_KIND_TYPES:
        return []
    name = header.group("name") or ""
    start = header.start("name") + 1 if name else 1
    return [Symbol(ROUTE, name, 1, start, 1, start + len(name or header.group("kind")),
                   header.group("kind"), text.rstrip("\n").count("\n") + 1)]


def _route(route: ast.Route, header: str) -> Symbol:
    name = route.name or ""
    at = header.find(name, header.find("[") + 1) if name else route.col - 1
    start = at + 1 if at >= 0 else route.col
    end = start + len(name) if name else start + len(route.kind)
    return Symbol(ROUTE, name, route.line, start, route.line, end, route.kind, route.end_line)


def _uses(route: ast.Route, path: str) -> Iterator[Symbol]:
    for node in ast.walk(route):
        if node.file != path:
            continue
        if isinstance(node, ast.RouteCall) and isinstance(node.target, ast.Str):
            yield _named(ROUTE_CALL, node.target.value, node.target)
        elif isinstance(node, ast.Call) and node.name in EVENT_FUNCTIONS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Str):
                yield _named(EVENT, first.value, first)
        elif isinstance(node, ast.Assign) and _var_name(node.target):
            yield _at(VAR_SET, _var_name(node.target), node.target)
        elif isinstance(node, ast.Var) and _var_name(node):
            yield _at(VAR_READ, _var_name(node), node)


def _var_name(node: ast.Var) -> Optional[str]:
    spec = node.spec
    return spec.inner if spec.name == "var" and spec.inner and spec.dynamic is None else None


def _at(kind: str, name: str, node: ast.Node) -> Symbol:
    return Symbol(kind, name, node.line, node.col, node.end_line, node.end_col)


def _named(kind: str, name: str, node: ast.Str) -> Symbol:
    """A string's symbol, its quotes left out (they are not part of the name)."""
    quoted = node.end_col - node.col == len(name) + 2 and node.line == node.end_line
    inset = 1 if quoted else 0
    return Symbol(kind, name, node.line, node.col + inset, node.end_line, node.end_col - inset)


class DocumentIndex:
    """The symbols of an analysed document, in document lines."""

    def __init__(self, analysis: Analysis, path: str) -> None:
        self.analysis = analysis
        self.path = path
        self._blocks: dict[int, list[Symbol]] = {}
        self._firsts = [block.first_line for block in analysis.blocks]

    def block_at(self, line: int) -> int:
        return max(bisect_right(self._firsts, line) - 1, 0)

    def symbols_of_block(self, index: int) -> list[Symbol]:
        if index not in self._blocks:
            parsed = self.analysis.parsed[index] if index < len(self.analysis.parsed) else None
            found = [] if parsed is None else _symbols_once(parsed, self.path)
            shift = self.analysis.blocks[index].first_line - 1
            self._blocks[index] = [s.moved(shift) for s in found] if shift else found
        return self._blocks[index]

    def all(self) -> Iterator[Symbol]:
        for index in range(len(self.analysis.blocks)):
            yield from self.symbols_of_block(index)

    def at(self, line: int, col: int) -> Optional[Symbol]:
        """The symbol under a 1-based position."""
        return next((s for s in self.symbols_of_block(self.block_at(line))
                     if s.contains(line, col)), None)

    def route_at(self, line: int) -> Optional[Symbol]:
        """The route block a line is in."""
        return next((s for s in self.symbols_of_block(self.block_at(line))
                     if s.kind == ROUTE and s.line <= line <= s.block_end_line), None)

    def named(self, kinds: tuple[str, ...], name: str) -> list[Symbol]:
        return [s for s in self.all() if s.kind in kinds and s.name == name]

    def routes(self) -> list[Symbol]:
        return [s for s in self.all() if s.kind == ROUTE]


def _symbols_once(parsed: ParsedBlock, path: str) -> list[Symbol]:
    """A block's symbols, gathered on first use and kept with it (blocks outlive edits)."""
    if parsed.symbols is None:
        parsed.symbols = block_symbols(parsed, path)
    return parsed.symbols
