"""The automaton glibc's regcomp() builds from a parsed pattern, node for node.

The numbering matters: glibc takes the epsilon transition to the lower-numbered
node first when it assigns submatches, and numbers the nodes of the final tree
in post-order, after `{n,m}` has been unrolled into copies (the optional copies
of a group marked "optional"), a group holding only a group merged into it and
each group lowered to an open and a close node. So `(a|)` prefers `a`, and so
does `(|a)`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Optional

from .syntax import (
    ESIZE,
    Alt,
    Anchor,
    Backref,
    ByteSet,
    Concat,
    Group,
    Node,
    Parsed,
    RegexError,
)

MAX_NODES = 50_000

# glibc turns \b and \B into an alternation of two anchors
_SPLIT_ANCHORS = {"boundary": ("wordstart", "wordend"),
                  "nonboundary": ("insideword", "insidenotword")}


@dataclass(eq=False)
class _T:
    """A node of glibc's binary tree (bin_tree_t)."""
    kind: str               # char concat alt star subexp open close anchor bref end
    left: Optional[_T] = None
    right: Optional[_T] = None
    members: frozenset[int] = frozenset()
    anchor: str = ""
    group: int = 0
    optional: bool = False
    duplicated: bool = False
    index: int = -1
    first: Optional[_T] = None
    next: Optional[_T] = None


@dataclass
class Automaton:
    kinds: list[str] = field(default_factory=list)
    members: list[frozenset[int]] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    optional: list[bool] = field(default_factory=list)
    inert: list[bool] = field(default_factory=list)             # see _link()
    edests: list[tuple[int, ...]] = field(default_factory=list)   # lower number first
    nexts: list[int] = field(default_factory=list)
    init: int = 0
    end: int = 0
    group_map: dict[int, int] = field(default_factory=dict)       # merged group -> its outer
    has_backrefs: bool = False
    referenced: frozenset[int] = frozenset()                      # the groups back-references name


def _concat(left: Optional[_T], right: Optional[_T]) -> Optional[_T]:
    if left is None or right is None:
        return left or right
    return _T("concat", left, right)


def _duplicate(elem: _T) -> _T:
    """duplicate_tree(): a copy whose groups are not optional, even when the
    original's are (glibc builds the copy's tokens afresh), and whose nodes are
    marked duplicated."""
    twin = copy.deepcopy(elem)
    stack = [twin]
    while stack:
        node = stack.pop()
        node.optional = False
        node.duplicated = True
        stack.extend(child for child in (node.left, node.right) if child is not None)
    return twin


def _repeat(elem: _T, low: int, high: Optional[int]) -> _T:
    """parse_dup_op(): <re>{n,m} as n copies then nested optional copies; only
    the first optional copy of a group is marked optional."""
    tree: Optional[_T] = None
    if low > 0:
        tree = elem
        for _ in range(2, low + 1):
            elem = _duplicate(elem)
            tree = _concat(tree, elem)
        if low == high:
            return tree
        elem = _duplicate(elem)
    if elem.kind == "subexp":
        elem.optional = True
    rest = _T("star" if high is None else "alt", elem)
    for _ in range(low + 2, (high or 0) + 1):
        elem = _duplicate(elem)
        rest = _T("alt", _T("concat", rest, elem))
    return _concat(tree, rest)


def _tree(node: Optional[Node]) -> Optional[_T]:
    if node is None:
        return None
    if isinstance(node, ByteSet):
        return _T("char", members=node.members)
    if isinstance(node, Anchor):
        if node.kind in _SPLIT_ANCHORS:
            first, last = _SPLIT_ANCHORS[node.kind]
            return _T("alt", _T("anchor", anchor=first), _T("anchor", anchor=last))
        return _T("anchor", anchor=node.kind)
    if isinstance(node, Backref):
        return _T("bref", group=node.group)
    if isinstance(node, Group):
        return _T("subexp", _tree(node.body), group=node.index)
    if isinstance(node, Concat):
        tree = None
        for item in node.items:
            tree = _concat(tree, _tree(item))
        return tree
    if isinstance(node, Alt):
        tree = _tree(node.branches[0])
        for branch in node.branches[1:]:
            tree = _T("alt", tree, _tree(branch))
        return tree
    body = _tree(node.body)
    if body is None or node.high == 0:
        return None                 # parse_dup_op() drops x{0}; its groups stay unset
    return _repeat(body, node.low, node.high)


def _merge_groups(node: Optional[_T], group_map: dict[int, int]) -> None:
    """optimize_subexps(), pre-order: ((x)) keeps only the outer group."""
    if node is None:
        return
    if node.kind == "bref":
        node.group = group_map.get(node.group, node.group)
    elif node.kind == "subexp" and node.left is not None and node.left.kind == "subexp":
        group_map[node.left.group] = group_map.get(node.group, node.group)
        node.left = node.left.left
    _merge_groups(node.left, group_map)
    _merge_groups(node.right, group_map)


def _lower(node: Optional[_T], kept: Optional[set[int]]) -> Optional[_T]:
    """lower_subexps(): a group as open, body, close; under REG_NOSUB (kept:
    the groups back-references name) the other non-empty groups as their body."""
    if node is None:
        return None
    node.left, node.right = _lower(node.left, kept), _lower(node.right, kept)
    if node.kind != "subexp":
        return node
    if kept is not None and node.left is not None and node.group not in kept:
        return node.left
    ends = [_T(kind, group=node.group, optional=node.optional) for kind in ("open", "close")]
    body = _T("concat", node.left, ends[1]) if node.left is not None else ends[1]
    return _T("concat", ends[0], body)


def _referenced(node: Optional[_T]) -> set[int]:
    found: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if current is not None:
            if current.kind == "bref":
                found.add(current.group)
            stack += [current.left, current.right]
    return found


def _postorder(node: Optional[_T], out: list[_T]) -> None:
    stack: list[tuple[_T, bool]] = [(node, False)] if node is not None else []
    while stack:
        current, visited = stack.pop()
        if visited:
            out.append(current)
            continue
        stack.append((current, True))
        for child in (current.right, current.left):
            if child is not None:
                stack.append((child, False))


def _size(node: Optional[Node]) -> int:
    """About the number of nodes the unrolled tree has (at least that many)."""
    if node is None or isinstance(node, (ByteSet, Anchor, Backref)):
        return 1
    if isinstance(node, Group):
        return 2 + _size(node.body)
    if isinstance(node, (Concat, Alt)):
        children = node.items if isinstance(node, Concat) else node.branches
        return sum(_size(child) for child in children)
    copies = max(node.low, node.high if node.high is not None else node.low + 1, 1)
    return copies * _size(node.body)


def build(parsed: Parsed, nosub: bool = False) -> Automaton:
    """The automaton of regcomp(), of regcomp(REG_NOSUB) when nosub."""
    if _size(parsed.tree) > MAX_NODES:
        raise RegexError(ESIZE)
    group_map: dict[int, int] = {}
    tree = _tree(parsed.tree)
    _merge_groups(tree, group_map)
    root = _concat(_lower(tree, _referenced(tree) if nosub else None), _T("end"))
    assert root is not None
    order: list[_T] = []
    _postorder(root, order)
    automaton = Automaton(group_map={g: t for g, t in group_map.items() if g != t})
    for node in order:                                  # calc_first()
        if node.kind == "concat":
            node.first = node.left.first
            continue
        node.first, node.index = node, len(automaton.kinds)
        automaton.kinds.append(node.kind)
        automaton.members.append(node.members)
        automaton.anchors.append(node.anchor)
        automaton.groups.append(node.group)
        automaton.optional.append(node.optional)
    if len(automaton.kinds) > MAX_NODES:
        raise RegexError(ESIZE)
    for node in reversed(order):                        # calc_next(), pre-order
        if node.kind == "star":
            node.left.next = node
        elif node.kind == "concat":
            node.left.next, node.right.next = node.right.first, node.next
        else:
            for child in (node.left, node.right):
                if child is not None:
                    child.next = node.next
    automaton.inert = [False] * len(automaton.kinds)
    automaton.edests = [()] * len(automaton.kinds)
    automaton.nexts = [-1] * len(automaton.kinds)
    for node in order:                                  # link_nfa_nodes()
        _link(node, automaton)
    automaton.init = root.first.index
    automaton.end = next(node.index for node in order if node.kind == "end")
    automaton.has_backrefs = "bref" in automaton.kinds
    automaton.referenced = frozenset(g for k, g in zip(automaton.kinds, automaton.groups)
                                     if k == "bref")
    return automaton


def _link(node: _T, automaton: Automaton) -> None:
    kind = node.kind
    if kind in ("concat", "end"):
        return
    if kind in ("alt", "star"):
        left = (node.left.first if node.left is not None else node.next).index
        right = (node.right.first if node.right is not None else node.next).index
        automaton.edests[node.index] = tuple(sorted({left, right}))
    elif kind in ("anchor", "open", "close", "bref"):
        automaton.edests[node.index] = (node.next.index,)
    if kind == "anchor" and node.next.duplicated:
        # calc_eclosure() hands an anchor's condition on to the nodes after it
        # only when they are not marked duplicated, and every node of a copy
        # of {n,m} or + is: the paths through such an anchor are open
        # everywhere, though the anchor itself is left out of the states
        # where the byte before it does not suit it
        automaton.inert[node.index] = True
    if kind in ("char", "bref"):
        automaton.nexts[node.index] = node.next.index
