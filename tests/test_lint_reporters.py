"""Lint reporters: golden (snapshot) output of every format for one fixed set of
findings (every severity, a fix, an included file, a file without findings, a
message quoting control characters), plus format-specific checks: SARIF against
the SARIF 2.1.0 JSON schema (tests/data), GitLab's required keys, JUnit parsed
as XML, GitHub's escaping, the summary line and the colour decision.

Golden files live in tests/snapshots/lint/. After an intended change of output,
regenerate them with CFGSCRIPT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_lint_reporters.py
and review the diff."""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from cfgscript.lint.finding import ERROR, INFO, WARNING, Edit, Finding, Fix, RuleInfo
from cfgscript.lint.reporters import FORMATS, render, summary, use_color
from cfgscript.lint.reporters.github import escape_data, escape_property

DATA = Path(__file__).resolve().parent / "data"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "lint"
UPDATE = os.environ.get("CFGSCRIPT_UPDATE_SNAPSHOTS") == "1"

SOURCES = {
    "main.cfg": ['loadmodule "event_route.so"', 'modparam("x", "old_name", 1)',
                 "route {", "    $var(a) = 10 + 3 * 2;", "}"],
    "inc.cfg": ['event_route[E_MY_EVNT] {', '    xlog("L_ERR", "\x1b[31mred\x07");', "}"],
    "clean.cfg": ["route { exit; }"],
}
RULES = {
    "L301": RuleInfo("L301", "renamed-modparam", WARNING, "A modparam renamed in 4.x.",
                     "Renamed in 4.x.\n\n**Bad:** `old_name`\n\n**Good:** `new_name`"),
    "T201": RuleInfo("T201", "mixed-arithmetic", WARNING, "Arithmetic without parentheses.",
                     "All of `+ - * / %` share one precedence level.\n\n`10 + 3 * 2` is 26."),
    "V101": RuleInfo("V101", "unpublished-event", ERROR, "An event nothing publishes.",
                     "The route never runs."),
}
FINDINGS = [
    Finding("main.cfg", 4, 15, 4, 25, "T201", "mixed-arithmetic", WARNING,
            "+ and * share one precedence level: this is (10 + 3) * 2; add parentheses"),
    Finding("main.cfg", 2, 15, 2, 25, "L301", "renamed-modparam", WARNING,
            "modparam old_name was renamed to new_name",
            fix=Fix("Rename to new_name", (Edit(2, 15, 2, 25, "new_name"),))),
    Finding("inc.cfg", 1, 13, 1, 22, "V101", "unpublished-event", ERROR,
            "no module publishes E_MY_EVNT; did you mean E_MY_EVENT?",
            included_from=(("main.cfg", 1),)),
    Finding("inc.cfg", 2, 19, 2, 35, "X001", "quoted-text", INFO,
            'the text "\x1b[31mred\x07" holds control characters, a % sign: and, commas',
            included_from=(("main.cfg", 1),)),
    Finding("main.cfg", 0, 1, 0, 1, "X002", "whole-file", INFO, "about the whole file"),
]
PATHS = ["main.cfg", "clean.cfg"]
EXTENSIONS = {"concise": "txt", "full": "txt", "json": "json", "github": "txt",
              "gitlab": "json", "sarif": "sarif", "junit": "xml"}


def line_text(path: str, line: int):
    lines = SOURCES.get(path, [])
    return lines[line - 1] if 1 <= line <= len(lines) else None


def output(fmt: str, color: bool = False) -> str:
    return render(fmt, FINDINGS, paths=PATHS, rules=RULES, line_text=line_text, color=color)


def check_snapshot(name: str, text: str) -> None:
    golden = SNAPSHOTS / name
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), "no golden file %s: run with CFGSCRIPT_UPDATE_SNAPSHOTS=1" % golden
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_snapshot(fmt: str) -> None:
    check_snapshot("%s.%s" % (fmt, EXTENSIONS[fmt]), output(fmt))


@pytest.mark.parametrize("fmt", ["concise", "full"])
def test_snapshot_in_colour(fmt: str) -> None:
    check_snapshot("%s-color.txt" % fmt, output(fmt, color=True))


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_raw_control_character_reaches_the_output(fmt: str) -> None:
    assert not any(ch in output(fmt) for ch in "\x1b\x07\x00")


def test_colour_only_when_asked() -> None:
    assert "\x1b[" not in output("concise") + output("full")
    assert "\x1b[" in output("concise", color=True)


def test_order_is_stable_whatever_the_input_order() -> None:
    shuffled = list(reversed(FINDINGS))
    assert render("concise", shuffled, paths=PATHS, rules=RULES) == output("concise")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="one of: concise"):
        render("xml", FINDINGS, rules=RULES)


def test_json_is_the_documented_finding_form() -> None:
    data = json.loads(output("json"))
    assert data == [f.as_json() for f in sorted(FINDINGS, key=lambda f: f.sort_key)]
    documented = (Path(__file__).resolve().parent.parent / "docs" / "lint-json.md").read_text()
    (fixed,) = [item for item in data if "fix" in item]
    keys = {key for item in data for key in item} | set(fixed["fix"]) | set(
        fixed["fix"]["edits"][0])
    assert all("`%s`" % key in documented for key in keys)


def test_sarif_validates_against_the_schema() -> None:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    log = json.loads(output("sarif"))
    jsonschema.validate(log, schema)
    driver = log["runs"][0]["tool"]["driver"]
    results = log["runs"][0]["results"]
    assert all(driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    assert [r["level"] for r in results][:2] == ["error", "note"]
    (fixed,) = [r for r in results if "fixes" in r]
    assert fixed["ruleId"] == "L301"


def test_sarif_without_findings_validates_too() -> None:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(render("sarif", [], paths=PATHS, rules=RULES)), schema)


def test_gitlab_issues_have_the_required_keys() -> None:
    issues = json.loads(output("gitlab"))
    assert len(issues) == len(FINDINGS)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


def test_gitlab_fingerprint_ignores_the_line_number() -> None:
    moved = [Finding(f.path, f.line + 3 if f.line else 0, f.column, f.end_line, f.end_column,
                     f.code, f.name, f.severity, f.message, f.fix, f.included_from)
             for f in FINDINGS]
    shifted = {p: [""] * 3 + lines for p, lines in SOURCES.items()}

    def lookup(path: str, line: int):
        lines = shifted.get(path, [])
        return lines[line - 1] if 1 <= line <= len(lines) else None

    again = json.loads(render("gitlab", moved, paths=PATHS, rules=RULES, line_text=lookup))
    assert [i["fingerprint"] for i in again] == [i["fingerprint"]
                                                 for i in json.loads(output("gitlab"))]


def test_gitlab_equal_findings_on_equal_lines_get_distinct_fingerprints() -> None:
    twice = [FINDINGS[0], FINDINGS[0]]
    issues = json.loads(render("gitlab", twice, paths=PATHS, rules=RULES, line_text=line_text))
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]


def test_junit_is_xml_with_a_suite_per_linted_file() -> None:
    root = ET.fromstring(output("junit"))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["main.cfg", "clean.cfg"]
    assert suites["main.cfg"].get("failures") == str(len(FINDINGS))
    assert len(suites["main.cfg"].findall("testcase/failure")) == len(FINDINGS)
    (clean,) = suites["clean.cfg"].findall("testcase")
    assert clean.find("failure") is None
    assert root.get("tests") == str(len(FINDINGS) + 1)


@pytest.mark.parametrize(("text", "data", "prop"), [
    ("plain", "plain", "plain"),
    ("100%", "100%25", "100%25"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
    ("%0A", "%250A", "%250A"),
])
def test_github_escaping(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


def test_github_command_for_a_path_with_a_comma() -> None:
    finding = Finding("a,b:c.cfg", 1, 2, 1, 3, "T201", "mixed-arithmetic", WARNING, "m\nn")
    assert render("github", [finding], rules=RULES) == (
        "::warning file=a%2Cb%3Ac.cfg,line=1,col=2,endLine=1,endColumn=3,"
        "title=T201 mixed-arithmetic::m\\x0an\n")


@pytest.mark.parametrize(("findings", "expected"), [
    ([], "All checks passed!"),
    (FINDINGS[:1], "Found 1 warning."),
    (FINDINGS, "Found 1 error, 2 warnings, 2 info (1 fixable)."),
    (FINDINGS[2:3] * 3 + FINDINGS[:2], "Found 3 errors, 2 warnings (1 fixable)."),
])
def test_summary(findings, expected: str) -> None:
    assert summary(findings) == expected


class Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("choice", "tty", "environ", "expected"), [
    ("always", False, {"NO_COLOR": "1"}, True),
    ("never", True, {}, False),
    ("auto", True, {}, True),
    ("auto", False, {}, False),
    ("auto", True, {"NO_COLOR": "1"}, False),
    ("auto", True, {"NO_COLOR": ""}, True),
    ("auto", True, {"TERM": "dumb"}, False),
])
def test_use_color(choice: str, tty: bool, environ: dict, expected: bool) -> None:
    assert use_color(choice, Stream(tty), environ) is expected


def test_use_color_on_a_closed_stream_or_a_bad_choice() -> None:
    closed = io.StringIO()
    closed.close()
    assert use_color("auto", closed, {}) is False
    with pytest.raises(ValueError):
        use_color("sometimes", Stream(True), {})
