"""The fused closures give the results of the general ones, and load keeps
only the code that can run."""

from __future__ import annotations

import pytest
from scripting import load_engine, log_lines, values

from cfgscript.engine import Engine
from cfgscript.runtime.settings import RunOptions
from cfgscript.syntax.parser import parse_text


@pytest.mark.parametrize("setup, expr, expected", [
    ("$var(a) = 2147483647;", "$var(a) + 1", "-2147483648 rc=1"),
    ("$var(a) = -2147483648;", "$var(a) - 1", "2147483647 rc=1"),
    ("$var(a) = -7;", "$var(a) % 3", "-1 rc=1"),               # the sign of the dividend
    ("$var(a) = 7;", "$var(a) % 3", "1 rc=1"),
    ("$var(a) = -6;", "$var(a) % 3", "0 rc=1"),
    ("$var(a) = -7;", "$var(a) % 5000", "-7 rc=1"),           # past the kept remainders
    ("$var(a) = 7;", "$var(a) % -3", "1 rc=1"),
    ('$var(a) = "7";', "$var(a) + 1", "old rc=-1"),           # a string on the left
    ('$var(a) = "7";', "$var(a) % 3", "old rc=-1"),
    ("", "$var(unset) + 1", "old rc=-1"),                     # NULL left: string mode
    ("$var(a) = 5;", '"n" + $var(a)', "n5 rc=1"),
    ('$var(a) = "x";', '$var(a) + "y"', "xy rc=1"),
    ("$var(a) = 5;", '$var(a) + "y"', "old rc=-1"),
    ("", '"n" + 5', "old rc=-1"),                             # an int literal has no text
])
def test_fused_arithmetic_matches_the_language(setup: str, expr: str, expected: str) -> None:
    body = '%s $var(r) = "old"; $var(r) = %s; xlog("@ $var(r) rc=$rc\\n");' % (setup, expr)
    assert values(body) == [expected]


def test_a_variable_updated_from_itself() -> None:
    body = '$var(i) = 5; $var(i) = $var(i) - 7; xlog("@ $var(i) $(var(i){s.len})\\n");'
    assert values(body) == ["-2 2"]


@pytest.mark.parametrize("setup, expected", [
    ("$var(i) = 0;", ["1", "2", "3", "rc=1"]),
    ('$var(i) = "0";', ["rc=1"]),                  # a string is no number: an error ends it
    ("", ["rc=1"]),                                 # NULL < 3 is false
])
def test_while_against_a_number(setup: str, expected: list[str]) -> None:
    body = ('%s while ($var(i) < 3) { $var(i) = $var(i) + 1; xlog("@ $var(i)\\n"); } '
            'xlog("@ rc=$rc\\n");' % setup)
    assert values(body) == expected


@pytest.mark.parametrize("setup, expected", [
    ("$var(v) = 0;", "then rc=1"),
    ("$var(v) = 1;", "else rc=1"),
    ('$var(v) = "0";', "else rc=1"),              # string against a number: an error
    ("", "else rc=1"),                             # NULL is not equal to 0
])
def test_if_against_a_number(setup: str, expected: str) -> None:
    body = ('%s if ($var(v) == 0) { $var(w) = "then"; } else { $var(w) = "else"; } '
            'xlog("@ $var(w) rc=$rc\\n");' % setup)
    assert values(body) == [expected]


def test_stop_breaks_a_fused_loop() -> None:
    engine = load_engine('max_while_loops=2000000000\nstartup_route { $var(i) = 0; '
                         'while ($var(i) < 1000000000) { $var(i) = $var(i) + 1; } }')
    engine.stopping = True
    with pytest.raises(Exception, match="while loop"):
        engine.run_startup()


ROUTES = """
route[used] { xlog("@ used\\n"); }
route[unused] { $var(x) = $var(x) + 1; xlog("@ unused $var(x)\\n"); }
startup_route { $var(x) = 0; route(used); }
"""


def test_a_route_nothing_calls_keeps_no_code_until_it_runs() -> None:
    engine = load_engine(ROUTES)
    unused = engine.routes["unused"]
    assert unused.body.__name__ == "compile_and_run"
    engine.run_startup()
    engine.run_top(unused)
    engine.run_top(unused)
    assert unused.body.__name__ != "compile_and_run"
    assert [line for line in log_lines(engine) if "@ " in line] == [
        "NOTICE:@ used", "NOTICE:@ unused 1", "NOTICE:@ unused 2"]


def test_a_computed_route_name_keeps_every_route() -> None:
    engine = load_engine(ROUTES.replace("route(used);", '$var(r) = "unused"; route($var(r));'))
    assert engine.routes["unused"].body.__name__ != "compile_and_run"
    engine.run_startup()
    assert "NOTICE:@ unused 1" in log_lines(engine)


def test_errors_of_a_route_nothing_calls_are_still_found() -> None:
    script = ROUTES.replace("$var(x) + 1", "$nosuchvar + 1")
    engine = Engine(parse_text(script, "test.cfg").script, RunOptions(plain_log=True))
    problems = engine.load()
    assert [p.line for p in problems] == [3]
