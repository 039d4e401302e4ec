"""Suppressions: `# noqa` (everything on the line), `# noqa: CODE, CODE` (those
codes), and `# cfgscript: noqa` on a line of its own (the whole file). Unused and
unknown suppressions become findings of their own (rules/suppressions.py)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Optional

from ..syntax.source import Source
from .facts import Place
from .finding import Edit, Finding, Fix
from .rule import Rule
from .rules.suppressions import UnknownNoqaCode, UnusedNoqa

_LINE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?",
                   re.IGNORECASE)
_FILE = re.compile(r"^\s*#\s*cfgscript:\s*noqa\s*$", re.IGNORECASE)


@dataclass
class Suppression:
    path: str
    line: int
    column: int                         # of the "#"
    end_column: int
    strip_from: int                     # where removing it starts (the blanks before it)
    codes: Optional[tuple[str, ...]]    # None: every code
    used: set[str] = field(default_factory=set)


def scan(source: Source) -> tuple[dict[tuple[str, int], Suppression], set[str]]:
    """The line suppressions by (path, line), and the paths suppressed whole."""
    lines: dict[tuple[str, int], Suppression] = {}
    whole: set[str] = set()
    for src in source.files:
        if "noqa" not in src.text:
            continue
        for number, text in enumerate(src.text.split("\n"), 1):
            if "noqa" not in text:
                continue
            if _FILE.match(text):
                whole.add(src.path)
                continue
            match = _LINE.search(text)
            if match:
                found = match.group("codes")
                codes = tuple(re.split(r"[\s,]+", found.upper())) if found else None
                before = text[:match.start()].rstrip()
                strip_from = len(before) + 1 if before else match.start() + 1
                lines[src.path, number] = Suppression(src.path, number, match.start() + 1,
                                                      match.end() + 1, strip_from, codes)
    return lines, whole


def apply(findings: list[Finding], source: Source, selected: Collection[str],
          known: Collection[str]) -> list[Finding]:
    """The findings that no suppression covers, plus the unused and unknown
    suppressions (when their rules are in `selected`)."""
    lines, whole = scan(source)
    if not lines and not whole:
        return findings
    kept = []
    for finding in findings:
        if finding.path in whole:
            continue
        suppression = lines.get((finding.path, finding.line))
        if suppression and (suppression.codes is None or finding.code in suppression.codes):
            suppression.used.add(finding.code)
            continue
        kept.append(finding)
    judged = _judged(lines.values(), selected, known)
    return sorted(kept + judged, key=lambda f: f.sort_key)


def _judged(suppressions: Iterable[Suppression], selected: Collection[str],
            known: Collection[str]) -> list[Finding]:
    out = []
    for s in suppressions:
        place = Place(s.path, s.line, s.column, s.line, s.end_column)
        if s.codes is None:
            if not s.used and UnusedNoqa.code in selected:
                out.append(_finding(UnusedNoqa, place, "unused blanket `# noqa`", s))
            continue
        for code in s.codes:
            if code not in known:
                if UnknownNoqaCode.code in selected:
                    out.append(_finding(UnknownNoqaCode, place,
                                        "`# noqa` names unknown code %s" % code, None))
            elif code not in s.used and UnusedNoqa.code in selected:
                out.append(_finding(UnusedNoqa, place, "unused `# noqa` code %s" % code,
                                    s if not s.used else None))
    return out


def _finding(rule: type[Rule], place: Place, message: str,
             removable: Optional[Suppression]) -> Finding:
    fix = None
    if removable is not None:
        fix = Fix("Remove the `# noqa` comment",
                  (Edit(place.line, removable.strip_from, place.line, place.end_col, ""),))
    return Finding(place.file, place.line, place.col, place.end_line, place.end_col, rule.code,
                   rule.name, rule.severity, message, fix)
