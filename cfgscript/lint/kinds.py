"""What kind of value an expression can give, as far as the text alone tells:
only a string, or something else. The walker records the kind of every value
assigned to a $var(name) (in ScriptFacts.var_kinds); `string_only_vars` then
decides which $vars can hold nothing but a string.

Kinds are plain strings so that facts stay picklable: STRING, NULL, OTHER, or
VAR_PREFIX + name for "whatever $var(name) holds"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Optional

from ..syntax import ast
from ..syntax.pvspec import PVSpec

STRING = "str"
NULL = "null"
OTHER = "other"
VAR_PREFIX = "var:"

# SIP variables whose value is a string or NULL, never an int: URIs and their
# user/host parts, display names, tags, Call-ID, User-Agent, source IP, header
# bodies, the CSeq number (OpenSIPS gives it as text only). Ports, methods and
# status codes also carry an int, so they are not here.
STRING_ONLY_PVARS = frozenset((
    "ru", "ruri", "rU", "ruri.user", "rd", "ruri.domain",
    "ou", "ouri", "oU", "od",
    "fu", "from", "fU", "from.user", "fd", "from.domain", "fn", "ft",
    "tu", "to", "tU", "to.user", "td", "to.domain", "tn", "tt",
    "ci", "cs", "ua", "si", "src_ip", "hdr",
))


def plain_var_name(spec: PVSpec) -> Optional[str]:
    """'x' for $var(x) with a constant name, no index and no transformation."""
    if (spec.name == "var" and spec.inner and "$" not in spec.inner and spec.dynamic is None
            and spec.index is None and not spec.transforms):
        return spec.inner
    return None


def is_string_pvar(spec: PVSpec) -> bool:
    return spec.name in STRING_ONLY_PVARS and not spec.transforms and spec.context is None


def value_kind(node: ast.Node) -> str:
    """The kind of a value expression (an assignment's right side)."""
    if isinstance(node, ast.Str):
        return STRING
    if isinstance(node, ast.Null):
        return NULL
    if isinstance(node, ast.Var):
        name = plain_var_name(node.spec)
        if name is not None:
            return VAR_PREFIX + name
        return STRING if is_string_pvar(node.spec) else OTHER
    if isinstance(node, ast.BinOp) and node.op == "+":
        # a left side that is not an int concatenates: the result is a string
        left = value_kind(node.left)
        return STRING if left == NULL else left
    return OTHER


def string_only_vars(var_kinds: Mapping[str, Iterable[str]]) -> set[str]:
    """The $var names whose every assigned value is a string (NULL aside).
    A cycle of $vars copied into each other counts as not known."""
    known: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, kinds in var_kinds.items():
            if name not in known and _only_strings(set(kinds), known):
                known.add(name)
                changed = True
    return known


def _only_strings(kinds: set[str], known: set[str]) -> bool:
    kinds.discard(NULL)
    return bool(kinds) and all(kind == STRING or (kind.startswith(VAR_PREFIX)
                                                   and kind[len(VAR_PREFIX):] in known)
                               for kind in kinds)
