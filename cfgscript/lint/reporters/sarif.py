"""`sarif`: SARIF 2.1.0 (the format code-scanning services read), one run with
the rule metadata in tool.driver.rules and one result per finding."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from urllib.parse import quote

from ... import __version__
from ..finding import ERROR, INFO, WARNING, Edit, Finding, Fix, RuleInfo
from .base import Report

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/cfgscript/"
LEVELS = {ERROR: "error", WARNING: "warning", INFO: "note"}


def render(report: Report) -> str:
    rules = _rules(report)
    index = {rule.code: i for i, rule in enumerate(rules)}
    run = {"tool": {"driver": {"name": "cfgscript", "version": __version__,
                               "informationUri": INFORMATION_URI,
                               "rules": [_descriptor(rule) for rule in rules]}},
           "columnKind": "unicodeCodePoints",
           "results": [_result(f, index[f.code]) for f in report.findings]}
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


def _rules(report: Report) -> list[RuleInfo]:
    """Every rule of the table, and those of findings the table lacks, by code."""
    rules = dict(report.rules)
    for finding in report.findings:
        rules.setdefault(finding.code, report.rule(finding))
    return [rules[code] for code in sorted(rules)]


def _descriptor(rule: RuleInfo) -> dict:
    first_paragraph = rule.explanation.strip().split("\n\n", 1)[0]
    return {"id": rule.code, "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": first_paragraph or rule.summary},
            "help": {"text": rule.explanation or rule.summary,
                     "markdown": rule.explanation or rule.summary},
            "defaultConfiguration": {"level": LEVELS[rule.severity]}}


def _result(finding: Finding, rule_index: int) -> dict:
    result = {"ruleId": finding.code, "ruleIndex": rule_index,
              "level": LEVELS[finding.severity],
              "message": {"text": finding.message},
              "locations": [_location(finding.path, _region(finding))]}
    if finding.included_from:
        result["relatedLocations"] = [
            dict(_location(path, {"startLine": line}), id=i,
                 message={"text": "included from here"})
            for i, (path, line) in enumerate(finding.included_from)]
    if finding.fix is not None:
        result["fixes"] = [_fix(finding.path, finding.fix)]
    return result


def _region(finding: Finding) -> dict | None:
    if not finding.line:
        return None         # about the whole file
    return {"startLine": finding.line, "startColumn": finding.column,
            "endLine": finding.end_line, "endColumn": finding.end_column}


def _location(path: str, region: dict | None) -> dict:
    physical: dict = {"artifactLocation": {"uri": uri(path)}}
    if region is not None:
        physical["region"] = region
    return {"physicalLocation": physical}


def _fix(path: str, fix: Fix) -> dict:
    return {"description": {"text": fix.message},
            "artifactChanges": [{"artifactLocation": {"uri": uri(path)},
                                 "replacements": [_replacement(e) for e in fix.edits]}]}


def _replacement(edit: Edit) -> dict:
    return {"deletedRegion": {"startLine": edit.line, "startColumn": edit.column,
                              "endLine": edit.end_line, "endColumn": edit.end_column},
            "insertedContent": {"text": edit.content}}


def uri(path: str) -> str:
    """A path as a URI reference: relative stays relative, absolute becomes file://."""
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return "file://" + quote(str(posix), errors="surrogateescape")
    return quote(str(posix), errors="surrogateescape")
