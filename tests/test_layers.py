"""The package's layering (pyproject.toml [tool.importlinter]) holds: each layer
imports only downward, the faces are independent of each other, and nothing
imports in a cycle. A wrong import planted in a copy of the tree is caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    env = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run([command, "--no-cache"], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=120)


def planted_copy(tmp_path: Path, file: str, line: str) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "cfgscript", tree / "cfgscript",
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    target = tree / "cfgscript" / file
    target.write_text(target.read_text() + "\n" + line + "\n")
    return tree


def test_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path: Path) -> None:
    tree = planted_copy(tmp_path, "runtime/values.py", "from ..engine import Engine  # noqa")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "cfgscript.runtime is not allowed to import cfgscript.engine" in result.stdout
    assert "cfgscript.runtime.values -> cfgscript.engine" in result.stdout


def test_a_cycle_is_found(tmp_path: Path) -> None:
    tree = planted_copy(tmp_path, "runtime/context.py", "from . import compiler  # noqa")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "No import cycles" in result.stdout and "BROKEN" in result.stdout
