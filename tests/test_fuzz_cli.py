"""Fuzzed command lines through cfgscript.cli.main, in-process: options and
positionals of every subcommand from the argument parser itself, with valid
and bad values (tests/support/cli_fuzz.py). Every run ends with status 0, 1
or 2; exit 2 comes with a clear error line, and nothing prints a traceback or
an internal error. The 100,000-input run is tests/perf/fuzz_targets.py
--target cli."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support.fuzz_targets import fuzz_cli, fuzz_examples, sandboxed_targets

fuzz_targets = pytest.fixture(scope="module")(sandboxed_targets)


def test_fuzzed_command_lines(fuzz_targets) -> None:
    fuzz_examples(fuzz_targets["cli"], 2000)


# found by the fuzzer: a NUL character in a path ended in
# "internal error: ValueError: embedded null byte"
@pytest.mark.parametrize("argv", [
    ["check", "a\0b"],
    ["run", "--once", "a\0b"],
    ["run", "--once", "--mi", "unix:/tmp/a\0b", "/dev/null"],
    ["listen", "unix:a\0b", "--timeout", "0.1"],
    ["mi", "--mi", "fifo:a\0b", "--timeout", "0.1", "which"],
    ["mi", "--reply-dir", "a\0b", "--timeout", "0.1", "which"],
], ids=["check", "run", "run-mi", "listen", "mi-fifo", "mi-reply-dir"])
def test_a_nul_character_in_an_argument_is_a_usage_error(fuzz_targets, argv, capsys) -> None:
    assert fuzz_cli(argv) is None
    from cfgscript import cli

    assert cli.main(argv) == 2
    assert capsys.readouterr().err == "cfgscript: error: an argument holds a NUL character\n"


def test_a_nul_character_in_the_configured_mi_address(tmp_path, monkeypatch, capsys) -> None:
    from cfgscript import cli

    (tmp_path / "pyproject.toml").write_text('[tool.cfgscript]\nmi = "fifo:/tmp/a\\u0000b"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CFGSCRIPT_MI", raising=False)
    assert cli.main(["mi", "--timeout", "0.1", "which"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a path cannot hold a NUL character" in err, err


# found by atheris: a host that is not valid UTF-8 on the command line (or in
# the httpd ip modparam) ended in "internal error: TypeError: encoding of
# hostname failed"
@pytest.mark.parametrize("argv", [
    ["listen", "udp:\udcff:9", "--timeout", "0.1"],
    ["listen", "tcp:\udcff:9", "--timeout", "0.1"],
    ["run", "--once", "--mi", "udp:\udcff:9999", "/dev/null"],
    ["run", "--once", "--mi", "http:\udcff:9999", "/dev/null"],
], ids=["listen-udp", "listen-tcp", "mi-udp", "mi-http"])
def test_a_host_that_cannot_be_encoded_is_a_usage_error(fuzz_targets, argv) -> None:
    assert fuzz_cli(argv) is None
    ran = subprocess.run([sys.executable, "-m", "cfgscript", *map(os.fsencode, argv)],
                         capture_output=True, timeout=60)
    assert ran.returncode == 2
    (line,) = ran.stderr.splitlines()
    assert line.startswith(b"cfgscript: error: ") and b"encoding of hostname failed" in line
