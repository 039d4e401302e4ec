"""The language server's incremental analysis gives what a full `cfgscript lint`
gives, after every one of many random edits (syntax errors included)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from cfgscript.catalog import load_catalog
from cfgscript.lint import codes
from cfgscript.lint.runner import lint_text

pytest.importorskip("lsprotocol")
from cfgscript.lsp.analysis import DocumentLinter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "perf"))
from gen_config import Shape, generate  # noqa: E402


def _edits(text: str, rng: random.Random) -> str:
    """A random small edit: a line removed, duplicated, changed, or a brace dropped."""
    lines = text.split("\n")
    at_line = rng.randrange(len(lines))
    choice = rng.randrange(5)
    if choice == 0:
        del lines[at_line]
    elif choice == 1:
        lines.insert(at_line, lines[at_line])
    elif choice == 2:
        lines[at_line] += ' $var(extra) = "%d";' % rng.randrange(9)
    elif choice == 3:
        lines[at_line] = lines[at_line].replace("}", "", 1)
    else:
        lines.insert(at_line, 'route[r%d] {\n    exit;\n}' % rng.randrange(3))
    return "\n".join(lines)


@pytest.mark.slow
def test_incremental_findings_equal_a_full_lint(tmp_path: Path):
    text = generate(Shape(subscriptions=10, routes=12, ifs_per_route=3, event_routes=8,
                          stmts_per_event_route=2))
    path = str(tmp_path / "random.cfg")
    catalog = load_catalog()
    linter = DocumentLinter(path, catalog, codes.RULES)
    rng = random.Random(4)
    for _ in range(150):
        text = _edits(text, rng)
        assert linter.analyse(text).result.findings == \
            lint_text(text, path, catalog, codes.RULES, jobs=1).findings
