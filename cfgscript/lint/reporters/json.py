"""`json`: a list of `Finding.as_json()` objects, as documented in docs/lint-json.md."""

from __future__ import annotations

import json

from .base import Report


def render(report: Report) -> str:
    return json.dumps([f.as_json() for f in report.findings], indent=2) + "\n"
