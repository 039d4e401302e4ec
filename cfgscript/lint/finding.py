"""What the linter finds: `Finding`s (a rule's verdict on one place), with an
optional `Fix`. Rules produce them; reporters (lint/reporters/) print them.
Nothing here knows how a finding is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple, Optional

ERROR = "error"         # OpenSIPS refuses it at start-up, or it cannot work
WARNING = "warning"     # it runs, but surely not as meant
INFO = "info"           # worth knowing
SEVERITIES = (INFO, WARNING, ERROR)     # in rising order
FAIL_LEVELS = tuple(reversed(SEVERITIES))   # --fail-on choices


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text between two positions (1-based lines and columns; the end
    is exclusive) by `content`."""
    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True, slots=True)
class Fix:
    """Edits that remove the finding without changing what the script does."""
    message: str                        # e.g. "Rename to stderror_enabled"
    edits: tuple[Edit, ...]


class Finding(NamedTuple):
    """One finding; a NamedTuple, as a large script makes thousands, and they are
    pickled back from the processes that lint parts of a file and cached."""
    path: str
    line: int                           # 1-based; 0 for the whole file
    column: int                         # 1-based
    end_line: int
    end_column: int                     # exclusive
    code: str                           # stable, e.g. "V201"
    name: str                           # kebab-case rule name
    severity: str                       # ERROR, WARNING or INFO
    message: str
    fix: Optional[Fix] = None
    included_from: tuple[tuple[str, int], ...] = ()

    # (path, line, column, code), read by position in C: findings are sorted often
    sort_key = property(itemgetter(0, 1, 2, 5))

    def as_json(self) -> dict:
        """The stable JSON form (documented in docs/lint-json.md)."""
        data = {"path": self.path, "line": self.line, "column": self.column,
                "end_line": self.end_line, "end_column": self.end_column, "code": self.code,
                "name": self.name, "severity": self.severity, "message": self.message}
        if self.fix is not None:
            data["fix"] = {"message": self.fix.message,
                           "edits": [{"line": e.line, "column": e.column, "end_line": e.end_line,
                                      "end_column": e.end_column, "content": e.content}
                                     for e in self.fix.edits]}
        return data


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What reporters need to know about a rule (SARIF rule metadata, help links)."""
    code: str
    name: str
    severity: str
    summary: str                        # one line
    explanation: str                    # Markdown: what it does, why, example, instead


@dataclass
class FileResult:
    """What linting one file found, and what reporters and --fix need besides."""
    path: str
    findings: list[Finding]
    lines: dict[tuple[str, int], str] = field(default_factory=dict)    # for the reporters
    source_text: Optional[str] = None       # the main file's text, for --fix
    files: tuple[str, ...] = ()             # the main file and every file it includes

    def line_text(self, path: str, line: int) -> Optional[str]:
        return self.lines.get((path, line))
