"""Conditions of the closure compiler: eval_expr() where only truth counts.

A compiled condition is `f(ctx) -> 1 | 0 | -1 | EXPR_DROP`: true, false, an
error (neither true nor false), or a function that returned 0 and so stopped
the run. Here live `and`/`or`/`!`, variables and values tested for truth, and
comp_scriptvar()'s typed comparisons: integers, strings (comp_s2s: ASCII
case folded, bytes compared as C's signed chars, so bytes >= 0x80 sort before
ASCII), POSIX regular expressions and network masks, with
OpenSIPS's warning when the operand types do not fit the operator. The
`ConditionCompiler` mixin of `Compiler` builds them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from ..syntax import ast
from .context import EXPR_DROP, FL_EXIT, RunContext
from .expressions import NO_VALUE, Action, CompileError, Cond, Reader
from .logger import L_WARN
from .regex import Regex, RegexError, compile_regex
from .values import StrInt, Value, VInt, has_int, has_str, int_of, is_int_typed, to_bytes

# tolower() of each byte, then the byte as a signed char moved to 0..255 so
# that bytes compare in the C order (0x80..0xff, i.e. -128..-1, before 0x00)
_SIGNED_LOWER = bytes(((b + 32 if 65 <= b <= 90 else b) + 128) % 256 for b in range(256))


def fold_case(value: str) -> object:
    """Case-insensitive equality key, ASCII-only like tolower() in the C locale."""
    return value.lower() if value.isascii() else to_bytes(value).lower()


def order_key(value: str) -> object:
    """The key str_strcasecmp() orders by: ASCII case folded, signed bytes."""
    if value.isascii():
        return value.lower()
    return to_bytes(value).translate(_SIGNED_LOWER)


# comparison operators (=~ and !~ between two integers compare them too)
COMPARE = {"==": operator.eq, "=~": operator.eq, "!=": operator.ne, "!~": operator.ne,
           ">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}


def compare_ints(op: str, a: int, b: int) -> int:
    return 1 if COMPARE[op](a, b) else 0


def compare_strings(op: str, a: str, b: str) -> int:
    """Case-insensitive; on a common prefix the shorter string is smaller."""
    if op in ("==", "!=", "=~", "!~"):
        a_key, b_key = fold_case(a), fold_case(b)
    else:
        a_key, b_key = order_key(a), order_key(b)
    if type(a_key) is not type(b_key):
        a_key, b_key = to_bytes(a).translate(_SIGNED_LOWER), to_bytes(b).translate(_SIGNED_LOWER)
    return 1 if COMPARE[op](a_key, b_key) else 0


def match_regex(pattern: str) -> Regex:
    """The regex of `=~` and `!~`: regcomp(REG_EXTENDED|REG_NOSUB|REG_ICASE)."""
    return compile_regex(pattern, icase=True)


class ConditionCompiler:
    """Compiles conditions and comparisons; mixed into `Compiler`, which provides
    `log`, `statement()`, `compile_read()` and `value()`."""

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
            try:
                pattern = match_regex(right.value)
            except RegexError as err:
                raise CompileError('bad re "%s": %s' % (right.value, err), right) from None
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
                    found = match_regex(str(b)).matches(str(a))
                except RegexError:
                    return -1
                return int(found == (op == "=~"))
            if has_int(a) and has_int(b):
                return compare_ints(op, int_of(a), int_of(b))
            if has_str(a) and has_str(b):
                return compare_strings(op, str(a), str(b))
            return warn(a, "VARIABLE")
        return compare

    @staticmethod
    def _match_constant(op: str, left: Reader, pattern: Regex, warn) -> Cond:
        search = pattern.matches
        matched = 1 if op == "=~" else 0

        def match(ctx: RunContext) -> int:
            value = left(ctx)
            if value is None:
                return int(op == "!~")
            if not has_str(value):
                return warn(value, "REGEXP")
            return matched if search(str(value)) else 1 - matched
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
