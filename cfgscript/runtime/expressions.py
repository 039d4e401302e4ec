"""Value expressions of the closure compiler, and what all compiled code shares.

Here live the closure types (Action, Cond, Reader), NO_VALUE (an expression
that produced no value), the C integer arithmetic the script operators follow
(32-bit wrap, division truncating toward zero, shifts), and the
`ExpressionCompiler` mixin of `Compiler`: literals, variables, binary and
bitwise operators (eval_elem(): the LEFT operand decides integer or string
mode), and functions or route() used as values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

from ..syntax import ast
from ..syntax.ints import wrap32
from .context import FL_EXIT, RunContext
from .fused import plain_var, prefix_concat, suffix_concat, var_with_constant
from .values import NO_VALUE, Value, VInt, has_int, has_str, int_of, to_bytes

Action = Callable[[RunContext], int]
Cond = Callable[[RunContext], int]
Reader = Callable[[RunContext], Value]


class CompileError(Exception):
    """A script construct OpenSIPS refuses at start-up; node says where."""

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

def exit_on_zero(action: Action) -> Action:
    """The action, ending the whole run when it returns 0 (as every action does)."""
    def run(ctx: RunContext) -> int:
        ret = action(ctx)
        if ret == 0:
            ctx.flags |= FL_EXIT
        return ret
    return run


class ExpressionCompiler:
    """Compiles value expressions; mixed into `Compiler`, which provides `log`,
    `statement()`, `compile_read()` and `comparison()`."""

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
        return exit_on_zero(self.statement(node))

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

        fast = self._fused_binary(node, left, right, int_op, combine)
        if fast is not None:
            return fast
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

    def _fused_binary(self, node: ast.BinOp, left: Reader, right: Reader, int_op,
                      combine) -> Optional[Reader]:
        """The shapes fused.py computes without the general closure."""
        if isinstance(node.right, ast.Num) and isinstance(node.left, ast.Var) \
                and node.right.value != 0:
            name = plain_var(node.left.spec)
            if name is not None:
                return var_with_constant(self.engine.script_vars, name, node.op,
                                         node.right.value, int_op, combine)
        if node.op != "+":
            return None
        if isinstance(node.left, ast.Str):
            return prefix_concat(node.left.value, right, combine)
        if isinstance(node.right, ast.Str):
            return suffix_concat(left, node.right.value, combine)
        return None


def _string_bitwise(op, a: str, b: str, log) -> object:
    left, right = to_bytes(a), to_bytes(b)
    if len(left) != len(right):
        log.error("core", "eval_elem", "Different length string operands")
        return NO_VALUE
    data = bytes(op(x, y) for x, y in zip(left, right))
    return data.decode("utf-8", "surrogateescape")
