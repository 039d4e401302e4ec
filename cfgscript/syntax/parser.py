"""LALR(1) parser: drives the tables of grammar.py over tokens from lexer.py and
builds the AST with builder.py as it reduces, without an intermediate tree.

After a syntax error the parser reports it and resumes at the next line that
starts a top-level item (a route block, loadmodule, modparam or `name =`), so
one run reports the errors of every block.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from ..diagnostics import ERROR, Diagnostic, DiagnosticError
from . import ast
from .builder import Builder, Splice
from .lexer import Lexer, LexError
from .source import Source, load, load_text
from .tables import CALL, END, PASS, UNIT, Tables, load_tables

MAX_ERRORS = 25
# How deep the tree may grow: blocks within blocks, parentheses, and chains of
# operators (each operator of "1 + 1 + ..." is a level). The checker, compiler and
# interpreter recurse that deep (on a thread that has the stack for it, see
# cfgscript/deep.py). 10,000 nested blocks take about 20,000 levels.
MAX_DEPTH = 50_000
_END_TOKEN = (END, "", 1, 1, 0)
_TOP_ITEMS = (ast.GlobalParam, ast.LoadModule, ast.ModParam, ast.Route)
_RESUME_RE = re.compile(
    r"^(?=(?:route|failure_route|onreply_route|branch_route|error_route|local_route"
    r"|startup_route|timer_route|event_route)\s*[\[{]|loadmodule\b|modparam\b"
    r"|[A-Za-z][\w-]*[ \t]*=(?![=~]))", re.M)

_ROUTE_START_RE = re.compile(
    r"^(?:route|failure_route|onreply_route|branch_route|error_route|local_route"
    r"|startup_route|timer_route|event_route)[ \t]*[\[{]", re.M)


@dataclass
class ParseResult:
    script: ast.Script
    source: Source
    diagnostics: list[Diagnostic] = field(default_factory=list)
    ended_between_items: bool = True    # the text ended at the top level, not inside an item

    @property
    def ok(self) -> bool:
        return not any(d.severity == ERROR for d in self.diagnostics)


class _SyntaxError(Exception):
    def __init__(self, message: str, line: int, col: int, offset: int, width: int = 1):
        super().__init__(message)
        self.line, self.col, self.offset, self.width = line, col, offset, width


def _describe(token: tuple, tables: Tables) -> str:
    kind, text = token[0], token[1]
    if kind == END:
        return "end of file"
    if kind in ("ID", "PARAM_NAME"):
        return "'%s'" % text
    if kind in ("STRING", "SCRIPTVAR", "NUMBER"):
        return "%s %s" % (kind.lower().replace("scriptvar", "variable"), text[:40])
    return tables.displays.get(kind, repr(text))


class Parser:
    def __init__(self) -> None:
        self.tables = load_tables()
        self.lexer = Lexer(self.tables)
        self.special_states = self.lexer.special_states(self.tables.actions)

    def parse(self, source: Source, start: int = 0, end: Optional[int] = None) -> ParseResult:
        """The top-level items of source.text[start:end] (the whole text by
        default; a part must begin and end between top-level items)."""
        # The tree has no reference cycles; collecting while building it only
        # rescans the growing heap (quadratic time on large scripts).
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._parse(source, start, source.text if end is None else source.text[:end])
        finally:
            if enabled:
                gc.enable()

    def _parse(self, source: Source, offset: int, text: str) -> ParseResult:
        locate = None
        if source.has_includes:
            def locate(flat_line: int) -> tuple[str, int]:
                src, line = source.locate(flat_line)
                return src.path, line
        by_path = {f.path: f.included_from for f in source.files}
        builder = Builder(source.main.path, locate, lambda path: by_path.get(path, ()))
        items: list[ast.Node] = []
        between_items = False
        while True:
            try:
                items.extend(self._run(text, offset, builder))
                between_items = True
                break
            except _SyntaxError as err:
                items.extend(err.salvaged)
                builder.abandon()
                self._report(builder, source, err)
                offset = self._resume_offset(text, err.offset)
                if offset < 0 or len(builder.diagnostics) >= MAX_ERRORS:
                    break
        main = source.main
        end_line = main.text.count("\n") + 1
        end_col = len(main.text) - main.text.rfind("\n")
        script = ast.Script(main.path, 1, 1, end_line, end_col, items,
                            [f.path for f in source.files])
        diagnostics = sorted(builder.diagnostics, key=lambda d: (d.file != main.path, d.sort_key))
        return ParseResult(script, source, diagnostics, between_items)

    def _report(self, builder: Builder, source: Source, err: _SyntaxError) -> None:
        path, line = source.main.path, err.line
        if source.has_includes:
            src, line = source.locate(err.line)
            path = src.path
        included = next((f.included_from for f in source.files if f.path == path), ())
        builder.diagnostics.append(Diagnostic(ERROR, str(err), path, line, err.col,
                                              err.col + err.width, included_from=included))

    @staticmethod
    def _resume_offset(text: str, error_offset: int) -> int:
        next_line = text.find("\n", error_offset)
        if next_line < 0:
            return -1
        m = _RESUME_RE.search(text, next_line + 1)
        return m.start() if m else -1

    def _run(self, text: str, offset: int, builder: Builder) -> list[ast.Node]:
        """The top-level items of text[offset:]. Raises _SyntaxError, whose
        `salvaged` holds the items completed before the error."""
        tables = self.tables
        actions = tables.actions
        callbacks = [getattr(builder, name) if kind == CALL else None
                     for name, kind in zip(tables.rule_names, tables.rule_kinds)]
        stacks = _Stacks([tables.start_state], [], [])
        tokens = self.lexer.tokenize(text, stacks.states, actions, offset, self.special_states)
        try:
            return self._drive(tokens, stacks, callbacks)
        except LexError as err:
            error = _SyntaxError(str(err), err.line, err.col, err.offset)
        except _SyntaxError as err:
            error = err
        error.salvaged = self._salvage(stacks, callbacks)
        raise error

    def _salvage(self, stacks: _Stacks, callbacks: list) -> list[ast.Node]:
        """The top-level items completed before an error. The one the bad token
        follows (a route block closed by its '}', a global parameter) is
        completed too, by reducing as if the text ended there."""
        try:
            return self._drive(iter([_END_TOKEN]), stacks, callbacks)
        except _SyntaxError:
            return [v for v in _flatten(stacks.values) if isinstance(v, _TOP_ITEMS)]

    def _drive(self, tokens, stacks: _Stacks, callbacks: list) -> list[ast.Node]:
        """Shift and reduce until the input is accepted; raises _SyntaxError."""
        states, values, depths = stacks.states, stacks.values, stacks.depths
        tables = self.tables
        actions = tables.actions
        sizes = tables.rule_sizes
        origins = tables.rule_origins
        kinds = tables.rule_kinds
        splices = tables.rule_splices
        keeps = tables.rule_keep
        end_state = tables.end_state
        for token in tokens:
            kind = token[0]
            while True:
                code = actions[states[-1]].get(kind)
                if code is None:
                    raise self._unexpected(token, states)
                if code >= 0:
                    states.append(code)
                    values.append(token)
                    depths.append(0)
                    break
                rule = ~code
                how = kinds[rule]
                if how == UNIT:
                    states[-1] = actions[states[-2]][origins[rule]]
                    continue
                size = sizes[rule]
                if how == PASS:
                    value = values[keeps[rule][0] - size]
                    depth = depths[keeps[rule][0] - size]
                    del values[-size:]
                    del states[-size:]
                    del depths[-size:]
                else:
                    if size:
                        children = values[-size:]
                        depth = max(depths[-size:])
                        del values[-size:]
                        del states[-size:]
                        del depths[-size:]
                    else:
                        children = []
                        depth = 0
                    keep = keeps[rule]
                    if keep is not None:
                        children = [children[i] for i in keep]
                    if how == CALL:
                        depth += 1
                        if depth > MAX_DEPTH:
                            raise _too_deep(token)
                        if splices[rule]:
                            children = _flatten(children)
                        value = callbacks[rule](children)
                    else:
                        value = _splice(children)
                states.append(actions[states[-1]][origins[rule]])
                values.append(value)
                depths.append(depth)
                if kind == END and states[-1] == end_state:
                    return values[-1].items
        raise AssertionError("the token stream ended without an end of file")

    def _unexpected(self, token: tuple, states: list) -> _SyntaxError:
        expected = self.tables.expected(states[-1])
        got = _describe(token, self.tables)
        message = "syntax error: unexpected %s" % got
        if expected and len(expected) <= 8:
            message += ", expecting %s" % " or ".join(expected)
        width = max(len(token[1].split("\n", 1)[0]), 1)
        return _SyntaxError(message, token[2], token[3], token[4], width)


@dataclass
class _Stacks:
    """The LALR driver's parallel stacks: states, the values built (tokens, nodes,
    spliced lists), and how deep each value's tree is."""
    states: list[int]
    values: list
    depths: list[int]


def _too_deep(token: tuple) -> _SyntaxError:
    return _SyntaxError("the script nests too deeply here: blocks, parentheses and operators "
                        "more than %d levels deep" % MAX_DEPTH, token[2], token[3], token[4],
                        max(len(token[1].split("\n", 1)[0]), 1))


def split_points(text: str, parts: int) -> list[int]:
    """Offsets that cut text into a head and at most `parts` runs of whole
    top-level items, for separate parsing. Each is the start of a line that
    begins a route block; the first comes after every loadmodule, so that the
    head loads every module. A cut that falls inside a multi-line string or
    comment shows as a syntax error in a run; the caller then parses the
    whole text instead. [] when the text has no such place."""
    first = _ROUTE_START_RE.search(text, _after_last_loadmodule(text))
    if first is None:
        return []
    points = [first.start()]
    for part in range(1, parts):
        m = _ROUTE_START_RE.search(text, max(points[-1] + 1, len(text) * part // parts))
        if m is None:
            break
        points.append(m.start())
    return points


def route_block_starts(text: str) -> list[int]:
    """The offsets of the lines that begin a route block (as split_points cuts)."""
    return [m.start() for m in _ROUTE_START_RE.finditer(text)]


def _after_last_loadmodule(text: str) -> int:
    """Where the last line that starts with loadmodule ends its keyword (0: none)."""
    end = len(text)
    while True:
        found = text.rfind("loadmodule", 0, end)
        if found < 0:
            return 0
        line_start = text.rfind("\n", 0, found) + 1
        if not text[line_start:found].strip(" \t"):
            return found + len("loadmodule")
        end = found


def _splice(children: list) -> Splice:
    """The value of an inlined rule; a list growing by left recursion is
    extended in place rather than copied."""
    if children and type(children[0]) is Splice:
        value = children[0]
        for child in children[1:]:
            if type(child) is Splice:
                value.extend(child)
            else:
                value.append(child)
        return value
    return Splice(_flatten(children))


def _flatten(children: list) -> list:
    out = []
    for child in children:
        if type(child) is Splice:
            out.extend(child)
        else:
            out.append(child)
    return out


@lru_cache(maxsize=1)
def get_parser() -> Parser:
    """The parser, built once per process."""
    return Parser()


def parse_source(source: Source) -> ParseResult:
    return get_parser().parse(source)


def parse_text(text: str, path: str = "<script>") -> ParseResult:
    """Parse script text. Include problems raise DiagnosticError."""
    return parse_source(load_text(text, path))


def parse_file(path: str) -> ParseResult:
    """Parse a script file. Raises OSError, or DiagnosticError for include problems."""
    return parse_source(load(path))


__all__ = ["ParseResult", "parse_file", "parse_text", "parse_source", "split_points",
           "route_block_starts", "get_parser", "DiagnosticError"]
