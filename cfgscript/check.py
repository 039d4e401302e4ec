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

Every finding is an error Diagnostic with a stable code (E1xx).

The work comes in two phases. `ItemChecker` checks top-level items one at a
time, with only the modules loaded before each, and sums every route block up
as `RouteFacts`; `ScriptChecker` then checks across routes from those facts
alone (definitions, limits, route() targets and the route types reached
through them). Since neither phase keeps the tree, a large file can have its
parts parsed and item-checked in parallel processes (see check_source()).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from .catalog import CORE, ROUTE_KIND_TYPES, Catalog, Function, load_catalog
from .diagnostics import ERROR, WARNING, Diagnostic
from .forked import ForkedCall, can_fork, usable_cpus
from .syntax import ast
from .syntax.parser import ParseResult, get_parser, split_points
from .syntax.pvspec import Format, PVSpec, SpecError, parse_format, parse_spec_at
from .syntax.source import Source

MAX_EVENT_NAME = 64
PARALLEL_MIN_CHARS = 256 * 1024  # smaller scripts are checked in one process
MAX_NAMED_ROUTES = 99           # route[...] blocks besides the main route
MAX_EVENT_ROUTES = 98           # OpenSIPS 4.1 accepts 99 but crashes at start-up with them
MAX_TIMER_ROUTES = 100
MAX_ROUTE_ARGS = 8
MAX_FUNCTION_ARGS = 8
XLOG_LEVEL_CHARS = "ACEWNID"     # OpenSIPS reads only the 3rd character of "L_xxx"

# globals removed from the language, with what replaced them
LEGACY_GLOBALS = {
    "listen": "socket", "children": "udp_workers", "log_stderror": "stderror_enabled",
    "log_facility": "syslog_facility", "log_name": "syslog_name", "debug": "log_level",
    "fork": None, "disable_tcp": None,
}
# modules whose loadmodule is skipped or refused by OpenSIPS itself
SKIPPED_MODULES = {"event_route": "event_route is part of the core since OpenSIPS 3.6; "
                                  "the loadmodule is ignored"}
REFUSED_MODULES = {"rabbitmq": "module 'rabbitmq' was renamed; load 'event_rabbitmq'"}

_KEYWORDS = frozenset((
    "if", "else", "switch", "case", "default", "break", "while", "for", "in", "return", "exit",
    "drop", "route", "assert", "xlog", "xdbg", "log", "error", "async", "launch", "sync",
    "expire", "readonly", "and", "or", "not", "loadmodule", "modparam", "failure_route",
    "onreply_route", "branch_route", "error_route", "local_route", "startup_route",
    "timer_route", "event_route"))

# codes
E_GLOBAL = "E101"
E_MODULE = "E110"
E_MODPARAM = "E111"
E_ROUTE_DEFINED = "E120"
E_ROUTE_LIMIT = "E121"
E_ROUTE_HEADER = "E122"
E_ROUTE_UNDEFINED = "E123"
E_FUNCTION = "E130"
E_ROUTE_TYPE = "E131"
E_ARGUMENTS = "E132"
E_VARIABLE = "E140"
E_TRANSFORMATION = "E141"
E_EVENT_NAME = "E150"
E_XLOG_LEVEL = "E151"


_UNSET = object()


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
class _Context:
    """Where a statement sits: its top route, the modules loaded before it and
    the facts being gathered about the route."""
    route: ast.Route
    route_type: str
    loaded: frozenset[str]
    facts: RouteFacts


class _Reporter:
    def __init__(self, source: Source) -> None:
        self.diagnostics: list[Diagnostic] = []
        self._chains = {f.path: f.included_from for f in source.files}

    def error(self, code: str, message: str, at: ast.Node | Where,
              severity: str = ERROR) -> None:
        where = at if isinstance(at, Where) else Where.of(at)
        self.diagnostics.append(Diagnostic(severity, message, where.file, where.line, where.col,
                                           where.end_col, code, self._chains.get(where.file, ())))


class ItemChecker(_Reporter):
    """Checks top-level items in order: globals, loadmodule, modparam, and
    everything inside route blocks (functions, arguments, variables)."""

    def __init__(self, source: Source, catalog: Catalog, loaded: Iterable[str] = (),
                 file_modules: Iterable[str] = ()) -> None:
        super().__init__(source)
        self.catalog = catalog
        self.loaded: list[str] = list(loaded)
        self.file_modules = frozenset(file_modules)     # every module the file loads
        self.routes: list[RouteFacts] = []
        self._handlers: dict[type, object] = {}

    def run(self, items: Iterable[ast.Node]) -> ItemReport:
        for item in items:
            if isinstance(item, ast.GlobalParam):
                self.check_global(item)
            elif isinstance(item, ast.LoadModule):
                self.check_loadmodule(item)
            elif isinstance(item, ast.ModParam):
                self.check_modparam(item)
            elif isinstance(item, ast.Route):
                self.check_route(item)
        return ItemReport(self.diagnostics, self.routes, self.loaded)

    # ------------------------------------------------------------ globals and modules

    def check_global(self, node: ast.GlobalParam) -> None:
        kind = self.catalog.global_type(node.name)
        if kind is None:
            message = "unknown config variable '%s'" % node.name
            if node.name in LEGACY_GLOBALS:
                replacement = LEGACY_GLOBALS[node.name]
                message += " (removed from OpenSIPS%s)" % (
                    "; use '%s'" % replacement if replacement else "")
            self.error(E_GLOBAL, message, node)
            return
        expected = {"int": "int", "bool": "int", "str": "str"}.get(kind)
        if expected and node.kind != expected:
            what = "a number" if expected == "int" else "a quoted string"
            self.error(E_GLOBAL, "'%s' expects %s, not %s" % (node.name, what, node.text), node)

    def check_loadmodule(self, node: ast.LoadModule) -> None:
        module = node.module
        if module in SKIPPED_MODULES:
            self.error(E_MODULE, SKIPPED_MODULES[module], node, WARNING)
            return
        if module in REFUSED_MODULES:
            self.error(E_MODULE, REFUSED_MODULES[module], node)
            return
        if not self.catalog.has_module(module):
            self.error(E_MODULE, "failed to load module '%s': no such OpenSIPS module" % node.path,
                       node)
            return
        if module in self.loaded:
            self.error(E_MODULE, "module '%s' is already loaded; this load is skipped" % module,
                       node, WARNING)
            return
        self.loaded.append(module)

    def check_modparam(self, node: ast.ModParam) -> None:
        try:
            pattern = re.compile("^(%s)$" % node.module, re.IGNORECASE)
        except re.error:
            self.error(E_MODPARAM, "modparam: invalid module regular expression '%s'" % node.module,
                       node)
            return
        matching = [m for m in self.loaded if pattern.match(m)]
        if not matching:
            hint = " (it must be loaded before its modparam)" if any(
                pattern.match(m) for m in self.catalog.module_names) else ""
            self.error(E_MODPARAM, "modparam: no loaded module matches '%s'%s"
                       % (node.module, hint), node)
            return
        value_type = "int" if isinstance(node.value, int) else "str"
        for module in matching:
            ptype = self.catalog.module_params(module).get(node.param)
            if ptype is None:
                self.error(E_MODPARAM, "parameter <%s> not found in module <%s>"
                           % (node.param, module), node)
            elif value_type not in ptype.split("|"):
                wanted = "a number" if "int" in ptype.split("|") else "a string"
                self.error(E_MODPARAM, "parameter <%s> of module <%s> takes %s"
                           % (node.param, module, wanted), node)

    # ------------------------------------------------------------ route blocks

    def check_route(self, node: ast.Route) -> None:
        facts = RouteFacts(node.kind, node.name, node.name_quoted, node.interval, Where.of(node),
                           bool(node.body))
        self.routes.append(facts)
        context = _Context(node, ROUTE_KIND_TYPES[node.kind], frozenset(self.loaded), facts)
        for stmt in node.body:
            self.check_node(stmt, context)

    # ------------------------------------------------------------ statements

    def check_node(self, node: Optional[ast.Node], ctx: _Context) -> None:
        if node is None:
            return
        cls = type(node)
        method = self._handlers.get(cls, _UNSET)
        if method is _UNSET:
            method = self._handlers[cls] = getattr(self, "check_" + cls.__name__, None)
        if method is not None:
            method(node, ctx)
            return
        for child in node.children():
            self.check_node(child, ctx)

    def check_Var(self, node: ast.Var, ctx: _Context) -> None:
        self.check_spec(node.spec, node, ctx)

    def check_Assign(self, node: ast.Assign, ctx: _Context) -> None:
        self.check_spec(node.target.spec, node.target, ctx)
        pvar = self.catalog.pvar(node.target.spec.name)
        if pvar is not None and not pvar.writable:
            self.error(E_VARIABLE, "invalid left operand in assignment: $%s is read-only"
                       % node.target.spec.name, node.target)
        self.check_node(node.value, ctx)

    def check_Xlog(self, node: ast.Xlog, ctx: _Context) -> None:
        if node.level is not None:
            level = node.level.value
            if level.startswith("$"):
                self.check_format_spec(level, node.level, ctx)
            elif len(level) < 3 or level[2] not in XLOG_LEVEL_CHARS:
                self.error(E_XLOG_LEVEL, "xlog: unknown log level \"%s\" (use L_ALERT, L_CRIT, "
                           "L_ERR, L_WARN, L_NOTICE, L_INFO or L_DBG)" % level, node.level)
        self.check_format(node.format, ctx)

    def check_RouteCall(self, node: ast.RouteCall, ctx: _Context) -> None:
        target = node.target
        if isinstance(target, ast.Var):
            self.check_spec(target.spec, target, ctx)
        elif "$" in target.value:
            self.check_format(target, ctx)
        else:
            ctx.facts.calls.append((target.value, Where.of(node)))
        if len(node.args) > MAX_ROUTE_ARGS:
            self.error(E_ARGUMENTS, "too many route parameters (at most %d)" % MAX_ROUTE_ARGS, node)
        for arg in node.args:
            if isinstance(arg, ast.Var):
                self.check_spec(arg.spec, arg, ctx)

    def check_Call(self, node: ast.Call, ctx: _Context) -> None:
        fn = self.catalog.function(node.name, ctx.loaded)
        if fn is None:
            self._unknown_function(node, ctx)
            return
        if not fn.allowed_in(ctx.route_type):
            block = ctx.route.kind
            if block == "route" and ctx.route.name is not None:
                block = "route[%s] (route blocks are checked as request routes)" % ctx.route.name
            self.error(E_ROUTE_TYPE, "%s() cannot be used in %s; it is allowed in: %s"
                       % (node.name, block, ", ".join(fn.route_types)), node)
        ctx.facts.functions.append((fn.name, fn.module, Where.of(node)))
        self.check_arguments(node, fn, ctx)

    def _unknown_function(self, node: ast.Call, ctx: _Context) -> None:
        owners = [fn.module for fn in self.catalog.functions_named(node.name)]
        if owners:
            later = [m for m in owners if m in self.file_modules]
            hint = ("module %s is loaded only after this route" % later[0] if later else
                    "it belongs to module %s" % " / ".join(owners[:3]))
            self.error(E_FUNCTION, "unknown command <%s>, missing loadmodule? (%s)"
                       % (node.name, hint), node)
        else:
            self.error(E_FUNCTION, "unknown command <%s>, missing loadmodule?" % node.name, node)
        for arg in node.args:
            if isinstance(arg, ast.Var):
                self.check_spec(arg.spec, arg, ctx)

    def check_arguments(self, node: ast.Call, fn: Function, ctx: _Context) -> None:
        args = node.args
        if len(args) > MAX_FUNCTION_ARGS:
            self.error(E_ARGUMENTS, "too many arguments in function <%s>" % fn.name, node)
            return
        if len(args) < fn.min_args:
            self.error(E_ARGUMENTS, "too few parameters for command <%s>" % fn.name, node)
            return
        if len(args) > fn.max_args:
            self.error(E_ARGUMENTS, "too many parameters for command <%s>" % fn.name, node)
            return
        for index, (arg, param) in enumerate(zip(args, fn.params), 1):
            if arg is None:
                if not param.optional:
                    self.error(E_ARGUMENTS, "mandatory parameter %d omitted for command <%s>"
                               % (index, fn.name), node)
                continue
            self.check_argument(fn, index, arg, param, ctx)

    def check_argument(self, fn: Function, index: int, arg: ast.Node, param, ctx) -> None:
        kind = param.main_kind
        where = "parameter %d of %s()" % (index, fn.name)
        if isinstance(arg, ast.Var):
            self.check_spec(arg.spec, arg, ctx)
            if param.fixup == "fixup_check_avp" and arg.spec.name != "avp":
                self.error(E_ARGUMENTS, "%s must be an AVP ($avp(name)), not %s"
                           % (where, arg.spec), arg)
            elif param.fixup == "fixup_check_wrvar":
                pvar = self.catalog.pvar(arg.spec.name)
                if pvar is not None and not pvar.writable:
                    self.error(E_ARGUMENTS, "%s must be a writable variable" % where, arg)
            elif kind == "str" and "static" in param.flags:
                self.error(E_ARGUMENTS, "%s does not support variables" % where, arg)
            return
        if kind == "int" and not isinstance(arg, ast.Num):
            self.error(E_ARGUMENTS, "%s expected to be an integer or variable" % where, arg)
        elif kind in ("str", "regex") and not isinstance(arg, ast.Str):
            self.error(E_ARGUMENTS, "%s expected to be a string or variable" % where, arg)
        elif kind == "var":
            self.error(E_ARGUMENTS, "%s expected to be a variable" % where, arg)
        elif kind == "str" and param.expands:
            fmt = self.check_format(arg, ctx)
            if fmt is not None and not fmt.is_constant and "static" in param.flags:
                self.error(E_ARGUMENTS, "%s does not support formatted strings" % where, arg)
            elif fmt is not None and fmt.is_constant and param.fixup in (
                    "fixup_event_name", "fixup_event_name_subs"):
                self.check_event_name(fmt.text, arg)

    def check_event_name(self, name: str, node: ast.Node) -> None:
        size = len(name.encode("utf-8", "surrogateescape"))
        if size > MAX_EVENT_NAME:
            self.error(E_EVENT_NAME, "event name too long [%d>%d]" % (size, MAX_EVENT_NAME), node)

    # ------------------------------------------------------------ variables and formats

    def check_format(self, node: ast.Str, ctx: _Context) -> Optional[Format]:
        try:
            fmt = parse_format(node.value)
        except SpecError as err:
            self.error(E_VARIABLE, "invalid variable in format string: %s" % err, node)
            return None
        for spec in fmt.variables():
            self.check_spec(spec, node, ctx)
        return fmt

    def check_format_spec(self, text: str, node: ast.Node, ctx: _Context) -> None:
        try:
            spec, end = parse_spec_at(text, 0)
        except SpecError as err:
            self.error(E_VARIABLE, "invalid variable %s: %s" % (text, err), node)
            return
        if end != len(text):
            self.error(E_VARIABLE, "invalid variable %s" % text, node)
            return
        self.check_spec(spec, node, ctx)

    def check_spec(self, spec: PVSpec, node: ast.Node, ctx: _Context) -> None:
        if spec.is_marker:
            return
        pvar = self.catalog.pvar(spec.name)
        if pvar is None or (pvar.module != CORE and pvar.module not in ctx.loaded):
            owner = " (module %s)" % pvar.module if pvar is not None else ""
            self.error(E_VARIABLE, "unknown script variable $%s%s, maybe a 'loadmodule' statement "
                       "is missing?%s" % (spec.name, "()" if spec.has_inner else "", owner), node)
            return
        if spec.has_inner and not pvar.takes_name:
            self.error(E_VARIABLE, "variable $%s takes no name: %s" % (spec.name, spec), node)
        if spec.index is not None and not pvar.takes_index:
            self.error(E_VARIABLE, "variable $%s takes no index: %s" % (spec.name, spec), node)
        for nested in _nested_specs(spec):
            self.check_spec(nested, node, ctx)
        for step in spec.transforms:
            if step.name not in self.catalog.transformations:
                self.error(E_TRANSFORMATION, "unknown transformation {%s} in %s"
                           % (step.text[1:-1], spec), node)


def _nested_specs(spec: PVSpec) -> Iterable[PVSpec]:
    if spec.dynamic is not None:
        yield spec.dynamic
    if isinstance(spec.index, PVSpec):
        yield spec.index
    for step in spec.transforms:
        yield from _specs_in(step.rest)


def _specs_in(text: str) -> Iterable[PVSpec]:
    """Variables used as transformation parameters."""
    pos = text.find("$")
    while pos >= 0:
        try:
            spec, end = parse_spec_at(text, pos)
        except SpecError:
            return
        if not spec.is_marker:
            yield spec
        pos = text.find("$", end)


class ScriptChecker(_Reporter):
    """The checks across route blocks, from their RouteFacts in file order."""

    def __init__(self, source: Source, catalog: Catalog) -> None:
        super().__init__(source)
        self.catalog = catalog
        self.named: dict[tuple[str, Optional[str]], RouteFacts] = {}
        self.singletons: dict[str, RouteFacts] = {}     # kind -> main/startup/... route
        self.top_routes: list[RouteFacts] = []          # the routes that run on their own
        self.counts: dict[str, int] = {}

    def run(self, routes: Iterable[RouteFacts]) -> list[Diagnostic]:
        for facts in routes:
            if self._register(facts):
                self.top_routes.append(facts)
        self.check_route_calls()
        self.check_route_types()
        return self.diagnostics

    def _register(self, facts: RouteFacts) -> bool:
        """Record the route; False when it is a redefinition or over a limit."""
        kind, name = facts.kind, facts.name
        if name is not None and not facts.name_quoted and (
                name in _KEYWORDS or self.catalog.global_type(name) is not None):
            self.error(E_ROUTE_HEADER, "'%s' is a reserved word: quote the route name (%s[\"%s\"])"
                       % (name, kind, name), facts.where)
        if kind == "timer_route":
            return self._register_timer(facts)
        if name is None or (kind == "route" and name == "0"):
            return self._register_singleton(facts)
        first = self.named.get(facts.key)
        if first is not None:
            self.error(E_ROUTE_DEFINED, "script route <%s> is redefined (%s first defined at %s:%d)"
                       % (name, kind, first.where.file, first.where.line), facts.where)
            return False
        limit = MAX_EVENT_ROUTES if kind == "event_route" else MAX_NAMED_ROUTES
        count = self.counts.get(kind, 0) + 1
        if count > limit:
            extra = " (OpenSIPS 4.1 crashes at start-up with 99)" if kind == "event_route" else ""
            self.error(E_ROUTE_LIMIT, "too many %s blocks: at most %d%s, no slot left for <%s>"
                       % (kind, limit, extra, name), facts.where)
            return False
        self.counts[kind] = count
        self.named[facts.key] = facts
        return True

    def _register_singleton(self, facts: RouteFacts) -> bool:
        previous = self.singletons.get(facts.kind)
        if previous is not None:
            what = "main route" if facts.kind == "route" else facts.kind
            self.error(E_ROUTE_DEFINED, "re-definition of the %s (first defined at %s:%d)"
                       % (what, previous.where.file, previous.where.line), facts.where)
            return False
        self.singletons[facts.kind] = facts
        return True

    def _register_timer(self, facts: RouteFacts) -> bool:
        count = self.counts.get("timer_route", 0) + 1
        if count > MAX_TIMER_ROUTES:
            self.error(E_ROUTE_LIMIT, "too many timer routes defined (at most %d)"
                       % MAX_TIMER_ROUTES, facts.where)
            return False
        self.counts["timer_route"] = count
        if facts.interval is not None and facts.interval <= 0:
            self.error(E_ROUTE_HEADER, "timer_route[%s, %d]: the interval must be at least 1 second"
                       % (facts.name, facts.interval), facts.where)
        return True

    def check_route_calls(self) -> None:
        for facts in list(self.named.values()) + self.top_routes:
            for target, where in facts.calls:
                route = self.named.get(("route", target))
                if route is None or not route.has_body:
                    self.error(E_ROUTE_UNDEFINED, "called route [%s] is not defined" % target,
                               where)

    def check_route_types(self) -> None:
        """Functions reached through route() must support the calling block's type."""
        for facts in self.top_routes:
            if facts.kind == "route" and facts.name not in (None, "0"):
                continue
            route_type = ROUTE_KIND_TYPES[facts.kind]
            for name, module, where in self._reachable_functions(facts):
                fn = self.catalog.module_function(module, name)
                if not fn.allowed_in(route_type):
                    self.error(E_ROUTE_TYPE, "%s() cannot be used in %s (reached through route()); "
                               "it is allowed in: %s" % (name, facts.kind,
                                                          ", ".join(fn.route_types)), where)

    def _reachable_functions(self, facts: RouteFacts) -> Iterator[tuple[str, str, Where]]:
        seen = set()
        stack = self._callees(facts)
        while stack:
            callee = stack.pop()
            if id(callee) in seen:
                continue
            seen.add(id(callee))
            yield from callee.functions
            stack.extend(self._callees(callee))

    def _callees(self, facts: RouteFacts) -> list[RouteFacts]:
        routes = (self.named.get(("route", target)) for target, _ in facts.calls)
        return [route for route in routes if route is not None]


def sorted_diagnostics(source: Source, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """File order (the main file first, includes as they come), then line and column."""
    order = {f.path: index for index, f in enumerate(source.files)}
    return sorted(diagnostics, key=lambda d: (order.get(d.file, len(order)), d.line, d.col))


def loaded_modules(items: Iterable[ast.Node]) -> list[str]:
    return [item.module for item in items if isinstance(item, ast.LoadModule)]


def check(result: ParseResult, catalog: Optional[Catalog] = None) -> list[Diagnostic]:
    """Syntax diagnostics, then the start-up checks (when the syntax is valid)."""
    if not result.ok:
        return list(result.diagnostics)
    catalog = catalog or load_catalog()
    items = result.script.items
    report = ItemChecker(result.source, catalog, file_modules=loaded_modules(items)).run(items)
    script = ScriptChecker(result.source, catalog).run(report.routes)
    return list(result.diagnostics) + sorted_diagnostics(result.source,
                                                         report.diagnostics + script)


def check_source(source: Source, catalog: Optional[Catalog] = None,
                 jobs: Optional[int] = None) -> list[Diagnostic]:
    """Parse and check a loaded source. A large one is parsed and item-checked
    in `jobs` processes (by default, one per usable CPU), each taking a run of
    whole top-level items; the findings are the same as in one process."""
    catalog = catalog or load_catalog()
    if jobs is None:
        big = len(source.text) >= PARALLEL_MIN_CHARS
        jobs = usable_cpus() if big and can_fork() else 1
    enabled = gc.isenabled()
    gc.disable()                # the tree has no cycles: collecting only rescans it
    try:
        points = split_points(source.text, jobs) if jobs > 1 else []
        diagnostics = _check_in_parts(source, catalog, points) if len(points) > 1 else None
        if diagnostics is None:
            diagnostics = check(get_parser().parse(source), catalog)
        return diagnostics
    finally:
        if enabled:
            gc.enable()


def _check_in_parts(source: Source, catalog: Catalog,
                    points: list[int]) -> Optional[list[Diagnostic]]:
    """The findings, or None when a part has a syntax error (which a cut
    inside a multi-line string or comment would cause): parse it whole then.
    The head (up to points[0]) is checked first, the parts after it in parallel."""
    head = get_parser().parse(source, 0, points[0])
    if not head.ok:
        return None
    items = head.script.items
    head_report = ItemChecker(source, catalog, file_modules=loaded_modules(items)).run(items)
    modules = head_report.loaded        # every loadmodule comes before the first point
    bounds = list(zip(points, points[1:] + [len(source.text)]))
    children = [ForkedCall(_check_part, source, catalog, start, end, modules)
                for start, end in bounds[1:]]
    reports = [head_report, _check_part(source, catalog, *bounds[0], modules)]
    reports += [child.result() for child in children]
    if any(report is None for report in reports):
        return None
    findings = [d for report in reports for d in report.diagnostics]
    routes = [facts for report in reports for facts in report.routes]
    findings += ScriptChecker(source, catalog).run(routes)
    return sorted_diagnostics(source, findings)


def _check_part(source: Source, catalog: Catalog, start: int, end: int,
                modules: list[str]) -> Optional[ItemReport]:
    result = get_parser().parse(source, start, end)
    if not result.ok:
        return None
    return ItemChecker(source, catalog, modules, file_modules=modules).run(result.script.items)
