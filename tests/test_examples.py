"""Every script in examples/ passes `check` and runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.cfg"))


def cfgscript(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cfgscript", *args], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_checks_and_runs(example: Path) -> None:
    assert cfgscript("check", str(example)).returncode == 0
    run = cfgscript("run", "--once", "--flush-timeout", "0.5", "--log-format", "plain",
                    str(example))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr


def test_quickstart_heartbeat_reaches_its_event_route() -> None:
    run = cfgscript("run", "--duration", "2.5", "--log-format", "plain",
                    str(next(p for p in EXAMPLES if p.name == "quickstart.cfg")))
    assert run.returncode == 0
    assert "NOTICE:heartbeat #1 from quickstart (params: quickstart, 1)" in run.stderr.splitlines()
