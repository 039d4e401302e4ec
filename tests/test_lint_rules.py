"""Every lint rule on a small script that triggers it (at the right place) and on
the same script written as meant; every rule's own documented examples; the
trap rules' harder cases; and the safe fixes: applying them twice changes
nothing more, and the fixed script runs exactly as the original did."""

from __future__ import annotations

import json
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


# every rule on a script that triggers it, the line and column of the finding, and
# the script written as meant; E121's scripts are too long to be written out
CASES = [Case(**case) for case in json.loads(
    (Path(__file__).parent / "data" / "lint" / "rule-cases.json").read_text())]
CASES.append(Case("E121", _many_routes(100), 100, 1, _many_routes(99)))


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

def in_startup(*statements: str) -> str:
    return "startup_route {\n%s}\n" % "".join("    %s\n" % s for s in statements)


# scripts a trap rule must say nothing about
QUIET = [
    ("T301", in_startup("$var(x) = (1 + 2) * 3;")),
    ("T301", in_startup("$var(x) = 1 * 2 + 3;")),
    ("T301", in_startup("$var(x) = 1 + (2 * 3);")),
    ("T301", in_startup("$var(x) = 8 / 2 * 3;")),
    # `&&` first: nothing to misread
    ("T302", in_startup("$var(a) = 1;", "if ($var(a) == 1 && $var(a) == 2 || $var(a) == 3) exit;")),
    # set to a string and to an int: it may hold an int
    ("T303", 'startup_route { $var(n) = "5"; $var(n) = 5; if ($var(n) == 5) exit; }\n'),
    # converted before the comparison
    ("T303", 'startup_route { $var(n) = "5"; if ($(var(n){s.int}) == 5) exit; }\n'),
    # a SIP variable that also carries an int
    ("T303", "route { if ($rp == 5060) exit; }\n"),
    # compared with a string, not a number
    ("T303", 'startup_route { $var(n) = "5"; if ($var(n) == "5") exit; }\n'),
    # written through a computed name: anything may be in it
    ("T303", 'startup_route { $var(k) = "n"; $var(n) = "5"; $var($var(k)) = 5; '
             "if ($var(n) == 5) exit; }\n"),
    # copied from a variable that holds an int
    ("T303", "startup_route { $var(a) = 5; $var(n) = $var(a); if ($var(n) == 5) exit; }\n"),
    # top-level routes may stop the run
    ("T304", "startup_route {\n    return(0);\n}\nroute {\n    return(0);\n}\n"),
    *[("T305", "route[r] { exit; }\nstartup_route { route(r, %s); }\n" % argument)
      for argument in ('"price$"', '"a$$b"', '"plain"')],
    # a route name built from a variable is not an argument
    ("T305", 'route[r1] { exit; }\n'
             + in_startup("$var(n) = 1;", 'route("r$var(n)");')),
    *[("T307", in_startup('$var(level) = "L_INFO";', 'xlog("%s", "hi\\n");' % level))
      for level in ("L_ERR", "L_NOTICE", "$var(level)")],
    # something writes the variable: a modparam, a function, a loop, a query, a computed name
    ("T308", 'loadmodule "cfgutils.so"\nmodparam("cfgutils", "varset", "seed=s:abc")\n'
             'startup_route { xlog("$var(seed)\\n"); }\n'),
    ("T308", 'startup_route { pv_printf($var(out), "x"); xlog("$var(out)\\n"); }\n'),
    ("T308", 'startup_route { $avp(l) = 1; for ($var(it) in $(avp(l)[*])) '
             'xlog("$var(it)\\n"); }\n'),
    ("T308", 'loadmodule "sqlops.so"\nmodparam("sqlops", "db_url", "mysql://u:p@localhost/db")\n'
             'startup_route { sql_query("SELECT 1", "$var(one)"); xlog("$var(one)\\n"); }\n'),
    ("T308", 'startup_route { $var(k) = "x"; $var($var(k)) = 1; xlog("$var(x)\\n"); }\n'),
    # a `break` after `exit` in a switch case
    ("T309", in_startup("$var(a) = 1;", "switch ($var(a)) {", "    case 1:", "        exit;",
                        "        break;", "}")),
    *[("T310", in_startup("$var(n) = %s;" % number)) for number in ("0", "10", "0x10", "-7")],
]

# harder scripts a trap rule must report
REPORTED = [
    *[("T303", "route {\n    if (%s) exit;\n}\n" % condition)
      for condition in ("$ru == 5", "$hdr(X-Count) > 2", "$fU != 100")],
    # the string kind follows copies and concatenation
    ("T303", in_startup('$var(a) = "x";', '$var(b) = $var(a) + "y";', "$var(c) = $var(b);",
                        "if ($var(c) == 1) exit;")),
]


@pytest.mark.parametrize(("code", "script"), QUIET, ids=[code for code, _ in QUIET])
def test_trap_rule_is_quiet(code: str, script: str) -> None:
    assert code not in codes_in(script)


@pytest.mark.parametrize(("code", "script"), REPORTED, ids=[code for code, _ in REPORTED])
def test_trap_rule_reports(code: str, script: str) -> None:
    assert code in codes_in(script)


def test_mixed_arithmetic_message_shows_both_readings() -> None:
    [finding] = [f for f in lint(in_startup("$var(x) = 10 + 3 * 2;")) if f.code == "T301"]
    assert "`10 + 3 * 2` is `(10 + 3) * 2`" in finding.message
    assert "`10 + (3 * 2)`" in finding.message


def test_undefined_variable_reported_once_per_place() -> None:
    assert codes_in(in_startup('xlog("$var(u) $var(u)\\n");')).count("T308") == 1


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
