"""`cfgscript lint` as a user runs it: files and directories, includes, standard
input, configuration discovery, rule selection, noqa, fixes, the cache, exit
status; and the start-up verdict of every check conformance case through lint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cfgscript.catalog import load_catalog
from cfgscript.lint import codes
from cfgscript.lint.runner import lint_text

CONFORMANCE = Path(__file__).parent / "conformance"
CLEAN = 'loadmodule "event_datagram.so"\nevent_route[E_X] { exit; }\n' \
        'startup_route { raise_event("E_X"); }\n'
UNHEARD = 'startup_route {\n    raise_event("E_ALONE");\n}\n'          # V202 at 2:17


def lint(*args: str, cwd: Path, stdin: str | None = None, timeout: float = 60):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "cfgscript", "lint", *args], cwd=cwd,
                          input=stdin, capture_output=True, text=True, timeout=timeout, env=env)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def codes_in(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines() if line.count(":") >= 3]


# ---------------------------------------------------------------- the start-up verdict

def _check_cases():
    for case in sorted(CONFORMANCE.glob("*/*.json")):
        expected = json.loads(case.read_text()).get("check")
        if expected:
            yield pytest.param(case.with_suffix(".cfg"), expected, id=case.stem)


@pytest.mark.parametrize("script, expected", list(_check_cases()))
def test_check_conformance_verdicts_through_lint(script: Path, expected: dict) -> None:
    result = lint_text(script.read_text(), str(script), load_catalog(), codes.RULES)
    errors = [f for f in result.findings if f.severity == "error"]
    if expected["verdict"] == "ok":
        assert errors == [], errors
    else:
        assert errors, "expected an error at line %s" % expected.get("line")
        if expected.get("line"):
            assert expected["line"] in {f.line for f in errors}, errors


# ---------------------------------------------------------------- output and exit status

def test_default_output_and_summary(tmp_path: Path) -> None:
    write(tmp_path / "a.cfg", UNHEARD)
    result = lint("--no-cache", "a.cfg", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("a.cfg:2:17: V202 nothing receives E_ALONE")
    assert result.stderr.strip() == "Found 1 warning."


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    write(tmp_path / "a.cfg", CLEAN)
    result = lint("--no-cache", "a.cfg", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr.strip()) == (0, "",
                                                                          "All checks passed!")


def test_fail_on_and_exit_zero(tmp_path: Path) -> None:
    write(tmp_path / "a.cfg", UNHEARD)
    assert lint("--no-cache", "--fail-on", "error", "a.cfg", cwd=tmp_path).returncode == 0
    assert lint("--no-cache", "--exit-zero", "a.cfg", cwd=tmp_path).returncode == 0


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    for args in (["missing.cfg"], ["--select", "Q999", "."], ["--per-file-ignores", "x", "."]):
        result = lint("--no-cache", *args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr


def test_json_output_is_the_documented_shape(tmp_path: Path) -> None:
    write(tmp_path / "a.cfg", UNHEARD)
    data = json.loads(lint("--no-cache", "--output-format", "json", "a.cfg",
                           cwd=tmp_path).stdout)
    assert data == [{"path": "a.cfg", "line": 2, "column": 17, "end_line": 2, "end_column": 26,
                     "code": "V202", "name": "raise-unheard", "severity": "warning",
                     "message": data[0]["message"]}]


def test_statistics(tmp_path: Path) -> None:
    write(tmp_path / "a.cfg", UNHEARD)
    write(tmp_path / "b.cfg", UNHEARD)
    result = lint("--no-cache", "--statistics", ".", cwd=tmp_path)
    assert result.stdout.split() == ["2", "V202", "raise-unheard"]


# ---------------------------------------------------------------- files

def test_directory_lints_every_cfg_and_skips_what_is_included(tmp_path: Path) -> None:
    write(tmp_path / "main.cfg", 'include_file "part.cfg"\nstartup_route { route(r); }\n')
    write(tmp_path / "part.cfg", 'route[r] {\n    raise_event("E_ALONE");\n}\n')
    write(tmp_path / "notes.txt", "not a script")
    result = lint("--no-cache", ".", cwd=tmp_path)
    # part.cfg alone would be a fragment; it is reported once, as part of main.cfg
    assert result.stdout.splitlines() == [
        "part.cfg:2:17: V202 nothing receives E_ALONE: no event_route, no subscribe_event() "
        "and no MI module to subscribe through"]


def test_many_files_in_a_stable_order(tmp_path: Path) -> None:
    for i in range(24):
        write(tmp_path / ("f%02d.cfg" % i), UNHEARD)
    result = lint("--no-cache", ".", cwd=tmp_path)
    paths = [line.split(":")[0] for line in result.stdout.splitlines()]
    assert paths == ["./f%02d.cfg" % i for i in range(24)]


def test_stdin_with_a_filename(tmp_path: Path) -> None:
    write(tmp_path / "conf" / "cfgscript.toml", '[lint]\nignore = ["V202"]\n')
    result = lint("--stdin-filename", "conf/x.cfg", "-", cwd=tmp_path, stdin=UNHEARD)
    assert (result.returncode, result.stdout) == (0, "")
    result = lint("--stdin-filename", "other/x.cfg", "-", cwd=tmp_path, stdin=UNHEARD)
    assert result.stdout.startswith("other/x.cfg:2:17: V202")


def test_exclude_from_configuration(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.cfgscript.lint]\nexclude = ["vendor"]\n')
    write(tmp_path / "vendor" / "a.cfg", UNHEARD)
    write(tmp_path / "b.cfg", UNHEARD)
    assert [p.split(":")[0] for p in lint("--no-cache", ".", cwd=tmp_path).stdout.splitlines()] \
        == ["./b.cfg"]


# ---------------------------------------------------------------- configuration and selection

def test_nearest_configuration_wins_and_the_command_line_over_it(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.cfgscript.lint]\nignore = ["V202"]\n')
    write(tmp_path / "sub" / "cfgscript.toml", '[lint]\nselect = ["V2"]\n')
    write(tmp_path / "top.cfg", UNHEARD)
    write(tmp_path / "sub" / "low.cfg", UNHEARD)
    assert lint("--no-cache", "top.cfg", cwd=tmp_path).stdout == ""
    assert codes_in(lint("--no-cache", "sub/low.cfg", cwd=tmp_path).stdout) == ["V202"]
    assert codes_in(lint("--no-cache", "--select", "V202", "top.cfg", cwd=tmp_path).stdout) \
        == ["V202"]


def test_bad_configuration_is_one_line(tmp_path: Path) -> None:
    write(tmp_path / "cfgscript.toml", '[lint]\nselekt = ["V2"]\n')
    write(tmp_path / "a.cfg", CLEAN)
    result = lint("a.cfg", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown lint setting selekt" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("select, ignore, expected", [
    ("V", None, {"V202", "V212"}), ("V2", "V21", {"V202"}), ("raise-unheard", None, {"V202"}),
    ("ALL", "V", {"E130"}), ("V202,E130", None, {"V202", "E130"}),
])
def test_select_and_ignore(select, ignore, expected) -> None:
    text = ('loadmodule "event_datagram.so"\nstartup_route {\n    raise_event("E_ALONE");\n'
            '    subscribe_event("E_S", "udp:127.0.0.1:9", 5);\n    nosuch();\n}\n')
    rules = codes.select(select.split(","), ignore.split(",") if ignore else [])
    found = {f.code for f in lint_text(text, "a.cfg", load_catalog(), rules).findings}
    assert found == expected


def test_per_file_ignores(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml",
          '[tool.cfgscript.lint.per-file-ignores]\n"legacy/*" = ["V202"]\n')
    write(tmp_path / "legacy" / "a.cfg", UNHEARD)
    write(tmp_path / "b.cfg", UNHEARD)
    lines = lint("--no-cache", ".", cwd=tmp_path).stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["./b.cfg"]
    lines = lint("--no-cache", "--per-file-ignores", "b.cfg:V2", ".", cwd=tmp_path).stdout
    assert lines == ""


# ---------------------------------------------------------------- suppressions

def test_noqa_forms() -> None:
    text = ('startup_route {\n'
            '    raise_event("E_A");  # noqa: V202\n'
            '    raise_event("E_B");  # noqa\n'
            '    raise_event("E_C");  # noqa: E130\n'
            '    raise_event("E_D");  # noqa: X999\n'
            '    exit;  # noqa\n'
            '}\n')
    found = [(f.line, f.code) for f in lint_text(text, "a.cfg", load_catalog(),
                                                 codes.RULES).findings]
    assert found == [(4, "V202"), (4, "S501"), (5, "V202"), (5, "S502"), (6, "S501")]


def test_file_level_noqa() -> None:
    text = "# cfgscript: noqa\n" + UNHEARD
    assert lint_text(text, "a.cfg", load_catalog(), codes.RULES).findings == []


def test_fix_removes_unused_noqa_and_fixing_twice_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "a.cfg", 'startup_route {\n    exit;  # noqa: V202\n}\n')
    diff = lint("--diff", "a.cfg", cwd=tmp_path)
    assert "-    exit;  # noqa: V202\n+    exit;\n" in diff.stdout
    assert path.read_text().count("noqa") == 1           # --diff changes nothing
    assert lint("--fix", "a.cfg", cwd=tmp_path).returncode == 0
    fixed = path.read_text()
    assert fixed == 'startup_route {\n    exit;\n}\n'
    lint("--fix", "a.cfg", cwd=tmp_path)
    assert path.read_text() == fixed


# ---------------------------------------------------------------- cache

def test_cache_gives_the_same_findings_and_notices_changed_includes(tmp_path: Path) -> None:
    write(tmp_path / "main.cfg", 'include_file "part.cfg"\nstartup_route { route(r); }\n')
    part = write(tmp_path / "part.cfg", 'route[r] {\n    raise_event("E_ALONE");\n}\n')
    cold = lint("main.cfg", cwd=tmp_path)
    assert (tmp_path / ".cfgscript_cache" / "CACHEDIR.TAG").exists()
    warm = lint("main.cfg", cwd=tmp_path)
    assert warm.stdout == cold.stdout and "V202" in warm.stdout
    part.write_text('route[r] {\n    exit;\n}\n')
    assert lint("main.cfg", cwd=tmp_path).stdout == ""


def test_cache_keeps_fixes_and_lines_and_a_hit_loads_no_parser(tmp_path: Path) -> None:
    write(tmp_path / "a.cfg", "log_stderror = yes\nstartup_route { exit; }\n")
    for output_format in ("json", "full"):
        cold = lint("--no-cache", "--output-format", output_format, "a.cfg", cwd=tmp_path)
        lint("--output-format", output_format, "a.cfg", cwd=tmp_path)          # fills it
        warm = lint("--output-format", output_format, "a.cfg", cwd=tmp_path)
        assert warm.stdout == cold.stdout and warm.stderr == cold.stderr
    warm_json = lint("--output-format", "json", "a.cfg", cwd=tmp_path).stdout
    assert json.loads(warm_json)[0]["fix"]["edits"]         # a fix survives the cache
    probe = ("import sys\nfrom cfgscript.cli import main\nmain(['lint', 'a.cfg'])\n"
             "print(sorted(m for m in ('cfgscript.syntax.parser', 'cfgscript.check',\n"
             "                         'cfgscript.lint.rules.traps') if m in sys.modules))\n")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert loaded.stdout.splitlines()[-1] == "[]"


def test_rule_command(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "cfgscript", "rule", "V202"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("# raise-unheard (V202)")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert heading in result.stdout
    unknown = subprocess.run([sys.executable, "-m", "cfgscript", "rule", "Q1"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2
