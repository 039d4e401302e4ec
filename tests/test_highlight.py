"""The Pygments lexer for opensips.cfg: every valid script lexes without an error
token, the parts of the language get their token classes, and the installed
distribution registers the lexer for pygmentize."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from pygments.lexers import IniLexer
from pygments.token import Error, Token

from cfgscript.highlight import OpensipsLexer

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted([*(ROOT / "tests" / "conformance").rglob("*.cfg"),
                  *(ROOT / "examples").glob("*.cfg")])


def refused_by_the_parser(script: Path) -> bool:
    """A conformance case marked as a script OpenSIPS refuses to parse."""
    case = script.with_suffix(".json")
    if not case.exists():
        return False
    check = json.loads(case.read_text()).get("check") or {}
    return check.get("verdict") == "error" and check.get("stage") == "parse"


def tokens(text: str) -> list[tuple[object, str]]:
    return [(kind, value) for kind, value in OpensipsLexer().get_tokens(text)
            if value.strip()]


def error_tokens(text: str) -> list[tuple[int, str]]:
    return [(offset, value) for offset, kind, value
            in OpensipsLexer().get_tokens_unprocessed(text) if kind is Error]


VALID_SCRIPTS = [script for script in SCRIPTS if not refused_by_the_parser(script)]


@pytest.mark.parametrize("script", VALID_SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_valid_script_has_no_error_token(script: Path) -> None:
    text = script.read_text(encoding="utf-8", errors="surrogateescape")
    assert error_tokens(text) == []


def test_the_scripts_are_found() -> None:
    assert len(SCRIPTS) > 100
    assert len(VALID_SCRIPTS) > 80


SNIPPET = r"""#!define NOT_A_DIRECTIVE
/* outer /* nested */ still comment */
log_level=3
socket=udp:127.0.0.1:5060
loadmodule "event_datagram.so"
modparam("event_datagram", "x", 5)
include_file "other.cfg"
timer_route[tick, 2] {
    $(avp(x)[1]{s.substr,0,2}) = 0x1F;
    if ($var(a) =~ "^a" and !$T_branch_idx) route(notify, $param(x));
    xlog("L_INFO", "len=$(var(a){s.len}) \n $$");
}
event_route[E_HEARTBEAT, async] { raise_event("E_X"); }
"""


def test_the_parts_of_the_language_get_their_token_classes() -> None:
    found = tokens(SNIPPET)
    expected = [
        (Token.Comment.Preproc, "#!define NOT_A_DIRECTIVE"),
        (Token.Comment.Multiline, "/*"), (Token.Comment.Multiline, " nested "),
        (Token.Comment.Multiline, " still comment "),
        (Token.Name.Attribute, "log_level"), (Token.Name.Attribute, "socket"),
        (Token.Literal.Number, "127.0.0.1"),
        (Token.Keyword.Namespace, "loadmodule"), (Token.Keyword.Namespace, "modparam"),
        (Token.Keyword.Namespace, "include_file"),
        (Token.Keyword.Declaration, "timer_route"), (Token.Name.Function, "tick"),
        (Token.Name.Variable, "$"), (Token.Name.Variable, "avp"), (Token.Name.Variable, "x"),
        (Token.Literal.Number.Integer, "1"), (Token.Name.Function, "s.substr"),
        (Token.Literal.Number.Hex, "0x1F"),
        (Token.Keyword, "if"), (Token.Name.Variable, "$var"), (Token.Operator, "=~"),
        (Token.Operator.Word, "and"), (Token.Name.Variable, "$T_branch_idx"),
        (Token.Keyword, "route"), (Token.Name.Function, "notify"),
        (Token.Name.Variable, "$param"),
        (Token.Name.Builtin, "xlog"),
        (Token.Literal.String.Interpol, "$(var(a){s.len})"),
        (Token.Literal.String.Escape, r"\n"), (Token.Literal.String.Escape, "$$"),
        (Token.Keyword.Declaration, "event_route"), (Token.Name.Constant, "E_HEARTBEAT"),
        (Token.Keyword, "async"),
        (Token.Name.Function, "raise_event"), (Token.Literal.String.Symbol, '"E_X"'),
    ]
    missing = [pair for pair in expected if pair not in found]
    assert missing == []
    assert error_tokens(SNIPPET) == []


def test_a_name_without_parentheses_keeps_what_opensips_gives_it() -> None:
    assert tokens("$rc#x; $x:=1;")[:3] == [
        (Token.Name.Variable, "$rc#x"), (Token.Punctuation, ";"), (Token.Name.Variable, "$x")]


def test_what_opensips_refuses_is_shown_as_an_error() -> None:
    assert error_tokens("route { $var(a) = 1; // not a comment\n }") == [
        (21, "// not a comment")]
    assert error_tokens("route { $ = 1; }") == [(8, "$")]


QUICKSTART = ROOT / "examples" / "quickstart.cfg"
INI_TEXT = "[metadata]\nname = x\n"


def test_an_opensips_script_is_told_from_an_ini_file() -> None:
    script = QUICKSTART.read_text()
    assert OpensipsLexer.analyse_text(script) > IniLexer.analyse_text(script)
    assert OpensipsLexer.analyse_text(INI_TEXT) < IniLexer.analyse_text(INI_TEXT)


def run_installed(tmp_path: Path, *command: str) -> subprocess.CompletedProcess:
    """Run a command of this interpreter's environment as an installed copy sees it:
    away from this tree (whose egg-info a current directory would add) and without
    PYTHONPATH."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)


INSTALLED_ORIGIN = """
import json
from importlib import metadata
print(json.loads(metadata.distribution("cfgscript").read_text("direct_url.json") or "{}")
      .get("url", ""))
"""


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """A directory to run installed commands in; skips unless the installed cfgscript
    distribution was installed from this tree (entry points live in its metadata),
    except under CI, which installs this tree and must run these tests."""
    origin = run_installed(tmp_path, sys.executable, "-c", INSTALLED_ORIGIN).stdout.strip()
    url = urlparse(origin)
    from_here = url.scheme == "file" and Path(unquote(url.path)).resolve() == ROOT
    if not from_here and os.environ.get("CI") != "true":
        pytest.skip("the installed cfgscript is not this tree: its entry points are not these")
    return tmp_path


LOOKUPS = """
from importlib import metadata
from pygments.lexers import get_lexer_by_name, guess_lexer_for_filename
print([ep.value for ep in metadata.entry_points(group="pygments.lexers") if ep.name == "opensips"])
print(*(type(get_lexer_by_name(alias)).__name__ for alias in ("opensips", "opensips.cfg")))
print(guess_lexer_for_filename("events.cfg", open(%r).read()).name,
      guess_lexer_for_filename("setup.cfg", %r).name)
""" % (str(QUICKSTART), INI_TEXT)


def test_the_lexer_is_registered_under_the_pygments_entry_point(installed: Path) -> None:
    result = run_installed(installed, sys.executable, "-c", LOOKUPS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "['cfgscript.highlight:OpensipsLexer']", "OpensipsLexer OpensipsLexer", "OpenSIPS INI"]


def test_pygmentize_highlights_a_script(installed: Path) -> None:
    pygmentize = Path(sys.executable).with_name("pygmentize")
    result = run_installed(installed, str(pygmentize), "-l", "opensips", "-f", "raw",
                           str(QUICKSTART))
    assert result.returncode == 0, result.stderr
    assert "Token.Keyword.Declaration\t'timer_route'" in result.stdout
    assert "Token.Name.Variable\t'$shv'" in result.stdout
    assert "Token.Error" not in result.stdout
