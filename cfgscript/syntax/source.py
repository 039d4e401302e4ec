"""Script text: reading files, include_file/import_file, and mapping positions back.

OpenSIPS resolves includes in a line-based pass before lexing: a line whose first
word is `include_file` or `import_file` followed by a quoted path is replaced by
the whole included file (anything after the closing quote is ignored). The pass
knows nothing of comments or strings. A relative path is tried against the
current directory first, then against the including file's directory. Includes
nest up to 50 levels.

`load()` returns a `Source`: the flattened text that the lexer reads, plus a map
from each flattened line to the file and line it came from.
"""

from __future__ import annotations

import errno
import os
import sys
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Optional

from ..diagnostics import ERROR, Diagnostic, DiagnosticError

MAX_INCLUDE_DEPTH = 50
INCLUDE_DIRECTIVES = ("include_file", "import_file")
STDIN_NAME = "-"


@dataclass(slots=True)
class SourceFile:
    path: str                                   # as displayed in messages
    text: str
    included_from: tuple[tuple[str, int], ...]  # (file, line) of each enclosing include
    _lines: Optional[list[str]] = None

    def line(self, number: int) -> Optional[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        if 1 <= number <= len(self._lines):
            return self._lines[number - 1]
        return None


@dataclass(slots=True)
class Segment:
    """Flattened lines [start, ...) come from `file` starting at its line `first_line`."""
    start: int
    file: SourceFile
    first_line: int


@dataclass(slots=True)
class Source:
    text: str
    files: list[SourceFile]
    segments: list[Segment] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)

    @property
    def main(self) -> SourceFile:
        return self.files[0]

    @property
    def has_includes(self) -> bool:
        return len(self.segments) > 1

    def locate(self, flat_line: int) -> tuple[SourceFile, int]:
        """(file, line) of a 1-based line of the flattened text."""
        if not self.has_includes:
            return self.files[0], flat_line
        if not self._starts:
            self._starts = [s.start for s in self.segments]
        seg = self.segments[bisect_right(self._starts, flat_line) - 1]
        return seg.file, seg.first_line + (flat_line - seg.start)

    def line_text(self, path: str, line: int) -> Optional[str]:
        for f in self.files:
            if f.path == path:
                return f.line(line)
        return None


def decode(data: bytes) -> str:
    """Script bytes to text: UTF-8, a leading BOM dropped, stray bytes kept."""
    return _drop_bom(data.decode("utf-8", errors="surrogateescape"))


def _drop_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def read_script(path: str) -> str:
    """Read a script file ("-" is stdin). Raises OSError."""
    if path == STDIN_NAME:
        return decode(sys.stdin.buffer.read())
    if "\0" in path:                # open() would raise ValueError
        raise OSError(errno.EINVAL, "a file name cannot hold a NUL byte", path)
    with open(path, "rb") as f:
        return decode(f.read())


def _include_target(line: str) -> Optional[tuple[str, Optional[str]]]:
    """For an include line: (directive, path or None when malformed). None otherwise."""
    stripped = line.lstrip(" \t\r\b")
    for directive in INCLUDE_DIRECTIVES:
        if stripped.startswith(directive):
            rest = stripped[len(directive):]
            if rest and not rest[0].isspace() and rest[0] not in "\"'":
                return None             # a longer word, e.g. include_files
            rest = rest.lstrip()
            if not rest or rest[0] not in "\"'":
                return directive, None
            end = rest.find(rest[0], 1)
            if end < 2:                 # unterminated or empty
                return directive, None
            return directive, rest[1:end]
    return None


def _resolve(target: str, including: str) -> str:
    if os.path.isabs(target) or os.path.exists(target):
        return target
    base = os.path.dirname(including) if including != STDIN_NAME else ""
    return os.path.join(base, target) if base else target


class _Flattener:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.files: list[SourceFile] = []
        self.segments: list[Segment] = []
        self.line_count = 0             # flattened lines emitted so far
        self.errors: list[Diagnostic] = []

    def add(self, src: SourceFile, stack: tuple[str, ...]) -> None:
        self.files.append(src)
        lines = src.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self._open_segment(src, 1)
        for number, line in enumerate(lines, 1):
            found = _include_target(line) if "_file" in line else None
            if found is None:
                self.out.append(line)
                self.line_count += 1
                continue
            self._include(src, number, line, found, stack)
            self._open_segment(src, number + 1)

    def _open_segment(self, src: SourceFile, first_line: int) -> None:
        seg = Segment(self.line_count + 1, src, first_line)
        if self.segments and self.segments[-1].start == seg.start:
            self.segments[-1] = seg
        else:
            self.segments.append(seg)

    def _error(self, src: SourceFile, number: int, line: str, message: str) -> None:
        col = len(line) - len(line.lstrip(" \t\r\b")) + 1
        self.errors.append(Diagnostic(ERROR, message, src.path, number, col, len(line.rstrip()) + 1,
                                      included_from=src.included_from))

    def _include(self, src: SourceFile, number: int, line: str,
                 found: tuple[str, Optional[str]], stack: tuple[str, ...]) -> None:
        directive, target = found
        if target is None:
            self._error(src, number, line, "%s needs a quoted, non-empty file path" % directive)
            return
        if "\0" in target:
            self._error(src, number, line, "%s: the file path contains a NUL byte" % directive)
            return
        if len(stack) > MAX_INCLUDE_DEPTH:
            self._error(src, number, line,
                        "%s: includes nest deeper than %d levels" % (directive, MAX_INCLUDE_DEPTH))
            return
        path = _resolve(target, src.path)
        real = os.path.realpath(path)
        if real in stack:
            cycle = " -> ".join([os.path.basename(p) for p in stack[stack.index(real):]]
                                + [os.path.basename(real)])
            self._error(src, number, line, "include cycle: %s" % cycle)
            return
        try:
            text = read_script(path)
        except OSError as exc:
            reason = exc.strerror or exc
            self._error(src, number, line, "cannot include '%s': %s" % (target, reason))
            return
        child = SourceFile(path, text, src.included_from + ((src.path, number),))
        self.add(child, stack + (real,))


def load_text(text: str, path: str = "<script>") -> Source:
    """A Source for script text given directly (includes are still followed)."""
    text = _drop_bom(text)
    root = SourceFile(path, text, ())
    if "include_file" not in text and "import_file" not in text:
        return Source(text, [root], [Segment(1, root, 1)])
    flat = _Flattener()
    stack = (os.path.realpath(path),) if path != STDIN_NAME else ("<stdin>",)
    flat.add(root, stack)
    if flat.errors:
        raise DiagnosticError(flat.errors)
    if len(flat.segments) <= 1 and len(flat.files) == 1:
        return Source(text, flat.files, flat.segments)
    return Source("\n".join(flat.out) + "\n", flat.files, flat.segments)


def load(path: str) -> Source:
    """Read a script file and every file it includes. Raises OSError, DiagnosticError."""
    return load_text(read_script(path), path)
