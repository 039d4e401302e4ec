"""Linting a document again after each edit, analysing only what changed.

The document is cut into blocks at the lines that begin a route block (the head
before the first one holds the globals, loadmodules and modparams). Each block
is parsed on its own and kept by its text; its item check and rule walk are kept
by its text and the modules loaded before it. After an edit only new blocks are
parsed and checked; the checks across route blocks, the script-level rules and
the suppressions run again over all of them, exactly as `cfgscript lint` does.

A block that parses on its own parses the same inside the whole text (it starts
at the top level and ends between items). When one does not, the document has
a syntax error and, as in a full lint, only the syntax errors are reported:
those of a parse of the whole text from that block on (the blocks before it are
clean, so the parser reaches it in the same state as a full parse).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

from ..catalog import Catalog
from ..check import loaded_modules, verdict_of_parts
from ..check.facts import ItemReport
from ..check.items import ItemChecker
from ..diagnostics import DiagnosticError
from ..lint.rule import Rule
from ..lint.runner import FileResult, combined, include_failure, lint_text, suppressed, walker_for
from ..lint.walker import WalkResult
from ..syntax.parser import MAX_ERRORS, ParseResult, get_parser, route_block_starts
from ..syntax.source import Source, SourceFile, load_text
from .moves import moved


@dataclass
class Block:
    """One run of whole top-level items of the document."""
    start: int                  # offset in the document text
    first_line: int             # 1-based line of its first character
    text: str


@dataclass
class ParsedBlock:
    """A block parsed on its own: positions count from its first line as line 1."""
    source: Source
    result: ParseResult
    stamps: tuple[tuple[str, int, int], ...]    # included files: path, mtime, size
    symbols: Optional[list] = None              # lsp/index.py gathers them on first use

    @property
    def ok(self) -> bool:
        return self.result.ok


@dataclass
class CheckedBlock:
    report: ItemReport
    walk: WalkResult
    placed_at: int = 1          # the line its positions currently count from


@dataclass
class Analysis:
    """The lint result of one version of a document, and the blocks behind it."""
    text: str
    result: FileResult
    blocks: list[Block] = field(default_factory=list)
    parsed: list[Optional[ParsedBlock]] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)     # the modules the document loads


def blocks_of(text: str) -> list[Block]:
    starts = [0] + [s for s in route_block_starts(text) if s > 0]
    ends = starts[1:] + [len(text)]
    blocks, line = [], 1
    for start, end in zip(starts, ends):
        piece = text[start:end]
        blocks.append(Block(start, line, piece))
        line += piece.count("\n")
    return blocks


class DocumentLinter:
    """Lints successive versions of one document with fixed settings."""

    def __init__(self, path: str, catalog: Catalog, rules: Sequence[type[Rule]]) -> None:
        self.path = path
        self.catalog = catalog
        self.rules = list(rules)
        self.instances = [rule() for rule in rules]
        self._parsed: dict[str, ParsedBlock] = {}
        self._checked: dict[tuple, CheckedBlock] = {}

    def analyse(self, text: str) -> Analysis:
        blocks = blocks_of(text)
        parsed = [self._parse(block) for block in blocks]
        self._forget(blocks)
        if any(p is None for p in parsed):
            return Analysis(text, self._whole(text), blocks, parsed)
        loaded = [m for p in parsed for m in loaded_modules(p.result.script.items)]
        source = self._document_source(text, blocks, parsed)
        if not all(p.ok for p in parsed):
            result = self._syntax_errors(text, source, blocks, parsed)
        else:
            result = self._lint(text, source, blocks, parsed, loaded)
        return Analysis(text, result, blocks, parsed, loaded)

    # ------------------------------------------------------------ blocks

    def _parse(self, block: Block) -> Optional[ParsedBlock]:
        """The block parsed (None when its includes cannot be followed)."""
        known = self._parsed.get(block.text)
        if known is not None and _stamps(known.source) == known.stamps:
            return known
        try:
            source = load_text(block.text, self.path)
        except DiagnosticError:
            return None
        parsed = ParsedBlock(source, get_parser().parse(source), _stamps(source))
        self._parsed[block.text] = parsed
        return parsed

    def _forget(self, blocks: list[Block]) -> None:
        """Drop what no block of the current text uses (an edit leaves one behind)."""
        texts = {block.text for block in blocks}
        for text in [t for t in self._parsed if t not in texts]:
            del self._parsed[text]
        for key in [k for k in self._checked if k[0] not in texts]:
            del self._checked[key]

    def _check(self, block: Block, parsed: ParsedBlock, item_loaded: list[str],
               walk_loaded: list[str], file_modules: list[str]) -> CheckedBlock:
        key = (block.text, tuple(item_loaded), tuple(walk_loaded), tuple(file_modules))
        checked = self._checked.get(key)
        if checked is None:
            items = parsed.result.script.items
            report = ItemChecker(parsed.source, self.catalog, item_loaded,
                                 file_modules=file_modules).run(items)
            walk = walker_for(self.instances, self.catalog, parsed.source)(items, walk_loaded)
            checked = self._checked[key] = CheckedBlock(report, walk)
        if checked.placed_at != block.first_line:
            delta = block.first_line - checked.placed_at
            checked.report = moved(checked.report, delta, self.path)
            checked.walk = moved(checked.walk, delta, self.path)
            checked.placed_at = block.first_line
        return checked

    # ------------------------------------------------------------ the document

    def _lint(self, text: str, source: Source, blocks: list[Block],
              parsed: list[ParsedBlock], file_modules: list[str]) -> FileResult:
        reports, walks = [], []
        item_loaded: list[str] = []
        walk_loaded: list[str] = []
        seen: set[int] = set()
        for block, part in zip(blocks, parsed):
            checked = self._check(block, part, item_loaded, walk_loaded, file_modules)
            if id(checked) in seen:         # the same text twice: its own copy
                checked = self._fresh(block, part, item_loaded, walk_loaded, file_modules)
            seen.add(id(checked))
            reports.append(checked.report)
            walks.append(checked.walk)
            item_loaded, walk_loaded = checked.report.loaded, checked.walk.facts.loaded
        diagnostics = verdict_of_parts(source, self.catalog, reports)
        findings = combined(source, self.catalog, self.instances, diagnostics, walks)
        return suppressed(text, source, findings, self.rules)

    def _fresh(self, block: Block, parsed: ParsedBlock, item_loaded: list[str],
               walk_loaded: list[str], file_modules: list[str]) -> CheckedBlock:
        """A block whose text appears earlier too, checked apart from the cached one."""
        items = parsed.result.script.items
        report = ItemChecker(parsed.source, self.catalog, item_loaded,
                             file_modules=file_modules).run(items)
        walk = walker_for(self.instances, self.catalog, parsed.source)(items, walk_loaded)
        delta = block.first_line - 1
        return CheckedBlock(moved(report, delta, self.path), moved(walk, delta, self.path),
                            block.first_line)

    def _syntax_errors(self, text: str, source: Source, blocks: list[Block],
                       parsed: list[ParsedBlock]) -> FileResult:
        if any(p.source.has_includes for p in parsed):
            return self._whole(text)
        diagnostics = []
        index = 0
        while index < len(blocks):
            if parsed[index].ok:
                index += 1
                continue
            result, index = self._parse_through(source, blocks, index)
            diagnostics += result.diagnostics
        if len(diagnostics) >= MAX_ERRORS:     # where a whole parse gives up matters
            first_bad = next(b for b, p in zip(blocks, parsed) if not p.ok)
            diagnostics = get_parser().parse(source, first_bad.start).diagnostics
        diagnostics.sort(key=lambda d: (d.file != self.path, d.sort_key))
        findings = combined(source, self.catalog, self.instances, diagnostics, [])
        return suppressed(text, source, findings, self.rules)

    @staticmethod
    def _parse_through(source: Source, blocks: list[Block],
                       first: int) -> tuple[ParseResult, int]:
        """Parse the whole text from a block that does not parse on its own, up to
        the first following block boundary where the parser is back between items
        (as far as the text goes when it never is); and the index of that block."""
        step = 1
        while True:
            stop = min(first + step, len(blocks))
            end = blocks[stop].start if stop < len(blocks) else None
            result = get_parser().parse(source, blocks[first].start, end)
            if result.ended_between_items or end is None:
                return result, stop
            step *= 2

    def _whole(self, text: str) -> FileResult:
        try:
            load_text(text, self.path)
        except DiagnosticError as err:
            return include_failure(text, self.path, err, self.rules)
        return lint_text(text, self.path, self.catalog, self.rules, jobs=1)

    def _document_source(self, text: str, blocks: list[Block],
                         parsed: list[ParsedBlock]) -> Source:
        """The whole document as a Source: its text and the files the blocks include,
        in include order, with the include lines counted in the whole text."""
        files = [SourceFile(self.path, text, ())]
        for block, part in zip(blocks, parsed):
            for included in part.source.files[1:]:
                files.append(moved(included, block.first_line - 1, self.path))
        return Source(text, files)


def _stamps(source: Source) -> tuple[tuple[str, int, int], ...]:
    stamps = []
    for included in source.files[1:]:
        try:
            status = os.stat(included.path)
            stamps.append((included.path, status.st_mtime_ns, status.st_size))
        except OSError:
            stamps.append((included.path, -1, -1))
    return tuple(stamps)
