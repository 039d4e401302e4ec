"""`junit`: JUnit XML, which CI servers show as test results. One testsuite per
linted file; each finding is a failed testcase, and a file without findings gets
one passing testcase so that it shows up at all. Findings in an included file
belong to the suite of the file that was linted."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...diagnostics import printable
from ..finding import Finding
from .base import Report, linted_file
from .concise import line as concise_line

CLEAN_CASE = "no findings"


def render(report: Report) -> str:
    suites = _by_file(report)
    root = ET.Element("testsuites", name="cfgscript lint",
                      tests=str(sum(max(len(found), 1) for found in suites.values())),
                      failures=str(len(report.findings)), errors="0")
    for path, found in suites.items():
        root.append(_suite(path, found))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _by_file(report: Report) -> dict[str, list[Finding]]:
    suites: dict[str, list[Finding]] = {path: [] for path in report.paths}
    for finding in report.findings:
        suites.setdefault(linted_file(finding), []).append(finding)
    return suites


def _suite(path: str, found: list[Finding]) -> ET.Element:
    # text goes through printable(): XML 1.0 cannot carry most control characters at all
    suite = ET.Element("testsuite", name=printable(path), tests=str(max(len(found), 1)),
                       failures=str(len(found)), errors="0", skipped="0")
    if not found:
        ET.SubElement(suite, "testcase", name=CLEAN_CASE, classname=printable(path))
    for finding in found:
        case = ET.SubElement(suite, "testcase", classname=printable(path),
                             name="%s %s at %s:%d:%d" % (finding.code, finding.name,
                                                         printable(finding.path),
                                                         finding.line, finding.column))
        failure = ET.SubElement(case, "failure", type=finding.code,
                                message=printable(finding.message))
        failure.text = concise_line(finding)
    return suite
