"""Fused closures for the commonest shapes of script code.

A plain `$var(name)` (no index, transformation or dynamic name) is a slot of
the engine's script variable store, so the closures here read and write the
store directly instead of going through the variable's accessor; arithmetic
with a constant is folded to one expression, and the usual integer case is
tried first, every other case going to the general closure, which gives the
same result. Each closure is still one per node of the script.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

from ..syntax import ast
from ..syntax.pvspec import PVSpec
from .context import RunContext
from .values import NO_VALUE, VInt

Reader = Callable[[RunContext], object]
Combine = Callable[[object, object], object]

# the order and equality comparisons of an integer against a constant
INT_TESTS = ("==", "!=", ">", "<", ">=", "<=")
_INT_REPR = int.__repr__        # the decimal text of a VInt, without a Python-level call
_BIAS = 0x80000000
SMALL_DIVISOR = 1024        # remainders up to this are kept made


def plain_var(spec: PVSpec) -> Optional[str]:
    """The name of a $var(name) used as is, else None."""
    if (spec.name == "var" and spec.dynamic is None and spec.index is None
            and not spec.transforms and spec.context is None and not spec.is_marker):
        return spec.inner or ""
    return None


def var_against_int(node: ast.Node) -> Optional[tuple[str, str, int]]:
    """(name, operator, number) when the condition is `$var(name) OP number`."""
    if (isinstance(node, ast.Compare) and node.op in INT_TESTS
            and isinstance(node.right, ast.Num)):
        name = plain_var(node.left.spec)
        if name is not None:
            return name, node.op, node.right.value
    return None


def var_with_constant(store: dict, name: str, op: str, constant: int,
                      int_op: Callable[[int, int], int], combine: Combine) -> Reader:
    """`$var(name) OP constant`: the integer case without the accessor;
    + and - fold the constant and the 32-bit wrap into one expression."""
    get = store.get
    if op in ("+", "-"):
        biased = (_BIAS + constant) if op == "+" else (_BIAS - constant)

        def add(ctx: RunContext) -> object:
            a = get(name)
            if type(a) is VInt:
                return ((a + biased) & 0xFFFFFFFF) - _BIAS
            return combine(a, constant)
        return add
    if op == "%" and constant > 0:
        def modulo(ctx: RunContext) -> object:
            a = get(name)
            if type(a) is VInt:
                if a >= 0:
                    return a % constant
                return -(-a % constant)     # C: the sign of the dividend
            return combine(a, constant)
        return modulo

    def other(ctx: RunContext) -> object:
        a = get(name)
        if type(a) is VInt:
            return int_op(a, constant)
        return combine(a, constant)
    return other


def prefix_concat(prefix: str, right: Reader, combine: Combine) -> Reader:
    """`"text" + value`: string mode, the value's string form appended."""
    def concat(ctx: RunContext) -> object:
        b = right(ctx)
        kind = type(b)
        if kind is str:
            return prefix + b
        if kind is VInt:
            return prefix + _INT_REPR(b)
        return combine(prefix, b)
    return concat


def suffix_concat(left: Reader, suffix: str, combine: Combine) -> Reader:
    """`value + "text"`: a string on the left has the text appended."""
    def concat(ctx: RunContext) -> object:
        a = left(ctx)
        if type(a) is str:
            return a + suffix
        return combine(a, suffix) if a is not NO_VALUE else NO_VALUE
    return concat


def var_assignment(node: ast.Node) -> Optional[str]:
    """The target name of a `$var(name) = value` statement assign_var() runs
    (it returns 1 or -1, never 0), else None."""
    if (isinstance(node, ast.Assign) and node.op in ("=", ":=")
            and not isinstance(node.value, ast.Null)):
        return plain_var(node.target.spec)
    return None


def flow_neutral(node: ast.Node) -> bool:
    """A statement that never returns 0 and never sets the route's flags: a
    `$var(name) = value`, or an `if` testing `$var(name) OP number` with only
    such statements inside. A list of them runs with no checks between them."""
    if var_assignment(node) is not None:
        return True
    return (isinstance(node, ast.If) and var_against_int(node.cond) is not None
            and all(map(flow_neutral, node.body)) and all(map(flow_neutral, node.orelse or ())))


def var_step(node: ast.Assign) -> Optional[tuple[str, str, int]]:
    """(source name, operator, number) when the value is `$var(source) OP number`
    with OP one of + - and % by a positive number."""
    value = node.value
    if (isinstance(value, ast.BinOp) and isinstance(value.left, ast.Var)
            and isinstance(value.right, ast.Num)
            and (value.op in ("+", "-") or (value.op == "%" and value.right.value > 0))):
        source = plain_var(value.left.spec)
        if source is not None:
            return source, value.op, value.right.value
    return None


def assign_var_step(store: dict, name: str, source: str, op: str, constant: int,
                    node: ast.Assign, general: Callable) -> Callable:
    """`$var(name) = $var(source) OP number` while $var(source) holds an int:
    the result stored at once; otherwise the general statement."""
    get = store.get
    line, path = node.end_line, node.file
    if op == "%":
        return _assign_remainder(store, name, source, constant, line, path, general)
    biased = (_BIAS + constant) if op == "+" else (_BIAS - constant)

    def step(ctx: RunContext) -> int:
        a = get(source)
        if type(a) is not VInt:
            return general(ctx)
        ctx.line, ctx.file = line, path
        store[name] = VInt(((a + biased) & 0xFFFFFFFF) - _BIAS)
        ctx.rc = 1
        return 1
    return step


def _assign_remainder(store: dict, name: str, source: str, divisor: int, line: int,
                      path: str, general: Callable) -> Callable:
    """C's remainder (the sign of the dividend); a small divisor's results are
    made once: remainders[r] is VInt(r), negative r included."""
    get = store.get
    if divisor > SMALL_DIVISOR:
        return general
    remainders = [VInt(r) for r in range(divisor)] + [VInt(r) for r in range(1 - divisor, 0)]

    def remainder(ctx: RunContext) -> int:
        a = get(source)
        if type(a) is not VInt:
            return general(ctx)
        ctx.line, ctx.file = line, path
        store[name] = remainders[a % divisor if a >= 0 else -(-a % divisor)]
        ctx.rc = 1
        return 1
    return remainder


def assign_var(store: dict, name: str, value_of: Reader, node: ast.Assign, log) -> Callable:
    """`$var(name) = value` as a whole statement: $cfg_line, the value kept as a
    variable keeps it (an int gains its string form), $rc."""
    line, path = node.end_line, node.file
    where = "%s:%d" % (node.file, node.line)

    def assign(ctx: RunContext) -> int:
        ctx.line, ctx.file = line, path
        value = value_of(ctx)
        kind = type(value)
        if kind is int:
            store[name] = VInt(value)
        elif kind is str or kind is VInt or value is None:
            store[name] = value
        elif value is NO_VALUE:
            log.warning("core", "do_assign", "no value in right expression at %s" % where)
            ctx.rc = -1
            return -1
        else:
            store[name] = str(value)
        ctx.rc = 1
        return 1
    return assign
