"""Hover: what the catalog says about the function, pseudo-variable or event
under the cursor."""

from __future__ import annotations

import re
from typing import Optional

from lsprotocol import types

from ..catalog import CORE, describe_event, describe_function, describe_pvar, signature
from .state import OpenDocument

_WORD = re.compile(r"\$?\(?[A-Za-z_][\w.]*")


def hover(doc: OpenDocument, position: types.Position, encoding: str) -> Optional[types.Hover]:
    line = doc.document.line(position.line)
    column = doc.document.from_lsp(position, encoding)[1] - 1
    word = next((m for m in _WORD.finditer(line) if m.start() <= column < m.end()), None)
    if word is None:
        return None
    text = word.group()
    if text.startswith("$"):
        markdown = _pseudo_variable(doc, text.lstrip("$("))
    elif line[word.end():].lstrip().startswith("("):
        markdown = _function(doc, text) or _event(doc, text)
    else:
        markdown = _event(doc, text)
    if markdown is None:
        return None
    start = doc.document.to_lsp(position.line + 1, word.start() + 1, encoding)
    end = doc.document.to_lsp(position.line + 1, word.end() + 1, encoding)
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, markdown),
                       types.Range(start, end))


def _function(doc: OpenDocument, name: str) -> Optional[str]:
    catalog = doc.catalog
    fn = catalog.function(name, doc.loaded) or next(iter(catalog.functions_named(name)), None)
    if fn is None:
        return None
    about = "OpenSIPS core" if fn.module == CORE else catalog.module_summary(fn.module)
    loaded = fn.module == CORE or fn.module in doc.loaded
    return "\n\n".join(filter(None, [
        "```\n%s\n```" % signature(fn),
        describe_function(fn.module, fn.name),
        about,
        "Allowed in: %s" % ", ".join(fn.route_types),
        None if loaded else "Module `%s` is not loaded by this script." % fn.module]))


def _pseudo_variable(doc: OpenDocument, name: str) -> Optional[str]:
    pvar = doc.catalog.pvar(name)
    if pvar is None:
        return None
    traits = ["writable" if pvar.writable else "read-only"]
    if pvar.takes_name:
        traits.append("takes a name: `$%s(name)`" % name)
    if pvar.takes_index:
        traits.append("takes an index: `$%s[n]`" % name)
    about = "OpenSIPS core" if pvar.module == CORE else "module `%s`: %s" % (
        pvar.module, doc.catalog.module_summary(pvar.module))
    described = describe_pvar(pvar.module, name)
    return "**$%s** — pseudo-variable of %s\n\n%s%s" % (
        name, about, described + "\n\n" if described else "", "; ".join(traits))


def _event(doc: OpenDocument, name: str) -> Optional[str]:
    known = doc.catalog.events.get(name)
    if known is None:
        return None
    module, params = known
    origin = "OpenSIPS core" if module == CORE else "module `%s`" % module
    listed = ", ".join("`%s`" % p for p in params) or "none"
    described = describe_event(module, name)
    return "**%s** — event raised by %s\n\n%sParameters (`$param(name)`): %s" % (
        name, origin, described + "\n\n" if described else "", listed)
