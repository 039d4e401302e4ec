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
    ["run", "--once", "--mi", "udp:\udcff:9999", "/dev/null"],
    ["run", "--once", "--mi", "http:\udcff:9999", "/dev/null"],
], ids=["mi-udp", "mi-http"])
def test_a_host_that_cannot_be_encoded_is_a_usage_error(fuzz_targets, argv) -> None:
    assert _one_error_line(fuzz_targets, argv).endswith(b"encoding of hostname failed")


def _one_error_line(fuzz_targets, argv: list[str]) -> bytes:
    """The one line `cfgscript ARGV` prints on stderr as it exits 2."""
    assert fuzz_cli(argv) is None
    ran = subprocess.run([sys.executable, "-m", "cfgscript", *map(os.fsencode, argv)],
                         capture_output=True, timeout=60)
    assert ran.returncode == 2, ran
    (line,) = ran.stderr.splitlines()
    assert line.startswith(b"cfgscript: error: "), line
    return line


# found by the fuzzer: an MI address whose host or path is not valid text (or
# is not Latin-1, for the HTTP Host header) ended in "internal error:
# UnicodeEncodeError" or "InvalidURL"; a control character split the error
# line in two
@pytest.mark.parametrize("address, reason", [
    ("http:\udcff:9", b"http:\\udcff:9: not a valid host name"),
    ("http://\udcff:9/mi", b"not a valid host name"),
    ("udp:\udcff:9", b"udp:\\udcff:9: not a valid host name"),
    ("udp:a..b:9", b"not a valid host name"),
    ("http:a\nb:9", b"http:a\\x0ab:9: the host holds a space or a control character"),
    ("http:127.0.0.1:9/\udcff", b"the path is not valid text"),
    ("http://[::1:9/mi", b"an unclosed [ around an IPv6 address"),
    ("unix:/nowhere/a\nb", b"unix:/nowhere/a\\x0ab: cannot send"),
], ids=["http-surrogate", "http-url-surrogate", "udp-surrogate", "empty-label",
        "http-newline", "http-path-surrogate", "unclosed-bracket", "unix-newline"])
def test_a_bad_mi_address_is_one_clear_line(fuzz_targets, address, reason) -> None:
    argv = ["mi", "--mi", address, "--timeout", "0.1", "which"]
    assert reason in _one_error_line(fuzz_targets, argv)


@pytest.mark.parametrize("address, url", [
    ("http:\u20ac.invalid:9", "http://xn--lzg.invalid:9/mi"),
    ("http://127.0.0.1:9/a b", "http://127.0.0.1:9/a%20b"),
    ("https://[::1]:8443/json?x", "https://[::1]:8443/json?x"),
])
def test_an_mi_url_is_sent_as_ascii(address, url) -> None:
    from cfgscript.client.mi_client import parse_mi_address

    assert parse_mi_address(address).url == url


@pytest.mark.parametrize("socket", [
    "udp:\udcff:9", "tcp:\udcff:9", "udp:127.0.0.1:0\n", "unix:/tmp/a\x1bb",
], ids=["udp-surrogate", "tcp-surrogate", "udp-newline", "unix-escape"])
def test_a_listener_socket_that_cannot_be_shown_is_one_clear_line(fuzz_targets, socket) -> None:
    line = _one_error_line(fuzz_targets, ["listen", socket, "--timeout", "0.1"])
    assert line.endswith(b"a socket cannot hold control characters or bytes that are not UTF-8")


def test_a_password_in_a_listener_socket_with_a_control_character_stays_hidden(
        fuzz_targets) -> None:
    line = _one_error_line(fuzz_targets, ["listen", "rabbitmq:u:pa\nss@h/q", "--timeout", "0.1"])
    assert b"pa" not in line and b"ss" not in line and b"u:***@h/q" in line
