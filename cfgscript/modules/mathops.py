"""The mathops module: floating-point arithmetic for scripts, whose own
arithmetic is 32-bit integers only. Infix expressions follow the small
expression evaluator OpenSIPS embeds (tinyexpr: + - * / % ^, unary signs, a
few functions of one argument), RPN the module's own stack machine. Results
are written with decimal_digits digits after the point, as C's "%.*f" does."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

from ..runtime.context import RunContext
from ..runtime.logger import L_ERR, L_WARN
from ..runtime.module import Arg, ModParam, Module, function
from ..runtime.values import VInt
from ..syntax.ints import INT_MAX, INT_MIN

NAN = float("nan")
_STRTOD = re.compile(r"[ \t\n\r\f\v]*([+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)"
                     r"(?:[pP][+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
                     r"|inf(?:inity)?|nan))", re.IGNORECASE)
_BLANKS = " \t\r\n"


def strtod(text: str) -> tuple[float, int]:
    """C's strtod(): the number at the start of `text` and how many characters it
    took (0.0 and 0 when there is none)."""
    match = _STRTOD.match(text)
    if not match:
        return 0.0, 0
    number = match.group(1)
    body = number.lstrip("+-")
    if body[:2].lower() == "0x":
        value = float.fromhex(number if "p" in body.lower() else number + "p0")
    else:
        value = float(number)
    return value, match.end()


def c_call(fn: Callable[..., float], *args: float) -> float:
    """A libm function with C's results where Python raises (nan, inf)."""
    try:
        return fn(*args)
    except ZeroDivisionError:
        a, b = args
        return NAN if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
    except OverflowError:
        return math.inf
    except ValueError:
        if fn in (math.log, math.log10) and args[0] == 0:
            return -math.inf
        return NAN


def c_int(value: float) -> int:
    """(int)value on x86: out of range or not a number gives INT_MIN."""
    if math.isnan(value) or not INT_MIN <= value <= INT_MAX:
        return INT_MIN
    return int(value)


def c_round(value: float) -> float:
    """C's round(): halves away from zero."""
    if not math.isfinite(value):
        return value
    return math.copysign(math.floor(abs(value) + 0.5), value)


def c_format(value: float, digits: int) -> str:
    if math.isnan(value):
        return "-nan" if math.copysign(1, value) < 0 else "nan"
    return "%.*f" % (max(digits, 0), value)


# ---------------------------------------------------------------- infix (tinyexpr)

FUNCTIONS: dict[str, Callable[[float], float]] = {
    "abs": math.fabs, "acos": math.acos, "asin": math.asin, "atan": math.atan,
    "ceil": math.ceil, "cos": math.cos, "cosh": math.cosh, "exp": math.exp,
    "floor": math.floor, "ln": math.log, "log": math.log10, "sin": math.sin,
    "sinh": math.sinh, "sqrt": math.sqrt, "tan": math.tan, "tanh": math.tanh,
}
BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "^": math.pow, "%": math.fmod,
}


class _Invalid(Exception):
    """The expression does not parse: tinyexpr gives NaN."""


class Infix:
    """tinyexpr's recursive descent: expr = term {(+|-) term}; term = factor
    {(*|/|%) factor}; factor = power {^ power}; power = {+|-} base;
    base = number | function power | ( expr )."""

    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0
        self.token: tuple[str, object] = ("", None)
        self.advance()

    def advance(self) -> None:
        text = self.text
        while self.at < len(text) and text[self.at] in _BLANKS:
            self.at += 1
        if self.at >= len(text):
            self.token = ("end", None)
            return
        char = text[self.at]
        if char.isdigit() or char == ".":
            value, used = strtod(text[self.at:])
            self.at += max(used, 1)
            self.token = ("number", value)
        elif "a" <= char <= "z":
            start = self.at
            while self.at < len(text) and "a" <= text[self.at] <= "z":
                self.at += 1
            fn = FUNCTIONS.get(text[start:self.at])
            self.token = ("function", fn) if fn else ("error", None)
        else:
            self.at += 1
            self.token = ("op", char) if char in BINARY else \
                ("(", None) if char == "(" else (")", None) if char == ")" else ("error", None)

    def is_op(self, ops: str) -> bool:
        return self.token[0] == "op" and self.token[1] in ops

    def expr(self) -> float:
        value = self.term()
        while self.is_op("+-"):
            op = self.token[1]
            self.advance()
            value = c_call(BINARY[op], value, self.term())
        return value

    def term(self) -> float:
        value = self.factor()
        while self.is_op("*/%"):
            op = self.token[1]
            self.advance()
            value = c_call(BINARY[op], value, self.factor())
        return value

    def factor(self) -> float:
        value = self.power()
        while self.is_op("^"):
            self.advance()
            value = c_call(math.pow, value, self.power())
        return value

    def power(self) -> float:
        sign = 1
        while self.is_op("+-"):
            if self.token[1] == "-":
                sign = -sign
            self.advance()
        value = self.base()
        return -value if sign < 0 else value

    def base(self) -> float:
        kind, value = self.token
        if kind == "number":
            self.advance()
            return value
        if kind == "function":
            self.advance()
            return c_call(value, self.power())
        if kind == "(":
            self.advance()
            inner = self.expr()
            if self.token[0] != ")":
                raise _Invalid
            self.advance()
            return inner
        raise _Invalid


def evaluate_infix(text: str) -> float:
    try:
        parser = Infix(text)
        value = parser.expr()
    except (_Invalid, RecursionError):
        return NAN
    return value if parser.token[0] == "end" else NAN


# ---------------------------------------------------------------- RPN

@dataclass(frozen=True)
class _Op:
    pops: int
    apply: Callable[..., tuple[float, ...]]


RPN_OPS: dict[str, _Op] = {
    "+": _Op(2, lambda a, b: (a + b,)), "-": _Op(2, lambda a, b: (a - b,)),
    "*": _Op(2, lambda a, b: (a * b,)),
    "/": _Op(2, lambda a, b: (c_call(lambda x, y: x / y, a, b),)),
    "drop": _Op(1, lambda a: ()), "dup": _Op(1, lambda a: (a, a)),
    "swap": _Op(2, lambda a, b: (b, a)), "mod": _Op(2, lambda a, b: (c_call(math.fmod, a, b),)),
    "pow": _Op(2, lambda a, b: (c_call(math.pow, a, b),)),
    "exp": _Op(1, lambda a: (c_call(math.exp, a),)),
    "ln": _Op(1, lambda a: (c_call(math.log, a),)),
    "log": _Op(1, lambda a: (c_call(math.log10, a),)),      # OpenSIPS matches "log", not "log10"
    "abs": _Op(1, lambda a: (math.fabs(a),)), "neg": _Op(1, lambda a: (-a,)),
    "sqrt": _Op(1, lambda a: (c_call(math.sqrt, a),)),
    "cbrt": _Op(1, lambda a: (math.copysign(abs(a) ** (1 / 3), a),)),
    "floor": _Op(1, lambda a: (c_call(math.floor, a),)),
    "ceil": _Op(1, lambda a: (c_call(math.ceil, a),)),
    "round": _Op(1, lambda a: (c_round(a),)),
    "nearbyint": _Op(1, lambda a: (float(round(a)) if math.isfinite(a) else a,)),
    "trunc": _Op(1, lambda a: (c_call(math.trunc, a) if math.isfinite(a) else a,)),
    "e": _Op(0, lambda: (math.e,)), "pi": _Op(0, lambda: (math.pi,)),
}
MAX_STACK = 100


class RPNError(Exception):
    """An RPN expression that cannot be evaluated: the lines OpenSIPS logs, as
    (level, function, message), before the caller's own."""

    def __init__(self, *lines: tuple[int, str, str]) -> None:
        super().__init__(lines[-1][2])
        self.lines = lines


def _parse_rpn(text: str) -> list[object]:
    """Numbers and operators of an RPN expression (RPNError on an unknown word)."""
    tokens: list[object] = []
    for word in text.split():
        if word[0].isdigit() or (len(word) >= 2 and word[0] == "-" and word[1].isdigit()):
            tokens.append(strtod(word)[0])
        elif word in RPN_OPS:
            tokens.append(RPN_OPS[word])
        else:
            raise RPNError((L_WARN, "get_rpn_op", "Parse expr error: Invalid operator! <%s>"
                            % word))
    return tokens


def _run_rpn(tokens: list[object]) -> float:
    stack: list[float] = []
    for token in tokens:
        if not isinstance(token, _Op):
            stack.append(token)
        elif len(stack) < token.pops:
            raise RPNError((L_ERR, "pop_number", "RPN Stack Empty"))
        else:
            args = stack[len(stack) - token.pops:] if token.pops else []
            del stack[len(stack) - token.pops:]
            stack.extend(token.apply(*args))
        if len(stack) > MAX_STACK:
            raise RPNError((L_ERR, "push_number", "RPN Stack Full"))
    if len(stack) != 1:
        raise RPNError((L_ERR, "evaluate_rpn_output",
                        "Parse expr error: stack has %d elements" % len(stack)))
    return stack[0]


def evaluate_rpn(text: str) -> float:
    try:
        tokens = _parse_rpn(text)
    except RPNError as err:
        raise RPNError(*err.lines, (L_ERR, "evaluate_rpn", "Failed to parse RPN!")) from None
    try:
        return _run_rpn(tokens)
    except RPNError as err:
        raise RPNError(*err.lines, (L_ERR, "evaluate_rpn",
                                    "Mismatched tokens in expression: <%s>" % text)) from None


# ---------------------------------------------------------------- the module

class Mathops(Module):
    name = "mathops"
    params = (ModParam("decimal_digits", "int", 6),)

    def _out(self, ctx: RunContext, target, value) -> int:
        return 1 if target.write(ctx, value) else -1

    def _text(self, value: float) -> str:
        return c_format(value, self.param("decimal_digits"))

    def _failed(self, function: str, text: str) -> int:
        """OpenSIPS's error line for an expression that gives no number."""
        self.engine.logger.error(self.name, function,
                                 "Failed to run math expression: <%s>" % text.strip())
        return -1

    @function("math_eval", Arg("str"), Arg("var", writable=True))
    def math_eval(self, ctx: RunContext, text: str, target) -> int:
        value = evaluate_infix(text.strip())
        if math.isnan(value):
            return self._failed("evaluate_exp", text)
        return self._out(ctx, target, self._text(value))

    @function("math_rpn", Arg("str"), Arg("var", writable=True))
    def math_rpn(self, ctx: RunContext, text: str, target) -> int:
        try:
            value = evaluate_rpn(text.strip())
        except RPNError as err:
            for level, where, message in err.lines:
                self.engine.logger.log(level, self.name, where, message)
            return -1
        return self._out(ctx, target, self._text(value))

    def _rounded(self, ctx: RunContext, text: str, target, op: Callable[[float], float]) -> int:
        value = strtod(text)[0]
        return self._out(ctx, target, VInt(c_int(op(value) if math.isfinite(value) else value)))

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
        value = strtod(text)[0]
        if not digits:
            return self._out(ctx, target, VInt(c_int(c_round(value))))
        return self._out(ctx, target, c_format(value, digits))

    @function("math_round_sf", Arg("str"), Arg("var", writable=True), Arg("int", optional=True))
    def math_round_sf(self, ctx: RunContext, text: str, target,
                      digits: Optional[int] = None) -> int:
        if digits is None:
            return self.math_round(ctx, text, target)
        value = strtod(text)[0]
        magnitude = c_call(math.log10, math.fabs(value))
        factor = c_call(math.pow, 10.0, digits - (math.ceil(magnitude)
                                                  if math.isfinite(magnitude) else magnitude))
        scaled = value * factor
        value = c_round(scaled) / factor if factor and math.isfinite(scaled) else NAN
        return self._out(ctx, target, self._text(value))

    @function("math_compare", Arg("str"), Arg("str"), Arg("var", writable=True))
    def math_compare(self, ctx: RunContext, first: str, second: str, target) -> int:
        left, right = evaluate_infix(first.strip()), evaluate_infix(second.strip())
        if math.isnan(left):
            return self._failed("w_compare_exp", first)
        if math.isnan(right):
            return self._failed("w_compare_exp", second)
        return self._out(ctx, target, VInt(1 if left > right else -1 if left < right else 0))
