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
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Optional

from ..syntax import ast
from ..syntax.ints import wrap32
from ..syntax.pvspec import PVSpec, parse_format
from .accessor import Accessor
from .context import (
    E_BUG,
    E_UNSPEC,
    EXPR_DROP,
    FL_BREAK,
    FL_DROP,
    FL_EXIT,
    FL_RETURN,
    FL_STOP,
    RunContext,
)
from .logger import L_CRIT, L_DBG, L_WARN, XLOG_LEVEL_BY_CHAR
from .values import (
    StrInt,
    Value,
    VInt,
    has_int,
    has_str,
    int_of,
    is_int_typed,
    text,
    to_bytes,
)

Action = Callable[[RunContext], int]
Cond = Callable[[RunContext], int]
Reader = Callable[[RunContext], Value]


class _NoValue:
    """An expression that produced no value (an evaluation error)."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()


class CompileError(Exception):
    def __init__(self, message: str, node: Optional[ast.Node] = None):
        super().__init__(message)
        self.node = node


# ---------------------------------------------------------------- C integer helpers

def c_div(a: int, b: int) -> int:
    """C division: truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def c_mod(a: int, b: int) -> int:
    return a - b * c_div(a, b)


def c_shift_left(a: int, b: int) -> int:
    return wrap32(a << (b & 31))


def c_shift_right(a: int, b: int) -> int:
    return a >> (b & 31)


# C int arithmetic, wrapping to 32 bits (the wrap is written out: this is the hot path)
INT_OPS = {
    "+": lambda a, b: ((a + b + 0x80000000) & 0xFFFFFFFF) - 0x80000000,
    "-": lambda a, b: ((a - b + 0x80000000) & 0xFFFFFFFF) - 0x80000000,
    "*": lambda a, b: ((a * b + 0x80000000) & 0xFFFFFFFF) - 0x80000000,
    "/": lambda a, b: wrap32(c_div(a, b)), "%": lambda a, b: wrap32(c_mod(a, b)),
    "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
    "<<": c_shift_left, ">>": c_shift_right,
}
STRING_BIT_OPS = {"&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b}


def fold_case(value: str) -> object:
    """Case-insensitive comparison key, ASCII-only like strcasecmp."""
    return value.lower() if value.isascii() else to_bytes(value).lower()


# comparison operators (=~ and !~ between two integers compare them too)
COMPARE = {"==": operator.eq, "=~": operator.eq, "!=": operator.ne, "!~": operator.ne,
           ">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}


def compare_ints(op: str, a: int, b: int) -> int:
    return 1 if COMPARE[op](a, b) else 0


def compare_strings(op: str, a: str, b: str) -> int:
    """Case-insensitive; on a common prefix the shorter string is smaller."""
    a_key, b_key = fold_case(a), fold_case(b)
    if type(a_key) is not type(b_key):
        a_key, b_key = to_bytes(a).lower(), to_bytes(b).lower()
    return 1 if COMPARE[op](a_key, b_key) else 0


def posix_regex(pattern: str, icase: bool = True) -> re.Pattern:
    """A POSIX extended regular expression as a Python one (no REG_NEWLINE)."""
    from .regex import compile_posix
    return compile_posix(pattern, icase=icase)


def _exit_on_zero(action: Action) -> Action:
    """The action, ending the whole run when it returns 0 (as every action does)."""
    def run(ctx: RunContext) -> int:
        ret = action(ctx)
        if ret == 0:
            ctx.flags |= FL_EXIT
        return ret
    return run


class Compiler:
    """Turns a parsed script into closures bound to one Engine."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.log = engine.logger
        self._readers: dict[str, Reader] = {}

    # ------------------------------------------------------------ variables

    def accessor(self, spec: PVSpec) -> Accessor:
        """The raw accessor of a variable (no transformations)."""
        factory = self.engine.pvar_factory(spec.name)
        if factory is None:
            raise CompileError("unknown script variable $%s" % spec.name)
        return factory(spec, self)

    def compile_read(self, spec: PVSpec) -> Reader:
        """A reader of the variable's value, transformations applied."""
        cached = self._readers.get(spec.text)
        if cached is not None:
            return cached
        if spec.is_marker:
            reader: Reader = lambda ctx: "$"        # noqa: E731
        else:
            read = self.accessor(spec).read
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
            return _exit_on_zero(actions[0])

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
        body = method(node)
        line, path = node.end_line, node.file
        if isinstance(node, (ast.If, ast.RouteCall)):
            def positioned(ctx: RunContext) -> int:
                ctx.line, ctx.file = line, path
                return body(ctx)
            return positioned

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
            ctx.error_info = ("assert", "assertion failed")
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
            return assign_null
        value_of = self.top_value(node.value)
        if op in ("=", ":="):
            return self._plain_assign(acc, op, value_of, where)
        return self._compound_assign(acc, op, value_of, where)

    def _plain_assign(self, acc: Accessor, op: str, value_of, where: str) -> Action:
        write, delete, log = acc.write, acc.delete, self.log

        def assign(ctx: RunContext) -> int:
            value = value_of(ctx)
            if value is NO_VALUE:
                log.warning("core", "do_assign", "no value in right expression at %s" % where)
                return -1
            ok = delete(ctx, op) if value is None else write(ctx, op, value)
            if not ok:
                log.error("core", "do_assign", "setting PV failed")
                log.error("core", "do_assign", "error at %s" % where)
                return -1
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

    # ------------------------------------------------------------ control flow

    def stmt_If(self, node: ast.If) -> Action:
        cond = self.condition(node.cond)
        then = self.block(node.body)
        orelse = self.block(node.orelse) if node.orelse else None
        where = "%s:%d" % (node.file, node.line)
        log = self.log

        def do_if(ctx: RunContext) -> int:
            v = cond(ctx)
            if v < 0 or ctx.flags & (FL_RETURN | FL_EXIT):
                if v == EXPR_DROP or ctx.flags & (FL_RETURN | FL_EXIT):
                    ctx.rc = 0
                    return 0
                log.warning("core", "do_action", "error in expression at %s" % where)
            if v > 0:
                if then is not None:
                    ret = ctx.rc = then(ctx)
                    return ret
            elif orelse is not None:
                ret = ctx.rc = orelse(ctx)
                return ret
            ctx.rc = v
            return 1
        return do_if

    def stmt_While(self, node: ast.While) -> Action:
        cond = self.condition(node.cond)
        body = self.block(node.body)
        settings = self.engine.settings
        where = "%s:%d" % (node.file, node.line)
        log = self.log

        def do_while(ctx: RunContext) -> int:
            ret = E_BUG
            iterations = 0
            limit = settings.max_while_loops
            while True:
                if iterations >= limit:
                    log.error("core", "do_action", "max while loops reached (%d), increase the "
                              "'max_while_loops' global!" % limit)
                    break
                iterations += 1
                v = cond(ctx)
                if v < 0 or ctx.flags & (FL_RETURN | FL_EXIT):
                    if v == EXPR_DROP or ctx.flags & (FL_RETURN | FL_EXIT):
                        ctx.rc = 0
                        return 0
                    log.warning("core", "do_action", "error in expression at %s" % where)
                ret = 1
                if v <= 0:
                    ctx.rc = v
                    break
                if body is None:
                    ctx.rc = v
                    break
                ret = body(ctx)
                if ctx.flags & FL_STOP:
                    ctx.flags &= ~FL_BREAK
                    break
                ctx.rc = ret
            return ret
        return do_while

    def stmt_ForEach(self, node: ast.ForEach) -> Action:
        body = self.block(node.body)
        source = node.source.spec
        iterator = self.accessor(node.var.spec)
        op = ":=" if node.var.spec.name == "json" else "="
        log = self.log
        if source.index != "*":
            def skip(ctx: RunContext) -> int:
                log.error("core", "for_each_handler",
                          'for-each must be used on a "[*]" index! skipping!')
                return -2
            return skip
        item = self.accessor(source).item
        if item is None:
            raise CompileError("for-each: $%s cannot be iterated" % source.name, node.source)
        write = iterator.write

        def do_for_each(ctx: RunContext) -> int:
            ret = 1
            if body is None:
                return ret
            index = 0
            while True:
                value = item(ctx, index)
                if value is None:
                    break
                if not write(ctx, op, value):
                    log.error("core", "for_each_handler", "failed to set scriptvar value")
                    return E_BUG
                ret = body(ctx)
                if ctx.flags & FL_STOP:
                    ctx.flags &= ~FL_BREAK
                    return ret
                index += 1
            return ret
        return do_for_each

    def stmt_Switch(self, node: ast.Switch) -> Action:
        read = self.compile_read(node.subject.spec)
        cases = [(case.label, self.block(case.body)) for case in node.cases]
        default = self.block(node.default) if node.default is not None else None
        has_default = node.default is not None

        def do_switch(ctx: RunContext) -> int:
            value = read(ctx)
            ctx.rc = 1
            matched = False
            for label, body in cases:
                matched = matched or _case_matches(label, value)
                if matched and body is not None:
                    ctx.rc = body(ctx)
                    if ctx.flags & FL_STOP:
                        ctx.flags &= ~FL_BREAK
                        return ctx.rc
            if has_default:
                if default is not None:
                    ctx.rc = default(ctx)
                ctx.flags &= ~FL_BREAK
            return ctx.rc
        return do_switch

    # ------------------------------------------------------------ calls

    def stmt_RouteCall(self, node: ast.RouteCall) -> Action:
        engine = self.engine
        args = [self._route_arg(a) for a in node.args]
        target = node.target
        if isinstance(target, ast.Str) and "$" not in target.value:
            route = engine.named_route(target.value)
            name = target.value

            def route_of(ctx: RunContext):
                return route, name
        else:
            name_of = (self.compile_read(target.spec) if isinstance(target, ast.Var)
                       else self.compile_format(target.value))

            def route_of(ctx: RunContext):
                value = name_of(ctx)
                name = text(value)
                return engine.named_route(name), name
        log = self.log

        def do_route(ctx: RunContext) -> int:
            route, name = route_of(ctx)
            if route is None:
                log.log(-3, "core", "do_action", "unknown route(%s)" % name)
                ctx.rc = E_BUG
                return E_BUG
            params = tuple(a(ctx) for a in args)
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

    # ------------------------------------------------------------ conditions

    def condition(self, node: ast.Node) -> Cond:
        """eval_expr() without a value: 1 true, 0 false, -1 error, EXPR_DROP."""
        if isinstance(node, ast.Logic):
            return self._logic(node)
        if isinstance(node, ast.Not):
            operand = self.condition(node.operand)

            def negate(ctx: RunContext) -> int:
                v = operand(ctx)
                return v if v < 0 else int(not v)
            return negate
        if isinstance(node, ast.Compare):
            return self.comparison(node)
        if isinstance(node, ast.Var):
            return self._var_truth(node)
        if isinstance(node, ast.Num):
            truth = int(node.value != 0)
            return lambda ctx: truth
        if isinstance(node, ast.Test):
            return self._test(node.expr)
        return self._action_truth(self.statement(node))

    def _logic(self, node: ast.Logic) -> Cond:
        left, right = self.condition(node.left), self.condition(node.right)
        if node.op == "and":
            def both(ctx: RunContext) -> int:
                v = left(ctx)
                return v if v != 1 else right(ctx)
            return both

        def either(ctx: RunContext) -> int:
            v = left(ctx)
            return v if v != 0 else right(ctx)
        return either

    def _var_truth(self, node: ast.Var) -> Cond:
        read = self.compile_read(node.spec)

        def truth(ctx: RunContext) -> int:
            value = read(ctx)
            if value is None or value == "":
                return 0
            if is_int_typed(value):
                return int(value != 0)
            return 1
        return truth

    @staticmethod
    def _action_truth(action: Action) -> Cond:
        """A statement used as a condition: its return code, 0 stopping the run."""
        def truth(ctx: RunContext) -> int:
            ret = action(ctx)
            if ret <= 0:
                if ret == 0:
                    ctx.flags |= FL_EXIT
                    return EXPR_DROP
                return 0
            return 1
        return truth

    def _test(self, node: ast.Node) -> Cond:
        """[ value ]: true when the value has a string form or a non-zero int."""
        if isinstance(node, (ast.Compare, ast.Logic, ast.Not)):
            return self.condition(node)
        if isinstance(node, (ast.Call, ast.RouteCall)):
            return self._action_truth(self.statement(node))
        value_of = self.value(node)

        def truth(ctx: RunContext) -> int:
            value = value_of(ctx)
            if value is NO_VALUE or value is None:
                return 0
            if has_str(value):
                return 1
            return int(value != 0)
        return truth

    # ------------------------------------------------------------ comparisons

    def comparison(self, node: ast.Compare) -> Cond:
        """comp_scriptvar(): VAR op RHS."""
        op = node.op
        left = self.compile_read(node.left.spec)
        right = node.right
        warn = self._operation_warning(op)
        if isinstance(right, ast.Null):
            equal = op == "=="
            return lambda ctx: int((left(ctx) is None) == equal)
        if isinstance(right, ast.Var):
            return self._compare_vars(op, left, self.compile_read(right.spec), warn)
        if isinstance(right, ast.Net):
            return self._compare_net(op, left, right.text, warn)
        if op in ("=~", "!~"):
            pattern = posix_regex(right.value)
            return self._match_constant(op, left, pattern, warn)
        if isinstance(right, ast.Num):
            number = right.value
            test = COMPARE[op]
            null_result = int(op in ("!=", "!~"))

            def against_int(ctx: RunContext) -> int:
                value = left(ctx)
                kind = type(value)
                if kind is VInt or kind is int:
                    return 1 if test(value, number) else 0
                if value is None:
                    return null_result
                if kind is StrInt:
                    return 1 if test(value.ival, number) else 0
                return warn(value, "NUMBER")
            return against_int
        string = right.value

        def against_str(ctx: RunContext) -> int:
            value = left(ctx)
            if value is None:
                return int(op in ("!=", "!~"))
            if not has_str(value):
                return warn(value, "STR")
            return compare_strings(op, str(value), string)
        return against_str

    def _operation_warning(self, op: str) -> Callable[[Value, str], int]:
        names = {"==": "EQUAL", "!=": "DIFFERENT_THAN", ">": "GREATER_THAN", "<": "LESS_THAN",
                 ">=": "GREATER_OR_EQUAL", "<=": "LESS_OR_EQUAL", "=~": "REGEXP_MATCH",
                 "!~": "REGEXP_NO_MATCH"}
        log = self.log

        def warn(value: Value, right_type: str) -> int:
            kind = "NULL_VAL" if value is None else (
                "STRING_VAL" if has_str(value) else "INTEGER_VAL")
            log.log(L_WARN, "core", "comp_scriptvar", "invalid %s operation: left is VARIABLE/%s,"
                    " right is %s" % (names[op], kind, right_type))
            return -1
        return warn

    @staticmethod
    def _compare_vars(op: str, left: Reader, right: Reader, warn) -> Cond:
        def compare(ctx: RunContext) -> int:
            a, b = left(ctx), right(ctx)
            if a is None or b is None:
                if a is None and b is None:
                    return int(op in ("==", "=~"))
                return int(op in ("!=", "!~"))
            if op == "=~" or op == "!~":
                if not (has_str(a) and has_str(b)):
                    return warn(a, "VARIABLE")
                try:
                    found = posix_regex(str(b)).search(str(a)) is not None
                except re.error:
                    return -1
                return int(found == (op == "=~"))
            if has_int(a) and has_int(b):
                return compare_ints(op, int_of(a), int_of(b))
            if has_str(a) and has_str(b):
                return compare_strings(op, str(a), str(b))
            return warn(a, "VARIABLE")
        return compare

    @staticmethod
    def _match_constant(op: str, left: Reader, pattern: re.Pattern, warn) -> Cond:
        search = pattern.search
        matched = 1 if op == "=~" else 0

        def match(ctx: RunContext) -> int:
            value = left(ctx)
            if value is None:
                return int(op == "!~")
            if not has_str(value):
                return warn(value, "REGEXP")
            return matched if search(str(value)) is not None else 1 - matched
        return match

    @staticmethod
    def _compare_net(op: str, left: Reader, net_text: str, warn) -> Cond:
        import ipaddress
        network = ipaddress.ip_network(net_text, strict=False)
        inside = op == "=="

        def compare(ctx: RunContext) -> int:
            value = left(ctx)
            if value is None:
                return int(op == "!=")
            if not has_str(value):
                return warn(value, "NET_MASK")
            try:
                address = ipaddress.ip_address(str(value))
            except ValueError:
                return -1
            return int((address in network) == inside)
        return compare

    # ------------------------------------------------------------ values

    def top_value(self, node: ast.Node) -> Callable[[RunContext], object]:
        """The value of an assignment's right side: a comparison error or a
        function returning 0 leave no value (the assignment fails)."""
        if isinstance(node, ast.Compare):
            cmp = self.comparison(node)

            def compared(ctx: RunContext) -> object:
                v = cmp(ctx)
                return NO_VALUE if v < 0 else v
            return compared
        if isinstance(node, (ast.Call, ast.RouteCall)):
            action = self._action_value(node)

            def called(ctx: RunContext) -> object:
                v = action(ctx)
                return NO_VALUE if v == 0 else v
            return called
        return self.value(node)

    def value(self, node: ast.Node) -> Callable[[RunContext], object]:
        """eval_expr() with a value: Value, or NO_VALUE on an evaluation error."""
        if isinstance(node, ast.Num):
            number = node.value
            return lambda ctx: number
        if isinstance(node, ast.Str):
            string = node.value
            return lambda ctx: string
        if isinstance(node, ast.Var):
            return self.compile_read(node.spec)
        if isinstance(node, ast.Compare):
            return self.comparison(node)
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.BitNot):
            return self._bit_not(node)
        return self._action_value(node)

    def _action_value(self, node: ast.Node) -> Callable[[RunContext], int]:
        """A function or route() inside an expression: its return code."""
        return _exit_on_zero(self.statement(node))

    def _bit_not(self, node: ast.BitNot) -> Callable[[RunContext], object]:
        operand = self.value(node.operand)
        log = self.log

        def bit_not(ctx: RunContext) -> object:
            value = operand(ctx)
            if value is NO_VALUE:
                return NO_VALUE
            if has_int(value):
                return ~int_of(value)
            log.error("core", "eval_elem", "binary NOT on non-numeric value")
            return NO_VALUE
        return bit_not

    def _binary(self, node: ast.BinOp) -> Callable[[RunContext], object]:
        left, right = self.value(node.left), self.value(node.right)
        op = node.op
        int_op = INT_OPS[op]
        string_op = STRING_BIT_OPS.get(op)
        log = self.log
        divides = op in ("/", "%")

        def combine(a, b) -> object:
            """eval_elem(): the left operand decides integer or string mode."""
            if a is NO_VALUE:
                return NO_VALUE
            kind = type(a)
            if kind is int or kind is VInt:
                if b is None:
                    b = 0
                elif b is NO_VALUE or not has_int(b):
                    log.error("core", "eval_elem", "invalid numeric operands")
                    return NO_VALUE
                else:
                    b = int_of(b)
                if divides and b == 0:
                    log.error("core", "eval_elem", "divide by 0")
                    return 0
                return int_op(int(a), b)
            if op == "+":
                if b is None:
                    b = ""
                elif b is NO_VALUE or not has_str(b):
                    log.error("core", "eval_elem", "invalid string operands")
                    return NO_VALUE
                return ("" if a is None else str(a)) + str(b)
            if string_op is not None and has_str(a) and b is not NO_VALUE and has_str(b):
                return _string_bitwise(string_op, str(a), str(b), log)
            log.error("core", "eval_elem", "Invalid operator : %s" % op)
            return NO_VALUE

        if isinstance(node.right, ast.Num) and not (divides and node.right.value == 0):
            constant = node.right.value

            def with_constant(ctx: RunContext) -> object:
                a = left(ctx)
                kind = type(a)
                if kind is int or kind is VInt:
                    return int_op(a, constant)
                return combine(a, constant)
            return with_constant

        def binary(ctx: RunContext) -> object:
            a = left(ctx)
            return combine(a, right(ctx)) if a is not NO_VALUE else NO_VALUE
        return binary


def _string_bitwise(op, a: str, b: str, log) -> object:
    left, right = to_bytes(a), to_bytes(b)
    if len(left) != len(right):
        log.error("core", "eval_elem", "Different length string operands")
        return NO_VALUE
    data = bytes(op(x, y) for x, y in zip(left, right))
    return data.decode("utf-8", "surrogateescape")


def _case_matches(label, value: Value) -> bool:
    """switch: string labels match case-insensitively any value with a string
    form; integer labels match only values with an int form."""
    if isinstance(label, str):
        return has_str(value) and fold_case(str(value)) == fold_case(label)
    return has_int(value) and int_of(value) == label
