"""The pre-commit hook (.pre-commit-hooks.yaml) as pre-commit itself runs it:
`pre-commit try-repo` installs this checkout into its own environment and lints
the example scripts, then a script with a finding."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.mark.slow
def test_try_repo_runs_the_hook_on_the_examples(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "examples", project / "conf")
    _git(project, "init", "-q")
    _git(project, "add", ".")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "cfgscript-lint",
               "--all-files"]
    clean = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True,
                           timeout=420)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "cfgscript lint" in clean.stdout and "Passed" in clean.stdout

    (project / "conf" / "bad.cfg").write_text('startup_route {\n    raise_event("E_ALONE");\n}\n')
    _git(project, "add", ".")
    failing = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True,
                             timeout=420)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "conf/bad.cfg:2:17: V202" in failing.stdout
