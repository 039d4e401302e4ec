"""Control flow of the closure compiler: if, while, for-each and switch, as
OpenSIPS's do_action() runs them.

`if` and `while` test a `$var(x) OP number` condition themselves when $var(x)
holds an int (fused.py); every other condition goes through the condition
compiler. The `FlowCompiler` mixin of `Compiler` builds them; it uses
`condition()`, `block()`, `statement()`, `accessor()` and `compile_read()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

from ..syntax import ast
from .conditions import COMPARE, fold_case
from .context import (
    E_BUG,
    E_SCRIPT,
    EXPR_DROP,
    FL_BREAK,
    FL_ENDED,
    FL_EXIT,
    FL_STOP,
    RunContext,
    StopRequested,
)
from .expressions import Action, CompileError, Cond
from .fused import flow_neutral, var_against_int
from .values import StrInt, VInt, int_of


class FlowCompiler:
    """Compiles if, while, for-each and switch; mixed into `Compiler`."""

    def stmt_If(self, node: ast.If) -> Action:
        cond = self._statement_condition(node)
        then = self.block(node.body)
        orelse = self.block(node.orelse) if node.orelse else None
        line, path = node.end_line, node.file
        # `$var(x) OP number` is tested here when $var(x) holds an int; anything
        # else goes through the condition (a name of None is never in the store)
        get, name, test, number = self._var_test(node.cond)

        def do_if(ctx: RunContext) -> int:
            ctx.line, ctx.file = line, path
            value = get(name)
            if type(value) is VInt and not ctx.flags & FL_ENDED:
                v = 1 if test(value, number) else 0
            else:
                v = cond(ctx)
                if v == EXPR_DROP:
                    ctx.rc = 0
                    return 0
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

    def _statement_condition(self, node: ast.If | ast.While) -> Cond:
        """The condition of if and while: EXPR_DROP when it ends the statement
        (a function returned 0, or the flags stop the route); an error is
        logged and counts as false."""
        cond = self.condition(node.cond)
        where = "%s:%d" % (node.file, node.line)
        log = self.log

        def tested(ctx: RunContext) -> int:
            v = cond(ctx)
            if v < 0 or ctx.flags & FL_ENDED:
                if v == EXPR_DROP or ctx.flags & FL_ENDED:
                    return EXPR_DROP
                log.warning("core", "do_action", "error in expression at %s" % where)
            return v
        return tested

    def _var_test(self, node: ast.Node) -> tuple[Callable, Optional[str], Callable, int]:
        """(store.get, name, test, number) of a `$var(name) OP number` condition."""
        fused = var_against_int(node)
        if fused is None:
            return self.engine.script_vars.get, None, COMPARE["=="], 0
        name, op, number = fused
        return self.engine.script_vars.get, name, COMPARE[op], number

    def stmt_While(self, node: ast.While) -> Action:
        cond = self._statement_condition(node)
        actions = [self.statement(s) for s in node.body]
        neutral = all(map(flow_neutral, node.body))
        engine = self.engine
        settings = engine.settings
        where = "%s:%d" % (node.file, node.line)
        line, path = node.end_line, node.file
        log = self.log
        get, name, test, number = self._var_test(node.cond)

        def do_while(ctx: RunContext) -> int:
            ctx.line, ctx.file = line, path
            ret = E_BUG
            iterations = 0
            limit = settings.max_while_loops
            # the flags only change in the body, which leaves the loop when they do
            fast = not ctx.flags & FL_ENDED
            while True:
                if iterations >= limit:
                    log.error("core", "do_action", "max while loops reached (%d), increase the "
                              "'max_while_loops' global!" % limit)
                    break
                if engine.stopping:
                    raise StopRequested("the while loop at %s" % where)
                iterations += 1
                value = get(name)
                ret = 1
                if fast and type(value) is VInt:
                    if not test(value, number):
                        ctx.rc = 0
                        break
                else:
                    v = cond(ctx)
                    if v == EXPR_DROP:
                        ctx.rc = 0
                        return 0
                    if v <= 0:
                        ctx.rc = v
                        break
                if not actions:
                    ctx.rc = 1
                    break
                if neutral:
                    for action in actions:
                        ret = action(ctx)
                    ctx.rc = ret
                    continue
                for action in actions:          # the body, as block() runs it
                    ret = action(ctx)
                    if ret == 0:
                        ctx.flags |= FL_EXIT
                    if ctx.flags & FL_STOP:
                        break
                if ctx.flags & FL_STOP:
                    ctx.flags &= ~FL_BREAK
                    break
                ctx.rc = ret
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
                return E_SCRIPT
            return skip
        item = self.accessor(source).item
        if item is None:
            raise CompileError("for-each: $%s cannot be iterated" % source.name, node.source)
        write = iterator.write
        engine = self.engine
        where = "%s:%d" % (node.file, node.line)

        def do_for_each(ctx: RunContext) -> int:
            ret = 1
            if body is None:
                return ret
            index = 0
            while True:
                if engine.stopping:
                    raise StopRequested("the for-each loop at %s" % where)
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
        bodies = [self.block(case.body) for case in node.cases]
        default = self.block(node.default) if node.default is not None else None
        has_default = node.default is not None
        # the first case each label opens; the run falls through from there
        by_int, by_text = _first_cases(node.cases)
        count = len(bodies)

        def do_switch(ctx: RunContext) -> int:
            value = read(ctx)
            ctx.rc = 1
            kind = type(value)
            start = count
            if kind is VInt or kind is int or kind is StrInt:
                start = by_int.get(int_of(value), count)
            if by_text and (kind is str or kind is VInt or kind is StrInt):
                start = min(start, by_text.get(fold_case(str(value)), count))
            for index in range(start, count):
                body = bodies[index]
                if body is not None:
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


def _first_cases(cases: list[ast.Case]) -> tuple[dict[int, int], dict[object, int]]:
    """switch: the index of the first case of each label. Integer labels match
    values with an int form; string labels match, case-insensitively, values
    with a string form."""
    by_int: dict[int, int] = {}
    by_text: dict[object, int] = {}
    for index, case in enumerate(cases):
        if isinstance(case.label, str):
            by_text.setdefault(fold_case(case.label), index)
        else:
            by_int.setdefault(case.label, index)
    return by_int, by_text
