"""Compile the AST into closures, once, at load time.

Every statement becomes `f(ctx) -> int` (the action's return code), every
condition `f(ctx) -> 1 | 0 | -1 | EXPR_DROP`, every value expression
`f(ctx) -> Value | NO_VALUE`. Format strings, regular expressions, variable
specs and transformations are all prepared here; the closures only do the
run-time work, with OpenSIPS's semantics (action.c, route.c eval_expr):

  * an action returning 0 stops the whole run (EXIT), also inside conditions
    and expressions; `return` stops the route; flags travel in ctx.flags;
  * $rc is the code of the last action (if and route() set it themselves);
  * `+ - * / %` on one level and `| & ^ << >>` below, left to right (the
    parser built that); the LEFT operand decides integer vs string mode;
  * typed comparisons (an error is neither true nor false: -1).

This file holds `Compiler` with the variables, format strings and statements
(simple ones, assignments, calls); it is composed with the condition compiler
(conditions.py), the value expression compiler (expressions.py) and the
control flow compiler (flow.py). Plain $var code is fused (fused.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

from ..syntax import ast
from ..syntax.pvspec import PVSpec, parse_format
from .accessor import Accessor
from .conditions import ConditionCompiler
from .context import (
    E_BUG,
    E_UNSPEC,
    FL_BREAK,
    FL_DROP,
    FL_EXIT,
    FL_RETURN,
    FL_STOP,
    RunContext,
)
from .expressions import (
    INT_OPS,
    NO_VALUE,
    Action,
    CompileError,
    ExpressionCompiler,
    Reader,
    exit_on_zero,
)
from .flow import FlowCompiler
from .fused import assign_var, assign_var_step, flow_neutral, var_assignment, var_step
from .logger import L_CRIT, L_DBG, XLOG_LEVEL_BY_CHAR
from .request import ASSERT_FAILED
from .values import StrInt, Value, VInt, has_int, has_str, int_of, is_int_typed, text


@dataclass
class RouteCalls:
    """The route() calls compiled so far: the names given as text, and whether
    any call computes its name at run time (then every route may be called)."""
    targets: set[str] = field(default_factory=set)
    dynamic: bool = False


class Compiler(ConditionCompiler, ExpressionCompiler, FlowCompiler):
    """Turns a parsed script into closures bound to one Engine."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.log = engine.logger
        self._readers: dict[str, Reader] = {}
        self._accessors: dict[str, Accessor] = {}
        self._error_sources: set[str] = set()   # specs whose read may set the error info
        self._error_reads = 0                   # such reads compiled so far
        self.route_calls = RouteCalls()

    # ------------------------------------------------------------ variables

    def accessor(self, spec: PVSpec) -> Accessor:
        """The raw accessor of a variable (no transformations); equal specs share one
        unless it keeps state of its own."""
        cached = self._accessors.get(spec.text)
        if cached is not None:
            self._error_reads += cached.sets_error
            return cached
        factory = self.engine.pvar_factory(spec.name)
        if factory is None:
            raise CompileError("unknown script variable $%s" % spec.name)
        accessor = factory(spec, self)
        if not accessor.per_occurrence:
            self._accessors[spec.text] = accessor
        if accessor.sets_error:
            self._error_sources.add(spec.text)
            self._error_reads += 1
        return accessor

    def compile_read(self, spec: PVSpec) -> Reader:
        """A reader of the variable's value, transformations applied."""
        cached = self._readers.get(spec.text)
        if cached is not None:
            self._error_reads += spec.text in self._error_sources
            return cached
        shared = True
        if spec.is_marker:
            reader: Reader = lambda ctx: "$"        # noqa: E731
        else:
            accessor = self.accessor(spec)
            read, shared = accessor.read, not accessor.per_occurrence
            if spec.transforms:
                from .transforms import TransformError, compile_chain
                try:
                    chain = compile_chain(spec.transforms, self)
                except TransformError as err:
                    raise CompileError("%s: %s" % (spec.text, err)) from None

                def reader(ctx: RunContext) -> Value:
                    return chain(read(ctx), ctx)
            else:
                reader = read
        if shared:
            self._readers[spec.text] = reader
        return reader

    def compile_format(self, fmt_text: str) -> Callable[[RunContext], str]:
        """A format string: literal text with variables expanded (NULL prints <null>)."""
        fmt = parse_format(fmt_text)
        if fmt.is_constant:
            constant = fmt.text
            return lambda ctx: constant
        parts = [p if isinstance(p, str) else self.compile_read(p) for p in fmt.parts]
        if len(parts) == 1:
            only = parts[0]
            return lambda ctx: text(only(ctx))

        def expand(ctx: RunContext) -> str:
            return "".join(p if type(p) is str else text(p(ctx)) for p in parts)
        return expand

    def expand(self, ctx: RunContext, fmt_text: str) -> str:
        """Expand a format given at run time ({s.eval})."""
        return self.compile_format(fmt_text)(ctx)

    # ------------------------------------------------------------ statement lists

    def block(self, statements: list[ast.Node]) -> Optional[Action]:
        """run_action_list(): None for an empty list."""
        actions = [self.statement(s) for s in statements]
        if not actions:
            return None
        if len(actions) == 1:
            single = actions[0]
            return single if flow_neutral(statements[0]) else exit_on_zero(single)
        if all(map(flow_neutral, statements)):
            def run_neutral(ctx: RunContext) -> int:
                for action in actions:
                    ret = action(ctx)
                return ret
            return run_neutral

        def run_list(ctx: RunContext) -> int:
            ret = E_UNSPEC
            for action in actions:
                ret = action(ctx)
                if ret == 0:
                    ctx.flags |= FL_EXIT
                if ctx.flags & FL_STOP:
                    break
            return ret
        return run_list

    def statement(self, node: ast.Node) -> Action:
        """do_action(): the statement's work, then $rc (if and route() set it themselves)."""
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is None:
            raise CompileError("%s cannot be used as a statement" % type(node).__name__, node)
        error_reads = self._error_reads
        body = method(node)
        if not isinstance(node, (ast.If, ast.While, ast.Assign, ast.RouteCall)):
            body = self.with_position(body, node)   # the others set $cfg_line and $rc themselves
        if self._error_reads != error_reads:
            body = self._error_route_after(body)
        return body

    def _error_route_after(self, body: Action) -> Action:
        """A statement that may set the error info (a variable that failed to
        parse): error_route runs once it is done, as run_action_list() does."""
        engine = self.engine

        def checked(ctx: RunContext) -> int:
            ret = body(ctx)
            if ctx.error_info is not None:
                engine.run_error_route(ctx)
            return ret
        return checked

    @staticmethod
    def with_position(body: Action, node: ast.Node) -> Action:
        """The statement's work with $cfg_line set before it and $rc after it."""
        line, path = node.end_line, node.file

        def action(ctx: RunContext) -> int:
            ctx.line, ctx.file = line, path
            ret = ctx.rc = body(ctx)
            return ret
        return action

    # ------------------------------------------------------------ simple statements

    def stmt_Exit(self, node: ast.Exit) -> Action:
        def do_exit(ctx: RunContext) -> int:
            ctx.flags |= FL_EXIT
            return 0
        return do_exit

    def stmt_Drop(self, node: ast.Drop) -> Action:
        def do_drop(ctx: RunContext) -> int:
            ctx.flags |= FL_DROP | FL_EXIT
            return E_BUG
        return do_drop

    def stmt_Break(self, node: ast.Break) -> Action:
        def do_break(ctx: RunContext) -> int:
            ctx.flags |= FL_BREAK
            return E_BUG
        return do_break

    def stmt_Return(self, node: ast.Return) -> Action:
        code = node.code
        values = [self._return_value(v) for v in node.values]
        if code is None:
            code_of: Callable[[RunContext], int] = lambda ctx: 1     # noqa: E731
        elif isinstance(code, ast.Num):
            constant = code.value
            code_of = lambda ctx: constant                          # noqa: E731
        else:
            read = self.compile_read(code.spec)

            def code_of(ctx: RunContext) -> int:
                value = read(ctx)
                if value is None:
                    return -1
                return int_of(value) if has_int(value) else 1

        def do_return(ctx: RunContext) -> int:
            if ctx.returns:
                ctx.returns[-1] = [v(ctx) for v in values]
            ret = code_of(ctx)
            ctx.flags |= FL_RETURN
            return ret
        return do_return

    def _return_value(self, node: ast.Node) -> Reader:
        # an int handed back has both forms, no int type
        return self._argument(node, StrInt)

    def _argument(self, node: ast.Node, int_form: Callable[[int], Value]) -> Reader:
        """A literal or a variable passed on by value; string literals are not expanded."""
        if isinstance(node, ast.Num):
            value = int_form(node.value)
            return lambda ctx: value
        if isinstance(node, ast.Str):
            string = node.value
            return lambda ctx: string
        if isinstance(node, ast.Null):
            return lambda ctx: None
        return self.compile_read(node.spec)

    def stmt_Log(self, node: ast.Log) -> Action:
        level = L_DBG if node.level is None else node.level
        message = node.text
        log = self.log

        def do_log(ctx: RunContext) -> int:
            log.script_log(level, message)
            return 1
        return do_log

    def stmt_ErrorStmt(self, node: ast.ErrorStmt) -> Action:
        message = 'error("%s", "%s") not implemented yet' % (node.error_class, node.reason)
        log = self.log

        def do_error(ctx: RunContext) -> int:
            log.error("core", "do_action", message)
            return 1
        return do_error

    def stmt_Xlog(self, node: ast.Xlog) -> Action:
        expand = self.compile_format(node.format.value)
        log = self.log
        level_of = self._xlog_level(node)

        def do_xlog(ctx: RunContext) -> int:
            level = level_of(ctx)
            if level <= log.xlog_level:
                log.xlog(level, expand(ctx))
            return 1
        return do_xlog

    def _xlog_level(self, node: ast.Xlog) -> Callable[[RunContext], int]:
        if node.debug:
            return lambda ctx: L_DBG
        if node.level is None:
            settings = self.engine.settings
            return lambda ctx: settings.xlog_print_level
        level_text = node.level.value
        if level_text.startswith("$"):
            from ..syntax.pvspec import parse_spec
            read = self.compile_read(parse_spec(level_text))

            def dynamic(ctx: RunContext) -> int:
                value = read(ctx)
                return int_of(value) if has_int(value) else L_DBG
            return dynamic
        level = XLOG_LEVEL_BY_CHAR.get(level_text[2:3])
        if level is None:
            raise CompileError("xlog: unknown log level \"%s\"" % level_text, node.level)
        return lambda ctx: level

    def stmt_Assert(self, node: ast.Assert) -> Action:
        engine = self.engine
        cond = self.condition(node.cond)
        where = "%s:%d" % (node.file, node.line)
        message = ("ASSERTION FAILED (%s) at %s" % (node.description, where)
                   if node.description is not None else "ASSERTION FAILED at %s" % where)
        log = self.log

        def do_assert(ctx: RunContext) -> int:
            if not engine.settings.enable_asserts:
                return E_BUG
            if cond(ctx) > 0:
                return 1
            log.log(L_CRIT, "core", "do_action", message)
            if engine.settings.abort_on_assert:
                engine.abort("abort_on_assert: " + message)
            ctx.error_info = ASSERT_FAILED
            engine.run_error_route(ctx)
            return 0
        return do_assert

    def stmt_Block(self, node: ast.Block) -> Action:
        body = self.block(node.body)
        if body is None:
            return lambda ctx: E_UNSPEC
        return body

    # ------------------------------------------------------------ assignments

    def stmt_Assign(self, node: ast.Assign) -> Action:
        name = var_assignment(node)
        if name is None:
            return self._assignment(node)
        store = self.engine.script_vars
        general = assign_var(store, name, self.top_value(node.value), node, self.log)
        step = var_step(node)
        if step is None:
            return general
        return assign_var_step(store, name, *step, node, general)

    def _assignment(self, node: ast.Assign) -> Action:
        """Any other assignment, with $cfg_line and $rc set."""
        acc = self.accessor(node.target.spec)
        if acc.write is None:
            raise CompileError("$%s is read-only" % node.target.spec.name, node.target)
        op = node.op
        where = "%s:%d" % (node.file, node.line)
        log = self.log
        if isinstance(node.value, ast.Null):
            delete = acc.delete

            def assign_null(ctx: RunContext) -> int:
                if delete is None or not delete(ctx, op):
                    log.error("core", "do_assign", "setting PV failed")
                    return -1
                return 1
            return self.with_position(assign_null, node)
        value_of = self.top_value(node.value)
        if op in ("=", ":="):
            return self._plain_assign(acc, op, value_of, node)
        return self.with_position(self._compound_assign(acc, op, value_of, where), node)

    def _plain_assign(self, acc: Accessor, op: str, value_of, node: ast.Assign) -> Action:
        write, delete, log = acc.write, acc.delete, self.log
        where = "%s:%d" % (node.file, node.line)
        line, path = node.end_line, node.file

        def assign(ctx: RunContext) -> int:
            ctx.line, ctx.file = line, path
            value = value_of(ctx)
            if value is NO_VALUE:
                log.warning("core", "do_assign", "no value in right expression at %s" % where)
                ctx.rc = -1
                return -1
            ok = delete(ctx, op) if value is None else write(ctx, op, value)
            if not ok:
                log.error("core", "do_assign", "setting PV failed")
                log.error("core", "do_assign", "error at %s" % where)
                ctx.rc = -1
                return -1
            ctx.rc = 1
            return 1
        return assign

    def _compound_assign(self, acc: Accessor, op: str, value_of, where: str) -> Action:
        read, write, log = acc.read, acc.write, self.log
        arith = op[:-1]
        int_op = INT_OPS[arith]

        def bad_operands(left: Value, right: Value) -> int:
            log.error("core", "do_assign", "unsupported operand type(s) for %s: %s and %s"
                      % (op, "string" if has_str(left) else "int",
                         "string" if has_str(right) else "int"))
            return -1

        def compound(ctx: RunContext) -> int:
            value = value_of(ctx)
            if value is NO_VALUE:
                log.warning("core", "do_assign", "no value in right expression at %s" % where)
                return -1
            left = read(ctx)
            if left is None or value is None:
                log.error("core", "do_assign", "NULL value(s) in complex assignment "
                          "expressions (+=, -=, etc.)")
                log.error("core", "do_assign", "error at %s" % where)
                return -1
            if has_str(left) and has_str(value) and not is_int_typed(left) \
                    and not is_int_typed(value):
                if arith != "+":
                    return bad_operands(left, value)
                result: Value = str(left) + str(value)
            elif has_int(left) and has_int(value):
                divisor = int_of(value)
                if arith in ("/", "%") and divisor == 0:
                    log.error("core", "do_assign", "division by zero in %s at %s" % (op, where))
                    result = 0
                else:
                    result = int_op(int_of(left), divisor)
            else:
                return bad_operands(left, value)
            if not write(ctx, op, result):
                log.error("core", "do_assign", "setting PV failed")
                return -1
            return 1
        return compound

    # ------------------------------------------------------------ calls

    def stmt_RouteCall(self, node: ast.RouteCall) -> Action:
        engine = self.engine
        args = [self._route_arg(a) for a in node.args]
        target = node.target
        route_of: Optional[Callable] = None
        if isinstance(target, ast.Str) and "$" not in target.value:
            static_route = engine.named_route(target.value)
            static_name = target.value
            self.route_calls.targets.add(static_name)
        else:
            self.route_calls.dynamic = True
            static_route, static_name = None, ""
            name_of = (self.compile_read(target.spec) if isinstance(target, ast.Var)
                       else self.compile_format(target.value))

            def route_of(ctx: RunContext):
                value = name_of(ctx)
                name = text(value)
                return engine.named_route(name), name
        log = self.log
        line, path = node.end_line, node.file

        def do_route(ctx: RunContext) -> int:
            ctx.line, ctx.file = line, path
            if route_of is None:
                route, name = static_route, static_name
            else:
                route, name = route_of(ctx)
            if route is None:
                log.log(-3, "core", "do_action", "unknown route(%s)" % name)
                return E_BUG            # $rc is left as it was
            params = tuple([a(ctx) for a in args])
            ret = ctx.rc = engine.call_route(ctx, route, params)
            return ret
        return do_route

    def _route_arg(self, node: ast.Node) -> Reader:
        return self._argument(node, VInt)

    def stmt_Call(self, node: ast.Call) -> Action:
        return self.engine.compile_call(node)

    def stmt_Async(self, node: ast.Async) -> Action:
        return self.engine.compile_async(node)

    def stmt_Launch(self, node: ast.Launch) -> Action:
        return self.engine.compile_async(node)
