"""Diagnostics: `path:line:col: severity: message`, the source line and a caret."""

from __future__ import annotations

import pytest

from cfgscript.diagnostics import ERROR, NOTE, WARNING, Diagnostic, DiagnosticError, render
from cfgscript.syntax.parser import parse_text


def lines(*text: str):
    """A line lookup for render(): the given lines of file f.cfg."""
    def lookup(path: str, number: int):
        return text[number - 1] if path == "f.cfg" and number <= len(text) else None
    return lookup


def test_headline_with_position():
    diag = Diagnostic(ERROR, "bad thing", "f.cfg", 3, 7)
    assert diag.headline() == "f.cfg:3:7: error: bad thing"


def test_headline_without_column_uses_column_one():
    assert Diagnostic(WARNING, "w", "f.cfg", 3).headline() == "f.cfg:3:1: warning: w"


def test_headline_without_position_names_only_the_file():
    assert Diagnostic(ERROR, "cannot read", "f.cfg").headline() == "f.cfg: error: cannot read"


def test_headline_with_rule_code():
    diag = Diagnostic(WARNING, "unused route", "f.cfg", 1, 1, code="W001")
    assert diag.headline() == "f.cfg:1:1: warning: unused route [W001]"


def test_render_shows_the_line_and_a_caret():
    diag = Diagnostic(ERROR, "m", "f.cfg", 2, 5)
    assert render(diag, lines("route {", "    foo(1);")) == (
        "f.cfg:2:5: error: m\n"
        "    foo(1);\n"
        "    ^")


def test_render_underlines_up_to_end_col():
    diag = Diagnostic(ERROR, "m", "f.cfg", 1, 5, end_col=8)
    assert render(diag, lines("    foo(1);")).splitlines()[-1] == "    ^~~"


def test_render_underline_stops_at_the_end_of_the_line():
    diag = Diagnostic(ERROR, "m", "f.cfg", 1, 3, end_col=50)
    assert render(diag, lines("abcd")).splitlines()[-1] == "  ^~"


def test_render_end_col_not_after_col_gives_one_caret():
    diag = Diagnostic(NOTE, "m", "f.cfg", 1, 3, end_col=2)
    assert render(diag, lines("abcd")).splitlines()[-1] == "  ^"


def test_render_keeps_tabs_so_the_caret_lines_up():
    diag = Diagnostic(ERROR, "m", "f.cfg", 1, 4)
    assert render(diag, lines("\t\t x = ;")).splitlines()[1:] == ["\t\t x = ;", "\t\t ^"]


def test_render_strips_line_endings():
    diag = Diagnostic(ERROR, "m", "f.cfg", 1, 2)
    assert render(diag, lines("ab\r\n")).splitlines()[1:] == ["ab", " ^"]


def test_render_column_past_the_end_of_the_line_points_just_after_it():
    diag = Diagnostic(ERROR, "m", "f.cfg", 1, 5)
    assert render(diag, lines("ab")).splitlines()[1:] == ["ab", "  ^"]


def test_render_without_source_or_position_is_the_headline():
    diag = Diagnostic(ERROR, "m", "f.cfg", 9, 1)
    assert render(diag) == "f.cfg:9:1: error: m"
    assert render(diag, lines("only one line")) == "f.cfg:9:1: error: m"
    assert render(Diagnostic(ERROR, "m", "f.cfg"), lines("x")) == "f.cfg: error: m"


def test_render_names_the_include_chain_first():
    diag = Diagnostic(ERROR, "m", "inc.cfg", 1, 1,
                      included_from=(("main.cfg", 4), ("mid.cfg", 2)))
    assert render(diag) == ("in file included from main.cfg:4\n"
                            "in file included from mid.cfg:2\n"
                            "inc.cfg:1:1: error: m")


def test_sort_key_orders_by_file_line_column():
    diags = [Diagnostic(ERROR, "c", "b.cfg", 1, 1), Diagnostic(ERROR, "b", "a.cfg", 2, 1),
             Diagnostic(ERROR, "a", "a.cfg", 1, 9)]
    assert [d.message for d in sorted(diags, key=lambda d: d.sort_key)] == ["a", "b", "c"]


def test_diagnostic_error_carries_every_diagnostic():
    first = Diagnostic(ERROR, "one", "f.cfg", 1, 1)
    err = DiagnosticError([first, Diagnostic(ERROR, "two", "f.cfg", 2, 1)])
    assert str(err) == "f.cfg:1:1: error: one"
    assert [d.message for d in err.diagnostics] == ["one", "two"]
    assert str(DiagnosticError([])) == "error"


@pytest.mark.parametrize(("text", "expected"), [
    ("route {\n  $var(a) = 08;\n}\n",
     "t.cfg:2:14: error: syntax error: unexpected number 8\n"
     "  $var(a) = 08;\n"
     "             ^"),
    ("route {\n  xlog(\"L_ERR\", \"a\") exit;\n}\n",
     "t.cfg:2:22: error: syntax error: unexpected 'exit'\n"
     "  xlog(\"L_ERR\", \"a\") exit;\n"
     "                     ^~~~"),
    ("route {\n\tbreak;\n}\n",
     "t.cfg:2:2: error: 'break' outside of a while, for or switch statement\n"
     "\tbreak;\n"
     "\t^~~~~"),
    ("route {\n  $var(a) = \"never closed;\n}\n",
     "t.cfg:2:13: error: unterminated string\n"
     "  $var(a) = \"never closed;\n"
     "            ^"),
])
def test_parser_diagnostics_render_like_a_compiler(text, expected):
    result = parse_text(text, "t.cfg")
    (diag,) = result.diagnostics
    assert diag.severity == ERROR
    assert render(diag, result.source.line_text) == expected


def test_multiline_span_gets_a_single_caret():
    result = parse_text('route {\n  xdbg("L_ERR",\n "x");\n}\n', "t.cfg")
    (diag,) = result.diagnostics
    assert (diag.line, diag.col, diag.end_col) == (2, 3, 0)
    assert render(diag, result.source.line_text).splitlines()[-1] == "  ^"


def test_render_escapes_control_characters_and_keeps_the_caret_under_its_character():
    diag = Diagnostic(ERROR, "bad \x1b[2J text\x00", "f.cfg", 1, 9)
    rendered = render(diag, lines('xlog("\x1b]0;x\x07", $x);'))
    assert rendered.splitlines() == [
        "f.cfg:1:9: error: bad \\x1b[2J text\\x00",
        'xlog("\\x1b]0;x\\x07", $x);',
        " " * len('xlog("\\x1b]') + "^"]
    assert "\x1b" not in rendered and "\x07" not in rendered


def test_render_underline_covers_escaped_characters_in_the_span():
    diag = Diagnostic(ERROR, "m", "f.cfg", 1, 2, end_col=4)
    assert render(diag, lines("a\x00\x01b")).splitlines()[1:] == ["a\\x00\\x01b", " ^" + "~" * 7]


def test_render_escapes_bidi_controls_and_stray_bytes():
    text = "a\u202eb" + b"\xff".decode("utf-8", "surrogateescape")
    diag = Diagnostic(ERROR, "m", "f.cfg", 1, 3)
    assert render(diag, lines(text)).splitlines()[1:] == ["a\\u202eb\\udcff", "       ^"]


def test_render_lines_up_wide_characters():
    diag = Diagnostic(ERROR, "m", "f.cfg", 1, 4)
    assert render(diag, lines('"日本"x')).splitlines()[1:] == ['"日本"x', "     ^"]


def test_render_escapes_the_path_and_the_include_chain():
    diag = Diagnostic(ERROR, "m", "a\x1b.cfg", 1, 1, included_from=(("m\x07.cfg", 2),))
    assert render(diag) == "in file included from m\\x07.cfg:2\na\\x1b.cfg:1:1: error: m"


def test_render_cuts_a_long_line_around_the_caret():
    text = "x" * 500_000 + "BAD" + "y" * 500_000
    diag = Diagnostic(ERROR, "m", "f.cfg", 1, 500_001, end_col=500_004)
    source, caret = render(diag, lines(text)).splitlines()[1:]
    assert len(source) <= 170
    assert source.startswith("...x") and source.endswith("y...")
    assert source[caret.index("^"):caret.index("^") + 3] == "BAD"
    assert caret.strip() == "^~~"


def test_render_cuts_a_long_line_with_the_caret_near_its_start_or_end():
    text = "a" * 1000
    start, end = (render(Diagnostic(ERROR, "m", "f.cfg", 1, col), lines(text)).splitlines()[1:]
                  for col in (1, 1000))
    assert start[0].endswith("...") and not start[0].startswith("...") and start[1] == "^"
    assert end[0].startswith("...") and not end[0].endswith("...")
    assert len(end[1]) == len(end[0])


def test_render_of_a_line_that_fits_is_not_cut():
    text = "a" * 160
    assert render(Diagnostic(ERROR, "m", "f.cfg", 1, 1), lines(text)).splitlines()[1] == text


def test_render_in_colour_paints_severity_and_caret_only_when_asked():
    diag = Diagnostic(ERROR, "m", "f.cfg", 1, 1)
    plain, coloured = render(diag, lines("x")), render(diag, lines("x"), color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31merror\x1b[0m" in coloured and "\x1b[1;32m^\x1b[0m" in coloured
