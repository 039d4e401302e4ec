"""The first phase of the check: top-level items one at a time, in order, with
only the modules loaded before each: globals, loadmodule, modparam, and
everything inside route blocks (functions, arguments, variables,
transformations, event names). Each route block is summed up as RouteFacts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Optional

from ..catalog import CORE, ROUTE_KIND_TYPES, Catalog, Function
from ..diagnostics import ERROR, WARNING
from ..releases import GLOBAL, successor
from ..syntax import ast
from ..syntax.pvspec import Format, PVSpec, SpecError, parse_format, parse_spec_at
from ..syntax.source import Source
from .codes import (
    E_ARGUMENTS,
    E_EVENT_NAME,
    E_FUNCTION,
    E_GLOBAL,
    E_MODPARAM,
    E_MODULE,
    E_REGEX,
    E_RELEASE_FORM,
    E_ROUTE_TYPE,
    E_TRANSFORMATION,
    E_VARIABLE,
    E_XLOG_LEVEL,
    XLOG_LEVEL_CHARS,
)
from .facts import ItemReport, Reporter, RouteContext, RouteFacts, Where
from .indexes import takes_word_index
from .release import (
    ReleaseLimits,
    alias_misreading,
    global_problems,
    module_file_problem,
    module_refusal,
    statement_problem,
    value_form_problem,
)

_UNSET = object()
# The runtime's regex engine and transformation table are imported where first
# needed: importing them costs more than checking a small script.


class ItemChecker(Reporter):
    """Checks top-level items in order: globals, loadmodule, modparam, and
    everything inside route blocks (functions, arguments, variables)."""

    def __init__(self, source: Source, catalog: Catalog, loaded: Iterable[str] = (),
                 file_modules: Iterable[str] = ()) -> None:
        super().__init__(source)
        self.catalog = catalog
        self.release = catalog.release
        self.limits = ReleaseLimits.of(self.release)
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
            gone = successor(GLOBAL, node.name)
            if gone is not None:
                message += " (removed in OpenSIPS %s%s)" % (
                    gone.gone_in, "; use '%s'" % "' and '".join(gone.use) if gone.use else "")
            self.error(E_GLOBAL, message, node)
            return
        for problem in global_problems(node, self.release):
            self.error(E_RELEASE_FORM, problem, node)
        misread = alias_misreading(node, self.release)
        if misread is not None:
            self.error(E_RELEASE_FORM, misread, node, WARNING)
        refused = value_form_problem(node, self.catalog.global_forms(node.name))
        if refused is not None:
            self.error(E_GLOBAL, "'%s' expects %s, not %s" % (node.name, refused, node.text), node)
            return
        expected = {"int": "int", "bool": "int", "str": "str"}.get(kind)
        if expected and node.kind != expected:
            what = "a number" if expected == "int" else "a quoted string"
            self.error(E_GLOBAL, "'%s' expects %s, not %s" % (node.name, what, node.text), node)

    def check_loadmodule(self, node: ast.LoadModule) -> None:
        module = node.module
        refusal = module_refusal(module, self.release)
        if refusal is not None:
            message, fatal = refusal
            self.error(E_MODULE, message, node, ERROR if fatal else WARNING)
            return
        if not self.catalog.has_module(module):
            self.error(E_MODULE, "failed to load module '%s': no such OpenSIPS module" % node.path,
                       node)
            return
        unnamed = module_file_problem(node)
        if unnamed is not None:       # reported once; what it exports stays known
            self.error(E_MODULE, unnamed, node)
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
        context = RouteContext(node, ROUTE_KIND_TYPES[node.kind], frozenset(self.loaded), facts)
        for stmt in node.body:
            self.check_node(stmt, context)

    # ------------------------------------------------------------ statements

    def check_node(self, node: Optional[ast.Node], ctx: RouteContext) -> None:
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

    def check_Return(self, node: ast.Return, ctx: RouteContext) -> None:
        self._check_form(node, ctx)

    def check_Assert(self, node: ast.Assert, ctx: RouteContext) -> None:
        self._check_form(node, ctx)

    def _check_form(self, node: ast.Node, ctx: RouteContext) -> None:
        problem = statement_problem(node, self.release)
        if problem:
            self.error(E_RELEASE_FORM, problem, node)
        for child in node.children():
            self.check_node(child, ctx)

    def check_Var(self, node: ast.Var, ctx: RouteContext) -> None:
        self.check_spec(node.spec, node, ctx)

    def check_Assign(self, node: ast.Assign, ctx: RouteContext) -> None:
        self.check_spec(node.target.spec, node.target, ctx)
        pvar = self.catalog.pvar(node.target.spec.name)
        if pvar is not None and not pvar.writable:
            self.error(E_VARIABLE, "invalid left operand in assignment: $%s is read-only"
                       % node.target.spec.name, node.target)
        self.check_node(node.value, ctx)

    def check_Compare(self, node: ast.Compare, ctx: RouteContext) -> None:
        for child in node.children():
            self.check_node(child, ctx)
        if node.op in ("=~", "!~") and isinstance(node.right, ast.Str):
            from ..runtime.conditions import match_regex
            self.check_regex(match_regex, node.right)

    def check_regex(self, compile_pattern, node: ast.Str) -> None:
        """A constant regex regcomp() refuses stops OpenSIPS at start-up."""
        from ..runtime.regex import RegexError

        try:
            compile_pattern(node.value)
        except RegexError as err:
            self.error(E_REGEX, 'bad re "%s": %s' % (node.value, err), node)

    def check_Xlog(self, node: ast.Xlog, ctx: RouteContext) -> None:
        if node.level is not None:
            level = node.level.value
            if level.startswith("$"):
                self.check_format_spec(level, node.level, ctx)
            elif len(level) < 3 or level[2] not in XLOG_LEVEL_CHARS:
                self.error(E_XLOG_LEVEL, "xlog: unknown log level \"%s\" (use L_ALERT, L_CRIT, "
                           "L_ERR, L_WARN, L_NOTICE, L_INFO or L_DBG)" % level, node.level)
        self.check_format(node.format, ctx)

    def check_RouteCall(self, node: ast.RouteCall, ctx: RouteContext) -> None:
        target = node.target
        if isinstance(target, ast.Var):
            self.check_spec(target.spec, target, ctx)
        elif "$" in target.value:
            self.check_format(target, ctx)
        else:
            ctx.facts.calls.append((target.value, Where.of(node)))
        if len(node.args) > self.limits.route_args:
            self.error(E_ARGUMENTS, "too many route parameters (at most %d)"
                       % self.limits.route_args, node)
        for arg in node.args:
            if isinstance(arg, ast.Var):
                self.check_spec(arg.spec, arg, ctx)

    def check_Call(self, node: ast.Call, ctx: RouteContext) -> None:
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

    def check_Async(self, node: ast.Async, ctx: RouteContext) -> None:
        self._check_async_call(node.call, ctx)

    def check_Launch(self, node: ast.Launch, ctx: RouteContext) -> None:
        self._check_async_call(node.call, ctx)

    def _check_async_call(self, node: ast.Call, ctx: RouteContext) -> None:
        """async() and launch() take a module's async export (acmd_export_t), which has
        no route-type mask; some functions exist only there (pn_process_purr)."""
        fn = self.catalog.async_function(node.name, ctx.loaded)
        if fn is None:
            self.error(E_FUNCTION, "unknown async command <%s>, missing loadmodule?" % node.name,
                       node)
            for arg in node.args:
                if isinstance(arg, ast.Var):
                    self.check_spec(arg.spec, arg, ctx)
            return
        ctx.facts.functions.append((fn.name, fn.module, Where.of(node)))
        self.check_arguments(node, fn, ctx)

    def _unknown_function(self, node: ast.Call, ctx: RouteContext) -> None:
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

    def check_arguments(self, node: ast.Call, fn: Function, ctx: RouteContext) -> None:
        args = node.args
        if len(args) > self.limits.function_args:
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
        elif kind == "regex":
            from ..runtime.calls import parameter_regex
            self.check_regex(parameter_regex, arg)
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
        if size > self.limits.event_name:
            self.error(E_EVENT_NAME, "event name too long [%d>%d]" % (size, self.limits.event_name),
                       node)

    # ------------------------------------------------------------ variables and formats

    def check_format(self, node: ast.Str, ctx: RouteContext) -> Optional[Format]:
        try:
            fmt = parse_format(node.value)
        except SpecError as err:
            self.error(E_VARIABLE, "invalid variable in format string: %s" % err, node)
            return None
        for spec in fmt.variables():
            self.check_spec(spec, node, ctx)
        return fmt

    def check_format_spec(self, text: str, node: ast.Node, ctx: RouteContext) -> None:
        try:
            spec, end = parse_spec_at(text, 0)
        except SpecError as err:
            self.error(E_VARIABLE, "invalid variable %s: %s" % (text, err), node)
            return
        if end != len(text):
            self.error(E_VARIABLE, "invalid variable %s" % text, node)
            return
        self.check_spec(spec, node, ctx)

    def check_spec(self, spec: PVSpec, node: ast.Node, ctx: RouteContext) -> None:
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
        elif _is_word(spec.index) and not takes_word_index(spec.name, spec.index):
            self.error(E_VARIABLE, "variable $%s has an invalid index [%s]"
                       % (spec.name, spec.index_text), node)
        for nested in _nested_specs(spec):
            self.check_spec(nested, node, ctx)
        for step in spec.transforms:
            if _canonical_transformation(step.name) not in self.catalog.transformations:
                self.error(E_TRANSFORMATION, "unknown transformation {%s} in %s"
                           % (step.text[1:-1], spec), node)


@cache
def _canonical_transformation(name: str) -> str:
    from ..runtime.transforms.table import canonical_transformation
    return canonical_transformation(name)


def _is_word(index: object) -> bool:
    return isinstance(index, str) and index != "*"


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
