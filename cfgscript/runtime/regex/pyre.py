"""A parsed POSIX pattern as an equivalent Python bytes regex.

Whether some match exists, and where the leftmost one starts, does not depend
on which of the matches at a position is chosen, so Python's engine answers
both exactly once the atoms mean the same: every byte set spelled out, the
anchors as look-arounds on glibc's word and newline rules. Which match is
chosen differs (Python takes the first alternative, POSIX the longest), so
the spans come from Python only for patterns with one way to match: see
`single_path`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Optional

from .syntax import ALL_BYTES, Alt, Anchor, Backref, ByteSet, Concat, Group, Node, Repeat

_W = "[0-9A-Za-z_]"
_ANCHORS = {
    "bufstart": r"\A", "bufend": r"\Z",
    "wordstart": "(?<!%s)(?=%s)" % (_W, _W), "wordend": "(?<=%s)(?!%s)" % (_W, _W),
    "boundary": "(?:(?<!%s)(?=%s)|(?<=%s)(?!%s))" % (_W, _W, _W, _W),
    "nonboundary": "(?:(?<=%s)(?=%s)|(?<!%s)(?!%s))" % (_W, _W, _W, _W),
}


def _byte_set(members: frozenset[int]) -> str:
    if members == ALL_BYTES:
        return "(?s:.)"
    if not members:
        return "(?!)"
    if len(members) == 1:
        return "\\x%02x" % next(iter(members))
    parts, ordered, k = [], sorted(members), 0
    while k < len(ordered):
        j = k
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        low, high = ordered[k], ordered[j]
        parts.append("\\x%02x" % low if low == high else "\\x%02x-\\x%02x" % (low, high))
        k = j + 1
    return "[%s]" % "".join(parts)


class _Translator:
    def __init__(self, newline: bool, notbol: bool):
        self.newline, self.notbol = newline, notbol

    def anchor(self, kind: str) -> str:
        if kind == "bol":
            if self.newline:
                return r"(?<=\n)" if self.notbol else r"(?:\A|(?<=\n))"
            return "(?!)" if self.notbol else r"\A"
        if kind == "eol":
            return r"(?=\n|\Z)" if self.newline else r"\Z"
        return _ANCHORS[kind]

    def text(self, node: Optional[Node]) -> str:
        if node is None:
            return ""
        if isinstance(node, ByteSet):
            return _byte_set(node.members)
        if isinstance(node, Anchor):
            return self.anchor(node.kind)
        if isinstance(node, Backref):
            return "(?:\\%d)" % node.group
        if isinstance(node, Group):
            return "(%s)" % self.text(node.body)
        if isinstance(node, Concat):
            return "".join(self.text(item) for item in node.items)
        if isinstance(node, Alt):
            return "(?:%s)" % "|".join(self.text(branch) for branch in node.branches)
        assert isinstance(node, Repeat)
        high = "" if node.high is None else str(node.high)
        return "(?:%s){%d,%s}" % (self.text(node.body), node.low, high)


def translate(tree: Optional[Node], newline: bool, notbol: bool = False) -> re.Pattern:
    """Exact unless line_anchors_inside(tree) without REG_NEWLINE: then ^ and $
    are translated as under REG_NEWLINE, a superset whose matches the caller
    checks."""
    line = newline or line_anchors_inside(tree)
    return re.compile(_Translator(line, notbol).text(tree).encode("ascii"))


def line_anchors_inside(tree: Optional[Node]) -> bool:
    """Whether a ^ can follow bytes of the match or a $ precede some. glibc
    takes a newline the match steps over as a line end even without
    REG_NEWLINE ("a$\n^b" matches "a\nb"), which a Python regex cannot tell
    from a newline outside the match."""
    return _anchor_inside(tree, "bol", False) or _anchor_inside(tree, "eol", True)


def _anchor_inside(tree: Optional[Node], anchor: str, backwards: bool) -> bool:
    found: list[bool] = []

    def consumes(node: Optional[Node], after_bytes: bool) -> bool:
        if node is None or isinstance(node, Anchor):
            if node is not None and node.kind == anchor and after_bytes:
                found.append(True)
            return False
        if isinstance(node, (ByteSet, Backref)):
            return True
        if isinstance(node, Group):
            return consumes(node.body, after_bytes)
        if isinstance(node, Concat):
            any_bytes = False
            for item in (reversed(node.items) if backwards else node.items):
                any_bytes = consumes(item, after_bytes or any_bytes) or any_bytes
            return any_bytes
        if isinstance(node, Alt):
            return any([consumes(branch, after_bytes) for branch in node.branches])
        assert isinstance(node, Repeat)
        if consumes(node.body, after_bytes):
            consumes(node.body, True)               # a second turn follows the first
            return True
        return False

    consumes(tree, False)
    return bool(found)


def _sequence(node: Optional[Node], out: list) -> bool:
    """Flatten concatenations and groups into (members, low, high) and anchor
    names; False for what single_path() does not take."""
    if node is None:
        return True
    if isinstance(node, ByteSet):
        out.append((node.members, 1, 1))
        return True
    if isinstance(node, Anchor):
        out.append(node.kind)
        return True
    if isinstance(node, Group):
        return _sequence(node.body, out)
    if isinstance(node, Concat):
        return all(_sequence(item, out) for item in node.items)
    if isinstance(node, Repeat) and isinstance(node.body, ByteSet):
        out.append((node.body.members, node.low, node.high))
        return True
    return False


def single_path(tree: Optional[Node]) -> bool:
    """True when a match from a given start can take only one path to each of
    its ends and the longest end is the one Python's greedy search reaches
    first: no alternation or back-reference, repetitions only of single byte
    sets, each one followed by bytes it cannot consume, and anchors only
    leading (^) or trailing ($). Then Python's spans are glibc's."""
    items: list = []
    if not _sequence(tree, items):
        return False
    for k, item in enumerate(items):
        if isinstance(item, str):
            if not ((item == "bol" and k == 0) or (item == "eol" and k == len(items) - 1)):
                return False
            continue
        members, low, high = item
        if low != high and not members.isdisjoint(_follow(items, k + 1)):
            return False
    return True


def _follow(items: list, k: int) -> set[int]:
    follow: set[int] = set()
    for item in items[k:]:
        if isinstance(item, str):
            continue
        follow |= item[0]
        if item[1] > 0:
            break
    return follow


def _children(node: Optional[Node]) -> Sequence[Optional[Node]]:
    if isinstance(node, (Group, Repeat)):
        return (node.body,)
    if isinstance(node, Concat):
        return node.items
    return node.branches if isinstance(node, Alt) else ()


def _variable_inside(node: Optional[Node]) -> bool:
    if isinstance(node, Repeat) and node.low != node.high:
        return True
    return any(_variable_inside(child) for child in _children(node))


def nested_repetition(tree: Optional[Node]) -> bool:
    """Whether a repetition that can turn more than once holds one of variable
    length, as (.*){2,}: Python's backtracking can take exponential time on
    those where glibc's automaton does not."""
    if isinstance(tree, Repeat) and (tree.high is None or tree.high > 1) \
            and _variable_inside(tree.body):
        return True
    return any(nested_repetition(child) for child in _children(tree))


def _has_anchor(node: Optional[Node]) -> bool:
    return isinstance(node, Anchor) or any(_has_anchor(child) for child in _children(node))


def anchor_in_copy(tree: Optional[Node]) -> bool:
    """Whether an anchor sits in a repetition glibc unrolls into copies (+,
    {n,m} beyond one turn): its anchors hold everywhere in the copies (see
    nfa.py), which a Python regex cannot say."""
    if isinstance(tree, Repeat):
        turns = tree.low if tree.high == tree.low else (tree.high or tree.low + 1)
        if turns > 1 and _has_anchor(tree.body):
            return True
    return any(anchor_in_copy(child) for child in _children(tree))


def has_backref(tree: Optional[Node]) -> bool:
    return isinstance(tree, Backref) or any(has_backref(child) for child in _children(tree))
