"""The linter on scripts that real OpenSIPS accepts: every valid conformance
case, the examples, and a full residential proxy config. None may get an
error; the full config may get nothing at all. Also keeps docs/rules.md, the
generated rule reference, in step with the rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cfgscript.catalog import load_catalog
from cfgscript.lint import codes
from cfgscript.lint.command import all_rules_markdown
from cfgscript.lint.finding import ERROR
from cfgscript.lint.runner import lint_file

ROOT = Path(__file__).resolve().parent.parent
CONFORMANCE = ROOT / "tests" / "conformance"
FULL_CONFIG = ROOT / "tests" / "data" / "lint" / "residential.cfg"
CATALOG = load_catalog()


def _accepted_by_opensips(case: Path) -> bool:
    expected = json.loads(case.with_suffix(".json").read_text())
    return expected.get("check", {}).get("verdict", "ok") == "ok"


VALID = ([case for case in sorted(CONFORMANCE.glob("*/*.cfg")) if _accepted_by_opensips(case)]
         + sorted((ROOT / "examples").glob("*.cfg")) + [FULL_CONFIG])


def _findings(path: Path):
    return lint_file(str(path), CATALOG, codes.RULES).findings


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_error_on_a_script_opensips_accepts(path: Path) -> None:
    errors = [f for f in _findings(path) if f.severity == ERROR]
    assert errors == []


def test_full_config_lints_clean() -> None:
    assert _findings(FULL_CONFIG) == []


def test_full_config_loads_many_modules() -> None:
    loaded = [line for line in FULL_CONFIG.read_text().splitlines()
              if line.startswith("loadmodule")]
    assert len(loaded) >= 20


def test_rules_reference_is_up_to_date() -> None:
    written = (ROOT / "docs" / "rules.md").read_text()
    assert written == all_rules_markdown(), (
        "docs/rules.md is out of date; regenerate it with: "
        "python -m cfgscript rule --all > docs/rules.md")
