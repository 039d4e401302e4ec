"""The POSIX extended regular expression syntax as glibc's regcomp() reads it
(REG_EXTENDED, the C locale): the pattern as a tree of dataclasses, or a
`RegexError` with glibc's message for the patterns regcomp() refuses.

glibc's rules that Python's `re` does not share: a backslash is an ordinary
character inside brackets, a ']' first in a bracket is a member, `{` after
nothing is an error and `}` alone is a character, an unmatched ')' is a
character, a repetition operator after an anchor or at the start of a branch
is an error, back-references must name a group already closed in the same
branch, and under REG_ICASE the whole pattern is read upper-cased except the
character after a backslash and the names of character classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

RE_DUP_MAX = 0x7FFF
_BRACKET_NAME_MAX = 32


class RegexError(Exception):
    """A pattern regcomp() refuses; the message is glibc's regerror() text."""


BADRPT = "Invalid preceding regular expression"
EBRACK = "Unmatched [, [^, [:, [., or [="
EPAREN = "Unmatched ( or \\("
EBRACE = "Unmatched \\{"
BADBR = "Invalid content of \\{\\}"
ERANGE = "Invalid range end"
ECTYPE = "Invalid character class name"
EESCAPE = "Trailing backslash"
ESUBREG = "Invalid back reference"
ECOLLATE = "Invalid collation character"
ESIZE = "Regular expression too big"
BADPAT = "Invalid regular expression"


def _span(low: int, high: int) -> frozenset[int]:
    return frozenset(range(low, high + 1))


_ALPHA = _span(65, 90) | _span(97, 122)
_DIGIT = _span(48, 57)
CLASSES: dict[bytes, frozenset[int]] = {
    b"alpha": _ALPHA, b"digit": _DIGIT, b"alnum": _ALPHA | _DIGIT,
    b"upper": _span(65, 90), b"lower": _span(97, 122),
    b"space": frozenset(b" \t\n\v\f\r"), b"blank": frozenset(b" \t"),
    b"print": _span(32, 126), b"graph": _span(33, 126),
    b"punct": _span(33, 126) - _ALPHA - _DIGIT,
    b"cntrl": _span(0, 31) | {127}, b"xdigit": frozenset(b"0123456789abcdefABCDEF"),
}
WORD = CLASSES[b"alnum"] | {ord("_")}
ALL_BYTES = _span(0, 255)
NEWLINE = 10


@dataclass(frozen=True)
class ByteSet:
    """Consumes one byte that is a member (a character, '.', a bracket, \\w...)."""
    members: frozenset[int]


@dataclass(frozen=True)
class Anchor:
    """A zero-width assertion: "bol" ^, "eol" $, "bufstart" \\`, "bufend" \\',
    "wordstart" \\<, "wordend" \\>, "boundary" \\b, "nonboundary" \\B."""
    kind: str


@dataclass(frozen=True)
class Backref:
    group: int                      # 1-based


@dataclass(frozen=True)
class Group:
    index: int                      # 1-based
    body: Optional[Node]


@dataclass(frozen=True)
class Concat:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    branches: tuple[Optional[Node], ...]       # None: an empty branch


@dataclass(frozen=True)
class Repeat:
    body: Node
    low: int
    high: Optional[int]             # None: no upper bound


Node = Union[ByteSet, Anchor, Backref, Group, Concat, Alt, Repeat]


@dataclass(frozen=True)
class Parsed:
    tree: Optional[Node]            # None: the empty pattern
    groups: int


@dataclass
class _Token:
    kind: str                       # "char", "(", ")", "|", "*", "+", "?", "{", "}", ".",
    value: int = 0                  # "[", "anchor", "class", "backref", "end", "\\"
    extra: object = None


_ESCAPED_ANCHORS = {ord("<"): "wordstart", ord(">"): "wordend", ord("b"): "boundary",
                    ord("B"): "nonboundary", ord("`"): "bufstart", ord("'"): "bufend"}
_ESCAPED_CLASSES = {ord("w"): (WORD, False), ord("W"): (WORD, True),
                    ord("s"): (CLASSES[b"space"], False), ord("S"): (CLASSES[b"space"], True)}
_OPERATORS = {ord(c): c for c in "|*+?{}()[."}


class _Parser:
    def __init__(self, pattern: bytes, icase: bool, newline: bool):
        self.raw = pattern
        self.pat = pattern.upper() if icase else pattern
        self.icase = icase
        self.newline = newline
        self.pos = 0
        self.groups = 0
        self.completed: set[int] = set()
        self.token = _Token("end")

    # ------------------------------------------------------------ tokens

    def fetch(self) -> None:
        self.token = self._peek()

    def _peek(self) -> _Token:
        pat, i = self.pat, self.pos
        if i >= len(pat):
            return _Token("end")
        c = pat[i]
        self.pos = i + 1
        if c == 92:                                         # '\'
            if i + 1 >= len(pat):
                return _Token("\\")
            c = self.raw[i + 1]
            self.pos = i + 2
            if 49 <= c <= 57:
                return _Token("backref", c - 48)
            if c in _ESCAPED_ANCHORS:
                return _Token("anchor", extra=_ESCAPED_ANCHORS[c])
            if c in _ESCAPED_CLASSES:
                return _Token("class", extra=_ESCAPED_CLASSES[c])
            return _Token("char", c)
        if c == 94:
            return _Token("anchor", extra="bol")
        if c == 36:
            return _Token("anchor", extra="eol")
        if c in _OPERATORS:
            return _Token(_OPERATORS[c], c)
        return _Token("char", c)

    # ------------------------------------------------------------ grammar

    def parse(self) -> Parsed:
        self.fetch()
        return Parsed(self.regexp(0), self.groups)      # at depth 0 only the end stops it

    def regexp(self, nest: int) -> Optional[Node]:
        initial = set(self.completed)
        branches = [self.branch(nest)]
        while self.token.kind == "|":
            self.fetch()
            if self._ends_branch(nest):
                branches.append(None)
                continue
            accumulated = self.completed
            self.completed = set(initial)
            branches.append(self.branch(nest))
            self.completed |= accumulated
        return branches[0] if len(branches) == 1 else Alt(tuple(branches))

    def _ends_branch(self, nest: int) -> bool:
        kind = self.token.kind
        return kind in ("|", "end") or (nest > 0 and kind == ")")

    def branch(self, nest: int) -> Optional[Node]:
        items = []
        expr = self.expression(nest)
        if expr is not None:
            items.append(expr)
        while not self._ends_branch(nest):
            expr = self.expression(nest)
            if expr is not None:
                items.append(expr)
        if not items:
            return None
        return items[0] if len(items) == 1 else Concat(tuple(items))

    def expression(self, nest: int) -> Optional[Node]:
        token = self.token
        kind = token.kind
        tree: Optional[Node]
        if kind in ("char", ")", "}"):
            tree = ByteSet(frozenset((token.value,)))
        elif kind == ".":
            tree = ByteSet(ALL_BYTES - {NEWLINE} if self.newline else ALL_BYTES)
        elif kind == "class":
            members, negated = token.extra          # \W and \S match a newline even so
            tree = ByteSet(ALL_BYTES - members if negated else members)
        elif kind == "[":
            tree = ByteSet(self.bracket())
        elif kind == "(":
            tree = self.group(nest + 1)
        elif kind == "backref":
            if token.value not in self.completed:
                raise RegexError(ESUBREG)
            tree = Backref(token.value)
        elif kind in ("*", "+", "?", "{"):
            raise RegexError(BADRPT)
        elif kind == "anchor":
            self.fetch()                    # an anchor takes no repetition operator
            return Anchor(token.extra)
        elif kind == "\\":
            raise RegexError(EESCAPE)
        else:                               # "|" or "end": an empty expression
            return None
        self.fetch()
        while self.token.kind in ("*", "+", "?", "{"):
            tree = self.repetition(tree)
        return tree

    def group(self, nest: int) -> Group:
        self.groups += 1
        index = self.groups
        self.fetch()
        body = None
        if self.token.kind != ")":
            body = self.regexp(nest)
            if self.token.kind != ")":
                raise RegexError(EPAREN)
        if index <= 9:
            self.completed.add(index)
        return Group(index, body)

    def repetition(self, tree: Optional[Node]) -> Optional[Node]:
        kind = self.token.kind
        if kind == "{":
            low, high = self.interval()
        else:
            low, high = (1 if kind == "+" else 0), (1 if kind == "?" else None)
        self.fetch()
        if tree is None:
            return None
        return Repeat(tree, low, high)      # {0} too: its groups keep their numbers

    def interval(self) -> tuple[int, Optional[int]]:
        low = self._number()
        if low == -1:
            if not (self.token.kind == "char" and self.token.value == 44):     # ','
                raise RegexError(BADBR)                 # "{}"
            low = 0
        high = -2
        if low != -2:
            if self.token.kind == "}":
                high = low
            elif self.token.value == 44 and self.token.kind == "char":
                high = self._number()
        if low == -2 or high == -2:
            raise RegexError(EBRACE if self.token.kind == "end" else BADBR)
        if (high != -1 and low > high) or self.token.kind != "}":
            raise RegexError(BADBR)
        if (low if high == -1 else high) > RE_DUP_MAX:
            raise RegexError(ESIZE)
        return low, (None if high == -1 else high)

    def _number(self) -> int:
        """fetch_number(): -1 no digits, -2 something else than digits."""
        number = -1
        while True:
            self.fetch()
            token = self.token
            if token.kind == "end":
                return -2
            if token.kind == "}" or token.value == 44:
                return number
            if token.kind != "char" or not 48 <= token.value <= 57 or number == -2:
                number = -2
            else:
                number = min(RE_DUP_MAX + 1, max(number, 0) * 10 + token.value - 48)

    # ------------------------------------------------------------ brackets

    def bracket(self) -> frozenset[int]:
        pat = self.pat
        members: set[int] = set()
        negated = pat[self.pos:self.pos + 1] == b"^"
        if negated:
            self.pos += 1
            if self.newline:
                members.add(NEWLINE)
        if self.pos >= len(pat):
            raise RegexError(BADPAT)
        first = True
        while True:
            if self.pos >= len(pat):
                raise RegexError(EBRACK)
            if pat[self.pos] == 93 and not first:           # ']'
                self.pos += 1
                break
            start = self._bracket_element(accept_hyphen=first)
            first = False
            if self.pos >= len(pat):
                raise RegexError(EBRACK)
            if start[0] != "set" and pat[self.pos] == 45 and self._range_follows():
                self.pos += 1
                end = self._bracket_element(accept_hyphen=True)
                members |= _range(start, end)
            elif start[0] == "set":
                members |= start[1]
            else:
                members.add(start[1])
        return ALL_BYTES - members if negated else frozenset(members)

    def _range_follows(self) -> bool:
        """After a '-': a range, unless the '-' is the last member."""
        nxt = self.pat[self.pos + 1:self.pos + 2]
        if nxt == b"":
            raise RegexError(EBRACK)
        return nxt != b"]"

    def _bracket_element(self, accept_hyphen: bool) -> tuple[str, object]:
        """("char", code), ("coll", code) or ("set", members) for a class or an
        equivalence class (neither may start a range)."""
        pat, i = self.pat, self.pos
        c = pat[i]
        if c == 91 and i + 1 < len(pat) and pat[i + 1] in b".=:":
            return self._bracket_symbol(chr(pat[i + 1]))
        if c == 45 and not accept_hyphen and pat[i + 1:i + 2] != b"]":
            raise RegexError(ERANGE)
        self.pos = i + 1
        return "char", c

    def _bracket_symbol(self, delim: str) -> tuple[str, object]:
        source = self.raw if delim == ":" else self.pat
        i = self.pos + 2
        end = source.find(delim.encode() + b"]", i)
        if i >= len(source) or end < 0 or end - i >= _BRACKET_NAME_MAX:
            raise RegexError(EBRACK)
        name = source[i:end]
        self.pos = end + 2
        if delim == ":":
            if self.icase and name in (b"upper", b"lower"):
                name = b"alpha"
            if name not in CLASSES:
                raise RegexError(ECTYPE)
            return "set", CLASSES[name]
        if len(name) != 1:
            raise RegexError(ECOLLATE)
        return ("set", frozenset(name)) if delim == "=" else ("coll", name[0])


def _range(start: tuple[str, object], end: tuple[str, object]) -> frozenset[int]:
    if end[0] == "set":
        raise RegexError(ERANGE)
    low, high = start[1], end[1]
    assert isinstance(low, int) and isinstance(high, int)
    if low > high:
        raise RegexError(ERANGE)
    return _span(low, high)


def parse(pattern: bytes, icase: bool = False, newline: bool = False) -> Parsed:
    """The tree of a pattern as regcomp(REG_EXTENDED [|REG_ICASE] [|REG_NEWLINE])
    reads it; the pattern ends at its first NUL, as the C string does."""
    return _Parser(pattern.split(b"\0", 1)[0], icase, newline).parse()
