"""`github`: GitHub Actions workflow commands, which the runner turns into
annotations on the pull request:

    ::error file=a.cfg,line=3,col=5,endLine=3,endColumn=9,title=V201 name::message
"""

from __future__ import annotations

from ...diagnostics import printable
from ..finding import ERROR, INFO, WARNING, Finding
from .base import Report

COMMANDS = {ERROR: "error", WARNING: "warning", INFO: "notice"}


def escape_data(text: str) -> str:
    """The message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file=..., title=...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    return "".join(command(f) + "\n" for f in report.findings)


def command(finding: Finding) -> str:
    props = [("file", finding.path)]
    if finding.line:
        props += [("line", finding.line), ("col", finding.column),
                  ("endLine", finding.end_line), ("endColumn", finding.end_column)]
    props.append(("title", "%s %s" % (finding.code, finding.name)))
    listed = ",".join("%s=%s" % (key, escape_property(printable(str(value))))
                      for key, value in props)
    return "::%s %s::%s" % (COMMANDS[finding.severity], listed,
                            escape_data(printable(finding.message)))
