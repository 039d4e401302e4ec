"""The mathops module: floating-point arithmetic for scripts, whose own
arithmetic is 32-bit integers only. Infix expressions go through the small
evaluator OpenSIPS embeds (tinyexpr), RPN through the module's own stack
machine (both in mathops_eval). Results are written with decimal_digits digits
after the point, as C's "%.*f" does; rounding to an int gives C's (int) cast."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Optional

from ..runtime.context import RunContext
from ..runtime.module import Arg, ModParam, Module, function
from ..runtime.values import VInt
from ..syntax.ints import INT_MAX, INT_MIN
from .mathops_eval import (
    BINARY,
    c_call,
    c_format,
    c_pow,
    c_round,
    evaluate_infix,
    evaluate_rpn,
    strtod,
)

_WHITESPACE = " \t\r\n"


def c_int(value: float) -> int:
    """(int)value on x86: out of range or not a number gives INT_MIN."""
    if math.isnan(value) or not INT_MIN <= value <= INT_MAX:
        return INT_MIN
    return int(value)


class Mathops(Module):
    name = "mathops"
    params = (ModParam("decimal_digits", "int", 6),)

    def _out(self, ctx: RunContext, target, value) -> int:
        return 1 if target.write(ctx, value) else -1

    def _text(self, value: float) -> str:
        return c_format(value, self.param("decimal_digits"))

    def _failed(self, function: str, text: str) -> int:
        """OpenSIPS's error line for an expression that gives no number."""
        self.engine.logger.error(self.name, function, "Failed to run math expression: <%s>"
                                 % text.strip(_WHITESPACE))
        return -1

    def _number(self, text: str, function_name: str) -> float:
        """strtod() of an argument; out of range is a warning only."""
        parsed = strtod(text)
        if parsed.out_of_range:
            self.engine.logger.warning(self.name, function_name,
                                       "Overflow in parsing a numeric value!")
        return parsed.value

    @function("math_eval", Arg("str"), Arg("var", writable=True))
    def math_eval(self, ctx: RunContext, text: str, target) -> int:
        value = evaluate_infix(text)
        if math.isnan(value):
            return self._failed("evaluate_exp", text)
        return self._out(ctx, target, self._text(value))

    @function("math_rpn", Arg("str"), Arg("var", writable=True))
    def math_rpn(self, ctx: RunContext, text: str, target) -> int:
        value, lines = evaluate_rpn(text.strip(_WHITESPACE))
        for level, where, message in lines:
            self.engine.logger.log(level, self.name, where, message)
        if value is None:
            return -1
        return self._out(ctx, target, self._text(value))

    def _rounded(self, ctx: RunContext, text: str, target, op: Callable[[float], float]) -> int:
        value = self._number(text, "basic_round_op")
        return self._out(ctx, target, VInt(c_int(c_call(op, value))))

    @function("math_floor", Arg("str"), Arg("var", writable=True))
    def math_floor(self, ctx: RunContext, text: str, target) -> int:
        return self._rounded(ctx, text, target, math.floor)

    @function("math_ceil", Arg("str"), Arg("var", writable=True))
    def math_ceil(self, ctx: RunContext, text: str, target) -> int:
        return self._rounded(ctx, text, target, math.ceil)

    @function("math_trunc", Arg("str"), Arg("var", writable=True))
    def math_trunc(self, ctx: RunContext, text: str, target) -> int:
        return self._rounded(ctx, text, target, math.trunc)

    @function("math_round", Arg("str"), Arg("var", writable=True), Arg("int", optional=True))
    def math_round(self, ctx: RunContext, text: str, target, digits: Optional[int] = None) -> int:
        value = self._number(text, "round_dp_op")
        if not digits:
            return self._out(ctx, target, VInt(c_int(c_round(value))))
        return self._out(ctx, target, c_format(value, digits))

    @function("math_round_sf", Arg("str"), Arg("var", writable=True), Arg("int", optional=True))
    def math_round_sf(self, ctx: RunContext, text: str, target,
                      digits: Optional[int] = None) -> int:
        if digits is None:
            return self.math_round(ctx, text, target)
        value = strtod(text).value
        magnitude = c_call(math.ceil, c_call(math.log10, math.fabs(value)))
        factor = c_pow(10.0, digits - magnitude)
        value = c_call(BINARY["/"], c_round(value * factor), factor)
        return self._out(ctx, target, self._text(value))

    @function("math_compare", Arg("str"), Arg("str"), Arg("var", writable=True))
    def math_compare(self, ctx: RunContext, first: str, second: str, target) -> int:
        left, right = evaluate_infix(first), evaluate_infix(second)
        if math.isnan(left):
            return self._failed("w_compare_exp", first)
        if math.isnan(right):
            return self._failed("w_compare_exp", second)
        return self._out(ctx, target, VInt(1 if left > right else -1 if left < right else 0))
