"""What the server knows about each open document: its text, the settings
`cfgscript lint` would use for it, the incremental linter and the latest
analysis with its symbol index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..catalog import RELEASES, Catalog, load_catalog
from ..lint.config import ConfigError, LintSettings, discover
from .analysis import Analysis, DocumentLinter
from .index import DocumentIndex
from .text import Document


@dataclass
class OpenDocument:
    document: Document
    linter: DocumentLinter
    analysis: Analysis
    index: DocumentIndex
    settings_problem: Optional[str] = None
    shown: dict = field(default_factory=dict)   # findings as last published (findings.py)

    @property
    def catalog(self) -> Catalog:
        return self.linter.catalog

    @property
    def path(self) -> str:
        return self.document.path

    def reanalyse(self) -> None:
        self.analysis = self.linter.analyse(self.document.text)
        self.index = DocumentIndex(self.analysis, self.path)

    @property
    def loaded(self) -> list[str]:
        """The modules the document loads that the catalog knows."""
        return [m for m in self.analysis.loaded if self.catalog.has_module(m)]


def settings_for(path: str) -> tuple[LintSettings, Optional[str]]:
    """The lint settings of a file, and the problem with its configuration if any
    (the defaults stand in for an unusable configuration)."""
    try:
        return discover(path), None
    except ConfigError as err:
        return LintSettings(), str(err)


def open_document(document: Document) -> OpenDocument:
    settings, problem = settings_for(document.path)
    catalog = load_catalog(settings.target_version or RELEASES[-1])
    linter = DocumentLinter(document.path, catalog, settings.rules_for(document.path))
    analysis = linter.analyse(document.text)
    return OpenDocument(document, linter, analysis, DocumentIndex(analysis, document.path),
                        problem)
