"""check_time_rec() expressions: recurrences (cfgutils_timerec.py) combined with
"&" (and), "/" (or, not both kinds at one level), "!" (not) and parentheses,
scanned as OpenSIPS scans them.

Results: 1 the time matches, -1 it does not, -2 the text does not parse.
"""

from __future__ import annotations

from typing import Optional

from .cfgutils_timerec import (
    MATCH,
    NO_MATCH,
    PARSE_ERROR,
    WHITESPACE,
    Line,
    ParseError,
    check_recurrence,
    parse_recurrence,
)


class _Expression:
    """The "&", "/", "!" and parentheses grammar, scanned as OpenSIPS scans it;
    `lines` collects what OpenSIPS logs."""

    def __init__(self, epoch: int, lines: list[Line]) -> None:
        self.epoch, self.lines = epoch, lines

    def note(self, message: str) -> None:
        self.lines.append(("_tmrec_expr_check_str", message))

    def single(self, text: str) -> int:
        try:
            rec = parse_recurrence(text, self.lines)
        except ParseError as err:
            self.lines.extend(err.lines)
            self.lines.append(("_tmrec_check_str", "failed to parse time rec"))
            return PARSE_ERROR
        return MATCH if check_recurrence(rec, self.epoch) else NO_MATCH

    def fail(self, message: str, text: str) -> int:
        self.note(message)
        return self.fail_given(text)

    def evaluate(self, text: str) -> int:
        """1, -1 or -2; the operands' results are 2 (true) or 0 while combining."""
        result, first, invert, op, need_operand = 0, 77, False, 0, True
        at = 0
        while at < len(text):
            char = text[at]
            if char in WHITESPACE:
                at += 1
                continue
            if not need_operand:
                if char not in "&/":
                    return self.fail("failed to parse the rec string (bad char: '%s', "
                                     "expected operator)" % char, text)
                if (char == "&" and op == 2) or (char == "/" and op == 1):
                    return self.fail(_MIXED % char, text)
                if char == "&" and op == 0:
                    result = first
                op, need_operand = (1 if char == "&" else 2), True
                at += 1
                continue
            if char in ")&/":
                return self.fail("failed to parse time rec (unexpected '%s')" % char, text)
            if char == "!":
                invert = not invert
                at += 1
                continue
            if char == "(":
                close = _closing(text, at)
                if close is None:
                    return self.fail("failed to parse time rec (bad parentheses)", text)
                value = self.evaluate(text[at + 1:close].strip(WHITESPACE)) + 1
                if value < 0:
                    return self.fail_given(text)
                at, need_operand = close + 1, False
            else:
                end, ends_operand = _operand_end(text, at)
                if text[end:end + 1] in ("!", "(", ")"):
                    self.note("failed to parse multi time rec at '%s' (unexpected "
                                       "character)" % text[end])
                    return self.fail_given(text)
                operand = text[at:end].strip(WHITESPACE)
                value = self.single(operand) + 1
                if value < 0:
                    self.note("failed to parse single time rec: '%s'" % operand)
                    return value - 1
                stop = text[end] if end < len(text) else ""
                if invert:
                    invert, value = False, (value + 2) % 4
                if stop == "&":
                    if op == 2:
                        return self.fail(_MIXED % "&", text)
                    if op == 0:
                        result = value
                    op = 1
                elif stop == "/":
                    if op == 1:
                        return self.fail(_MIXED % "/", text)
                    op = 2
                need_operand = not ends_operand
                result, first = _combine(op, result, first, value)
                if not stop:
                    return result - 1
                at = end + 1
                continue
            if invert:
                invert, value = False, (value + 2) % 4
            result, first = _combine(op, result, first, value)
        if need_operand and op != 0:
            return self.fail("failed to parse the rec string (missing operand)", text)
        return (result + 2) % 4 - 1 if invert else result - 1

    def fail_given(self, text: str) -> int:
        self.note("input given: '%s'" % text)
        return PARSE_ERROR


_MIXED = ("failed to parse rec at '%s' (only 1 operator type is allowed within an "
          "expression)")


def _combine(op: int, result: int, first: int, value: int) -> tuple[int, int]:
    if op == 1:
        return result & value, first
    if op == 2:
        return result | value, first
    return value, value


def _closing(text: str, at: int) -> Optional[int]:
    depth = 1
    for index in range(at + 1, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index
    return None


def _operand_end(text: str, at: int) -> tuple[int, bool]:
    """Where a recurrence ends (whitespace, "&", a "/" after its first "|", or
    a "!", "(" or ")" that is an error) and whether whitespace ended it."""
    seen_separator = False
    for index in range(at + 1, len(text)):
        char = text[index]
        if char in "!()":
            return index, False
        if char == "|":
            seen_separator = True
        if char in WHITESPACE:
            return index, True
        if char == "&" or (char == "/" and seen_separator):
            return index, False
    return len(text), False


def check_time_rec(text: str, epoch: int) -> tuple[int, list[Line]]:
    """The result for an expression at a time, and the lines to log."""
    lines: list[Line] = []
    return _Expression(epoch, lines).evaluate(text.strip(WHITESPACE)), lines

