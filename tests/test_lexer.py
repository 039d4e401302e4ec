"""Lexical rules of opensips.cfg (reference.md section 1), seen through the AST.

Each test parses a small script and checks the values the lexer produced:
comments, strings and their escapes, numbers, literal keywords, variables,
line continuations, CRLF line endings and the UTF-8 BOM.
"""

from __future__ import annotations

import pytest
from scripting import body, errors, parse_ok, value

from cfgscript.syntax import ast
from cfgscript.syntax.lexer import Lexer, LexError, first_chars
from cfgscript.syntax.parser import parse_file
from cfgscript.syntax.tables import END, load_tables


def string(literal: str) -> str:
    node = value(literal)
    assert isinstance(node, ast.Str)
    return node.value


def number(literal: str) -> int:
    node = value(literal)
    assert isinstance(node, ast.Num)
    return node.value


# ---------------------------------------------------------------- comments

def test_hash_comment_runs_to_end_of_line():
    stmts = body('xlog("a"); # xlog("hidden");\n# exit;\ndrop;')
    assert [type(s) for s in stmts] == [ast.Xlog, ast.Drop]


def test_hash_bang_is_just_a_comment():
    assert [type(s) for s in body("#!define X 1\nexit;")] == [ast.Exit]


def test_hash_comment_at_end_of_file_without_newline():
    script = parse_ok("route { exit; } # the end")
    assert len(script.items) == 1


def test_hash_inside_double_and_single_quoted_strings_is_text():
    assert string('"a # b"') == "a # b"
    assert string("'x#y'") == "x#y"


def test_hash_inside_parenthesised_variable_is_part_of_the_token():
    var = value("$(var(s){s.select,1,#})")
    assert isinstance(var, ast.Var)
    assert var.spec.transforms[0].rest == "select,1,#"
    assert var.spec.inner == "s"


def test_hash_right_after_a_variable_name_does_not_start_a_comment():
    # OpenSIPS cuts a $ token only at a blank or an operator: "$rc#x" is one
    # token, not $rc followed by a comment eating "; exit;", and pv_parse_spec()
    # ignores what follows the name
    assign, leave = body("$var(a) = $rc#x; exit;")
    assert assign.value.spec.text == "$rc" and isinstance(leave, ast.Exit)


def test_block_comment_between_tokens():
    assert number("/* one */ 1 /* two */") == 1


def test_block_comments_nest():
    stmts = body("/* outer /* nested */ still a comment; exit; */ drop;")
    assert [type(s) for s in stmts] == [ast.Drop]


def test_block_comments_nest_to_any_depth():
    deep = "/*" * 10 + " x " + "*/" * 10
    assert [type(s) for s in body(deep + " exit;")] == [ast.Exit]


def test_block_comment_ignores_quotes_and_hashes():
    stmts = body('/* an "unbalanced quote and a # hash */ exit;')
    assert [type(s) for s in stmts] == [ast.Exit]


def test_block_comment_inside_string_is_text():
    assert string('"a /* b */ c"') == "a /* b */ c"


def test_unterminated_block_comment_is_an_error_at_its_start():
    (message,) = errors("route {\n  exit; /* never closed\n}\n")
    assert message == "t.cfg:2:9: error: unterminated /* comment"


def test_unterminated_nested_block_comment_is_an_error():
    (message,) = errors("route { exit; } /* a /* b */\n")
    assert message == "t.cfg:1:17: error: unterminated /* comment"


def test_double_slash_is_not_a_comment():
    (message,) = errors("route {\n  exit; // no\n}")
    assert message.startswith("t.cfg:2:9: error: syntax error: unexpected '/'")


def test_line_positions_after_a_multiline_comment():
    script = parse_ok("/* a\nb\nc */ route {\n exit;\n}")
    (route,) = script.items
    assert (route.line, route.col) == (3, 6)
    assert (route.body[0].line, route.body[0].col) == (4, 2)


# ---------------------------------------------------------------- strings

@pytest.mark.parametrize(("literal", "expected"), [
    (r'"a\nb"', "a\nb"),
    (r'"a\rb"', "a\rb"),
    (r'"a\tb"', "a\tb"),
    (r'"a\ab"', "a\ab"),
    (r'"say \"hi\""', 'say "hi"'),
    (r'"back\\slash"', "back\\slash"),
    (r'"\x41\x4a"', "AJ"),
    (r'"\x4"', "\x04"),
    (r'"\x7Ez"', "~z"),
    (r'"\x4142"', "A42"),          # at most two hex digits
    (r'"\xg"', "\\xg"),            # \x without a hex digit is kept
    (r'"\101\102"', "AB"),         # three octal digits
    (r'"\12|"', "\n|"),            # two octal digits
    (r'"\1010"', "A0"),            # at most three
    (r'"\400"', "\x00"),           # the byte wraps, as a C char
    (r'"\1"', "\\1"),              # one digit is kept: regex backreferences
    (r'"\18"', "\\18"),            # 8 is not octal: still one digit
    (r'"\q\+\.\d"', "\\q\\+\\.\\d"),  # unknown escapes are kept
    (r'"a\$b"', "a\\$b"),          # no $ escape at lexing time
    ('"cost$$5"', "cost$$5"),      # $$ is a format matter, not a lexical one
    ('""', ""),
])
def test_double_quoted_escapes(literal, expected):
    assert string(literal) == expected


def test_escaped_byte_above_ascii_is_kept_as_that_byte():
    # not UTF-8 on its own: stored as a lone surrogate ("surrogateescape")
    assert string(r'"\xff\377"') == "\udcff\udcff"
    assert string(r'"\xe9"').encode("utf-8", "surrogateescape") == b"\xe9"


def test_backslash_newline_inside_double_quotes_is_removed():
    assert string('"line\\\ncont"') == "linecont"
    assert string('"line\\\r\ncont"') == "linecont"


def test_raw_newline_inside_quotes_is_kept():
    assert string('"raw\nnl"') == "raw\nnl"
    assert string("'sq\nnl'") == "sq\nnl"


def test_single_quotes_are_raw():
    assert string(r"'a\tb\n\"x\\'") == r'a\tb\n\"x\\'
    assert string("'he said \"yes\"'") == 'he said "yes"'
    assert string('"it\'s"') == "it's"


def test_string_node_records_its_quote():
    assert value('"a"').quote == '"'
    assert value("'a'").quote == "'"


def test_utf8_passes_through():
    assert string('"é☃😀"') == "é☃😀"


def test_string_spanning_lines_has_its_end_position():
    node = value('"multi\nline"')
    assert (node.line, node.col, node.end_line, node.end_col) == (2, 11, 3, 6)


def test_unterminated_string_is_an_error_at_the_quote():
    (message,) = errors('route {\n  $var(a) = "open;\n}\n')
    assert message == "t.cfg:2:13: error: unterminated string"


def test_unterminated_single_quoted_string():
    (message,) = errors("route { $var(a) = 'open; }")
    assert message == "t.cfg:1:19: error: unterminated string"


def test_adjacent_literals_are_not_joined_in_an_assignment():
    (message,) = errors('route { $var(a) = "a" "b"; }')
    assert "unexpected string" in message


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize(("literal", "expected"), [
    ("0", 0),
    ("1234567", 1234567),
    ("0x1F", 31),
    ("0xff", 255),
    ("010", 8),
    ("0777", 511),
    ("2147483647", 2147483647),
    ("2147483648", -2147483648),   # C int: 32-bit wrap
    ("4294967296", 0),
    ("4294967297", 1),
    ("0xFFFFFFFF", -1),
    ("0x100000000", 0),
    ("99999999999999999999", -1),  # strtol clamps to LONG_MAX, then the cast
    ("-5", -5),
    ("+7", 7),
    ("- 5", -5),                   # the sign is a token of its own
    ("-0x10", -16),
    ("-2147483648", -2147483648),
    ("-2147483649", 2147483647),
])
def test_number_literals(literal, expected):
    assert number(literal) == expected


def test_leading_zero_then_8_is_a_syntax_error():
    (message,) = errors("route { $var(a) = 08; }")
    assert message == "t.cfg:1:20: error: syntax error: unexpected number 8"


def test_there_are_no_floats():
    (message,) = errors("route { $var(a) = 1.5; }")
    assert "unexpected '.'" in message


def test_uppercase_hex_prefix_is_not_hex():
    assert errors("route { $var(a) = 0X1F; }")


@pytest.mark.parametrize(("word", "expected"), [
    ("yes", 1), ("true", 1), ("on", 1), ("enable", 1),
    ("no", 0), ("false", 0), ("off", 0), ("disable", 0),
])
def test_boolean_words_are_numbers(word, expected):
    assert number(word) == expected
    (stmt,) = body("if (%s) exit;" % word)
    assert isinstance(stmt.cond, ast.Num) and stmt.cond.value == expected
    assert number("-" + word) == -expected


def test_boolean_words_are_lowercase_only():
    assert errors("route { $var(a) = YES; }")


def test_boolean_words_in_arithmetic_and_signs():
    expr = value("true + 1")
    assert isinstance(expr, ast.BinOp) and expr.left.value == 1
    assert number("-on") == -1


@pytest.mark.parametrize("word", ["null", "NULL"])
def test_null_literal(word):
    assert isinstance(value(word), ast.Null)
    (stmt,) = body("if ($var(a) == %s) exit;" % word)
    assert isinstance(stmt.cond.right, ast.Null)


def test_null_is_case_sensitive():
    assert errors("route { $var(a) = Null; }")


def test_keywords_inside_strings_are_text():
    assert string('"yes"') == "yes"


# ---------------------------------------------------------------- variables

@pytest.mark.parametrize(("token", "name", "inner", "index", "transforms"), [
    ("$avp(x)", "avp", "x", None, []),
    ("$(avp(x)[-1])", "avp", "x", -1, []),
    ("$(avp(x)[*])", "avp", "x", "*", []),
    ("$(avp(x)[0])", "avp", "x", 0, []),
    ("$(var(x){s.substr,1,2}{s.len})", "var", "x", None, ["s.substr", "s.len"]),
    ("$(var(x){s.substr, 1, 2})", "var", "x", None, ["s.substr"]),
    ("$(route[*])", "route", None, "*", []),
    ("$route.name", "route.name", None, None, []),
    ("$Ts", "Ts", None, None, []),
    ("$avp(attr-name)", "avp", "attr-name", None, []),
    ("$json(a/b)", "json", "a/b", None, []),
])
def test_variable_token_forms(token, name, inner, index, transforms):
    node = value(token)
    assert isinstance(node, ast.Var)
    spec = node.spec
    assert (spec.text, spec.name, spec.inner, spec.index) == (token, name, inner, index)
    assert [t.name for t in spec.transforms] == transforms


def test_variable_with_a_variable_as_its_name():
    spec = value("$avp($var(n))").spec
    assert spec.name == "avp"
    assert spec.dynamic.text == "$var(n)"


def test_variable_with_a_variable_as_its_index():
    spec = value("$(avp(x)[$var(i)])").spec
    assert spec.index.text == "$var(i)"


def test_short_form_takes_no_index():
    (message,) = errors("route { $var(a) = $avp(x)[2]; }")
    assert message == "t.cfg:1:26: error: syntax error: unexpected '['"


def test_short_form_without_parentheses_ignores_what_follows_the_name():
    assert value("$ru[1]").spec.text == "$ru"


def test_variable_token_ends_at_an_operator():
    expr = value("$var(a)+$Ts")
    assert isinstance(expr, ast.BinOp) and expr.right.spec.name == "Ts"
    (stmt,) = body("if ($rc==1) exit;")
    assert stmt.cond.left.spec.name == "rc"
    (assign,) = body("$x:=1;")
    assert (assign.target.spec.name, assign.op) == ("x", ":=")


def test_dollar_dollar_is_not_a_variable_outside_formats():
    (message,) = errors("route { $var(a) = $$; }")
    assert message == "t.cfg:1:19: error: invalid script variable"


def test_dollar_dollar_in_a_format_is_kept_for_the_format():
    (xlog,) = body('xlog("cost $$5");')
    assert xlog.format.value == "cost $$5"


def test_lone_dollar_is_an_error():
    (message,) = errors("route { $ = 1; }")
    assert message == "t.cfg:1:9: error: invalid script variable"


def test_malformed_variable_is_reported_with_its_position():
    (message,) = errors("route {\n  $var(a) = $(var(x)[1);\n}")
    assert message.startswith("t.cfg:2:13: error: invalid script variable $(var(x)[1)")


# ---------------------------------------------------------------- layout

def test_backslash_newline_outside_strings_joins_lines():
    expr = value("1 + \\\n 2")
    assert isinstance(expr, ast.BinOp)
    assert (expr.right.line, expr.right.value) == (3, 2)


def test_backslash_crlf_outside_strings_joins_lines():
    assert isinstance(value("1 + \\\r\n 2"), ast.BinOp)


def test_lone_backslash_is_passed_over():
    expr = value("1 \\ + 2")
    assert isinstance(expr, ast.BinOp) and (expr.left.value, expr.right.value) == (1, 2)


def test_crlf_line_endings():
    script = parse_ok('route {\r\n\t$var(s) = "a";\r\n\texit;\r\n}\r\n')
    (route,) = script.items
    assign, exit_ = route.body
    assert assign.value.value == "a"
    assert (assign.line, assign.col, exit_.line, exit_.col) == (2, 2, 3, 2)
    assert (route.end_line, route.end_col) == (4, 2)


def test_crlf_inside_a_string_is_kept():
    assert string('"a\r\nb"') == "a\r\nb"


def test_backspace_and_form_feed_are_whitespace():
    assert [type(s) for s in body("\b\fexit;")] == [ast.Exit]


def test_bom_is_dropped_from_text():
    script = parse_ok("\ufeffroute { exit; }")
    assert (script.items[0].line, script.items[0].col) == (1, 1)


def test_bom_is_dropped_from_a_file(tmp_path):
    path = tmp_path / "bom.cfg"
    path.write_bytes(b"\xef\xbb\xbflog_level=3\r\nroute {\r\n  exit;\r\n}\r\n")
    result = parse_file(str(path))
    assert result.diagnostics == []
    param, route = result.script.items
    assert (param.name, param.value, param.col) == ("log_level", 3, 1)
    assert route.body[0].line == 3


def test_bytes_that_are_not_utf8_survive(tmp_path):
    path = tmp_path / "latin1.cfg"
    path.write_bytes(b'route { $var(s) = "caf\xe9"; }\n')
    result = parse_file(str(path))
    assign = result.script.items[0].body[0]
    assert assign.value.value.encode("utf-8", "surrogateescape") == b"caf\xe9"


@pytest.mark.parametrize("char", ["@", "`", "?", "\\", "\xa0", "\x0c", "\x00", "\u2026", "\udcff"])
def test_characters_no_token_starts_with_are_passed_over(char):
    # OpenSIPS's flex lexer has no rule for them: its default rule echoes them
    # and goes on, so they separate tokens like blanks
    xlog, test = body("xlog(%s\"x\")%s;\nif%s($rc == 1) exit;" % (char, char, char))
    assert isinstance(xlog, ast.Xlog) and isinstance(test, ast.If)


def test_a_passed_over_character_ends_an_identifier():
    (message,) = errors("route { ex\xa0it; }")
    assert message == "t.cfg:1:12: error: syntax error: unexpected 'it', expecting '('"


def test_a_no_break_space_after_a_variable_name_belongs_to_the_variable():
    # only space, tab, CR and LF end a variable name, and what follows the name is ignored
    spec = value("$rU\xa0").spec
    assert (spec.name, spec.text) == ("rU", "$rU")


def test_preprocessor_marks_are_not_taken():
    (message,) = errors("route {\n  __OSSPP_LINE__ 3\n}")
    assert message == "t.cfg:2:3: error: unexpected character '_'"


def test_columns_count_a_tab_as_one():
    (message,) = errors("route {\n\t\t$var(x) = ;\n}")
    assert message.startswith("t.cfg:2:13: error:")


def test_long_blank_runs_before_an_error_or_the_end_are_fast():
    # The blanks and comments before a token must not be backtracked into:
    # they were once retried in exponentially many ways.
    tail = "\n" * 5000 + "#" * 5000 + "\n" + " " * 5000
    parse_ok("route { exit; }" + tail)
    (message,) = errors("route { exit; }" + tail + "\"")
    assert message.endswith("unterminated string")


# ---------------------------------------------------------------- context

def test_keyword_is_an_identifier_where_no_keyword_is_expected():
    (route,) = parse_ok("route[xlog] { exit; }").items
    assert (route.name, route.name_quoted) == ("xlog", False)


def test_param_name_only_at_top_level():
    (param,) = parse_ok("x = 5").items
    assert isinstance(param, ast.GlobalParam)
    (message,) = errors("route { x = 5; }")
    assert message.startswith("t.cfg:1:11: error: syntax error: unexpected '='")


def test_addresses_lex_only_where_one_may_follow():
    (stmt,) = body("if ($si == 10.0.0.1) exit;")
    assert isinstance(stmt.cond.right, ast.Net) and stmt.cond.right.text == "10.0.0.1"
    assert errors("route { $var(a) = 10.0.0.1; }")


# ---------------------------------------------------------------- the Lexer itself

def _tokens(text: str, row: frozenset = frozenset({"ID", "IPV4", "IPNET"})) -> list[tuple]:
    lexer = Lexer(load_tables())
    return [tok[:4] for tok in lexer.tokenize(text, [0], [row])]


def test_lexer_yields_positions_and_end():
    assert _tokens("a\n  $b") == [("ID", "a", 1, 1), ("SCRIPTVAR", "$b", 2, 3), (END, "", 2, 5)]


def test_lexer_end_token_after_trailing_comments():
    assert _tokens("a /* x\n */ # y\n")[-1] == (END, "", 3, 1)


def test_lexer_raises_lex_error_with_position():
    lexer = Lexer(load_tables())
    with pytest.raises(LexError) as info:
        list(lexer.tokenize("a\n  \"x", [0], [{"ID": 1}]))
    assert (str(info.value), info.value.line, info.value.col, info.value.offset) == (
        "unterminated string", 2, 3, 4)


def test_lexer_prefers_keywords_only_where_the_parser_accepts_them():
    tables = load_tables()
    if_kind = tables.keywords["if"]
    assert _tokens("if", frozenset({"ID", if_kind}))[0][0] == if_kind
    assert _tokens("if", frozenset({"ID"}))[0][0] == "ID"
    assert _tokens("if", frozenset())[0][0] == if_kind


def test_lexer_address_tokens_depend_on_the_row():
    assert _tokens("10.0.0.0/8")[0][:2] == ("IPNET", "10.0.0.0/8")
    assert _tokens("::1")[0][:2] == ("IPV6", "::1")
    plain = [tok[:2] for tok in _tokens("1.2", frozenset({"ID"}))][:3]
    assert plain == [("NUMBER", "1"), (load_tables().operators["."], "."), ("NUMBER", "2")]


def test_first_chars_of_patterns():
    assert first_chars(r"\$[a-z]") == {"$"}
    assert first_chars(r"(?:0x|[1-9])") == set("0123456789")
    assert first_chars(r"a?b") == {"a", "b"}


# ---------------------------------------------------------------- the table cache

@pytest.fixture
def fresh_tables(monkeypatch):
    """load_tables() with an empty memo; the next user gets fresh tables too."""
    load_tables.cache_clear()
    yield monkeypatch
    load_tables.cache_clear()


def test_tables_are_cached_on_disk_and_rebuilt_when_corrupt(fresh_tables, tmp_path):
    fresh_tables.setenv("CFGSCRIPT_CACHE_DIR", str(tmp_path))
    built = load_tables()
    (cache,) = tmp_path.glob("tables-*.marshal")
    load_tables.cache_clear()
    assert load_tables() == built                          # read back from the cache
    cache.write_bytes(b"not a table")
    load_tables.cache_clear()
    rebuilt = load_tables()                                # lark may number states anew
    assert (len(rebuilt.actions), rebuilt.rule_names) == (len(built.actions), built.rule_names)
    assert cache.read_bytes() != b"not a table"


def test_unwritable_table_cache_only_costs_time(fresh_tables, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    fresh_tables.setenv("CFGSCRIPT_CACHE_DIR", str(blocker / "cache"))
    assert load_tables().start_state >= 0
