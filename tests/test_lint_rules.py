"""Every lint rule on a small script that triggers it (at the right place) and on
the same script written as meant; every rule's own documented examples; the
trap rules' harder cases; and the safe fixes: applying them twice changes
nothing more, and the fixed script runs exactly as the original did."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cfgscript.catalog import load_catalog
from cfgscript.lint import codes
from cfgscript.lint.finding import ERROR, Finding
from cfgscript.lint.fix import apply_fixes, fixable
from cfgscript.lint.runner import lint_text

CATALOG = load_catalog()
PATH = "/tmp/cfgscript-lint-rules/script.cfg"


def lint(text: str, path: str = PATH) -> list[Finding]:
    """Lint for 4.1, or for what a first line "# --target-version R [--upgrade-to U]"
    names (the examples of the release rules say so)."""
    words = text.split("\n", 1)[0].split()
    release = words[words.index("--target-version") + 1] if "--target-version" in words else None
    upgrade = words[words.index("--upgrade-to") + 1] if "--upgrade-to" in words else None
    catalog = load_catalog(release) if release else CATALOG
    return lint_text(text, path, catalog, codes.RULES, None,
                     load_catalog(upgrade) if upgrade else None).findings


def codes_in(text: str) -> list[str]:
    return [f.code for f in lint(text)]


@dataclass(frozen=True)
class Case:
    code: str
    bad: str
    line: int
    column: int
    good: str


def _many_routes(count: int) -> str:
    return "".join("route[r%d] { exit; }\n" % i for i in range(count)) + "startup_route { exit; }\n"


CASES = [
    Case("E100", 'startup_route {\n    $var(x) = 1\n}\n', 3, 1,
         'startup_route {\n    $var(x) = 1;\n}\n'),
    Case("E101", 'startup_route { exit; }\nlog_lvl = 3\n', 2, 1,
         'startup_route { exit; }\nlog_level = 3\n'),
    Case("E102", '# --target-version 3.5\nstartup_route {\n    assert($var(a) == 1);\n}\n', 3, 5,
         '# --target-version 3.5\nstartup_route {\n    assert($var(a) == 1, "a");\n}\n'),
    Case("E110", 'loadmodule "event_udp.so"\n', 1, 1, 'loadmodule "event_datagram.so"\n'),
    Case("E152", 'startup_route {\n    $var(s) = "x";\n    if ($var(s) =~ "a(b") exit;\n}\n', 3, 20,
         'startup_route {\n    $var(s) = "x";\n    if ($var(s) =~ "a\\\\(b") exit;\n}\n'),
    Case("E111", 'loadmodule "event_datagram.so"\nmodparam("event_datagram", "no_such", 5)\n',
         2, 1, 'loadmodule "event_datagram.so"\n'),
    Case("E120", 'route[r] { exit; }\nroute[r] { exit; }\nstartup_route { route(r); }\n', 2, 1,
         'route[r] { exit; }\nstartup_route { route(r); }\n'),
    Case("E121", _many_routes(100), 100, 1, _many_routes(99)),
    Case("E122", 'startup_route { exit; }\ntimer_route[t, 0] { exit; }\n', 2, 1,
         'startup_route { exit; }\ntimer_route[t, 1] { exit; }\n'),
    Case("E123", 'startup_route {\n    route(missing);\n}\n', 2, 5,
         'route[present] { exit; }\nstartup_route {\n    route(present);\n}\n'),
    Case("E130", 'startup_route {\n    no_such_function();\n}\n', 2, 5,
         'startup_route {\n    exit;\n}\n'),
    Case("E131", 'loadmodule "sl.so"\nstartup_route {\n    sl_send_reply(200, "OK");\n}\n', 3, 5,
         'loadmodule "sl.so"\nroute {\n    sl_send_reply(200, "OK");\n}\n'),
    Case("E132", 'loadmodule "event_datagram.so"\nstartup_route {\n'
         '    subscribe_event("E_X", "udp:127.0.0.1:9", "soon");\n}\n', 3, 47,
         'loadmodule "event_datagram.so"\nstartup_route {\n'
         '    subscribe_event("E_X", "udp:127.0.0.1:9");\n}\n'),
    Case("E140", 'startup_route {\n    xlog("$nosuchvar(x)\\n");\n}\n', 2, 10,
         'startup_route {\n    xlog("$Ts\\n");\n}\n'),
    Case("E141", 'startup_route {\n    $var(s) = "ab";\n    xlog("$(var(s){s.nope})\\n");\n}\n',
         3, 10, 'startup_route {\n    $var(s) = "ab";\n    xlog("$(var(s){s.len})\\n");\n}\n'),
    Case("E150", 'startup_route {\n    raise_event("E_%s");\n}\n' % ("A" * 70), 2, 17,
         'event_route[E_A] { exit; }\nstartup_route {\n    raise_event("E_A");\n}\n'),
    Case("E151", 'startup_route {\n    xlog("L_X", "hi\\n");\n}\n', 2, 10,
         'startup_route {\n    xlog("L_NOTICE", "hi\\n");\n}\n'),
    Case("V201", 'loadmodule "event_datagram.so"\nevent_route[E_PING_SENT] { exit; }\n'
         'startup_route { raise_event("E_PING_SEND"); }\n', 2, 1,
         'loadmodule "event_datagram.so"\nevent_route[E_PING_SENT] { exit; }\n'
         'startup_route { raise_event("E_PING_SENT"); }\n'),
    Case("V202", 'startup_route {\n    raise_event("E_LONELY");\n}\n', 2, 17,
         'event_route[E_LONELY] { exit; }\nstartup_route {\n    raise_event("E_LONELY");\n}\n'),
    Case("V203", 'event_route[E_GATEWAY_DOWN] { exit; }\nstartup_route {\n'
         '    raise_event("E_GATEWAY_DONW");\n}\n', 3, 17,
         'event_route[E_GATEWAY_DOWN] { exit; }\nstartup_route {\n'
         '    raise_event("E_GATEWAY_DOWN");\n}\n'),
    Case("V210", 'loadmodule "event_datagram.so"\nstartup_route {\n'
         '    subscribe_event("E_X", "udp:127.0.0.1");\n}\n', 3, 28,
         'loadmodule "event_datagram.so"\nstartup_route {\n'
         '    subscribe_event("E_X", "udp:127.0.0.1:9");\n}\n'),
    Case("V211", 'startup_route {\n    subscribe_event("E_X", "udp:127.0.0.1:9");\n}\n', 2, 28,
         'loadmodule "event_datagram.so"\nstartup_route {\n'
         '    subscribe_event("E_X", "udp:127.0.0.1:9");\n}\n'),
    Case("V212", 'loadmodule "event_datagram.so"\nstartup_route {\n'
         '    subscribe_event("E_X", "udp:127.0.0.1:9", 60);\n}\n', 3, 21,
         'loadmodule "event_datagram.so"\nstartup_route {\n'
         '    subscribe_event("E_X", "udp:127.0.0.1:9");\n}\n'),
    Case("V213", 'event_route[E_X] { exit; }\nstartup_route {\n'
         '    subscribe_event("E_Y", "route:E_X", 30);\n    raise_event("E_Y");\n}\n', 3, 28,
         'event_route[E_X] { exit; }\nstartup_route {\n'
         '    subscribe_event("E_Y", "route:E_X");\n    raise_event("E_Y");\n}\n'),
    Case("V220", 'event_route[E_X] { exit; }\nstartup_route {\n    $avp(v) = 1;\n'
         '    raise_event("E_X", $avp(v));\n}\n', 4, 5,
         'event_route[E_X] { exit; }\nstartup_route {\n    $avp(n) = "a"; $avp(v) = 1;\n'
         '    raise_event("E_X", $avp(n), $avp(v));\n}\n'),
    Case("V221", 'event_route[E_X] { exit; }\nstartup_route {\n    $avp(n) = "a";\n'
         '    $avp(v) = 1; $avp(v) = 2;\n    raise_event("E_X", $avp(n), $avp(v));\n}\n', 5, 5,
         'event_route[E_X] { exit; }\nstartup_route {\n    $avp(n) = "a"; $avp(n) = "b";\n'
         '    $avp(v) = 1; $avp(v) = 2;\n    raise_event("E_X", $avp(n), $avp(v));\n}\n'),
    Case("V222", 'timer_route[t, 5] {\n    xlog("$param(1)\\n");\n}\n', 2, 10,
         'route[show] {\n    xlog("$param(1)\\n");\n}\ntimer_route[t, 5] { route(show, 1); }\n'),
    Case("V223", 'event_route[E_X] {\n    raise_event("E_X");\n}\n'
         'startup_route { raise_event("E_X"); }\n', 2, 5,
         'event_route[E_X] {\n    xlog("once\\n");\n}\nstartup_route { raise_event("E_X"); }\n'),
    Case("V224", 'event_route[E_X] {\n    fetch_event_params("a=$avp(a)");\n}\n'
         'startup_route { raise_event("E_X"); }\n', 2, 5,
         'event_route[E_X] {\n    $avp(a) = $param(a);\n}\n'
         'startup_route { raise_event("E_X"); }\n'),
    Case("T301", 'startup_route {\n    $var(x) = 1 + 2 * 3;\n}\n', 2, 15,
         'startup_route {\n    $var(x) = 1 + (2 * 3);\n}\n'),
    Case("T302", 'startup_route {\n    $var(a) = 1;\n'
         '    if ($var(a) == 1 || $var(a) == 2 && $var(a) == 3) exit;\n}\n', 3, 9,
         'startup_route {\n    $var(a) = 1;\n'
         '    if (($var(a) == 1 || $var(a) == 2) && $var(a) == 3) exit;\n}\n'),
    Case("T303", 'startup_route {\n    $var(n) = "7";\n    if ($var(n) > 5) exit;\n}\n', 3, 9,
         'startup_route {\n    $var(n) = 7;\n    if ($var(n) > 5) exit;\n}\n'),
    Case("T304", 'route[gate] {\n    xlog("in\\n");\n    return(0);\n}\n'
         'startup_route { route(gate); }\n', 3, 5,
         'route[gate] {\n    xlog("in\\n");\n    return(-1);\n}\nstartup_route { route(gate); }\n'),
    Case("T305", 'route[r] { exit; }\nstartup_route {\n    $var(a) = 1;\n'
         '    route(r, 1, "$var(a)");\n}\n', 4, 17,
         'route[r] { exit; }\nstartup_route {\n    $var(a) = 1;\n    route(r, 1, $var(a));\n}\n'),
    Case("T306", 'startup_route {\n    log("hi\\n");\n}\n', 2, 5,
         'startup_route {\n    log(1, "hi\\n");\n}\n'),
    Case("T307", 'startup_route {\n    xlog("L_WARNING", "hi\\n");\n}\n', 2, 10,
         'startup_route {\n    xlog("L_WARN", "hi\\n");\n}\n'),
    Case("T308", 'startup_route {\n    $var(total) = 1;\n    xlog("$var(totl)\\n");\n}\n', 3, 10,
         'startup_route {\n    $var(total) = 1;\n    xlog("$var(total)\\n");\n}\n'),
    Case("T309", 'startup_route {\n    if (1) {\n        exit;\n        xlog("no\\n");\n    }\n}\n',
         4, 9, 'startup_route {\n    if (1) {\n        xlog("yes\\n");\n        exit;\n    }\n}\n'),
    Case("T310", 'startup_route {\n    $var(mode) = 0644;\n}\n', 2, 18,
         'startup_route {\n    $var(mode) = 420;\n}\n'),
    Case("L401", 'startup_route { exit; }\nlisten = udp:127.0.0.1:5060\n', 2, 1,
         'startup_route { exit; }\nsocket = udp:127.0.0.1:5060\n'),
    Case("L402", 'startup_route { exit; }\nloadmodule "mi_xmlrpc_ng.so"\n', 2, 1,
         'startup_route { exit; }\nloadmodule "mi_xmlrpc.so"\n'),
    Case("L403", 'loadmodule "usrloc.so"\nmodparam("usrloc", "db_mode", 2)\n', 2, 1,
         'loadmodule "usrloc.so"\nmodparam("usrloc", "working_mode_preset", '
         '"single-instance-sql-write-back")\n'),
    Case("L404", 'startup_route {\n    remove_branch(1);\n}\n', 2, 5,
         'startup_route {\n    remove_msg_branch(1);\n}\n'),
    Case("L410", '# --target-version 3.6 --upgrade-to 4.1\nlisten = udp:127.0.0.1:5060\n', 2, 1,
         '# --target-version 3.6 --upgrade-to 4.1\nsocket = udp:127.0.0.1:5060\n'),
    Case("S501", 'startup_route {\n    $var(x) = 1;  # noqa: T301\n}\n', 2, 19,
         'startup_route {\n    $var(x) = 1 + 2 * 3;  # noqa: T301\n}\n'),
    Case("S502", 'startup_route {\n    $var(x) = 1;  # noqa: Q123\n}\n', 2, 19,
         'startup_route {\n    $var(x) = 1;\n}\n'),
]


def test_every_rule_has_a_case() -> None:
    assert sorted(case.code for case in CASES) == sorted(rule.code for rule in codes.RULES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.code)
def test_rule_reports_the_bad_script_at_its_place(case: Case) -> None:
    places = [(f.line, f.column) for f in lint(case.bad) if f.code == case.code]
    assert (case.line, case.column) in places, lint(case.bad)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.code)
def test_rule_is_quiet_on_the_good_script(case: Case) -> None:
    assert case.code not in codes_in(case.good)


@pytest.mark.parametrize("rule", codes.RULES, ids=lambda r: r.code)
def test_documented_examples(rule) -> None:
    assert rule.bad and rule.good, "every rule documents a bad and a good example"
    assert rule.code in codes_in(rule.bad)
    good = lint(rule.good)
    assert rule.code not in [f.code for f in good]
    assert [f for f in good if f.severity == ERROR] == []


# ---------------------------------------------------------------- trap rules, harder cases

@pytest.mark.parametrize("text", [
    "$var(x) = (1 + 2) * 3;",
    "$var(x) = 1 * 2 + 3;",
    "$var(x) = 1 + (2 * 3);",
    "$var(x) = 8 / 2 * 3;",
])
def test_mixed_arithmetic_quiet(text: str) -> None:
    assert "T301" not in codes_in("startup_route {\n    %s\n}\n" % text)


def test_mixed_arithmetic_message_shows_both_readings() -> None:
    [finding] = [f for f in lint("startup_route {\n    $var(x) = 10 + 3 * 2;\n}\n")
                 if f.code == "T301"]
    assert "`10 + 3 * 2` is `(10 + 3) * 2`" in finding.message
    assert "`10 + (3 * 2)`" in finding.message


def test_mixed_logic_quiet_when_and_comes_first() -> None:
    text = ('startup_route {\n    $var(a) = 1;\n'
            '    if ($var(a) == 1 && $var(a) == 2 || $var(a) == 3) exit;\n}\n')
    assert "T302" not in codes_in(text)


@pytest.mark.parametrize("condition", ["$ru == 5", "$hdr(X-Count) > 2", "$fU != 100"])
def test_string_sip_variable_compared_to_int(condition: str) -> None:
    assert "T303" in codes_in("route {\n    if (%s) exit;\n}\n" % condition)


@pytest.mark.parametrize("script", [
    # set to a string and to an int: it may hold an int
    'startup_route { $var(n) = "5"; $var(n) = 5; if ($var(n) == 5) exit; }',
    # converted before the comparison
    'startup_route { $var(n) = "5"; if ($(var(n){s.int}) == 5) exit; }',
    # a SIP variable that also carries an int
    'route { if ($rp == 5060) exit; }',
    # compared with a string, not a number
    'startup_route { $var(n) = "5"; if ($var(n) == "5") exit; }',
    # written through a computed name: anything may be in it
    'startup_route { $var(k) = "n"; $var(n) = "5"; $var($var(k)) = 5; if ($var(n) == 5) exit; }',
    # copied from a variable that holds an int
    'startup_route { $var(a) = 5; $var(n) = $var(a); if ($var(n) == 5) exit; }',
])
def test_string_compared_to_int_quiet(script: str) -> None:
    assert "T303" not in codes_in(script + "\n")


def test_string_compared_to_int_follows_copies_and_concatenation() -> None:
    script = ('startup_route {\n    $var(a) = "x";\n    $var(b) = $var(a) + "y";\n'
              '    $var(c) = $var(b);\n    if ($var(c) == 1) exit;\n}\n')
    assert "T303" in codes_in(script)


def test_return_zero_quiet_in_top_level_routes() -> None:
    script = "startup_route {\n    return(0);\n}\nroute {\n    return(0);\n}\n"
    assert "T304" not in codes_in(script)


@pytest.mark.parametrize("argument", ['"price$"', '"a$$b"', '"plain"'])
def test_dollar_in_route_argument_quiet_without_a_variable(argument: str) -> None:
    assert "T305" not in codes_in("route[r] { exit; }\nstartup_route { route(r, %s); }\n"
                                  % argument)


def test_dynamic_route_name_is_not_a_trap() -> None:
    script = ('route[r1] { exit; }\nstartup_route {\n    $var(n) = 1;\n'
              '    route("r$var(n)");\n}\n')
    assert "T305" not in codes_in(script)


@pytest.mark.parametrize("level", ["L_ERR", "L_NOTICE", "$var(level)"])
def test_xlog_level_name_quiet_on_real_names(level: str) -> None:
    script = 'startup_route {\n    $var(level) = "L_INFO";\n    xlog("%s", "hi\\n");\n}\n' % level
    assert "T307" not in codes_in(script)


@pytest.mark.parametrize("script", [
    'loadmodule "cfgutils.so"\nmodparam("cfgutils", "varset", "seed=s:abc")\n'
    'startup_route { xlog("$var(seed)\\n"); }',
    'startup_route { pv_printf($var(out), "x"); xlog("$var(out)\\n"); }',
    'startup_route { $avp(l) = 1; for ($var(it) in $(avp(l)[*])) xlog("$var(it)\\n"); }',
    'loadmodule "sqlops.so"\nmodparam("sqlops", "db_url", "mysql://u:p@localhost/db")\n'
    'startup_route { sql_query("SELECT 1", "$var(one)"); xlog("$var(one)\\n"); }',
    'startup_route { $var(k) = "x"; $var($var(k)) = 1; xlog("$var(x)\\n"); }',
])
def test_undefined_variable_quiet_when_something_writes_it(script: str) -> None:
    assert "T308" not in codes_in(script + "\n")


def test_undefined_variable_reported_once_per_place() -> None:
    script = 'startup_route {\n    xlog("$var(u) $var(u)\\n");\n}\n'
    assert codes_in(script).count("T308") == 1


def test_unreachable_code_ignores_break_after_exit() -> None:
    script = ('startup_route {\n    $var(a) = 1;\n    switch ($var(a)) {\n'
              '        case 1:\n            exit;\n            break;\n    }\n}\n')
    assert "T309" not in codes_in(script)


@pytest.mark.parametrize("number", ["0", "10", "0x10", "-7"])
def test_octal_literal_quiet(number: str) -> None:
    assert "T310" not in codes_in("startup_route {\n    $var(n) = %s;\n}\n" % number)


# ---------------------------------------------------------------- fixes

FIX_SCRIPTS = {
    "T301": 'startup_route {\n    $var(a) = 4;\n    $var(x) = ($var(a)) + 2 * 3;\n'
            '    $var(y) = $var(a) - 1 - 1 * 2 % 5;\n    xlog("x=$var(x) y=$var(y)\\n");\n}\n',
    "T302": 'startup_route {\n    $var(a) = 1;\n'
            '    if ($var(a) == 1 || $var(a) == 2 && $var(a) == 3) xlog("yes\\n");\n'
            '    else xlog("no\\n");\n}\n',
    "T307": 'startup_route {\n    xlog("L_ERROR", "bad\\n");\n'
            '    xlog("L_INFORMATIONAL", "i\\n");\n}\n',
    "T310": 'startup_route {\n    $var(m) = 0644 + -010;\n    xlog("m=$var(m)\\n");\n}\n',
    "S501": 'startup_route {\n    xlog("hi\\n");  # noqa: T301\n}\n',
    # names the target release lacks: OpenSIPS (and cfgscript) refuse the script until fixed
    "L401": 'log_stderror = yes\nlisten = udp:127.0.0.1:47399\nstartup_route {\n'
            '    xlog("up\\n");\n}\n',
    "L402": 'loadmodule "mi_xmlrpc_ng.so"\nstartup_route {\n    xlog("up\\n");\n}\n',
    "L403": 'loadmodule "mi_xmlrpc.so"\nmodparam("mi_xmlrpc_ng", "http_root", "RPC2")\n'
            'startup_route {\n    xlog("up\\n");\n}\n',
    "L404": 'startup_route {\n    remove_branch(1);\n    xlog("up\\n");\n}\n',
    "L410": '# --target-version 3.6 --upgrade-to 4.1\nlisten = udp:127.0.0.1:47398\n'
            'startup_route {\n    xlog("up\\n");\n}\n',
}
REFUSED_UNTIL_FIXED = {"L401", "L402", "L403", "L404", "L410"}


def test_every_fixable_rule_has_a_fix_script() -> None:
    assert sorted(FIX_SCRIPTS) == sorted(rule.code for rule in codes.RULES if rule.fixable)


def _fixed(text: str, path: str) -> str:
    fixed, _ = apply_fixes(text, fixable(lint(text, path), path))
    return fixed


def _run(path: Path) -> tuple[str, str]:
    result = subprocess.run([sys.executable, "-m", "cfgscript", "run", "--once",
                             "--log-format", "plain", str(path)],
                            capture_output=True, text=True, timeout=60)
    return result.stdout, result.stderr.replace(str(path), "SCRIPT")


@pytest.mark.parametrize("code", sorted(FIX_SCRIPTS))
def test_fix_removes_the_finding_and_is_stable(code: str, tmp_path: Path) -> None:
    path = str(tmp_path / "script.cfg")
    text = FIX_SCRIPTS[code]
    assert code in [f.code for f in lint(text, path)]
    once = _fixed(text, path)
    assert once != text
    assert code not in [f.code for f in lint(once, path)]
    assert _fixed(once, path) == once


@pytest.mark.parametrize("code", sorted(FIX_SCRIPTS))
def test_fixed_script_runs_the_same(code: str, tmp_path: Path) -> None:
    before = tmp_path / "before.cfg"
    after = tmp_path / "after.cfg"
    before.write_text(FIX_SCRIPTS[code])
    after.write_text(_fixed(FIX_SCRIPTS[code], str(after)))
    if code in REFUSED_UNTIL_FIXED:
        assert "error" in _run(before)[1]
        assert "error" not in _run(after)[1]
    else:
        assert _run(after) == _run(before)
