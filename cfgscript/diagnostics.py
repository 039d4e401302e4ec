"""Diagnostics: one message about a place in a script, rendered like a compiler's.

    routes.cfg:12:5: error: unknown function <foo>, missing loadmodule?
        foo("x");
        ^~~

Every error cfgscript reports about user input goes through here, so that each
one names a file, line and column and shows the offending source line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Optional

ERROR = "error"
WARNING = "warning"
NOTE = "note"


@dataclass(slots=True)
class Diagnostic:
    severity: str
    message: str
    file: str
    line: int = 0               # 0: no position (a whole-file or I/O problem)
    col: int = 0
    end_col: int = 0            # exclusive; 0 = a single caret
    code: Optional[str] = None  # stable rule code (lint)
    included_from: Sequence[tuple[str, int]] = field(default_factory=tuple)

    @property
    def sort_key(self) -> tuple:
        return (self.file, self.line, self.col)

    def headline(self) -> str:
        where = self.file
        if self.line:
            where += ":%d:%d" % (self.line, self.col or 1)
        code = " [%s]" % self.code if self.code else ""
        return "%s: %s: %s%s" % (where, self.severity, self.message, code)


LineLookup = Callable[[str, int], Optional[str]]


def render(diag: Diagnostic, line_text: Optional[LineLookup] = None) -> str:
    """The diagnostic as text: include chain, headline, source line and caret."""
    out = ["in file included from %s:%d" % (f, ln) for f, ln in diag.included_from]
    out.append(diag.headline())
    text = line_text(diag.file, diag.line) if (line_text and diag.line) else None
    if text is not None:
        text = text.rstrip("\r\n")
        out.append(text)
        col = max(diag.col, 1)
        width = max(diag.end_col - col, 1) if diag.end_col > col else 1
        width = min(width, max(len(text) - col + 1, 1))
        # keep tabs in the indent so the caret lines up under the source
        indent = "".join("\t" if ch == "\t" else " " for ch in text[:col - 1])
        out.append(indent + "^" + "~" * (width - 1))
    return "\n".join(out)


class DiagnosticError(Exception):
    """Raised when loading cannot continue; carries every diagnostic found so far."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__(diagnostics[0].headline() if diagnostics else "error")
        self.diagnostics = diagnostics
