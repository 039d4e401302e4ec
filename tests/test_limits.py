"""Front-end limits: deep nesting and long operator chains are parsed, checked,
compiled and run up to the parser's depth limit, and refused past it with a
positioned error; memory stays within a small multiple of the input."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from cfgscript.check import check_source
from cfgscript.diagnostics import render
from cfgscript.syntax.parser import MAX_DEPTH
from cfgscript.syntax.source import load_text

TIMEOUT = 60


def nested_blocks(levels: int) -> str:
    return ("startup_route {\n" + "if (1) {\n" * levels + 'xlog("L_NOTICE", "deep\\n");\n'
            + "}\n" * levels + "}\n")


def long_sum(terms: int) -> str:
    return ("startup_route {\n$var(a) = " + " + ".join(["1"] * terms)
            + ';\nxlog("L_NOTICE", "sum $var(a)\\n");\n}\n')


def long_condition(terms: int) -> str:
    return ("startup_route {\n$var(a) = 0; if (" + " || ".join(["$var(a) == 1"] * (terms - 1))
            + ' || $var(a) == 0) xlog("L_NOTICE", "or\\n");\n}\n')


def else_if_chain(arms: int) -> str:
    arms_text = "".join('if ($var(a) == %d) { exit; } else ' % (i + 1) for i in range(arms))
    return "startup_route {\n" + arms_text + '{ xlog("L_NOTICE", "last\\n"); }\n}\n'


def cfgscript(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cfgscript", *args], capture_output=True,
                          text=True, timeout=TIMEOUT)


@pytest.mark.parametrize("text, printed", [
    (nested_blocks(10_000), "deep"),
    (long_sum(10_000), "sum 10000"),
    (long_condition(10_000), "or"),
    (else_if_chain(10_000), "last"),
], ids=["nested-blocks", "sum", "condition", "else-if"])
def test_ten_thousand_levels_check_and_run(tmp_path: Path, text: str, printed: str) -> None:
    script = tmp_path / "deep.cfg"
    script.write_text(text)
    checked = cfgscript("check", str(script))
    assert (checked.returncode, checked.stderr) == (0, "")
    ran = cfgscript("run", "--once", "--log-format", "plain", str(script))
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.splitlines() == ["NOTICE:%s" % printed]


@pytest.mark.parametrize("text, where", [
    (nested_blocks(MAX_DEPTH), "}"),                # the blocks are closed from the inside
    (long_sum(MAX_DEPTH * 2), "+"),
], ids=["nested-blocks", "sum"])
def test_past_the_depth_limit_a_positioned_error(tmp_path: Path, text: str, where: str) -> None:
    script = tmp_path / "too-deep.cfg"
    script.write_text(text)
    lines = text.split("\n")
    for command in (("check",), ("run", "--once")):
        result = cfgscript(*command, str(script))
        assert result.returncode == 1
        headline = result.stderr.splitlines()[0]
        path, line, col, message = headline.split(":", 3)
        assert (path, message) == (str(script), " error: the script nests too deeply here: "
                                   "blocks, parentheses and operators more than %d levels deep"
                                   % MAX_DEPTH)
        assert lines[int(line) - 1][int(col) - 1] == where


MEGABYTE = 1024 * 1024


@pytest.mark.parametrize("text", [
    "startup_route {\n$var(%s) = 1;\n}\n" % ("a" * MEGABYTE),               # name in parentheses
    "startup_route {\n$var(a) = $a%s;\n}\n" % ("b:" * (MEGABYTE // 2)),      # name without
    "startup_route {\n/* %s */\nexit;\n}\n" % ("c" * MEGABYTE),              # block comment
    "startup_route {\nexit;\n}\n%s\n" % ("\xa0" * MEGABYTE),                 # passed over
    "startup_route {\n%s();\n}\n" % ("d" * MEGABYTE),                        # unknown function
], ids=["variable-name", "variable-tail", "comment", "passed-over", "identifier"])
def test_memory_stays_within_a_small_multiple_of_the_input(text: str) -> None:
    source = load_text(text, "big.cfg")
    tracemalloc.start()
    try:
        diagnostics = check_source(source, jobs=1)
        shown = [render(d, source.line_text) for d in diagnostics]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert all(len(line) < 3 * len(text) for line in shown)
    assert peak < 8 * len(text), "%.1f MB for %.1f MB of text" % (peak / 1e6, len(text) / 1e6)
