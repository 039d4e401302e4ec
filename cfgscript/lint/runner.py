"""Linting one script: the checker's parse and start-up verdict, the rules' walk
over the same tree (in the same processes), the script-level rules, and the
suppressions. Finding things is here; showing them is the reporters' job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from ..catalog import Catalog
from ..check import check_and_visit
from ..diagnostics import ERROR, WARNING, Diagnostic, DiagnosticError
from ..syntax.source import Source, load_text, read_script
from . import codes, noqa
from .facts import merge
from .finding import INFO, FileResult, Finding
from .rule import Rule, Scope
from .walker import Walker, WalkResult


def lint_text(text: str, path: str, catalog: Catalog, rules: Sequence[type[Rule]],
              jobs: Optional[int] = None, upgrade: Optional[Catalog] = None) -> FileResult:
    """Lint script text as the file `path` (includes are followed from there);
    `upgrade` is the catalog of the release the script is to be moved to, if any."""
    try:
        source = load_text(text, path)
    except DiagnosticError as err:
        return include_failure(text, path, err, rules)
    return suppressed(text, source, lint_source(source, catalog, rules, jobs, upgrade), rules)


def include_failure(text: str, path: str, err: DiagnosticError,
                    rules: Sequence[type[Rule]]) -> FileResult:
    """The result for a script whose includes cannot be followed."""
    findings = [_from_diagnostic(d) for d in err.diagnostics]
    return FileResult(path, _selected(findings, rules), source_text=text, files=(path,))


def suppressed(text: str, source: Source, findings: list[Finding],
               rules: Sequence[type[Rule]]) -> FileResult:
    """The result once `# noqa` comments have had their say."""
    findings = noqa.apply(findings, source, {rule.code for rule in rules}, codes.BY_CODE)
    lines = {(f.path, f.line): source.line_text(f.path, f.line) or "" for f in findings}
    return FileResult(source.main.path, findings, lines, text, tuple(f.path for f in source.files))


def lint_file(path: str, catalog: Catalog, rules: Sequence[type[Rule]],
              jobs: Optional[int] = None, upgrade: Optional[Catalog] = None) -> FileResult:
    return lint_text(read_script(path), path, catalog, rules, jobs, upgrade)


def lint_source(source: Source, catalog: Catalog, rules: Sequence[type[Rule]],
                jobs: Optional[int] = None, upgrade: Optional[Catalog] = None) -> list[Finding]:
    """Every selected rule's findings on a loaded source, before suppressions."""
    instances = [rule() for rule in rules]
    diagnostics, walks = check_and_visit(source, catalog, jobs,
                                         walker_for(instances, catalog, source, upgrade))
    return combined(source, catalog, instances, diagnostics, walks, upgrade)


def walker_for(instances: Sequence[Rule], catalog: Catalog, source: Source,
               upgrade: Optional[Catalog] = None) -> Walker:
    return Walker([r for r in instances if r.nodes or r.overrides("check_body")],
                  catalog, source, upgrade)


def combined(source: Source, catalog: Catalog, instances: Sequence[Rule],
             diagnostics: list[Diagnostic], walks: Sequence[WalkResult],
             upgrade: Optional[Catalog] = None) -> list[Finding]:
    """The findings of the walks, the script-level rules and the checker's
    diagnostics (those a lint finding supersedes left out), selected and sorted."""
    findings = [f for walk in walks for f in walk.findings]
    if walks:
        scope = Scope(catalog, {f.path: f.included_from for f in source.files},
                      source.line_text, upgrade)
        facts = merge(walk.facts for walk in walks)
        for rule in instances:
            if rule.overrides("check_script"):
                rule.check_script(facts, scope)
        findings += scope.findings
    superseded = {(f.path, f.line, f.column, code) for f in findings
                  for code in getattr(codes.BY_CODE.get(f.code), "supersedes", ())}
    for diag in diagnostics:
        if (diag.file, diag.line, diag.col, diag.code) not in superseded:
            findings.append(_from_diagnostic(diag))
    return _selected(findings, [type(rule) for rule in instances])


def _selected(findings: list[Finding], rules: Sequence[type[Rule]]) -> list[Finding]:
    chosen = {rule.code for rule in rules}
    return sorted((f for f in findings if f.code in chosen), key=lambda f: f.sort_key)


_SEVERITY = {ERROR: ERROR, WARNING: WARNING}


def _from_diagnostic(diag: Diagnostic) -> Finding:
    rule = codes.BY_CODE.get(diag.code or "") or codes.SYNTAX_ERROR
    end_col = diag.end_col if diag.end_col > diag.col else diag.col + 1
    return Finding(diag.file, diag.line, diag.col or 1, diag.line, end_col, rule.code, rule.name,
                   _SEVERITY.get(diag.severity, INFO), diag.message, None,
                   tuple(diag.included_from))
