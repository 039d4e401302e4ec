"""Release-aware linting and checking: what each OpenSIPS release accepts and
refuses (L401-L404), --upgrade-to (L410), the safe renames of --fix, and the
--target-version of check and run."""

from __future__ import annotations

from pathlib import Path

import pytest

from cfgscript.catalog import RELEASES, load_catalog
from cfgscript.cli import main
from cfgscript.lint import codes
from cfgscript.lint.finding import ERROR, WARNING, Finding
from cfgscript.lint.runner import lint_text

# (script, the releases that accept it, the code elsewhere, a fragment of that message)
CASES = [
    ("log_stderror = yes\n", ("3.4", "3.5", "3.6"), "L401", "'stderror_enabled'"),
    ("listen = udp:127.0.0.1:5060\n", ("3.4", "3.5", "3.6"), "L401",
     "renamed to 'socket' in OpenSIPS 4.0"),
    ("tcp_threads = 4\n", ("4.0", "4.1"), "L401", "new in OpenSIPS 4.0"),
    ("pi_framework = \"/etc/pi.xml\"\n", ("4.1",), "L401", "new in OpenSIPS 4.1"),
    ('loadmodule "avpops.so"\n', ("3.4",), "L402", "removed in OpenSIPS 3.5; use 'sqlops'"),
    ('loadmodule "rabbitmq.so"\n', ("3.4", "3.5"), "L402", "'event_rabbitmq'"),
    ('loadmodule "httpd.so"\nloadmodule "mi_xmlrpc_ng.so"\n', ("3.4", "3.5", "3.6"), "L402",
     "renamed to 'mi_xmlrpc' in OpenSIPS 4.0"),
    ('loadmodule "httpd.so"\nloadmodule "mi_xmlrpc.so"\n', ("4.0", "4.1"), "L402",
     "new in OpenSIPS 4.0"),
    ('loadmodule "usrloc.so"\nmodparam("usrloc", "db_mode", 2)\n', ("3.4", "3.5", "3.6"),
     "L403", "'working_mode_preset'"),
    ('loadmodule "usrloc.so"\nloadmodule "registrar.so"\n'
     'modparam("registrar", "allow_dup_cseq", 1)\n', ("3.4", "3.6", "4.0", "4.1"), "L403",
     "not in OpenSIPS 3.5"),
    ("startup_route { remove_branch(1); }\n", ("3.4", "3.5"), "L404",
     "renamed to 'remove_msg_branch' in OpenSIPS 3.6"),
    ("startup_route { move_msg_branch(1, 2); }\n", ("3.6", "4.0", "4.1"), "L404",
     "new in OpenSIPS 3.6"),
    ('loadmodule "avpops.so"\nstartup_route { avp_db_load("$ru", "$avp(x)"); }\n', ("3.4",),
     "L404", "use 'sql_avp_load'"),
]


def lint(text: str, release: str, upgrade: str | None = None) -> list[Finding]:
    return lint_text(text, "main.cfg", load_catalog(release), codes.RULES, jobs=1,
                     upgrade=load_catalog(upgrade) if upgrade else None).findings


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR]


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("script, accepted, code, fragment", CASES,
                         ids=[case[0].splitlines()[-1][:40] for case in CASES])
def test_each_release_accepts_its_own_names_and_names_the_replacement_elsewhere(
        release: str, script: str, accepted: tuple[str, ...], code: str, fragment: str) -> None:
    found = errors(lint(script, release))
    if release in accepted:
        assert found == []
        return
    # one finding per problem: the E1xx finding at the same place is superseded
    assert all(f.code.startswith("L40") for f in found), found
    last = found[-1]
    assert last.code == code
    assert fragment in last.message or "is new in" in last.message, last.message


def test_a_removed_name_says_when_it_went_and_what_replaces_it() -> None:
    found, = lint("log_stderror = yes\n", "4.1")
    assert found.message == ("global 'log_stderror' was removed in OpenSIPS 4.0; use "
                             "'stderror_enabled' and 'syslog_enabled'")
    found, = lint("children = 4\n", "3.4")
    assert found.message == "global 'children' was renamed to 'udp_workers' in OpenSIPS 3.1"


def test_a_newer_name_offers_the_older_spelling_on_an_older_target() -> None:
    found, = lint("startup_route { move_msg_branch(1, 2); }\n", "3.5")
    assert found.message.endswith("use 'move_branch'")
    assert found.fix is not None


def test_the_event_route_module_is_only_a_warning_where_the_release_skips_it() -> None:
    found, = lint('loadmodule "event_route.so"\n', "3.6")
    assert (found.code, found.severity) == ("L402", WARNING)
    assert found.fix is not None and found.fix.edits[0].content == ""
    assert lint('loadmodule "event_route.so"\n', "3.5") == []


def test_grammar_forms_newer_than_the_target_are_refused_by_it() -> None:
    script = ("socket = udp:127.0.0.1:5060-5062 tos 4\nmpath = \"/a/\":\"/b/\"\n"
              "startup_route { $var(a) = 0; $var(x) = 1;\n"
              "    assert($var(a) == 0); return(1, $var(x)); }\n")
    messages = [f.message for f in lint(script, "3.4") if f.code == "E102"]
    assert messages == [
        "a port range is first in OpenSIPS 3.5 (the script targets 3.4)",
        "socket parameter 'tos' is first in OpenSIPS 3.6 (the script targets 3.4)",
        "an mpath list (\"a\":\"b\") is first in OpenSIPS 4.0 (the script targets 3.4)",
        "assert() without a message is first in OpenSIPS 3.6 (the script targets 3.4)",
        "return() with values is first in OpenSIPS 3.6 (the script targets 3.4)"]
    assert [f.code for f in lint(script, "4.1")] == []


# ---------------------------------------------------------------- --upgrade-to

UPGRADE_SCRIPT = """\
log_stderror = yes
listen = udp:127.0.0.1:5060
loadmodule "usrloc.so"
loadmodule "presence.so"
loadmodule "presence_callinfo.so"
modparam("usrloc", "db_mode", 2)
startup_route { remove_branch(1); }
route[r] { sca_set_called_line(); }
"""


def test_upgrade_to_reports_every_break_with_its_replacement() -> None:
    assert errors(lint(UPGRADE_SCRIPT, "3.4")) == []
    found = [(f.line, f.message) for f in lint(UPGRADE_SCRIPT, "3.4", "4.1") if f.code == "L410"]
    assert found == [
        (1, "on OpenSIPS 4.1: global 'log_stderror' was removed in OpenSIPS 4.0; use "
            "'stderror_enabled' and 'syslog_enabled'"),
        (2, "on OpenSIPS 4.1: global 'listen' was renamed to 'socket' in OpenSIPS 4.0"),
        (6, "on OpenSIPS 4.1: parameter 'db_mode' of module usrloc was removed in OpenSIPS "
            "4.0; use 'working_mode_preset'"),
        (7, "on OpenSIPS 4.1: function remove_branch() was renamed to 'remove_msg_branch' "
            "in OpenSIPS 3.6"),
        (8, "on OpenSIPS 4.1: sca_set_called_line() takes 1 arguments, not 0")]


def test_upgrade_to_the_target_itself_reports_nothing_more() -> None:
    assert [f for f in lint(UPGRADE_SCRIPT, "3.4", "3.4") if f.code == "L410"] == []


def test_upgrade_fixes_only_renames_the_target_has_too(tmp_path: Path, capsys) -> None:
    path = tmp_path / "main.cfg"
    path.write_text(UPGRADE_SCRIPT)
    assert main(["lint", "--no-cache", "--target-version", "3.4", "--upgrade-to", "4.1",
                 "--fix", str(path)]) == 1
    fixed = path.read_text()
    assert fixed.startswith("stderror_enabled = yes\nsyslog_enabled = no\n"
                            "socket = udp:127.0.0.1:5060\n")
    assert "remove_branch(1)" in fixed       # remove_msg_branch() is not in 3.4
    assert errors(lint(fixed, "3.4")) == []


# ---------------------------------------------------------------- --fix

@pytest.mark.parametrize("script, release, expected", [
    ("log_stderror = no\nlisten = udp:127.0.0.1:5060\nchildren = 4\n", "4.1",
     "stderror_enabled = no\nsyslog_enabled = yes\nsocket = udp:127.0.0.1:5060\n"
     "udp_workers = 4\n"),
    ('loadmodule "httpd.so"\nloadmodule "mi_xmlrpc_ng.so"\n'
     'modparam("mi_xmlrpc_ng", "http_root", "RPC2")\n', "4.1",
     'loadmodule "httpd.so"\nloadmodule "mi_xmlrpc.so"\nmodparam("mi_xmlrpc", "http_root", '
     '"RPC2")\n'),
    ("startup_route { remove_branch(1); swap_branches(1, 2); }\n", "4.0",
     "startup_route { remove_msg_branch(1); swap_msg_branches(1, 2); }\n"),
    ("startup_route { move_msg_branch(1, 2); }\n", "3.5",
     "startup_route { move_branch(1, 2); }\n"),
])
def test_fix_applies_renames_and_a_second_run_changes_nothing(
        tmp_path: Path, script: str, release: str, expected: str) -> None:
    path = tmp_path / "main.cfg"
    path.write_text(script)
    arguments = ["lint", "--no-cache", "--target-version", release, "--fix", str(path)]
    main(arguments)
    assert path.read_text() == expected
    assert errors(lint(expected, release)) == []
    main(arguments)
    assert path.read_text() == expected


# ---------------------------------------------------------------- check and run

def test_check_judges_the_script_as_the_target_release(tmp_path: Path, capsys) -> None:
    path = tmp_path / "main.cfg"
    path.write_text("log_stderror = yes\nstartup_route { exit; }\n")
    assert main(["check", "--target-version", "3.6", str(path)]) == 0
    assert main(["check", str(path)]) == 1
    assert "removed in OpenSIPS 4.0; use 'stderror_enabled'" in capsys.readouterr().err
    path.write_text("tcp_threads = 4\nstartup_route { return(1, \"x\"); }\n")
    assert main(["check", "--target-version", "4.0", str(path)]) == 0
    assert main(["check", "--target-version", "3.5", str(path)]) == 1
    err = capsys.readouterr().err
    assert "unknown config variable 'tcp_threads'" in err
    assert "return() with values is first in OpenSIPS 3.6" in err


def test_check_refuses_rabbitmq_only_where_the_release_dropped_it(tmp_path: Path,
                                                                   capsys) -> None:
    path = tmp_path / "main.cfg"
    path.write_text('loadmodule "rabbitmq.so"\nstartup_route { exit; }\n')
    assert main(["check", "--target-version", "3.5", str(path)]) == 0
    assert main(["check", "--target-version", "3.6", str(path)]) == 1
    assert "load 'event_rabbitmq'" in capsys.readouterr().err


def test_run_notes_an_older_target_once(tmp_path: Path, capsys) -> None:
    path = tmp_path / "main.cfg"
    path.write_text('startup_route { xlog("up\\n"); }\n')
    assert main(["run", "--once", "--target-version", "3.6", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.count("note: cfgscript runs OpenSIPS 4.x semantics; this script targets 3.6") == 1
    assert main(["run", "--once", str(path)]) == 0
    assert "note:" not in capsys.readouterr().err
    configured = tmp_path / "configured"
    configured.mkdir()
    (configured / "cfgscript.toml").write_text('[lint]\ntarget-version = "3.5"\n')
    (configured / "main.cfg").write_text(path.read_text())
    assert main(["run", "--once", str(configured / "main.cfg")]) == 0
    assert "this script targets 3.5" in capsys.readouterr().err
