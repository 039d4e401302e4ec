"""The interpreter against the rules of the OpenSIPS script language.

Each expectation below follows OpenSIPS 4.1 (reference.md §3-5, observed.md);
the conformance cases check the same rules on real scripts, these tests pin
each edge on its own.
"""

from __future__ import annotations

import pytest
from scripting import load_engine, log_lines, run_startup, values

# ---------------------------------------------------------------- arithmetic


@pytest.mark.parametrize("expr, expected", [
    ("2 + 3 * 4", "20"),                 # one level, left to right
    ("10 - 2 * 3", "24"),
    ("2 + (3 * 4)", "14"),
    ("100 - 10 - 5", "85"),
    ("7 / 2", "3"),
    ("-7 / 2", "-3"),                    # C division truncates toward zero
    ("-7 % 3", "-1"),
    ("7 % -3", "1"),
    ("4 & 1 + 1", "0"),                  # bitwise operators sit one level lower
    ("1 << 2 + 1", "8"),
    ("6 | 1 & 3", "3"),
    ("~5", "-6"),
    ("~1 + 1", "-1"),                    # unary ~ binds tightest
    ("2147483647 + 1", "-2147483648"),   # 32-bit wrap
    ("-2147483648 - 1", "2147483647"),
    ("65536 * 65536", "0"),
    ("4294967296", "0"),                 # literals are C ints too
    ("010", "8"),                        # octal
    ("0x1F", "31"),
    ("yes + on", "2"),
])
def test_integer_arithmetic(expr: str, expected: str) -> None:
    assert values('$var(r) = %s; xlog("@ $var(r)\\n");' % expr) == [expected]


@pytest.mark.parametrize("expr", ["5 / 0", "5 % 0"])
def test_division_by_zero_gives_zero_and_logs(expr: str) -> None:
    lines = run_startup('$var(r) = %s; xlog("@ $var(r) rc=$rc\\n");' % expr)
    assert "NOTICE:@ 0 rc=1" in lines
    assert any("divide by 0" in line for line in lines)


@pytest.mark.parametrize("op", ["/=", "%="])
def test_compound_division_by_zero_gives_zero(op: str) -> None:
    assert values('$var(r) = 9; $var(r) %s 0; xlog("@ $var(r) rc=$rc\\n");' % op) == ["0 rc=1"]


def test_null_right_operand_counts_as_zero() -> None:
    assert values('$var(r) = 5 + $var(unset); xlog("@ $var(r)\\n");') == ["5"]


# ---------------------------------------------------------------- strings and types


@pytest.mark.parametrize("setup, expr, expected", [
    ('$var(s) = "abc"; $var(i) = 42;', '$var(s) + $var(i)', "abc42 rc=1"),
    ('$var(i) = 42;', '"" + $var(i)', "42 rc=1"),
    ('$var(s) = "abc";', '$var(s) + 5', "old rc=-1"),          # int literal: no string form
    ('$var(i) = 42; $var(s) = "x";', '$var(i) + $var(s)', "old rc=-1"),
    ('$var(d) = "7";', '$var(d) + 1', "old rc=-1"),
    ('$var(d) = "7";', '$(var(d){s.int}) + 1', "8 rc=1"),
    ('$var(i) = 42;', '"n=" + $var(i) + 1', "old rc=-1"),   # ("n=" + 42) is a string
    ('', '$var(unset) + "x"', "x rc=1"),
    ('', '"ab" | "  "', "ab rc=1"),                            # bytewise on equal lengths
    ('', '"ab" | "c"', "old rc=-1"),
    ('', '"a" - "b"', "old rc=-1"),
])
def test_left_operand_decides(setup: str, expr: str, expected: str) -> None:
    body = '%s $var(r) = "old"; $var(r) = %s; xlog("@ $var(r) rc=$rc\\n");' % (setup, expr)
    assert values(body) == [expected]


@pytest.mark.parametrize("setup, op, expected", [
    ('$var(a) = "ab"; $var(b) = "cd";', "+=", "abcd rc=1"),
    ('$var(a) = "ab"; $var(b) = "cd";', "-=", "ab rc=-1"),
    ('$var(a) = 10; $var(b) = 3;', "-=", "7 rc=1"),
    ('$var(a) = 10; $var(b) = "3";', "+=", "10 rc=-1"),
    ('$var(a) = NULL; $var(b) = 3;', "+=", "<null> rc=-1"),
])
def test_compound_assignment(setup: str, op: str, expected: str) -> None:
    body = '%s $var(a) %s $var(b); xlog("@ $var(a) rc=$rc\\n");' % (setup, op)
    assert values(body) == [expected]


def test_avp_compound_assignment_pushes() -> None:
    body = '$avp(x) = 1; $avp(x) += 5; xlog("@ $(avp(x)[*])\\n");'
    assert values(body) == ["6, 1"]


# ---------------------------------------------------------------- comparisons


@pytest.mark.parametrize("setup, cond, expected", [
    ('$var(s) = "5";', '$var(s) == 5', "F"),             # string vs int literal: error -> false
    ('$var(s) = "5";', '$var(s) != 5', "F"),             # ... both ways
    ('$var(i) = 5;', '$var(i) == "5"', "T"),             # int variables have a string form
    ('$var(i) = 10;', '$var(i) > "9"', "F"),             # compared as text
    ('$var(s) = "ABC";', '$var(s) == "abc"', "T"),       # case-insensitive
    ('$var(s) = "abc";', '$var(s) < "abcd"', "T"),       # shorter prefix is smaller
    ('', '$var(unset) == NULL', "T"),
    ('', '$var(unset) != "x"', "T"),
    ('', '$var(unset) !~ "a"', "T"),
    ('$var(a) = 3; $var(b) = "3";', '$var(a) == $var(b)', "T"),
    ('$var(ip) = "10.1.2.3";', '$var(ip) == 10.0.0.0/8', "T"),
    ('$var(ip) = "11.1.2.3";', '$var(ip) != 10.0.0.0/8', "T"),
    ('$var(ip) = "nope";', '$var(ip) != 10.0.0.0/8', "F"),   # not an IP: error
    ('$var(u) = "sip:+49@X.org";', '$var(u) =~ "^sip:\\+49"', "T"),
    ('$var(u) = "sip:a@X.org";', '$var(u) =~ "x\\.ORG$"', "T"),
    ('$var(m) = "a\\nb";', '$var(m) =~ "^b"', "F"),      # no REG_NEWLINE
    ('$var(m) = "a\\nb";', '$var(m) =~ "a.b"', "T"),
    ('$var(p) = "a(";', '$var(p) =~ $var(p)', "F"),      # a bad pattern is an error
])
def test_comparisons(setup: str, cond: str, expected: str) -> None:
    body = '%s if (%s) xlog("@ T\\n"); else xlog("@ F\\n");' % (setup, cond)
    assert values(body) == [expected]


@pytest.mark.parametrize("cond, expected", [
    ("1 || 0 && 0", "F"),            # && and || on one level, left to right
    ("1 || (0 && 0)", "T"),
    ("!0 && !0", "T"),
    ("-1", "T"),                     # any non-zero literal is true
    ("0", "F"),
    ("[ $var(zero) ]", "T"),         # [ ] : a string form is true, even "0"
    ("[ $var(zero) + 0 ]", "F"),
    ("[ \"\" ]", "T"),
    ("$var(zero)", "F"),
    ("$var(szero)", "T"),            # the string "0" is true
    ("$var(empty)", "F"),
])
def test_truth(cond: str, expected: str) -> None:
    body = ('$var(zero) = 0; $var(szero) = "0"; $var(empty) = "";'
            ' if (%s) xlog("@ T\\n"); else xlog("@ F\\n");' % cond)
    assert values(body) == [expected]


def test_error_aborts_the_whole_condition() -> None:
    tail = 'route[mark] { xlog("@ evaluated\\n"); return(1); }'
    body = ('$var(s) = "x"; if ($var(s) == 1 || route(mark)) xlog("@ T\\n");'
            ' else xlog("@ F\\n");')
    assert values(body, tail=tail) == ["F"]


# ---------------------------------------------------------------- control flow and routes


def test_zero_return_code_stops_the_whole_run() -> None:
    tail = 'route[zero] { return(0); }'
    body = 'if (route(zero)) xlog("@ then\\n"); xlog("@ after\\n");'
    assert values(body, tail=tail) == []


def test_function_returning_zero_stops_even_in_an_assignment() -> None:
    head = 'loadmodule "cfgutils.so"'
    body = 'rand_set_prob(0); $var(p) = rand_get_prob(); xlog("@ not reached\\n");'
    assert values(body, head=head) == []


def test_negative_codes_do_not_stop() -> None:
    tail = 'route[neg] { return(-3); }'
    body = 'route(neg); xlog("@ rc=$rc\\n"); if (!route(neg)) xlog("@ false branch\\n");'
    assert values(body, tail=tail) == ["rc=-3", "false branch"]


def test_return_values_and_codes() -> None:
    tail = ('route[two] { $var(v) = 7; return(2, "text", $var(v), NULL, 42); }'
            ' route[str] { $var(c) = "12"; return($var(c)); }')
    body = ('route(two); xlog("@ rc=$rc 0=$return(0) 1=$return(1) 2=$return(2) 3=$return(3)\\n");'
            ' $var(x) = $return(3); $var(y) = $var(x) + 1;'
            ' xlog("@ y=$var(y) rc=$rc\\n");'
            ' route(str); xlog("@ str rc=$rc\\n");')
    assert values(body, tail=tail) == ["rc=2 0=text 1=7 2=<null> 3=42", "y=<null> rc=-1",
                                       "str rc=1"]


def test_route_string_arguments_are_not_expanded() -> None:
    tail = 'route[show] { xlog("@ [$param(1)] [$param(2)] [$param(3)]\\n"); }'
    body = '$var(a) = 5; route(show, "$var(a)", $var(a), 3);'
    assert values(body, tail=tail) == ["[$var(a)] [5] [3]"]


def test_while_stops_at_max_while_loops() -> None:
    lines = run_startup('$var(i) = 0; while ($var(i) < 100) { $var(i) += 1; }'
                        ' xlog("@ i=$var(i)\\n");', head="max_while_loops=10")
    assert "NOTICE:@ i=10" in lines
    assert any("max while loops reached (10)" in line for line in lines)


def test_switch_fall_through_and_labels() -> None:
    body = ('$var(v) = "Abc"; switch ($var(v)) { case 1: xlog("@ one\\n");'
            ' case "abc": xlog("@ abc\\n"); case "x": xlog("@ x\\n"); break;'
            ' default: xlog("@ default\\n"); }'
            ' $var(s) = "5"; switch ($var(s)) { case 5: xlog("@ int label\\n"); break;'
            ' default: xlog("@ string value misses int labels\\n"); }')
    assert values(body) == ["abc", "x", "string value misses int labels"]


def test_route_nesting_limit() -> None:
    tail = 'route[deep] { $var(d) += 1; route(deep); }'
    lines = run_startup('$var(d) = 0; route(deep); xlog("@ depth=$var(d)\\n");', tail=tail)
    assert "NOTICE:@ depth=99" in lines
    assert any("route recursion limit reached" in line for line in lines)


def test_for_each_avp_iterator_accumulates() -> None:
    body = ('$avp(src) = "a"; $avp(src) = "b"; for ($avp(it) in $(avp(src)[*])) { $var(n) = 1; }'
            ' xlog("@ $(avp(it)[*])\\n");')
    assert values(body) == ["a, b"]


def test_assert_runs_error_route_and_stops() -> None:
    tail = 'error_route { xlog("@ error route\\n"); }'
    body = '$var(x) = 1; assert($var(x) == 2, "x is two"); xlog("@ not reached\\n");'
    engine = load_engine("enable_asserts=yes\nstartup_route {\n%s\n}\n%s" % (body, tail))
    engine.run_startup()
    lines = log_lines(engine)
    assert "NOTICE:@ error route" in lines
    assert "NOTICE:@ not reached" not in lines
    assert any("ASSERTION FAILED (x is two) at test.cfg:3" in line for line in lines)


def test_disabled_assert_sets_rc() -> None:
    assert values('assert(0); xlog("@ rc=$rc\\n");') == ["rc=-5"]


# ---------------------------------------------------------------- variables


def test_var_persists_across_runs_avps_do_not() -> None:
    engine = load_engine('timer_route[t, 1] { $var(n) += 1; $avp(a) = $var(n);'
                         ' xlog("@ n=$var(n) avps=$(avp(a)[*])\\n"); }'
                         'startup_route { $var(n) = 0; }')
    engine.run_startup()
    timer = engine.timer_routes[0]
    engine.run_top(timer)
    engine.run_top(timer)
    assert [line for line in log_lines(engine) if "@ " in line] == [
        "NOTICE:@ n=1 avps=1", "NOTICE:@ n=2 avps=2"]


def test_unavailable_function_logs_and_fails() -> None:
    lines = run_startup('uuid($var(u)); xlog("@ rc=$rc\\n");', head='loadmodule "uuid.so"')
    assert "NOTICE:@ rc=-1" in lines
    assert any("test.cfg:3: uuid() of module uuid is not available in cfgscript" in line
               for line in lines)


def test_argv_and_dummy_request() -> None:
    engine = load_engine('startup_route { xlog("@ $argv(who) $ci $rm $ru\\n"); }',
                         argv={"who": "me"})
    engine.run_startup()
    assert "NOTICE:@ me dummy-1 DUMMY sip:user@dummy.com" in log_lines(engine)
