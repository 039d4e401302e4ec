"""Every bad command-line argument of every subcommand: exit status 2 and one
clear line on stderr, never a traceback, never a run that does not end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CFGSCRIPT = [sys.executable, "-m", "cfgscript"]
SCRIPT = "startup_route { exit; }\n"

BAD = [
    # run: numbers finite and in range
    ["run", "--duration", "nan", "-"],
    ["run", "--duration", "inf", "-"],
    ["run", "--duration", "1e308", "-"],
    ["run", "--duration", "-1", "-"],
    ["run", "--duration", "soon", "-"],
    ["run", "--flush-timeout", "nan", "-"],
    ["run", "--flush-timeout", "inf", "-"],
    ["run", "--flush-timeout", "-0.5", "-"],
    ["run", "--queue-size", "0", "-"],
    ["run", "--queue-size", "1e3", "-"],
    ["run", "--queue-size", "1000000000", "-"],
    # run: MI addresses, paths, the script
    ["run", "--mi", "unix:{dir}", "-"],
    ["run", "--mi", "fifo:{dir}", "-"],
    ["run", "--mi", "unix:{file}", "-"],
    ["run", "--mi", "fifo:{file}", "-"],
    ["run", "--mi", "unix:{dir}/no/such/dir/mi.sock", "-"],
    ["run", "--mi", "udp:127.0.0.1:99999", "-"],
    ["run", "--mi", "udp:127.0.0.1", "-"],
    ["run", "--mi", "http:127.0.0.1:port", "-"],
    ["run", "--mi", "tcp:127.0.0.1:1", "-"],
    ["run", "--mi", "udp:192.0.2.1:9", "-"],           # not an address of this host
    ["run", "-o", "novalue", "-"],
    ["run", "-o", "=value", "-"],
    ["run", "--log-format", "json", "-"],
    ["run", "{dir}"],
    ["run", "{dir}/missing.cfg"],
    ["run"],
    ["run", "--once", "--bogus", "-"],
    # no command, an unknown one
    [],
    ["frobnicate"],
    # check
    ["check"],
    ["check", "{dir}/missing.cfg"],
    ["check", "{dir}"],
    # mi
    ["mi", "--timeout", "nan", "which"],
    ["mi", "--timeout", "inf", "which"],
    ["mi", "--timeout", "0", "which"],
    ["mi", "--timeout", "-1", "which"],
    ["mi", "--mi", "http://[::1", "which"],
    ["mi", "--mi", "http://127.0.0.1:99999/mi", "which"],
    ["mi", "--mi", "udp:127.0.0.1", "which"],
    ["mi", "--mi", "carrier-pigeon:home", "which"],
    ["mi", "--mi", "fifo:{dir}", "which"],
    ["mi"],
    # listen
    ["listen", "--timeout", "nan", "udp:127.0.0.1:0"],
    ["listen", "--timeout", "inf", "udp:127.0.0.1:0"],
    ["listen", "--timeout", "0", "udp:127.0.0.1:0"],
    ["listen", "--count", "0", "udp:127.0.0.1:0"],
    ["listen", "--count", "many", "udp:127.0.0.1:0"],
    ["listen", "--expire", "0", "udp:127.0.0.1:0"],
    ["listen", "--expire", "2147483648", "udp:127.0.0.1:0"],
    ["listen", "--format", "xml", "udp:127.0.0.1:0"],
    ["listen", "udp:127.0.0.1:99999"],
    ["listen", "udp:192.0.2.1:9"],
    ["listen", "unix:{dir}"],
    ["listen", "unix:{file}"],
    ["listen", "tcp:127.0.0.1"],
    ["listen", "rabbitmq:127.0.0.1"],
    ["listen", "rabbitmq:bob:s3cret@127.0.0.1:x/q"],
    ["listen", "flatstore:/tmp/x"],
    ["listen", "udp:127.0.0.1:0", "--mi", "udp:127.0.0.1:1"],
    ["listen"],
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) or "(nothing)" for a in BAD])
def test_bad_argument_is_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    argv = [a.format(dir=tmp_path, file=precious) for a in args]
    result = subprocess.run([*CFGSCRIPT, *argv], input=SCRIPT, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2, (argv, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    assert "error: " in result.stderr and "internal error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert "s3cret" not in result.stderr
    assert precious.read_text() == "keep me\n"          # never replaced or removed
