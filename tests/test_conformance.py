"""The conformance cases recorded from real OpenSIPS 4.1, run against cfgscript.

Each case is run by the suite's own harness (tests/conformance/run_case.py), as
documented in tests/conformance/README.md: it starts the real listeners the
case names (UDP, unix, TCP, XML-RPC, files, RabbitMQ), runs
`cfgscript run --once --log-format plain CASE.cfg` and compares the marker log
lines, the bytes the listeners received and the MI answers. Each case runs in a
directory, on ports and with RabbitMQ queues of its own, so two runs of the
suite at once do not collide.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "conformance"
RUNNER = HERE / "run_case.py"
CASES = sorted(HERE.glob("*/*.cfg"))
COMMAND = "%s -m cfgscript run --once --log-format plain {cfg}" % sys.executable


@pytest.mark.parametrize("case", CASES, ids=lambda p: "%s/%s" % (p.parent.name, p.stem))
def test_case(case: Path) -> None:
    result = subprocess.run([sys.executable, str(RUNNER), "--target", "cmd", "--cmd", COMMAND,
                             "--cap", "30", str(case)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
