"""The json module (cfgscript/modules/json/): $json documents, json_link(), json_merge().

The first test replays the conformance case recorded from real OpenSIPS
(tests/conformance/lang/json_basic.cfg); the rest pin down, script by script,
what modules/json/json.c, json-c's tokener and printer, and OpenSIPS's bundled
cJSON (json_merge) do.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cfgscript.engine import Engine
from cfgscript.modules.json.cjson import cjson_parse, cjson_print, merge_patch
from cfgscript.modules.json.jsonc import JsoncParser, JsonError, parse_json, serialize
from cfgscript.runtime.logger import Logger
from cfgscript.runtime.settings import RunOptions
from cfgscript.syntax.parser import parse_text

CASE = Path(__file__).parent / "conformance" / "lang" / "json_basic"


def start(script: str) -> tuple[Engine, io.StringIO]:
    result = parse_text(script)
    assert result.ok, result.diagnostics
    stream = io.StringIO()
    engine = Engine(result.script, RunOptions(plain_log=True),
                    logger=Logger(stream=stream, plain=True))
    problems = engine.load()
    assert not problems, [p.message for p in problems]
    return engine, stream


def run(body: str, head: str = "") -> list[str]:
    """Run `body` as the startup_route of a script loading json.so; all log lines."""
    engine, stream = start('loadmodule "json.so"\n%s\nstartup_route {\n%s\n}\n' % (head, body))
    engine.run_startup()
    return stream.getvalue().splitlines()


def marked(body: str, head: str = "") -> list[str]:
    """Only the xlog lines that start with "@ ", without the marker."""
    return [line.split("@ ", 1)[1] for line in run(body, head) if ":@ " in line]


def load_problems(body: str) -> list[str]:
    result = parse_text('loadmodule "json.so"\nstartup_route {\n%s\n}\n' % body)
    engine = Engine(result.script, RunOptions(plain_log=True),
                    logger=Logger(stream=io.StringIO(), plain=True))
    return [p.message for p in engine.load()]


def compact(source: str) -> str:
    return serialize(JsoncParser(source).parse(), 0)


# ---------------------------------------------------------------- the recorded case

def test_conformance_case_json_basic() -> None:
    engine, stream = start(CASE.with_suffix(".cfg").read_text())
    engine.run_startup()
    lines = [line for line in stream.getvalue().splitlines() if ":@ " in line]
    assert lines == json.loads(CASE.with_suffix(".json").read_text())["log"]


# ---------------------------------------------------------------- reads

def test_reads_give_ints_strings_and_json_text() -> None:
    assert marked(r'''
        $json(d) := "{\"i\": 7, \"s\": \"x\", \"t\": true, \"f\": false, \"n\": null,
                      \"d\": 2.50, \"e\": 1E3, \"o\": {}, \"a\": []}";
        $var(sum) = $json(d/i) + 1;
        xlog("@ $var(sum) $json(d/s) $json(d/t) $json(d/f) $json(d/n) $json(d/d) $json(d/e)\n");
        xlog("@ $json(d/o) $json(d/a) $json_compact(d/o) $json_compact_noescape(d/a)\n");
    ''') == ["8 x true false <null> 2.50 1E3", "{ } [ ] {} []"]


def test_document_name_is_literal_keys_may_be_variables() -> None:
    # the first element names the document as written: "$var(k)" is no variable there
    assert marked(r'''
        $json(doc) := "{\"a\": {\"b\": 5}}";
        $var(k) = "doc"; $var(key) = "a";
        xlog("@ $json($var(k)/a/b) $json(doc/$var(key)/b)\n");
    ''') == ["<null> 5"]


def test_big_integers_and_long_quoting() -> None:
    body = r'''
        $json(d) := "[9223372036854775807, 18446744073709551615,
                      -99999999999999999999, 2147483648]";
        xlog("@ $json(d[0]) $json(d[1]) $json(d[2]) $json(d[3])\n");
        xlog("@ $json(d)\n");
        $var(x) = $json(d[3]) + 0;
        xlog("@ $var(x)\n");
    '''
    expected = ["9223372036854775807 9223372036854775807 -9223372036854775808 2147483648",
                "[ 9223372036854775807, 18446744073709551615, -9223372036854775808, 2147483648 ]"]
    assert marked(body) == expected + ["-2147483648"]          # an int, C-truncated
    quoted = marked(body, 'modparam("json", "enable_long_quoting", 1)')
    assert quoted == expected + ["<null>"]       # a string: string + int literal fails


def test_missing_documents_paths_and_type_mismatches_read_null() -> None:
    assert marked(r'''
        $json(d) := "{\"a\": [1, 2], \"s\": \"str\"}";
        xlog("@ $json(none) $json(none/a) $json(d/b) $json(d/a[2]) $json(d/a[-3])\n");
        xlog("@ $json(d/s/x) $json(d/a/x) $json(d[0])\n");
    ''') == ["<null> <null> <null> <null> <null>", "<null> <null> <null>"]


def test_negative_indexes_count_from_the_end() -> None:
    assert marked(r'''
        $json(a) := "[10, 20, 30]";
        xlog("@ $json(a[-1]) $json(a[-3]) $json(a[1])\n");
        $json(a[-2]) = "x";
        xlog("@ $json(a)\n");
    ''') == ["30 10 20", '[ 10, "x", 30 ]']


def test_star_index_outside_for_each_is_an_error() -> None:
    lines = run(r'''
        $json(a) := "[1]";
        xlog("@ $(json(a)[*]) $(json(none)[*])\n");
    ''')
    assert lines == ['ERROR:json:pv_get_json_ext: "[*]" index only supported in for each statement',
                     "NOTICE:@ <null> <null>"]


def test_printers_escape_like_json_c() -> None:
    assert marked(r'''
        $json(d) := "{\"p\": \"a/b\\t\\u0001\\\"\", \"l\": [1, {\"k\": []}]}";
        xlog("@ $json(d)\n");
        xlog("@ $json_compact(d)\n");
        xlog("@ $json_compact_noescape(d)\n");
        xlog("@ [$json(d/p)]\n");
    ''') == ['{ "p": "a\\/b\\t\\u0001\\"", "l": [ 1, { "k": [ ] } ] }',
             '{"p":"a\\/b\\t\\u0001\\"","l":[1,{"k":[]}]}',
             '{"p":"a/b\\t\\u0001\\"","l":[1,{"k":[]}]}',
             '[a/b\t\x01"]']


def test_pretty_printing() -> None:
    assert serialize(parse_json('{"a": [1, {}], "b": {"c": null}}'), 2) == (
        '{\n  "a":[\n    1,\n    {\n    }\n  ],\n  "b":{\n    "c":null\n  }\n}')


# ---------------------------------------------------------------- writes

def test_equal_stores_scalars_and_colon_equal_parses() -> None:
    assert marked(r'''
        $json(d) := "{}";
        $json(d/s) = "[1]";
        $json(d/p) := "[1]";
        $var(n) = 4;
        $json(d/i) = $var(n);
        $json(d/j) := $var(n);
        $json(d/k) = 3 + 4;
        xlog("@ $json(d)\n");
    ''') == ['{ "s": "[1]", "p": [ 1 ], "i": 4, "j": 4, "k": 7 }']


def test_replacing_a_key_keeps_its_place_and_delete_then_add_moves_it() -> None:
    assert marked(r'''
        $json(d) := "{\"a\": 1, \"b\": 2, \"c\": 3}";
        $json(d/a) = "A";
        $json(d/b) = NULL;
        $json(d/b) = "B";
        $json(d/zz) = NULL;
        xlog("@ $json(d)\n");
    ''') == ['{ "a": "A", "c": 3, "b": "B" }']


def test_whole_document_writes_and_deletes() -> None:
    assert marked(r'''
        $json(d) = 5;
        xlog("@ $json(d)\n");
        $json(d) = NULL;
        xlog("@ $json(d)\n");
        $json(d) := "[true]";
        xlog("@ $json(d)\n");
    ''') == ["5", "<null>", "[ true ]"]


def test_intermediate_nodes_are_not_created() -> None:
    lines = run(r'''
        $json(d) := "{\"a\": {}}";
        $json(d/a/b/c) = 1;
        xlog("@ rc=$rc $json(d)\n");
    ''')
    assert lines == [
        "NOTICE:json:get_object: Trying to get a value from a json of incorrect type",
        "NOTICE:json:get_object: Object is:",
        '{ "a": { } }',
        "NOTICE:json:print_tag_list: Tag list:",
        "NOTICE:json:print_tag_list: key=[a]",
        "NOTICE:json:print_tag_list: key=[b]",
        "NOTICE:json:print_tag_list: key=[c]",
        "NOTICE:json:pv_add_json: Could not find object with that path",
        "ERROR:core:do_assign: setting PV failed",
        "ERROR:core:do_assign: error at <script>:6",
        'NOTICE:@ rc=-1 { "a": { } }',
    ]


def test_a_path_into_a_missing_document_fails() -> None:
    lines = run(r'''
        $json(nodoc/x) = 1;
        xlog("@ rc=$rc\n");
    ''')
    assert lines[0] == "ERROR:json:pv_add_json: Object is not initialized yet"
    assert lines[-1] == "NOTICE:@ rc=-1"


def test_array_appends_deletes_and_bad_indexes() -> None:
    lines = run(r'''
        $json(a) := "[]";
        $json(a[]) = 1;
        $json(a[ ]) := "{\"k\": 2}";
        $json(a[]) = "three";
        xlog("@ $json(a)\n");
        $json(a[1]) = NULL;
        xlog("@ $json(a)\n");
        $json(a[5]) = 1;
        $json(a[-5]) = NULL;
        $json(a[]) = NULL;
        xlog("@ $json(a)\n");
    ''')
    assert [line for line in lines if not line.startswith("ERROR:core")] == [
        'NOTICE:@ [ 1, { "k": 2 }, "three" ]',
        'NOTICE:@ [ 1, "three" ]',
        "ERROR:json:pv_add_json: Attempting to replace at invalid index in array:5",
        "NOTICE:json:get_object: Trying to get a value from a json of incorrect type",
        "NOTICE:json:get_object: Object is:",
        '[ 1, "three" ]',
        "NOTICE:json:print_tag_list: Tag list:",
        "NOTICE:json:print_tag_list: idx=[-5]",
        "NOTICE:json:pv_add_json: Could not find object with that path",
        "ERROR:json:pv_add_json: Invalid parameter for deletion",
        'NOTICE:@ [ 1, "three" ]',
    ]


def test_bad_json_fails_and_deletes_the_target() -> None:
    lines = run(r'''
        $json(d) := "{\"a\": 1, \"b\": 2}";
        $json(d/a) := "[1,";
        xlog("@ rc=$rc $json(d)\n");
        $json(d) := "nul";
        xlog("@ rc=$rc $json(d)\n");
    ''')
    assert lines == [
        "ERROR:json:pv_set_json: Error parsing json: unexpected end of data",
        "ERROR:core:do_assign: setting PV failed",
        "ERROR:core:do_assign: error at <script>:6",
        'NOTICE:@ rc=-1 { "b": 2 }',
        "ERROR:json:pv_set_json: Error parsing json: unexpected end of data",
        "ERROR:core:do_assign: setting PV failed",
        "ERROR:core:do_assign: error at <script>:8",
        "NOTICE:@ rc=-1 <null>",
    ]


def test_colon_equal_needs_a_string_and_null_text_fails() -> None:
    lines = run(r'''
        $json(d) := 5;
        xlog("@ rc=$rc\n");
        $json(d) := "null";
        xlog("@ rc=$rc\n");
    ''')
    assert "ERROR:json:pv_set_json: Trying to interpret a non-string value" in lines
    assert "ERROR:json:pv_set_json: Error parsing json: success" in lines
    assert [line for line in lines if ":@ " in line] == ["NOTICE:@ rc=-1", "NOTICE:@ rc=-1"]


def test_compound_assignment_stores_the_result_as_a_scalar() -> None:
    assert marked(r'''
        $json(d) := "{\"n\": 5, \"s\": \"ab\"}";
        $json(d/n) += 2;
        $json(d/s) += "c";
        xlog("@ $json(d)\n");
    ''') == ['{ "n": 7, "s": "abc" }']


def test_variables_in_paths() -> None:
    lines = run(r'''
        $json(d) := "{\"k\": [\"x\", \"y\"], \"5\": \"five\"}";
        $var(key) = "k";
        $var(i) = -1;
        $var(n) = 5;
        xlog("@ $json(d/$var(key)[$var(i)]) $json(d/$var(n))\n");
        $json(d/$var(key)[$var(i)]) = "z";
        xlog("@ $json(d/k)\n");
        $var(i) = "1";
        xlog("@ $json(d/k[$var(i)])\n");
        xlog("@ $json(d/$var(unset))\n");
    ''')
    assert [line for line in lines if ":@ " in line] == [
        "NOTICE:@ y five", 'NOTICE:@ [ "x", "z" ]', "NOTICE:@ <null>", "NOTICE:@ <null>"]
    assert lines.count("ERROR:json:expand_tag_list: Non integer value in index") == 1
    assert lines.count("ERROR:json:expand_tag_list: Non string value in key") == 1
    assert lines.count("ERROR:json:pv_get_json_ext: Cannot expand variables in path") == 2


def test_path_parser_quirks() -> None:
    assert marked(r'''
        $json(d) := "{\"/\": 1, \"\": {\"/\": 2}, \"a\": {\"\": 3}}";
        xlog("@ $json(d/) $json(d//) $json(d/a/) $json(d[ 0x])\n");
    ''') == ["1 2 <null> <null>"]


@pytest.mark.parametrize("spec, message", [
    ("$json(d.foo)", "Bad iterator type"),
    ("$json(d.)", "Bad iterator type"),
    ("$json(d.keys/x)", "Unexpected char at position: 6"),
    ("$json(d/a[1)", "Mismatched parenthesis"),
    ("$json(d[x])", "Index value is not an integer:[x]"),
    ("$json(d[ $var(i)])", "Unable to parse variable"),
    ("$(json(d)[0])", 'the only index supported is "[*]"'),
])
def test_bad_paths_are_load_errors(spec: str, message: str) -> None:
    problems = load_problems('xlog("@ %s\\n");' % spec)
    assert len(problems) == 1 and message in problems[0]


def test_documents_live_as_long_as_the_process() -> None:
    engine, stream = start('loadmodule "json.so"\n'
                           'startup_route { $json(c) := "[]"; }\n'
                           'route[tick] { $json(c[]) = 1; xlog("@ $json(c)\\n"); }\n')
    engine.run_startup()
    engine.run_top(engine.routes["tick"])
    engine.run_top(engine.routes["tick"])
    assert stream.getvalue().splitlines() == ["NOTICE:@ [ 1 ]", "NOTICE:@ [ 1, 1 ]"]


# ---------------------------------------------------------------- for each

def test_for_each_over_arrays_keys_and_values() -> None:
    assert marked(r'''
        $json(d) := "{\"a\": 1, \"b\": [null, \"s\", {\"k\": true}], \"c\": null}";
        for ($var(v) in $(json(d/b)[*])) xlog("@ element $var(v)\n");
        for ($var(k) in $(json(d.keys)[*])) xlog("@ key $var(k)\n");
        for ($var(v) in $(json(d.values)[*])) xlog("@ value $var(v)\n");
        for ($var(v) in $(json(d)[*])) xlog("@ plain $var(v)\n");
        for ($var(v) in $(json_compact(d/b)[*])) xlog("@ compact $var(v)\n");
    ''') == ["element null", "element s", 'element { "k": true }',
             "key a", "key b", "key c",
             "value 1", 'value [ null, "s", { "k": true } ]', "value null",
             "plain 1", 'plain [ null, "s", { "k": true } ]', "plain null",
             "compact null", "compact s", 'compact {"k":true}']


def test_for_each_that_cannot_iterate_runs_no_body() -> None:
    assert marked(r'''
        $json(d) := "{\"a\": [1, 2], \"s\": \"x\"}";
        for ($var(v) in $(json(d/a.keys)[*])) xlog("@ array keys $var(v)\n");
        for ($var(v) in $(json(d/s)[*])) xlog("@ string $var(v)\n");
        for ($var(v) in $(json(none)[*])) xlog("@ missing $var(v)\n");
        xlog("@ done\n");
    ''') == ["done"]


def test_for_each_into_a_json_iterator_parses_each_value() -> None:
    assert marked(r'''
        $json(src) := "[{\"n\": 1}, 2, [3]]";
        for ($json(it) in $(json(src)[*])) xlog("@ it=$json(it) n=$json(it/n)\n");
    ''') == ['it={ "n": 1 } n=1', "it=2 n=<null>", "it=[ 3 ] n=<null>"]


def test_for_each_sees_changes_made_by_its_body() -> None:
    assert marked(r'''
        $json(a) := "[1, 2, 3]";
        for ($var(v) in $(json(a)[*])) {
            xlog("@ $var(v)\n");
            $json(a[-1]) = NULL;
        }
    ''') == ["1", "2"]


# ---------------------------------------------------------------- json_link

def test_json_link_shares_the_node() -> None:
    assert marked(r'''
        $json(a) := "{\"x\": {\"y\": 1}}";
        $json(b) := "{}";
        json_link($json(b/ref), $json(a/x));
        xlog("@ rc=$rc\n");
        $json(b/ref/z) = 2;
        $json(a/x/y) = NULL;
        xlog("@ a=$json(a) b=$json(b)\n");
        json_link($json(c), $json(a/x/z));
        $json(a/x/z) = 3;
        xlog("@ c=$json(c)\n");
    ''') == ["rc=1", 'a={ "x": { "z": 2 } } b={ "ref": { "z": 2 } }', "c=2"]


def test_json_link_failures() -> None:
    lines = run(r'''
        $json(a) := "{\"n\": null}";
        json_link($json(b), $json(nodoc));
        xlog("@ rc=$rc\n");
        json_link($json(b), $json(a/n));
        xlog("@ rc=$rc\n");
        json_link($json(b), $json(a/missing/deeper));
        xlog("@ rc=$rc\n");
        json_link($json(a/self), $json(a));
        xlog("@ rc=$rc\n");
        json_link($var(v), $json(a));
        xlog("@ rc=$rc a=$json(a)\n");
    ''')
    assert [line for line in lines if ":@ " in line] == [
        "NOTICE:@ rc=-1"] * 4 + ['NOTICE:@ rc=-1 a={ "n": null }']
    assert "ERROR:json:json_bind: Variable named:nodoc not found" in lines
    assert lines.count("NOTICE:json:json_bind: Could not find object with that path") == 2
    assert "NOTICE:json:print_tag_list: key=[missing]" in lines
    assert "ERROR:json:json_bind: Cannot link a json node inside itself" in lines
    assert "ERROR:json:fixup_json_bind: Parameter must be a json variable" in lines


# ---------------------------------------------------------------- json_merge

def test_json_merge_applies_a_merge_patch() -> None:
    assert marked(r'''
        json_merge("{\"a\": 1, \"b\": {\"c\": 2, \"d\": 3}, \"e\": [1]}",
                   "{\"A\": 5, \"b\": {\"c\": null, \"x\": 1.5}, \"e\": null,
                     \"n\": {\"m\": null}}",
                   $var(out));
        xlog("@ rc=$rc out=$var(out)\n");
        json_merge("[1]", "{\"k\": \"v/w\"}", $json(m));
        xlog("@ m=$json(m)\n");
        json_merge("{\"k\": 1}", "\"text\"", $var(out));
        xlog("@ out=$var(out)\n");
    ''') == ['rc=1 out={"A":5,"b":{"d":3,"x":1.500000},"n":{}}',
             'm={"k":"v/w"}', 'out="text"']


def test_json_merge_parse_failures() -> None:
    lines = run(r'''
        json_merge("{bad", "{}", $var(out));
        xlog("@ rc=$rc\n");
        json_merge("{}", "", $var(out));
        xlog("@ rc=$rc out=$var(out)\n");
    ''')
    assert lines == ["ERROR:json:w_merge_json: Failed to parse first param ",
                     "NOTICE:@ rc=-1",
                     "ERROR:json:w_merge_json: Failed to parse second param ",
                     "NOTICE:@ rc=-1 out=<null>"]


@pytest.mark.parametrize("source, printed", [
    ('{"a":1,"a":2}', '{"a":1,"a":2}'),
    ("[0, -0, 1.5, 2147483647, 2147483648, -3e9, 1e10, 1.5e10, 1e-7, 1e20, -1e20, 1e60]",
     "[0,0,1.500000,2147483647,2147483648,-3.000000e+09,10000000000,15000000000,"
     "1.000000e-07,1.000000e+20,-1.000000e+20,1.000000e+60]"),
    ("[0x1A, -inf, 1e999]", "[26,null,null]"),
    ('"tab\\t\\u00e9\\ud83d\\ude00\\/"', '"tab\\t\u00e9\U0001F600/"'),
    ('"unterminated', '"unterminated"'),
    ('{"a":[]} trailing', '{"a":[]}'),
])
def test_cjson_parse_and_print(source: str, printed: str) -> None:
    assert cjson_print(cjson_parse(source)) == printed


@pytest.mark.parametrize("source", ["", "nul", "[1,]", "{'a':1}", '"\\u0000"', '"\\ud83d"',
                                    '"\\q"', "+1", "-", '{"a" 1}'])
def test_cjson_rejects(source: str) -> None:
    with pytest.raises(JsonError):
        cjson_parse(source)


def test_merge_patch_keys_fold_case_and_move_to_the_end() -> None:
    merged = merge_patch(cjson_parse('{"Ab": 1, "c": 2, "ab": 3}'), cjson_parse('{"aB": 4}'))
    assert cjson_print(merged) == '{"c":2,"ab":3,"aB":4}'


# ---------------------------------------------------------------- json-c's tokener

@pytest.mark.parametrize("source, printed", [
    ("{'a': 'b\"c'}", '{"a":"b\\"c"}'),
    ("/* c */ [1, // line\n 2,] ", "[1,2]"),
    ('{"a": 1,}', '{"a":1}'),
    ("[TRUE, False, NULL, nan, -INFINITY, Infinity]", "[true,false,null,NaN,-Infinity,Infinity]"),
    ("00012", "12"),
    ("123", "123"),
    ("[1.e5, -.5, 1e, 1E+, 2.50]", "[1.e5,-.5,1,1,2.50]"),
    ("18446744073709551616", "18446744073709551615"),
    ("-99999999999999999999", "-9223372036854775808"),
    ('{"a": 1, "a": 2, "b": 3}', '{"a":2,"b":3}'),
    ('"\\ud83d\\ude00 \\ud83d \\ude00 \\ud83d\\u0041 \\u00e9"',
     '"\U0001F600 \ufffd \ufffd \ufffdA \u00e9"'),
    ('{"k\\u0000x": "v\\u0000w"}', '{"k":"v\\u0000w"}'),
    ("{} trailing garbage", "{}"),
    ("truex", "true"),
    ("[1, [2] /* left open", "[2]"),            # json-c returns the innermost value
    ("[9 // to the end", "9"),
    ("[1 /* a **/ ]", "1"),                      # '*' then '*': the comment stays open
    ("12abc", "12"),
    ("[" * 31 + "]" * 31, "[" * 31 + "]" * 31),
    ("[" * 32 + "]" * 32, "[" * 32 + "]" * 32),
])
def test_json_c_accepts(source: str, printed: str) -> None:
    assert compact(source) == printed


@pytest.mark.parametrize("source, message", [
    ("{bad", "quoted object property name expected"),
    ('{"a" 1}', "object property name separator ':' expected"),
    ('{"a": 1 "b": 2}', "object value separator ',' expected"),
    ("[1 2]", "array value separator ',' expected"),
    ("[,1]", "unexpected character"),
    ("[nux]", "null expected"),
    ("[trux]", "boolean expected"),
    ("[1.-5]", "number expected"),
    ("[12abc]", "number expected"),
    ("-x", "number expected"),
    ("infinite", "unexpected character"),
    ('"\\q"', "invalid string sequence"),
    ('"\\u12g4"', "invalid string sequence"),
    ("[1] /x", "expected comment"),
    ("[1] /", "expected comment"),
    ("[1, /", "unexpected end of data"),
    ("[1,", "unexpected end of data"),
    ("", "unexpected end of data"),
    ("tru", "unexpected end of data"),
    ("[" * 33 + "]" * 33, "nesting too deep"),
])
def test_json_c_rejects(source: str, message: str) -> None:
    with pytest.raises(JsonError, match=message.replace("[", r"\[")):
        JsoncParser(source).parse()
