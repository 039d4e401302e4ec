"""Reporters: how lint findings are printed, one format per module, all
registered in `REPORTERS` (by module name: a format's module is imported when it
is used). The command line calls `render()` for standard output, `summary()` for
the line on standard error, and `use_color()` to decide on colour."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Optional, TextIO

from ...diagnostics import LineLookup
from ..finding import ERROR, INFO, WARNING, Finding, RuleInfo
from .base import Report, count

# format -> the module (in this package) whose render(Report) prints it
REPORTERS: dict[str, str] = {
    "concise": "concise",
    "full": "full",
    "json": "json",
    "github": "github",
    "gitlab": "gitlab",
    "sarif": "sarif",
    "junit": "junit",
}
FORMATS = tuple(REPORTERS)
RULE_TABLE_FORMATS = frozenset({"sarif"})   # the formats that print rule metadata
DEFAULT_FORMAT = "concise"
COLOR_CHOICES = ("auto", "always", "never")


def _no_lines(path: str, line: int) -> Optional[str]:
    return None


def render(format: str, findings: Sequence[Finding], *, paths: Sequence[str] = (),
           rules: Mapping[str, RuleInfo], line_text: LineLookup = _no_lines,
           color: bool = False) -> str:
    """The findings in `format` (one of FORMATS), in a stable order. Only the
    terminal formats (concise, full) use colour."""
    module = REPORTERS.get(format)
    if module is None:
        raise ValueError("unknown output format %r (one of: %s)" % (format, ", ".join(FORMATS)))
    reporter: Callable[[Report], str] = importlib.import_module("." + module, __name__).render
    ordered = sorted(findings, key=lambda f: f.sort_key)
    return reporter(Report(ordered, paths, rules, line_text, color))


def summary(findings: Sequence[Finding]) -> str:
    """`Found 3 errors, 2 warnings (1 fixable).`, or `All checks passed!`"""
    if not findings:
        return "All checks passed!"
    counts = [_counted(count(findings, ERROR), "error", "errors"),
              _counted(count(findings, WARNING), "warning", "warnings"),
              _counted(count(findings, INFO), "info", "info")]
    fixable = sum(1 for f in findings if f.fix is not None)
    tail = " (%d fixable)" % fixable if fixable else ""
    return "Found %s%s." % (", ".join(c for c in counts if c), tail)


def _counted(n: int, one: str, many: str) -> str:
    return "" if not n else "%d %s" % (n, one if n == 1 else many)


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """--color: `always`, `never`, or `auto` — colour on a terminal unless NO_COLOR
    is set to anything non-empty (no-color.org) or TERM is `dumb`."""
    if choice not in COLOR_CHOICES:
        raise ValueError("unknown colour choice %r (one of: %s)"
                         % (choice, ", ".join(COLOR_CHOICES)))
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):   # a closed or detached stream
        return False
