"""Diagnostics: one message about a place in a script, rendered like a compiler's.

    routes.cfg:12:5: error: unknown function <foo>, missing loadmodule?
        foo("x");
        ^~~

Every error cfgscript reports about user input goes through here, so that each
one names a file, line and column and shows the offending source line.

Scripts are untrusted text: what is not printable (ESC, NUL, BEL, bidi
controls, stray bytes) is shown as a Python-style escape such as `\\x1b`, in
messages as in source lines, and a long source line is cut around the caret.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Optional

ERROR = "error"
WARNING = "warning"
NOTE = "note"

MAX_SOURCE_WIDTH = 160      # columns of a source line shown at most
LEFT_CONTEXT = 60           # columns kept before the caret when a line is cut
ELLIPSIS = "..."
TAB_WIDTH = 8               # what a tab costs against MAX_SOURCE_WIDTH
NEAR_CHARS = 2 * MAX_SOURCE_WIDTH   # characters on each side of the caret looked at

BOLD, RED, YELLOW, BLUE, CYAN, GREEN = "1", "31", "33", "34", "36", "32"
SEVERITY_COLORS = {ERROR: RED, WARNING: YELLOW, NOTE: BLUE, "info": BLUE}


def paint(text: str, *sgr: str) -> str:
    """`text` wrapped in an ANSI Select Graphic Rendition sequence."""
    return "\x1b[%sm%s\x1b[0m" % (";".join(sgr), text)


def escape_char(ch: str) -> str:
    """A character as shown: itself if printable, else its escape (`\\x1b`, `\\u202e`)."""
    if ch.isprintable():
        return ch
    code = ord(ch)
    if code < 0x100:
        return "\\x%02x" % code
    return "\\u%04x" % code if code < 0x10000 else "\\U%08x" % code


def printable(text: str, keep_tabs: bool = False) -> str:
    """`text` with every non-printable character escaped (tabs kept if asked)."""
    if text.isprintable():
        return text
    return "".join("\t" if keep_tabs and ch == "\t" else escape_char(ch) for ch in text)


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

    def headline(self, color: bool = False) -> str:
        where = printable(self.file)
        if self.line:
            where += ":%d:%d" % (self.line, self.col or 1)
        code = " [%s]" % self.code if self.code else ""
        severity = self.severity
        if color:
            where = paint(where, BOLD)
            severity = paint(severity, BOLD, SEVERITY_COLORS.get(severity, BOLD))
        return "%s: %s: %s%s" % (where, severity, printable(self.message), code)


LineLookup = Callable[[str, int], Optional[str]]


def render(diag: Diagnostic, line_text: Optional[LineLookup] = None, color: bool = False) -> str:
    """The diagnostic as text: include chain, headline, source line and caret."""
    out = ["in file included from %s:%d" % (printable(f), ln) for f, ln in diag.included_from]
    out.append(diag.headline(color))
    text = line_text(diag.file, diag.line) if (line_text and diag.line) else None
    if text is not None:
        source, caret = _source_and_caret(text.rstrip("\r\n"), diag.col, diag.end_col)
        out.append(source)
        out.append(paint(caret, BOLD, GREEN) if color else caret)
    return "\n".join(out)


@dataclass(frozen=True, slots=True)
class _Shown:
    """One source character as printed, and the blank that stands under it."""
    text: str
    pad: str

    @property
    def cost(self) -> int:
        return TAB_WIDTH if self.pad == "\t" else len(self.pad)


def _shown(ch: str) -> _Shown:
    if ch == "\t":
        return _Shown(ch, "\t")     # keep tabs in the indent so the caret lines up
    text = escape_char(ch)
    if text != ch:
        return _Shown(text, " " * len(text))
    if unicodedata.combining(ch):
        return _Shown(ch, "")
    wide = unicodedata.east_asian_width(ch) in ("W", "F")
    return _Shown(ch, "  " if wide else " ")


def _source_and_caret(text: str, col: int, end_col: int) -> tuple[str, str]:
    """The source line as printed (escaped, cut around the caret if too long) and the
    caret line under it. A caret past the end of the line points just after it."""
    start = min(max(col, 1) - 1, len(text))
    width = max(end_col - start - 1, 1) if end_col > start + 1 else 1
    # only characters near the caret can be shown: a long line is not expanded whole
    first = max(0, start - NEAR_CHARS)
    chars = [_shown(ch) for ch in text[first:start + NEAR_CHARS]]
    start -= first
    end = min(start + width, max(len(chars), start + 1))
    lo, hi = _window(chars, start)
    line = "".join(c.text for c in chars[lo:hi])
    indent = "".join(c.pad for c in chars[lo:start])
    under = sum(max(len(c.pad), 1) for c in chars[start:min(end, hi)]) or 1
    if first + lo > 0:
        line, indent = ELLIPSIS + line, " " * len(ELLIPSIS) + indent
    if first + hi < len(text):
        line += ELLIPSIS
    return line, indent + "^" + "~" * (under - 1)


def _window(chars: list[_Shown], start: int) -> tuple[int, int]:
    """[lo, hi) of the characters to show: all of them if they fit in
    MAX_SOURCE_WIDTH, else a stretch that keeps some context before the caret."""
    if sum(c.cost for c in chars) <= MAX_SOURCE_WIDTH:
        return 0, len(chars)
    lo, used = start, 0
    while lo > 0 and used + chars[lo - 1].cost <= LEFT_CONTEXT:
        lo -= 1
        used += chars[lo].cost
    hi = start
    while hi < len(chars) and used + chars[hi].cost <= MAX_SOURCE_WIDTH:
        used += chars[hi].cost
        hi += 1
    return lo, max(hi, min(start + 1, len(chars)))


class DiagnosticError(Exception):
    """Raised when loading cannot continue; carries every diagnostic found so far."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__(diagnostics[0].headline() if diagnostics else "error")
        self.diagnostics = diagnostics
