"""Contextual lexer built from the grammar's terminal definitions.

Tokens are plain tuples (type, text, line, column, offset) for speed. The lexer
is contextual like lark's: it is given the parser's current action row and
prefers the terminals that row accepts, so that

  * a keyword is an ordinary identifier where no keyword is expected;
  * `name =` is a global parameter name only at the top level;
  * `10.0.0.1` is an address only where one may follow (`$si == 10.0.0.1`),
    elsewhere it lexes as numbers and dots, which OpenSIPS rejects too.

For speed, the terminals that can start with each ASCII character are combined
into one regular expression per character (in the grammar's priority order),
so each token costs one dictionary lookup and one match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Optional

from .tables import END, Tables

try:                                    # the regex parser of the standard library
    import re._parser as _sre_parse  # Python >= 3.11
except ImportError:                     # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

Token = tuple  # (type, text, line, column, offset)

_ADDRESS_TERMINALS = ("IPNET", "IPV4", "IPV6")
_ASCII = [chr(i) for i in range(128)]
# What precedes a token (blanks, comments) is matched atomically: a lookahead
# captures it and a backreference consumes it. Were the regex engine allowed to
# backtrack into it when no token follows (at the end of the text or before a
# bad character), it would retry runs of blanks or '#'s in exponentially many
# splits.
_ATOMIC_SKIP = "(?=(?P<_skip>(?:%s)*))(?P=_skip)(?:%s)"
_COMMENT_MARK = re.compile(r"/\*|\*/")


class LexError(Exception):
    def __init__(self, message: str, line: int, col: int, offset: int):
        super().__init__(message)
        self.line, self.col, self.offset = line, col, offset


def _first_chars(items) -> tuple[set[str], bool]:
    """ASCII characters a parsed regex can start with, and whether it may match
    the empty string. Unknown constructs count as 'any character'."""
    first: set[str] = set()
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            if arg < 128:
                first.add(chr(arg))
            return first, False
        if name == "IN":
            first |= _charset(arg)
            return first, False
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue                    # zero width
        if name == "SUBPATTERN":
            sub, nullable = _first_chars(arg[-1])
            first |= sub
            if not nullable:
                return first, False
            continue
        if name == "BRANCH":
            nullable = False
            for alternative in arg[1]:
                sub, alt_nullable = _first_chars(alternative)
                first |= sub
                nullable = nullable or alt_nullable
            if not nullable:
                return first, False
            continue
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub_items = arg
            sub, nullable = _first_chars(sub_items)
            first |= sub
            if low > 0 and not nullable:
                return first, False
            continue
        if name == "ATOMIC_GROUP":
            sub, nullable = _first_chars(arg)
            first |= sub
            if not nullable:
                return first, False
            continue
        first.update(_ASCII)            # ANY, NOT_LITERAL, ...: anything
        return first, False
    return first, True


def _charset(items) -> set[str]:
    chars: set[str] = set()
    negate = False
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            if arg < 128:
                chars.add(chr(arg))
        elif name == "RANGE":
            chars.update(_ASCII[arg[0]:min(arg[1], 127) + 1])
        elif name == "CATEGORY":
            probe = {"CATEGORY_SPACE": r"\s", "CATEGORY_DIGIT": r"\d", "CATEGORY_WORD": r"\w",
                     "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_NOT_DIGIT": r"\D",
                     "CATEGORY_NOT_WORD": r"\W"}.get(str(arg))
            if probe is None:
                return set(_ASCII)
            chars.update(c for c in _ASCII if re.match(probe, c))
        else:
            return set(_ASCII)
    return set(_ASCII) - chars if negate else chars


def first_chars(regex: str) -> set[str]:
    chars, _nullable = _first_chars(_sre_parse.parse(regex))
    return chars


def _ordered(patterns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Alternation order for one regex: the grammar's priority order, except
    that terminals no other terminal can start like (strings, variables, most
    punctuation) go first, since trying them first is cheap and cannot change
    what matches."""
    firsts = {name: first_chars(rx) for name, rx in patterns}
    def overlaps(name):
        return any(firsts[name] & firsts[other] for other in firsts if other != name)
    free = [p for p in patterns if not overlaps(p[0])]
    bound = [p for p in patterns if overlaps(p[0])]
    return free + bound


def _operator_patterns(operators: dict[str, str], regex_firsts: set[str]) -> list[tuple[str, str]]:
    """Operators as two alternatives: those starting like no regex terminal,
    and those that do (":" may start an IPv6 address), longest first."""
    ops = sorted(operators, key=len, reverse=True)
    free = [o for o in ops if o[0] not in regex_firsts]
    bound = [o for o in ops if o[0] in regex_firsts]
    out = [("OP", "|".join(re.escape(o) for o in free))] if free else []
    if bound:
        out.append(("OP2", "|".join(re.escape(o) for o in bound)))
    return out


class Lexer:
    def __init__(self, tables: Tables):
        self._tables = tables
        regex_firsts = set().union(*(first_chars(rx) for _, rx in tables.token_patterns))
        self._operator_patterns = _operator_patterns(tables.operators, regex_firsts)
        self._variants: dict[tuple[bool, bool], Callable] = {}
        self._skip = re.compile("(?:%s)*" % tables.ignore_pattern).match
        self._keywords = tables.keywords
        self._operators = tables.operators

    def _variant(self, params: bool, addresses: bool) -> Callable:
        """The match function of the pattern with or without PARAM_NAME and
        the address terminals, compiled when first needed."""
        match = self._variants.get((params, addresses))
        if match is None:
            terms = [p for p in self._tables.token_patterns
                     if (params or p[0] != "PARAM_NAME")
                     and (addresses or p[0] not in _ADDRESS_TERMINALS)]
            ordered = _ordered(terms + self._operator_patterns)
            tokens = "|".join("(?P<%s>%s)" % p for p in ordered)
            pattern = _ATOMIC_SKIP % (self._tables.ignore_pattern, tokens)
            match = self._variants[params, addresses] = re.compile(pattern).match
        return match

    def special_states(self, actions: list[dict]) -> dict[int, tuple[bool, bool]]:
        """The states whose row takes a PARAM_NAME or an address, with which
        of them (see _variant); the others use the plain pattern."""
        special = {}
        for state, row in enumerate(actions):
            params = "PARAM_NAME" in row
            addresses = "IPV4" in row or "IPNET" in row
            if params or addresses:
                special[state] = (params, addresses)
        return special

    def tokenize(self, text: str, states: list[int], actions: list[dict], start: int = 0,
                 special: Optional[dict[int, tuple[bool, bool]]] = None) -> Iterator[Token]:
        """Tokens of text[start:], then END. The terminals tried depend on the
        parser's current state, states[-1], and its row in `actions`; `special`
        is special_states(actions), computed when not given. Raises LexError.

        The plain pattern runs through finditer, which a state that needs
        another pattern interrupts: the token there is matched on its own, and
        finditer resumes after it."""
        if special is None:
            special = self.special_states(actions)
        plain_scan = self._variant(False, False).__self__.finditer
        variant_of = self._variant
        operators = self._operators
        keywords = self._keywords
        count = text.count
        rfind = text.rfind
        pos = start
        line = 1 + count("\n", 0, pos)
        line_start = rfind("\n", 0, pos) + 1
        scan = None
        while True:
            context = special.get(states[-1])
            if context is not None:
                m = variant_of(*context)(text, pos)
                scan = None
            else:
                if scan is None:
                    scan = plain_scan(text, pos)
                m = next(scan, None)
                if m is not None and m.start() != pos:
                    m = None                        # something unmatchable first
            if m is None:
                break
            kind = m.lastgroup
            begin = m.start(kind)
            if begin != pos:
                newlines = count("\n", pos, begin)
                if newlines:
                    line += newlines
                    line_start = rfind("\n", pos, begin) + 1
            value = m.group(kind)
            if kind == "OP" or kind == "OP2":
                if value == "/" and text.startswith("*", begin + 1):
                    pos = _comment_end(text, begin, line, begin - line_start + 1)
                    newlines = count("\n", begin, pos)
                    if newlines:
                        line += newlines
                        line_start = rfind("\n", begin, pos) + 1
                    scan = None
                    continue
                kind = operators[value]
            elif kind == "ID":
                keyword = keywords.get(value)
                if keyword is not None:
                    row = actions[states[-1]]
                    if keyword in row or "ID" not in row:
                        kind = keyword
            elif kind == "SCRIPTVAR" and value[-1] == ":" and text.startswith("=", m.end()):
                value = value[:-1]                  # "$x:=1": the operator ends the name
                yield (kind, value, line, begin - line_start + 1, begin)
                pos = begin + len(value)
                scan = None
                continue
            yield (kind, value, line, begin - line_start + 1, begin)
            pos = m.end()
            if "\n" in value:
                line += value.count("\n")
                line_start = rfind("\n", 0, pos) + 1
        end = self._skip(text, pos).end()
        line += count("\n", pos, end)
        line_start = rfind("\n", 0, end) + 1
        if end < len(text):
            raise self._error(text, end, line, end - line_start + 1)
        yield (END, "", line, end - line_start + 1, end)

    @staticmethod
    def _error(text: str, pos: int, line: int, col: int) -> LexError:
        ch = text[pos]
        if ch in "\"'":
            return LexError("unterminated string", line, col, pos)
        if ch == "$":
            return LexError("invalid script variable", line, col, pos)
        return LexError("unexpected character %r" % ch, line, col, pos)


def _comment_end(text: str, begin: int, line: int, col: int) -> int:
    """The end of the /* comment at `begin`, nested comments included (as in
    OpenSIPS). Scanned here rather than by a pattern: a regex engine keeps state
    per character of a repeated alternation, a comment no memory beyond its text."""
    depth = 0
    for m in _COMMENT_MARK.finditer(text, begin):
        depth += 1 if m.group() == "/*" else -1
        if depth == 0:
            return m.end()
    raise LexError("unterminated /* comment", line, col, begin)
