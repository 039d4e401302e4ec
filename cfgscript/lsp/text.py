"""Document text and LSP positions.

The parser counts lines by "\\n" and columns in code points, from 1; LSP counts
both from 0 and columns in the negotiated encoding's code units (UTF-16 unless
the client asked for another). Only the lines a position is on are measured."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from lsprotocol import types

UTF16, UTF32, UTF8 = "utf-16", "utf-32", "utf-8"


def units(text: str, encoding: str) -> int:
    """How many code units `text` takes in the encoding."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def column_of(line: str, character: int, encoding: str) -> int:
    """The code-point index in `line` of an LSP character offset (clamped)."""
    if encoding == UTF32:
        return min(character, len(line))
    count = 0
    for index, ch in enumerate(line):
        if count >= character:
            return index
        count += units(ch, encoding)
    return len(line)


@dataclass
class Document:
    uri: str
    path: str
    text: str
    version: int = 0
    _starts: list[int] = field(default_factory=list)
    _ascii: bool = False

    def __post_init__(self) -> None:
        self._index()

    def _index(self) -> None:
        starts, find, at = [0], self.text.find, 0
        while True:
            at = find("\n", at) + 1
            if not at:
                break
            starts.append(at)
        self._starts = starts
        self._ascii = self.text.isascii()

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line(self, number: int) -> str:
        """The 0-based line `number`, without its line end ('' past the end)."""
        start, end = self._span(number)
        return self.text[start:end]

    def line_shape(self, number: int) -> int | str:
        """What the LSP columns of the 0-based line `number` depend on: in an ASCII
        document only its length (columns are clamped to it), else its text."""
        if not self._ascii:
            return self.line(number)
        start, end = self._span(number)
        return end - start

    def _span(self, number: int) -> tuple[int, int]:
        """Where the 0-based line `number` starts and ends, its line end excluded."""
        starts = self._starts
        if not 0 <= number < len(starts):
            return 0, 0
        end = starts[number + 1] - 1 if number + 1 < len(starts) else len(self.text)
        return starts[number], end

    def offset(self, position: types.Position, encoding: str) -> int:
        if position.line >= len(self._starts):
            return len(self.text)
        column = column_of(self.line(position.line), position.character, encoding)
        return self._starts[position.line] + column

    def position(self, offset: int, encoding: str) -> types.Position:
        line = bisect_right(self._starts, offset) - 1
        start = self._starts[line]
        return types.Position(line, units(self.text[start:offset], encoding))

    def apply(self, change: types.TextDocumentContentChangeEvent, encoding: str) -> None:
        if isinstance(change, types.TextDocumentContentChangePartial):
            start = self.offset(change.range.start, encoding)
            end = max(start, self.offset(change.range.end, encoding))
            self.text = self.text[:start] + change.text + self.text[end:]
        else:
            self.text = change.text
        self._index()

    def to_lsp(self, line: int, column: int, encoding: str) -> types.Position:
        """The LSP position of a 1-based line and column of this document."""
        number = max(line - 1, 0)
        text = self.line(number)
        return types.Position(number, units(text[:max(column - 1, 0)], encoding))

    def range_of(self, line: int, column: int, end_line: int, end_column: int,
                 encoding: str) -> types.Range:
        return types.Range(self.to_lsp(line, column, encoding),
                           self.to_lsp(end_line, end_column, encoding))

    def from_lsp(self, position: types.Position, encoding: str) -> tuple[int, int]:
        """The 1-based line and column of an LSP position."""
        column = column_of(self.line(position.line), position.character, encoding)
        return position.line + 1, column + 1
