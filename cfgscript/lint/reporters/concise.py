"""`concise`, the default: one line per finding, `path:line:col: CODE message`.
A finding about a whole file (line 0) is `path: CODE message`."""

from __future__ import annotations

from ...diagnostics import BOLD, SEVERITY_COLORS, paint, printable
from ..finding import Finding
from .base import Report


def render(report: Report) -> str:
    return "".join(line(f, report.color) + "\n" for f in report.findings)


def line(finding: Finding, color: bool = False) -> str:
    where = printable(finding.path)
    if finding.line:
        where += ":%d:%d" % (finding.line, finding.column)
    code = finding.code
    if color:
        where = paint(where, BOLD)
        code = paint(code, BOLD, SEVERITY_COLORS[finding.severity])
    return "%s: %s %s" % (where, code, printable(finding.message))
