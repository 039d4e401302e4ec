"""What the two phases of the check pass between them: findings' places and the
facts summed up about each route block, kept without nodes so that they can
travel between processes; and the reporter both phases write findings with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from ..diagnostics import ERROR, Diagnostic
from ..syntax import ast
from ..syntax.source import Source


class Where(NamedTuple):
    """A finding's place, kept without its node so that it can travel between processes."""
    file: str
    line: int
    col: int
    end_col: int

    @classmethod
    def of(cls, node: ast.Node) -> Where:
        return cls(node.file, node.line, node.col,
                   node.end_col if node.end_line == node.line else 0)


@dataclass
class RouteFacts:
    """What the whole-script checks need to know about one route block."""
    kind: str
    name: Optional[str]
    name_quoted: bool
    interval: Optional[int]
    where: Where
    has_body: bool
    calls: list[tuple[str, Where]] = field(default_factory=list)     # literal route() targets
    functions: list[tuple[str, str, Where]] = field(default_factory=list)   # name, module

    @property
    def key(self) -> tuple[str, Optional[str]]:
        return self.kind, self.name


@dataclass
class ItemReport:
    """What ItemChecker found in a run of top-level items."""
    diagnostics: list[Diagnostic]
    routes: list[RouteFacts]
    loaded: list[str]                   # the modules loaded at the end


@dataclass
class RouteContext:
    """Where a statement sits: its top route, the modules loaded before it and
    the facts being gathered about the route."""
    route: ast.Route
    route_type: str
    loaded: frozenset[str]
    facts: RouteFacts


class Reporter:
    def __init__(self, source: Source) -> None:
        self.diagnostics: list[Diagnostic] = []
        self._chains = {f.path: f.included_from for f in source.files}

    def error(self, code: str, message: str, at: ast.Node | Where,
              severity: str = ERROR) -> None:
        where = at if isinstance(at, Where) else Where.of(at)
        self.diagnostics.append(Diagnostic(severity, message, where.file, where.line, where.col,
                                           where.end_col, code, self._chains.get(where.file, ())))
