"""Every line some conformance cases log from the modules they exercise,
errors and warnings included (the conformance runner compares only the "@ "
lines), against what OpenSIPS 4.1 logged for the same case
(tests/data/module_logs/CASE.txt)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
LOGS = HERE / "data" / "module_logs"
KEPT = re.compile(r"@|ERROR|WARNING:(mathops|cfgutils|cachedb_local|rest_client|"
                  r"core:(_tmrec|ic_parse|cachedb|w_cache))")


@pytest.mark.parametrize("case", sorted(path.stem for path in LOGS.glob("*.txt")))
def test_every_line_is_what_opensips_logged(case: str) -> None:
    script = HERE / "conformance" / "lang" / (case + ".cfg")
    result = subprocess.run([sys.executable, "-m", "cfgscript", "run", "--once", "--log-format",
                             "plain", str(script)], capture_output=True, text=True, timeout=60)
    lines = [line for line in result.stderr.splitlines() if KEPT.search(line)]
    assert lines == (LOGS / (case + ".txt")).read_text().splitlines()
