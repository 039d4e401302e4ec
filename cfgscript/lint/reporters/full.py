"""`full`: each finding as `cfgscript check` prints a diagnostic (include chain,
headline, source line and caret), then its fix if it has one; a blank line between."""

from __future__ import annotations

from ...diagnostics import Diagnostic, printable
from ...diagnostics import render as render_diagnostic
from ..finding import Finding
from .base import Report


def render(report: Report) -> str:
    return "".join(_one(f, report) + "\n\n" for f in report.findings)


def _one(finding: Finding, report: Report) -> str:
    text = render_diagnostic(_diagnostic(finding), report.line_text, report.color)
    if finding.fix is not None:
        text += "\n  fix: " + printable(finding.fix.message)
    return text


def _diagnostic(finding: Finding) -> Diagnostic:
    # a span over several lines gets a single caret, as check does
    end_col = finding.end_column if finding.end_line == finding.line else 0
    return Diagnostic(finding.severity, finding.message, finding.path, finding.line,
                      finding.column, end_col, finding.code, finding.included_from)
