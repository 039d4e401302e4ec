"""The linter on scripts that real OpenSIPS accepts: every valid conformance
case, the examples, and a full residential proxy config. None may get an
error; the full config may get nothing at all. Also keeps docs/rules.md, the
generated rule reference, in step with the rules, and tests tools/corpus.py,
which reports the clean rate on a directory of real-world configs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cfgscript.catalog import load_catalog
from cfgscript.lint import codes
from cfgscript.lint.command import all_rules_markdown
from cfgscript.lint.finding import ERROR
from cfgscript.lint.runner import lint_file
from tools import corpus, corpus_differential
from tools.corpus_opensips import COPY_SUFFIX, binary_release, pointed_at

ROOT = Path(__file__).resolve().parent.parent
CONFORMANCE = ROOT / "tests" / "conformance"
FULL_CONFIG = ROOT / "tests" / "data" / "lint" / "residential.cfg"
CATALOG = load_catalog()
# a real OpenSIPS build (PREFIX/sbin/opensips), as for the conformance cases
OPENSIPS_BIN = os.environ.get("OPENSIPS_BIN", "")
OPENSIPS_PREFIX = os.path.dirname(os.path.dirname(OPENSIPS_BIN))


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


# ---- tools/corpus.py: the clean rate on a directory of configs ----------------

INDEX_HEADER = "repo\tpath\tcommit\topensips_version_guess\tis_fragment\ttemplated\n"
OLD_LOGGING = ('log_stderror = yes\nsocket = udp:127.0.0.1:5060\nloadmodule "proto_udp.so"\n'
               'route { exit; }\n')
FOR_4_1 = 'stderror_enabled = yes\nsocket = udp:127.0.0.1:5060\nloadmodule "proto_udp.so"\n' \
          'route { exit; }\n'


def _corpus(tmp_path: Path, files: dict[str, tuple[str, str]]) -> tuple[Path, Path]:
    """A corpus directory with one repository and its index: name -> (release guess, text)."""
    root = tmp_path / "corpus"
    repo = root / "someone__configs"
    repo.mkdir(parents=True)
    rows = [INDEX_HEADER]
    for name, (guess, text) in files.items():
        (repo / name).write_text(text)
        rows.append("someone/configs\t%s\t0\t%s\t0\t0\n" % (name, guess))
    index = tmp_path / "index.tsv"
    index.write_text("".join(rows))
    return root, index


def _summary(capsys, *argv: str) -> dict[str, str]:
    assert corpus.main(list(argv) + ["--jobs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    return {line[:28].strip(): line[28:] for line in lines if "files" in line and "clean" in line}


def test_own_release_is_the_declared_one_else_the_newest_3x_with_every_module() -> None:
    assert corpus.own_release("# written for OpenSIPS 3.5\n", "3.x") == "3.5"
    assert corpus.own_release("# OpenSIPS v3.2.x\n", "3.x") == "3.4"     # no older catalog
    assert corpus.own_release('loadmodule "avpops.so"\n', "3.x") == "3.4"  # gone in 3.5
    assert corpus.own_release('loadmodule "tm.so"\n', "3.x") == "3.6"
    assert corpus.own_release('loadmodule "tm.so"\n', "unknown") == "4.1"


def test_a_3x_config_is_clean_under_its_own_release_and_not_under_4_1(tmp_path, capsys) -> None:
    root, index = _corpus(tmp_path, {"old.cfg": ("3.x", OLD_LOGGING),
                                     "new.cfg": ("unknown", FOR_4_1)})
    latest = _summary(capsys, str(root), "--index", str(index), "--command", "lint")
    own = _summary(capsys, str(root), "--index", str(index), "--command", "lint",
                   "--target-version", "own")
    assert "clean    0   0.0%" in latest["3.x whole"]
    assert "clean    1 100.0%" in own["3.x whole"]
    assert "clean    1 100.0%" in own["unknown whole"]


def test_opensips_copy_points_at_the_build_and_keeps_line_numbers() -> None:
    text = ('mpath = "/usr/lib/opensips/modules/"\nloadmodule "/usr/lib/x/tm.so"\n'
            'loadmodule "sl.so"\n')
    copy = pointed_at(text, "/build/modules")
    assert copy.splitlines() == ['mpath = "/build/modules"', 'loadmodule "tm.so"',
                                 'loadmodule "sl.so"']
    assert pointed_at("route { exit; }\n", "/m") == 'mpath="/m" route { exit; }\n'


@pytest.mark.skipif(not os.path.isfile(OPENSIPS_BIN),
                    reason="needs a real OpenSIPS build: OPENSIPS_BIN=PREFIX/sbin/opensips")
def test_opensips_verdicts_sit_beside_the_clean_rate(tmp_path, capsys) -> None:
    root, index = _corpus(tmp_path, {"old.cfg": ("3.x", OLD_LOGGING),
                                     "new.cfg": ("unknown", FOR_4_1)})
    release = binary_release(OPENSIPS_BIN)
    assert corpus.main([str(root), "--index", str(index), "--command", "lint", "--jobs", "1",
                        "--target-version", release, "--opensips", OPENSIPS_PREFIX]) == 0
    out = capsys.readouterr().out
    # log_stderror is gone in 4.0; stderror_enabled is there since 3.5
    expected = "accepted 1, refused 1" if release >= "4.0" else "accepted 2"
    assert "opensips -C: %s\n" % expected in out
    assert out.rstrip().endswith("false errors (files opensips accepts):")    # none listed
    assert not list(root.rglob("*" + COPY_SUFFIX))


@pytest.mark.skipif(not os.path.isfile(OPENSIPS_BIN),
                    reason="needs a real OpenSIPS build: OPENSIPS_BIN=PREFIX/sbin/opensips")
def test_no_global_value_opensips_accepts_is_refused(capsys) -> None:
    assert corpus_differential.main([OPENSIPS_PREFIX, "--kind", "globals", "--jobs", "2"]) == 0
    differences = capsys.readouterr().out.splitlines()
    assert [d for d in differences if "opensips=ok" in d] == []
