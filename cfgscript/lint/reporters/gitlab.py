"""`gitlab`: a GitLab Code Quality report (a JSON list of issues).

The fingerprint, by which GitLab matches an issue across pipelines, hashes the
path, code, message and the text of the line (not its number), so that editing
other lines does not make an old finding look new. Equal findings on equal
lines of one file are told apart by their order."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from ..finding import ERROR, INFO, WARNING, Finding
from .base import Report

SEVERITIES = {ERROR: "critical", WARNING: "major", INFO: "info"}


def render(report: Report) -> str:
    seen: Counter[str] = Counter()
    issues = []
    for finding in report.findings:
        key = _fingerprint_key(finding, report)
        seen[key] += 1
        issues.append(_issue(finding, _fingerprint(key, seen[key])))
    return json.dumps(issues, indent=2) + "\n"


def _fingerprint_key(finding: Finding, report: Report) -> str:
    text = (report.line_text(finding.path, finding.line) if finding.line else None) or ""
    return "\0".join((finding.path, finding.code, finding.message, text.strip()))


def _fingerprint(key: str, occurrence: int) -> str:
    if occurrence > 1:
        key += "\0%d" % occurrence
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def _issue(finding: Finding, fingerprint: str) -> dict:
    begin = max(finding.line, 1)
    return {"description": "%s %s" % (finding.code, finding.message),
            "check_name": finding.code,
            "fingerprint": fingerprint,
            "severity": SEVERITIES[finding.severity],
            "location": {"path": finding.path,
                         "lines": {"begin": begin, "end": max(finding.end_line, begin)}}}
