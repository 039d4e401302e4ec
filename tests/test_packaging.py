"""`pip install .` (not editable) into a fresh virtualenv gives a working cfgscript:
the grammar and the module catalog ship inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "tests" / "conformance" / "lang" / "arith_precedence.cfg"


def run(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    env = dict(os.environ, CFGSCRIPT_CACHE_DIR=str(tmp_path / "cache"),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    wheels = tmp_path / "wheels"
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(ROOT),
                cwd=tmp_path, env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next(wheels.glob("cfgscript-*.whl"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    installed = run(str(python), "-m", "pip", "install", str(wheel), cwd=tmp_path, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    where = run(str(python), "-c", "import cfgscript.syntax.tables as t; print(t.grammar_path())",
                cwd=tmp_path, env=env)
    assert "site-packages" in where.stdout, where.stdout + where.stderr

    cfgscript = venv / "bin" / "cfgscript"
    checked = run(str(cfgscript), "check", str(CASE), cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stderr
    ran = run(str(cfgscript), "run", "--once", "--log-format", "plain", str(CASE),
              cwd=tmp_path, env=env)
    assert ran.returncode == 0, ran.stderr
    assert "NOTICE:@ 2+3*4=20" in ran.stderr
