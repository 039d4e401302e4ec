"""--fix and --diff: applying the fixes that cannot change what a script does."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .finding import Edit, Finding


def fixable(findings: Iterable[Finding], path: str) -> list[Finding]:
    """The findings with a fix that lies in `path` itself (not in an included file)."""
    return [f for f in findings if f.fix is not None and f.path == path]


def apply_fixes(text: str, findings: Iterable[Finding]) -> tuple[str, int]:
    """The text with every fix applied whose edits do not overlap an earlier
    one's, and how many fixes were applied."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, column: int) -> int:
        return min(starts[line - 1] + column - 1, len(text))

    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    applied = 0
    for finding in sorted(findings, key=lambda f: f.sort_key):
        spans = [(offset(e.line, e.column), offset(e.end_line, e.end_column), e.content)
                 for e in _unique(finding.fix.edits)]
        if any(_overlaps(a, b, taken) for a, b, _ in spans):
            continue
        taken += [(a, b) for a, b, _ in spans]
        chosen += spans
        applied += 1
    for begin, end, content in sorted(chosen, reverse=True):
        text = text[:begin] + content + text[end:]
    return text, applied


def _unique(edits: Iterable[Edit]) -> list[Edit]:
    return list(dict.fromkeys(edits))


def _overlaps(begin: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(begin < b and a < end or begin == a == end == b for a, b in taken)


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True),
                                        fromfile=path, tofile=path))
