"""--upgrade-to (L410) on the MI commands mi() calls and the events subscribe_event() and
raise_event() name: each pair of neighbouring releases, in both directions."""

from __future__ import annotations

import pytest

from cfgscript.catalog import load_catalog
from cfgscript.lint import codes
from cfgscript.lint.finding import ERROR, WARNING
from cfgscript.lint.mi_names import reached
from cfgscript.lint.runner import lint_text


def script(modules: tuple[str, ...], statement: str) -> str:
    loads = "".join('loadmodule "%s.so"\n' % module for module in modules)
    return loads + "startup_route {\n    %s\n}\n" % statement


def upgrade_findings(text: str, release: str, upgrade: str) -> list[tuple[str, str]]:
    report = lint_text(
        text, "main.cfg", load_catalog(release), codes.RULES, jobs=1, upgrade=load_catalog(upgrade)
    )
    return [(f.severity, f.message) for f in report.findings if f.code == "L410"]


# (script, the older and the newer release, the message going up, the message going down);
# None: that direction is clean
CASES = [
    (
        script(("mi_script", "uac_registrant"), 'mi("reg_force_register");'),
        "3.4",
        "3.5",
        None,
        "on OpenSIPS 3.4: MI command 'reg_force_register' does not exist",
    ),
    (
        script(("mi_script", "dialog"), 'mi("dlg_set_profile");'),
        "3.5",
        "3.6",
        None,
        "on OpenSIPS 3.5: MI command 'dlg_set_profile' does not exist",
    ),
    (
        script(("mi_script", "domain"), 'mi("domain_dump");'),
        "3.6",
        "4.0",
        "on OpenSIPS 4.0: MI command 'domain_dump' does not exist; use 'domain:dump'",
        None,
    ),
    (
        script(("mi_script", "domain"), 'mi("domain:dump");'),
        "3.6",
        "4.0",
        None,
        "on OpenSIPS 3.6: MI command 'domain:dump' does not exist; use 'domain_dump'",
    ),
    (
        script(("mi_script", "presence"), 'mi("refreshWatchers");'),
        "3.6",
        "4.0",
        "MI command 'refreshWatchers' does not exist; use 'presence:refresh_watchers'",
        None,
    ),
    (
        script(("mi_script", "tracer", "proto_tcp"), 'mi("trace");'),
        "3.6",
        "4.0",
        "MI command 'trace' is ambiguous there (tracer:trace, tcp:trace); use 'tracer:trace'",
        None,
    ),
    (
        script(("mi_script", "httpd", "pi_http"), 'mi("pi_reload_tbls_and_cmds");'),
        "4.0",
        "4.1",
        "on OpenSIPS 4.1: MI command 'pi_reload_tbls_and_cmds' does not exist; use 'pi_reload'",
        None,
    ),
    (
        script(("mi_script",), 'mi("pi_reload");'),
        "4.0",
        "4.1",
        None,
        "on OpenSIPS 4.0: MI command 'pi_reload' does not exist",
    ),
]

EVENT_CASES = [
    (
        script(("http2d",), 'subscribe_event("E_HTTP2_REQUEST", "udp:127.0.0.1:9");'),
        "3.4",
        "3.5",
        "event 'E_HTTP2_REQUEST' is new in OpenSIPS 3.5; 3.4 does not have it; "
        "the subscription never receives anything",
    ),
    (
        script(("event_flatstore",), 'raise_event("E_FLATSTORE_ROTATION");'),
        "3.5",
        "3.6",
        "raise_event() raises a script event of that name instead",
    ),
    (
        script(("uac_registrant",), 'subscribe_event("E_REGISTRANT_REGISTERED", "udp:1.2.3.4:9");'),
        "3.6",
        "4.0",
        "event 'E_REGISTRANT_REGISTERED' is new in OpenSIPS 4.0",
    ),
]


@pytest.mark.parametrize(
    "text, older, newer, going_up, going_down",
    CASES,
    ids=["%s-%s %s" % (c[1], c[2], c[0].splitlines()[-2].strip()) for c in CASES],
)
def test_mi_names_in_both_directions(
    text: str, older: str, newer: str, going_up: str | None, going_down: str | None
) -> None:
    for release, upgrade, expected in ((older, newer, going_up), (newer, older, going_down)):
        found = [
            message
            for severity, message in upgrade_findings(text, release, upgrade)
            if "MI command" in message
        ]
        if expected is None:
            assert found == [], (release, upgrade)
        else:
            assert len(found) == 1 and expected in found[0], (release, upgrade, found)
            assert (ERROR, found[0]) in upgrade_findings(text, release, upgrade)


@pytest.mark.parametrize(
    "text, older, newer, fragment", EVENT_CASES, ids=["%s-%s" % (c[1], c[2]) for c in EVENT_CASES]
)
def test_event_names_in_both_directions(text: str, older: str, newer: str, fragment: str) -> None:
    assert upgrade_findings(text, older, newer) == []
    found = [f for f in upgrade_findings(text, newer, older) if "event '" in f[1]]
    assert len(found) == 1 and found[0][0] == WARNING and fragment in found[0][1], found


def test_names_every_release_accepts_are_clean() -> None:
    text = script(("mi_script", "dialog"), 'mi("dlg_list"); mi("uptime"); mi("$var(cmd)");')
    for older, newer in (("3.4", "3.5"), ("3.5", "3.6"), ("3.6", "4.0"), ("4.0", "4.1")):
        assert upgrade_findings(text, older, newer) == []
        assert upgrade_findings(text, newer, older) == [] or newer == "4.0"


def test_how_names_reach_commands() -> None:
    loaded = ("dialog", "tracer", "proto_tcp")
    assert [c.full_name for c in reached(load_catalog("4.1"), "dlg_list", loaded)] == [
        "dialog:list"
    ]  # a legacy alias
    assert [c.full_name for c in reached(load_catalog("4.1"), "end_dlg", loaded)] == [
        "dialog:end_dlg"
    ]  # a local name only one loaded module has
    assert len(reached(load_catalog("4.1"), "trace", loaded)) == 2
    assert [c.local_name for c in reached(load_catalog("3.6"), "dlg_list", loaded)] == ["dlg_list"]
    assert reached(load_catalog("3.6"), "dialog:dlg_list", loaded) == []
