"""The exec module: off unless `--allow-exec` is given (a clear warning at start
and an error per call, -1), and with it, what OpenSIPS 4.1 printed for the same
script (tests/data/exec/exec.cfg): the whole output in one value, standard input,
standard error, OSIPS_EXEC_n from an AVP, no wait without outputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parent / "data" / "exec" / "exec.cfg"
OPENSIPS_SAID = [
    "NOTICE:@ rc=1 avp0=[610a620a] avp1=[<null>] avp2=[<null>]",
    "NOTICE:@ rc=1 var=[780a790a]",
    "NOTICE:@ stdin rc=1 c=[fed in]",
    "NOTICE:@ exit3 rc=1 out=[6f75740a] err=[6572720a]",
    "NOTICE:@ env rc=1 e=[612d620a]",
    "NOTICE:@ no output rc=1",
    "NOTICE:@ noeol rc=1 n=[noeol]",
    "NOTICE:@ silent rc=1 z=[<null>]",
]


def run(*options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cfgscript", "run", "--once", "--log-format",
                           "plain", *options, str(SCRIPT)], capture_output=True, text=True,
                          timeout=60)


def test_exec_runs_commands_as_opensips_does_when_allowed() -> None:
    result = run("--allow-exec")
    assert [line for line in result.stderr.splitlines() if "@" in line] == OPENSIPS_SAID
    assert "disabled" not in result.stderr


def test_exec_is_off_by_default() -> None:
    result = run()
    lines = result.stderr.splitlines()
    assert lines[0] == ("WARNING:exec:mod_init: exec() is disabled: cfgscript runs shell "
                        "commands from a script only with --allow-exec")
    assert "NOTICE:@ rc=-1 avp0=[<null>] avp1=[<null>] avp2=[<null>]" in lines
    assert sum("ERROR:exec:w_exec" in line for line in lines) == 8
