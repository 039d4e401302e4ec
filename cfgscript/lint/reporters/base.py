"""What every reporter is given (`Report`) and the few facts they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ...diagnostics import LineLookup
from ..finding import Finding, RuleInfo


@dataclass(frozen=True, slots=True)
class Report:
    findings: Sequence[Finding]         # sorted by Finding.sort_key
    paths: Sequence[str]                # every linted file, findings or not, in order
    rules: Mapping[str, RuleInfo]       # by code
    line_text: LineLookup               # (path, line) -> the line's text, or None
    color: bool = False

    def rule(self, finding: Finding) -> RuleInfo:
        """The finding's rule; one made from the finding itself if the table lacks it."""
        info = self.rules.get(finding.code)
        if info is not None:
            return info
        return RuleInfo(finding.code, finding.name, finding.severity, finding.name, finding.name)


def linted_file(finding: Finding) -> str:
    """The file that was linted to find it: the outermost includer, or its own path."""
    return finding.included_from[0][0] if finding.included_from else finding.path


def count(findings: Sequence[Finding], severity: str) -> int:
    return sum(1 for f in findings if f.severity == severity)

