"""include_file / import_file (reference.md section 1.8) and source positions.

The include pass is line based and runs before lexing, like cfg_pp.c: it
knows nothing of comments or strings, ignores what follows the closing quote,
tries a relative path against the current directory first and then against
the including file's directory, and nests up to 50 levels.
"""

from __future__ import annotations

import io
import os
import sys

import pytest

from cfgscript.diagnostics import DiagnosticError, render
from cfgscript.syntax import ast
from cfgscript.syntax.parser import parse_file, parse_text
from cfgscript.syntax.source import MAX_INCLUDE_DEPTH, decode, load, load_text


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A directory to write scripts in; the current directory is elsewhere."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    root = tmp_path / "cfg"
    root.mkdir()

    def write(name: str, text: str) -> str:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return str(path)

    write.root = root
    return write


def parse_ok(path: str) -> ast.Script:
    result = parse_file(path)
    assert result.diagnostics == [], [render(d) for d in result.diagnostics]
    return result.script


def include_error(path: str) -> list:
    with pytest.raises(DiagnosticError) as info:
        parse_file(path)
    return info.value.diagnostics


def test_include_at_top_level(tree):
    inc = tree("routes.cfg", 'route[a] {\n    xlog("a");\n}\n')
    main = tree("main.cfg", 'log_level=1\ninclude_file "routes.cfg"\nroute {\n  exit;\n}\n')
    script = parse_ok(main)
    param, included, route = script.items
    assert (included.kind, included.name, included.file) == ("route", "a", inc)
    assert (included.line, included.col, included.end_line, included.end_col) == (1, 1, 3, 2)
    assert (included.body[0].file, included.body[0].line, included.body[0].col) == (inc, 2, 5)
    assert (route.file, route.line, route.body[0].line) == (main, 3, 4)
    assert script.files == [main, inc]


def test_import_file_is_the_same_as_include_file(tree):
    tree("r.cfg", "route[a] { exit; }\n")
    main = tree("main.cfg", 'import_file "r.cfg"\nimport_file "r.cfg"\n')
    script = parse_ok(main)
    assert [r.name for r in script.items] == ["a", "a"]    # not "import once"


def test_relative_path_tries_the_current_directory_first(tree, monkeypatch):
    tree("sub/main.cfg", 'include_file "inc.cfg"\n')
    tree("sub/inc.cfg", "route[from_dir] { exit; }\n")
    tree("inc.cfg", "route[from_cwd] { exit; }\n")
    main = str(tree.root / "sub" / "main.cfg")
    assert [r.name for r in parse_ok(main).items] == ["from_dir"]
    monkeypatch.chdir(tree.root)
    assert [r.name for r in parse_ok(main).items] == ["from_cwd"]


def test_nested_include_is_relative_to_the_including_file(tree):
    tree("a/b/leaf.cfg", "route[leaf] { exit; }\n")
    tree("a/mid.cfg", 'include_file "b/leaf.cfg"\n')
    main = tree("main.cfg", 'include_file "a/mid.cfg"\n')
    assert [r.name for r in parse_ok(main).items] == ["leaf"]


def test_absolute_path(tree):
    inc = tree("x/abs.cfg", "route[abs] { exit; }\n")
    main = tree("main.cfg", 'include_file "%s"\n' % inc)
    assert [r.name for r in parse_ok(main).items] == ["abs"]


def test_include_inside_a_route_body(tree):
    inc = tree("body.inc", '  xlog("from include");\n  $var(x) = 1;\n')
    main = tree("main.cfg", 'route {\n  include_file "body.inc"\n  exit;\n}\n')
    (route,) = parse_ok(main).items
    assert [type(s) for s in route.body] == [ast.Xlog, ast.Assign, ast.Exit]
    assert [(s.file, s.line) for s in route.body] == [(inc, 1), (inc, 2), (main, 3)]


def test_include_line_inside_a_block_comment_is_still_processed(tree):
    inc = tree("commented.cfg", "route[hidden] { exit; }\n")
    main = tree("main.cfg", '/*\ninclude_file "commented.cfg"\n*/\nroute { exit; }\n')
    script = parse_ok(main)
    assert [r.name for r in script.items] == [None]
    assert script.files == [main, inc]
    bad = tree("bad.cfg", '/*\ninclude_file "missing.cfg"\n*/\nroute { exit; }\n')
    (diag,) = include_error(bad)
    assert (diag.file, diag.line) == (bad, 2)


def test_included_text_can_close_a_comment(tree):
    tree("closer.cfg", "*/\nroute[visible] { exit; }\n")
    main = tree("main.cfg", '/* opened here\ninclude_file "closer.cfg"\nroute { exit; }\n')
    assert [r.name for r in parse_ok(main).items] == ["visible", None]


def test_hash_comment_line_is_not_an_include(tree):
    main = tree("main.cfg", '# include_file "missing.cfg"\n  #include_file "missing.cfg"\n'
                            "route { exit; }\n")
    assert len(parse_ok(main).items) == 1


def test_anything_after_the_closing_quote_is_ignored(tree):
    tree("r.cfg", "route[r] { exit; }\n")
    main = tree("main.cfg", 'include_file "r.cfg"; junk } { "x"\n'
                            "\t include_file 'r.cfg'   # comment\n"
                            'include_file"r.cfg"\n'
                            'import_file "r.cfg"\r\n')
    assert [r.name for r in parse_ok(main).items] == ["r"] * 4


def test_longer_word_is_not_an_include(tree):
    main = tree("main.cfg", 'include_files "r.cfg"\n')
    result = parse_file(main)
    assert [d.message for d in result.diagnostics] == [
        "syntax error: unexpected 'include_files'"]


def test_missing_file_is_an_error_with_the_include_position(tree):
    main = tree("main.cfg", 'log_level=1\n   include_file "nope.cfg"\nroute { exit; }\n')
    (diag,) = include_error(main)
    assert (diag.file, diag.line, diag.col, diag.end_col) == (main, 2, 4, 27)
    assert diag.message == "cannot include 'nope.cfg': No such file or directory"
    with open(main) as f:
        lines = f.read().split("\n")
    assert render(diag, lambda f, n: lines[n - 1] if f == main else None) == (
        "%s:2:4: error: cannot include 'nope.cfg': No such file or directory\n"
        '   include_file "nope.cfg"\n'
        "   ^~~~~~~~~~~~~~~~~~~~~~~" % main)


def test_missing_file_deep_inside_an_include_names_the_chain(tree):
    mid = tree("mid.cfg", 'route[m] { exit; }\ninclude_file "gone.cfg"\n')
    main = tree("main.cfg", '\ninclude_file "mid.cfg"\n')
    (diag,) = include_error(main)
    assert (diag.file, diag.line, tuple(diag.included_from)) == (mid, 2, ((main, 2),))
    assert render(diag).startswith("in file included from %s:2\n%s:2:1: error:" % (main, mid))


def test_include_of_a_directory_is_an_error(tree):
    main = tree("main.cfg", 'include_file "%s"\n' % tree.root)
    (diag,) = include_error(main)
    assert diag.message.endswith("Is a directory")


@pytest.mark.parametrize("line", ["include_file", "include_file x.cfg", 'include_file ""',
                                  'include_file "open', "import_file 'x.cfg\""])
def test_malformed_include_line(tree, line):
    main = tree("main.cfg", line + "\n")
    (diag,) = include_error(main)
    directive = line.split()[0]
    assert diag.message == "%s needs a quoted, non-empty file path" % directive
    assert (diag.line, diag.col) == (1, 1)


def test_nul_byte_in_the_path_is_an_error(tree):
    main = tree("main.cfg", 'include_file "a\x00b"\n')
    (diag,) = include_error(main)
    assert diag.message == "include_file: the file path contains a NUL byte"


def test_include_cycle_is_reported(tree):
    one = tree("one.cfg", 'include_file "two.cfg"\n')
    two = tree("two.cfg", 'route[x] { exit; }\ninclude_file "one.cfg"\n')
    (diag,) = include_error(one)
    assert (diag.file, diag.line) == (two, 2)
    assert diag.message == "include cycle: one.cfg -> two.cfg -> one.cfg"
    assert tuple(diag.included_from) == ((one, 1),)


def test_self_include_is_a_cycle(tree):
    main = tree("self.cfg", 'include_file "self.cfg"\n')
    (diag,) = include_error(main)
    assert diag.message == "include cycle: self.cfg -> self.cfg"


def _chain(tree, levels: int) -> str:
    """main.cfg includes d1.cfg, which includes d2.cfg, ... up to d<levels>.cfg."""
    for i in range(1, levels):
        tree("d%d.cfg" % i, 'include_file "d%d.cfg"\n' % (i + 1))
    tree("d%d.cfg" % levels, "route[deepest] { exit; }\n")
    return tree("main.cfg", 'include_file "d1.cfg"\n')


def test_includes_nest_up_to_50_levels(tree):
    main = _chain(tree, MAX_INCLUDE_DEPTH)
    script = parse_ok(main)
    assert [r.name for r in script.items] == ["deepest"]
    assert len(script.files) == MAX_INCLUDE_DEPTH + 1


def test_include_deeper_than_50_levels_is_reported(tree):
    main = _chain(tree, MAX_INCLUDE_DEPTH + 1)
    (diag,) = include_error(main)
    assert diag.file.endswith("d%d.cfg" % MAX_INCLUDE_DEPTH)
    assert diag.message == "include_file: includes nest deeper than 50 levels"
    assert len(diag.included_from) == MAX_INCLUDE_DEPTH


def test_several_include_problems_in_one_run(tree):
    main = tree("main.cfg", 'include_file "a.cfg"\nroute { exit; }\ninclude_file "b.cfg"\n')
    assert [d.line for d in include_error(main)] == [1, 3]


def test_syntax_error_in_an_included_file(tree):
    inc = tree("body.inc", '  xlog("b");\n  $var(x) = ;\n')
    main = tree("main.cfg", 'log_level=1\nroute {\n import_file "body.inc"\n  exit;\n}\n')
    result = parse_file(main)
    (diag,) = result.diagnostics
    assert (diag.file, diag.line, diag.col) == (inc, 2, 13)
    assert tuple(diag.included_from) == ((main, 3),)
    assert render(diag, result.source.line_text) == (
        "in file included from %s:3\n"
        "%s:2:13: error: syntax error: unexpected ';'\n"
        "  $var(x) = ;\n"
        "            ^" % (main, inc))


def test_errors_after_an_include_have_main_file_positions(tree):
    tree("ok.cfg", "route[a] {\n  exit;\n}\n")
    main = tree("main.cfg", 'include_file "ok.cfg"\nroute[b] {\n  $var(x) = ;\n}\n'
                            "route[c] { break; }\n")
    result = parse_file(main)
    assert [(d.file, d.line, d.col) for d in result.diagnostics] == [(main, 3, 13), (main, 5, 12)]


def test_semantic_error_in_an_included_file(tree):
    inc = tree("r.cfg", "\nroute[r] {\n  break;\n}\n")
    main = tree("main.cfg", 'include_file "r.cfg"\n')
    (diag,) = parse_file(main).diagnostics
    assert (diag.file, diag.line, diag.col, diag.end_col) == (inc, 3, 3, 8)
    assert tuple(diag.included_from) == ((main, 1),)


def test_two_levels_of_includes_give_the_whole_chain(tree):
    leaf = tree("leaf.cfg", "route[x] { $ }\n")
    mid = tree("mid.cfg", '\n\ninclude_file "leaf.cfg"\n')
    main = tree("main.cfg", 'include_file "mid.cfg"\n')
    result = parse_file(main)
    (diag,) = result.diagnostics
    assert (diag.file, diag.line, diag.col) == (leaf, 1, 12)
    assert tuple(diag.included_from) == ((main, 1), (mid, 3))


def test_included_file_without_final_newline_and_with_bom(tree):
    inc = tree("r.cfg", "")
    with open(inc, "wb") as f:
        f.write(b"\xef\xbb\xbfroute[r] { exit; }")
    main = tree("main.cfg", 'include_file "r.cfg"\nroute { exit; }')
    script = parse_ok(main)
    assert [(r.name, r.file, r.line, r.col) for r in script.items] == [
        ("r", inc, 1, 1), (None, main, 2, 1)]


def test_source_locate_and_line_text(tree):
    inc = tree("two.inc", "second\nthird\n")
    main = tree("main.cfg", 'first\ninclude_file "two.inc"\nlast\n')
    source = load(main)
    assert source.text == "first\nsecond\nthird\nlast\n"
    assert source.has_includes
    located = [(f.path, n) for f, n in map(source.locate, range(1, 5))]
    assert located == [(main, 1), (inc, 1), (inc, 2), (main, 3)]
    assert source.line_text(inc, 2) == "third"
    assert source.line_text(main, 2) == 'include_file "two.inc"'
    assert source.line_text(main, 99) is None
    assert source.line_text("other.cfg", 1) is None
    assert [f.included_from for f in source.files] == [(), ((main, 2),)]


def test_source_without_includes():
    source = load_text("route { exit; }\n", "x.cfg")
    assert not source.has_includes
    assert source.locate(1)[1] == 1
    assert source.main.path == "x.cfg"


def test_parse_text_follows_includes_relative_to_its_path(tree):
    tree("r.cfg", "route[r] { exit; }\n")
    main = str(tree.root / "virtual.cfg")
    result = parse_text('include_file "r.cfg"\n', main)
    assert [r.name for r in result.script.items] == ["r"]


def test_stdin_script_includes_from_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "r.cfg").write_text("route[r] { exit; }\n")
    monkeypatch.chdir(tmp_path)
    stdin = io.TextIOWrapper(io.BytesIO(b'\xef\xbb\xbfinclude_file "r.cfg"\n'))
    monkeypatch.setattr(sys, "stdin", stdin)
    result = parse_file("-")
    assert [r.name for r in result.script.items] == ["r"]
    assert result.script.files == ["-", "r.cfg"]


def test_decode_keeps_stray_bytes():
    assert decode(b"\xef\xbb\xbfa\xff") == "a\udcff"


def test_include_word_inside_other_text_is_not_an_include(tree):
    main = tree("main.cfg", 'route { xlog("include_file \\"x.cfg\\""); }\n')
    assert len(parse_ok(main).items) == 1
    assert os.path.basename(main) == "main.cfg"
