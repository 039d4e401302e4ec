"""The start-up verdict: what real OpenSIPS refuses when it loads a script.

`opensips -C` only parses; real start-up also runs the fixups (function
arguments, variables, event names) and resolves route() targets. This module
reports all of it, without OpenSIPS or its modules installed, from the AST and
the module catalog:

  * global parameters: unknown names, value types;
  * loadmodule / modparam: unknown modules and parameters, parameter types,
    a module used before it is loaded;
  * routes: redefinitions, the route-count limits, timer intervals, names that
    are reserved words, route() calls to routes that are not defined;
  * functions: unknown or not loaded, arity, argument kinds (int / string /
    variable / AVP), the route types that may call them (through route() too);
  * variables and transformations: unknown names, names and indexes given to
    variables that take none, assignments to read-only variables;
  * event names longer than 64 characters.

Every finding is an error Diagnostic with a stable code (E1xx, codes.py).

The work comes in two phases. `ItemChecker` (items.py) checks top-level items one at a
time, with only the modules loaded before each, and sums every route block up
as `RouteFacts`; `ScriptChecker` (script.py) then checks across routes from those facts
alone (definitions, limits, route() targets and the route types reached
through them). Since neither phase keeps the tree, a large file can have its
parts parsed and item-checked in parallel processes (see check_source()).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from typing import Any, Optional

from ..catalog import Catalog, load_catalog
from ..diagnostics import Diagnostic
from ..forked import ForkedCall, can_fork, usable_cpus
from ..syntax import ast
from ..syntax.parser import ParseResult, get_parser, split_points
from ..syntax.source import Source
from .codes import PARALLEL_MIN_CHARS
from .facts import ItemReport
from .items import ItemChecker
from .script import ScriptChecker


def sorted_diagnostics(source: Source, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """File order (the main file first, includes as they come), then line and column."""
    order = {f.path: index for index, f in enumerate(source.files)}
    return sorted(diagnostics, key=lambda d: (order.get(d.file, len(order)), d.line, d.col))


def loaded_modules(items: Iterable[ast.Node]) -> list[str]:
    return [item.module for item in items if isinstance(item, ast.LoadModule)]


# Called on each run of top-level items with the modules loaded before it; what it
# returns must pickle (it may come back from a child process). The linter's hook.
ItemVisitor = Callable[[list[ast.Node], list[str]], Any]


def check(result: ParseResult, catalog: Optional[Catalog] = None) -> list[Diagnostic]:
    """Syntax diagnostics, then the start-up checks (when the syntax is valid)."""
    return check_parsed(result, catalog)[0]


def check_parsed(result: ParseResult, catalog: Optional[Catalog] = None,
                 visit: Optional[ItemVisitor] = None) -> tuple[list[Diagnostic], list[Any]]:
    """check(), plus what `visit` returned for the whole item list (when the
    syntax is valid and a visitor is given)."""
    if not result.ok:
        return list(result.diagnostics), []
    catalog = catalog or load_catalog()
    items = result.script.items
    report = ItemChecker(result.source, catalog, file_modules=loaded_modules(items)).run(items)
    script = ScriptChecker(result.source, catalog).run(report.routes)
    visits = [visit(items, [])] if visit else []
    return (list(result.diagnostics)
            + sorted_diagnostics(result.source, report.diagnostics + script), visits)


def check_source(source: Source, catalog: Optional[Catalog] = None,
                 jobs: Optional[int] = None) -> list[Diagnostic]:
    """Parse and check a loaded source. A large one is parsed and item-checked
    in `jobs` processes (by default, one per usable CPU), each taking a run of
    whole top-level items; the findings are the same as in one process."""
    return check_and_visit(source, catalog, jobs)[0]


def check_and_visit(source: Source, catalog: Optional[Catalog] = None,
                    jobs: Optional[int] = None, visit: Optional[ItemVisitor] = None,
                    ) -> tuple[list[Diagnostic], list[Any]]:
    """check_source(), plus what `visit` returned for each run of items, in
    file order (one run when parsed whole; none on a syntax error)."""
    catalog = catalog or load_catalog()
    if jobs is None:
        big = len(source.text) >= PARALLEL_MIN_CHARS
        jobs = usable_cpus() if big and can_fork() else 1
    enabled = gc.isenabled()
    gc.disable()                # the tree has no cycles: collecting only rescans it
    try:
        points = split_points(source.text, jobs) if jobs > 1 else []
        outcome = _check_in_parts(source, catalog, points, visit) if len(points) > 1 else None
        if outcome is None:
            outcome = check_parsed(get_parser().parse(source), catalog, visit)
        return outcome
    finally:
        if enabled:
            gc.enable()


_Part = tuple[ItemReport, Any]


def _check_in_parts(source: Source, catalog: Catalog, points: list[int],
                    visit: Optional[ItemVisitor]) -> Optional[tuple[list[Diagnostic], list[Any]]]:
    """The findings, or None when a part has a syntax error (which a cut
    inside a multi-line string or comment would cause): parse it whole then.
    The head (up to points[0]) is checked first, the parts after it in parallel."""
    head = get_parser().parse(source, 0, points[0])
    if not head.ok:
        return None
    items = head.script.items
    head_report = ItemChecker(source, catalog, file_modules=loaded_modules(items)).run(items)
    head_visit = visit(items, []) if visit else None
    modules = head_report.loaded        # every loadmodule comes before the first point
    bounds = list(zip(points, points[1:] + [len(source.text)]))
    children = [ForkedCall(_check_part, source, catalog, start, end, modules, visit)
                for start, end in bounds[1:]]
    parts = [(head_report, head_visit), _check_part(source, catalog, *bounds[0], modules, visit)]
    parts += [child.result() for child in children]
    if any(part is None for part in parts):
        return None
    visits = [visited for _, visited in parts] if visit else []
    return verdict_of_parts(source, catalog, [report for report, _ in parts]), visits


def verdict_of_parts(source: Source, catalog: Catalog,
                     reports: Iterable[ItemReport]) -> list[Diagnostic]:
    """The findings of runs of items checked apart, in file order, with the
    checks across all their route blocks."""
    reports = list(reports)
    findings = [d for report in reports for d in report.diagnostics]
    findings += ScriptChecker(source, catalog).run(r for report in reports for r in report.routes)
    return sorted_diagnostics(source, findings)


def _check_part(source: Source, catalog: Catalog, start: int, end: int,
                modules: list[str], visit: Optional[ItemVisitor]) -> Optional[_Part]:
    result = get_parser().parse(source, start, end)
    if not result.ok:
        return None
    items = result.script.items
    report = ItemChecker(source, catalog, modules, file_modules=modules).run(items)
    return report, (visit(items, modules) if visit else None)
