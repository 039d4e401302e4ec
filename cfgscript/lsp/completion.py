"""Completion from the module catalog and the document's last analysis (the
text is never parsed again here): what may be written where the cursor is is
read from the text just before it on its line."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

from lsprotocol import types

from ..catalog import CORE, Function, signature
from .index import ROUTE
from .state import OpenDocument

Kind = types.CompletionItemKind


@dataclass(frozen=True)
class Context:
    doc: OpenDocument
    before: str                 # the line up to the cursor
    line: int                   # 1-based
    match: Optional[re.Match]


def _modules(ctx: Context) -> list[types.CompletionItem]:
    catalog = ctx.doc.catalog
    return [types.CompletionItem(name, kind=Kind.Module, detail=catalog.module_summary(name),
                                 insert_text=name + ".so")
            for name in catalog.module_names]


def _loaded_modules(ctx: Context) -> list[types.CompletionItem]:
    catalog = ctx.doc.catalog
    return [types.CompletionItem(name, kind=Kind.Module, detail=catalog.module_summary(name))
            for name in ctx.doc.loaded]


def _modparams(ctx: Context) -> list[types.CompletionItem]:
    params = ctx.doc.catalog.module_params(ctx.match.group("module"))
    return [types.CompletionItem(name, kind=Kind.Property, detail=kind)
            for name, kind in sorted(params.items())]


def _events(ctx: Context) -> list[types.CompletionItem]:
    known = ctx.doc.catalog.events
    items = {name: types.CompletionItem(name, kind=Kind.Event, detail="%s event: %s"
                                        % (module, ", ".join(params) or "no parameters"))
             for name, (module, params) in known.items()}
    for symbol in ctx.doc.index.all():       # the script's own events
        name = symbol.name if symbol.kind != ROUTE or symbol.route_kind == "event_route" else ""
        if name.startswith("E_") and name not in items:
            items[name] = types.CompletionItem(name, kind=Kind.Event, detail="script event")
    return list(items.values())


def _event_params(ctx: Context) -> list[types.CompletionItem]:
    route = ctx.doc.index.route_at(ctx.line)
    if route is None or route.route_kind != "event_route":
        return []
    module, params = ctx.doc.catalog.events.get(route.name, ("", []))
    return [types.CompletionItem(name, kind=Kind.Field, detail="%s of %s" % (name, route.name))
            for name in params]


def _routes(ctx: Context) -> list[types.CompletionItem]:
    names = sorted({s.name for s in ctx.doc.index.routes() if s.route_kind == "route" and s.name})
    return [types.CompletionItem(name, kind=Kind.Function, detail="route[%s]" % name)
            for name in names]


def _sockets(ctx: Context) -> list[types.CompletionItem]:
    transports = ctx.doc.catalog.transports
    return [types.CompletionItem(name + ":", kind=Kind.Value, detail="%s transport (%s)"
                                 % (name, module))
            for name, module in sorted(transports.items())]


def _transformations(ctx: Context) -> list[types.CompletionItem]:
    return [types.CompletionItem(name, kind=Kind.Operator, detail="transformation")
            for name in sorted(ctx.doc.catalog.transformations)]


def _pseudo_variables(ctx: Context) -> list[types.CompletionItem]:
    catalog = ctx.doc.catalog
    items = []
    for name in catalog.pvar_names(ctx.doc.loaded):
        pvar = catalog.pvar(name)
        takes = "(name)" if pvar.takes_name else ""
        items.append(types.CompletionItem(
            name, kind=Kind.Variable, detail="$%s%s (%s)" % (name, takes, pvar.module),
            insert_text="%s(${1})" % name if pvar.takes_name else name,
            insert_text_format=types.InsertTextFormat.Snippet))
    return items


def _globals(ctx: Context) -> list[types.CompletionItem]:
    catalog = ctx.doc.catalog
    return [types.CompletionItem(name, kind=Kind.Constant, detail=catalog.global_type(name))
            for name in catalog.global_names]


def _functions(ctx: Context) -> list[types.CompletionItem]:
    catalog = ctx.doc.catalog
    items = []
    for module in [CORE] + ctx.doc.loaded:
        for name in catalog.module_functions(module):
            fn = catalog.module_function(module, name)
            if fn is not None:
                items.append(types.CompletionItem(
                    name, kind=Kind.Function, detail=signature(fn),
                    insert_text=_snippet(fn), insert_text_format=types.InsertTextFormat.Snippet))
    return items


def _snippet(fn: Function) -> str:
    required = [p for p in fn.params if not p.optional]
    slots = ["${%d:%s}" % (n, p.kind or "value") for n, p in enumerate(required, 1)]
    return "%s(%s)" % (fn.name, ", ".join(slots))


# The contexts, most specific first: (pattern over the line before the cursor, completer).
_STRING_ARG = r'\(\s*"(?P<prefix>[^"]*)$'
CONTEXTS: list[tuple[re.Pattern, Callable[[Context], list[types.CompletionItem]]]] = [
    (re.compile(r'^\s*loadmodule\s+"[^"]*$'), _modules),
    (re.compile(r'\bmodparam\s*\(\s*"(?P<module>[^"]+)"\s*,\s*"[^"]*$'), _modparams),
    (re.compile(r'\bmodparam\s*' + _STRING_ARG), _loaded_modules),
    (re.compile(r'\bsubscribe_event\s*\(\s*"[^"]*"\s*,\s*"[A-Za-z_]*$'), _sockets),
    (re.compile(r'\b(?:raise_event|subscribe_event)\s*' + _STRING_ARG), _events),
    (re.compile(r'^\s*event_route\s*\[\s*[\w]*$'), _events),
    (re.compile(r'\$\(?param\(\s*[\w.-]*$'), _event_params),
    (re.compile(r'\broute\s*\(\s*[\w-]*$'), _routes),
    (re.compile(r'\$\([^(){}]*(?:\([^()]*\))?[^(){}]*(?:\{[^{}]*\})*\{[\w.]*$'), _transformations),
    (re.compile(r'\$\(?[\w.]*$'), _pseudo_variables),
]
_WORD = re.compile(r"^\s*\w*$")


def complete(doc: OpenDocument, position: types.Position,
             encoding: str) -> Optional[types.CompletionList]:
    line, column = doc.document.from_lsp(position, encoding)
    before = doc.document.line(position.line)[:column - 1]
    for pattern, completer in CONTEXTS:
        match = pattern.search(before)
        if match:
            return types.CompletionList(False, completer(Context(doc, before, line, match)))
    if before.count('"') % 2:          # inside a string no context above knows
        return None
    context = Context(doc, before, line, None)
    if _inside_route(doc, line):
        return types.CompletionList(False, _functions(context))
    if _WORD.match(before):
        return types.CompletionList(False, _globals(context))
    return None


def _inside_route(doc: OpenDocument, line: int) -> bool:
    route = doc.index.route_at(line)
    return route is not None and line > route.line
