"""`cfgscript check`: the start-up verdict, in one process and in parallel parts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cfgscript.catalog import load_catalog
from cfgscript.check import check_source
from cfgscript.diagnostics import ERROR
from cfgscript.syntax.parser import split_points
from cfgscript.syntax.source import load, load_text

CONFORMANCE = Path(__file__).parent / "conformance"
CHECK_CASES = sorted(p for p in CONFORMANCE.glob("*/*.json")
                     if "check" in json.loads(p.read_text()))

HEAD = ('loadmodule "cfgutils.so"\nloadmodule "event_datagram.so"\n'
        'modparam("cfgutils", "initial_probability", 15)\n')


@pytest.mark.parametrize("case", CHECK_CASES, ids=lambda p: "%s/%s" % (p.parent.name, p.stem))
def test_conformance_verdict_and_line(case: Path) -> None:
    """`cfgscript check` says what real OpenSIPS said when it loaded the case."""
    expected = json.loads(case.read_text())["check"]
    findings = [d for d in check_source(load(str(case.with_suffix(".cfg"))), jobs=1)
                if d.severity == ERROR]
    assert ("error" if findings else "ok") == expected["verdict"], headlines(findings)
    if "line" in expected:
        assert findings[0].line == expected["line"], headlines(findings)


def route_block(index: int, bad: bool) -> str:
    body = ['    $var(i) = %d;' % index,
            '    if ($var(i) > 3) { xlog("L_INFO", "route %d $var(i)\\n"); }' % index,
            '    route(r%d);' % (index + 1)]
    if bad:
        body += ['    no_such_function();', '    rand_event("x");',
                 '    xlog("$nosuchvar\\n");']
    return "route[r%d] {\n%s\n}\n" % (index, "\n".join(body))


def big_script(routes: int = 90, every_bad: int = 13) -> str:
    blocks = [route_block(i, i % every_bad == 5) for i in range(routes)]
    blocks.append("route[r%d] { exit; }\n" % routes)
    blocks.append("route[r7] { exit; }\n")                    # a redefinition
    blocks.append("startup_route { route(missing); route(r0); }\n")
    return HEAD + "".join(blocks)


def headlines(diagnostics) -> list[str]:
    return [d.headline() for d in diagnostics]


def test_parts_give_the_same_findings_as_one_process() -> None:
    source = load_text(big_script(), "big.cfg")
    assert len(split_points(source.text, 4)) == 4
    single = headlines(check_source(source, jobs=1))
    assert len(single) == 3 * 7 + 2
    for jobs in (2, 3, 4):
        assert headlines(check_source(source, jobs=jobs)) == single
    first_r7 = source.text[:source.text.index("route[r7]")].count("\n") + 1
    assert any("script route <r7> is redefined (route first defined at big.cfg:%d)" % first_r7
               in line for line in single)
    assert any("called route [missing] is not defined" in line for line in single)


def test_a_cut_inside_a_multiline_string_falls_back_to_one_parse() -> None:
    text = big_script(routes=40, every_bad=1000)
    middle = text.index("route[r20]")
    # a string that spans lines and holds a line that looks like a route start
    fakes = "route[fake] {\n" * 400            # the middle of the text falls among them
    text = text[:middle] + 'route[s] { xlog("a\n%s"); }\n' % fakes + text[middle:]
    source = load_text(text, "s.cfg")
    points = split_points(text, 2)
    assert text[points[1]:].startswith("route[fake]")
    findings = headlines(check_source(source, jobs=2))
    assert findings == headlines(check_source(source, jobs=1))
    assert findings and not any("syntax" in line or "fake" in line for line in findings)


def test_syntax_errors_are_reported_once_whatever_the_parts() -> None:
    text = big_script(routes=60, every_bad=1000).replace("route[r30] {", "route[r30] {{", 1)
    source = load_text(text, "e.cfg")
    single = headlines(check_source(source, jobs=1))
    assert headlines(check_source(source, jobs=2)) == single
    assert len(single) == 1 and "syntax error" in single[0]


def test_a_module_loaded_after_its_use_is_named() -> None:
    source = load_text('route { rand_event("x"); }\nloadmodule "cfgutils.so"\n', "late.cfg")
    (finding,) = check_source(source, jobs=1)
    assert "module cfgutils is loaded only after this route" in finding.message


@pytest.mark.parametrize("text, code", [
    ('startup_route { exit; }\nstartup_route { exit; }\n', "E120"),
    ('route { exit;\n', None),              # syntax errors have no code
    ('timer_route[t] { exit; }\n', None),
    ('timer_route[t, 0] { exit; }\n', "E122"),
    ('route { route(nowhere); }\n', "E123"),
    ('route { nope(); }\n', "E130"),
    ('loadmodule "no_such_module.so"\n', "E110"),
    ('route { xlog("$nope\\n"); }\n', "E140"),
    ('route { $var(a) = $(var(b){s.nope}); }\n', "E141"),
])
def test_each_kind_of_finding_has_its_code(text: str, code: str) -> None:
    findings = check_source(load_text(text, "c.cfg"), jobs=1)
    assert [d.code for d in findings] == [code], headlines(findings)


def test_cli_exit_codes(tmp_path) -> None:
    good, bad = tmp_path / "good.cfg", tmp_path / "bad.cfg"
    good.write_text("startup_route { exit; }\n")
    bad.write_text("route { nope(); }\n")

    def status(*args: str) -> int:
        return subprocess.run([sys.executable, "-m", "cfgscript", "check", *args],
                              capture_output=True, timeout=60).returncode

    assert status(str(good)) == 0
    assert status(str(bad)) == 1
    assert status(str(tmp_path / "missing.cfg")) == 2


@pytest.mark.parametrize("statement, error", [
    # each variable's own index parser judges the words (as real OpenSIPS 4.1 does)
    ('$(sdp.line([12])[insert]) = "a=x";', None),
    ('$(sdp.stream(audio)[insertAfter]) = "a=y";', None),
    ('$var(a) = $(tm.branch.uri[1/active]);', None),
    ('$(sdp.line([12])[delete]) = NULL;', "variable $sdp.line has an invalid index [delete]"),
    ('$var(a) = $(avp(x)[last]);', "variable $avp has an invalid index [last]"),
    ('$var(a) = $(hdr(X)[append]);', "variable $hdr has an invalid index [append]"),
])
def test_index_words_are_judged_by_their_variable(statement: str, error: str) -> None:
    text = 'loadmodule "tm.so"\nroute {\n    %s\n}\n' % statement
    findings = [d for d in check_source(load_text(text, "i.cfg"), jobs=1) if d.severity == ERROR]
    assert [(d.line, d.code, d.message) for d in findings] == (
        [(3, "E140", error)] if error else []), headlines(findings)


def test_a_small_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    """Start-up time: a script without regexes or transformations loads neither the
    runtime's regex engine nor its transformation table, and check builds no lint."""
    (tmp_path / "one.cfg").write_text('startup_route { xlog("L_INFO", "up\\n"); }\n')
    (tmp_path / "re.cfg").write_text('startup_route { if ($var(x) =~ "^a+$") { exit; } }\n')
    probe = ("import sys\nfrom cfgscript.cli import main\nstatus = main(['check', sys.argv[1]])\n"
             "print(status, sorted(m for m in ('cfgscript.runtime.regex', 'cfgscript.lint',\n"
             "      'cfgscript.runtime.transforms.table') if m in sys.modules))\n")
    outputs = [subprocess.run([sys.executable, "-c", probe, name], cwd=tmp_path, text=True,
                              capture_output=True, timeout=60).stdout.strip()
               for name in ("one.cfg", "re.cfg")]
    assert outputs == ["0 []", "0 ['cfgscript.runtime.regex']"]


@pytest.mark.parametrize("load, error", [
    # load_module() (sr_module.c) looks for the file as named; only the protocols
    # compiled into the core load without ".so"
    ('"auth"', "failed to load module 'auth': not found (the file is 'auth.so')"),
    ('"/usr/lib/opensips/modules/auth"', "not found"),
    ('"auth.so"', None),
    ('"proto_udp"', None),
])
def test_a_module_file_is_named_with_its_suffix(load: str, error: str) -> None:
    source = load_text("loadmodule %s\nroute { exit; }\n" % load, "m.cfg")
    messages = [d.message for d in check_source(source, jobs=1) if d.severity == ERROR]
    if error is None:
        assert messages == []
    else:
        assert len(messages) == 1 and error in messages[0], messages


ASYNC_HEAD = ('loadmodule "sl.so"\nloadmodule "signaling.so"\nloadmodule "tm.so"\n'
              'loadmodule "usrloc.so"\nloadmodule "registrar.so"\nloadmodule "cfgutils.so"\n')


@pytest.mark.parametrize("statement, error", [
    # async() and launch() look the function up among the async exports (cfg.y async_func)
    ('async(pn_process_purr("location"), resume);', None),      # async export only
    ('async(usleep(10), resume);', None),
    ('launch(sleep(1), resume);', None),
    ('async(t_relay(), resume);', "unknown async command <t_relay>, missing loadmodule?"),
    ('async(usleep(), resume);', "too few parameters for command <usleep>"),
])
def test_async_takes_the_async_exports(statement: str, error: str) -> None:
    text = ASYNC_HEAD + "route {\n    %s\n}\nroute[resume] { exit; }\n" % statement
    messages = [d.message for d in check_source(load_text(text, "a.cfg"), jobs=1)
                if d.severity == ERROR]
    assert messages == ([] if error is None else [error])


@pytest.mark.parametrize("assignment, error", [
    # cfg.y: most number globals take NUMBER (yes/no lex as one), a few take snumber
    ("log_level = -1", None),
    ("xlog_level = -2", None),
    ("debug_mode = yes", None),
    ("tos = 0x10", None),
    ("chroot = work", None),                       # STRING or ID
    ("udp_workers = -4", "'udp_workers' expects a number of 0 or more, not -4"),
    ("dns_retr_time = -1", "'dns_retr_time' expects a number of 0 or more, not -1"),
    ("syslog_facility = yes", "'syslog_facility' expects a bare word, not yes"),
    ("chroot = 4", "'chroot' expects a quoted string or a bare word, not 4"),
])
def test_a_global_value_takes_a_form_of_its_rule(assignment: str, error: str) -> None:
    source = load_text("%s\nroute { exit; }\n" % assignment, "g.cfg")
    messages = [d.message for d in check_source(source, jobs=1) if d.severity == ERROR]
    assert messages == ([] if error is None else [error])


@pytest.mark.parametrize("release, severity", [("3.4", "warning"), ("3.5", "warning"),
                                               ("3.6", None), ("4.1", None)])
def test_accept_subdomain_before_3_6_is_one_more_alias_name(release: str, severity) -> None:
    # before 3.6 cfg.lex has no such keyword: OpenSIPS starts, with an alias of that name
    source = load_text("alias = udp:example.com:5060 accept_subdomain\nroute { exit; }\n",
                       "a.cfg")
    found = check_source(source, load_catalog(release), jobs=1)
    assert [d.severity for d in found] == ([severity] if severity else [])
    assert all("as one more alias host name" in d.message for d in found)
