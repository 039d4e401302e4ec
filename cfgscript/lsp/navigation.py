"""Go to definition, find references, document and workspace symbols and
renaming routes, from the documents' symbol indexes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Optional

from lsprotocol import types
from pygls.uris import from_fs_path

from ..diagnostics import DiagnosticError
from ..syntax.parser import get_parser
from ..syntax.source import load
from .index import EVENT, INCLUDE, ROUTE, ROUTE_CALL, VAR_READ, VAR_SET, Symbol
from .state import OpenDocument

_KINDS = {"event_route": types.SymbolKind.Event, "timer_route": types.SymbolKind.Method,
          "startup_route": types.SymbolKind.Constructor}
MAX_WORKSPACE_FILES = 2000


def _location(doc: OpenDocument, symbol: Symbol, encoding: str) -> types.Location:
    where = doc.document.range_of(symbol.line, symbol.col, symbol.end_line, symbol.end_col,
                                  encoding)
    return types.Location(doc.document.uri, where)


def _symbol_at(doc: OpenDocument, position: types.Position, encoding: str) -> Optional[Symbol]:
    return doc.index.at(*doc.document.from_lsp(position, encoding))


def _related(doc: OpenDocument, symbol: Symbol) -> tuple[list[Symbol], list[Symbol]]:
    """(definitions, uses) of the name the symbol stands for."""
    index = doc.index
    if symbol.kind in (ROUTE, ROUTE_CALL) and symbol.route_kind in ("", "route"):
        routes = [s for s in index.named((ROUTE,), symbol.name) if s.route_kind == "route"]
        return routes, index.named((ROUTE_CALL,), symbol.name)
    if symbol.kind == EVENT or symbol.route_kind == "event_route":
        routes = [s for s in index.named((ROUTE,), symbol.name) if s.route_kind == "event_route"]
        return routes, index.named((EVENT,), symbol.name)
    if symbol.kind in (VAR_SET, VAR_READ):
        return index.named((VAR_SET,), symbol.name), index.named((VAR_READ,), symbol.name)
    return [symbol], []


def definition(doc: OpenDocument, position: types.Position,
               encoding: str) -> Optional[list[types.Location]]:
    symbol = _symbol_at(doc, position, encoding)
    if symbol is None:
        return None
    if symbol.kind == INCLUDE:
        start = types.Position(0, 0)
        return [types.Location(from_fs_path(os.path.abspath(symbol.target)) or symbol.target,
                               types.Range(start, start))]
    definitions, uses = _related(doc, symbol)
    # an event route's "definition" is where its event is raised or subscribed
    event_route = symbol.kind == ROUTE and symbol.route_kind == "event_route"
    targets = uses if event_route else definitions
    return [_location(doc, s, encoding) for s in targets] or None


def references(doc: OpenDocument, position: types.Position, encoding: str,
               include_declaration: bool) -> Optional[list[types.Location]]:
    symbol = _symbol_at(doc, position, encoding)
    if symbol is None:
        return None
    definitions, uses = _related(doc, symbol)
    found = (definitions if include_declaration else []) + uses
    return [_location(doc, s, encoding) for s in found]


def rename(doc: OpenDocument, position: types.Position, new_name: str,
           encoding: str) -> Optional[types.WorkspaceEdit]:
    symbol = _symbol_at(doc, position, encoding)
    if symbol is None or symbol.kind not in (ROUTE, ROUTE_CALL) or symbol.route_kind not in (
            "", "route"):
        return None
    definitions, uses = _related(doc, symbol)
    edits = [types.TextEdit(_location(doc, s, encoding).range, new_name)
             for s in definitions + uses]
    return types.WorkspaceEdit(changes={doc.document.uri: edits})


def prepare_rename(doc: OpenDocument, position: types.Position,
                   encoding: str) -> Optional[types.Range]:
    symbol = _symbol_at(doc, position, encoding)
    if symbol is None or symbol.kind not in (ROUTE, ROUTE_CALL) or symbol.route_kind not in (
            "", "route"):
        return None
    return _location(doc, symbol, encoding).range


def document_symbols(doc: OpenDocument, encoding: str) -> list[types.DocumentSymbol]:
    out = []
    for route in doc.index.routes():
        end_line = route.block_end_line or route.line
        whole = doc.document.range_of(route.line, 1, end_line,
                                      len(doc.document.line(end_line - 1)) + 1, encoding)
        out.append(types.DocumentSymbol(
            name=_title(route), kind=_KINDS.get(route.route_kind, types.SymbolKind.Function),
            range=whole, selection_range=_location(doc, route, encoding).range,
            detail=route.route_kind))
    return out


def workspace_symbols(query: str, documents: Iterable[OpenDocument], root: Optional[str],
                      encoding: str) -> list[types.WorkspaceSymbol]:
    """Routes of the open documents and of the *.cfg files under the workspace root."""
    found = []
    open_paths = set()
    for doc in documents:
        open_paths.add(os.path.abspath(doc.path))
        found += [_workspace_symbol(s, _location(doc, s, encoding))
                  for s in doc.index.routes() if _wanted(s, query)]
    for path in _workspace_files(root):
        if os.path.abspath(path) not in open_paths:
            found += _file_symbols(path, query)
    return found


def _title(symbol: Symbol) -> str:
    return "%s[%s]" % (symbol.route_kind, symbol.name) if symbol.name else symbol.route_kind


def _wanted(symbol: Symbol, query: str) -> bool:
    return query.lower() in _title(symbol).lower()


def _workspace_files(root: Optional[str]) -> Iterator[str]:
    if not root or not os.path.isdir(root):
        return
    count = 0
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".cfg"):
                count += 1
                if count > MAX_WORKSPACE_FILES:
                    return
                yield os.path.join(directory, name)


def _file_symbols(path: str, query: str) -> list[types.WorkspaceSymbol]:
    """The routes of a file that is not open (parsed whole; its positions are its own)."""
    try:
        result = get_parser().parse(load(path))
    except (OSError, DiagnosticError):
        return []
    uri = from_fs_path(os.path.abspath(path)) or path
    out = []
    for route in result.script.routes():
        if route.file != path:
            continue
        symbol = Symbol(ROUTE, route.name or "", route.line, 1, route.line, 1, route.kind)
        if _wanted(symbol, query):
            start = types.Position(route.line - 1, 0)
            out.append(_workspace_symbol(symbol, types.Location(uri, types.Range(start, start))))
    return out


def _workspace_symbol(symbol: Symbol, location: types.Location) -> types.WorkspaceSymbol:
    return types.WorkspaceSymbol(name=_title(symbol), location=location,
                                 kind=_KINDS.get(symbol.route_kind, types.SymbolKind.Function))
