"""Lint findings as LSP diagnostics, and the code actions they offer: their
fixes, and a `# noqa: CODE` comment that suppresses them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Optional

from lsprotocol import types

from ..lint import codes
from ..lint.finding import ERROR, WARNING, Edit, Finding
from .state import OpenDocument

SOURCE = "cfgscript"
_SEVERITIES = {ERROR: types.DiagnosticSeverity.Error, WARNING: types.DiagnosticSeverity.Warning}
_NOQA = re.compile(r"#\s*noqa:\s*[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*", re.IGNORECASE)
RULES_DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def diagnostics_json(doc: OpenDocument, encoding: str) -> str:
    """The document's findings as the JSON array of LSP Diagnostic objects. A large
    script has thousands, most of them as they were before the edit, perhaps on
    other lines: each is converted and serialised once (its columns depend on its
    lines' text only) and kept as the JSON after its range; only the range is
    written again, so publishing costs little more than joining strings."""
    memo = doc.shown
    fresh: dict[tuple, _Shown] = {}
    out = []
    text = doc.document
    for finding in doc.analysis.result.findings:
        key = (finding.path, finding.end_line - finding.line, finding.column, finding.end_column,
               finding.code, finding.message, text.line_shape(finding.line - 1),
               text.line_shape(finding.end_line - 1), finding.included_from)
        known = fresh.get(key) or memo.get(key)
        if known is None:
            known = _shown(_diagnostic(doc, finding, encoding))
        fresh[key] = known
        line = known.line if finding.path != doc.path else finding.line - 1
        out.append(_RANGE % (line, known.start, line + known.lines, known.end) + known.rest)
    doc.shown = fresh
    return "[%s]" % ",".join(out)


_RANGE = '{"range":{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}},'


@dataclass(frozen=True, slots=True)
class _Shown:
    """A diagnostic as published: its range, and the JSON of the rest of it."""
    line: int
    lines: int                  # how many lines below `line` it ends
    start: int
    end: int
    rest: str                   # `"message": ...}`, the members after the range


def _shown(diagnostic: types.Diagnostic) -> _Shown:
    where = diagnostic.range
    data = {"message": diagnostic.message, "severity": diagnostic.severity.value,
            "code": diagnostic.code, "source": diagnostic.source}
    if diagnostic.code_description is not None:
        data["codeDescription"] = {"href": diagnostic.code_description.href}
    return _Shown(where.start.line, where.end.line - where.start.line, where.start.character,
                  where.end.character, json.dumps(data, separators=(",", ":"))[1:])


def _diagnostic(doc: OpenDocument, finding: Finding, encoding: str) -> types.Diagnostic:
    text = doc.document
    message = finding.message
    if finding.path == doc.path:
        where = text.range_of(finding.line, finding.column, finding.end_line,
                              finding.end_column, encoding)
    else:                       # shown on the include line that brings the file in
        line = next((n for path, n in finding.included_from if path == doc.path), 1)
        where = text.range_of(line, 1, line, len(text.line(line - 1)) + 1, encoding)
        message = "%s:%d:%d: %s" % (finding.path, finding.line, finding.column, message)
    href = _rule_href(finding.code)
    return types.Diagnostic(
        where, message, severity=_SEVERITIES.get(finding.severity,
                                                 types.DiagnosticSeverity.Information),
        code=finding.code, source=SOURCE,
        code_description=types.CodeDescription(href) if href else None)


@cache
def _rule_href(code: str) -> Optional[str]:
    """The rule's section of docs/rules.md, when the documentation is at hand."""
    rule = codes.BY_CODE.get(code)
    if rule is None or not RULES_DOC.is_file():
        return None
    anchor = re.sub(r"[^a-z0-9 -]", "", ("%s (%s)" % (rule.name, rule.code)).lower())
    return "%s#%s" % (RULES_DOC.as_uri(), anchor.replace(" ", "-"))


def code_actions(doc: OpenDocument, wanted: types.Range, encoding: str) -> list[types.CodeAction]:
    actions = []
    first, last = wanted.start.line + 1, wanted.end.line + 1
    for finding in doc.analysis.result.findings:
        if finding.path != doc.path or not first <= finding.line <= last:
            continue
        shown = _diagnostic(doc, finding, encoding)
        if finding.fix is not None:
            edits = [_text_edit(doc, edit, encoding) for edit in finding.fix.edits]
            actions.append(_action(doc, "%s (%s)" % (finding.fix.message, finding.code), edits,
                                   shown, preferred=True))
        if finding.line > 0:
            actions.append(_action(doc, "Suppress %s with # noqa: %s" % (finding.name,
                                                                          finding.code),
                                   [_noqa_edit(doc, finding, encoding)], shown))
    return actions


def _action(doc: OpenDocument, title: str, edits: list[types.TextEdit],
            diagnostic: types.Diagnostic, preferred: bool = False) -> types.CodeAction:
    return types.CodeAction(title, kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic], is_preferred=preferred or None,
                            edit=types.WorkspaceEdit(changes={doc.document.uri: edits}))


def _text_edit(doc: OpenDocument, edit: Edit, encoding: str) -> types.TextEdit:
    return types.TextEdit(doc.document.range_of(edit.line, edit.column, edit.end_line,
                                                edit.end_column, encoding), edit.content)


def _noqa_edit(doc: OpenDocument, finding: Finding, encoding: str) -> types.TextEdit:
    """Add the code to the line's `# noqa: ...`, or end the line with one."""
    line = doc.document.line(finding.line - 1).rstrip("\r")
    present = _NOQA.search(line)
    if present:
        at = present.end() + 1
        return _text_edit(doc, Edit(finding.line, at, finding.line, at, ", " + finding.code),
                          encoding)
    end = len(line.rstrip()) + 1
    return _text_edit(doc, Edit(finding.line, end, finding.line, len(line) + 1,
                                "  # noqa: %s" % finding.code), encoding)

