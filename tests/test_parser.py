"""The grammar and the AST it builds (reference.md sections 2-4, observed.md).

One test per syntax feature: top-level items, route kinds, statements,
conditions and value expressions with the real OpenSIPS precedence, node
positions, and syntax errors (their messages, positions and recovery).
"""

from __future__ import annotations

import glob
import os

import pytest
from scripting import body, errors, parse_ok, value

from cfgscript.diagnostics import DiagnosticError, render
from cfgscript.syntax import ast
from cfgscript.syntax.parser import ParseResult, parse_file, parse_text

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = sorted(glob.glob(os.path.join(HERE, "conformance", "*", "*.cfg")))
REAL_SYNTAX_ERRORS = {"c01_missing_brace.cfg": 11, "c15_timer_route_no_interval.cfg": 8,
                      "c27_event_route_missing_name.cfg": 8}


def stmt(statement: str) -> ast.Node:
    (node,) = body(statement)
    return node


def cond(condition: str) -> ast.Node:
    node = stmt("if (%s) exit;" % condition)
    assert isinstance(node, ast.If)
    return node.cond


def show(node) -> object:
    """A compact, comparable form of an expression tree."""
    if isinstance(node, list):
        return [show(n) for n in node]
    if isinstance(node, ast.Var):
        return node.spec.text
    if isinstance(node, (ast.Num, ast.Str)):
        return node.value
    if isinstance(node, ast.Null):
        return "NULL"
    if isinstance(node, ast.Net):
        return "net:" + node.text
    if isinstance(node, (ast.BinOp, ast.Compare)):
        return (show(node.left), node.op, show(node.right))
    if isinstance(node, ast.Logic):
        return (show(node.left), node.op, show(node.right))
    if isinstance(node, ast.Not):
        return ("not", show(node.operand))
    if isinstance(node, ast.BitNot):
        return ("~", show(node.operand))
    if isinstance(node, ast.Test):
        return ("[]", show(node.expr))
    if isinstance(node, ast.Call):
        return ("call", node.name, [show(a) if a is not None else None for a in node.args])
    if isinstance(node, ast.RouteCall):
        return ("route", show(node.target), show(node.args))
    return type(node).__name__


def span(node: ast.Node) -> tuple[int, int, int, int]:
    return node.line, node.col, node.end_line, node.end_col


# ---------------------------------------------------------------- conformance scripts

@pytest.mark.parametrize("path", CONFORMANCE, ids=os.path.basename)
def test_every_conformance_script_parses(path):
    result = parse_file(path)
    name = os.path.basename(path)
    if name in REAL_SYNTAX_ERRORS:
        assert not result.ok
        assert result.diagnostics[0].line == REAL_SYNTAX_ERRORS[name]
    else:
        assert result.diagnostics == [], [render(d) for d in result.diagnostics]
        assert any(isinstance(item, ast.Route) for item in result.script.items)


# ---------------------------------------------------------------- global parameters

@pytest.mark.parametrize(("line", "name", "value", "kind", "text"), [
    ("log_level=-1", "log_level", -1, "int", "-1"),
    ("udp_workers= +4", "udp_workers", 4, "int", "+4"),
    ("xlog_level = 0x10", "xlog_level", 16, "int", "0x10"),
    ("log_prefix = \"x: \"", "log_prefix", "x: ", "str", '"x: "'),
    ("log_prefix = 'raw\\n'", "log_prefix", "raw\\n", "str", "'raw\\n'"),
    ("debug_mode=yes", "debug_mode", 1, "int", "yes"),
    ("syslog_enabled = no", "syslog_enabled", 0, "int", "no"),
    ("tos = IPTOS_LOWDELAY", "tos", "IPTOS_LOWDELAY", "id", "IPTOS_LOWDELAY"),
    ("socket=udp:127.0.0.1:5060", "socket", None, "compound", "udp:127.0.0.1:5060"),
    ("socket=udp:127.0.0.1:5060 as 1.2.3.4:5060 use_workers 4", "socket", None, "compound",
     "udp:127.0.0.1:5060 as 1.2.3.4:5060 use_workers 4"),
    ("socket = tcp:[::1]:5060", "socket", None, "compound", "tcp:[::1]:5060"),
    ("socket = udp:*:5060", "socket", None, "compound", "udp:*:5060"),
    ('mpath="a":"b"', "mpath", None, "compound", '"a":"b"'),
    ("alias=my-host.example.com", "alias", None, "compound", "my-host.example.com"),
    ('dst_blacklist = gw:{( udp , 10.0.0.1 , 5060 , "" ),(tcp,10.0.0.2,0,"")}',
     "dst_blacklist", None, "compound",
     'gw:{( udp , 10.0.0.1 , 5060 , "" ),(tcp,10.0.0.2,0,"")}'),
    ("no_such_core_param = 5", "no_such_core_param", 5, "int", "5"),
])
def test_global_param_values(line, name, value, kind, text):
    (param,) = parse_ok(line + "\n").items
    assert isinstance(param, ast.GlobalParam)
    assert (param.name, param.value, param.kind, param.text) == (name, value, kind, text)


def test_global_params_need_no_terminator_and_end_at_the_next_item():
    items = parse_ok("alias=host\nudp_workers=4 log_level=1\nloadmodule \"a.so\"\n"
                     "route { exit; }").items
    assert [type(i) for i in items] == [ast.GlobalParam] * 3 + [ast.LoadModule, ast.Route]
    assert [(i.name, i.text) for i in items[:3]] == [
        ("alias", "host"), ("udp_workers", "4"), ("log_level", "1")]


def test_global_param_position_spans_its_value():
    (param,) = parse_ok("\n  socket = udp:1.2.3.4:5060\n").items
    assert span(param) == (2, 3, 2, 28)


def test_global_param_value_may_continue_on_the_next_line():
    (param,) = parse_ok("socket = udp:1.2.3.4:5060\n   use_workers 2\n").items
    assert param.text == "udp:1.2.3.4:5060 use_workers 2"


@pytest.mark.parametrize("text", ["log_level=3;", 'loadmodule "a.so";', 'modparam("a", "b", 1);',
                                  "route { exit; };"])
def test_no_empty_statement_at_top_level(text):
    (message,) = errors(text)
    assert "syntax error: unexpected ';'" in message


def test_global_param_without_value():
    (message,) = errors("log_level=\n")
    assert message == "t.cfg:2:1: error: syntax error: unexpected end of file"


# ---------------------------------------------------------------- loadmodule and modparam

def test_loadmodule():
    items = parse_ok('loadmodule "event_datagram.so"\nloadmodule "/usr/lib/x/tm.so"\n'
                     "loadmodule 'json'\n").items
    assert [(i.path, i.module) for i in items] == [
        ("event_datagram.so", "event_datagram"), ("/usr/lib/x/tm.so", "tm"), ("json", "json")]


@pytest.mark.parametrize(("args", "value"), [
    ('"a", "b", "x"', "x"),
    ('"a", "b", "x" "y" \'z\'', "xyz"),
    ('"a", "b", "line1\\n"\n    "line2"', "line1\nline2"),
    ('"a", "b", 5', 5),
    ('"a", "b", -5', -5),
    ('"a", "b", +5', 5),
    ('"a", "b", 0x10', 16),
    ('"a", "b", yes', 1),
    ('"a", "b", off', 0),
])
def test_modparam_values(args, value):
    (modparam,) = parse_ok("modparam(%s)\n" % args).items
    assert (modparam.module, modparam.param, modparam.value) == ("a", "b", value)


def test_modparam_module_is_a_regex_kept_as_written():
    (modparam,) = parse_ok('modparam("event_.*", "x", 1)').items
    assert modparam.module == "event_.*"


def test_modparam_rejects_identifiers_and_variables():
    assert errors('modparam("a", "b", c)')
    assert errors('modparam("a", "b", $var(c))')


# ---------------------------------------------------------------- route blocks

@pytest.mark.parametrize(("header", "kind", "name", "quoted"), [
    ("route", "route", None, False),
    ("route[x]", "route", "x", False),
    ("route [x]", "route", "x", False),
    ("route [ x ] ", "route", "x", False),
    ("route[0]", "route", "0", False),
    ("route[07]", "route", "7", False),
    ("route[12]", "route", "12", False),
    ('route["quoted"]', "route", "quoted", True),
    ('route["my-route"]', "route", "my-route", True),
    ("route['single']", "route", "single", True),
    ('route["tag"]', "route", "tag", True),
    ("route[on]", "route", "1", False),
    ("route[no]", "route", "0", False),
    ("branch_route[b]", "branch_route", "b", False),
    ("failure_route[f]", "failure_route", "f", False),
    ("failure_route[\"f-1\"]", "failure_route", "f-1", True),
    ("onreply_route", "onreply_route", None, False),
    ("onreply_route[o]", "onreply_route", "o", False),
    ("error_route", "error_route", None, False),
    ("local_route", "local_route", None, False),
    ("startup_route", "startup_route", None, False),
    ("event_route[E_MY_EVENT]", "event_route", "E_MY_EVENT", False),
    ('event_route["E_Q"]', "event_route", "E_Q", True),
])
def test_route_headers(header, kind, name, quoted):
    (route,) = parse_ok(header + " { exit; }").items
    assert (route.kind, route.name, route.name_quoted) == (kind, name, quoted)
    assert (route.interval, route.modifier) == (None, None)
    assert [type(s) for s in route.body] == [ast.Exit]


def test_timer_route_name_and_interval():
    (route,) = parse_ok("timer_route[tick, 10] { exit; }\n").items
    assert (route.kind, route.name, route.interval) == ("timer_route", "tick", 10)
    (route,) = parse_ok("timer_route[ \"t-2\" , 0x10 ] { exit; }\n").items
    assert (route.name, route.name_quoted, route.interval) == ("t-2", True, 16)


@pytest.mark.parametrize("modifier", ["sync", "async"])
def test_legacy_event_route_modifier_parses_but_reports_the_replacement(modifier):
    result = parse_text("event_route[E_X, %s] {\n  exit;\n}\n" % modifier, "t.cfg")
    (route,) = result.script.items
    assert (route.kind, route.name, route.modifier) == ("event_route", "E_X", modifier)
    assert [type(s) for s in route.body] == [ast.Exit]
    (diag,) = result.diagnostics
    assert (diag.line, diag.col, diag.end_col) == (1, 18, 18 + len(modifier))
    assert diag.message == ("event_route[E_X, %s]: the sync/async modifier was removed in "
                            "OpenSIPS 3.0; write event_route[E_X]" % modifier)


@pytest.mark.parametrize(("text", "message"), [
    ("branch_route { exit; }", "invalid branch_route statement: a name in [ ] is required"),
    ("failure_route { exit; }", "invalid failure_route statement: a name in [ ] is required"),
    ("event_route { exit; }", "invalid event_route statement: a name in [ ] is required"),
    ("timer_route { exit; }", "invalid timer_route statement: a name in [ ] is required"),
    ("error_route[e] { exit; }", "invalid error_route statement: it takes no name"),
    ("local_route[l] { exit; }", "invalid local_route statement: it takes no name"),
    ("startup_route[s] { exit; }", "invalid startup_route statement: it takes no name"),
    ("timer_route[t] { exit; }", "invalid timer_route statement: the interval is missing "
                                 "(timer_route[name, seconds])"),
    ("timer_route[t, x] { exit; }", "invalid timer_route statement: unexpected 'x'"),
    ("route[r, 5] { exit; }", "invalid route statement: unexpected '5'"),
    ("event_route[E, 5] { exit; }", "invalid event_route statement: unexpected '5'"),
])
def test_route_header_errors(text, message):
    result = parse_text(text, "t.cfg")
    assert [d.message for d in result.diagnostics] == [message]
    assert len(result.script.items) == 1


def test_route_needs_at_least_one_statement():
    (message,) = errors("route[x] {\n}")
    assert message == "t.cfg:2:1: error: syntax error: unexpected '}'"


def test_route_with_only_an_empty_statement():
    (route,) = parse_ok("route[x] { ; }").items
    assert route.body == []


def test_route_names_with_a_sign_or_a_variable_are_errors():
    assert errors("route[-1] { exit; }")
    assert errors("route[$var(x)] { exit; }")


# ---------------------------------------------------------------- statements

def test_empty_statements_leave_no_node():
    assert [type(s) for s in body(";;; exit; ;")] == [ast.Exit]


def test_semicolon_after_a_block_is_an_empty_statement():
    stmts = body("if ($var(a)) { exit; }; while ($var(b)) { drop; };\n"
                 "switch ($var(c)) { case 1: exit; }; exit;")
    assert [type(s) for s in stmts] == [ast.If, ast.While, ast.Switch, ast.Exit]


def test_bare_block_is_not_a_statement():
    assert errors("route { { exit; } }")


def test_if_else():
    node = stmt("if ($var(a)) exit; else drop;")
    assert show(node.cond) == "$var(a)"
    assert [type(s) for s in node.body] == [ast.Exit]
    assert [type(s) for s in node.orelse] == [ast.Drop]


def test_if_without_else_has_no_orelse():
    assert stmt("if ($var(a)) { exit; }").orelse is None


def test_if_with_empty_bodies():
    node = stmt("if ($var(a)) {} else {}")
    assert (node.body, node.orelse) == ([], [])
    node = stmt("if ($var(a)) ; else exit;")
    assert node.body == [] and [type(s) for s in node.orelse] == [ast.Exit]
    node = stmt("if ($var(a)) exit; else ;")
    assert node.orelse == []


def test_else_if_chain():
    node = stmt("if ($var(a)) exit; else if ($var(b)) drop; else { return; }")
    (inner,) = node.orelse
    assert isinstance(inner, ast.If) and show(inner.cond) == "$var(b)"
    assert [type(s) for s in inner.body] == [ast.Drop]
    assert [type(s) for s in inner.orelse] == [ast.Return]


def test_dangling_else_binds_to_the_nearest_if():
    node = stmt("if ($var(a)) if ($var(b)) exit; else drop;")
    assert node.orelse is None
    (inner,) = node.body
    assert [type(s) for s in inner.orelse] == [ast.Drop]


def test_switch_cases_fall_through_and_default():
    node = stmt('switch ($var(x)) {\n case 1:\n case -2: xlog("a"); break;\n'
                ' case "s": exit;\n default: drop;\n}')
    assert isinstance(node, ast.Switch) and show(node.subject) == "$var(x)"
    assert [case.label for case in node.cases] == [1, -2, "s"]
    assert [[type(s) for s in case.body] for case in node.cases] == [
        [], [ast.Xlog, ast.Break], [ast.Exit]]
    assert [type(s) for s in node.default] == [ast.Drop]


def test_switch_without_default_has_none():
    assert stmt("switch ($var(x)) { case 1: exit; }").default is None


def test_switch_with_empty_default():
    node = stmt("switch ($var(x)) { case 1: default: }")
    assert node.default == [] and node.cases[0].body == []


def test_switch_labels_signed_numbers_and_strings():
    node = stmt("switch ($var(x)) { case +3: case 0x10: case yes: case 'q': exit; }")
    assert [case.label for case in node.cases] == [3, 16, 1, "q"]


@pytest.mark.parametrize("text", [
    "switch ($var(x)) { default: exit; }",                  # at least one case
    "switch ($var(x)) { case 1: default: exit; case 2: }",  # default only last
    "switch (5) { case 1: exit; }",                        # the subject is a variable
    "switch ($var(x)) { case $var(y): exit; }",            # labels are constants
])
def test_switch_errors(text):
    assert errors("route { %s }" % text)


def test_while():
    node = stmt("while ($var(i) < 10) { $var(i) += 1; }")
    assert show(node.cond) == ("$var(i)", "<", 10)
    assert [type(s) for s in node.body] == [ast.Assign]


def test_while_with_single_statement_and_empty_bodies():
    assert [type(s) for s in stmt("while ($var(i)) exit;").body] == [ast.Exit]
    assert stmt("while ($var(i)) ;").body == []
    assert stmt("while ($var(i)) {}").body == []


def test_for_each():
    node = stmt("for ($var(v) in $(avp(list)[*])) { xlog(\"$var(v)\"); }")
    assert isinstance(node, ast.ForEach)
    assert (show(node.var), show(node.source)) == ("$var(v)", "$(avp(list)[*])")
    assert [type(s) for s in node.body] == [ast.Xlog]


def test_for_each_iterator_must_be_var_avp_or_json():
    (message,) = errors("route {\n for ($ru in $(avp(l)[*])) exit;\n}")
    assert message == ("t.cfg:2:7: error: for-each statement: only $var, $avp and $json "
                       "iterators are supported")


@pytest.mark.parametrize("text", [
    "while ($var(a)) break;",
    "while ($var(a)) { if ($var(b)) { break; } else break; }",
    "for ($var(a) in $(avp(b)[*])) break;",
    "switch ($var(a)) { case 1: break; default: break; }",
    "switch ($var(a)) { case 1: if ($var(b)) break; }",
    "while ($var(a)) { switch ($var(b)) { case 1: break; } break; }",
])
def test_break_inside_loops_and_switch(text):
    breaks = [n for n in ast.walk(parse_ok("route { %s }" % text)) if isinstance(n, ast.Break)]
    assert breaks


@pytest.mark.parametrize(("text", "col"), [
    ("break;", 9),
    ("if ($var(a)) break;", 22),
    ("if ($var(a)) { exit; } else { break; }", 39),
    ("if ({ break; }) exit;", 15),
    ("while ($var(a)) exit; break;", 31),
])
def test_break_outside_a_loop_is_an_error(text, col):
    (message,) = errors("route { %s }" % text)
    assert message == "t.cfg:1:%d: error: 'break' outside of a while, for or switch statement" % col


def test_break_in_a_loop_cut_short_by_a_syntax_error_is_not_reported():
    result = parse_text("route[a] {\n  while ($x) {\n    break;\n    $var(a) = ;\n  }\n}\n"
                        "route[b] { break; }\n", "t.cfg")
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (4, "syntax error: unexpected ';'"),
        (7, "'break' outside of a while, for or switch statement")]


@pytest.mark.parametrize("op", ["=", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^="])
def test_assignment_operators(op):
    node = stmt("$var(a) %s 2;" % op)
    assert (show(node.target), node.op, show(node.value)) == ("$var(a)", op, 2)


@pytest.mark.parametrize("op", ["=", ":="])
@pytest.mark.parametrize("null", ["NULL", "null"])
def test_assignment_of_null(op, null):
    node = stmt("$avp(a) %s %s;" % (op, null))
    assert node.op == op and isinstance(node.value, ast.Null)


@pytest.mark.parametrize("text", ["$var(a) += NULL;", "$var(a) = NULL + 1;", "5 = $var(a);",
                                  "$var(a) = ;", "$var(a) == 1;"])
def test_assignment_errors(text):
    assert errors("route { %s }" % text)


def test_transformation_on_the_left_of_an_assignment_is_an_error():
    (message,) = errors("route {\n  $(var(x){s.len}) = 1;\n}")
    assert message == ("t.cfg:2:3: error: transformations are not accepted on the left side "
                       "of an assignment")


@pytest.mark.parametrize(("text", "code", "values"), [
    ("return;", None, []),
    ("return();", None, []),
    ("return 5;", 5, []),
    ("return -5;", -5, []),
    ("return(5);", 5, []),
    ("return(-1);", -1, []),
    ("return $var(x);", "$var(x)", []),
    ("return($var(x));", "$var(x)", []),
    ('return(1, $var(a), "s", NULL, -2);', 1, ["$var(a)", "s", "NULL", -2]),
    ("return($rc, 3);", "$rc", [3]),
    ("return(, $var(v));", None, ["$var(v)"]),
    ('return(, "a", 2);', None, ["a", 2]),
])
def test_return_forms(text, code, values):
    node = stmt(text)
    assert isinstance(node, ast.Return)
    assert (show(node.code) if node.code is not None else None) == code
    assert show(node.values) == values


@pytest.mark.parametrize("text", ['return "s";', 'return("s", 1);', "return(1,);", "return 1 + 2;"])
def test_return_errors(text):
    assert errors("route { %s }" % text)


@pytest.mark.parametrize(("text", "kind"), [
    ("exit;", ast.Exit), ("exit();", ast.Exit), ("drop;", ast.Drop), ("drop();", ast.Drop)])
def test_exit_and_drop(text, kind):
    assert isinstance(stmt(text), kind)


@pytest.mark.parametrize(("text", "target", "quote", "args"), [
    ("route(x);", "x", "", []),
    ('route(x, "a", 1, $var(y), NULL, -3);', "x", "", ["a", 1, "$var(y)", "NULL", -3]),
    ('route("r-1");', "r-1", '"', []),
    ("route(5);", "5", "", []),
    ("route(007);", "7", "", []),
    ("route(yes);", "1", "", []),
    ('route("$var(x)");', "$var(x)", '"', []),
])
def test_route_calls(text, target, quote, args):
    node = stmt(text)
    assert isinstance(node, ast.RouteCall)
    assert (node.target.value, node.target.quote, show(node.args)) == (target, quote, args)


def test_route_call_with_a_variable_name():
    node = stmt("route($var(r), 1);")
    assert (show(node.target), show(node.args)) == ("$var(r)", [1])


@pytest.mark.parametrize("text", ["route();", "route(x, 1 + 2);", "route(x, f());", "route x;"])
def test_route_call_errors(text):
    assert errors("route { %s }" % text)


@pytest.mark.parametrize(("text", "args"), [
    ("f();", []),
    ('f("a");', ["a"]),
    ("f(1, -2, +3, $var(a), yes);", [1, -2, 3, "$var(a)", 1]),
    ('f(, "x");', [None, "x"]),
    ('f("a",,"b");', ["a", None, "b"]),
    ('f("a",);', ["a", None]),
    ("f(,);", [None, None]),
    ("f(,,);", [None, None, None]),
    ("f(, , $avp(x));", [None, None, "$avp(x)"]),
])
def test_function_calls_and_empty_slots(text, args):
    node = stmt(text)
    assert isinstance(node, ast.Call) and node.name == "f"
    assert [show(a) if a is not None else None for a in node.args] == args


@pytest.mark.parametrize("text", ["f;", "f(a);", "f(1 + 2);", "f(NULL);", 'f("a" "b");',
                                  "f(g());"])
def test_function_call_errors(text):
    assert errors("route { %s }" % text)


def test_xlog_one_argument():
    node = stmt('xlog("a $var(x)\\n");')
    assert (node.level, node.format.value, node.debug) == (None, "a $var(x)\n", False)


def test_xlog_two_arguments():
    node = stmt('xlog("L_ERR", "text");')
    assert (node.level.value, node.format.value) == ("L_ERR", "text")


def test_xlog_adjacent_literals_in_the_format():
    node = stmt('xlog("L_NOTICE", "@ adjacent " "dq" \'sq\' " $var(s)" "\\n");')
    assert node.format.value == "@ adjacent dqsq $var(s)\n"
    assert span(node.format) == (2, 18, 2, 57)
    assert stmt('xlog("a" "b");').format.value == "ab"


def test_xdbg():
    node = stmt('xdbg("dbg");')
    assert (node.debug, node.level, node.format.value) == (True, None, "dbg")


@pytest.mark.parametrize(("text", "message"), [
    ('xlog("L_" "ERR", "x");', "the xlog level must be a single string"),
    ('xdbg("L_ERR", "x");', "xdbg() takes a single format argument"),
    ('xlog("");', "xlog() with an empty format"),
])
def test_xlog_errors(text, message):
    result = parse_text("route { %s }" % text, "t.cfg")
    assert [d.message for d in result.diagnostics] == [message]


@pytest.mark.parametrize("text", ["xlog();", "xlog($var(a));", 'xlog("a", "b", "c");',
                                  "xlog(1);"])
def test_xlog_syntax_errors(text):
    assert errors("route { %s }" % text)


@pytest.mark.parametrize(("text", "level", "message"), [
    ('log("t");', None, "t"),
    ('log(2, "t");', 2, "t"),
    ('log(-1, "t");', -1, "t"),
    ("log(1, 'raw\\n');", 1, "raw\\n"),
])
def test_log(text, level, message):
    node = stmt(text)
    assert (node.level, node.text) == (level, message)


@pytest.mark.parametrize("text", ['log("a", "b");', "log($var(a));", 'log("a" "b");'])
def test_log_errors(text):
    assert errors("route { %s }" % text)


def test_error_statement():
    node = stmt('error("a","b");')
    assert (node.error_class, node.reason) == ("a", "b")
    assert errors('route { error("a"); }')


def test_assert():
    node = stmt("assert($var(x) == 1);")
    assert (show(node.cond), node.description) == (("$var(x)", "==", 1), None)
    node = stmt('assert(!$var(x) && f(), "desc");')
    assert show(node.cond) == (("not", "$var(x)"), "and", ("call", "f", []))
    assert node.description == "desc"


@pytest.mark.parametrize(("text", "call", "route", "timeout"), [
    ("async(f(), r);", ("call", "f", []), "r", None),
    ('async(f("a", 1), "r", 5);', ("call", "f", ["a", 1]), "r", 5),
    ("async(f(,1), 7);", ("call", "f", [None, 1]), "7", None),
])
def test_async(text, call, route, timeout):
    node = stmt(text)
    assert (show(node.call), node.resume_route, node.timeout) == (call, route, timeout)


@pytest.mark.parametrize(("text", "route", "param"), [
    ("launch(f());", None, None),
    ("launch(f(), r);", "r", None),
    ('launch(f(), r, "p");', "r", "p"),
])
def test_launch(text, route, param):
    node = stmt(text)
    assert (show(node.call), node.report_route, node.report_param) == (
        ("call", "f", []), route, param)


@pytest.mark.parametrize("text", ["async(f());", "async(f(), r, x);", "launch(f(), r, 5);",
                                  "async($var(a), r);"])
def test_async_and_launch_errors(text):
    assert errors("route { %s }" % text)


# ---------------------------------------------------------------- conditions

def test_and_or_are_one_level_left_to_right():
    assert show(cond("$var(a) || $var(b) && $var(c)")) == (
        ("$var(a)", "or", "$var(b)"), "and", "$var(c)")
    assert show(cond("$var(a) && $var(b) || $var(c)")) == (
        ("$var(a)", "and", "$var(b)"), "or", "$var(c)")
    assert show(cond("$var(a) or $var(b) and $var(c)")) == (
        ("$var(a)", "or", "$var(b)"), "and", "$var(c)")


def test_parentheses_group_conditions():
    assert show(cond("$var(a) || ($var(b) && $var(c))")) == (
        "$var(a)", "or", ("$var(b)", "and", "$var(c)"))


def test_not_binds_tightest():
    assert show(cond("!$var(a) && $var(b)")) == (("not", "$var(a)"), "and", "$var(b)")
    assert show(cond("not $var(a) || $var(b)")) == (("not", "$var(a)"), "or", "$var(b)")
    assert show(cond("!($var(a) && $var(b))")) == ("not", ("$var(a)", "and", "$var(b)"))
    assert show(cond("!!$var(a)")) == ("not", ("not", "$var(a)"))


def test_not_applies_to_a_whole_comparison():
    assert show(cond("!$var(a) == 1")) == ("not", ("$var(a)", "==", 1))


@pytest.mark.parametrize(("text", "expected"), [
    ("$var(a) == 1", ("$var(a)", "==", 1)),
    ("$var(a) != -1", ("$var(a)", "!=", -1)),
    ("$var(a) > 1", ("$var(a)", ">", 1)),
    ("$var(a) < yes", ("$var(a)", "<", 1)),
    ("$var(a) >= \"s\"", ("$var(a)", ">=", "s")),
    ("$var(a) <= $var(b)", ("$var(a)", "<=", "$var(b)")),
    ("$var(a) =~ \"^a\"", ("$var(a)", "=~", "^a")),
    ("$var(a) !~ $var(re)", ("$var(a)", "!~", "$var(re)")),
    ("$var(a) == NULL", ("$var(a)", "==", "NULL")),
    ("$var(a) != null", ("$var(a)", "!=", "NULL")),
    ("$si == 10.0.0.1", ("$si", "==", "net:10.0.0.1")),
    ("$si != 10.0.0.0/8", ("$si", "!=", "net:10.0.0.0/8")),
    ("$si == 10.0.0.0/255.0.0.0", ("$si", "==", "net:10.0.0.0/255.0.0.0")),
    ("$si == ::1", ("$si", "==", "net:::1")),
    ("$si == fe80::/10", ("$si", "==", "net:fe80::/10")),
    ("$si == 2001:db8:0:0:0:0:0:1", ("$si", "==", "net:2001:db8:0:0:0:0:0:1")),
])
def test_comparisons(text, expected):
    assert show(cond(text)) == expected


@pytest.mark.parametrize("text", [
    "5 == $var(x)",
    "\"a\" == $var(x)",
    "$var(a) == $var(b) + 1",
    "$var(x) =~ 5",
    "$var(x) !~ NULL",
    "$var(x) > NULL",
    "$var(x) < 10.0.0.1",
    "$var(x) =~ 10.0.0.0/8",
    "$var(a) == 1 == 1",
    "$var(a) == \"a\" \"b\"",
    "$var(a) ==",
    "",
])
def test_condition_syntax_errors(text):
    assert errors("route { if (%s) exit; }" % text)


def test_comparison_position():
    node = cond("$var(a) == \"x\"")
    assert span(node) == (2, 5, 2, 19)


def test_bare_variable_and_numbers_as_conditions():
    assert show(cond("$var(a)")) == "$var(a)"
    assert show(cond("-1")) == -1
    assert show(cond("0")) == 0
    assert show(cond("true")) == 1


def test_test_operator_embeds_a_value_expression():
    assert show(cond("[ $var(a) + 1 ]")) == ("[]", ("$var(a)", "+", 1))
    assert show(cond("[$var(a)] && [ \"\" ]")) == (("[]", "$var(a)"), "and", ("[]", ""))
    assert show(cond("![ 2 * 3 ]")) == ("not", ("[]", (2, "*", 3)))


def test_statements_as_conditions():
    assert show(cond("f()")) == ("call", "f", [])
    assert show(cond("route(x, 1)")) == ("route", "x", [1])
    assign = cond("$var(a) = 1")
    assert isinstance(assign, ast.Assign) and show(assign.value) == 1
    block = cond("{ xlog(\"a\"); exit; }")
    assert isinstance(block, ast.Block) and [type(s) for s in block.body] == [ast.Xlog, ast.Exit]
    inner = cond("if ($var(a)) exit;")
    assert isinstance(inner, ast.If)
    assert isinstance(cond("{ }"), ast.Block)
    assert isinstance(cond("return(-1)"), ast.Return)
    assert isinstance(cond("exit"), ast.Exit)


def test_while_and_assert_take_conditions():
    node = stmt("while ($var(a) && !f()) exit;")
    assert show(node.cond) == ("$var(a)", "and", ("not", ("call", "f", [])))


# ---------------------------------------------------------------- value expressions

@pytest.mark.parametrize(("text", "expected"), [
    ("2 + 3 * 4", ((2, "+", 3), "*", 4)),
    ("10 - 2 * 3", ((10, "-", 2), "*", 3)),
    ("100 - 10 - 5", ((100, "-", 10), "-", 5)),
    ("7 / 2 % 3", ((7, "/", 2), "%", 3)),
    ("2 + (3 * 4)", (2, "+", (3, "*", 4))),
    ("1 | 2 + 3", (1, "|", (2, "+", 3))),
    ("1 + 2 & 3", ((1, "+", 2), "&", 3)),
    ("4 & 1 + 1", (4, "&", (1, "+", 1))),
    ("1 << 2 + 1", (1, "<<", (2, "+", 1))),
    ("1 | 2 ^ 4 >> 1", (((1, "|", 2), "^", 4), ">>", 1)),
    ("~1 + 2", (("~", 1), "+", 2)),
    ("~ ~ 1", ("~", ("~", 1))),
    ("~(1 + 2)", ("~", (1, "+", 2))),
    ("5 - -3", (5, "-", -3)),
    ("1 -1", (1, "-", 1)),
    ('"a" + $var(b)', ("a", "+", "$var(b)")),
    ("$var(a) == 1 + 2", (("$var(a)", "==", 1), "+", 2)),
    ("1 + $var(a) == 1", (1, "+", ("$var(a)", "==", 1))),
    ("$var(a) =~ \"x\" | 1", (("$var(a)", "=~", "x"), "|", 1)),
    ("f() + 1", (("call", "f", []), "+", 1)),
    ("route(r) * 2", (("route", "r", []), "*", 2)),
    ("(1)", 1),
    ("((1 + 2)) * 3", ((1, "+", 2), "*", 3)),
])
def test_value_expression_precedence(text, expected):
    assert show(value(text)) == expected


@pytest.mark.parametrize("text", ["-$var(a)", "1 + NULL", "!1", "1 && 2", "$var(a) = 1",
                                  "1 +", "(1", "$var(a) + NULL", '"a" "b"'])
def test_value_expression_errors(text):
    assert errors("route { $var(x) = %s; }" % text)


def test_value_expression_positions():
    # parentheses are not part of a node's span
    node = value("(1 + 22) * ~3")
    assert span(node) == (2, 12, 2, 24)
    assert span(node.left) == (2, 12, 2, 18)
    assert span(node.right) == (2, 22, 2, 24)
    assert span(node.right.operand) == (2, 23, 2, 24)


# ---------------------------------------------------------------- positions

def test_positions_of_top_level_items_and_statements():
    script = parse_ok('log_level=3\nloadmodule "a.so"\nmodparam("a", "b", 1)\n'
                      "route[r] {\n  $var(x) = 1;\n  f(\"a\",\n    2);\n}\n")
    param, load, modparam, route = script.items
    assert span(param) == (1, 1, 1, 12)
    assert span(load) == (2, 1, 2, 18)
    assert span(modparam) == (3, 1, 3, 22)
    assert span(route) == (4, 1, 8, 2)
    assign, call = route.body
    assert span(assign) == (5, 3, 5, 14)
    assert span(assign.target) == (5, 3, 5, 10)
    assert span(call) == (6, 3, 7, 7)
    assert span(call.args[1]) == (7, 5, 7, 6)
    assert {n.file for n in ast.walk(script)} == {"t.cfg"}


def test_script_node_spans_the_whole_file():
    script = parse_ok("route { exit; }\n\n")
    assert (script.file, span(script)) == ("t.cfg", (1, 1, 3, 1))
    script = parse_ok("route { exit; }")
    assert span(script) == (1, 1, 1, 16)
    assert script.files == ["t.cfg"]


def test_positions_of_compound_statements():
    (route,) = parse_ok("route {\n  if ($var(a)) {\n    exit;\n  } else drop;\n"
                        "  while ($var(b)) exit;\n}").items
    node, loop = route.body
    assert span(node) == (2, 3, 4, 14)
    assert span(node.cond) == (2, 7, 2, 14)
    assert span(loop) == (5, 3, 5, 23)


def test_visitor_and_walk_see_every_node():
    script = parse_ok("route { if ($var(a) == 1) { f(\"x\"); } }")
    names = [type(n).__name__ for n in ast.walk(script)]
    assert names == ["Script", "Route", "If", "Compare", "Var", "Num", "Call", "Str"]

    class Counter(ast.NodeVisitor):
        def __init__(self):
            self.calls = []

        def visit_Call(self, node):
            self.calls.append(node.name)
            self.generic_visit(node)

    counter = Counter()
    counter.visit(script)
    assert counter.calls == ["f"]
    assert list(script.routes()) == script.items


# ---------------------------------------------------------------- syntax errors

def test_syntax_error_message_position_and_expected_tokens():
    result = parse_text("route {\n  xlog(\"a\" 5);\n}\n", "dir/x.cfg")
    (diag,) = result.diagnostics
    assert diag.headline() == ("dir/x.cfg:2:12: error: syntax error: unexpected number 5, "
                               "expecting ')' or ',' or STRING")
    assert render(diag, result.source.line_text) == (
        "dir/x.cfg:2:12: error: syntax error: unexpected number 5, expecting ')' or ',' or STRING\n"
        '  xlog("a" 5);\n'
        "           ^")


def test_syntax_error_caret_covers_the_token():
    result = parse_text("route {\n  $var(a) = 1 $var(b);\n}", "t.cfg")
    (diag,) = result.diagnostics
    assert (diag.line, diag.col, diag.end_col) == (2, 15, 22)
    assert render(diag, result.source.line_text).endswith(
        "  $var(a) = 1 $var(b);\n              ^~~~~~~")


def test_syntax_error_at_end_of_file():
    (message,) = errors("route {\n  exit;\n")
    assert message == "t.cfg:3:1: error: syntax error: unexpected end of file"


def test_missing_brace_is_reported_where_the_next_route_starts():
    (message,) = errors("startup_route {\n    f(\"x\");\n\nroute {\n    exit;\n}\n")
    assert message == "t.cfg:4:7: error: syntax error: unexpected '{', expecting '('"


def test_errors_in_two_route_blocks_are_both_reported():
    result = parse_text("log_level=2\nroute[a] {\n  $var(x) = ;\n}\n"
                        "route[b] {\n  xlog(\"ok\");\n}\n"
                        "route[c] {\n  if ($x == ) exit;\n}\nroute[d] { exit; }\n", "t.cfg")
    assert [(d.line, d.col, d.message) for d in result.diagnostics] == [
        (3, 13, "syntax error: unexpected ';'"),
        (9, 13, "syntax error: unexpected ')'"),
    ]
    names = [item.name for item in result.script.items if isinstance(item, ast.Route)]
    assert names == ["b", "d"]
    assert not result.ok


def test_lexical_and_syntax_errors_in_one_run():
    result = parse_text("route[a] { $var(x) = \"open; }\nroute[b] { $ }\nroute[c] { 08; }\n"
                        "route[d] { exit; }\n", "t.cfg")
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (1, "unterminated string"), (2, "invalid script variable"),
        (3, "syntax error: unexpected number 0")]
    assert [item.name for item in result.script.items] == ["d"]


def test_items_completed_just_before_an_error_are_kept():
    result = parse_text('route[a] { exit; }\n$\nlog_level=3 x = 1 ;\nloadmodule "m.so" 5\n'
                        "route[b] { break; } foo\nroute[c] { exit; }\n", "t.cfg")
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (2, "invalid script variable"),
        (3, "syntax error: unexpected ';'"),
        (4, "syntax error: unexpected number 5"),
        (5, "'break' outside of a while, for or switch statement"),
        (5, "syntax error: unexpected 'foo'"),
    ]
    kept = [(type(i).__name__, getattr(i, "name", None)) for i in result.script.items]
    assert kept == [("Route", "a"), ("GlobalParam", "log_level"), ("GlobalParam", "x"),
                    ("LoadModule", None), ("Route", "b"), ("Route", "c")]


def test_semantic_errors_do_not_stop_the_parse():
    result = parse_text("route[a] { break; }\nroute[b] { $(var(x){s.len}) = 1; }\n"
                        "timer_route[t] { exit; }\n", "t.cfg")
    assert [d.line for d in result.diagnostics] == [1, 2, 3]
    assert len(result.script.items) == 3


def test_too_many_errors_stop_the_parse():
    text = "".join("route[r%d] {\n  $var(x) = ;\n}\n" % i for i in range(40))
    result = parse_text(text, "t.cfg")
    assert len(result.diagnostics) == 25


def test_parse_result_ok():
    assert parse_text("route { exit; }").ok
    assert isinstance(parse_text("route { exit; }"), ParseResult)
    assert parse_text("route { exit; }").script.file == "<script>"


def test_empty_and_comment_only_scripts():
    assert parse_ok("").items == []
    assert parse_ok("# nothing\n/* at all */\n").items == []


@pytest.mark.parametrize("text", [
    "route {", "route", "}", "{", "route { if (", "route { $var(a) = (((1", "\x00", "\udcff",
    "route[\"unterminated] { exit; }", "route { xlog(\"a\\", "$(" * 50, "/*" * 50,
    "route { " + "if ($a) " * 300 + "exit; }",
    "route { $var(a) = " + "(" * 300 + "1" + ")" * 300 + "; }",
])
def test_hostile_input_gives_diagnostics_not_exceptions(text):
    result = parse_text(text, "t.cfg")
    for diag in result.diagnostics:
        assert diag.line >= 1 and diag.col >= 1
        assert render(diag, result.source.line_text)


def test_deep_nesting_parses():
    script = parse_ok("route { " + "if ($a) " * 300 + "exit; }")
    depth = sum(1 for n in ast.walk(script) if isinstance(n, ast.If))
    assert depth == 300


def test_parse_file_errors(tmp_path):
    with pytest.raises(OSError):
        parse_file(str(tmp_path / "missing.cfg"))
    path = tmp_path / "inc.cfg"
    path.write_text('include_file "nope.cfg"\n')
    with pytest.raises(DiagnosticError):
        parse_file(str(path))
