"""Script code typed at the prompt: parsed as the body of an event route,
checked like a script (with the script's modules loaded), compiled by the
running engine. Errors are positioned in the typed text, file <repl>."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..catalog import Catalog
from ..check.items import ItemChecker
from ..diagnostics import ERROR, Diagnostic, render
from ..engine import Engine
from ..runtime.compiler import CompileError
from ..runtime.routes import CompiledRoute
from ..syntax import ast
from ..syntax.parser import parse_text

FILE_NAME = "<repl>"
ROUTE_NAME = "E_REPL"
_OPENING = "event_route[%s] {" % ROUTE_NAME
# The parser's messages for text that more lines can complete: a block or a /* comment still open.
_UNFINISHED = ("unexpected end of file", "unterminated /* comment")


@dataclass
class Snippet:
    text: str
    route: Optional[CompiledRoute] = None
    errors: list[Diagnostic] = field(default_factory=list)
    incomplete: bool = False            # a block is still open: more lines to come

    def rendered_errors(self) -> str:
        lines = self.text.split("\n")

        def line_text(path: str, number: int) -> Optional[str]:
            return lines[number - 1] if 0 < number <= len(lines) else None
        return "\n".join(render(diag, line_text) for diag in self.errors)


def parse_snippet(text: str) -> Snippet:
    """The syntax of the typed text; incomplete when only its end is missing."""
    snippet = Snippet(text)
    result = parse_text(_OPENING + text + "\n}\n", FILE_NAME)
    errors = [d for d in result.diagnostics if d.severity == ERROR]
    if errors:
        snippet.incomplete = any(end in d.message for d in errors for end in _UNFINISHED)
        snippet.errors = [_in_typed_text(d, text) for d in errors]
        return snippet
    route = next(result.script.routes())
    snippet.route = CompiledRoute(route.kind, route.name, route)
    return snippet


def is_blank(text: str) -> bool:
    """Only spaces and closed comments: nothing to run (an empty route body is
    a syntax error to OpenSIPS). A /* comment left open is not blank: running
    it reports where it starts."""
    from pygments.token import Comment  # the lexer is not needed before the first input

    from ..highlight import OpensipsLexer

    open_comments = 0
    for kind, value in OpensipsLexer().get_tokens(text):
        if kind not in Comment and value.strip():
            return False
        if kind in Comment.Multiline:
            open_comments += (value == "/*") - (value == "*/")
    return open_comments == 0


def needs_more(text: str) -> bool:
    """A block is open: the prompt reads one more line before running the text."""
    return parse_snippet(text).incomplete


def compile_snippet(text: str, engine: Engine, catalog: Catalog) -> Snippet:
    """Parse, check and compile the typed text for the engine."""
    snippet = parse_snippet(text)
    if snippet.route is None:
        return snippet
    modules = [item for item in engine.script.items if isinstance(item, ast.LoadModule)]
    items = modules + [snippet.route.node]
    report = ItemChecker(parse_text("", FILE_NAME).source, catalog,
                         file_modules=[m.module for m in modules]).run(items)
    snippet.errors = [_in_typed_text(d, text) for d in report.diagnostics
                      if d.severity == ERROR and d.file == FILE_NAME]
    if snippet.errors:
        snippet.route = None
        return snippet
    route = snippet.route
    route.top_frame = route.frame
    try:
        route.body = engine.compiler.block(route.node.body)
    except CompileError as err:
        where = err.node or route.node
        snippet.errors = [_in_typed_text(Diagnostic(ERROR, str(err), FILE_NAME, where.line,
                                                    where.col), text)]
        snippet.route = None
    return snippet


def _in_typed_text(diag: Diagnostic, text: str) -> Diagnostic:
    """A position in the wrapped text moved to the typed text (the opening
    shares its first line; the closing brace is past its end)."""
    lines = text.split("\n")
    line, col, end_col = diag.line, diag.col, diag.end_col
    if line == 1:
        shift = len(_OPENING)
        col, end_col = max(1, col - shift), max(0, end_col - shift)
    message = diag.message
    if line > len(lines):
        line, col, end_col = len(lines), len(lines[-1]) + 1, 0
        message = message.replace("unexpected '}'", "unexpected end of input")
    return Diagnostic(diag.severity, message, FILE_NAME, line, col, end_col, diag.code)
