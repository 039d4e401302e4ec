"""Script variable specs and format strings (reference.md sections 1.6 and 1.7)."""

from __future__ import annotations

import pytest

from cfgscript.syntax.pvspec import (
    MAX_NESTING,
    Format,
    PVSpec,
    SpecError,
    Transformation,
    parse_format,
    parse_spec,
    parse_spec_at,
)


def test_short_form_without_name():
    spec = parse_spec("$Ts")
    assert (spec.text, spec.name, spec.inner, spec.has_inner) == ("$Ts", "Ts", None, False)
    assert (spec.index, spec.transforms, spec.context, spec.is_marker) == (None, (), None, False)
    assert str(spec) == "$Ts"


def test_dotted_names():
    assert parse_spec("$route.name").name == "route.name"
    assert parse_spec("$msg.branch.uri").name == "msg.branch.uri"


def test_short_form_with_inner_name():
    spec = parse_spec("$avp(x)")
    assert (spec.name, spec.inner, spec.has_inner) == ("avp", "x", True)


def test_inner_name_keeps_everything_in_balanced_parentheses():
    assert parse_spec("$avp(attr-name)").inner == "attr-name"
    assert parse_spec("$json(a/b[0])").inner == "a/b[0]"
    assert parse_spec("$x(a(b)c)").inner == "a(b)c"


def test_inner_name_given_by_a_variable():
    spec = parse_spec("$avp($var(n))")
    assert spec.inner == "$var(n)"
    assert spec.dynamic == parse_spec("$var(n)")
    assert parse_spec("$param($(var(i){s.int}))").dynamic.transforms[0].name == "s.int"


def test_parenthesised_forms():
    assert parse_spec("$(ru)").name == "ru"
    spec = parse_spec("$(avp(x))")
    assert (spec.name, spec.inner, spec.index) == ("avp", "x", None)


@pytest.mark.parametrize(("text", "index"), [
    ("$(avp(x)[0])", 0),
    ("$(avp(x)[-1])", -1),
    ("$(avp(x)[12])", 12),
    ("$(avp(x)[*])", "*"),
    ("$(avp(x)[append])", "append"),
    ("$(avp(x)[APPEND])", "append"),
    ("$(route[*])", "*"),
    ("$(route[1])", 1),
])
def test_index(text, index):
    spec = parse_spec(text)
    assert spec.index == index
    assert spec.index_text == text[text.index("[") + 1:text.index("]")]


def test_index_given_by_a_variable():
    spec = parse_spec("$(avp(x)[$var(i)])")
    assert isinstance(spec.index, PVSpec) and spec.index.text == "$var(i)"


def test_transformations_chain_left_to_right():
    spec = parse_spec("$(var(x){s.substr,1,2}{s.len})")
    assert spec.transforms == (Transformation("s", "substr,1,2", "{s.substr,1,2}"),
                               Transformation("s", "len", "{s.len}"))
    assert [t.name for t in spec.transforms] == ["s.substr", "s.len"]


def test_transformation_name_is_lowercased_and_stripped():
    (step,) = parse_spec("$(var(x){S.SubStr , 1})").transforms
    assert (step.cls, step.name) == ("S", "s.substr")


def test_transformations_may_be_separated_by_blanks():
    spec = parse_spec("$(var(x){s.len} \t{s.int})")
    assert [t.name for t in spec.transforms] == ["s.len", "s.int"]


def test_transformation_parameters_may_hold_balanced_braces_and_variables():
    (step,) = parse_spec("$(var(x){re.subst,/a{2}/b/})").transforms
    assert (step.name, step.rest) == ("re.subst", "subst,/a{2}/b/")
    (step,) = parse_spec("$(var(x){s.select,$var(i),;})").transforms
    assert step.rest == "select,$var(i),;"


def test_index_and_transformations_together():
    spec = parse_spec("$(avp(x)[-1]{s.len})")
    assert (spec.index, [t.name for t in spec.transforms]) == (-1, ["s.len"])


def test_context():
    spec = parse_spec("$(<request>ru)")
    assert (spec.context, spec.name) == ("request", "ru")


@pytest.mark.parametrize("text", ["$$", "$($)"])
def test_marker(text):
    spec = parse_spec(text)
    assert spec.is_marker and spec.name == "$"


@pytest.mark.parametrize(("text", "message", "offset"), [
    ("$", "invalid variable name", 1),
    ("$var()", "variable $var does not take an empty name", 4),
    ("$(var(x)[])", "variable $var does not take an empty index", 8),
    ("$(var(x)", "invalid character end of text in variable", 8),
    ("$(var(x)[1)", "unbalanced '[' in variable", 11),
    ("$var(x", "unbalanced '(' in variable", 6),
    ("$(var(x){s.len)", "unterminated transformation", 8),
    ("$(var(x){x})", "invalid transformation", 8),
    ("$(var(x){.len})", "invalid transformation", 8),
    ("$(var(x) {s.len})", "invalid character ' ' in variable", 8),
    ("$avp($var())", "variable $var does not take an empty name", 9),
    ("$(<request ru)", "expected the end of the context", 2),
    ("$($x)", "invalid variable", 2),
    ("x", "expected '$'", 0),
])
def test_spec_errors(text, message, offset):
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert (str(info.value), info.value.offset) == (message, offset)


@pytest.mark.parametrize(("text", "name", "spec_text"), [
    ("$rc#x", "rc", "$rc"),                 # as pv_parse_spec(): the rest is ignored
    ("$ru[1]", "ru", "$ru"),
    ("$var(x)y", "var", "$var(x)"),
])
def test_what_follows_a_variable_is_ignored(text, name, spec_text):
    spec = parse_spec(text)
    assert (spec.name, spec.text) == (name, spec_text)


@pytest.mark.parametrize(("text", "index"), [
    ("$(sdp.line([12])[insert])", "insert"),      # words are for the variable to judge
    ("$(avp(x)[APPEND])", "append"),
    ("$(tm.branch.uri[1/active])", "1/active"),
    ("$(avp(x)[-])", 0),                          # pv_parse_index(): '-' and no digits
    ("$(avp(x)[-2])", -2),
])
def test_index_words_are_kept(text, index):
    assert parse_spec(text).index == index


def test_a_variable_index_ignores_what_follows_it():
    assert parse_spec("$(avp(x)[$var(i)x])").index.text == "$var(i)"


def test_nesting_is_limited():
    levels = MAX_NESTING + 1      # the outer variable and MAX_NESTING within it
    ok = "$avp(" * levels + "x" + ")" * levels
    assert parse_spec(ok).dynamic is not None
    deep = "$avp(" * (levels + 1) + "x" + ")" * (levels + 1)
    with pytest.raises(SpecError, match="nest deeper"):
        parse_spec(deep)
    with pytest.raises(SpecError, match="nest deeper"):
        parse_format("$(avp(x)[" * 1000 + "1" + "])" * 1000)


def test_parse_spec_at_returns_the_end():
    text = "a $var(x) b"
    spec, end = parse_spec_at(text, 2)
    assert (spec.text, end, text[end:]) == ("$var(x)", 9, " b")


def test_format_splits_text_and_variables():
    fmt = parse_format("a $var(x) b $(avp(y)[0]{s.len})!")
    assert fmt.parts == ("a ", parse_spec("$var(x)"), " b ", parse_spec("$(avp(y)[0]{s.len})"), "!")
    assert [v.text for v in fmt.variables()] == ["$var(x)", "$(avp(y)[0]{s.len})"]
    assert not fmt.is_constant


def test_format_dollar_dollar_is_one_dollar():
    assert parse_format("cost $$5") == Format(("cost $5",))
    assert parse_format("$$$$").text == "$$"
    assert parse_format("@ dollar-in-format=$$ and $$$$\n").text == "@ dollar-in-format=$ and $$\n"


def test_format_without_variables_is_constant():
    fmt = parse_format("plain text\n")
    assert fmt.is_constant and fmt.text == "plain text\n" and fmt.variables() == []
    assert parse_format("").parts == ()


def test_format_adjacent_variables():
    assert [p.text for p in parse_format("$var(a)$var(b)").parts] == ["$var(a)", "$var(b)"]


def test_format_variable_ends_where_its_spec_ends():
    assert parse_format("$ru;x").parts == (parse_spec("$ru"), ";x")
    assert parse_format("<$var(x)>").parts == ("<", parse_spec("$var(x)"), ">")


@pytest.mark.parametrize(("text", "offset"), [
    ("x$", 2),
    ("a$ b", 2),
    ("ab $var()", 7),
    ("ab $avp($var())", 12),
    ("$(var(x)", 8),
])
def test_format_errors_point_into_the_format(text, offset):
    with pytest.raises(SpecError) as info:
        parse_format(text)
    assert info.value.offset == offset


def test_text_after_a_dynamic_name_is_left_to_the_variable():
    spec = parse_spec("$json($var(k)/a/b)")
    assert spec.inner == "$var(k)/a/b"
    assert spec.dynamic == parse_spec("$var(k)")
