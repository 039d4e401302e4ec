"""The arithmetic behind mathops, with C's results: glibc's strtod() (and when
it sets ERANGE), libm where Python raises (infinities, and x86's default NaN,
which has its sign bit set and prints "-nan"), the tinyexpr evaluator OpenSIPS
embeds for infix expressions, and the module's own RPN stack machine."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from ..runtime.logger import L_ERR, L_WARN

DEFAULT_NAN = -float("nan")         # what an invalid operation gives on x86
DBL_MIN = 2.2250738585072014e-308
_STRTOD = re.compile(r"[ \t\n\r\f\v]*([+-]?(?:0[xX](?P<hex>[0-9a-fA-F]+\.?[0-9a-fA-F]*|"
                     r"\.[0-9a-fA-F]+)(?:[pP](?P<hexp>[+-]?\d+))?|(?:\d+\.?\d*|\.\d+)"
                     r"(?:[eE][+-]?\d+)?|inf(?:inity)?|nan))", re.IGNORECASE)
_TRIM = " \t\r\n"


@dataclass(frozen=True)
class Parsed:
    value: float
    used: int                       # characters taken (0: no number there)
    out_of_range: bool = False      # strtod() set ERANGE


def _exact(number: str, hex_digits: str | None, hex_exponent: str | None) -> Fraction:
    body = number.lstrip("+-")
    sign = -1 if number.startswith("-") else 1
    if hex_digits is None:
        return sign * Fraction(body)
    whole, _, frac = hex_digits.partition(".")
    mantissa = int((whole + frac) or "0", 16)
    return sign * Fraction(mantissa) * Fraction(2) ** (int(hex_exponent or 0) - 4 * len(frac))


def strtod(text: str) -> Parsed:
    """glibc's strtod() at the start of `text`: ERANGE when the value overflows,
    or is too small for a normal double and not exact."""
    match = _STRTOD.match(text)
    if not match:
        return Parsed(0.0, 0)
    number = match.group(1)
    body = number.lstrip("+-")
    if body.lower().startswith(("inf", "nan")):
        return Parsed(float(number), match.end())
    if match.group("hex") is not None:
        try:
            value = float.fromhex(number if "p" in body.lower() else number + "p0")
        except OverflowError:
            value = -math.inf if number.startswith("-") else math.inf
    else:
        value = float(number)
    exact = _exact(number, match.group("hex"), match.group("hexp"))
    out_of_range = math.isinf(value) or (abs(value) < DBL_MIN and Fraction(value) != exact)
    return Parsed(value, match.end(), out_of_range)


def c_pow(a: float, b: float) -> float:
    odd = math.isfinite(b) and b == math.floor(b) and math.fmod(b, 2) != 0
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if a < 0 and odd else math.inf
    except (ValueError, ZeroDivisionError):
        if a == 0 and b < 0:
            return math.copysign(math.inf, a) if odd else math.inf
        return DEFAULT_NAN


def c_call(fn: Callable[..., float], *args: float) -> float:
    """A libm function with C's results where Python raises (nan, inf)."""
    if fn is math.pow:
        return c_pow(*args)
    try:
        return float(fn(*args))
    except ZeroDivisionError:
        a, b = args
        if math.isnan(a):
            return a
        return DEFAULT_NAN if a == 0 else math.copysign(math.inf, a) * math.copysign(1, b)
    except OverflowError:
        if fn in (math.floor, math.ceil, math.trunc):
            return args[0]              # an infinity stays itself
        return math.inf
    except ValueError:
        if fn in (math.floor, math.ceil, math.trunc):
            return args[0]              # nan
        if fn in (math.log, math.log10) and args[0] == 0:
            return -math.inf
        return DEFAULT_NAN


def c_round(value: float) -> float:
    """C's round(): halves away from zero."""
    if not math.isfinite(value):
        return value
    return math.copysign(math.floor(abs(value) + 0.5), value)


def c_format(value: float, digits: int) -> str:
    """printf("%.*f"): a negative precision is the default, 6."""
    if math.isnan(value):
        return "-nan" if math.copysign(1, value) < 0 else "nan"
    return "%.*f" % (digits if digits >= 0 else 6, value)


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
MAX_NAME = 15


class _Invalid(Exception):
    """The expression does not parse: tinyexpr gives NaN."""


class Infix:
    """tinyexpr's recursive descent: expr = term {(+|-) term}; term = factor
    {(*|/|%) factor}; factor = power {^ power}; power = {+|-} base;
    base = number | function power | ( expr ). Its tokenizer ends only at the
    very end of the text: trailing blanks are an error, and a "." that is no
    number stays where it is (the next token is the same "number")."""

    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0
        self.token: tuple[str, object] = ("", None)
        self.advance()

    def advance(self) -> None:
        text = self.text
        if self.at >= len(text):
            self.token = ("end", None)
            return
        while True:
            if self.at >= len(text):
                self.token = ("error", None)        # blanks up to the end
                return
            char = text[self.at]
            if "0" <= char <= "9" or char == ".":
                parsed = strtod(text[self.at:])
                self.at += parsed.used
                self.token = ("number", parsed.value)
                return
            if "a" <= char <= "z":
                self.token = self._name()
                return
            self.at += 1
            if char in BINARY:
                self.token = ("op", char)
            elif char in "()":
                self.token = (char, None)
            elif char in " \t\n\r":
                continue
            else:
                self.token = ("error", None)
            return

    def _name(self) -> tuple[str, object]:
        start = self.at
        while self.at < len(self.text) and "a" <= self.text[self.at] <= "z":
            self.at += 1
        name = self.text[start:self.at]
        fn = FUNCTIONS.get(name) if len(name) <= MAX_NAME else None
        return ("function", fn) if fn else ("error", None)

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
            value = c_pow(value, self.power())
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
    """te_interp() of the text as OpenSIPS passes it: blanks off the start only."""
    try:
        parser = Infix(text.lstrip(" \t"))
        value = parser.expr()
    except (_Invalid, RecursionError):
        return DEFAULT_NAN
    return value if parser.token[0] == "end" else DEFAULT_NAN


# ---------------------------------------------------------------- RPN

@dataclass(frozen=True)
class _Op:
    pops: int
    apply: Callable[..., tuple[float, ...]]
    stops: bool = False             # a failing stack operation ends the evaluation


def _cbrt(a: float) -> float:
    """cbrt() before Python 3.11: a power, then one Newton step."""
    if a == 0 or not math.isfinite(a):
        return a
    root = math.copysign(abs(a) ** (1 / 3), a)
    return root - (root * root * root - a) / (3 * root * root)


def _unary(fn: Callable[[float], float]) -> _Op:
    return _Op(1, lambda a: (c_call(fn, a),))


RPN_OPS: dict[str, _Op] = {
    "+": _Op(2, lambda a, b: (a + b,)), "-": _Op(2, lambda a, b: (a - b,)),
    "*": _Op(2, lambda a, b: (a * b,)),
    "/": _Op(2, lambda a, b: (c_call(BINARY["/"], a, b),)),
    "drop": _Op(1, lambda a: (), stops=True), "dup": _Op(1, lambda a: (a, a)),
    "swap": _Op(2, lambda a, b: (b, a)), "mod": _Op(2, lambda a, b: (c_call(math.fmod, a, b),)),
    "pow": _Op(2, lambda a, b: (c_pow(a, b),)),
    "exp": _unary(math.exp), "ln": _unary(math.log),
    "log": _unary(math.log10),      # OpenSIPS's table compares "log10" on 3 letters
    "abs": _Op(1, lambda a: (math.fabs(a),)), "neg": _Op(1, lambda a: (-a,)),
    "sqrt": _unary(math.sqrt),
    "cbrt": _unary(getattr(math, "cbrt", None) or _cbrt),
    "floor": _unary(math.floor), "ceil": _unary(math.ceil),
    "round": _Op(1, lambda a: (c_round(a),)),
    "nearbyint": _Op(1, lambda a: (float(round(a)) if math.isfinite(a) else a,)),
    "trunc": _unary(math.trunc),
    "e": _Op(0, lambda: (math.e,), stops=True), "pi": _Op(0, lambda: (math.pi,), stops=True),
}
MAX_STACK = 100


class RPNError(Exception):
    """An RPN expression that cannot be evaluated: the lines OpenSIPS logs, as
    (level, function, message), before the caller's own."""

    def __init__(self, *lines: tuple[int, str, str]) -> None:
        super().__init__(lines[-1][2] if lines else "")
        self.lines = lines


def _parse_rpn(text: str) -> list[object]:
    """Numbers and operators, read as OpenSIPS reads them: a number is what
    strtod() takes at a digit (or "-" and a digit), whatever follows it; an
    operator is a whole blank-separated word."""
    tokens: list[object] = []
    rest = text
    while rest:
        if rest[0].isdigit() and rest[0].isascii() or (
                len(rest) >= 2 and rest[0] == "-" and "0" <= rest[1] <= "9"):
            parsed = strtod(rest)
            if parsed.out_of_range:
                raise RPNError((L_WARN, "parse_rpn", "Overflow in parsing a numeric value!"))
            tokens.append(parsed.value)
            rest = rest[parsed.used:]
        else:
            rest = rest.lstrip(_TRIM)
            word = re.match(r"[^ \t\r\n]*", rest).group()
            if not word:
                raise RPNError()
            if word not in RPN_OPS:
                raise RPNError((L_WARN, "get_rpn_op", "Parse expr error: Invalid operator! <%s>"
                                % word))
            tokens.append(RPN_OPS[word])
            rest = rest[len(word):]
        rest = rest.lstrip(_TRIM)
    return tokens


class _Stack:
    """OpenSIPS's stack: a failing push or pop logs and tells the caller."""

    def __init__(self, log: list[tuple[int, str, str]]) -> None:
        self.items: list[float] = []
        self.log = log

    def push(self, value: float) -> bool:
        if len(self.items) >= MAX_STACK:
            self.log.append((L_ERR, "push_number", "RPN Stack Full"))
            return False
        self.items.append(value)
        return True

    def pop(self) -> float | None:
        if not self.items:
            self.log.append((L_ERR, "pop_number", "RPN Stack Empty"))
            return None
        return self.items.pop()


def _apply(stack: _Stack, op: _Op) -> bool:
    """One operator; False only where OpenSIPS stops the whole evaluation (a
    number or constant that does not fit, drop or dup on an empty stack). The
    others stop at their first failing step and the evaluation goes on."""
    args: list[float] = []
    for _ in range(op.pops):
        value = stack.pop()
        if value is None:
            return not (op.stops or op is RPN_OPS["dup"])
        args.insert(0, value)
    for result in op.apply(*args):
        if not stack.push(result):
            return not op.stops
    return True


def _run_rpn(tokens: list[object], log: list[tuple[int, str, str]]) -> float | None:
    stack = _Stack(log)
    for token in tokens:
        done = _apply(stack, token) if isinstance(token, _Op) else stack.push(token)
        if not done:
            return None
    if len(stack.items) != 1:
        log.append((L_ERR, "evaluate_rpn_output",
                    "Parse expr error: stack has %d elements" % len(stack.items)))
        return None
    return stack.items[0]


def evaluate_rpn(text: str) -> tuple[float | None, list[tuple[int, str, str]]]:
    """The value (None when there is none) and the lines OpenSIPS logs."""
    try:
        tokens = _parse_rpn(text)
    except RPNError as err:
        return None, [*err.lines, (L_ERR, "evaluate_rpn", "Failed to parse RPN!")]
    log: list[tuple[int, str, str]] = []
    value = _run_rpn(tokens, log)
    if value is None:
        log.append((L_ERR, "evaluate_rpn", "Mismatched tokens in expression: <%s>" % text))
    return value, log
